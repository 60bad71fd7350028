//! Recurring duties (定期業務): definitions offered from the regulation, schedules, materialised
//! occurrences, completion with evidence and skipping. Overdue is computed from the dates.
//!
//! Not yet here (see the duties issue): the heat map page, the iCalendar feed and e-mail
//! reminders.

use crate::audit::{self, Entry};
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::audit::AuditAction;
use mamori_domain::permission::{
    Permission, ROLE_EMPLOYEE, ROLE_INTERNAL_AUDITOR, ROLE_SECURITY_MANAGER, ROLE_SYSTEM_ADMIN, ROLE_TOP_MANAGEMENT,
};
use mamori_domain::schedule::{self, Frequency, OccurrenceState, Schedule};
use mamori_store::Db;
use mamori_store::rows::{self, DutyRow, OccurrenceRow};
use serde::Serialize;

fn internal<E: std::fmt::Display>(e: E) -> AppError {
    AppError::Internal(e.to_string())
}

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
    tx.commit().await?;
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

/// Materialises occurrences of every scheduled duty from the fiscal year of `today` up to
/// `horizon_days` ahead (existing ones are kept).
pub async fn materialize(db: &Db, org_id: &str, today: Date, horizon_days: i64) -> Result<(), AppError> {
    let duties = {
        let mut c = db.conn().await?;
        rows::duties(&mut c.ex(), org_id).await?
    };
    let mut tx = db.begin().await?;
    for d in duties.iter().filter(|d| d.active == 1 && d.decision == "scheduled") {
        let Some(s) = schedule_of(d) else { continue };
        let fy_start =
            schedule::fiscal_year_start_date(schedule::fiscal_year(today, s.fiscal_year_start), s.fiscal_year_start);
        let from = d.schedule_from.parse::<Date>().map(|f| f.max(fy_start)).unwrap_or(fy_start);
        let to = today.checked_add(jiff::Span::new().days(horizon_days)).map_err(internal)?;
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
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The organisation's duties with their next due dates.
pub async fn list(db: &Db, actor: &Actor, today: Date) -> Result<Vec<DutyView>, AppError> {
    actor.require(Permission::DutiesView)?;
    materialize(db, &actor.org_id, today, 400).await?;
    let mut c = db.conn().await?;
    let duties = rows::duties(&mut c.ex(), &actor.org_id).await?;
    let horizon = today.checked_add(jiff::Span::new().days(400)).map_err(internal)?;
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
    materialize(db, &actor.org_id, today, 400).await?;
    let mut c = db.conn().await?;
    let rows = rows::occurrences_between(&mut c.ex(), &actor.org_id, &from.to_string(), &to.to_string()).await?;
    Ok(rows
        .into_iter()
        .map(|o| {
            let due: Date = o.due.parse().unwrap_or(today);
            let done_on: Option<Date> = o.done_on.as_deref().and_then(|d| d.parse().ok());
            let status = schedule::state(due, done_on, o.state == "skipped", today);
            OccurrenceView { occurrence: o, status }
        })
        .collect())
}

async fn may_act(db: &Db, actor: &Actor, duty: &DutyRow) -> Result<(), AppError> {
    if actor.grants.has(Permission::DutiesManage) {
        return Ok(());
    }
    actor.require(Permission::DutiesView)?;
    let uid = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut c = db.conn().await?;
    let roles = rows::user_roles(&mut c.ex(), &actor.org_id, &uid).await?;
    if duty.owner_role.as_ref().is_some_and(|r| roles.iter().any(|x| &x.key == r)) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn load(db: &Db, actor: &Actor, occurrence_id: &str) -> Result<(OccurrenceRow, DutyRow), AppError> {
    let mut c = db.conn().await?;
    let o = rows::occurrence(&mut c.ex(), &actor.org_id, occurrence_id).await?.ok_or(AppError::NotFound)?;
    let d = rows::duties(&mut c.ex(), &actor.org_id)
        .await?
        .into_iter()
        .find(|d| d.id == o.duty_id)
        .ok_or(AppError::NotFound)?;
    Ok((o, d))
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
    tx.commit().await?;
    Ok(after)
}

/// Completes an open occurrence. The duty's evidence rule applies: `note` needs a note,
/// `file` needs at least one stored evidence file.
pub async fn complete(
    db: &Db,
    actor: &Actor,
    occurrence_id: &str,
    note: &str,
    evidence: Vec<String>,
    today: Date,
    now: i64,
) -> Result<OccurrenceRow, AppError> {
    let (o, d) = load(db, actor, occurrence_id).await?;
    may_act(db, actor, &d).await?;
    let missing = match d.evidence.as_str() {
        "file" => evidence.is_empty(),
        "note" => note.trim().is_empty() && evidence.is_empty(),
        _ => false,
    };
    if missing {
        return Err(AppError::Validation(vec![("evidence".into(), "duty-evidence-required".into())]));
    }
    if !evidence.is_empty() {
        let mut c = db.conn().await?;
        let known = rows::evidence_hashes(&mut c.ex(), &actor.org_id).await?;
        if evidence.iter().any(|h| !known.contains(h)) {
            return Err(AppError::Validation(vec![("evidence".into(), "field-unknown-file".into())]));
        }
    }
    let after = OccurrenceRow {
        state: "done".into(),
        done_by: Some(actor.label.clone()),
        done_on: Some(today.to_string()),
        done_at: Some(now),
        note: Some(note.trim().to_string()).filter(|n| !n.is_empty()),
        evidence: Some(serde_json::to_string(&evidence).map_err(internal)?),
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
    may_act(db, actor, &d).await?;
    let after = OccurrenceRow {
        state: "skipped".into(),
        done_by: Some(actor.label.clone()),
        done_at: Some(now),
        skip_reason: Some(reason.trim().to_string()),
        ..o.clone()
    };
    close(db, actor, o, after, now).await
}

/// Changes a duty's schedule (or decides an undecided one). Completed and skipped occurrences
/// are history and stay; open ones from `today` on are regenerated.
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
    if !["scheduled", "event", "audit", "review", "undecided"].contains(&decision)
        || (decision == "scheduled") != s.is_some()
    {
        return Err(AppError::Validation(vec![("decision".into(), "field-not-a-choice".into())]));
    }
    let before = {
        let mut c = db.conn().await?;
        rows::duties(&mut c.ex(), &actor.org_id)
            .await?
            .into_iter()
            .find(|d| d.id == duty_id)
            .ok_or(AppError::NotFound)?
    };
    let freq = s.and_then(|s| serde_json::to_value(s.frequency).ok().and_then(|v| v.as_str().map(str::to_string)));
    let after = DutyRow {
        decision: decision.to_string(),
        frequency: freq,
        anchor_day: s.map(|s| i64::from(s.day)).unwrap_or(before.anchor_day),
        anchor_month: s.map(|s| i64::from(s.month)).unwrap_or(before.anchor_month),
        fiscal_year_start: s.map(|s| i64::from(s.fiscal_year_start)).unwrap_or(before.fiscal_year_start),
        schedule_from: today.to_string(),
        updated_at: now,
        ..before.clone()
    };
    let mut tx = db.begin().await?;
    rows::update_duty_schedule(&mut tx.ex(), &after).await?;
    rows::delete_open_occurrences_from(&mut tx.ex(), &actor.org_id, duty_id, &today.to_string()).await?;
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
    tx.commit().await?;
    materialize(db, &actor.org_id, today, 400).await?;
    Ok(after)
}
