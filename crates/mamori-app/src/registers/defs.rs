//! Register definitions: the 31 templates, the designer, and registers offered for the
//! records the regulation names.

use super::{access, internal};
use crate::audit::{self, Entry};
use crate::{Actor, AppError};
use mamori_domain::audit::AuditAction;
use mamori_domain::permission::Permission;
use mamori_domain::register::{self, RegisterDef};
use mamori_store::Db;
use mamori_store::rows::{self, RegisterDefRow};
use serde::Serialize;
use std::collections::BTreeSet;

/// A register with its live row count.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The definition.
    #[serde(flatten)]
    pub def: RegisterDef,
    /// Live rows.
    pub rows: i64,
}

/// Installs the 31 templates an organisation does not have yet, and brings stored copies of
/// an older template revision up to date ([`register::upgrade_stored`]: the fields a template
/// added since; rows keep their values, the added fields being optional).
pub async fn ensure_templates(db: &Db, org_id: &str, now: i64) -> Result<(), AppError> {
    let stored = {
        let mut c = db.conn().await?;
        rows::register_defs(&mut c.ex(), org_id).await?
    };
    let have: BTreeSet<&str> = stored.iter().map(|d| d.key.as_str()).collect();
    let missing: Vec<RegisterDef> =
        register::templates().into_iter().filter(|t| !have.contains(t.key.as_str())).collect();
    let behind: Vec<(&RegisterDefRow, RegisterDef)> = stored
        .iter()
        .filter(|d| register::template_revision(&d.key) > 0)
        .filter_map(|d| Some((d, register::upgrade_stored(&serde_json::from_str(&d.def_json).ok()?)?)))
        .collect();
    if missing.is_empty() && behind.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for (i, t) in missing.iter().enumerate() {
        rows::upsert_register_def(
            &mut tx.ex(),
            &RegisterDefRow {
                org_id: org_id.to_string(),
                key: t.key.clone(),
                name: t.name.clone(),
                def_json: serde_json::to_string(t).map_err(internal)?,
                created_at: now + i64::try_from(i).unwrap_or(0),
                updated_at: now,
            },
        )
        .await?;
    }
    for (row, def) in behind {
        rows::upsert_register_def(
            &mut tx.ex(),
            &RegisterDefRow {
                def_json: serde_json::to_string(&def).map_err(internal)?,
                updated_at: now,
                ..row.clone()
            },
        )
        .await?;
        rows::bump_register_version(&mut tx.ex(), org_id, &row.key).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The organisation's registers the actor may read, with the live rows they may see counted
/// (a register one may not read is not listed).
pub async fn list(db: &Db, actor: &Actor, now: i64) -> Result<Vec<Summary>, AppError> {
    actor.require(Permission::RegistersView)?;
    ensure_templates(db, &actor.org_id, now).await?;
    let mut c = db.conn().await?;
    let defs = rows::register_defs(&mut c.ex(), &actor.org_id).await?;
    let counts = rows::register_counts(&mut c.ex(), &actor.org_id).await?;
    let secret = rows::register_secret_rows(&mut c.ex(), &actor.org_id).await?;
    let mut out = Vec::new();
    for d in defs {
        let def = register::with_access(serde_json::from_str(&d.def_json).map_err(internal)?);
        if !access::may_view(actor, &def) {
            continue;
        }
        let n = counts.iter().find(|(k, _)| *k == d.key).map(|(_, n)| *n).unwrap_or(0);
        let hidden = secret
            .iter()
            .filter(|(k, r)| *k == d.key && !access::row_visible(actor, "極秘", &access::restriction(r)))
            .count();
        out.push(Summary { def, rows: n - i64::try_from(hidden).unwrap_or(0) });
    }
    Ok(out)
}

/// Every register definition of the organisation, whoever may read it (names and keys for
/// checks that must see them all).
async fn all_defs(db: &Db, org_id: &str, now: i64) -> Result<Vec<RegisterDefRow>, AppError> {
    ensure_templates(db, org_id, now).await?;
    let mut c = db.conn().await?;
    Ok(rows::register_defs(&mut c.ex(), org_id).await?)
}

/// One register's definition (with its view and edit roles); not found for a reader outside
/// its view roles.
pub async fn definition(db: &Db, actor: &Actor, key: &str) -> Result<RegisterDef, AppError> {
    actor.require(Permission::RegistersView)?;
    let def = definition_unchecked(db, &actor.org_id, key).await?;
    access::require_view(actor, &def)?;
    Ok(def)
}

pub(super) async fn definition_unchecked(db: &Db, org_id: &str, key: &str) -> Result<RegisterDef, AppError> {
    definition_stored(db, org_id, key).await.map(register::with_access)
}

async fn definition_stored(db: &Db, org_id: &str, key: &str) -> Result<RegisterDef, AppError> {
    {
        let mut c = db.conn().await?;
        if let Some(d) = rows::register_defs(&mut c.ex(), org_id).await?.into_iter().find(|d| d.key == key) {
            let def: RegisterDef = serde_json::from_str(&d.def_json).map_err(internal)?;
            if def.revision >= register::template_revision(key) {
                return Ok(def);
            }
        }
    }
    // Missing (templates appear on first use) or a copy of an older template revision
    // (upgraded on first read): installed or upgraded, then read again.
    ensure_templates(db, org_id, crate::now_ms()).await?;
    let mut c = db.conn().await?;
    let d =
        rows::register_defs(&mut c.ex(), org_id).await?.into_iter().find(|d| d.key == key).ok_or(AppError::NotFound)?;
    serde_json::from_str(&d.def_json).map_err(internal)
}

/// Adds or replaces a register definition (the designer). Existing rows keep their values.
pub async fn define(db: &Db, actor: &Actor, mut def: RegisterDef, now: i64) -> Result<RegisterDef, AppError> {
    actor.require(Permission::RegistersDesign)?;
    // What a designer saves is current: a field they removed is not added back.
    def.revision = def.revision.max(register::template_revision(&def.key));
    let problems = register::check_definition(&def);
    if !problems.is_empty() {
        return Err(AppError::Blocked(problems.join("; ")));
    }
    // A register one may not read cannot be redesigned (nor its roles changed) by one, and a
    // designer cannot lock themselves out of what they design.
    // A register managed on another page keeps its fields (that page reads them); its roles
    // may change.
    match definition_stored(db, &actor.org_id, &def.key).await {
        Ok(current) if !access::may_view(actor, &current) => return Err(AppError::NotFound),
        Ok(current) if register::managed_at(&def.key).is_some() && current.fields != def.fields => {
            return Err(AppError::Validation(vec![("fields".into(), "register-managed".into())]));
        }
        Ok(_) | Err(AppError::NotFound) => {}
        Err(e) => return Err(e),
    }
    if !access::may_view(actor, &def) {
        return Err(AppError::Validation(vec![("view_roles".into(), "register-restriction-excludes-you".into())]));
    }
    let mut tx = db.begin().await?;
    rows::upsert_register_def(
        &mut tx.ex(),
        &RegisterDefRow {
            org_id: actor.org_id.clone(),
            key: def.key.clone(),
            name: def.name.clone(),
            def_json: serde_json::to_string(&def).map_err(internal)?,
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    rows::bump_register_version(&mut tx.ex(), &actor.org_id, &def.key).await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "register_def",
            Some(&def.key),
            None,
            Some(serde_json::to_value(&def).map_err(internal)?),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(def)
}

/// What the regulation's named record (【…】) corresponds to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RecordHome {
    /// A register with this key.
    Register(String),
    /// A controlled document with this id.
    Document(String),
    /// A document by its name (方針, ルール, マニュアル …) that is not a controlled document
    /// yet: the next regulation import creates it; no register is offered for it.
    DocumentMissing,
    /// Nothing yet: a register can be created for it.
    Missing,
}

/// For each record name, where it is kept (matching register names and document titles).
pub async fn record_homes(
    db: &Db,
    actor: &Actor,
    names: &[String],
    now: i64,
) -> Result<Vec<(String, RecordHome)>, AppError> {
    actor.require(Permission::RegistersView)?;
    // Every register, also those the actor may not read: a record kept in one is not missing.
    let registers = all_defs(db, &actor.org_id, now).await?;
    let docs = {
        let mut c = db.conn().await?;
        rows::list_documents(&mut c.ex(), &actor.org_id).await?
    };
    Ok(names
        .iter()
        .map(|n| {
            let home = if let Some(r) = registers.iter().find(|r| &r.name == n) {
                RecordHome::Register(r.key.clone())
            } else if let Some(d) = docs.iter().find(|d| &d.title == n) {
                RecordHome::Document(d.id.clone())
            } else if mamori_domain::document::is_document_name(n) {
                RecordHome::DocumentMissing
            } else {
                RecordHome::Missing
            };
            (n.clone(), home)
        })
        .collect())
}

/// Creates a register for a record the regulation names but no register keeps yet: one
/// required 名称 field to start with (the designer adds the rest).
pub async fn offer(
    db: &Db,
    actor: &Actor,
    name: &str,
    controls: Vec<String>,
    now: i64,
) -> Result<RegisterDef, AppError> {
    actor.require(Permission::RegistersDesign)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::Validation(vec![("name".into(), "field-required".into())]));
    }
    if mamori_domain::document::is_document_name(name) {
        // A policy, rule or manual is a controlled document, not a register.
        return Err(AppError::Validation(vec![("name".into(), "field-document-not-register".into())]));
    }
    let existing = all_defs(db, &actor.org_id, now).await?;
    if existing.iter().any(|r| r.name == name) {
        return Err(AppError::Conflict);
    }
    use sha2::Digest;
    let key = format!("record_{}", &mamori_domain::hex::encode(&sha2::Sha256::digest(name.as_bytes()))[..10]);
    let def: RegisterDef = serde_json::from_value(serde_json::json!({
        "key": key,
        "name": name,
        "controls": controls,
        "default_sort": "title",
        "fields": [
            { "key": "title", "label": "名称", "type": "text", "required": true },
            { "key": "recorded_on", "label": "記録日", "type": "date" },
            { "key": "notes", "label": "備考", "type": "long_text" }
        ]
    }))
    .map_err(internal)?;
    define(db, actor, def, now).await
}

/// Sets who may read and who may change a register's rows (role keys; `registers.design`,
/// audited with the definition). Unknown roles, an empty list, or a list that would lock the
/// caller out are refused at the field.
pub async fn set_access(
    db: &Db,
    actor: &Actor,
    key: &str,
    view_roles: Vec<String>,
    edit_roles: Vec<String>,
    now: i64,
) -> Result<RegisterDef, AppError> {
    actor.require(Permission::RegistersDesign)?;
    let mut def = definition(db, actor, key).await?;
    for (field, roles) in [("view_roles", &view_roles), ("edit_roles", &edit_roles)] {
        if roles.is_empty() {
            return Err(AppError::Validation(vec![(field.into(), "field-required".into())]));
        }
        if roles.iter().any(|r| !register::ROLE_KEYS.contains(&r.as_str())) {
            return Err(AppError::Validation(vec![(field.into(), "field-not-a-choice".into())]));
        }
    }
    def.view_roles = Some(view_roles);
    def.edit_roles = Some(edit_roles);
    define(db, actor, def, now).await
}
