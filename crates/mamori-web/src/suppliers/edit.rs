//! A supplier's register values edited on its own page (the register's generic forms do not
//! change suppliers: see `RegisterDef::managed_at`). The kind is shown, not offered: its duties
//! came from it. A refused form comes back with what was typed and each problem at its field.

use super::pages::FIELDS;
use super::views::EditPage;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::state::AppState;
use crate::views::{Layout, Tried, render};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use mamori_app::{AppError, suppliers};
use serde_json::{Map, Value};

fn page(ctx: &Ctx, x: &suppliers::SupplierView, mut tried: Tried) -> WebResult {
    let kind = x.values.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
    tried.values.retain(|(k, _)| k != "kind");
    tried.values.push(("kind".into(), kind));
    let status = tried.status();
    let p = EditPage { layout: Layout::new(ctx), id: x.id.clone(), name: x.name().to_string(), kinds: vec![], tried };
    Ok((status, render(&p)).into_response())
}

/// `GET /suppliers/{id}/edit`: the form with the stored values.
pub async fn form(State(state): State<AppState>, ctx: Ctx, s: Session, Path(id): Path<String>) -> WebResult {
    let x = suppliers::get(&state.db, &s.actor, &id, state.today()).await?;
    if !super::pages::may_edit(&state, &s).await {
        return Err(WebError::from(AppError::Forbidden));
    }
    let values = FIELDS.iter().map(|f| (f.to_string(), super::pages::text(&x.values, f))).collect();
    page(&ctx, &x, Tried { values, ..Tried::default() })
}

/// `POST /suppliers/{id}/edit`: the register's fields but the kind (an emptied field is cleared).
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let input: Map<String, Value> = FIELDS
        .iter()
        .filter(|f| **f != "kind")
        .map(|f| {
            let v = form.get(f).trim();
            (f.to_string(), if v.is_empty() { Value::Null } else { Value::from(v) })
        })
        .collect();
    match suppliers::update(&state.db, &s.actor, &id, input, state.today(), state.now()).await {
        Ok(x) => Ok(Redirect::to(&format!("/suppliers/{}?done=updated", x.id)).into_response()),
        Err(e @ (AppError::Validation(_) | AppError::Rows(_))) => {
            let t = ctx.tr();
            let x = suppliers::get(&state.db, &s.actor, &id, state.today()).await?;
            page(&ctx, &x, Tried::new(&t, "edit", &form, &e, String::new()))
        }
        Err(e) => Err(WebError::from(e)),
    }
}
