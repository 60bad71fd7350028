//! Recurring duties (定期業務): definitions offered from the regulation or added by hand,
//! schedules, materialised occurrences, completion with evidence (a note, files, or the
//! register row it produced) and skipping, my duties, the heat map and per-duty history.
//! Overdue is computed from the dates, never stored.
//!
//! Occurrences are materialised for a rolling horizon ([`HORIZON_DAYS`]) when a schedule
//! changes and at most once a day per organisation and process ([`ensure_materialized`]); reads
//! only read.

use crate::audit::{self, Entry};
use crate::error::internal;
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::audit::AuditAction;
use mamori_domain::duty::{self as rules, HeatCell, Outcome};
use mamori_domain::permission::{
    Permission, ROLE_EMPLOYEE, ROLE_INTERNAL_AUDITOR, ROLE_SECURITY_MANAGER, ROLE_SYSTEM_ADMIN, ROLE_TOP_MANAGEMENT,
};
use mamori_domain::schedule::{self, Frequency, OccurrenceState, Schedule};
use mamori_store::Db;
use mamori_store::rows::{self, DutyRow, OccurrenceRow};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// How far ahead occurrences are materialised.
pub const HORIZON_DAYS: i64 = 400;

/// Evidence a duty may ask for.
pub const EVIDENCE_KINDS: [&str; 4] = ["none", "note", "file", "record"];

/// Decisions for a duty: scheduled, or (for "定期的に" items without an interval) event-driven,
/// tied to the internal audit or to the management review, or not decided yet.
pub const DECISIONS: [&str; 5] = ["scheduled", "event", "audit", "review", "undecided"];

/// Days ahead the open-occurrence cache covers.
const CACHE_AHEAD_DAYS: i64 = 60;

/// An organisation's duties and open occurrences due up to `CACHE_AHEAD_DAYS` ahead, as of
/// one duty data version and day.
struct OpenCache {
    version: i64,
    today: Date,
    duties: Arc<HashMap<String, DutyRow>>,
    open: Arc<Vec<OccurrenceRow>>,
}

/// Per organisation; checked against `duty_version` on every read, so writes from any
/// process (the CLI, another server) are seen.
static OPEN: LazyLock<Mutex<HashMap<String, OpenCache>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The duties and open occurrences due by `today + CACHE_AHEAD_DAYS`.
async fn open_snapshot(
    db: &Db,
    org_id: &str,
    today: Date,
) -> Result<(Arc<HashMap<String, DutyRow>>, Arc<Vec<OccurrenceRow>>), AppError> {
    let mut c = db.conn().await?;
    let version = rows::duty_version(&mut c.ex(), org_id).await?;
    if let Ok(m) = OPEN.lock()
        && let Some(hit) = m.get(org_id).filter(|h| h.version == version && h.today == today)
    {
        return Ok((hit.duties.clone(), hit.open.clone()));
    }
    let to = today.checked_add(jiff::Span::new().days(CACHE_AHEAD_DAYS)).map_err(internal)?;
    let duties: Arc<HashMap<String, DutyRow>> =
        Arc::new(rows::duties(&mut c.ex(), org_id).await?.into_iter().map(|d| (d.id.clone(), d)).collect());
    let open = Arc::new(rows::open_occurrences_until(&mut c.ex(), org_id, &to.to_string()).await?);
    if let Ok(mut m) = OPEN.lock() {
        m.insert(org_id.to_string(), OpenCache { version, today, duties: duties.clone(), open: open.clone() });
    }
    Ok((duties, open))
}

/// The day each organisation was last materialised by this process.
static MATERIALIZED: LazyLock<Mutex<HashMap<String, Date>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The seeded role key of a role name the regulation uses.
pub fn role_key_of(name: &str) -> Option<&'static str> {
    match name {
        "経営責任者" => Some(ROLE_TOP_MANAGEMENT),
        "情報セキュリティ管理者" => Some(ROLE_SECURITY_MANAGER),
        "システム管理者" => Some(ROLE_SYSTEM_ADMIN),
        "内部監査員" => Some(ROLE_INTERNAL_AUDITOR),
        "従業員" => Some(ROLE_EMPLOYEE),
        _ => None,
    }
}

fn schedule_of(d: &DutyRow) -> Option<Schedule> {
    let f = Frequency::from_key(d.frequency.as_deref()?)?;
    Some(Schedule {
        frequency: f,
        day: u8::try_from(d.anchor_day).unwrap_or(31),
        month: u8::try_from(d.anchor_month).unwrap_or(3),
        fiscal_year_start: u8::try_from(d.fiscal_year_start).unwrap_or(4),
    })
}

/// Creates a duty for every recurring item of the current regulation that has none yet, and
/// an undecided duty for every "定期的に" item. Returns how many were added.
pub async fn offer_from_regulation(db: &Db, actor: &Actor, today: Date, now: i64) -> Result<usize, AppError> {
    actor.require(Permission::DutiesManage)?;
    let Some(cur) = crate::regulation::current(db, actor).await? else { return Ok(0) };
    let mut tx = db.begin().await?;
    let mut added = 0;
    for c in &cur.controls {
        let items = c
            .recurring
            .iter()
            .map(|r| {
                (
                    r.what.clone(),
                    r.source_text.clone(),
                    Some(r.frequency.clone()),
                    r.who.as_deref().and_then(role_key_of),
                )
            })
            .chain(c.recurring_unspecified.iter().map(|u| (u.what.clone(), u.source_text.clone(), None, None)));
        for (what, source, freq, owner) in items {
            let d = DutyRow {
                id: new_id(),
                org_id: actor.org_id.clone(),
                title: what.chars().take(200).collect(),
                control_id: Some(c.id.clone()),
                decision: if freq.is_some() { "scheduled".into() } else { "undecided".into() },
                frequency: freq,
                anchor_day: 31,
                anchor_month: 3,
                fiscal_year_start: 4,
                // The fiscal year in which the duty was adopted is tracked in full.
                schedule_from: schedule::fiscal_year_start_date(schedule::fiscal_year(today, 4), 4).to_string(),
                owner_role: owner.map(str::to_string),
                source_text: source,
                evidence: "note".into(),
                active: 1,
                created_at: now,
                updated_at: now,
                assignee_id: None,
                register_key: None,
            };
            if rows::insert_duty(&mut tx.ex(), &d).await? {
                added += 1;
            }
        }
    }
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Create,
            "duty",
            None,
            None,
            Some(serde_json::json!({ "offered_from_regulation": added })),
        ),
        now,
    )
    .await?;
    rows::bump_duty_version(&mut tx.ex(), &actor.org_id).await?;
    tx.commit().await?;
    materialize(db, &actor.org_id, today, HORIZON_DAYS).await?;
    Ok(added)
}

/// A duty with its next due date.
#[derive(Debug, Clone, Serialize)]
pub struct DutyView {
    /// The duty.
    #[serde(flatten)]
    pub duty: DutyRow,
    /// Next open due date on or after today.
    pub next_due: Option<String>,
}

impl DutyView {
    /// The contract's JSON (`mamori duties list`, `GET /api/v1/duties`).
    pub fn contract(&self) -> serde_json::Value {
        let d = &self.duty;
        serde_json::json!({
            "id": d.id, "title": d.title, "control": d.control_id, "frequency": d.frequency,
            "owner_role": d.owner_role, "source_text": d.source_text, "next_due": self.next_due,
            "decision": d.decision, "assignee_id": d.assignee_id, "evidence": d.evidence,
        })
    }
}

/// The fiscal year (April start) containing `today`: its first and last day.
pub fn fiscal_year_range(today: Date) -> Result<(Date, Date), AppError> {
    let fy = schedule::fiscal_year(today, 4);
    let last = schedule::fiscal_year_start_date(fy + 1, 4).yesterday().map_err(internal)?;
    Ok((schedule::fiscal_year_start_date(fy, 4), last))
}

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
    for d in duties.iter().filter(|d| d.active == 1 && d.decision == "scheduled") {
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
                &OccurrenceRow {
                    id: new_id(),
                    org_id: org_id.to_string(),
                    duty_id: d.id.clone(),
                    due: due.to_string(),
                    state: "open".into(),
                    done_by: None,
                    done_on: None,
                    done_at: None,
                    note: None,
                    evidence: None,
                    skip_reason: None,
                    record_ref: None,
                },
            )
            .await?;
        }
    }
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

/// The organisation's duties with their next due dates.
pub async fn list(db: &Db, actor: &Actor, today: Date) -> Result<Vec<DutyView>, AppError> {
    actor.require(Permission::DutiesView)?;
    ensure_materialized(db, &actor.org_id, today).await?;
    let mut c = db.conn().await?;
    let duties = rows::duties(&mut c.ex(), &actor.org_id).await?;
    let horizon = today.checked_add(jiff::Span::new().days(HORIZON_DAYS)).map_err(internal)?;
    let occ = rows::occurrences_between(&mut c.ex(), &actor.org_id, &today.to_string(), &horizon.to_string()).await?;
    Ok(duties
        .into_iter()
        .map(|d| {
            let next_due = occ.iter().find(|o| o.duty_id == d.id && o.state == "open").map(|o| o.due.clone());
            DutyView { duty: d, next_due }
        })
        .collect())
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

/// Whether a duty falls to a person: assigned to them, or (with no assignee) owned by one of
/// their roles.
pub fn is_mine(d: &DutyRow, user_id: &str, role_keys: &[String]) -> bool {
    match &d.assignee_id {
        Some(a) => a == user_id,
        None => d.owner_role.as_ref().is_some_and(|r| role_keys.contains(r)),
    }
}

fn may_act(actor: &Actor, duty: &DutyRow) -> Result<(), AppError> {
    if actor.grants.has(Permission::DutiesManage) {
        return Ok(());
    }
    actor.require(Permission::DutiesView)?;
    let uid = actor.user_id.as_deref().ok_or(AppError::Forbidden)?;
    if is_mine(duty, uid, &actor.role_keys) { Ok(()) } else { Err(AppError::Forbidden) }
}

async fn load_duty(db: &Db, actor: &Actor, duty_id: &str) -> Result<DutyRow, AppError> {
    let mut c = db.conn().await?;
    rows::duty(&mut c.ex(), &actor.org_id, duty_id).await?.ok_or(AppError::NotFound)
}

async fn load(db: &Db, actor: &Actor, occurrence_id: &str) -> Result<(OccurrenceRow, DutyRow), AppError> {
    let o = {
        let mut c = db.conn().await?;
        rows::occurrence(&mut c.ex(), &actor.org_id, occurrence_id).await?.ok_or(AppError::NotFound)?
    };
    let d = load_duty(db, actor, &o.duty_id).await?;
    Ok((o, d))
}

fn view_of(o: OccurrenceRow, today: Date) -> OccurrenceView {
    let due: Date = o.due.parse().unwrap_or(today);
    let done_on: Option<Date> = o.done_on.as_deref().and_then(|d| d.parse().ok());
    let status = schedule::state(due, done_on, o.state == "skipped", today);
    OccurrenceView { occurrence: o, status }
}

async fn close(
    db: &Db,
    actor: &Actor,
    before: OccurrenceRow,
    after: OccurrenceRow,
    now: i64,
) -> Result<OccurrenceRow, AppError> {
    let mut tx = db.begin().await?;
    if rows::close_occurrence(&mut tx.ex(), &after).await? == 0 {
        return Err(AppError::Conflict);
    }
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "duty_occurrence",
            Some(&after.id),
            Some(serde_json::to_value(&before).map_err(internal)?),
            Some(serde_json::to_value(&after).map_err(internal)?),
        ),
        now,
    )
    .await?;
    rows::bump_duty_version(&mut tx.ex(), &actor.org_id).await?;
    tx.commit().await?;
    Ok(after)
}

/// What completes an occurrence.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    /// Note (what was done, where the record is).
    pub note: String,
    /// Stored evidence files (SHA-256).
    pub evidence: Vec<String>,
    /// The register row it produced: `register_key/row_id`.
    pub record_ref: Option<String>,
}

/// Completes an open occurrence. The duty's evidence rule applies: `note` needs a note (or a
/// file), `file` needs at least one stored evidence file, `record` needs a live row of the
/// duty's register.
pub async fn complete(
    db: &Db,
    actor: &Actor,
    occurrence_id: &str,
    done: Completion,
    today: Date,
    now: i64,
) -> Result<OccurrenceRow, AppError> {
    let (o, d) = load(db, actor, occurrence_id).await?;
    may_act(actor, &d)?;
    let note = done.note.trim().to_string();
    let record_ref = done.record_ref.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    let missing = match d.evidence.as_str() {
        "file" => done.evidence.is_empty(),
        "note" => note.is_empty() && done.evidence.is_empty(),
        "record" => record_ref.is_none(),
        _ => false,
    };
    if missing {
        let field = if d.evidence == "record" { "record_ref" } else { "evidence" };
        return Err(AppError::Validation(vec![(field.into(), "duty-evidence-required".into())]));
    }
    let mut c = db.conn().await?;
    if !done.evidence.is_empty() {
        let known = rows::evidence_hashes(&mut c.ex(), &actor.org_id).await?;
        if done.evidence.iter().any(|h| !known.contains(h)) {
            return Err(AppError::Validation(vec![("evidence".into(), "field-unknown-file".into())]));
        }
    }
    if let Some(r) = &record_ref {
        let (key, id) = r.split_once('/').unwrap_or(("", r.as_str()));
        let row = rows::register_row(&mut c.ex(), &actor.org_id, id).await?;
        let wanted = d.register_key.as_deref().unwrap_or(key);
        if !row.is_some_and(|row| row.register_key == key && key == wanted && row.deleted == 0) {
            return Err(AppError::Validation(vec![("record_ref".into(), "duty-record-unknown".into())]));
        }
    }
    drop(c);
    let after = OccurrenceRow {
        state: "done".into(),
        done_by: Some(actor.label.clone()),
        done_on: Some(today.to_string()),
        done_at: Some(now),
        note: Some(note).filter(|n| !n.is_empty()),
        evidence: Some(serde_json::to_string(&done.evidence).map_err(internal)?),
        record_ref,
        ..o.clone()
    };
    close(db, actor, o, after, now).await
}

/// Skips an open occurrence with a reason (visible to auditors).
pub async fn skip(
    db: &Db,
    actor: &Actor,
    occurrence_id: &str,
    reason: &str,
    now: i64,
) -> Result<OccurrenceRow, AppError> {
    if reason.trim().is_empty() {
        return Err(AppError::Validation(vec![("reason".into(), "field-required".into())]));
    }
    let (o, d) = load(db, actor, occurrence_id).await?;
    may_act(actor, &d)?;
    let after = OccurrenceRow {
        state: "skipped".into(),
        done_by: Some(actor.label.clone()),
        done_at: Some(now),
        skip_reason: Some(reason.trim().to_string()),
        ..o.clone()
    };
    close(db, actor, o, after, now).await
}

/// A duty's editable settings (a new duty, or a change to one).
#[derive(Debug, Clone)]
pub struct DutyEdit {
    /// What is to be done.
    pub title: String,
    /// Annex A control.
    pub control_id: Option<String>,
    /// One of [`DECISIONS`].
    pub decision: String,
    /// The schedule when `decision` is `scheduled`.
    pub schedule: Option<Schedule>,
    /// Owner role key.
    pub owner_role: Option<String>,
    /// A named assignee (user id).
    pub assignee_id: Option<String>,
    /// One of [`EVIDENCE_KINDS`].
    pub evidence: String,
    /// The register whose row completes it (evidence `record`).
    pub register_key: Option<String>,
    /// In use.
    pub active: bool,
}

impl DutyEdit {
    /// The current settings of a duty.
    pub fn of(d: &DutyRow) -> DutyEdit {
        DutyEdit {
            title: d.title.clone(),
            control_id: d.control_id.clone(),
            decision: d.decision.clone(),
            schedule: schedule_of(d),
            owner_role: d.owner_role.clone(),
            assignee_id: d.assignee_id.clone(),
            evidence: d.evidence.clone(),
            register_key: d.register_key.clone(),
            active: d.active == 1,
        }
    }
}

async fn validate(db: &Db, actor: &Actor, e: &DutyEdit) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if e.title.trim().is_empty() {
        errors.push(("title".to_string(), "field-required".to_string()));
    }
    if !DECISIONS.contains(&e.decision.as_str()) || (e.decision == "scheduled") != e.schedule.is_some() {
        errors.push(("decision".into(), "field-not-a-choice".into()));
    }
    if let Some(s) = e.schedule
        && (!(1..=31).contains(&s.day) || !(1..=12).contains(&s.month) || !(1..=12).contains(&s.fiscal_year_start))
    {
        errors.push(("schedule".into(), "field-not-a-choice".into()));
    }
    if !EVIDENCE_KINDS.contains(&e.evidence.as_str()) || (e.evidence == "record") != e.register_key.is_some() {
        errors.push(("evidence".into(), "field-not-a-choice".into()));
    }
    let mut c = db.conn().await?;
    if let Some(r) = &e.owner_role
        && !rows::list_roles(&mut c.ex(), &actor.org_id).await?.iter().any(|x| &x.key == r)
    {
        errors.push(("owner_role".into(), "field-not-a-choice".into()));
    }
    if let Some(u) = &e.assignee_id
        && rows::user_by_id(&mut c.ex(), &actor.org_id, u).await?.is_none()
    {
        errors.push(("assignee_id".into(), "field-not-a-choice".into()));
    }
    if let Some(k) = &e.register_key
        && !rows::register_defs(&mut c.ex(), &actor.org_id).await?.iter().any(|r| &r.key == k)
    {
        errors.push(("register_key".into(), "field-not-a-choice".into()));
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

fn apply(d: &mut DutyRow, e: DutyEdit) {
    let s = e.schedule;
    d.title = e.title.trim().chars().take(200).collect();
    d.control_id = e.control_id.filter(|c| !c.trim().is_empty());
    d.decision = e.decision;
    d.frequency = s.and_then(|s| serde_json::to_value(s.frequency).ok().and_then(|v| v.as_str().map(str::to_string)));
    if let Some(s) = s {
        d.anchor_day = i64::from(s.day);
        d.anchor_month = i64::from(s.month);
        d.fiscal_year_start = i64::from(s.fiscal_year_start);
    }
    d.owner_role = e.owner_role;
    d.assignee_id = e.assignee_id;
    d.evidence = e.evidence;
    d.register_key = e.register_key;
    d.active = i64::from(e.active);
}

/// Adds a duty by hand.
pub async fn create(db: &Db, actor: &Actor, e: DutyEdit, today: Date, now: i64) -> Result<DutyRow, AppError> {
    actor.require(Permission::DutiesManage)?;
    validate(db, actor, &e).await?;
    let mut d = DutyRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        title: String::new(),
        control_id: None,
        decision: String::new(),
        frequency: None,
        anchor_day: 31,
        anchor_month: 3,
        fiscal_year_start: 4,
        schedule_from: today.to_string(),
        owner_role: None,
        // A duty added by hand has no regulation sentence; its id keeps it unique.
        source_text: String::new(),
        evidence: String::new(),
        active: 1,
        created_at: now,
        updated_at: now,
        assignee_id: None,
        register_key: None,
    };
    apply(&mut d, e);
    d.source_text = format!("manual:{}", d.id);
    let mut tx = db.begin().await?;
    rows::insert_duty(&mut tx.ex(), &d).await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Create,
            "duty",
            Some(&d.id),
            None,
            Some(serde_json::to_value(&d).map_err(internal)?),
        ),
        now,
    )
    .await?;
    rows::bump_duty_version(&mut tx.ex(), &actor.org_id).await?;
    tx.commit().await?;
    materialize(db, &actor.org_id, today, HORIZON_DAYS).await?;
    Ok(d)
}

/// Changes a duty (its schedule, owner, evidence, or the decision on an undecided item).
/// Completed and skipped occurrences are history and stay; open ones from `today` on are
/// regenerated from the new schedule.
pub async fn update(
    db: &Db,
    actor: &Actor,
    duty_id: &str,
    e: DutyEdit,
    today: Date,
    now: i64,
) -> Result<DutyRow, AppError> {
    actor.require(Permission::DutiesManage)?;
    validate(db, actor, &e).await?;
    let before = load_duty(db, actor, duty_id).await?;
    let mut after = before.clone();
    apply(&mut after, e);
    let schedule_changed = (
        after.decision.as_str(),
        &after.frequency,
        after.anchor_day,
        after.anchor_month,
        after.fiscal_year_start,
        after.active,
    ) != (
        before.decision.as_str(),
        &before.frequency,
        before.anchor_day,
        before.anchor_month,
        before.fiscal_year_start,
        before.active,
    );
    if schedule_changed {
        after.schedule_from = today.to_string();
    }
    after.updated_at = now;
    let mut tx = db.begin().await?;
    rows::update_duty_schedule(&mut tx.ex(), &after).await?;
    if schedule_changed {
        rows::delete_open_occurrences_from(&mut tx.ex(), &actor.org_id, duty_id, &today.to_string()).await?;
    }
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "duty",
            Some(duty_id),
            Some(serde_json::to_value(&before).map_err(internal)?),
            Some(serde_json::to_value(&after).map_err(internal)?),
        ),
        now,
    )
    .await?;
    rows::bump_duty_version(&mut tx.ex(), &actor.org_id).await?;
    tx.commit().await?;
    materialize(db, &actor.org_id, today, HORIZON_DAYS).await?;
    Ok(after)
}

/// Changes only a duty's decision and schedule (see [`update`]).
pub async fn reschedule(
    db: &Db,
    actor: &Actor,
    duty_id: &str,
    decision: &str,
    s: Option<Schedule>,
    today: Date,
    now: i64,
) -> Result<DutyRow, AppError> {
    actor.require(Permission::DutiesManage)?;
    let d = load_duty(db, actor, duty_id).await?;
    let e = DutyEdit { decision: decision.to_string(), schedule: s, ..DutyEdit::of(&d) };
    update(db, actor, duty_id, e, today, now).await
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

/// One duty's row of the heat map.
#[derive(Debug, Clone, Serialize)]
pub struct HeatRow {
    /// Duty id.
    pub duty_id: String,
    /// Title.
    pub title: String,
    /// Control.
    pub control_id: Option<String>,
    /// Frequency key.
    pub frequency: Option<String>,
    /// Owner role.
    pub owner_role: Option<String>,
    /// The fiscal year's months, in order.
    pub cells: [HeatCell; 12],
}

/// The heat map of a fiscal year: every duty with an occurrence in it × its twelve months.
#[derive(Debug, Clone, Serialize)]
pub struct HeatMap {
    /// The fiscal year (the calendar year it starts in).
    pub fiscal_year: i16,
    /// First month.
    pub fiscal_year_start: u8,
    /// (year, month) of each column.
    pub months: [(i16, i8); 12],
    /// Rows, by control.
    pub rows: Vec<HeatRow>,
}

/// The heat map for fiscal year `fy` as of `today` (the organisation's fiscal year start is
/// the one its duties use; April when there are none).
pub async fn heatmap(db: &Db, actor: &Actor, fy: i16, today: Date) -> Result<HeatMap, AppError> {
    actor.require(Permission::DutiesView)?;
    ensure_materialized(db, &actor.org_id, today).await?;
    let mut c = db.conn().await?;
    let duties = rows::duties(&mut c.ex(), &actor.org_id).await?;
    let start = duties
        .iter()
        .find(|d| d.decision == "scheduled")
        .and_then(|d| u8::try_from(d.fiscal_year_start).ok())
        .unwrap_or(4);
    let months = rules::fiscal_months(fy, start);
    let first = schedule::fiscal_year_start_date(fy, start);
    let last = schedule::fiscal_year_start_date(fy + 1, start).yesterday().map_err(internal)?;
    let occ = rows::occurrences_between(&mut c.ex(), &actor.org_id, &first.to_string(), &last.to_string()).await?;
    let mut by_duty: HashMap<&str, Vec<Outcome>> = HashMap::new();
    for o in &occ {
        let Ok(due) = o.due.parse::<Date>() else { continue };
        by_duty.entry(o.duty_id.as_str()).or_default().push(Outcome {
            due,
            done_on: o.done_on.as_deref().and_then(|d| d.parse().ok()),
            skipped: o.state == "skipped",
        });
    }
    let rows = duties
        .iter()
        .filter_map(|d| {
            let outcomes = by_duty.get(d.id.as_str())?;
            Some(HeatRow {
                duty_id: d.id.clone(),
                title: d.title.clone(),
                control_id: d.control_id.clone(),
                frequency: d.frequency.clone(),
                owner_role: d.owner_role.clone(),
                cells: rules::heat_row(fy, start, outcomes, today),
            })
        })
        .collect();
    Ok(HeatMap { fiscal_year: fy, fiscal_year_start: start, months, rows })
}

/// What a duty form offers: roles (key, Japanese name, English name), people (id, name) and
/// registers (key, name).
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// Roles.
    pub roles: Vec<(String, String, String)>,
    /// Active people.
    pub people: Vec<(String, String)>,
    /// Registers.
    pub registers: Vec<(String, String)>,
}

/// The choices of the duty forms.
pub async fn choices(db: &Db, actor: &Actor) -> Result<Choices, AppError> {
    actor.require(Permission::DutiesView)?;
    let mut c = db.conn().await?;
    Ok(Choices {
        roles: rows::list_roles(&mut c.ex(), &actor.org_id)
            .await?
            .into_iter()
            .map(|r| (r.key, r.name_ja, r.name_en))
            .collect(),
        people: rows::list_users(&mut c.ex(), &actor.org_id)
            .await?
            .into_iter()
            .filter(|u| u.disabled == 0)
            .map(|u| (u.id, u.display_name))
            .collect(),
        registers: rows::register_defs(&mut c.ex(), &actor.org_id)
            .await?
            .into_iter()
            .map(|r| (r.key, r.name))
            .collect(),
    })
}
