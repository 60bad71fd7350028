//! Duty definitions: offered from the regulation's intervals, added or changed by hand
//! (keeping history), rescheduled, and the choices the edit form offers.

use super::occurrences::materialize;
use super::{DECISIONS, EVIDENCE_KINDS, HORIZON_DAYS, audit_and_bump, load_duty, role_key_of, schedule_of};
use crate::audit::{self, Entry};
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::audit::AuditAction;
use mamori_domain::permission::Permission;
use mamori_domain::schedule::{self, Schedule};
use mamori_store::Db;
use mamori_store::rows::{self, DutyRow};

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
    audit_and_bump(&mut tx, actor, "duty", &d.id, None, &d, now).await?;
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
