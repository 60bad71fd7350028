//! Confirming a supplier's requirements (5.19–5.21): each with its evidence (a contract
//! clause, a certificate, an answer) or the reason it does not apply. When every requirement of
//! a supplier is settled, the regulation's draft notes that name it are resolved; when every
//! supplier in use is settled, the notes that wait for each supplier (「業者ごとに確認後」) are.

use super::{SupplierView, get, list, require_register};
use crate::{Actor, AppError};
use jiff::civil::Date;
use mamori_domain::supplier::{self as rules, ReqState};
use mamori_store::Db;
use mamori_store::rows::{self, SupplierRequirementRow};
use serde_json::Value;

/// Longest evidence text kept.
pub const MAX_EVIDENCE: usize = 2000;

/// Sets one requirement of a supplier → the supplier.
#[allow(clippy::too_many_arguments)]
pub async fn confirm(
    db: &Db,
    actor: &Actor,
    supplier_id: &str,
    key: &str,
    state: &str,
    evidence: &str,
    today: Date,
    now: i64,
) -> Result<SupplierView, AppError> {
    require_register(db, actor, true).await?;
    let cat = rules::catalogue();
    let mut problems = Vec::new();
    if !cat.requirements.iter().any(|r| r.key == key) {
        problems.push(("key".to_string(), "field-not-a-choice".to_string()));
    }
    let parsed = ReqState::from_key(state);
    match parsed {
        None => problems.push(("state".to_string(), "field-not-a-choice".to_string())),
        Some(s) => {
            if let Err(f) = rules::check_confirmation(s, evidence) {
                problems.push((f.to_string(), "field-required".to_string()));
            }
        }
    }
    if evidence.chars().count() > MAX_EVIDENCE {
        problems.push(("evidence".to_string(), "field-too-long".to_string()));
    }
    let Some(state) = parsed.filter(|_| problems.is_empty()) else { return Err(AppError::Validation(problems)) };
    let supplier = get(db, actor, supplier_id, today).await?;
    let done = state != ReqState::Unconfirmed;
    let row = SupplierRequirementRow {
        id: crate::new_id(),
        org_id: actor.org_id.clone(),
        supplier_id: supplier.id.clone(),
        key: key.to_string(),
        state: state.key().to_string(),
        evidence: evidence.trim().to_string(),
        confirmed_by: if done { actor.user_id.clone() } else { None },
        confirmed_at: if done { Some(now) } else { None },
        updated_at: now,
    };
    let mut tx = db.begin().await?;
    rows::upsert_supplier_requirement(&mut tx.ex(), &row).await?;
    crate::audit::updated(
        &mut tx,
        actor,
        "supplier_requirement",
        &supplier.id,
        &serde_json::json!({"requirement": key}),
        &serde_json::json!({"supplier": supplier.name(), "requirement": key, "state": state.key()}),
        now,
    )
    .await?;
    tx.commit().await?;
    resolve_notes(db, actor, today, now).await?;
    get(db, actor, supplier_id, today).await
}

/// Resolves the draft notes whose suppliers are all settled.
pub(crate) async fn resolve_notes(db: &Db, actor: &Actor, today: Date, now: i64) -> Result<(), AppError> {
    let all = list(db, actor, today).await?;
    let in_use: Vec<&SupplierView> =
        all.iter().filter(|s| s.values.get("status").and_then(Value::as_str) != Some("終了")).collect();
    let every = !in_use.is_empty() && in_use.iter().all(|s| s.settled);
    let links = {
        let mut c = db.conn().await?;
        rows::open_item_suppliers(&mut c.ex(), &actor.org_id).await?
    };
    let mut done: Vec<&str> = Vec::new();
    let mut tx = db.begin().await?;
    for s in &all {
        for o in s.open_items.iter().filter(|o| o.resolved_at.is_none()) {
            if done.contains(&o.id.as_str()) {
                continue;
            }
            let linked = links.iter().any(|(item, sup)| *item == o.id && *sup == s.id);
            if linked && s.settled {
                let text = format!("取引先「{}」の要求事項をすべて確認した。", s.name());
                crate::open_items::resolve_with(&mut tx, actor, o, &text, now).await?;
                done.push(&o.id);
            } else if !linked && every {
                let names: Vec<&str> = in_use.iter().map(|x| x.name()).collect();
                let text = format!("利用中の全取引先（{}）の要求事項を確認した。", names.join("、"));
                crate::open_items::resolve_with(&mut tx, actor, o, &text, now).await?;
                done.push(&o.id);
            }
        }
    }
    tx.commit().await?;
    Ok(())
}
