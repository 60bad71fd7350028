//! The daily worker's per-organisation claim (`daily_run`).

use crate::{Ex, StoreError, exec};

/// Claims `job` of `day` (YYYY-MM-DD) for the organisation: true for exactly one caller per
/// (organisation, job, day) however many processes share the database (one conditional
/// upsert: it moves `last_day` forward or changes nothing).
pub async fn claim_daily(ex: &mut Ex<'_>, org_id: &str, job: &str, day: &str) -> Result<bool, StoreError> {
    let n = exec!(
        ex,
        "INSERT INTO daily_run (org_id, job, last_day) VALUES ($1, $2, $3) \
         ON CONFLICT (org_id, job) DO UPDATE SET last_day = excluded.last_day \
         WHERE daily_run.last_day < excluded.last_day",
        org_id,
        job,
        day
    )?;
    Ok(n == 1)
}
