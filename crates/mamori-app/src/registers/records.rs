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
