//! Control health (9.1): gathers, for every control of the current regulation on a day, the
//! facts `mamori_domain::health::evaluate` rules on — its duties' occurrences this fiscal year
//! (on time, late, missed, skipped), its unresolved open items, the nonconformities naming it that are not closed and, for 8.15, the days covered
//! by imported Microsoft 365 logs in the last 90 days and the age of the last import.
//!
//! Readable by whoever may read the regulation (`regulation.view`): only counts leave here,
//! never the content of an incident or a register row.

use crate::duties::ensure_materialized;
use crate::error::internal;
use crate::{Actor, AppError, tokyo_date};
use jiff::ToSpan;
use jiff::civil::Date;
use mamori_domain::health::{self, ControlFacts, Health, LOG_WINDOW_DAYS, LogCoverage};
use mamori_domain::permission::Permission;
use mamori_domain::schedule::{self, OccurrenceState};
use mamori_store::Db;
use mamori_store::rows;
use std::collections::{BTreeMap, HashMap};

/// The controls whose health includes the Microsoft 365 log coverage.
pub const LOG_CONTROLS: [&str; 1] = ["8.15"];

/// The facts of every control of the current regulation as of `today`, by control id (none
/// before a regulation is imported).
pub async fn facts(db: &Db, actor: &Actor, today: Date) -> Result<BTreeMap<String, ControlFacts>, AppError> {
    let Some(current) = crate::regulation::current(db, actor).await? else { return Ok(BTreeMap::new()) };
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
    let open_items = rows::open_items(&mut c.ex(), &actor.org_id).await?;
    let imports = rows::m365_imports(&mut c.ex(), &actor.org_id).await?;
    let nonconformities = rows::nonconformities(&mut c.ex(), &actor.org_id).await?;
    let window_start = today.checked_sub((LOG_WINDOW_DAYS - 1).days()).map_err(internal)?;
    let days_covered =
        rows::count_m365_days(&mut c.ex(), &actor.org_id, &window_start.to_string(), &today.to_string()).await?;
    drop(c);

    let mut out: BTreeMap<String, ControlFacts> = current
        .controls
        .iter()
        .map(|ctl| (ctl.id.clone(), ControlFacts { applicable: ctl.applicable, ..ControlFacts::default() }))
        .collect();
    let control_of: HashMap<&str, &str> =
        duties.iter().filter_map(|d| Some((d.id.as_str(), d.control_id.as_deref()?))).collect();
    for d in duties.iter().filter(|d| d.decision == "scheduled" && d.active != 0) {
        if let Some(f) = d.control_id.as_deref().and_then(|id| out.get_mut(id)) {
            f.duties += 1;
        }
    }
    for o in &occurrences {
        let Some(f) = control_of.get(o.duty_id.as_str()).and_then(|id| out.get_mut(*id)) else { continue };
        let Ok(due) = o.due.parse::<Date>() else { continue };
        let done_on = o.done_on.as_deref().and_then(|d| d.parse().ok());
        match schedule::state(due, done_on, o.state == "skipped", today) {
            OccurrenceState::DoneOnTime => f.on_time += 1,
            OccurrenceState::DoneLate => f.late += 1,
            OccurrenceState::Missed => f.missed += 1,
            OccurrenceState::Skipped => f.skipped += 1,
            OccurrenceState::NotYetDue => {}
        }
    }
    for item in open_items.iter().filter(|i| i.resolved_at.is_none()) {
        if let Some(f) = out.get_mut(&item.control_id) {
            f.open_items += 1;
        }
    }
    for n in nonconformities.iter().filter(|n| n.state != "closed") {
        if let Some(f) = n.control_id.as_deref().and_then(|id| out.get_mut(id)) {
            f.nonconformities += 1;
        }
    }
    let last_import = imports.iter().map(|i| i.imported_at).max().map(tokyo_date);
    for id in LOG_CONTROLS {
        if let Some(f) = out.get_mut(id) {
            f.logs = Some(LogCoverage {
                days_covered,
                days_since_import: last_import.map(|d| (today - d).get_days().into()),
            });
        }
    }
    Ok(out)
}

/// The health of every control of the current regulation as of `today`.
pub async fn all(db: &Db, actor: &Actor, today: Date) -> Result<BTreeMap<String, Health>, AppError> {
    actor.require(Permission::RegulationView)?;
    Ok(facts(db, actor, today).await?.into_iter().map(|(id, f)| (id, health::evaluate(&f))).collect())
}

/// The health of one control (`NotFound` when the current regulation has no such control).
pub async fn of_control(db: &Db, actor: &Actor, control_id: &str, today: Date) -> Result<Health, AppError> {
    all(db, actor, today).await?.remove(control_id).ok_or(AppError::NotFound)
}
