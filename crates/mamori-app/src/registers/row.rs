//! Register rows: validated create and update, soft delete and restore, the history with
//! differences, and the prepared writes a request's transition applies in its transaction.

use super::defs::{definition, definition_unchecked};
use super::{LABEL_COLUMN, RowView, access, check_label, check_restriction, internal, problems, view};
use crate::audit::{self, Entry};
use crate::{Actor, AppError, new_id};
use mamori_domain::audit::AuditAction;
use mamori_domain::permission::Permission;
use mamori_domain::register::{self, Context, FieldType, RegisterDef};
use mamori_store::Db;
use mamori_store::rows::{self, RegisterHistoryRow, RegisterRowRow};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// What validation needs: people, referenced rows, values taken by other rows.
pub(super) async fn context(
    db: &Db,
    actor: &Actor,
    def: &RegisterDef,
    existing: &[RegisterRowRow],
    except: Option<&str>,
) -> Result<Context, AppError> {
    let mut ctx = Context::default();
    let mut c = db.conn().await?;
    for u in rows::list_users(&mut c.ex(), &actor.org_id).await? {
        ctx.people.insert(u.login_id);
        ctx.people.insert(u.display_name);
    }
    // The staff directory's people (with or without a login) are people too (#17).
    for p in rows::people(&mut c.ex(), &actor.org_id).await? {
        ctx.people.insert(p.name);
    }
    let all_defs = rows::register_defs(&mut c.ex(), &actor.org_id).await?;
    for f in def.fields.iter().filter(|f| f.ty == FieldType::Reference) {
        let Some(target) = &f.reference else { continue };
        let tdef: Option<RegisterDef> =
            all_defs.iter().find(|d| &d.key == target).and_then(|d| serde_json::from_str(&d.def_json).ok());
        let first = tdef.as_ref().and_then(|d| d.fields.first().cloned());
        let mut set = BTreeSet::new();
        for r in rows::register_rows_all(&mut c.ex(), &actor.org_id, target, false).await? {
            if let (Some(first), Ok(values)) = (&first, serde_json::from_str::<Map<String, Value>>(&r.values_json)) {
                set.insert(register::format_cell(first, values.get(&first.key).unwrap_or(&Value::Null)));
            }
            set.insert(r.id);
        }
        ctx.references.insert(target.clone(), set);
    }
    for f in def.fields.iter().filter(|f| f.unique) {
        let taken = existing
            .iter()
            .filter(|r| r.deleted == 0 && Some(r.id.as_str()) != except)
            .filter_map(|r| serde_json::from_str::<Map<String, Value>>(&r.values_json).ok())
            .map(|v| register::format_cell(f, v.get(&f.key).unwrap_or(&Value::Null)))
            .filter(|s| !s.is_empty())
            .collect();
        ctx.taken.insert(f.key.clone(), taken);
    }
    // File fields name evidence the organisation has stored.
    if def.fields.iter().any(|f| f.ty == FieldType::File) {
        ctx.files.extend(rows::evidence_hashes(&mut c.ex(), &actor.org_id).await?);
    }
    Ok(ctx)
}

/// The lower-cased text of every value (what search matches).
pub(super) fn search_text(def: &RegisterDef, values: &Map<String, Value>) -> String {
    def.fields
        .iter()
        .map(|f| register::format_cell(f, values.get(&f.key).unwrap_or(&Value::Null)).to_lowercase())
        .collect::<Vec<_>>()
        .join(" \u{1f} ")
}

/// One row (not found outside the register's view roles or the row's restriction).
pub async fn get(db: &Db, actor: &Actor, key: &str, id: &str) -> Result<RowView, AppError> {
    definition(db, actor, key).await?;
    let mut c = db.conn().await?;
    let r = rows::register_row(&mut c.ex(), &actor.org_id, id)
        .await?
        .filter(|r| r.register_key == key)
        .filter(|r| access::row_visible(actor, &r.label, &access::restriction(&r.restricted_to)))
        .ok_or(AppError::NotFound)?;
    Ok(view(r))
}

/// Appends a row's version to its history (a deletion with its reason).
pub(super) async fn insert_history(
    tx: &mut mamori_store::Tx,
    actor: &Actor,
    row: &RegisterRowRow,
    action: &str,
    now: i64,
) -> Result<(), AppError> {
    rows::insert_register_history(
        &mut tx.ex(),
        &actor.org_id,
        &RegisterHistoryRow {
            row_id: row.id.clone(),
            version: row.version,
            action: action.to_string(),
            values_json: row.values_json.clone(),
            label: row.label.clone(),
            reason: row.deleted_reason.clone().filter(|_| action == "delete"),
            actor_label: actor.label.clone(),
            at_ms: now,
        },
    )
    .await?;
    Ok(())
}

/// Appends a row's version to its history and to the audit trail.
async fn write(
    tx: &mut mamori_store::Tx,
    actor: &Actor,
    def: &RegisterDef,
    row: &RegisterRowRow,
    action: &str,
    before: Option<&RegisterRowRow>,
    now: i64,
) -> Result<(), AppError> {
    insert_history(tx, actor, row, action, now).await?;
    // The audit trail is read by roles outside a restricted register's view roles (システム管理者,
    // 内部監査員): rows of such a register, and 極秘 rows, are logged without their values.
    let everyone = register::default_access(def).0.len() == register::ROLE_KEYS.len();
    let as_json = |r: &RegisterRowRow| {
        if everyone && r.label != register::SECRET_LABEL {
            serde_json::json!({ "values": serde_json::from_str::<Value>(&r.values_json).unwrap_or(Value::Null), "label": r.label, "restricted_to": access::restriction(&r.restricted_to), "deleted": r.deleted != 0, "reason": r.deleted_reason })
        } else {
            serde_json::json!({ "label": r.label, "restricted_to": access::restriction(&r.restricted_to), "deleted": r.deleted != 0, "version": r.version })
        }
    };
    audit::append(
        tx,
        Entry::by(
            actor,
            match action {
                "create" => AuditAction::Create,
                "delete" => AuditAction::Delete,
                _ => AuditAction::Update,
            },
            &format!("register:{}", def.key),
            Some(&row.id),
            before.map(as_json),
            Some(as_json(row)),
        ),
        now,
    )
    .await
}

/// Adds a row.
pub async fn create(
    db: &Db,
    actor: &Actor,
    key: &str,
    input: &Map<String, Value>,
    label: Option<&str>,
    now: i64,
) -> Result<RowView, AppError> {
    create_restricted(db, actor, key, input, label, None, now).await
}

/// Adds a row, a 極秘 one restricted to `restricted_to` (`role:KEY` / `user:LOGIN`).
pub async fn create_restricted(
    db: &Db,
    actor: &Actor,
    key: &str,
    input: &Map<String, Value>,
    label: Option<&str>,
    restricted_to: Option<&[String]>,
    now: i64,
) -> Result<RowView, AppError> {
    actor.require(Permission::RegistersEdit)?;
    let def = definition_unchecked(db, &actor.org_id, key).await?;
    access::require_edit(actor, &def)?;
    access::require_here(&def)?;
    crate::evidence::require_readable(db, actor, crate::evidence::strings_of(input)).await?;
    let mut p = prepare_create(db, actor, key, input, label, now).await?;
    let restricted: Vec<String> = restricted_to.map(<[String]>::to_vec).unwrap_or_default();
    check_restriction(db, actor, &p.row.label, &restricted).await?;
    p.row.restricted_to = serde_json::to_string(&restricted).map_err(internal)?;
    let mut tx = db.begin().await?;
    apply(&mut tx, actor, &p, now).await?;
    tx.commit().await?;
    dates_changed(db, actor, &def, now).await?;
    Ok(view(p.row))
}

/// A register whose rows hold due dates (a certificate's expiry) brings its occurrences up to
/// date after a write, so a date within its lead time is due at once.
async fn dates_changed(db: &Db, actor: &Actor, def: &RegisterDef, now: i64) -> Result<(), AppError> {
    if def.duties.as_ref().is_some_and(|d| d.due_date.is_some()) {
        crate::duties::materialize(db, &actor.org_id, crate::tokyo_date(now), crate::duties::HORIZON_DAYS).await?;
    }
    Ok(())
}

/// A register write validated outside a transaction and applied inside the caller's (a
/// request's transition writes its row together with the new state).
#[derive(Debug, Clone)]
pub struct Prepared {
    def: RegisterDef,
    /// The row as it will be stored.
    pub row: RegisterRowRow,
    before: Option<RegisterRowRow>,
}

/// A new row (version 1) holding validated `values`.
pub(super) fn new_row(
    actor: &Actor,
    key: &str,
    def: &RegisterDef,
    values: Map<String, Value>,
    label: String,
    now: i64,
) -> RegisterRowRow {
    RegisterRowRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        register_key: key.to_string(),
        search_text: search_text(def, &values),
        values_json: Value::Object(values).to_string(),
        label,
        deleted: 0,
        deleted_reason: None,
        version: 1,
        created_at: now,
        created_by: actor.label.clone(),
        updated_at: now,
        updated_by: actor.label.clone(),
        restricted_to: "[]".into(),
    }
}

/// Validates a new row. No register permission is checked: callers decide (the public
/// [`create`] needs registers.edit; a request type names its register).
pub async fn prepare_create(
    db: &Db,
    actor: &Actor,
    key: &str,
    input: &Map<String, Value>,
    label: Option<&str>,
    now: i64,
) -> Result<Prepared, AppError> {
    let def = definition_unchecked(db, &actor.org_id, key).await?;
    let label = label.filter(|l| !l.is_empty()).unwrap_or(&def.label).to_string();
    check_label(&label)?;
    let existing = {
        let mut c = db.conn().await?;
        rows::register_rows_all(&mut c.ex(), &actor.org_id, key, false).await?
    };
    let ctx = context(db, actor, &def, &existing, None).await?;
    let values = register::validate(&def, input, &ctx).map_err(|e| problems(e, 0))?;
    let row = new_row(actor, key, &def, values, label, now);
    Ok(Prepared { def, row, before: None })
}

/// Validates setting `patch` on a live row (other values are kept). No register permission is
/// checked (see [`prepare_create`]).
pub async fn prepare_patch(
    db: &Db,
    actor: &Actor,
    key: &str,
    id: &str,
    patch: &Map<String, Value>,
    now: i64,
) -> Result<Prepared, AppError> {
    let def = definition_unchecked(db, &actor.org_id, key).await?;
    let existing = {
        let mut c = db.conn().await?;
        rows::register_rows_all(&mut c.ex(), &actor.org_id, key, true).await?
    };
    let cur = existing.iter().find(|r| r.id == id && r.deleted == 0).cloned().ok_or(AppError::NotFound)?;
    let ctx = context(db, actor, &def, &existing, Some(id)).await?;
    let mut input: Map<String, Value> = serde_json::from_str(&cur.values_json).map_err(internal)?;
    for (k, v) in patch {
        input.insert(k.clone(), v.clone());
    }
    let values = register::validate(&def, &input, &ctx).map_err(|e| problems(e, 0))?;
    let next = RegisterRowRow {
        search_text: search_text(&def, &values),
        values_json: Value::Object(values).to_string(),
        version: cur.version + 1,
        updated_at: now,
        updated_by: actor.label.clone(),
        ..cur.clone()
    };
    Ok(Prepared { def, row: next, before: Some(cur) })
}

/// Writes a prepared row, its history and its audit entry in the caller's transaction.
pub async fn apply(tx: &mut mamori_store::Tx, actor: &Actor, p: &Prepared, now: i64) -> Result<(), AppError> {
    match &p.before {
        None => rows::insert_register_row(&mut tx.ex(), &p.row).await?,
        Some(_) => {
            if rows::update_register_row(&mut tx.ex(), &p.row).await? == 0 {
                return Err(AppError::Conflict);
            }
        }
    }
    rows::bump_register_version(&mut tx.ex(), &actor.org_id, &p.row.register_key).await?;
    let action = if p.before.is_some() { "update" } else { "create" };
    write(tx, actor, &p.def, &p.row, action, p.before.as_ref(), now).await
}

async fn change(
    db: &Db,
    actor: &Actor,
    key: &str,
    id: &str,
    f: impl FnOnce(&RegisterDef, &RegisterRowRow, &Context) -> Result<(RegisterRowRow, &'static str), AppError>,
    now: i64,
) -> Result<RowView, AppError> {
    actor.require(Permission::RegistersEdit)?;
    let def = definition(db, actor, key).await?;
    access::require_edit(actor, &def)?;
    access::require_here(&def)?;
    let (existing, current) = {
        let mut c = db.conn().await?;
        let all = rows::register_rows_all(&mut c.ex(), &actor.org_id, key, true).await?;
        let cur = all
            .iter()
            .find(|r| r.id == id)
            .filter(|r| access::row_visible(actor, &r.label, &access::restriction(&r.restricted_to)))
            .cloned()
            .ok_or(AppError::NotFound)?;
        (all, cur)
    };
    let ctx = context(db, actor, &def, &existing, Some(id)).await?;
    let (mut next, action) = f(&def, &current, &ctx)?;
    next.version = current.version + 1;
    next.updated_at = now;
    next.updated_by = actor.label.clone();
    let values: Map<String, Value> = serde_json::from_str(&next.values_json).map_err(internal)?;
    next.search_text = search_text(&def, &values);
    if next.label != current.label || next.restricted_to != current.restricted_to {
        check_restriction(db, actor, &next.label, &access::restriction(&next.restricted_to)).await?;
    }
    let mut tx = db.begin().await?;
    if rows::update_register_row(&mut tx.ex(), &next).await? == 0 {
        return Err(AppError::Conflict);
    }
    rows::bump_register_version(&mut tx.ex(), &actor.org_id, key).await?;
    write(&mut tx, actor, &def, &next, action, Some(&current), now).await?;
    tx.commit().await?;
    dates_changed(db, actor, &def, now).await?;
    Ok(view(next))
}

/// Changes a row (a deleted row must be restored first).
pub async fn update(
    db: &Db,
    actor: &Actor,
    key: &str,
    id: &str,
    input: &Map<String, Value>,
    label: Option<&str>,
    now: i64,
) -> Result<RowView, AppError> {
    update_restricted(db, actor, key, id, input, label, None, now).await
}

/// Changes a row and, when `restricted_to` is given, who may see it while it is 極秘.
#[allow(clippy::too_many_arguments)]
pub async fn update_restricted(
    db: &Db,
    actor: &Actor,
    key: &str,
    id: &str,
    input: &Map<String, Value>,
    label: Option<&str>,
    restricted_to: Option<&[String]>,
    now: i64,
) -> Result<RowView, AppError> {
    let restricted = match restricted_to {
        Some(r) => Some(serde_json::to_string(r).map_err(internal)?),
        None => None,
    };
    crate::evidence::require_readable(db, actor, crate::evidence::strings_of(input)).await?;
    change(
        db,
        actor,
        key,
        id,
        |def, cur, ctx| {
            if cur.deleted != 0 {
                return Err(AppError::Conflict);
            }
            let label = label.filter(|l| !l.is_empty()).unwrap_or(&cur.label).to_string();
            check_label(&label)?;
            let values = register::validate(def, input, ctx).map_err(|e| problems(e, 0))?;
            let restricted_to = restricted.unwrap_or_else(|| cur.restricted_to.clone());
            Ok((
                RegisterRowRow { values_json: Value::Object(values).to_string(), label, restricted_to, ..cur.clone() },
                "update",
            ))
        },
        now,
    )
    .await
}

/// Soft-deletes a row with a reason (nothing is lost; privileged roles can restore it).
pub async fn delete(db: &Db, actor: &Actor, key: &str, id: &str, reason: &str, now: i64) -> Result<RowView, AppError> {
    if reason.trim().is_empty() {
        return Err(AppError::Validation(vec![("reason".into(), "field-required".into())]));
    }
    change(
        db,
        actor,
        key,
        id,
        |_, cur, _| {
            if cur.deleted != 0 {
                return Err(AppError::Conflict);
            }
            Ok((
                RegisterRowRow { deleted: 1, deleted_reason: Some(reason.trim().to_string()), ..cur.clone() },
                "delete",
            ))
        },
        now,
    )
    .await
}

/// Restores a deleted row (its unique values must still be free).
pub async fn restore(db: &Db, actor: &Actor, key: &str, id: &str, now: i64) -> Result<RowView, AppError> {
    change(
        db,
        actor,
        key,
        id,
        |def, cur, ctx| {
            if cur.deleted == 0 {
                return Err(AppError::Conflict);
            }
            let values: Map<String, Value> = serde_json::from_str(&cur.values_json).map_err(internal)?;
            register::validate(def, &values, ctx).map_err(|e| problems(e, 0))?;
            Ok((RegisterRowRow { deleted: 0, deleted_reason: None, ..cur.clone() }, "restore"))
        },
        now,
    )
    .await
}

/// One version of a row with what changed from the previous one.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    /// Version.
    pub version: i64,
    /// create, update, delete, restore.
    pub action: String,
    /// Who.
    pub actor: String,
    /// When.
    pub at_ms: i64,
    /// Deletion reason.
    pub reason: Option<String>,
    /// (field label, before, after) for every changed field (and the label).
    pub changes: Vec<(String, String, String)>,
}

/// The history of a row with differences.
pub async fn history(db: &Db, actor: &Actor, key: &str, id: &str) -> Result<Vec<HistoryEntry>, AppError> {
    let def = definition(db, actor, key).await?;
    get(db, actor, key, id).await?;
    let mut c = db.conn().await?;
    let h = rows::register_history(&mut c.ex(), &actor.org_id, id).await?;
    let mut prev: Map<String, Value> = Map::new();
    let mut prev_label = String::new();
    let mut out = Vec::new();
    for e in h {
        let values: Map<String, Value> = serde_json::from_str(&e.values_json).unwrap_or_default();
        let mut changes = Vec::new();
        for f in &def.fields {
            let (b, a) = (
                register::format_cell(f, prev.get(&f.key).unwrap_or(&Value::Null)),
                register::format_cell(f, values.get(&f.key).unwrap_or(&Value::Null)),
            );
            if a != b {
                changes.push((f.label.clone(), b, a));
            }
        }
        if e.label != prev_label {
            changes.push((LABEL_COLUMN.to_string(), prev_label.clone(), e.label.clone()));
        }
        out.push(HistoryEntry {
            version: e.version,
            action: e.action,
            actor: e.actor_label,
            at_ms: e.at_ms,
            reason: e.reason,
            changes,
        });
        prev = values;
        prev_label = e.label;
    }
    Ok(out)
}

/// Adds a stored evidence file to a file field of a row.
pub async fn attach(
    db: &Db,
    actor: &Actor,
    key: &str,
    id: &str,
    field: &str,
    sha256: &str,
    now: i64,
) -> Result<RowView, AppError> {
    let def = definition(db, actor, key).await?;
    let f = def.fields.iter().find(|f| f.key == field && f.ty == FieldType::File).ok_or(AppError::NotFound)?;
    let current = get(db, actor, key, id).await?;
    crate::evidence::require_readable(db, actor, [(f.key.clone(), vec![sha256.to_string()])]).await?;
    let mut values = current.values.clone();
    let mut files: Vec<Value> = values.get(&f.key).and_then(Value::as_array).cloned().unwrap_or_default();
    if !files.iter().any(|v| v.as_str() == Some(sha256)) {
        files.push(Value::String(sha256.to_string()));
    }
    values.insert(f.key.clone(), Value::Array(files));
    for c in def.fields.iter().filter(|f| f.compute.is_some()) {
        values.remove(&c.key);
    }
    update(db, actor, key, id, &values, Some(&current.label), now).await
}
