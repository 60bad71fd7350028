//! Information-security objectives (6.2) and their measurements.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_i64, fetch_optional};

/// An objective.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ObjectiveRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Number within the organisation.
    pub number: i64,
    /// Title.
    pub title: String,
    /// 測定方法.
    pub measure: String,
    /// The computed measure's key, if the system computes it.
    pub metric: Option<String>,
    /// Target in thousandths.
    pub target_milli: i64,
    /// Unit (%, 件, 回 …).
    pub unit: String,
    /// at_least, at_most.
    pub direction: String,
    /// Owner (user id).
    pub owner_id: String,
    /// Due day (`YYYY-MM-DD`).
    pub due_on: String,
    /// Who set it (user id).
    pub created_by: String,
    /// Optimistic concurrency.
    pub version: i64,
    /// Created.
    pub created_at: i64,
    /// Updated.
    pub updated_at: i64,
}

const O_COLS: &str = "id, org_id, number, title, measure, metric, target_milli, unit, direction, owner_id, due_on, \
                      created_by, version, created_at, updated_at";

/// A measurement of an objective.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct MeasurementRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The objective.
    pub objective_id: String,
    /// Day measured (`YYYY-MM-DD`).
    pub measured_on: String,
    /// Value in thousandths.
    pub value_milli: i64,
    /// Note.
    pub note: String,
    /// 1 when the system computed the value.
    pub computed: i64,
    /// Who recorded it (user id).
    pub recorded_by: String,
    /// When.
    pub created_at: i64,
}

const M_COLS: &str = "id, org_id, objective_id, measured_on, value_milli, note, computed, recorded_by, created_at";

/// The next objective number.
pub async fn next_objective_number(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COALESCE(MAX(number), 0) + 1 FROM objective WHERE org_id = $1", org_id)?)
}

/// Inserts an objective.
pub async fn insert_objective(ex: &mut Ex<'_>, o: &ObjectiveRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO objective (",
            O_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ]),
        &o.id,
        &o.org_id,
        o.number,
        &o.title,
        &o.measure,
        &o.metric,
        o.target_milli,
        &o.unit,
        &o.direction,
        &o.owner_id,
        &o.due_on,
        &o.created_by,
        o.version,
        o.created_at,
        o.updated_at
    )?;
    Ok(())
}

/// One objective.
pub async fn objective(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<ObjectiveRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        ObjectiveRow,
        sql(&["SELECT ", O_COLS, " FROM objective WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// Every objective, in number order.
pub async fn objectives(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<ObjectiveRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        ObjectiveRow,
        sql(&["SELECT ", O_COLS, " FROM objective WHERE org_id = $1 ORDER BY number"]),
        org_id
    )?)
}

/// Inserts a measurement.
pub async fn insert_measurement(ex: &mut Ex<'_>, m: &MeasurementRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO objective_measurement (", M_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"]),
        &m.id,
        &m.org_id,
        &m.objective_id,
        &m.measured_on,
        m.value_milli,
        &m.note,
        m.computed,
        &m.recorded_by,
        m.created_at
    )?;
    Ok(())
}

/// Every measurement of the organisation, oldest first (by day measured, then recorded).
pub async fn measurements(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<MeasurementRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        MeasurementRow,
        sql(&["SELECT ", M_COLS, " FROM objective_measurement WHERE org_id = $1 ORDER BY measured_on, created_at, id"]),
        org_id
    )?)
}
