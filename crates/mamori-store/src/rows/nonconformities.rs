//! Nonconformities (10.2): the life of a corrective action whose report is a row of the
//! 是正処置報告書 register.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_i64, fetch_optional};

/// A nonconformity's life (its report is the register row with the same id).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct NonconformityRow {
    /// Id (the register row's id).
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Number within the organisation (NC-0001).
    pub number: i64,
    /// internal_audit, certification_audit, incident, missed_duty, finding.
    pub source: String,
    /// The incident, finding or duty it came from.
    pub source_ref: Option<String>,
    /// The Annex A control it names.
    pub control_id: Option<String>,
    /// open, acted, closed.
    pub state: String,
    /// Owner (user id).
    pub owner_id: Option<String>,
    /// Who recorded the action (user id).
    pub acted_by: Option<String>,
    /// When.
    pub acted_at: Option<i64>,
    /// Who checked effectiveness (user id).
    pub checked_by: Option<String>,
    /// When.
    pub checked_at: Option<i64>,
    /// Optimistic concurrency.
    pub version: i64,
    /// Created.
    pub created_at: i64,
    /// Updated.
    pub updated_at: i64,
}

const NC_COLS: &str = "id, org_id, number, source, source_ref, control_id, state, owner_id, acted_by, acted_at, \
                       checked_by, checked_at, version, created_at, updated_at";

/// The next number.
pub async fn next_nonconformity_number(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COALESCE(MAX(number), 0) + 1 FROM nonconformity WHERE org_id = $1", org_id)?)
}

/// Inserts a nonconformity.
pub async fn insert_nonconformity(ex: &mut Ex<'_>, n: &NonconformityRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO nonconformity (",
            NC_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ]),
        &n.id,
        &n.org_id,
        n.number,
        &n.source,
        &n.source_ref,
        &n.control_id,
        &n.state,
        &n.owner_id,
        &n.acted_by,
        n.acted_at,
        &n.checked_by,
        n.checked_at,
        n.version,
        n.created_at,
        n.updated_at
    )?;
    Ok(())
}

/// Writes a new state (version `n.version - 1` must be current); returns the rows changed.
pub async fn update_nonconformity(ex: &mut Ex<'_>, n: &NonconformityRow) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE nonconformity SET state = $1, acted_by = $2, acted_at = $3, checked_by = $4, checked_at = $5, \
         version = $6, updated_at = $7 WHERE org_id = $8 AND id = $9 AND version = $10",
        &n.state,
        &n.acted_by,
        n.acted_at,
        &n.checked_by,
        n.checked_at,
        n.version,
        n.updated_at,
        &n.org_id,
        &n.id,
        n.version - 1
    )?)
}

/// One nonconformity.
pub async fn nonconformity(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<NonconformityRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        NonconformityRow,
        sql(&["SELECT ", NC_COLS, " FROM nonconformity WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// Every nonconformity of the organisation, by number.
pub async fn nonconformities(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<NonconformityRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        NonconformityRow,
        sql(&["SELECT ", NC_COLS, " FROM nonconformity WHERE org_id = $1 ORDER BY number"]),
        org_id
    )?)
}
