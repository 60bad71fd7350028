//! Recurring duties (定期業務): definitions offered from the regulation or added by hand,
//! schedules, materialised occurrences, completion with evidence (a note, files, or the
//! register row it produced) and skipping, my duties, the heat map and per-duty history.
//! Overdue is computed from the dates, never stored.
//!
//! Occurrences are materialised for a rolling horizon ([`HORIZON_DAYS`]) when a schedule
//! changes and at most once a day per organisation and process ([`ensure_materialized`]); reads
//! only read.
//!
//! `definitions` offers and edits duties, `occurrences` materialises and lists them,
//! `completion` completes or skips one, `heatmap` draws the fiscal year.

mod completion;
mod definitions;
mod heatmap;
mod occurrences;
mod register_dates;

pub use completion::{Completion, complete, skip};
pub(crate) use definitions::insert_for_supplier;
pub use definitions::{Choices, DutyEdit, choices, confirm, create, offer_from_regulation, reschedule, update};
pub use heatmap::{HeatMap, HeatRow, heatmap};
pub use occurrences::{
    DueItem, DueSoon, OccurrenceView, due_soon, ensure_materialized, history, materialize, occurrence, occurrences,
};
pub use register_dates::source_of as register_date_source;

use crate::audit::{self, Entry};
use crate::error::internal;
use crate::{Actor, AppError};
use jiff::civil::Date;
use mamori_domain::audit::AuditAction;
use mamori_domain::permission::{
    Permission, ROLE_EMPLOYEE, ROLE_INTERNAL_AUDITOR, ROLE_SECURITY_MANAGER, ROLE_SYSTEM_ADMIN, ROLE_TOP_MANAGEMENT,
};
use mamori_domain::schedule::{self, Frequency, Schedule};
use mamori_store::Db;
use mamori_store::rows::{self, DutyRow, OccurrenceRow};
use serde::Serialize;

/// How far ahead occurrences are materialised.
pub const HORIZON_DAYS: i64 = 400;

/// Evidence a duty may ask for: nothing, a note (or a file), a file, a row of the duty's
/// register, or a completed request of the duty's request type.
pub const EVIDENCE_KINDS: [&str; 5] = ["none", "note", "file", "record", "request"];

/// The events a duty can be anchored to instead of a calendar interval.
pub const ANCHORS: [&str; 6] = mamori_regulation::parse::EVENT_FREQUENCIES;

/// The contract's form of a duty's evidence: `note`, `file`, `none`, `register:KEY` or
/// `request:TYPE`.
pub fn evidence_key(d: &DutyRow) -> String {
    match (d.evidence.as_str(), &d.register_key, &d.request_type) {
        ("record", Some(k), _) => format!("register:{k}"),
        ("request", _, Some(t)) => format!("request:{t}"),
        (e, _, _) => e.to_string(),
    }
}

/// Decisions for a duty: scheduled, or (for "定期的に" items without an interval) event-driven,
/// tied to the internal audit or to the management review, or not decided yet.
pub const DECISIONS: [&str; 5] = ["scheduled", "event", "audit", "review", "undecided"];

/// Appends the audit row of a duty write (a creation without `before`, else an update) and
/// bumps `duty_version` in the same transaction, as every duty write does.
async fn audit_and_bump<T: Serialize>(
    tx: &mut mamori_store::Tx,
    actor: &Actor,
    object_type: &str,
    id: &str,
    before: Option<&T>,
    after: &T,
    now: i64,
) -> Result<(), AppError> {
    let action = if before.is_some() { AuditAction::Update } else { AuditAction::Create };
    let before = before.map(serde_json::to_value).transpose().map_err(internal)?;
    let after = serde_json::to_value(after).map_err(internal)?;
    audit::append(tx, Entry::by(actor, action, object_type, Some(id), before, Some(after)), now).await?;
    rows::bump_duty_version(&mut tx.ex(), &actor.org_id).await?;
    Ok(())
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
            "decision": d.decision, "assignee_id": d.assignee_id, "evidence": evidence_key(d),
            "anchor": d.anchor, "context": Some(&d.context).filter(|c| !c.is_empty()),
            "lead_days": d.lead_days, "confirmed": d.confirmed_at.is_some(), "supplier_id": d.supplier_id,
        })
    }
}

/// The fiscal year (April start) containing `today`: its first and last day.
pub fn fiscal_year_range(today: Date) -> Result<(Date, Date), AppError> {
    let fy = schedule::fiscal_year(today, 4);
    let last = schedule::fiscal_year_start_date(fy + 1, 4).yesterday().map_err(internal)?;
    Ok((schedule::fiscal_year_start_date(fy, 4), last))
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
