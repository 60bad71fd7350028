//! A duty missed repeatedly is a nonconformity (10.2): the duties whose occurrences of this
//! fiscal year were missed at least [`THRESHOLD`] times and that have no nonconformity still
//! open for them, and raising one for such a duty (its assignee owns it, else the person who
//! raises it).

use super::{NewNonconformity, NonconformityView, is_manager, raise};
use crate::duties::ensure_materialized;
use crate::{Actor, AppError};
use jiff::ToSpan;
use jiff::civil::Date;
use mamori_domain::nonconformity::Source;
use mamori_domain::permission::Permission;
use mamori_domain::schedule::{self, OccurrenceState};
use mamori_store::Db;
use mamori_store::rows;
use serde::Serialize;

/// Missed occurrences in one fiscal year from which a duty is a nonconformity.
pub const THRESHOLD: i64 = 2;

/// Days given to the corrective action of a missed duty.
pub const DUE_DAYS: i64 = 30;

/// A duty missed repeatedly this fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissedDuty {
    /// The duty.
    pub duty_id: String,
    /// Its title.
    pub title: String,
    /// Its control.
    pub control_id: Option<String>,
    /// Missed occurrences this fiscal year.
    pub missed: i64,
}

/// The duties missed at least [`THRESHOLD`] times this fiscal year (as of `today`) without an
/// unclosed nonconformity raised for them.
pub async fn candidates(db: &Db, actor: &Actor, today: Date) -> Result<Vec<MissedDuty>, AppError> {
    actor.require(Permission::RegistersView)?;
    ensure_materialized(db, &actor.org_id, today).await?;
    let mut c = db.conn().await?;
    let duties = rows::duties(&mut c.ex(), &actor.org_id).await?;
    let start = duties
        .iter()
        .find(|d| d.decision == "scheduled")
        .and_then(|d| u8::try_from(d.fiscal_year_start).ok())
        .unwrap_or(4);
    let first = schedule::fiscal_year_start_date(schedule::fiscal_year(today, start), start);
    let occurrences =
        rows::occurrences_between(&mut c.ex(), &actor.org_id, &first.to_string(), &today.to_string()).await?;
    let raised: Vec<String> = rows::nonconformities(&mut c.ex(), &actor.org_id)
        .await?
        .into_iter()
        .filter(|n| n.source == Source::MissedDuty.key() && n.state != "closed")
        .filter_map(|n| n.source_ref)
        .collect();
    let mut out = Vec::new();
    for d in duties.iter().filter(|d| d.decision == "scheduled" && d.active != 0 && !raised.contains(&d.id)) {
        let missed = occurrences
            .iter()
            .filter(|o| o.duty_id == d.id)
            .filter(|o| {
                let Ok(due) = o.due.parse::<Date>() else { return false };
                let done_on = o.done_on.as_deref().and_then(|x| x.parse().ok());
                schedule::state(due, done_on, o.state == "skipped", today) == OccurrenceState::Missed
            })
            .count();
        let missed = i64::try_from(missed).unwrap_or(i64::MAX);
        if missed >= THRESHOLD {
            out.push(MissedDuty {
                duty_id: d.id.clone(),
                title: d.title.clone(),
                control_id: d.control_id.clone(),
                missed,
            });
        }
    }
    Ok(out)
}

/// Raises the nonconformity of a duty missed repeatedly (経営責任者 and 情報セキュリティ管理者):
/// `Conflict` when the duty is not (or no longer) a candidate.
pub async fn raise_for_duty(
    db: &Db,
    actor: &Actor,
    duty_id: &str,
    today: Date,
    now: i64,
) -> Result<NonconformityView, AppError> {
    if !is_manager(actor) {
        return Err(AppError::Forbidden);
    }
    let me = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let m = candidates(db, actor, today).await?.into_iter().find(|m| m.duty_id == duty_id).ok_or(AppError::Conflict)?;
    let assignee = {
        let mut c = db.conn().await?;
        rows::duty(&mut c.ex(), &actor.org_id, duty_id).await?.and_then(|d| d.assignee_id)
    };
    let n = NewNonconformity {
        source: Source::MissedDuty,
        source_ref: Some(m.duty_id.clone()),
        control_id: m.control_id.clone(),
        text: format!("業務「{}」が今年度 {} 回、期限までに実施されていない。", m.title, m.missed),
        owner_id: assignee.unwrap_or(me),
        due: today.checked_add(DUE_DAYS.days()).map_err(crate::error::internal)?,
    };
    raise(db, actor, n, now).await
}
