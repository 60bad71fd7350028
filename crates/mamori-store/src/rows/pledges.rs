//! Pledges signed in mamori and the joiner's screening records. Migration 0031.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all};

/// One signature of a pledge document's version (never changed or deleted).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct PledgeSignatureRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The person of the directory who signed.
    pub person_id: String,
    /// `joiner` or `leaver`.
    pub kind: String,
    /// The pledge document.
    pub document_id: String,
    /// The version signed.
    pub version_id: String,
    /// Its 版数.
    pub edition: String,
    /// SHA-256 of the version's content.
    pub content_sha256: String,
    /// `online` or `paper`.
    pub method: String,
    /// The name the person typed (online) or the name on the paper.
    pub typed_name: String,
    /// The JST date signed (YYYY-MM-DD).
    pub signed_on: String,
    /// When it was recorded (epoch ms).
    pub signed_at: i64,
    /// Who recorded it (a user id: the signer online, a manager for paper).
    pub recorded_by: String,
    /// The scan of a paper pledge.
    pub evidence_sha256: Option<String>,
    /// The register row written with it.
    pub register_row_id: Option<String>,
    /// Created.
    pub created_at: i64,
}

const S_COLS: &str = "id, org_id, person_id, kind, document_id, version_id, edition, content_sha256, method, \
                      typed_name, signed_on, signed_at, recorded_by, evidence_sha256, register_row_id, created_at";

/// Inserts a signature.
pub async fn insert_pledge_signature(ex: &mut Ex<'_>, s: &PledgeSignatureRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO pledge_signature (",
            S_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ]),
        &s.id,
        &s.org_id,
        &s.person_id,
        &s.kind,
        &s.document_id,
        &s.version_id,
        &s.edition,
        &s.content_sha256,
        &s.method,
        &s.typed_name,
        &s.signed_on,
        s.signed_at,
        &s.recorded_by,
        &s.evidence_sha256,
        &s.register_row_id,
        s.created_at
    )?;
    Ok(())
}

/// Every signature of the organisation, oldest first.
pub async fn pledge_signatures(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<PledgeSignatureRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        PledgeSignatureRow,
        sql(&["SELECT ", S_COLS, " FROM pledge_signature WHERE org_id = $1 ORDER BY signed_at, id"]),
        org_id
    )?)
}

/// A person's signatures, oldest first.
pub async fn pledge_signatures_of(
    ex: &mut Ex<'_>,
    org_id: &str,
    person_id: &str,
) -> Result<Vec<PledgeSignatureRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        PledgeSignatureRow,
        sql(&["SELECT ", S_COLS, " FROM pledge_signature WHERE org_id = $1 AND person_id = $2 ORDER BY signed_at, id"]),
        org_id,
        person_id
    )?)
}

/// A screening check before joining (6.1).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ScreeningRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The person screened.
    pub person_id: String,
    /// When checked (YYYY-MM-DD).
    pub checked_on: String,
    /// What was checked.
    pub checks: String,
    /// The result.
    pub result: String,
    /// Who checked (a name).
    pub checked_by: String,
    /// Notes.
    pub notes: String,
    /// Who recorded it (a user id).
    pub recorded_by: String,
    /// Created.
    pub created_at: i64,
}

const C_COLS: &str = "id, org_id, person_id, checked_on, checks, result, checked_by, notes, recorded_by, created_at";

/// Inserts a screening record.
pub async fn insert_screening(ex: &mut Ex<'_>, s: &ScreeningRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO person_screening (", C_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"]),
        &s.id,
        &s.org_id,
        &s.person_id,
        &s.checked_on,
        &s.checks,
        &s.result,
        &s.checked_by,
        &s.notes,
        &s.recorded_by,
        s.created_at
    )?;
    Ok(())
}

/// The organisation's screening records, by date.
pub async fn screenings(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<ScreeningRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        ScreeningRow,
        sql(&["SELECT ", C_COLS, " FROM person_screening WHERE org_id = $1 ORDER BY checked_on, created_at, id"]),
        org_id
    )?)
}
