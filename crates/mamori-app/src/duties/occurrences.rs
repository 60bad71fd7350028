//! Occurrences of duties: materialised for a rolling horizon, the cached open snapshot,
//! listings with computed states, what is due soon, one occurrence and a duty's history.

use super::{HORIZON_DAYS, is_mine, load, load_duty, schedule_of};
use crate::error::internal;
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::permission::Permission;
use mamori_domain::schedule::{self, OccurrenceState};
use mamori_store::Db;
use mamori_store::rows::{self, DutyRow, OccurrenceRow};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// Days ahead the open-occurrence cache covers.
pub(super) const CACHE_AHEAD_DAYS: i64 = 60;

/// An organisation's duties and open occurrences due up to `CACHE_AHEAD_DAYS` ahead, as of
/// one duty data version and day.
pub(super) struct OpenCache {
    version: i64,
    today: Date,
    duties: Arc<HashMap<String, DutyRow>>,
    open: Arc<Vec<OccurrenceRow>>,
}

fn open_key(org_id: &str) -> crate::cache::Key {
    crate::cache::Key::new(crate::cache::Kind::DutySnapshot, org_id, "", "")
}

/// The duties and open occurrences due by `today + CACHE_AHEAD_DAYS`.
pub(super) async fn open_snapshot(
    db: &Db,
    org_id: &str,
    today: Date,
) -> Result<(Arc<HashMap<String, DutyRow>>, Arc<Vec<OccurrenceRow>>), AppError> {
    let mut c = db.conn().await?;
    let version = rows::duty_version(&mut c.ex(), org_id).await?;
    // Per organisation in the budgeted cache; checked against `duty_version` on every read, so
    // writes from any process (the CLI, another server) are seen.
    if let Some(hit) =
        crate::cache::get_if::<OpenCache>(&open_key(org_id), |h| h.version == version && h.today == today)
    {
        return Ok((hit.duties.clone(), hit.open.clone()));
    }
    let to = today.checked_add(jiff::Span::new().days(CACHE_AHEAD_DAYS)).map_err(internal)?;
    let duties: Arc<HashMap<String, DutyRow>> =
        Arc::new(rows::duties(&mut c.ex(), org_id).await?.into_iter().map(|d| (d.id.clone(), d)).collect());
    let open = Arc::new(rows::open_occurrences_until(&mut c.ex(), org_id, &to.to_string()).await?);
    // Rough size: the rows' text fields dominate; 600 bytes a duty, 320 an occurrence.
    let bytes = 256 + duties.len() * 600 + open.len() * 320;
    crate::cache::insert(
        open_key(org_id),
        Arc::new(OpenCache { version, today, duties: duties.clone(), open: open.clone() }),
        bytes,
    );
    Ok((duties, open))
}

/// The day each organisation was last materialised by this process.
pub(super) static MATERIALIZED: LazyLock<Mutex<HashMap<String, Date>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Materialises occurrences of every scheduled duty from the fiscal year of `today` (or the
/// day after its latest existing occurrence) up to `horizon_days` ahead. Existing occurrences
/// are kept, so this is idempotent.
pub async fn materialize(db: &Db, org_id: &str, today: Date, horizon_days: i64) -> Result<(), AppError> {
    let (duties, last) = {
        let mut c = db.conn().await?;
        let duties = rows::duties(&mut c.ex(), org_id).await?;
        let last: HashMap<String, String> = rows::last_due_per_duty(&mut c.ex(), org_id).await?.into_iter().collect();
        (duties, last)
    };
    let to = today.checked_add(jiff::Span::new().days(horizon_days)).map_err(internal)?;
    let mut tx = db.begin().await?;
    for d in duties.iter().filter(|d| d.active == 1 && d.decision == "scheduled" && d.confirmed_at.is_some()) {
        let Some(s) = schedule_of(d) else { continue };
        let fy_start =
            schedule::fiscal_year_start_date(schedule::fiscal_year(today, s.fiscal_year_start), s.fiscal_year_start);
        let mut from = d.schedule_from.parse::<Date>().map(|f| f.max(fy_start)).unwrap_or(fy_start);
        if let Some(after) = last.get(&d.id).and_then(|l| l.parse::<Date>().ok()).and_then(|l| l.tomorrow().ok()) {
            from = from.max(after);
        }
        for due in schedule::occurrences(&s, from, to) {
            rows::insert_occurrence(
                &mut tx.ex(),
                &OccurrenceRow::open(new_id(), org_id, d.id.clone(), due.to_string()),
            )
            .await?;
        }
    }
    super::register_dates::sync(&mut tx, org_id, today, &duties, &last).await?;
    rows::bump_duty_version(&mut tx.ex(), org_id).await?;
    tx.commit().await?;
    if let Ok(mut m) = MATERIALIZED.lock() {
        m.insert(org_id.to_string(), today);
    }
    Ok(())
}

/// Materialises unless this process already did so today for the organisation.
pub async fn ensure_materialized(db: &Db, org_id: &str, today: Date) -> Result<(), AppError> {
    let done = MATERIALIZED.lock().map(|m| m.get(org_id) == Some(&today)).unwrap_or(false);
    if done { Ok(()) } else { materialize(db, org_id, today, HORIZON_DAYS).await }
}

/// An occurrence with its computed state.
#[derive(Debug, Clone, Serialize)]
pub struct OccurrenceView {
    /// The occurrence.
    #[serde(flatten)]
    pub occurrence: OccurrenceRow,
    /// done on time, done late, skipped, missed (overdue), not yet due.
    pub status: OccurrenceState,
}

impl OccurrenceView {
    /// The contract's JSON (`mamori duties occurrences`, `GET /api/v1/duties/occurrences`).
    pub fn contract(&self) -> serde_json::Value {
        let o = &self.occurrence;
        serde_json::json!({
            "duty_id": o.duty_id, "due": o.due, "state": self.contract_state(), "id": o.id,
            "status": self.status, "done_by": o.done_by, "done_on": o.done_on, "note": o.note,
            "skip_reason": o.skip_reason, "record_ref": o.record_ref,
            "evidence": o.evidence.as_deref().and_then(|e| serde_json::from_str::<Vec<String>>(e).ok()).unwrap_or_default(),
        })
    }

    /// The contract with `done_by_name`, the display name of who recorded the completion
    /// (`done_by` stays the login ID they recorded it with).
    pub fn contract_named(&self, people: &[crate::users::Person]) -> serde_json::Value {
        let mut v = self.contract();
        let name = self.occurrence.done_by.as_deref().map(|who| crate::users::name_of(people, who));
        v["done_by_name"] = serde_json::json!(name);
        v
    }

    /// The contract's state: open, done, skipped or overdue.
    pub fn contract_state(&self) -> &'static str {
        match self.status {
            OccurrenceState::DoneOnTime | OccurrenceState::DoneLate => "done",
            OccurrenceState::Skipped => "skipped",
            OccurrenceState::Missed => "overdue",
            OccurrenceState::NotYetDue => "open",
        }
    }
}

/// Occurrences due in `[from, to]` with their states as of `today`.
pub async fn occurrences(
    db: &Db,
    actor: &Actor,
    from: Date,
    to: Date,
    today: Date,
) -> Result<Vec<OccurrenceView>, AppError> {
    actor.require(Permission::DutiesView)?;
    ensure_materialized(db, &actor.org_id, today).await?;
    let mut c = db.conn().await?;
    let rows = rows::occurrences_between(&mut c.ex(), &actor.org_id, &from.to_string(), &to.to_string()).await?;
    Ok(rows.into_iter().map(|o| view_of(o, today)).collect())
}

pub(super) fn view_of(o: OccurrenceRow, today: Date) -> OccurrenceView {
    let due: Date = o.due.parse().unwrap_or(today);
    let done_on: Option<Date> = o.done_on.as_deref().and_then(|d| d.parse().ok());
    let status = schedule::state(due, done_on, o.state == "skipped", today);
    OccurrenceView { occurrence: o, status }
}

/// An open or closed occurrence with its duty's title, for lists.
#[derive(Debug, Clone, Serialize)]
pub struct DueItem {
    /// The occurrence.
    #[serde(flatten)]
    pub occurrence: OccurrenceView,
    /// The duty's title.
    pub title: String,
    /// Its control.
    pub control_id: Option<String>,
    /// Its owner role.
    pub owner_role: Option<String>,
}

/// Open occurrences overdue or due within `ahead_days` (at most 60), oldest first: the actor's own (`all == false`), or
/// everybody's (needs duties.manage).
pub async fn due_soon(
    db: &Db,
    actor: &Actor,
    all: bool,
    today: Date,
    ahead_days: i64,
    limit: usize,
) -> Result<DueSoon, AppError> {
    actor.require(Permission::DutiesView)?;
    if all {
        actor.require(Permission::DutiesManage)?;
    }
    ensure_materialized(db, &actor.org_id, today).await?;
    let mine = match (&actor.user_id, all) {
        (Some(u), false) => Some(u.as_str()),
        _ => None,
    };
    let to = today.checked_add(jiff::Span::new().days(ahead_days.min(CACHE_AHEAD_DAYS))).map_err(internal)?.to_string();
    let today_s = today.to_string();
    let (duties, open) = open_snapshot(db, &actor.org_id, today).await?;
    let mut out = DueSoon { items: Vec::new(), total: 0, overdue: 0 };
    for o in open.iter().take_while(|o| o.due <= to) {
        let Some(d) = duties.get(&o.duty_id) else { continue };
        if let Some(u) = mine
            && !is_mine(d, u, &actor.role_keys)
        {
            continue;
        }
        out.total += 1;
        if o.due < today_s {
            out.overdue += 1;
        }
        if out.items.len() < limit {
            out.items.push(DueItem {
                title: d.title.clone(),
                control_id: d.control_id.clone(),
                owner_role: d.owner_role.clone(),
                occurrence: view_of(o.clone(), today),
            });
        }
    }
    Ok(out)
}

/// Open occurrences due soon: the first `limit`, oldest first, and the counts of all.
#[derive(Debug, Clone, Serialize)]
pub struct DueSoon {
    /// The first items.
    pub items: Vec<DueItem>,
    /// How many there are.
    pub total: usize,
    /// How many are overdue.
    pub overdue: usize,
}

/// One occurrence with its duty.
pub async fn occurrence(
    db: &Db,
    actor: &Actor,
    occurrence_id: &str,
    today: Date,
) -> Result<(OccurrenceView, DutyRow), AppError> {
    actor.require(Permission::DutiesView)?;
    let (o, d) = load(db, actor, occurrence_id).await?;
    Ok((view_of(o, today), d))
}

/// A duty and every occurrence of it, newest first (its history for auditors).
pub async fn history(
    db: &Db,
    actor: &Actor,
    duty_id: &str,
    today: Date,
) -> Result<(DutyRow, Vec<OccurrenceView>), AppError> {
    actor.require(Permission::DutiesView)?;
    ensure_materialized(db, &actor.org_id, today).await?;
    let d = load_duty(db, actor, duty_id).await?;
    let mut c = db.conn().await?;
    let occ = rows::occurrences_of_duty(&mut c.ex(), &actor.org_id, duty_id).await?;
    Ok((d, occ.into_iter().map(|o| view_of(o, today)).collect()))
}
