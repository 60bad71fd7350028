//! Internal audit (9.2): the plan with its scope and auditors (independence checked by
//! `mamori_domain::internal_audit::conflicts`), the checklist (each in-scope control's
//! procedure items from the regulation, the ISMS requirements of clauses 4–10, the duties
//! anchored `at_internal_audit`), findings (a major or minor nonconformity raises a
//! nonconformity, 10.2), the report and its approval by 経営責任者 who is not an auditor of it.
//!
//! Who may: `internal_audits.view` reads (managers, system administrators, internal auditors —
//! not employees: findings name weaknesses); `internal_audits.manage` plans; findings and the
//! report are recorded by the audit's auditors only.

use crate::audit;
use crate::nonconformities::{self, NewNonconformity};
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::internal_audit::{self as rules, Auditor, Grade, Responsibility};
use mamori_domain::nonconformity::Source;
use mamori_domain::permission::{Permission, ROLE_TOP_MANAGEMENT};
use mamori_store::Db;
use mamori_store::rows::{self, AuditFindingRow, InternalAuditRow};
use serde::Serialize;

pub mod report;
pub mod sample;

/// A new audit plan.
#[derive(Debug, Clone)]
pub struct NewAudit {
    /// Title.
    pub title: String,
    /// Control ids in scope.
    pub scope: Vec<String>,
    /// Auditors' login IDs.
    pub auditors: Vec<String>,
    /// Planned day.
    pub planned_on: Date,
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistItem {
    /// The control (or the clause, for an ISMS requirement).
    pub control: String,
    /// What to check.
    pub item: String,
    /// `regulation` (a procedure item), `isms_clause`, `duty` (anchored at the internal audit).
    pub source: &'static str,
}

pub(crate) fn ids(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Who is responsible for each of `scope`: roles named in the regulation, duty owners and
/// assignees, approver roles of request types.
async fn responsibilities(db: &Db, actor: &Actor, scope: &[String]) -> Result<Vec<Responsibility>, AppError> {
    let current = crate::regulation::current(db, actor).await?.ok_or(AppError::NotFound)?;
    let dict = crate::regulation::dictionaries(db, &actor.org_id).await?;
    let (duties, stored_types) = {
        let mut c = db.conn().await?;
        (rows::duties(&mut c.ex(), &actor.org_id).await?, rows::request_types(&mut c.ex(), &actor.org_id).await?)
    };
    let types: Vec<mamori_domain::workflow::RequestType> = if stored_types.is_empty() {
        mamori_domain::workflow::catalogue().map_err(AppError::Internal)?.types
    } else {
        stored_types.iter().filter_map(|r| serde_json::from_str(&r.def_json).ok()).collect()
    };
    Ok(scope
        .iter()
        .map(|id| {
            // A duty anchored at the internal audit is the audit's own work, not the auditee's.
            let mine = || {
                duties.iter().filter(|d| {
                    d.active != 0
                        && d.control_id.as_deref() == Some(id)
                        && d.anchor.as_deref() != Some("at_internal_audit")
                })
            };
            Responsibility {
                control_id: id.clone(),
                named_roles: current
                    .control(id)
                    .map(|c| c.roles.iter().filter_map(|r| dict.role_key(r).map(str::to_string)).collect())
                    .unwrap_or_default(),
                duty_owner_roles: mine().filter_map(|d| d.owner_role.clone()).collect(),
                duty_assignees: mine().filter_map(|d| d.assignee_id.clone()).collect(),
                approver_roles: types
                    .iter()
                    .filter(|t| t.controls.contains(id))
                    .flat_map(|t| t.approver_roles.iter().cloned())
                    .collect(),
            }
        })
        .collect())
}

/// Plans an internal audit → its id. Every problem at its field; an auditor responsible for an
/// in-scope control → `AuditorIndependence` naming each control and reason.
pub async fn plan(db: &Db, actor: &Actor, a: NewAudit, now: i64) -> Result<InternalAuditRow, AppError> {
    actor.require(Permission::InternalAuditsManage)?;
    let me = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let current = crate::regulation::current(db, actor).await?;
    // Lists past their cap are refused before anything is looked up.
    let mut caps = Vec::new();
    crate::checks::entries(&mut caps, "scope_controls", &a.scope, crate::checks::MAX_ENTRIES);
    crate::checks::entries(&mut caps, "auditors", &a.auditors, crate::checks::MAX_ENTRIES);
    crate::checks::done(caps)?;
    let mut problems = Vec::new();
    crate::checks::text(&mut problems, "title", &a.title, crate::checks::MAX_TITLE, true);
    let mut scope: Vec<String> = Vec::new();
    for c in &a.scope {
        if !scope.contains(c) {
            scope.push(c.clone());
        }
    }
    if scope.is_empty() {
        problems.push(("scope_controls".to_string(), "field-required".to_string()));
    } else if scope.iter().any(|c| current.as_ref().and_then(|r| r.control(c)).is_none()) {
        problems.push(("scope_controls".to_string(), "field-unknown-control".to_string()));
    }
    let mut auditors = Vec::new();
    {
        let mut c = db.conn().await?;
        for login in &a.auditors {
            let key = mamori_domain::password::normalise_login(login);
            match rows::user_by_login(&mut c.ex(), &actor.org_id, &key).await?.filter(|u| u.disabled == 0) {
                Some(u) => {
                    let roles = rows::user_roles(&mut c.ex(), &actor.org_id, &u.id).await?;
                    auditors.push((
                        u.login_id.clone(),
                        Auditor { user_id: u.id, roles: roles.into_iter().map(|r| r.key).collect() },
                    ));
                }
                None => {
                    problems.push(("auditors".to_string(), "field-unknown-person".to_string()));
                    break;
                }
            }
        }
    }
    if a.auditors.is_empty() {
        problems.push(("auditors".to_string(), "field-required".to_string()));
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let resp = responsibilities(db, actor, &scope).await?;
    let only: Vec<Auditor> = auditors.iter().map(|(_, a)| a.clone()).collect();
    let conflicts = rules::conflicts(&only, &resp);
    if !conflicts.is_empty() {
        let login_of =
            |id: &str| auditors.iter().find(|(_, a)| a.user_id == id).map(|(l, _)| l.clone()).unwrap_or_default();
        return Err(AppError::AuditorIndependence(
            conflicts.into_iter().map(|c| rules::Conflict { auditor: login_of(&c.auditor), ..c }).collect(),
        ));
    }
    // The report is approved by a 経営責任者 who did not audit: one must remain.
    let top = crate::users::holding(db, &actor.org_id, &[ROLE_TOP_MANAGEMENT]).await?;
    if top.iter().all(|u| only.iter().any(|x| &x.user_id == u)) {
        return Err(AppError::Validation(vec![("auditors".into(), "field-auditors-leave-no-approver".into())]));
    }
    let mut tx = db.begin().await?;
    let row = InternalAuditRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        number: rows::next_internal_audit_number(&mut tx.ex(), &actor.org_id).await?,
        title: a.title.trim().to_string(),
        scope_json: serde_json::to_string(&scope).map_err(crate::error::internal)?,
        auditors_json: serde_json::to_string(&only.iter().map(|a| a.user_id.clone()).collect::<Vec<_>>())
            .map_err(crate::error::internal)?,
        planned_on: a.planned_on.to_string(),
        state: "planned".into(),
        report: None,
        approved_by: None,
        approved_at: None,
        created_by: me,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    rows::insert_internal_audit(&mut tx.ex(), &row).await?;
    audit::created(
        &mut tx,
        actor,
        "internal_audit",
        &row.id,
        &serde_json::json!({"number": row.number, "scope": scope, "planned_on": row.planned_on}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// One audit.
pub async fn get(db: &Db, actor: &Actor, id: &str) -> Result<InternalAuditRow, AppError> {
    actor.require(Permission::InternalAuditsView)?;
    let mut c = db.conn().await?;
    rows::internal_audit(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)
}

/// Every audit, newest first.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<InternalAuditRow>, AppError> {
    actor.require(Permission::InternalAuditsView)?;
    let mut c = db.conn().await?;
    Ok(rows::internal_audits(&mut c.ex(), &actor.org_id).await?)
}

/// The audit's checklist: for every in-scope control its procedure items and the duties
/// anchored at the internal audit, then the ISMS requirements of clauses 4–10.
pub async fn checklist(db: &Db, actor: &Actor, id: &str) -> Result<Vec<ChecklistItem>, AppError> {
    let a = get(db, actor, id).await?;
    let current = crate::regulation::current(db, actor).await?;
    let duties = {
        let mut c = db.conn().await?;
        rows::duties(&mut c.ex(), &actor.org_id).await?
    };
    let mut out = Vec::new();
    for control in ids(&a.scope_json) {
        if let Some(c) = current.as_ref().and_then(|r| r.control(&control)) {
            for p in &c.procedure {
                out.push(ChecklistItem { control: control.clone(), item: p.text.clone(), source: "regulation" });
            }
        }
        for d in duties.iter().filter(|d| {
            d.active != 0
                && d.control_id.as_deref() == Some(&control)
                && d.anchor.as_deref() == Some("at_internal_audit")
        }) {
            out.push(ChecklistItem { control: control.clone(), item: d.title.clone(), source: "duty" });
        }
    }
    for r in rules::clause_requirements() {
        out.push(ChecklistItem { control: r.clause, item: r.item, source: "isms_clause" });
    }
    Ok(out)
}

/// Records a finding (an auditor of the audit, on an in-scope control). A major or minor
/// nonconformity raises a nonconformity owned by `owner_id` (default: the planner), due
/// `due`.
#[allow(clippy::too_many_arguments)]
pub async fn add_finding(
    db: &Db,
    actor: &Actor,
    id: &str,
    control: &str,
    grade: Grade,
    text: &str,
    due: Date,
    now: i64,
) -> Result<AuditFindingRow, AppError> {
    actor.require(Permission::InternalAuditsManage)?;
    let a = get(db, actor, id).await?;
    let me = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    if !ids(&a.auditors_json).contains(&me) {
        return Err(AppError::Forbidden);
    }
    if a.state != "planned" {
        return Err(AppError::Conflict);
    }
    let mut problems = Vec::new();
    if !ids(&a.scope_json).iter().any(|c| c == control) {
        problems.push(("control".to_string(), "field-unknown-control".to_string()));
    }
    crate::checks::text(&mut problems, "text", text, crate::checks::MAX_TEXT, true);
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let finding_id = new_id();
    let owner = owner_of_findings(db, actor, &a).await?;
    // A nonconformity raises its corrective action (owned by the planner, who manages audits),
    // written in the finding's transaction.
    let nonconformity = if grade.is_nonconformity() {
        let n = NewNonconformity {
            source: Source::InternalAudit,
            source_ref: Some(finding_id.clone()),
            control_id: Some(control.to_string()),
            text: format!("内部監査 {} の指摘（{}）: {}", a.number, control, text.trim()),
            owner_id: owner,
            due,
        };
        Some(nonconformities::prepare(db, actor, n, now).await?)
    } else {
        None
    };
    let nonconformity_id = nonconformity.as_ref().map(|p| p.record.id.clone());
    let f = AuditFindingRow {
        id: finding_id,
        org_id: actor.org_id.clone(),
        audit_id: a.id.clone(),
        control_id: control.to_string(),
        grade: grade.key().to_string(),
        text: text.trim().to_string(),
        nonconformity_id,
        created_by: me,
        created_at: now,
    };
    let mut tx = db.begin().await?;
    if let Some(p) = &nonconformity {
        nonconformities::apply(&mut tx, actor, p, now).await?;
    }
    rows::insert_audit_finding(&mut tx.ex(), &f).await?;
    audit::created(
        &mut tx,
        actor,
        "internal_audit_finding",
        &f.id,
        &serde_json::json!({"audit": a.number, "control": control, "grade": f.grade}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(f)
}

/// Who owns the corrective actions of an audit's nonconformities: the person who planned it,
/// unless they audit it themselves (nobody corrects what they found in their own area): then
/// the first active 情報セキュリティ管理者 or 経営責任者 who is not an auditor of it.
async fn owner_of_findings(db: &Db, actor: &Actor, a: &InternalAuditRow) -> Result<String, AppError> {
    let auditors = ids(&a.auditors_json);
    if !auditors.contains(&a.created_by) {
        return Ok(a.created_by.clone());
    }
    let managers = crate::users::holding(
        db,
        &actor.org_id,
        &[mamori_domain::permission::ROLE_SECURITY_MANAGER, ROLE_TOP_MANAGEMENT],
    )
    .await?;
    if let Some(m) = managers.into_iter().find(|u| !auditors.contains(u)) {
        return Ok(m);
    }
    Ok(a.created_by.clone())
}

/// The findings of an audit.
pub async fn findings(db: &Db, actor: &Actor, id: &str) -> Result<Vec<AuditFindingRow>, AppError> {
    let a = get(db, actor, id).await?;
    let mut c = db.conn().await?;
    Ok(rows::audit_findings(&mut c.ex(), &actor.org_id, &a.id).await?)
}

/// Records the report (an auditor of the audit): planned → reported.
pub async fn report(db: &Db, actor: &Actor, id: &str, text: &str, now: i64) -> Result<InternalAuditRow, AppError> {
    actor.require(Permission::InternalAuditsManage)?;
    let a = get(db, actor, id).await?;
    let me = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    if !ids(&a.auditors_json).contains(&me) {
        return Err(AppError::Forbidden);
    }
    if a.state != "planned" {
        return Err(AppError::Conflict);
    }
    let mut problems = Vec::new();
    crate::checks::text(&mut problems, "report", text, crate::checks::MAX_REPORT, true);
    if a.planned_on.parse::<Date>().is_ok_and(|d| crate::tokyo_date(now) < d) {
        problems.push(("report".into(), "field-report-before-audit".into()));
    }
    crate::checks::done(problems)?;
    let after = InternalAuditRow {
        state: "reported".into(),
        report: Some(text.trim().to_string()),
        version: a.version + 1,
        updated_at: now,
        ..a.clone()
    };
    write(db, actor, &a, &after, now).await
}

/// Approves the report: 経営責任者 only, never an auditor of the audit.
pub async fn approve(db: &Db, actor: &Actor, id: &str, now: i64) -> Result<InternalAuditRow, AppError> {
    actor.require(Permission::InternalAuditsView)?;
    if !actor.role_keys.iter().any(|r| r == ROLE_TOP_MANAGEMENT) {
        return Err(AppError::Forbidden);
    }
    let a = get(db, actor, id).await?;
    let me = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    if ids(&a.auditors_json).contains(&me) {
        return Err(AppError::SeparationOfDuties);
    }
    if a.state != "reported" {
        return Err(AppError::Conflict);
    }
    let after = InternalAuditRow {
        state: "approved".into(),
        approved_by: Some(me),
        approved_at: Some(now),
        version: a.version + 1,
        updated_at: now,
        ..a.clone()
    };
    write(db, actor, &a, &after, now).await
}

async fn write(
    db: &Db,
    actor: &Actor,
    before: &InternalAuditRow,
    after: &InternalAuditRow,
    now: i64,
) -> Result<InternalAuditRow, AppError> {
    let mut tx = db.begin().await?;
    if rows::update_internal_audit(&mut tx.ex(), after).await? == 0 {
        return Err(AppError::Conflict);
    }
    let (was, is) =
        (serde_json::json!({"state": before.state}), serde_json::json!({"number": after.number, "state": after.state}));
    audit::updated(&mut tx, actor, "internal_audit", &after.id, &was, &is, now).await?;
    tx.commit().await?;
    Ok(after.clone())
}
