//! Business continuity (5.29, 5.30): the plan as data and its drills and tests.
//!
//! - The plan (`mamori_domain::bcp::Plan`) is the content of the controlled document the
//!   regulation names as the 事業継続計画 (found by its title, [`bcp::is_plan_title`]); when
//!   the regulation names none, [`create`] makes one (`<regulation number>-BCP`, approved
//!   jointly by 経営責任者 and 情報セキュリティ管理者). Saving writes the document's draft
//!   through `documents::save_draft`, approving goes through `documents::approve` (joint
//!   approval, never by an author), so its versions, 改訂履歴 and immutability are the
//!   documents' own. `print` makes the one printable page of the plan.
//! - Drills and tests (`drills`) are rows of the register `continuity_tests`
//!   (事業継続の訓練・試験記録), whose template completes the regulation's 5.29 verification,
//!   5.30 and 8.14 duties and offers the restore test, the tethering test and the yearly drill;
//!   a problem found opens a corrective action.
//!
//! Need-to-know (decided here): the plan is read by whoever reads documents (every member: in
//! a disaster everyone needs the contact tree and the fallback channels) and written by
//! holders of `documents.edit`; the drills and tests follow their register's view and edit
//! roles (経営責任者, 情報セキュリティ管理者, システム管理者, 内部監査員 read), and raising a
//! corrective action is for 経営責任者 and 情報セキュリティ管理者.

pub mod drills;
pub mod print;

use crate::documents::{self, DocDetail};
use crate::{Actor, AppError};
use mamori_domain::bcp::{self, Plan};
use mamori_domain::document::{DocKind, VersionStatus};
use mamori_domain::permission::{Permission, ROLE_SECURITY_MANAGER, ROLE_TOP_MANAGEMENT};
use mamori_store::Db;
use mamori_store::rows::{self, DocVersionRow};
use std::collections::BTreeMap;

/// The plan's document with its versions, as the page shows it.
#[derive(Debug, Clone)]
pub struct BcpView {
    /// The plan's document; `None` when the organisation has none yet.
    pub doc: Option<DocDetail>,
    /// The version in force and its plan (`None` when its content is text or a file).
    pub approved: Option<(DocVersionRow, Option<Plan>)>,
    /// The open draft and its plan.
    pub draft: Option<(DocVersionRow, Option<Plan>)>,
    /// What the edit form starts from: the draft's plan, else the approved one, else the
    /// starter with the 対策本部 named after the holders of its roles.
    pub working: Plan,
    /// The display names of the holders of each role (for the starter and the stamp boxes).
    pub names: BTreeMap<String, Vec<String>>,
}

/// A version of the plan as pages and the API show it (no store row leaves this module).
#[derive(Debug, Clone)]
pub struct PlanVersion {
    /// 版数.
    pub edition: String,
    /// 改訂内容.
    pub change_summary: String,
    /// Who wrote it.
    pub author_label: String,
    /// The approvals recorded (joint approval).
    pub approvals: Vec<documents::Approval>,
    /// The plan, when the version's content is one.
    pub plan: Option<Plan>,
}

fn version_of(v: &(DocVersionRow, Option<Plan>)) -> PlanVersion {
    PlanVersion {
        edition: v.0.edition.clone(),
        change_summary: v.0.change_summary.clone(),
        author_label: v.0.author_label.clone(),
        approvals: documents::approvals_of(&v.0),
        plan: v.1.clone(),
    }
}

impl BcpView {
    /// The version in force, as shown.
    pub fn approved_version(&self) -> Option<PlanVersion> {
        self.approved.as_ref().map(version_of)
    }

    /// The draft, as shown.
    pub fn draft_version(&self) -> Option<PlanVersion> {
        self.draft.as_ref().map(version_of)
    }

    /// The version to print: the approved plan, else the draft (printed as 案).
    pub fn printable(&self) -> Option<(&DocVersionRow, &Plan)> {
        self.approved
            .as_ref()
            .and_then(|(v, p)| p.as_ref().map(|p| (v, p)))
            .or_else(|| self.draft.as_ref().and_then(|(v, p)| p.as_ref().map(|p| (v, p))))
    }
}

/// Everyone who wrote to a version (its contributors), for the approval rule.
pub fn authors(v: &DocVersionRow) -> Vec<String> {
    documents::contributors(v)
}

/// The display names of the active holders of each role (two queries).
async fn role_names(db: &Db, org_id: &str) -> Result<BTreeMap<String, Vec<String>>, AppError> {
    let mut c = db.conn().await?;
    let roles = rows::all_user_roles(&mut c.ex(), org_id).await?;
    let users = rows::list_users(&mut c.ex(), org_id).await?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for u in users.iter().filter(|u| u.disabled == 0) {
        for r in roles.iter().filter(|r| r.user_id == u.id) {
            out.entry(r.key.clone()).or_default().push(u.display_name.clone());
        }
    }
    Ok(out)
}

fn with_plan(v: Option<&DocVersionRow>) -> Option<(DocVersionRow, Option<Plan>)> {
    v.map(|v| (v.clone(), Plan::from_body(&v.body)))
}

/// The plan's document, versions and the form's starting plan.
pub async fn load(db: &Db, actor: &Actor) -> Result<BcpView, AppError> {
    actor.require(Permission::DocumentsView)?;
    // The documents without their versions (the regulation's are large), then the plan's own.
    let found = {
        let mut c = db.conn().await?;
        rows::list_documents(&mut c.ex(), &actor.org_id).await?.into_iter().find(|d| bcp::is_plan_title(&d.title))
    };
    let doc = match found {
        Some(d) => Some(documents::get(db, actor, &d.id).await?),
        None => None,
    };
    let names = role_names(db, &actor.org_id).await?;
    let approved = doc.as_ref().and_then(|d| with_plan(d.approved()));
    let draft = doc.as_ref().and_then(|d| with_plan(d.draft()));
    let working = draft
        .as_ref()
        .and_then(|(_, p)| p.clone())
        .or_else(|| approved.as_ref().and_then(|(_, p)| p.clone()))
        .unwrap_or_else(|| bcp::starter_for(|r| names.get(r).cloned().unwrap_or_default()));
    Ok(BcpView { doc, approved, draft, working, names })
}

/// Creates the plan's document when the organisation has none (`documents.edit`): numbered
/// after the regulation (`<number>-BCP`, else `BCP-01`), approved jointly by 経営責任者 and
/// 情報セキュリティ管理者, without a version until the plan is first saved. Returns its id.
pub async fn create(db: &Db, actor: &Actor, now: i64) -> Result<String, AppError> {
    actor.require(Permission::DocumentsEdit)?;
    let mut tx = db.begin().await?;
    tx.lock_org(&actor.org_id).await?;
    let docs = rows::list_documents(&mut tx.ex(), &actor.org_id).await?;
    if let Some(d) = docs.iter().find(|d| bcp::is_plan_title(&d.title)) {
        return Ok(d.id.clone());
    }
    let regulation = docs.iter().find(|d| d.kind == DocKind::Regulation.key());
    let base = regulation.map(|r| format!("{}-BCP", r.doc_number)).unwrap_or_else(|| "BCP-01".to_string());
    let mut number = base.clone();
    let mut n = 2;
    while docs.iter().any(|d| d.doc_number == number) {
        number = format!("{base}-{n}");
        n += 1;
    }
    let doc = documents::insert_document_under(
        &mut tx,
        actor,
        DocKind::Manual,
        &number,
        bcp::DEFAULT_TITLE,
        None,
        Some(documents::Placement {
            parent_id: regulation.map(|r| r.id.clone()),
            approver_roles: vec![ROLE_TOP_MANAGEMENT.to_string(), ROLE_SECURITY_MANAGER.to_string()],
        }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(doc.id)
}

/// Saves a plan as the draft of the plan's document (created when missing): every problem of
/// the plan at its field, or the change summary missing, is refused before anything is
/// written. Approval then goes through [`approve`].
pub async fn save(db: &Db, actor: &Actor, plan: &Plan, change_summary: &str, now: i64) -> Result<BcpView, AppError> {
    actor.require(Permission::DocumentsEdit)?;
    let mut problems = bcp::check(plan);
    if change_summary.trim().is_empty() {
        problems.push(("change_summary".to_string(), "field-required".to_string()));
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let id = create(db, actor, now).await?;
    let plan = Plan { format: bcp::FORMAT.to_string(), ..plan.clone() };
    documents::save_draft(db, actor, &id, &plan.to_body(), change_summary, now).await?;
    load(db, actor).await
}

/// Approves the plan's open draft (one of its approver roles; jointly approved when each role
/// has approved, by distinct people who did not write it). Returns whether it is now in force.
pub async fn approve(db: &Db, actor: &Actor, now: i64) -> Result<bool, AppError> {
    let view = load(db, actor).await?;
    let doc = view.doc.ok_or(AppError::NotFound)?;
    let v = documents::approve(db, actor, &doc.doc.id, now).await?;
    Ok(v.status == VersionStatus::Approved.key())
}

/// The plan in force as JSON-ready data, for the API: (document number, 版数, the plan).
pub async fn current(db: &Db, actor: &Actor) -> Result<Option<(String, String, Plan)>, AppError> {
    let view = load(db, actor).await?;
    let Some(doc) = &view.doc else { return Ok(None) };
    Ok(view.approved.as_ref().and_then(|(v, p)| p.clone().map(|p| (doc.doc.doc_number.clone(), v.edition.clone(), p))))
}

/// A plan read from JSON (the API): the format set; fields it does not know are ignored.
pub fn plan_from_json(v: serde_json::Value) -> Result<Plan, AppError> {
    let mut plan: Plan = serde_json::from_value(v)
        .map_err(|_| AppError::Validation(vec![("plan".to_string(), "bcp-json-invalid".to_string())]))?;
    plan.format = bcp::FORMAT.to_string();
    Ok(plan)
}
