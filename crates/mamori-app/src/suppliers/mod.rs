//! Suppliers, cloud services and outsourcing (5.19–5.23, 8.21, 8.30). A supplier is a row of the
//! `suppliers` register (取引先・委託先管理台帳); creating one also writes, in the same
//! transaction, one unconfirmed row per requirement of `mamori_domain::supplier` and the
//! recurring duties its kind brings (confirmed, scheduled from the day it is added, each naming
//! the supplier), and links the regulation's unresolved draft notes that name it. Requirements
//! are confirmed in `requirements`.
//!
//! Who may: reading follows the register's view roles (managers, system administrators,
//! internal auditors — contracts and contacts are need-to-know); adding and changing follow its
//! edit roles and need `duties.manage` for the duties it generates.

pub mod adoption;
pub mod development;
pub mod questionnaires;
pub mod reevaluation;
pub mod requirements;
pub mod templates;

use crate::duties::{DutyEdit, ensure_materialized, insert_for_supplier};
use crate::error::internal;
use crate::{Actor, AppError, registers};
use jiff::civil::Date;
use mamori_domain::permission::{Permission, ROLE_SECURITY_MANAGER};
use mamori_domain::schedule::{Frequency, Schedule};
use mamori_domain::supplier::{self as rules, ReqState};
use mamori_store::Db;
use mamori_store::rows::{self, DutyRow, OpenItemRow, SupplierRequirementRow};
use serde::Serialize;
use serde_json::{Map, Value};

/// The register holding the suppliers.
pub const REGISTER: &str = "suppliers";

/// One requirement of a supplier as read.
#[derive(Debug, Clone, Serialize)]
pub struct RequirementView {
    /// Key.
    pub key: String,
    /// What is confirmed.
    pub label: String,
    /// unconfirmed | confirmed | not_applicable | deviation.
    pub state: String,
    /// Evidence or reason.
    pub evidence: String,
    /// Who confirmed it (user id).
    pub confirmed_by: Option<String>,
    /// When.
    pub confirmed_at: Option<i64>,
}

/// A supplier with its requirements, duties and open items.
#[derive(Debug, Clone, Serialize)]
pub struct SupplierView {
    /// Id (the register row's).
    pub id: String,
    /// The register values (Japanese choices).
    pub values: Map<String, Value>,
    /// The kind's key (`cloud_service` …).
    pub kind: String,
    /// Requirements in the catalogue's order.
    pub requirements: Vec<RequirementView>,
    /// Every requirement confirmed or not applicable.
    pub settled: bool,
    /// Its duties.
    pub duties: Vec<DutyRow>,
    /// The regulation's open items waiting for it (named in the note, or for every supplier).
    pub open_items: Vec<OpenItemRow>,
    /// Its checks done (its duties' completed occurrences), latest first.
    pub checks: Vec<Check>,
    /// Outsourced development (kind 委託開発 only): plan, progress, re-subcontracting, acceptances.
    pub development: Option<development::Development>,
}

/// A check of a supplier done (an occurrence of one of its duties, with its result).
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The duty's title.
    pub title: String,
    /// Due date.
    pub due: String,
    /// The day it was done.
    pub done_on: String,
    /// The result recorded.
    pub note: String,
    /// Who (user id).
    pub done_by: Option<String>,
}

impl SupplierView {
    /// The contract's JSON (`GET /api/v1/suppliers`).
    pub fn contract(&self) -> Value {
        let v = |k: &str| self.values.get(k).cloned().unwrap_or(Value::Null);
        let mut out = serde_json::json!({
            "id": self.id, "name": v("name"), "kind": self.kind, "services": v("services"),
            "criticality": v("criticality"), "contact_email": v("contact_email"), "status": v("status"),
            "requirements": self.requirements.iter().map(|r| serde_json::json!({
                "key": r.key, "label": r.label, "state": r.state, "evidence": r.evidence,
            })).collect::<Vec<_>>(),
            "settled": self.settled,
            "duties": self.duties.iter().map(|d| serde_json::json!({"id": d.id, "title": d.title, "frequency": d.frequency})).collect::<Vec<_>>(),
            "checks": self.checks.iter().map(|c| serde_json::json!({"title": c.title, "due": c.due, "done_on": c.done_on, "result": c.note})).collect::<Vec<_>>(),
        });
        if let (Some(d), Some(o)) = (&self.development, out.as_object_mut()) {
            o.insert("development".into(), d.contract());
        }
        out
    }

    /// The supplier's name.
    pub fn name(&self) -> &str {
        self.values.get("name").and_then(Value::as_str).unwrap_or_default()
    }
}

/// The register input with `kind` given as its key or its Japanese choice: the choice.
fn with_kind_label(mut input: Map<String, Value>) -> Result<(Map<String, Value>, String), AppError> {
    let c = rules::catalogue();
    let given = input.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
    let kind = c
        .kind(&given)
        .or_else(|| c.kind_by_label(&given))
        .ok_or_else(|| AppError::Validation(vec![("kind".into(), "field-not-a-choice".into())]))?;
    input.insert("kind".into(), Value::from(kind.label.clone()));
    if input.get("status").and_then(Value::as_str).is_none_or(str::is_empty) {
        input.insert("status".into(), Value::from("利用中"));
    }
    Ok((input, kind.key.clone()))
}

/// What the register's field types do not check: the contract ends after it starts, the
/// contact's address looks like one.
fn check_values(v: &Map<String, Value>) -> Result<(), AppError> {
    let mut p = Vec::new();
    let date = |k: &str| v.get(k).and_then(Value::as_str).and_then(|d| d.parse::<Date>().ok());
    if let (Some(a), Some(b)) = (date("contract_start"), date("contract_end"))
        && b < a
    {
        p.push(("contract_end".to_string(), "field-contract-end-before-start".to_string()));
    }
    if let Some(e) = v.get("contact_email").and_then(Value::as_str).filter(|e| !e.trim().is_empty()) {
        let ok = e
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !e.contains(char::is_whitespace));
        if !ok {
            p.push(("contact_email".to_string(), "field-invalid-email".to_string()));
        }
    }
    crate::checks::done(p)
}

fn kind_key(values: &Map<String, Value>) -> String {
    let label = values.get("kind").and_then(Value::as_str).unwrap_or_default();
    rules::catalogue().kind_by_label(label).map(|k| k.key.clone()).unwrap_or_else(|| "other".into())
}

async fn require_register(db: &Db, actor: &Actor, edit: bool) -> Result<(), AppError> {
    actor.require(Permission::RegistersView)?;
    let def = registers::definition(db, actor, REGISTER).await?;
    if edit {
        registers::access::require_edit(actor, &def)?;
    }
    Ok(())
}

/// Adds a supplier (its requirements, duties and open-item links in one transaction).
pub async fn create(
    db: &Db,
    actor: &Actor,
    input: Map<String, Value>,
    today: Date,
    now: i64,
) -> Result<SupplierView, AppError> {
    require_register(db, actor, true).await?;
    actor.require(Permission::DutiesManage)?;
    let p = prepare(db, actor, input, now).await?;
    let mut tx = db.begin().await?;
    apply(&mut tx, actor, &p, today, now).await?;
    tx.commit().await?;
    crate::duties::materialize(db, &actor.org_id, today, crate::duties::HORIZON_DAYS).await?;
    get(db, actor, &p.register.row.id, today).await
}

/// A supplier checked and ready to be written: its register row, and the duties and draft-note
/// links that come with it.
pub struct Prepared {
    /// The register row.
    pub register: registers::Prepared,
    edits: Vec<DutyEdit>,
    notes: Vec<String>,
}

/// Checks a new supplier's values (no permission check: the callers decide who may).
pub(crate) async fn prepare(db: &Db, actor: &Actor, input: Map<String, Value>, now: i64) -> Result<Prepared, AppError> {
    let (input, kind) = with_kind_label(input)?;
    check_values(&input)?;
    let register = registers::prepare_create(db, actor, REGISTER, &input, None, now).await?;
    let name = input.get("name").and_then(Value::as_str).unwrap_or_default().trim().to_string();
    let c = rules::catalogue();
    let edits: Vec<DutyEdit> = c
        .kind(&kind)
        .map(|k| k.duties.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|t| {
            let frequency = if t.frequency == "monthly" { Frequency::Monthly } else { Frequency::Annual };
            DutyEdit {
                title: t.title_for(&name),
                control_id: Some(t.control.clone()),
                decision: "scheduled".into(),
                schedule: Some(Schedule::new(frequency)),
                owner_role: Some(ROLE_SECURITY_MANAGER.into()),
                assignee_id: None,
                evidence: "note".into(),
                register_key: None,
                request_type: None,
                anchor: None,
                lead_days: None,
                active: true,
            }
        })
        .collect();
    // A note is linked only when it belongs to a supplier control and names the supplier (a
    // short or common name must not catch notes about other things).
    let notes = if name.chars().count() >= 2 {
        let mut conn = db.conn().await?;
        rows::open_items(&mut conn.ex(), &actor.org_id)
            .await?
            .into_iter()
            .filter(|o| o.resolved_at.is_none() && c.link_controls.contains(&o.control_id) && o.text.contains(&name))
            .map(|o| o.id)
            .collect()
    } else {
        Vec::new()
    };
    Ok(Prepared { register, edits, notes })
}

/// Writes a prepared supplier in `tx`; the caller materialises the duties after the commit.
pub(crate) async fn apply(
    tx: &mut mamori_store::Tx,
    actor: &Actor,
    p: &Prepared,
    today: Date,
    now: i64,
) -> Result<(), AppError> {
    let id = p.register.row.id.clone();
    registers::apply(tx, actor, &p.register, now).await?;
    for r in &rules::catalogue().requirements {
        let row = SupplierRequirementRow {
            id: crate::new_id(),
            org_id: actor.org_id.clone(),
            supplier_id: id.clone(),
            key: r.key.clone(),
            state: ReqState::Unconfirmed.key().into(),
            evidence: String::new(),
            confirmed_by: None,
            confirmed_at: None,
            updated_at: now,
        };
        rows::upsert_supplier_requirement(&mut tx.ex(), &row).await?;
    }
    insert_for_supplier(tx, actor, &id, p.edits.clone(), today, now).await?;
    for o in &p.notes {
        rows::link_open_item_supplier(&mut tx.ex(), &actor.org_id, o, &id).await?;
    }
    Ok(())
}

/// Changes a supplier's register values (the kind may not change: its duties came from it).
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: &str,
    input: Map<String, Value>,
    today: Date,
    now: i64,
) -> Result<SupplierView, AppError> {
    require_register(db, actor, true).await?;
    let before = get(db, actor, id, today).await?;
    let mut patch = input;
    if let Some(k) = patch.get("kind").and_then(Value::as_str) {
        let c = rules::catalogue();
        let key = c.kind(k).or_else(|| c.kind_by_label(k)).map(|x| x.key.clone());
        if key.as_deref() != Some(before.kind.as_str()) {
            return Err(AppError::Validation(vec![("kind".into(), "field-supplier-kind-fixed".into())]));
        }
        patch.remove("kind");
    }
    let mut merged = before.values.clone();
    merged.extend(patch.clone());
    check_values(&merged)?;
    let p = registers::prepare_patch(db, actor, REGISTER, id, &patch, now).await?;
    let mut tx = db.begin().await?;
    registers::apply(&mut tx, actor, &p, now).await?;
    tx.commit().await?;
    get(db, actor, id, today).await
}

/// Builds the views of `rows` (register rows of suppliers).
async fn views(
    db: &Db,
    actor: &Actor,
    list: Vec<(String, Map<String, Value>)>,
    today: Date,
) -> Result<Vec<SupplierView>, AppError> {
    ensure_materialized(db, &actor.org_id, today).await?;
    let mut c = db.conn().await?;
    let org = actor.org_id.as_str();
    let reqs = rows::supplier_requirements(&mut c.ex(), org).await?;
    let duties = rows::duties(&mut c.ex(), org).await?;
    let open = rows::open_items(&mut c.ex(), org).await?;
    let links = rows::open_item_suppliers(&mut c.ex(), org).await?;
    let mut done: Vec<(String, Check)> = Vec::new();
    for o in rows::supplier_checks_done(&mut c.ex(), org).await? {
        let Some(d) = duties.iter().find(|d| d.id == o.duty_id) else { continue };
        let check = Check {
            title: d.title.clone(),
            due: o.due.clone(),
            done_on: o.done_on.clone().unwrap_or_else(|| o.due.clone()),
            note: o.note.clone().unwrap_or_default(),
            done_by: o.done_by.clone(),
        };
        done.push((d.supplier_id.clone().unwrap_or_default(), check));
    }
    done.sort_by(|a, b| b.1.done_on.cmp(&a.1.done_on));
    drop(c);
    let dev_source = if list.iter().any(|(_, v)| kind_key(v) == development::KIND) {
        Some(development::load(db, actor).await?)
    } else {
        None
    };
    let cat = rules::catalogue();
    Ok(list
        .into_iter()
        .map(|(id, values)| {
            let requirements: Vec<RequirementView> = cat
                .requirements
                .iter()
                .map(|r| {
                    let row = reqs.iter().find(|x| x.supplier_id == id && x.key == r.key);
                    RequirementView {
                        key: r.key.clone(),
                        label: r.label.clone(),
                        state: row.map(|x| x.state.clone()).unwrap_or_else(|| ReqState::Unconfirmed.key().into()),
                        evidence: row.map(|x| x.evidence.clone()).unwrap_or_default(),
                        confirmed_by: row.and_then(|x| x.confirmed_by.clone()),
                        confirmed_at: row.and_then(|x| x.confirmed_at),
                    }
                })
                .collect();
            let states: Vec<ReqState> = requirements.iter().filter_map(|r| ReqState::from_key(&r.state)).collect();
            let kind = kind_key(&values);
            let name = values.get("name").and_then(Value::as_str).unwrap_or_default();
            let development = dev_source
                .as_ref()
                .filter(|_| kind == development::KIND)
                .map(|src| development::of(src, &id, name, today));
            SupplierView {
                development,
                kind,
                settled: rules::all_settled(&states, cat.requirements.len()),
                duties: duties.iter().filter(|d| d.supplier_id.as_deref() == Some(id.as_str())).cloned().collect(),
                open_items: open
                    .iter()
                    .filter(|o| {
                        links.iter().any(|(item, s)| *item == o.id && *s == id)
                            || (cat.note_controls.contains(&o.control_id)
                                && o.kind == "draft_note"
                                && !links.iter().any(|(item, _)| *item == o.id))
                    })
                    .cloned()
                    .collect(),
                checks: done.iter().filter(|(s, _)| *s == id).map(|(_, c)| c.clone()).collect(),
                requirements,
                id,
                values,
            }
        })
        .collect())
}

/// Every supplier (live rows of the register), by name.
pub async fn list(db: &Db, actor: &Actor, today: Date) -> Result<Vec<SupplierView>, AppError> {
    require_register(db, actor, false).await?;
    let mut rows_ = {
        let mut c = db.conn().await?;
        rows::register_rows_all(&mut c.ex(), &actor.org_id, REGISTER, false).await?
    };
    rows_.sort_by(|a, b| a.values_json.cmp(&b.values_json));
    let list = rows_
        .into_iter()
        .map(|r| Ok((r.id, serde_json::from_str::<Map<String, Value>>(&r.values_json).map_err(internal)?)))
        .collect::<Result<Vec<_>, AppError>>()?;
    let mut out = views(db, actor, list, today).await?;
    out.sort_by(|a, b| a.name().cmp(b.name()));
    Ok(out)
}

/// One supplier.
pub async fn get(db: &Db, actor: &Actor, id: &str, today: Date) -> Result<SupplierView, AppError> {
    require_register(db, actor, false).await?;
    let row = registers::get(db, actor, REGISTER, id).await?;
    if row.deleted {
        return Err(AppError::NotFound);
    }
    views(db, actor, vec![(row.id, row.values)], today).await?.pop().ok_or(AppError::NotFound)
}

/// Ends the use of a supplier (5.23: exit from a cloud service): only with the confirmation
/// that its data were returned or disposed of and the accounts it held removed. The register row
/// becomes 終了 (contract end today when none), the data-return requirement is confirmed with
/// that evidence, and its recurring checks stop (their duties are deactivated).
pub async fn end(
    db: &Db,
    actor: &Actor,
    id: &str,
    disposal: &str,
    accounts: &str,
    today: Date,
    now: i64,
) -> Result<SupplierView, AppError> {
    require_register(db, actor, true).await?;
    actor.require(Permission::DutiesManage)?;
    let before = get(db, actor, id, today).await?;
    if before.values.get("status").and_then(Value::as_str) == Some("終了") {
        return Err(AppError::Conflict);
    }
    let mut p = Vec::new();
    let disposal = crate::checks::text(&mut p, "disposal", disposal, crate::checks::MAX_TEXT, true);
    let accounts = crate::checks::text(&mut p, "accounts", accounts, crate::checks::MAX_TEXT, true);
    crate::checks::done(p)?;
    let mut patch = Map::new();
    patch.insert("status".into(), Value::from("終了"));
    if before.values.get("contract_end").and_then(Value::as_str).is_none_or(str::is_empty) {
        patch.insert("contract_end".into(), Value::from(today.to_string()));
    }
    let reg = registers::prepare_patch(db, actor, REGISTER, id, &patch, now).await?;
    let row = SupplierRequirementRow {
        id: crate::new_id(),
        org_id: actor.org_id.clone(),
        supplier_id: id.to_string(),
        key: "data_return_disposal".into(),
        state: ReqState::Confirmed.key().into(),
        evidence: format!("利用終了時の確認: {disposal} / アカウント削除: {accounts}"),
        confirmed_by: actor.user_id.clone(),
        confirmed_at: Some(now),
        updated_at: now,
    };
    let mut tx = db.begin().await?;
    registers::apply(&mut tx, actor, &reg, now).await?;
    rows::upsert_supplier_requirement(&mut tx.ex(), &row).await?;
    crate::audit::updated(
        &mut tx,
        actor,
        "supplier",
        id,
        &serde_json::json!({"status": "利用中"}),
        &serde_json::json!({"supplier": before.name(), "status": "終了", "disposal": disposal, "accounts": accounts}),
        now,
    )
    .await?;
    tx.commit().await?;
    for d in before.duties.iter().filter(|d| d.active != 0) {
        let e = DutyEdit { active: false, ..DutyEdit::of(d) };
        crate::duties::update(db, actor, &d.id, e, today, now).await?;
    }
    get(db, actor, id, today).await
}
