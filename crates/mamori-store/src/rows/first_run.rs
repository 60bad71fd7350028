//! The first run's checklist: the steps that leave no other record (migration 0033).

use crate::{Ex, StoreError, exec, fetch_all};

/// One step marked done.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FirstRunStepRow {
    /// Organisation.
    pub org_id: String,
    /// The step's key.
    pub step: String,
    /// When.
    pub done_at: i64,
    /// By whom (user id; none for the command line).
    pub done_by: Option<String>,
}

/// The organisation's steps marked done.
pub async fn first_run_steps(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<FirstRunStepRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        FirstRunStepRow,
        "SELECT org_id, step, done_at, done_by FROM first_run_step WHERE org_id = $1 ORDER BY done_at, step",
        org_id
    )?)
}

/// Marks a step done once (a second mark keeps the first); returns whether it was new.
pub async fn mark_first_run_step(ex: &mut Ex<'_>, r: &FirstRunStepRow) -> Result<bool, StoreError> {
    let n = exec!(
        ex,
        "INSERT INTO first_run_step (org_id, step, done_at, done_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, step) DO NOTHING",
        &r.org_id,
        &r.step,
        r.done_at,
        &r.done_by
    )
    .map_err(StoreError::from_write)?;
    Ok(n == 1)
}
