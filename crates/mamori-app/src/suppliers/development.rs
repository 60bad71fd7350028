//! Outsourced development (8.30) on the generic engines: for a supplier of kind 委託開発, the
//! development plan (rows of the register `development_plan`: 工程 and 完了予定日), the progress
//! reports of the 委託先の責任者 (rows of `development_progress`, one per milestone reported:
//! report date, reporter, progress, delays and issues), the re-subcontracting requests
//! (request type `subcontracting`, 8.30 (4): approved by 経営責任者, never by the requester) and
//! the acceptances of deliveries (request type `acceptance`: approved only with the acceptance
//! test report attached, 8.30 (3) warranty period recorded). Both registers and both types name
//! the supplier through a reference field holding its id or its name. Where each milestone
//! stands is `mamori_domain::development::plan_status`.
//!
//! Need-to-know (decided here): the plan and the reports are read by the suppliers register's
//! view roles (経営責任者, 情報セキュリティ管理者, システム管理者, 内部監査員) and written by its edit
//! roles (経営責任者, 情報セキュリティ管理者) — the two templates carry the same `view_roles` and
//! `edit_roles`, so an administrator changes them as any register's. A reader who may not
//! read a register sees nothing of it here. The requests are listed only to those
//! `requests::get` lets see them (their requester, their type's roles, holders of `audit.view`
//! — by default the same four roles); a request can name only a supplier its requester may read.

use crate::{Actor, AppError, registers, requests};
use jiff::civil::Date;
use mamori_domain::development::{self as dev, MilestoneStatus, Standing};
use mamori_store::Db;
use mamori_store::rows::{self, RequestRow};
use serde::Serialize;
use serde_json::{Map, Value};

/// The kind of supplier this applies to.
pub const KIND: &str = "outsourced_development";
/// The plan's register.
pub const PLAN: &str = "development_plan";
/// The progress reports' register.
pub const PROGRESS: &str = "development_progress";
/// The re-subcontracting request type.
pub const SUBCONTRACTING: &str = "subcontracting";
/// The acceptance request type.
pub const ACCEPTANCE: &str = "acceptance";

/// One milestone reported in a progress report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Report date.
    pub reported_on: String,
    /// Who reported (the developer's manager).
    pub reporter: String,
    /// The milestone.
    pub milestone: String,
    /// Progress in percent.
    pub progress: i64,
    /// Delays and issues.
    pub issues: String,
}

/// A re-subcontracting request about the supplier.
#[derive(Debug, Clone, Serialize)]
pub struct Resubcontract {
    /// The request's id (for links).
    pub request_id: String,
    /// R-000003.
    pub number: String,
    /// The subcontractor.
    pub subcontractor: String,
    /// The work subcontracted.
    pub work: String,
    /// Approved, pending, rejected or withdrawn.
    pub standing: Standing,
}

/// A delivery submitted for acceptance.
#[derive(Debug, Clone, Serialize)]
pub struct Acceptance {
    /// The request's id (for links).
    pub request_id: String,
    /// R-000004.
    pub number: String,
    /// The deliverable.
    pub deliverable: String,
    /// Delivered on.
    pub delivered_on: String,
    /// The warranty period after acceptance.
    pub warranty: String,
    /// Approved (accepted), pending, rejected or withdrawn.
    pub standing: Standing,
}

/// The development of one supplier.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Development {
    /// The plan's milestones as they stand, in planned order.
    pub milestones: Vec<MilestoneStatus>,
    /// Progress reported, latest first.
    pub reports: Vec<Report>,
    /// Re-subcontracting requests, oldest first.
    pub resubcontracting: Vec<Resubcontract>,
    /// Deliveries submitted for acceptance, oldest first.
    pub acceptances: Vec<Acceptance>,
    /// Whether the reader may add milestones and record reports.
    pub may_record: bool,
}

impl Development {
    /// The `development` object of the supplier's JSON.
    pub fn contract(&self) -> Value {
        serde_json::json!({
            "milestones": self.milestones.iter().map(|m| serde_json::json!({
                "name": m.name, "planned_on": m.planned_on.to_string(), "progress": m.progress,
                "reported_on": m.reported_on.map(|d| d.to_string()), "done": m.done, "late": m.late,
            })).collect::<Vec<_>>(),
            "reports": self.reports.iter().map(|r| serde_json::json!({
                "reported_on": r.reported_on, "reporter": r.reporter, "milestone": r.milestone,
                "progress": r.progress, "issues": r.issues,
            })).collect::<Vec<_>>(),
            "resubcontracting": self.resubcontracting.iter().map(|r| serde_json::json!({
                "number": r.number, "subcontractor": r.subcontractor, "work": r.work, "state": r.standing.key(),
            })).collect::<Vec<_>>(),
            "acceptances": self.acceptances.iter().map(|a| serde_json::json!({
                "number": a.number, "deliverable": a.deliverable, "delivered_on": a.delivered_on,
                "warranty": a.warranty, "state": a.standing.key(), "accepted": a.standing == Standing::Approved,
            })).collect::<Vec<_>>(),
        })
    }
}

/// What the development of every supplier is built from (read once per page).
#[derive(Debug, Default)]
pub(super) struct Source {
    plan: Vec<Map<String, Value>>,
    progress: Vec<Map<String, Value>>,
    requests: Vec<(RequestRow, Map<String, Value>)>,
    may_record: bool,
}

/// The rows of `key` the actor may read (none when they may not read the register).
async fn readable_rows(db: &Db, actor: &Actor, key: &str) -> Result<(Vec<Map<String, Value>>, bool), AppError> {
    let def = match registers::definition(db, actor, key).await {
        Ok(d) => d,
        Err(AppError::NotFound | AppError::Forbidden) => return Ok((Vec::new(), false)),
        Err(e) => return Err(e),
    };
    let mut c = db.conn().await?;
    let list = rows::register_rows_all(&mut c.ex(), &actor.org_id, key, false)
        .await?
        .into_iter()
        .filter(|r| registers::access::row_visible(actor, &r.label, &registers::access::restriction(&r.restricted_to)))
        .filter_map(|r| serde_json::from_str::<Map<String, Value>>(&r.values_json).ok())
        .collect();
    Ok((list, registers::access::may_edit(actor, &def)))
}

/// Reads the plans, reports and requests the actor may see.
pub(super) async fn load(db: &Db, actor: &Actor) -> Result<Source, AppError> {
    let (plan, may_plan) = readable_rows(db, actor, PLAN).await?;
    let (progress, may_report) = readable_rows(db, actor, PROGRESS).await?;
    let requests = requests::of_types(db, actor, &[SUBCONTRACTING, ACCEPTANCE]).await?;
    Ok(Source { plan, progress, requests, may_record: may_plan && may_report })
}

fn s(v: &Map<String, Value>, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// The development of the supplier `id` named `name` on `today`.
pub(super) fn of(src: &Source, id: &str, name: &str, today: Date) -> Development {
    let ours = |v: &Map<String, Value>| {
        let x = s(v, "supplier");
        !x.is_empty() && (x == id || x == name.trim())
    };
    let plan: Vec<dev::Milestone> = src
        .plan
        .iter()
        .filter(|v| ours(v))
        .filter_map(|v| Some(dev::Milestone { name: s(v, "milestone"), planned_on: s(v, "planned_on").parse().ok()? }))
        .collect();
    let mut reports: Vec<Report> = src
        .progress
        .iter()
        .filter(|v| ours(v))
        .map(|v| Report {
            reported_on: s(v, "reported_on"),
            reporter: s(v, "reporter"),
            milestone: s(v, "milestone"),
            progress: v.get("progress").and_then(Value::as_i64).unwrap_or(0),
            issues: s(v, "issues"),
        })
        .collect();
    let progress: Vec<dev::Progress> = reports
        .iter()
        .filter_map(|r| {
            Some(dev::Progress {
                milestone: r.milestone.clone(),
                reported_on: r.reported_on.parse().ok()?,
                percent: r.progress,
            })
        })
        .collect();
    reports.sort_by(|a, b| b.reported_on.cmp(&a.reported_on).then_with(|| a.milestone.cmp(&b.milestone)));
    let mut out = Development {
        milestones: dev::plan_status(&plan, &progress, today),
        reports,
        may_record: src.may_record,
        ..Development::default()
    };
    for (r, f) in src.requests.iter().filter(|(_, f)| ours(f)) {
        let number = requests::number_label(r.number);
        let standing = Standing::of_state(&r.state);
        if r.type_key == SUBCONTRACTING {
            out.resubcontracting.push(Resubcontract {
                request_id: r.id.clone(),
                number,
                subcontractor: s(f, "subcontractor"),
                work: s(f, "scope"),
                standing,
            });
        } else {
            out.acceptances.push(Acceptance {
                request_id: r.id.clone(),
                number,
                deliverable: s(f, "deliverable"),
                delivered_on: s(f, "delivered_on"),
                warranty: s(f, "warranty"),
                standing,
            });
        }
    }
    out
}

/// A progress report as typed: the report's date, reporter, delays and issues, and the
/// progress (percent, as typed) of each milestone reported (blank: not reported).
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    /// Report date (YYYY-MM-DD).
    pub reported_on: String,
    /// The developer's manager who reported.
    pub reporter: String,
    /// Delays and issues.
    pub issues: String,
    /// (milestone, progress as typed).
    pub items: Vec<(String, String)>,
}

/// Records a progress report of supplier `id`: one row of `development_progress` per milestone
/// reported, all in one transaction (each with its audit row). Refused with every problem at its
/// field (`progress-N` for the N-th milestone, from 0): no milestone reported, a date after
/// `today`, a value the register refuses. Needs the register's edit roles.
pub async fn record_report(
    db: &Db,
    actor: &Actor,
    id: &str,
    input: ReportInput,
    today: Date,
    now: i64,
) -> Result<usize, AppError> {
    // Who may write first (a reader outside the edit roles is refused whatever the supplier).
    let def = registers::definition(db, actor, PROGRESS).await?;
    registers::access::require_edit(actor, &def)?;
    let supplier = super::get(db, actor, id, today).await?;
    if supplier.kind != KIND {
        return Err(AppError::NotFound);
    }
    let mut problems = Vec::new();
    crate::checks::entries(&mut problems, "progress", &input.items, crate::checks::MAX_ENTRIES);
    if input.reported_on.trim().parse::<Date>().is_ok_and(|d| d > today) {
        problems.push(("reported_on".to_string(), "dev-report-future".to_string()));
    }
    let reported: Vec<(usize, &(String, String))> =
        input.items.iter().enumerate().filter(|(_, (_, p))| !p.trim().is_empty()).collect();
    if reported.is_empty() {
        problems.push(("progress".to_string(), "dev-report-none".to_string()));
    }
    crate::checks::done(problems)?;
    let mut prepared = Vec::new();
    let mut problems: Vec<(String, String)> = Vec::new();
    for (i, (milestone, progress)) in reported {
        let mut v = Map::new();
        v.insert("supplier".into(), Value::from(supplier.name()));
        v.insert("reported_on".into(), Value::from(input.reported_on.trim()));
        v.insert("reporter".into(), Value::from(input.reporter.trim()));
        v.insert("milestone".into(), Value::from(milestone.trim()));
        v.insert("progress".into(), Value::from(progress.trim()));
        v.insert("issues".into(), Value::from(input.issues.trim()));
        match registers::prepare_create(db, actor, PROGRESS, &v, None, now).await {
            Ok(p) => prepared.push(p),
            Err(AppError::Rows(rows)) => {
                for r in rows {
                    let field =
                        if r.field == "progress" || r.field == "milestone" { format!("progress-{i}") } else { r.field };
                    if !problems.iter().any(|(f, _)| *f == field) {
                        problems.push((field, r.message));
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    crate::checks::done(problems)?;
    let mut tx = db.begin().await?;
    for p in &prepared {
        registers::apply(&mut tx, actor, p, now).await?;
    }
    tx.commit().await?;
    Ok(prepared.len())
}
