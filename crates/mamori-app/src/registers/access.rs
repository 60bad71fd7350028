//! Need-to-know on registers (5.12, 5.13, 8.3): who may read and change a register's rows
//! (its view and edit roles, data stored with the definition), and which 極秘 rows a reader
//! may see. Every read of rows — lists, search, counts, single rows, history, exports, the
//! API, evidence downloads — asks here.
//!
//! The command line ([`Actor::cli`], no user) is the operator's tool on the server and reads
//! every register and row.

use crate::{Actor, AppError};
use mamori_domain::permission::Permission;
use mamori_domain::register::{self, RegisterDef};

/// The command line (an operator with shell access), not a person.
fn is_system(actor: &Actor) -> bool {
    actor.user_id.is_none()
}

fn holds_one(actor: &Actor, roles: &[String]) -> bool {
    actor.role_keys.iter().any(|r| roles.contains(r))
}

/// Whether the actor may read the rows of `def` (`registers.view` and one of its view roles).
pub fn may_view(actor: &Actor, def: &RegisterDef) -> bool {
    if !actor.grants.has(Permission::RegistersView) {
        return false;
    }
    is_system(actor) || holds_one(actor, &register::default_access(def).0)
}

/// Whether the actor may change the rows of `def` (`registers.edit`, one of its edit roles, and
/// read access).
pub fn may_edit(actor: &Actor, def: &RegisterDef) -> bool {
    if !actor.grants.has(Permission::RegistersEdit) || !may_view(actor, def) {
        return false;
    }
    is_system(actor) || holds_one(actor, &register::default_access(def).1)
}

/// Fails unless the actor may read `def`: a register one may not read is not found.
pub fn require_view(actor: &Actor, def: &RegisterDef) -> Result<(), AppError> {
    actor.require(Permission::RegistersView)?;
    if may_view(actor, def) { Ok(()) } else { Err(AppError::NotFound) }
}

/// Fails unless the actor may change `def`'s rows.
pub fn require_edit(actor: &Actor, def: &RegisterDef) -> Result<(), AppError> {
    actor.require(Permission::RegistersEdit)?;
    require_view(actor, def)?;
    if may_edit(actor, def) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Fails for a register whose rows are managed on another page ([`RegisterDef::managed_at`]):
/// its generic forms, import and deletion would skip what that page writes with a row.
pub fn require_here(def: &RegisterDef) -> Result<(), AppError> {
    match def.managed_at {
        Some(_) => Err(AppError::Validation(vec![("register".into(), "register-managed".into())])),
        None => Ok(()),
    }
}

/// Whether the register's own pages offer changes to the actor (not for a register managed on
/// another page).
pub fn may_edit_here(actor: &Actor, def: &RegisterDef) -> bool {
    def.managed_at.is_none() && may_edit(actor, def)
}

/// The restriction list stored with a row.
pub fn restriction(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Whether the actor may see a row with this label and restriction.
pub fn row_visible(actor: &Actor, label: &str, restricted_to: &[String]) -> bool {
    is_system(actor) || register::row_visible(label, restricted_to, &actor.role_keys, &actor.label)
}

/// Whether the actor may read a register row naming the evidence file `sha256` (the register
/// part of "who may read evidence X": the register's view roles and the row's restriction).
pub async fn may_read_file(db: &mamori_store::Db, actor: &Actor, sha256: &str) -> Result<bool, AppError> {
    if !actor.grants.has(Permission::RegistersView) {
        return Ok(false);
    }
    let naming = {
        let mut c = db.conn().await?;
        mamori_store::rows::register_rows_naming(&mut c.ex(), &actor.org_id, sha256).await?
    };
    for r in naming {
        if !row_visible(actor, &r.label, &restriction(&r.restricted_to)) {
            continue;
        }
        let def = super::defs::definition_unchecked(db, &actor.org_id, &r.register_key).await?;
        // The file must be the value of one of the row's file fields, not just text in it.
        let values: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&r.values_json).unwrap_or_default();
        let in_file_field = def.fields.iter().filter(|f| f.ty == register::FieldType::File).any(|f| {
            values.get(&f.key).is_some_and(|v| match v {
                serde_json::Value::Array(a) => a.iter().any(|x| x.as_str() == Some(sha256)),
                serde_json::Value::String(s) => s == sha256,
                _ => false,
            })
        });
        if in_file_field && may_view(actor, &def) {
            return Ok(true);
        }
    }
    Ok(false)
}
