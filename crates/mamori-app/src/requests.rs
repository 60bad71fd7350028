//! Requests and approvals (申請・承認): one engine for every request type. Types are data
//! ([`mamori_domain::workflow`]), seeded per organisation from the shipped catalogue; fields are
//! validated by the register engine's validator; every transition is decided by
//! [`workflow::decide`] (separation of duties included), recorded in the request's timeline and
//! the audit trail, and writes the type's register row in the same transaction.

use crate::audit::{self, Entry};
use crate::error::internal;
use crate::{Actor, AppError, new_id};
use crate::{registers, suppliers};
use jiff::civil::Date;
use mamori_domain::audit::AuditAction;
use mamori_domain::permission::Permission;
use mamori_domain::register::{self as reg, Context, RegisterDef};
use mamori_domain::workflow::{self, Acting, Refusal, RequestType, Workflow};
use mamori_store::Db;
use mamori_store::rows::{self, RequestEventRow, RequestRow, RequestTypeRow};
use serde::Serialize;
use serde_json::{Map, Value};

fn workflows() -> Result<Vec<Workflow>, AppError> {
    Ok(workflow::catalogue().map_err(internal)?.workflows)
}

/// Installs the shipped request types the organisation does not have yet, and upgrades a
/// stored type whose shipped definition has a newer `revision` (keeping the roles the
/// organisation chose).
pub async fn ensure_types(db: &Db, org_id: &str, now: i64) -> Result<(), AppError> {
    let cat = workflow::catalogue().map_err(internal)?;
    let mut tx = db.begin().await?;
    let stored = rows::request_types(&mut tx.ex(), org_id).await?;
    for t in &cat.types {
        let have = stored.iter().find(|r| r.key == t.key);
        let def = match have.map(|r| serde_json::from_str::<RequestType>(&r.def_json)) {
            None => t.clone(),
            Some(Ok(old)) if old.revision < t.revision => {
                RequestType { approver_roles: old.approver_roles, completer_roles: old.completer_roles, ..t.clone() }
            }
            Some(_) => continue,
        };
        let row = RequestTypeRow {
            org_id: org_id.to_string(),
            key: t.key.clone(),
            def_json: serde_json::to_string(&def).map_err(internal)?,
            updated_at: now,
        };
        if have.is_some() {
            rows::upsert_request_type(&mut tx.ex(), &row).await?;
        } else {
            rows::insert_request_type(&mut tx.ex(), &row).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Whether the stored types lack a shipped type or hold an older revision of one.
fn behind_catalogue(stored: &[RequestType]) -> Result<bool, AppError> {
    let cat = workflow::catalogue().map_err(internal)?;
    Ok(cat.types.iter().any(|t| !stored.iter().any(|s| s.key == t.key && s.revision >= t.revision)))
}

/// The organisation's request types (organisations created before a shipped type existed get
/// it on first use).
pub async fn types(db: &Db, actor: &Actor) -> Result<Vec<RequestType>, AppError> {
    actor.require(Permission::RequestsUse)?;
    let read = |list: Vec<RequestTypeRow>| -> Result<Vec<RequestType>, AppError> {
        list.iter().map(|r| serde_json::from_str(&r.def_json).map_err(internal)).collect()
    };
    let list = {
        let mut c = db.conn().await?;
        read(rows::request_types(&mut c.ex(), &actor.org_id).await?)?
    };
    if !behind_catalogue(&list)? {
        return Ok(list);
    }
    ensure_types(db, &actor.org_id, crate::now_ms()).await?;
    let mut c = db.conn().await?;
    read(rows::request_types(&mut c.ex(), &actor.org_id).await?)
}

async fn type_of(db: &Db, actor: &Actor, key: &str) -> Result<(RequestType, Workflow), AppError> {
    let t = types(db, actor).await?.into_iter().find(|t| t.key == key).ok_or(AppError::NotFound)?;
    let wf = workflows()?.into_iter().find(|w| w.key == t.workflow).ok_or(AppError::NotFound)?;
    Ok((t, wf))
}

/// Changes who approves and completes a request type in this organisation (the regulation's
/// roles are the default).
pub async fn set_roles(
    db: &Db,
    actor: &Actor,
    key: &str,
    approver_roles: Vec<String>,
    completer_roles: Vec<String>,
    now: i64,
) -> Result<RequestType, AppError> {
    actor.require(Permission::SettingsManage)?;
    let (before, _) = type_of(db, actor, key).await?;
    let known: Vec<String> = {
        let mut c = db.conn().await?;
        rows::list_roles(&mut c.ex(), &actor.org_id).await?.into_iter().map(|r| r.key).collect()
    };
    if approver_roles.is_empty() || approver_roles.iter().chain(&completer_roles).any(|r| !known.contains(r)) {
        return Err(AppError::Validation(vec![("approver_roles".into(), "field-unknown-role".into())]));
    }
    let after = RequestType { approver_roles, completer_roles, ..before.clone() };
    let mut tx = db.begin().await?;
    rows::upsert_request_type(
        &mut tx.ex(),
        &RequestTypeRow {
            org_id: actor.org_id.clone(),
            key: key.to_string(),
            def_json: serde_json::to_string(&after).map_err(internal)?,
            updated_at: now,
        },
    )
    .await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "request_type",
            Some(key),
            Some(
                serde_json::json!({"approver_roles": before.approver_roles, "completer_roles": before.completer_roles}),
            ),
            Some(serde_json::json!({"approver_roles": after.approver_roles, "completer_roles": after.completer_roles})),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The fields of a type as a register definition, so one validator serves both.
fn as_register(t: &RequestType) -> RegisterDef {
    RegisterDef {
        key: t.key.clone(),
        name: t.name.clone(),
        name_en: t.name_en.clone(),
        controls: t.controls.clone(),
        label: "社外秘".into(),
        default_sort: None,
        fields: t.fields.clone(),
        view_roles: None,
        edit_roles: None,
        managed_at: None,
        duties: None,
        revision: 0,
    }
}

async fn validation_context(db: &Db, org_id: &str) -> Result<Context, AppError> {
    let mut ctx = Context::default();
    let mut c = db.conn().await?;
    for u in rows::list_users(&mut c.ex(), org_id).await? {
        ctx.people.insert(u.login_id);
        ctx.people.insert(u.display_name);
    }
    // The staff directory's people too (by name or id): an account is requested for someone
    // who has no login yet.
    for p in rows::people(&mut c.ex(), org_id).await? {
        ctx.people.insert(p.name);
        ctx.people.insert(p.id);
    }
    ctx.files = rows::evidence_hashes(&mut c.ex(), org_id).await?.into_iter().collect();
    Ok(ctx)
}

/// The rows a type's reference fields may name: the ids and first-field values of the live rows
/// of each register referred to, when the actor may read that register (need-to-know: someone
/// who may not read the suppliers cannot name one, and learns nothing from the refusal).
/// Returns each referenced row's id with its first-field value (what a request stores, so that
/// pages name the row, never show its id).
async fn add_references(
    db: &Db,
    actor: &Actor,
    t: &RequestType,
    ctx: &mut Context,
) -> Result<std::collections::HashMap<String, String>, AppError> {
    let mut names = std::collections::HashMap::new();
    for target in t.fields.iter().filter(|f| f.ty == reg::FieldType::Reference).filter_map(|f| f.reference.as_ref()) {
        let set = ctx.references.entry(target.clone()).or_default();
        for (id, name) in reference_rows(db, actor, target).await?.unwrap_or_default() {
            if let Some(name) = name {
                set.insert(name.clone());
                names.insert(id.clone(), name);
            }
            set.insert(id);
        }
    }
    Ok(names)
}

/// The live rows of register `target` the actor may read, each as its id and its first field's
/// value; `None` when the actor may not read the register (or it does not exist).
async fn reference_rows(
    db: &Db,
    actor: &Actor,
    target: &str,
) -> Result<Option<Vec<(String, Option<String>)>>, AppError> {
    let def = match registers::definition(db, actor, target).await {
        Ok(d) => d,
        Err(AppError::NotFound | AppError::Forbidden) => return Ok(None),
        Err(e) => return Err(e),
    };
    let first = def.fields.first().cloned();
    let mut c = db.conn().await?;
    let mut out = Vec::new();
    for r in rows::register_rows_all(&mut c.ex(), &actor.org_id, target, false).await? {
        if !registers::access::row_visible(actor, &r.label, &registers::access::restriction(&r.restricted_to)) {
            continue;
        }
        let name = match (&first, serde_json::from_str::<Map<String, Value>>(&r.values_json)) {
            (Some(first), Ok(values)) => Some(reg::format_cell(first, values.get(&first.key).unwrap_or(&Value::Null))),
            _ => None,
        };
        out.push((r.id, name));
    }
    Ok(Some(out))
}

/// A person field naming a person of the staff directory by id is stored with the person's
/// name (pages never show an id).
async fn people_by_name(
    db: &Db,
    actor: &Actor,
    t: &RequestType,
    fields: &mut Map<String, Value>,
) -> Result<(), AppError> {
    let keys: Vec<&String> = t.fields.iter().filter(|f| f.ty == reg::FieldType::Person).map(|f| &f.key).collect();
    if keys.is_empty() {
        return Ok(());
    }
    let mut c = db.conn().await?;
    let people = rows::people(&mut c.ex(), &actor.org_id).await?;
    for k in keys {
        if let Some(p) = fields.get(k.as_str()).and_then(Value::as_str).and_then(|v| people.iter().find(|p| p.id == v))
        {
            fields.insert(k.clone(), Value::from(p.name.clone()));
        }
    }
    Ok(())
}

fn user_id(actor: &Actor) -> Result<&str, AppError> {
    actor.user_id.as_deref().ok_or(AppError::Forbidden)
}

/// Submits a request of type `type_key`. Every field problem is reported at once; when the
/// type writes a register row, the row is checked now too (e.g. an unknown media number).
pub async fn create(
    db: &Db,
    actor: &Actor,
    type_key: &str,
    input: &Map<String, Value>,
    today: Date,
    now: i64,
) -> Result<RequestRow, AppError> {
    actor.require(Permission::RequestsUse)?;
    let uid = user_id(actor)?.to_string();
    let (t, wf) = type_of(db, actor, type_key).await?;
    let mut ctx = validation_context(db, &actor.org_id).await?;
    let names = add_references(db, actor, &t, &mut ctx).await?;
    let mut fields = reg::validate(&as_register(&t), input, &ctx).map_err(|e| registers::problems(e, 0))?;
    for f in t.fields.iter().filter(|f| f.ty == reg::FieldType::Reference) {
        if let Some(name) =
            fields.get(&f.key).and_then(Value::as_str).and_then(|v| names.get(v)).filter(|n| !n.is_empty())
        {
            fields.insert(f.key.clone(), Value::from(name.clone()));
        }
    }
    people_by_name(db, actor, &t, &mut fields).await?;
    crate::people::pledge::check(db, actor, &t.key, &fields).await?;
    crate::evidence::require_readable(db, actor, crate::evidence::strings_of(&fields)).await?;
    if let Some(link) = t.register.as_ref().filter(|l| l.applies(&fields)) {
        let values = workflow::register_values(
            &link.create,
            &fields,
            (&actor.label, &actor.label, &actor.label),
            &today.to_string(),
            "0",
        );
        if link.register == suppliers::REGISTER {
            suppliers::adoption::prepare(db, actor, &values, now).await?;
        } else {
            registers::prepare_create(db, actor, &link.register, &values, None, now).await?;
        }
    }
    let title = t
        .fields
        .iter()
        .find_map(|f| fields.get(&f.key).map(|v| reg::format_cell(f, v)).filter(|s| !s.is_empty()))
        .unwrap_or_else(|| t.name.clone());
    let mut tx = db.begin().await?;
    // The next number is MAX + 1: concurrent creations on PostgreSQL must not read the same
    // one (the organisation lock the audit append takes anyway, taken first).
    tx.lock_org(&actor.org_id).await?;
    let number = rows::next_request_number(&mut tx.ex(), &actor.org_id).await?;
    let r = RequestRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        number,
        type_key: t.key.clone(),
        title: title.chars().take(200).collect(),
        state: wf.initial.clone(),
        fields_json: Value::Object(fields).to_string(),
        requester_id: uid.clone(),
        requester_label: actor.label.clone(),
        approver_label: None,
        deadline: None,
        record_ref: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    rows::insert_request(&mut tx.ex(), &r).await?;
    rows::insert_request_event(
        &mut tx.ex(),
        &RequestEventRow {
            id: new_id(),
            org_id: actor.org_id.clone(),
            request_id: r.id.clone(),
            seq: 1,
            action: "submit".into(),
            from_state: None,
            to_state: r.state.clone(),
            actor_id: Some(uid),
            actor_label: actor.label.clone(),
            comment: String::new(),
            files_json: "[]".into(),
            at_ms: now,
        },
    )
    .await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Create,
            "request",
            Some(&r.id),
            None,
            Some(serde_json::to_value(&r).map_err(internal)?),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// Request number as shown: `R-000012`.
pub fn number_label(n: i64) -> String {
    format!("R-{n:06}")
}

/// Performs `action` on a request: the workflow decides (403 `separation_of_duties` when the
/// requester approves or completes their own request, 403 when the role may not act, 409 when
/// the action does not apply to the state), the type's register row is written or updated in
/// the same transaction, and the transition joins the timeline and the audit trail.
#[allow(clippy::too_many_arguments)]
pub async fn transition(
    db: &Db,
    actor: &Actor,
    id: &str,
    action: &str,
    comment: &str,
    files: Vec<String>,
    today: Date,
    now: i64,
) -> Result<RequestRow, AppError> {
    actor.require(Permission::RequestsUse)?;
    let uid = user_id(actor)?.to_string();
    let (before, events) = {
        let mut c = db.conn().await?;
        let r = rows::request(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)?;
        let e = rows::request_events(&mut c.ex(), &actor.org_id, id).await?;
        (r, e)
    };
    let (t, wf) = type_of(db, actor, &before.type_key).await?;
    let earlier: Vec<String> = events.iter().filter_map(|e| e.actor_id.clone()).collect();
    let fields: Map<String, Value> = serde_json::from_str(&before.fields_json).map_err(internal)?;
    let who = Acting {
        user_id: &uid,
        role_keys: &actor.role_keys,
        requester_id: &before.requester_id,
        earlier: &earlier,
        fields: &fields,
    };
    let step = workflow::decide(&t, &wf, &before.state, action, &who, comment, files.len()).map_err(|r| match r {
        Refusal::SeparationOfDuties => AppError::SeparationOfDuties,
        Refusal::NotAllowed => AppError::Forbidden,
        Refusal::NotFromState => AppError::Conflict,
        Refusal::CommentRequired => AppError::Validation(vec![("comment".into(), "field-required".into())]),
        Refusal::AttachmentRequired => {
            AppError::Validation(vec![("files".into(), "request-attachment-required".into())])
        }
    })?;
    if !files.is_empty() {
        let ctx = validation_context(db, &actor.org_id).await?;
        if files.iter().any(|f| !ctx.files.contains(f)) {
            return Err(AppError::Validation(vec![("files".into(), "field-unknown-file".into())]));
        }
        crate::evidence::require_readable(db, actor, [("files".to_string(), files.clone())]).await?;
    }
    let approver = if action == "approve" { Some(actor.label.clone()) } else { before.approver_label.clone() };
    let mut after = RequestRow {
        state: step.to.clone(),
        approver_label: approver.clone(),
        version: before.version + 1,
        updated_at: now,
        ..before.clone()
    };
    if let Some(days) = step.deadline_days {
        after.deadline = Some(today.checked_add(jiff::Span::new().days(days)).map_err(internal)?.to_string());
    } else if action == "approve" {
        after.deadline = None;
    }
    let mut prepared = None;
    let mut adoption = None;
    if let Some(link) = t.register.as_ref().filter(|l| l.applies(&fields)) {
        let people =
            (before.requester_label.as_str(), approver.as_deref().unwrap_or(&actor.label), actor.label.as_str());
        let number = number_label(before.number);
        if link.create_on == action && before.record_ref.is_none() {
            let values = workflow::register_values(&link.create, &fields, people, &today.to_string(), &number);
            // A supplier brings its requirements and recurring checks: written through suppliers.
            if link.register == suppliers::REGISTER {
                let a = suppliers::adoption::prepare(db, actor, &values, now).await?;
                after.record_ref = Some(format!("{}/{}", link.register, a.supplier_id()));
                adoption = Some(a);
            } else {
                let p = registers::prepare_create(db, actor, &link.register, &values, None, now).await?;
                after.record_ref = Some(format!("{}/{}", link.register, p.row.id));
                prepared = Some(p);
            }
        } else if link.update_on.as_deref() == Some(action)
            && let Some((key, row_id)) = before.record_ref.as_deref().and_then(|r| r.split_once('/'))
        {
            let values = workflow::register_values(&link.update, &fields, people, &today.to_string(), &number);
            prepared = Some(registers::prepare_patch(db, actor, key, row_id, &values, now).await?);
        }
    }
    let marked = marks(db, actor, &t, action, &fields, now).await?;
    let mut tx = db.begin().await?;
    if rows::update_request(&mut tx.ex(), &after).await? == 0 {
        return Err(AppError::Conflict);
    }
    if let Some(p) = &prepared {
        registers::apply(&mut tx, actor, p, now).await?;
    }
    for p in &marked {
        registers::apply(&mut tx, actor, p, now).await?;
    }
    if let Some(a) = &adoption {
        suppliers::adoption::apply(&mut tx, actor, a, today, now).await?;
    }
    rows::insert_request_event(
        &mut tx.ex(),
        &RequestEventRow {
            id: new_id(),
            org_id: actor.org_id.clone(),
            request_id: before.id.clone(),
            seq: i64::try_from(events.len()).unwrap_or(0) + 1,
            action: action.to_string(),
            from_state: Some(before.state.clone()),
            to_state: after.state.clone(),
            actor_id: Some(uid),
            actor_label: actor.label.clone(),
            comment: comment.trim().to_string(),
            files_json: serde_json::to_string(&files).map_err(internal)?,
            at_ms: now,
        },
    )
    .await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "request",
            Some(&before.id),
            Some(serde_json::json!({"state": before.state})),
            Some(
                serde_json::json!({"state": after.state, "action": action, "comment": comment.trim(), "files": files}),
            ),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    if adoption.is_some() {
        crate::duties::materialize(db, &actor.org_id, today, crate::duties::HORIZON_DAYS).await?;
    }
    Ok(after)
}

/// The rows the type's [`workflow::RowMark`]s for `action` change (the medium a take-out names
/// becomes 持出中), validated by their register; a reference naming no live row marks nothing.
async fn marks(
    db: &Db,
    actor: &Actor,
    t: &RequestType,
    action: &str,
    fields: &Map<String, Value>,
    now: i64,
) -> Result<Vec<registers::Prepared>, AppError> {
    let mut out = Vec::new();
    for m in t.marks.iter().filter(|m| m.on == action) {
        let Some(target) = t.fields.iter().find(|f| f.key == m.field).and_then(|f| f.reference.as_deref()) else {
            continue;
        };
        let Some(name) = fields.get(&m.field).and_then(Value::as_str) else { continue };
        if let Some(row_id) = registers::records::row_named(db, &actor.org_id, target, name).await? {
            out.push(registers::prepare_patch(db, actor, target, &row_id, &m.set, now).await?);
        }
    }
    Ok(out)
}

/// The choices of each reference field of a type, for its form's pickers: field key → (value,
/// label) of the rows of the referenced register the actor may read.
pub async fn reference_options(
    db: &Db,
    actor: &Actor,
    t: &RequestType,
) -> Result<std::collections::BTreeMap<String, Vec<(String, String)>>, AppError> {
    let mut out = std::collections::BTreeMap::new();
    for f in t.fields.iter().filter(|f| f.ty == reg::FieldType::Reference) {
        if let Some(target) = &f.reference {
            out.insert(f.key.clone(), registers::records::reference_options(db, actor, target).await?);
        }
    }
    Ok(out)
}

/// A request as lists and pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    /// The request.
    #[serde(flatten)]
    pub request: RequestRow,
    /// Its type's name.
    pub type_name: String,
    /// Field values.
    pub fields: Map<String, Value>,
    /// Approved and past its return date, or emergency-implemented past its approval deadline.
    pub overdue: bool,
    /// What the viewer may do now.
    pub actions: Vec<String>,
    /// In a final state of its workflow.
    pub closed: bool,
}

/// Which requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The viewer's own.
    Mine,
    /// Waiting for the viewer's action (not their own).
    Waiting,
    /// Every request (audit.view).
    All,
}

/// `earlier`: user ids of everyone who acted on the request, so the actions offered are
/// exactly those [`workflow::decide`] would allow.
fn view_of(
    r: RequestRow,
    t: Option<&RequestType>,
    wf: &[Workflow],
    actor: &Actor,
    earlier: &[String],
    today: Date,
) -> RequestView {
    let fields: Map<String, Value> = serde_json::from_str(&r.fields_json).unwrap_or_default();
    let today_s = today.to_string();
    let past = |d: Option<&str>| d.is_some_and(|d| !d.is_empty() && d < today_s.as_str());
    let overdue = match t {
        Some(t) => {
            (r.state == "approved" && past(t.due_field.as_ref().and_then(|f| fields.get(f)).and_then(Value::as_str)))
                || (r.state == "emergency_implemented" && past(r.deadline.as_deref()))
        }
        None => false,
    };
    let closed = t.and_then(|t| wf.iter().find(|w| w.key == t.workflow)).is_some_and(|w| w.terminal.contains(&r.state));
    let actions = match (t, actor.user_id.as_deref()) {
        (Some(t), Some(uid)) => wf
            .iter()
            .find(|w| w.key == t.workflow)
            .map(|w| {
                let who = Acting {
                    user_id: uid,
                    role_keys: &actor.role_keys,
                    requester_id: &r.requester_id,
                    earlier,
                    fields: &fields,
                };
                workflow::available(t, w, &r.state, &who)
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    RequestView {
        type_name: t.map(|t| t.name.clone()).unwrap_or_else(|| r.type_key.clone()),
        fields,
        overdue,
        actions,
        closed,
        request: r,
    }
}

/// Requests in `scope`, newest first.
pub async fn list(db: &Db, actor: &Actor, scope: Scope, today: Date) -> Result<Vec<RequestView>, AppError> {
    actor.require(Permission::RequestsUse)?;
    if scope == Scope::All {
        actor.require(Permission::AuditView)?;
    }
    let types = types(db, actor).await?;
    let wf = workflows()?;
    let (all, events) = {
        let mut c = db.conn().await?;
        let all = rows::requests(&mut c.ex(), &actor.org_id).await?;
        // One query for every request's actors (not one per request).
        let events = rows::request_events_since(&mut c.ex(), &actor.org_id, 0).await?;
        (all, events)
    };
    let mut actors: std::collections::HashMap<&str, Vec<String>> = std::collections::HashMap::new();
    for e in &events {
        if let Some(a) = &e.actor_id {
            actors.entry(e.request_id.as_str()).or_default().push(a.clone());
        }
    }
    let me = actor.user_id.clone().unwrap_or_default();
    Ok(all
        .into_iter()
        .filter(|r| scope != Scope::Mine || r.requester_id == me)
        .map(|r| {
            let t = types.iter().find(|t| t.key == r.type_key);
            let earlier = actors.get(r.id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
            view_of(r, t, &wf, actor, earlier, today)
        })
        .filter(|v| scope != Scope::Waiting || (v.request.requester_id != me && !v.actions.is_empty()))
        .collect())
}

/// One request with its timeline. Visible to its requester, to whoever may act on it or holds
/// one of its type's roles, and to auditors.
pub async fn get(
    db: &Db,
    actor: &Actor,
    id: &str,
    today: Date,
) -> Result<(RequestView, Vec<RequestEventRow>), AppError> {
    actor.require(Permission::RequestsUse)?;
    let (r, events) = {
        let mut c = db.conn().await?;
        let r = rows::request(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)?;
        (r.clone(), rows::request_events(&mut c.ex(), &actor.org_id, &r.id).await?)
    };
    let types = types(db, actor).await?;
    let t = types.iter().find(|t| t.key == r.type_key);
    if !may_see(actor, &r, t) {
        return Err(AppError::Forbidden);
    }
    let earlier: Vec<String> = events.iter().filter_map(|e| e.actor_id.clone()).collect();
    let v = view_of(r, t, &workflows()?, actor, &earlier, today);
    Ok((v, events))
}

/// Whether the actor may see a request: its requester, whoever holds one of its type's roles,
/// and auditors (`audit.view`).
fn may_see(actor: &Actor, r: &rows::RequestRow, t: Option<&RequestType>) -> bool {
    let involved = t.is_some_and(|t| {
        t.all_approver_roles()
            .chain(&t.completer_roles)
            .chain(&t.implementer_roles)
            .any(|x| actor.role_keys.contains(x))
    });
    let me = actor.user_id.as_deref().unwrap_or_default();
    r.requester_id == me || involved || actor.grants.has(Permission::AuditView)
}

/// Whether the actor may see one of `request_ids` (the request part of "who may read evidence
/// X": a request's attachments are for those who may see the request).
pub async fn may_see_any(db: &Db, actor: &Actor, request_ids: &[String]) -> Result<bool, AppError> {
    if request_ids.is_empty() || !actor.grants.has(Permission::RequestsUse) {
        return Ok(false);
    }
    let types = types(db, actor).await?;
    let mut c = db.conn().await?;
    for id in request_ids {
        if let Some(r) = rows::request(&mut c.ex(), &actor.org_id, id).await?
            && may_see(actor, &r, types.iter().find(|t| t.key == r.type_key))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The requests of the types `keys` the actor may see (as [`get`] decides), oldest first, with
/// their field values; none without `requests.use`. For pages that list the requests about a
/// record (a supplier's re-subcontracting and acceptances).
pub async fn of_types(
    db: &Db,
    actor: &Actor,
    keys: &[&str],
) -> Result<Vec<(RequestRow, Map<String, Value>)>, AppError> {
    if !actor.grants.has(Permission::RequestsUse) {
        return Ok(Vec::new());
    }
    let types = types(db, actor).await?;
    let all = {
        let mut c = db.conn().await?;
        rows::requests(&mut c.ex(), &actor.org_id).await?
    };
    let mut out: Vec<(RequestRow, Map<String, Value>)> = all
        .into_iter()
        .filter(|r| keys.contains(&r.type_key.as_str()))
        .filter(|r| may_see(actor, r, types.iter().find(|t| t.key == r.type_key)))
        .map(|r| {
            let fields = serde_json::from_str(&r.fields_json).unwrap_or_default();
            (r, fields)
        })
        .collect();
    out.sort_by_key(|(r, _)| r.number);
    Ok(out)
}
