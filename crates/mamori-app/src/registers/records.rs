//! Register rows named for people: a record reference (`<register>/<row id>`, as a duty's
//! completion stores it) as 「バックアップ記録: 2026-11-01 USB へのバックアップ」, and the rows
//! of a register a reader may pick as a duty's record. Only registers and rows the reader may
//! read are named; anything else stays unnamed (the caller shows a neutral word, never the id).

use super::{access, defs::definition, title_of};
use crate::{Actor, AppError};
use mamori_store::Db;
use mamori_store::rows;
use serde_json::{Map, Value};

/// The most rows offered in a picker (newest first).
pub const PICK_MAX: usize = 200;

/// The live rows of `key` the actor may read, newest first, as (`<key>/<id>`, title); empty
/// when they may not read the register.
pub async fn pickable(db: &Db, actor: &Actor, key: &str) -> Result<Vec<(String, String)>, AppError> {
    let def = match definition(db, actor, key).await {
        Ok(d) => d,
        Err(AppError::NotFound | AppError::Forbidden) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut c = db.conn().await?;
    let mut list = rows::register_rows_all(&mut c.ex(), &actor.org_id, key, false).await?;
    list.retain(|r| access::row_visible(actor, &r.label, &access::restriction(&r.restricted_to)));
    list.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    Ok(list
        .into_iter()
        .take(PICK_MAX)
        .map(|r| {
            let v: Map<String, Value> = serde_json::from_str(&r.values_json).unwrap_or_default();
            (format!("{key}/{}", r.id), title_of(&def, &v))
        })
        .collect())
}

/// A record reference named as `<register name>: <row title>`, when it is a register row the
/// actor may read; `None` otherwise (another kind of reference, an unknown or hidden row).
pub async fn label(db: &Db, actor: &Actor, reference: &str) -> Result<Option<String>, AppError> {
    let Some((key, id)) = reference.split_once('/') else { return Ok(None) };
    let def = match definition(db, actor, key).await {
        Ok(d) => d,
        Err(AppError::NotFound | AppError::Forbidden) => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut c = db.conn().await?;
    let row = rows::register_row(&mut c.ex(), &actor.org_id, id)
        .await?
        .filter(|r| r.register_key == key)
        .filter(|r| access::row_visible(actor, &r.label, &access::restriction(&r.restricted_to)));
    Ok(row.map(|r| {
        let v: Map<String, Value> = serde_json::from_str(&r.values_json).unwrap_or_default();
        format!("{}: {}", def.name, title_of(&def, &v))
    }))
}

/// The live rows of `key` the actor may read as a reference field's picker offers them: (the
/// value a reference stores, its first field's value; a label with the row's first fields),
/// sorted by value; empty when they may not read the register.
pub async fn reference_options(db: &Db, actor: &Actor, key: &str) -> Result<Vec<(String, String)>, AppError> {
    let def = match definition(db, actor, key).await {
        Ok(d) => d,
        Err(AppError::NotFound | AppError::Forbidden) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let Some(first) = def.fields.first() else { return Ok(Vec::new()) };
    let mut c = db.conn().await?;
    let mut list = rows::register_rows_all(&mut c.ex(), &actor.org_id, key, false).await?;
    list.retain(|r| access::row_visible(actor, &r.label, &access::restriction(&r.restricted_to)));
    let mut out: Vec<(String, String)> = list
        .into_iter()
        .take(PICK_MAX)
        .map(|r| {
            let v: Map<String, Value> = serde_json::from_str(&r.values_json).unwrap_or_default();
            let name = mamori_domain::register::format_cell(first, v.get(&first.key).unwrap_or(&Value::Null));
            let label = def
                .fields
                .iter()
                .take(3)
                .map(|f| mamori_domain::register::format_cell(f, v.get(&f.key).unwrap_or(&Value::Null)))
                .filter(|s| !s.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            (name, label)
        })
        .filter(|(n, _)| !n.trim().is_empty())
        .collect();
    out.sort();
    Ok(out)
}

/// The id of the live row of `key` that `name` names (its id, or its first field's value), read
/// without the reader's permissions: a workflow marks the row its request refers to.
pub async fn row_named(db: &Db, org_id: &str, key: &str, name: &str) -> Result<Option<String>, AppError> {
    let def = super::defs::definition_unchecked(db, org_id, key).await?;
    let Some(first) = def.fields.first() else { return Ok(None) };
    let mut c = db.conn().await?;
    Ok(rows::register_rows_all(&mut c.ex(), org_id, key, false).await?.into_iter().find_map(|r| {
        let v: Map<String, Value> = serde_json::from_str(&r.values_json).unwrap_or_default();
        let named = r.id == name
            || mamori_domain::register::format_cell(first, v.get(&first.key).unwrap_or(&Value::Null)) == name;
        named.then_some(r.id)
    }))
}
