//! Duty definitions: offered from the regulation's intervals, added or changed by hand
//! (keeping history), rescheduled, and the choices the edit form offers.

use super::occurrences::materialize;
use super::{ANCHORS, DECISIONS, EVIDENCE_KINDS, HORIZON_DAYS, audit_and_bump, load_duty, role_key_of, schedule_of};
use crate::audit::{self, Entry};
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::audit::AuditAction;
use mamori_domain::permission::Permission;
use mamori_domain::register;
use mamori_domain::register_duty;
use mamori_domain::register_duty::RegisterDuties;
use mamori_domain::schedule::{Frequency, Schedule};
use mamori_store::Db;
use mamori_store::rows::{self, DutyRow};

/// Offers a duty for every recurring item of the current regulation that has none yet (an
/// interval, or an event it is anchored to) and an undecided duty for every "定期的に" item.
/// Offered duties are templates: each has its readable title, sub-heading, owner role and the
/// register the sentence names as its evidence, and is scheduled only once the organisation
/// confirms it ([`confirm`]). Returns how many were added.
pub async fn offer_from_regulation(db: &Db, actor: &Actor, today: Date, now: i64) -> Result<usize, AppError> {
    actor.require(Permission::DutiesManage)?;
    let Some(cur) = crate::regulation::current(db, actor).await? else { return Ok(0) };
    let registers = {
        let mut c = db.conn().await?;
        rows::register_defs(&mut c.ex(), &actor.org_id).await?
    };
    // The duty data of each register (always the shipped template's).
    let register_duties: Vec<(String, RegisterDuties)> = registers
        .iter()
        .filter_map(|r| Some((r.key.clone(), register::with_access(serde_json::from_str(&r.def_json).ok()?).duties?)))
        .collect();
    let mut tx = db.begin().await?;
    let mut added = 0;
    for c in &cur.controls {
        let items = c
            .recurring
            .iter()
            .map(|r| Offer {
                title: &r.title,
                what: &r.what,
                source: &r.source_text,
                frequency: Some(r.frequency.as_str()),
                owner: r.owner_role.clone().or_else(|| r.who.as_deref().and_then(role_key_of).map(str::to_string)),
                context: r.context.as_deref(),
            })
            .chain(c.recurring_unspecified.iter().map(|u| Offer {
                title: &u.title,
                what: &u.what,
                source: &u.source_text,
                frequency: None,
                owner: u.owner_role.clone(),
                context: u.context.as_deref(),
            }));
        for o in items {
            let (decision, frequency, anchor) = decision_of(o.frequency);
            // The register the sentence names in 【…】 is where its record is kept.
            // Else a register whose template says it records this control's duties (8.13:
            // the backup is a row of バックアップ記録).
            let register_key = registers
                .iter()
                .find(|r| o.source.contains(&format!("【{}】", r.name)))
                .map(|r| r.key.clone())
                .or_else(|| {
                    register_duties
                        .iter()
                        .find(|(_, d)| d.records.iter().any(|rule| register_duty::records(rule, &c.id, o.source)))
                        .map(|(k, _)| k.clone())
                });
            let title = if o.title.trim().is_empty() { o.what } else { o.title };
            let d = DutyRow {
                id: new_id(),
                org_id: actor.org_id.clone(),
                title: title.chars().take(200).collect(),
                control_id: Some(c.id.clone()),
                decision: decision.into(),
                frequency,
                anchor_day: 31,
                anchor_month: 3,
                fiscal_year_start: 4,
                // Nothing is backdated: the schedule starts on the day the duty is offered.
                schedule_from: today.to_string(),
                owner_role: o.owner,
                source_text: o.source.to_string(),
                evidence: if register_key.is_some() { "record".into() } else { "note".into() },
                active: 1,
                created_at: now,
                updated_at: now,
                assignee_id: None,
                register_key,
                context: o.context.unwrap_or_default().to_string(),
                anchor,
                request_type: None,
                lead_days: None,
                confirmed_at: None,
                supplier_id: None,
            };
            if rows::insert_duty(&mut tx.ex(), &d).await? {
                added += 1;
            }
        }
    }
    // The recurring duties registers bring (offered like the regulation's, once each).
    for (key, duties) in &register_duties {
        for t in &duties.offer {
            let Some(frequency) = Frequency::from_key(&t.frequency) else { continue };
            let mut d = new_row(
                actor,
                DutyEdit {
                    title: t.title.clone(),
                    control_id: Some(t.control.clone()),
                    decision: "scheduled".into(),
                    schedule: Some(Schedule::new(frequency)),
                    owner_role: Some(t.owner_role.clone()),
                    assignee_id: None,
                    evidence: "record".into(),
                    register_key: Some(key.clone()),
                    request_type: None,
                    anchor: None,
                    lead_days: None,
                    active: true,
                },
                today,
                now,
            );
            d.source_text = format!("register:{key}:{}", t.key);
            d.confirmed_at = None;
            if rows::insert_duty(&mut tx.ex(), &d).await? {
                added += 1;
            }
        }
    }
    crate::open_items::sync_from_regulation(&mut tx, &actor.org_id, &cur.controls, now).await?;
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
    Ok(added)
}

/// One regulation item offered as a duty.
struct Offer<'a> {
    title: &'a str,
    what: &'a str,
    source: &'a str,
    frequency: Option<&'a str>,
    owner: Option<String>,
    context: Option<&'a str>,
}

/// The decision, calendar frequency and anchoring event of a regulation item's frequency: an
/// interval is scheduled, an event anchors the duty (the internal audit and the management
/// review have decisions of their own), none is undecided.
fn decision_of(frequency: Option<&str>) -> (&'static str, Option<String>, Option<String>) {
    match frequency {
        None => ("undecided", None, None),
        Some("at_internal_audit") => ("audit", None, Some("at_internal_audit".into())),
        Some("at_management_review") => ("review", None, Some("at_management_review".into())),
        Some(e) if ANCHORS.contains(&e) => ("event", None, Some(e.to_string())),
        Some(f) => ("scheduled", Some(f.to_string()), None),
    }
}

/// Confirms offered duties (all of them when `ids` is empty) so that they are scheduled from
/// `from` (usually today; an earlier day of the fiscal year records work done before mamori
/// was adopted). Returns how many were confirmed.
pub async fn confirm(
    db: &Db,
    actor: &Actor,
    ids: &[String],
    from: Date,
    today: Date,
    now: i64,
) -> Result<usize, AppError> {
    actor.require(Permission::DutiesManage)?;
    let all = {
        let mut c = db.conn().await?;
        rows::duties(&mut c.ex(), &actor.org_id).await?
    };
    // An id that is not a duty of the organisation is refused; one confirmed meanwhile (by
    // someone else, or named twice) is simply not confirmed again.
    if ids.iter().any(|id| !all.iter().any(|d| &d.id == id)) {
        return Err(AppError::NotFound);
    }
    let pending: Vec<DutyRow> =
        all.into_iter().filter(|d| d.confirmed_at.is_none() && (ids.is_empty() || ids.contains(&d.id))).collect();
    let mut tx = db.begin().await?;
    for before in &pending {
        let after = DutyRow {
            confirmed_at: Some(now),
            schedule_from: from.to_string(),
            updated_at: now.max(before.updated_at + 1),
            ..before.clone()
        };
        if rows::update_duty_schedule(&mut tx.ex(), &after, before.updated_at).await? == 0 {
            return Err(AppError::Conflict);
        }
        audit_and_bump(&mut tx, actor, "duty", &after.id, Some(before), &after, now).await?;
    }
    tx.commit().await?;
    materialize(db, &actor.org_id, today, HORIZON_DAYS).await?;
    Ok(pending.len())
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
    /// The request type whose completed request completes it (evidence `request`).
    pub request_type: Option<String>,
    /// The event a duty of decision `event` is anchored to (one of [`ANCHORS`]).
    pub anchor: Option<String>,
    /// Days ahead of the due date that the owner is reminded (0–90; none: the server's
    /// setting).
    pub lead_days: Option<i64>,
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
            request_type: d.request_type.clone(),
            anchor: d.anchor.clone(),
            lead_days: d.lead_days,
            active: d.active == 1,
        }
    }
}

pub(super) async fn validate(db: &Db, actor: &Actor, e: &DutyEdit) -> Result<(), AppError> {
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
    if !EVIDENCE_KINDS.contains(&e.evidence.as_str())
        || (e.evidence == "record") != e.register_key.is_some()
        || (e.evidence == "request") != e.request_type.is_some()
    {
        errors.push(("evidence".into(), "field-not-a-choice".into()));
    }
    if e.decision == "event" && !e.anchor.as_deref().is_some_and(|a| ANCHORS.contains(&a)) {
        errors.push(("anchor".into(), "field-not-a-choice".into()));
    }
    if e.lead_days.is_some_and(|l| !(0..=90).contains(&l)) {
        errors.push(("lead_days".into(), "duty-lead-days-range".into()));
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
    if let Some(t) = &e.request_type
        && !rows::request_types(&mut c.ex(), &actor.org_id).await?.iter().any(|r| &r.key == t)
    {
        errors.push(("request_type".into(), "field-not-a-choice".into()));
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

pub(super) fn apply(d: &mut DutyRow, e: DutyEdit) {
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
    d.request_type = e.request_type;
    d.anchor = match d.decision.as_str() {
        "audit" => Some("at_internal_audit".into()),
        "review" => Some("at_management_review".into()),
        "event" => e.anchor,
        _ => None,
    };
    d.lead_days = e.lead_days;
    d.active = i64::from(e.active);
}

/// A new duty added by hand (or generated for a record), confirmed by the person adding it.
fn new_row(actor: &Actor, e: DutyEdit, today: Date, now: i64) -> DutyRow {
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
        context: String::new(),
        anchor: None,
        request_type: None,
        lead_days: None,
        // A duty added by hand is confirmed by the person adding it.
        confirmed_at: Some(now),
        supplier_id: None,
    };
    apply(&mut d, e);
    d.source_text = format!("manual:{}", d.id);
    d
}

/// Adds a duty by hand.
pub async fn create(db: &Db, actor: &Actor, e: DutyEdit, today: Date, now: i64) -> Result<DutyRow, AppError> {
    actor.require(Permission::DutiesManage)?;
    validate(db, actor, &e).await?;
    let d = new_row(actor, e, today, now);
    let mut tx = db.begin().await?;
    rows::insert_duty(&mut tx.ex(), &d).await?;
    audit_and_bump(&mut tx, actor, "duty", &d.id, None, &d, now).await?;
    tx.commit().await?;
    materialize(db, &actor.org_id, today, HORIZON_DAYS).await?;
    Ok(d)
}

/// Writes the duties generated for a supplier (its kind's recurring checks, built by the caller
/// from data) in the caller's transaction: confirmed, scheduled from `today`, each naming the
/// supplier. The caller materialises occurrences after its commit, and decides who may (a
/// manager adding a supplier, or the approver of a cloud-service adoption).
pub(crate) async fn insert_for_supplier(
    tx: &mut mamori_store::Tx,
    actor: &Actor,
    supplier_id: &str,
    edits: Vec<DutyEdit>,
    today: Date,
    now: i64,
) -> Result<Vec<DutyRow>, AppError> {
    let mut out = Vec::new();
    for e in edits {
        let mut d = new_row(actor, e, today, now);
        d.supplier_id = Some(supplier_id.to_string());
        rows::insert_duty(&mut tx.ex(), &d).await?;
        audit_and_bump(tx, actor, "duty", &d.id, None, &d, now).await?;
        out.push(d);
    }
    Ok(out)
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
    // Saving an offered duty's settings is the organisation's confirmation of it.
    after.confirmed_at = before.confirmed_at.or(Some(now));
    let schedule_changed = before.confirmed_at.is_none()
        || (
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
    after.updated_at = now.max(before.updated_at + 1);
    let mut tx = db.begin().await?;
    if rows::update_duty_schedule(&mut tx.ex(), &after, before.updated_at).await? == 0 {
        return Err(AppError::Conflict);
    }
    if schedule_changed {
        rows::delete_open_occurrences_from(&mut tx.ex(), &actor.org_id, duty_id, &today.to_string()).await?;
    }
    if before.decision == "undecided"
        && after.decision != "undecided"
        && let Some(control) = &after.control_id
    {
        crate::open_items::resolve_decided(&mut tx, actor, control, &after.source_text, now).await?;
    }
    audit_and_bump(&mut tx, actor, "duty", duty_id, Some(&before), &after, now).await?;
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
    /// Request types (key, name).
    pub request_types: Vec<(String, String)>,
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
        request_types: rows::request_types(&mut c.ex(), &actor.org_id)
            .await?
            .into_iter()
            .map(|r| {
                let name = serde_json::from_str::<serde_json::Value>(&r.def_json)
                    .ok()
                    .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string))
                    .unwrap_or_else(|| r.key.clone());
                (r.key, name)
            })
            .collect(),
    })
}
