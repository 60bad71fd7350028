//! Management reviews (9.3): inputs, outputs and the approval of the minutes.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_i64, fetch_optional};

/// A management review.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ManagementReviewRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Number within the organisation.
    pub number: i64,
    /// The day it is held (`YYYY-MM-DD`).
    pub held_on: String,
    /// Inputs a–g (JSON object of item lists).
    pub inputs_json: String,
    /// Outputs (JSON: decisions and actions).
    pub outputs_json: String,
    /// prepared, approved.
    pub state: String,
    /// Who approved the minutes (user id).
    pub approved_by: Option<String>,
    /// When.
    pub approved_at: Option<i64>,
    /// Who prepared it (user id).
    pub created_by: String,
    /// Optimistic concurrency.
    pub version: i64,
    /// Created.
    pub created_at: i64,
    /// Updated.
    pub updated_at: i64,
}

const MR_COLS: &str = "id, org_id, number, held_on, inputs_json, outputs_json, state, approved_by, approved_at, \
                       created_by, version, created_at, updated_at";

/// The next number.
pub async fn next_management_review_number(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COALESCE(MAX(number), 0) + 1 FROM management_review WHERE org_id = $1", org_id)?)
}

/// Inserts a review.
pub async fn insert_management_review(ex: &mut Ex<'_>, r: &ManagementReviewRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO management_review (",
            MR_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ]),
        &r.id,
        &r.org_id,
        r.number,
        &r.held_on,
        &r.inputs_json,
        &r.outputs_json,
        &r.state,
        &r.approved_by,
        r.approved_at,
        &r.created_by,
        r.version,
        r.created_at,
        r.updated_at
    )?;
    Ok(())
}

/// Writes inputs, outputs, state and approval (version `r.version - 1` must be current).
pub async fn update_management_review(ex: &mut Ex<'_>, r: &ManagementReviewRow) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE management_review SET inputs_json = $1, outputs_json = $2, state = $3, approved_by = $4, \
         approved_at = $5, version = $6, updated_at = $7 WHERE org_id = $8 AND id = $9 AND version = $10",
        &r.inputs_json,
        &r.outputs_json,
        &r.state,
        &r.approved_by,
        r.approved_at,
        r.version,
        r.updated_at,
        &r.org_id,
        &r.id,
        r.version - 1
    )?)
}

/// One review.
pub async fn management_review(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
) -> Result<Option<ManagementReviewRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        ManagementReviewRow,
        sql(&["SELECT ", MR_COLS, " FROM management_review WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// Every review, newest first.
pub async fn management_reviews(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<ManagementReviewRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        ManagementReviewRow,
        sql(&["SELECT ", MR_COLS, " FROM management_review WHERE org_id = $1 ORDER BY number DESC"]),
        org_id
    )?)
}
