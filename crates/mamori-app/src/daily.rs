//! The daily job of the background worker, run once per organisation per day however many
//! servers share the database: the claim is one conditional upsert on `daily_run`
//! (`rows::claim_daily`); the server that moves `last_day` to today runs the job, the others
//! skip it. The job materialises the duties' occurrences and applies the Microsoft 365
//! retention purge. A server that dies between its claim and the job leaves that day's job
//! undone; materialisation also happens on the next read of the duties, and the purge on the
//! next day.

use crate::{Actor, AppError};
use jiff::civil::Date;
use mamori_store::Db;
use mamori_store::rows;

/// The job's name in `daily_run`.
pub const JOB: &str = "daily";

/// What one organisation's daily job did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Microsoft 365 events deleted by the retention purge.
    pub purged_events: i64,
}

/// Claims today's job for the organisation; true for exactly one caller per day.
pub async fn claim(db: &Db, org_id: &str, today: Date) -> Result<bool, AppError> {
    let mut c = db.conn().await?;
    Ok(rows::claim_daily(&mut c.ex(), org_id, JOB, &today.to_string()).await?)
}

/// Runs the organisation's daily job when this caller wins today's claim (`None` otherwise).
pub async fn run_if_claimed(db: &Db, org_id: &str, today: Date, now: i64) -> Result<Option<Outcome>, AppError> {
    if !claim(db, org_id, today).await? {
        return Ok(None);
    }
    crate::duties::materialize(db, org_id, today, crate::duties::HORIZON_DAYS).await?;
    let purged = crate::m365::purge(db, &Actor::cli(org_id), today, now).await?;
    // A leaver's mamori login is disabled on their leave date (the checklist's `login` item).
    crate::people::leaver_sync::disable_logins(db, org_id, today, now).await?;
    Ok(Some(Outcome { purged_events: purged.map(|p| i64::try_from(p.events).unwrap_or(i64::MAX)).unwrap_or(0) }))
}
