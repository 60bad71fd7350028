//! Management review (9.3): the inputs of 9.3.2 a)–g) assembled from the system's data as of
//! the day it is held, each item with its source record; editable until the minutes are
//! approved; the outputs (decisions, actions with owners and due dates); the minutes approved
//! by 経営責任者.
//!
//! a) actions of earlier reviews; b) and c) the versions of the context documents (4.1 issues,
//! 4.2 interested parties) approved since the previous review; e) has no source in the system
//! and starts empty for people to fill; d1) nonconformities and corrective actions; d2) control
//! health and duty completion; d3) internal and certification audit findings; d4) the
//! objectives met or not by their latest measurement; f) the risk register (情報資産リスクアセスメント表);
//! g) what the regulation reserves for the review (duties anchored `at_management_review`) and
//! the unresolved open items. Items are Japanese text: the minutes are a Japanese record.
//!
//! Who may: `management_reviews.view` reads, `management_reviews.manage` prepares and records;
//! approval is for 経営責任者.

use crate::audit;
use crate::error::internal;
use crate::internal_audits::report::grade_ja;
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::health::HealthState;
use mamori_domain::permission::{Permission, ROLE_TOP_MANAGEMENT};
use mamori_store::Db;
use mamori_store::rows::{self, ManagementReviewRow};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub mod minutes;

/// Where an input item comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemSource {
    /// `management_review`, `nonconformity`, `control`, `duties`, `internal_audit_finding`,
    /// `register`, `duty`, `open_item`, `manual`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The record's id (none for a summary).
    pub id: Option<String>,
}

/// One input item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// What is reported.
    pub text: String,
    /// Its source record.
    pub source: ItemSource,
}

fn item(text: String, kind: &str, id: Option<&str>) -> Item {
    Item { text, source: ItemSource { kind: kind.into(), id: id.map(str::to_string) } }
}

/// The inputs of 9.3.2.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// a) Status of actions from previous reviews.
    pub a: Vec<Item>,
    /// b) Changes in external and internal issues.
    pub b: Vec<Item>,
    /// c) Changes in needs and expectations of interested parties.
    pub c: Vec<Item>,
    /// d1) Nonconformities and corrective actions.
    pub d1: Vec<Item>,
    /// d2) Monitoring and measurement results (control health, duty completion).
    pub d2: Vec<Item>,
    /// d3) Audit results.
    pub d3: Vec<Item>,
    /// d4) Fulfilment of information security objectives.
    pub d4: Vec<Item>,
    /// e) Feedback from interested parties.
    pub e: Vec<Item>,
    /// f) Results of risk assessment and status of the risk treatment plan.
    pub f: Vec<Item>,
    /// g) Opportunities for continual improvement (and what the regulation reserves for it).
    pub g: Vec<Item>,
}

/// An action decided by the review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// What is to be done.
    pub text: String,
    /// Owner (user id).
    pub owner_id: String,
    /// Due date.
    pub due: String,
}

/// The outputs of 9.3.3.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outputs {
    /// Decisions.
    pub decisions: Vec<String>,
    /// Actions with owners and due dates.
    pub actions: Vec<Action>,
}

/// A review as read.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewView {
    /// Id.
    pub id: String,
    /// Number.
    pub number: i64,
    /// Day held.
    pub held_on: String,
    /// prepared, approved.
    pub state: String,
    /// Inputs.
    pub inputs: Inputs,
    /// Outputs.
    pub outputs: Outputs,
    /// Approver (user id).
    pub approved_by: Option<String>,
    /// When the minutes were approved.
    pub approved_at: Option<i64>,
}

fn view(r: &ManagementReviewRow) -> Result<ReviewView, AppError> {
    Ok(ReviewView {
        id: r.id.clone(),
        number: r.number,
        held_on: r.held_on.clone(),
        state: r.state.clone(),
        inputs: serde_json::from_str(&r.inputs_json).map_err(internal)?,
        outputs: serde_json::from_str(&r.outputs_json).map_err(internal)?,
        approved_by: r.approved_by.clone(),
        approved_at: r.approved_at,
    })
}

fn nc_state_ja(s: &str) -> &'static str {
    match s {
        "open" => "処置待ち",
        "acted" => "有効性の確認待ち",
        _ => "完了",
    }
}

/// Assembles the inputs from the system's data as of `held_on`.
pub async fn assemble(db: &Db, actor: &Actor, held_on: Date) -> Result<Inputs, AppError> {
    actor.require(Permission::ManagementReviewsManage)?;
    let day = held_on.to_string();
    let mut c = db.conn().await?;
    let org = actor.org_id.as_str();
    let users = rows::list_users(&mut c.ex(), org).await?;
    let name = |id: &str| users.iter().find(|u| u.id == id).map(|u| u.display_name.clone()).unwrap_or_default();
    let mut inputs = Inputs::default();
    // a) Actions of earlier reviews.
    for r in rows::management_reviews(&mut c.ex(), org).await?.iter().filter(|r| r.held_on < day).rev() {
        let out: Outputs = serde_json::from_str(&r.outputs_json).map_err(internal)?;
        for a in out.actions {
            inputs.a.push(item(
                format!("第 {} 回の処置: {}（担当: {}、期限: {}）", r.number, a.text, name(&a.owner_id), a.due),
                "management_review",
                Some(&r.id),
            ));
        }
    }
    // d1) Nonconformities and their corrective actions.
    let reports: Vec<rows::RegisterRowRow> =
        rows::register_rows_all(&mut c.ex(), org, "corrective_actions", false).await?;
    for n in rows::nonconformities(&mut c.ex(), org).await? {
        if crate::tokyo_date(n.created_at) > held_on {
            continue;
        }
        let text = reports
            .iter()
            .find(|r| r.id == n.id)
            .and_then(|r| serde_json::from_str::<Map<String, Value>>(&r.values_json).ok())
            .and_then(|v| v.get("nonconformity").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_default();
        inputs.d1.push(item(
            format!("{} {}（{}）", crate::nonconformities::number_label(n.number), text, nc_state_ja(&n.state)),
            "nonconformity",
            Some(&n.id),
        ));
    }
    // d3) Internal audit findings.
    for a in rows::internal_audits(&mut c.ex(), org).await?.iter().filter(|a| a.planned_on <= day).rev() {
        for f in rows::audit_findings(&mut c.ex(), org, &a.id).await? {
            inputs.d3.push(item(
                format!("内部監査 第 {} 回 {} {}: {}", a.number, f.control_id, grade_ja(&f.grade), f.text),
                "internal_audit_finding",
                Some(&f.id),
            ));
        }
    }
    // d3) Certification audit findings (the body's grading and reference).
    for (a, f) in crate::certification_audits::findings_until(&mut c, org, &day).await? {
        let kind = mamori_domain::certification::AuditKind::from_key(&a.kind).map(|k| k.name_ja()).unwrap_or_default();
        let reference = f.reference.as_deref().map(|r| format!(" {r}")).unwrap_or_default();
        let control = f.control_id.as_deref().map(|c| format!(" {c}")).unwrap_or_default();
        inputs.d3.push(item(
            format!("{kind}（{}、{}）{reference}{control} {}: {}", a.body, a.starts_on, grade_ja(&f.grade), f.text),
            "certification_finding",
            Some(&f.id),
        ));
    }
    // b), c) Versions of the context documents (4.1 issues, 4.2 interested parties) approved
    // after the previous review and by this one.
    let since = rows::management_reviews(&mut c.ex(), org)
        .await?
        .into_iter()
        .map(|r| r.held_on)
        .filter(|h| h.as_str() < day.as_str())
        .max()
        .unwrap_or_default();
    let docs = rows::list_documents(&mut c.ex(), org).await?;
    let versions = rows::all_doc_versions(&mut c.ex(), org).await?;
    for (number, list) in [(crate::context::ISSUES, &mut inputs.b), (crate::context::PARTIES, &mut inputs.c)] {
        let Some(doc) = docs.iter().find(|d| d.doc_number == number) else { continue };
        for v in versions.iter().filter(|v| v.document_id == doc.id) {
            let Some(on) = v.approved_at.map(|at| crate::tokyo_date(at).to_string()) else { continue };
            if on.as_str() > since.as_str() && on.as_str() <= day.as_str() {
                list.push(item(
                    format!("「{}」{}を承認（{on}）: {}", doc.title, v.edition, v.change_summary),
                    "document_version",
                    Some(&v.id),
                ));
            }
        }
    }
    // d4) Fulfilment of the information-security objectives, by their latest measurement.
    let objectives = crate::objectives::as_of(&mut c, org, &day).await?;
    use mamori_domain::objective::Status::{Met, NotMeasured, NotMet};
    if !objectives.is_empty() {
        let count = |s: mamori_domain::objective::Status| objectives.iter().filter(|o| o.status == s).count();
        inputs.d4.push(item(
            format!(
                "情報セキュリティ目標: 達成 {} 件、未達 {} 件、未測定 {} 件",
                count(Met),
                count(NotMet),
                count(NotMeasured)
            ),
            "objectives",
            None,
        ));
    }
    for o in &objectives {
        let x = &o.objective;
        let symbol = mamori_domain::objective::Direction::from_key(&x.direction).map(|d| d.symbol()).unwrap_or("");
        let target = format!("{symbol} {}{}", mamori_domain::objective::format_milli(x.target_milli), x.unit);
        let result = match o.latest() {
            Some(m) => format!(
                "実績 {}{}（{} 測定）— {}",
                mamori_domain::objective::format_milli(m.row.value_milli),
                x.unit,
                m.row.measured_on,
                if o.status == Met { "達成" } else { "未達" }
            ),
            None => "未測定".to_string(),
        };
        inputs.d4.push(item(
            format!("{} {}: 目標 {target}、{result}", crate::objectives::number_label(x.number), x.title),
            "objective",
            Some(&x.id),
        ));
    }
    // f) The risk register.
    let risks = rows::register_rows_all(&mut c.ex(), org, "assets", false).await?;
    if !risks.is_empty() {
        inputs.f.push(item(format!("情報資産リスクアセスメント表: {} 件", risks.len()), "register", Some("assets")));
    }
    // g) What the regulation reserves for the review, and the unresolved open items.
    let duties = rows::duties(&mut c.ex(), org).await?;
    for d in duties.iter().filter(|d| d.active != 0 && d.anchor.as_deref() == Some("at_management_review")) {
        inputs.g.push(item(format!("規程による審議事項: {}", d.title), "duty", Some(&d.id)));
    }
    for o in rows::open_items(&mut c.ex(), org).await?.iter().filter(|o| o.resolved_at.is_none()) {
        inputs.g.push(item(format!("未決事項（管理策 {}）: {}", o.control_id, o.text), "open_item", Some(&o.id)));
    }
    drop(c);
    // d2) Control health and duty completion this fiscal year.
    let facts = crate::health::facts(db, actor, held_on).await?;
    let (mut on_time, mut late, mut missed) = (0, 0, 0);
    for (id, f) in &facts {
        on_time += f.on_time;
        late += f.late;
        missed += f.missed;
        let h = mamori_domain::health::evaluate(f);
        let label = match h.state {
            HealthState::Deficient => "不備",
            HealthState::Attention => "要注意",
            _ => continue,
        };
        inputs.d2.push(item(format!("管理策 {id}: {label}"), "control", Some(id)));
    }
    inputs.d2.insert(
        0,
        item(format!("今年度の業務: 期限内 {on_time} 件、期限後 {late} 件、未実施 {missed} 件"), "duties", None),
    );
    Ok(inputs)
}

/// Prepares a review held on `held_on` with its inputs assembled.
pub async fn create(db: &Db, actor: &Actor, held_on: Date, now: i64) -> Result<ReviewView, AppError> {
    actor.require(Permission::ManagementReviewsManage)?;
    let me = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    // A review is held within a year from today, or recorded for up to five years back; one per
    // day.
    let today = crate::tokyo_date(now);
    let (earliest, latest) =
        (today.saturating_sub(jiff::Span::new().years(5)), today.saturating_add(jiff::Span::new().years(1)));
    if held_on < earliest || held_on > latest {
        return Err(AppError::Validation(vec![("held_on".into(), "field-review-date-range".into())]));
    }
    {
        let mut c = db.conn().await?;
        let day = held_on.to_string();
        if rows::management_reviews(&mut c.ex(), &actor.org_id).await?.iter().any(|r| r.held_on == day) {
            return Err(AppError::Validation(vec![("held_on".into(), "field-review-exists".into())]));
        }
    }
    let inputs = assemble(db, actor, held_on).await?;
    let mut tx = db.begin().await?;
    let row = ManagementReviewRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        number: rows::next_management_review_number(&mut tx.ex(), &actor.org_id).await?,
        held_on: held_on.to_string(),
        inputs_json: serde_json::to_string(&inputs).map_err(internal)?,
        outputs_json: serde_json::to_string(&Outputs::default()).map_err(internal)?,
        state: "prepared".into(),
        approved_by: None,
        approved_at: None,
        created_by: me,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    rows::insert_management_review(&mut tx.ex(), &row).await?;
    audit::created(
        &mut tx,
        actor,
        "management_review",
        &row.id,
        &serde_json::json!({"number": row.number, "held_on": row.held_on}),
        now,
    )
    .await?;
    tx.commit().await?;
    view(&row)
}

async fn load(db: &Db, actor: &Actor, id: &str) -> Result<ManagementReviewRow, AppError> {
    actor.require(Permission::ManagementReviewsView)?;
    let mut c = db.conn().await?;
    rows::management_review(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)
}

/// One review.
pub async fn get(db: &Db, actor: &Actor, id: &str) -> Result<ReviewView, AppError> {
    view(&load(db, actor, id).await?)
}

/// Every review, newest first.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<ReviewView>, AppError> {
    actor.require(Permission::ManagementReviewsView)?;
    let mut c = db.conn().await?;
    rows::management_reviews(&mut c.ex(), &actor.org_id).await?.iter().map(view).collect()
}

async fn write(
    db: &Db,
    actor: &Actor,
    before: &ManagementReviewRow,
    after: ManagementReviewRow,
    now: i64,
) -> Result<ReviewView, AppError> {
    let mut tx = db.begin().await?;
    if rows::update_management_review(&mut tx.ex(), &after).await? == 0 {
        return Err(AppError::Conflict);
    }
    let (was, is) =
        (serde_json::json!({"state": before.state}), serde_json::json!({"number": after.number, "state": after.state}));
    audit::updated(&mut tx, actor, "management_review", &after.id, &was, &is, now).await?;
    tx.commit().await?;
    view(&after)
}

/// Replaces the inputs (until the minutes are approved).
pub async fn update_inputs(db: &Db, actor: &Actor, id: &str, inputs: Inputs, now: i64) -> Result<ReviewView, AppError> {
    actor.require(Permission::ManagementReviewsManage)?;
    let mut problems = Vec::new();
    for (letter, _) in minutes::CAPTIONS {
        let list = minutes::items(&inputs, letter);
        crate::checks::entries(&mut problems, letter, list, crate::checks::MAX_ENTRIES);
        if list.iter().any(|i| i.text.chars().count() > crate::checks::MAX_TEXT) {
            crate::checks::problem(&mut problems, letter, "field-too-long");
        }
    }
    crate::checks::done(problems)?;
    let before = load(db, actor, id).await?;
    if before.state != "prepared" {
        return Err(AppError::Conflict);
    }
    let after = ManagementReviewRow {
        inputs_json: serde_json::to_string(&inputs).map_err(internal)?,
        version: before.version + 1,
        updated_at: now,
        ..before.clone()
    };
    write(db, actor, &before, after, now).await
}

/// Records the outputs: every action needs its text, an owner of the organisation and a due
/// date (each problem at its field, `actions.N.field`).
pub async fn record_outputs(
    db: &Db,
    actor: &Actor,
    id: &str,
    outputs: Outputs,
    now: i64,
) -> Result<ReviewView, AppError> {
    actor.require(Permission::ManagementReviewsManage)?;
    let before = load(db, actor, id).await?;
    if before.state != "prepared" {
        return Err(AppError::Conflict);
    }
    let users = {
        let mut c = db.conn().await?;
        rows::list_users(&mut c.ex(), &actor.org_id).await?
    };
    let mut problems = Vec::new();
    crate::checks::entries(&mut problems, "decisions", &outputs.decisions, crate::checks::MAX_ENTRIES);
    crate::checks::entries(&mut problems, "actions", &outputs.actions, crate::checks::MAX_ENTRIES);
    if outputs.decisions.iter().any(|d| d.chars().count() > crate::checks::MAX_TEXT) {
        crate::checks::problem(&mut problems, "decisions", "field-too-long");
    }
    crate::checks::done(std::mem::take(&mut problems))?;
    for (i, a) in outputs.actions.iter().enumerate() {
        crate::checks::text(&mut problems, &format!("actions.{i}.text"), &a.text, crate::checks::MAX_TEXT, true);
        if a.owner_id.trim().is_empty() {
            problems.push((format!("actions.{i}.owner_id"), "field-choose-person".to_string()));
        } else if !users.iter().any(|u| u.id == a.owner_id && u.disabled == 0) {
            problems.push((format!("actions.{i}.owner_id"), "field-unknown-person".to_string()));
        }
        if a.due.parse::<Date>().is_err() {
            problems.push((format!("actions.{i}.due"), "field-invalid-date".to_string()));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let after = ManagementReviewRow {
        outputs_json: serde_json::to_string(&outputs).map_err(internal)?,
        version: before.version + 1,
        updated_at: now,
        ..before.clone()
    };
    write(db, actor, &before, after, now).await
}

/// Approves the minutes (経営責任者): the review is closed to edits.
pub async fn approve(db: &Db, actor: &Actor, id: &str, now: i64) -> Result<ReviewView, AppError> {
    if !actor.role_keys.iter().any(|r| r == ROLE_TOP_MANAGEMENT) {
        return Err(AppError::Forbidden);
    }
    let before = load(db, actor, id).await?;
    if before.state != "prepared" {
        return Err(AppError::Conflict);
    }
    let outputs: Outputs = serde_json::from_str(&before.outputs_json).map_err(internal)?;
    if outputs.decisions.is_empty() && outputs.actions.is_empty() {
        return Err(AppError::Validation(vec![("outputs".into(), "field-required".into())]));
    }
    let after = ManagementReviewRow {
        state: "approved".into(),
        approved_by: actor.user_id.clone(),
        approved_at: Some(now),
        version: before.version + 1,
        updated_at: now,
        ..before.clone()
    };
    write(db, actor, &before, after, now).await
}
