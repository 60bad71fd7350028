//! The open-item page: every item with its owner, due date and resolution; each row is its
//! own form, and a refused change comes back on the same page with the values kept and the
//! problems at their fields.

use super::views::{ItemView, OpenItemsPage};
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::tokyo_time;
use crate::views::{Layout, render};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::open_items::{self, OpenItemEdit, OpenItemView};
use mamori_domain::permission::Permission;
use serde::Deserialize;

fn item_view(t: &Tr, v: OpenItemView) -> ItemView {
    let i = v.item;
    let resolved_line = match (i.resolved_at, &i.resolved_by) {
        (Some(at), by) => {
            let who = by.clone().unwrap_or_default();
            if i.resolution.is_none() {
                t.t2("open-item-resolved-by-duty", ("when", &tokyo_time(at)), ("who", &who))
            } else {
                t.t2("open-item-resolved-line", ("when", &tokyo_time(at)), ("who", &who))
            }
        }
        _ => String::new(),
    };
    ItemView {
        kind_label: t.t(&format!("open-item-kind-{}", i.kind)),
        resolved: i.resolved_at.is_some(),
        resolved_line,
        id: i.id,
        control: i.control_id,
        control_title: v.control_title,
        text: i.text,
        owner_id: i.owner_id.unwrap_or_default(),
        owner_name: v.owner_name.unwrap_or_default(),
        due: i.due.unwrap_or_default(),
        resolution: i.resolution.unwrap_or_default(),
        may_edit: v.may_edit,
        errors: Vec::new(),
    }
}

async fn page(state: &AppState, ctx: &Ctx, s: &Session, saved: bool, mut tried: Option<ItemView>) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let list = open_items::list(&state.db, a).await?;
    let people = open_items::owners(&state.db, a).await?;
    let items: Vec<ItemView> = list
        .into_iter()
        .map(|v| {
            let view = item_view(&t, v);
            match tried.take_if(|x| x.id == view.id) {
                Some(x) => x,
                None => view,
            }
        })
        .collect();
    let failed = items.iter().any(|i| !i.errors.is_empty());
    let page = OpenItemsPage {
        layout: Layout::new(ctx),
        open_count: items.iter().filter(|i| !i.resolved).count(),
        items,
        may_assign: a.grants.has(Permission::RegulationImport),
        people,
        saved,
    };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)).into_response())
}

/// Whether the last change was saved.
#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// `GET /open-items`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<SavedQuery>) -> WebResult {
    page(&state, &ctx, &s, q.saved.is_some(), None).await
}

/// `POST /open-items/{id}`: `owner_id`, `due` and (to resolve it) `resolution`.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let a = &s.actor;
    let current = open_items::get(&state.db, a, &id).await?;
    // Who may not assign sends the item's own owner and due date back unchanged.
    let (owner, due) = if a.grants.has(Permission::RegulationImport) {
        (form.get("owner_id").to_string(), form.get("due").to_string())
    } else {
        (current.item.owner_id.clone().unwrap_or_default(), current.item.due.clone().unwrap_or_default())
    };
    let e = OpenItemEdit {
        owner_id: Some(owner.clone()),
        due: Some(due.clone()),
        resolution: Some(form.get("resolution").to_string()),
    };
    match open_items::update(&state.db, a, &id, e, state.today(), state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/open-items?saved=1#item-{id}")).into_response()),
        Err(AppError::Validation(v)) => {
            let t = ctx.tr();
            let mut tried = item_view(&t, current);
            tried.owner_id = owner;
            tried.due = due;
            tried.resolution = form.get("resolution").to_string();
            tried.errors = v.into_iter().map(|(f, k)| (f, t.t(&k))).collect();
            page(&state, &ctx, &s, false, Some(tried)).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}
