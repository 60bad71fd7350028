//! The supplier pages: the list with the form to add one (its requirements and duties come with
//! it), and a supplier with its requirements to confirm (each its own form), its duties, the
//! checks done and the regulation's notes waiting for it. Refused forms come back with what was
//! typed and the problems at their fields.

use super::views::{CheckRow, DetailPage, DutyRow, ListPage, RequirementRow, SupplierRow};
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::state::AppState;
use crate::tokyo_time;
use crate::views::{Done, Layout, Tried, render};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_app::suppliers::{self, requirements};
use mamori_app::{AppError, registers};
use mamori_domain::permission::Permission;
use mamori_domain::supplier::{ReqState, catalogue};
use serde_json::{Map, Value};

/// The fields of the add form, in the register's order.
const FIELDS: [&str; 12] = [
    "name",
    "kind",
    "services",
    "information",
    "classification",
    "criticality",
    "contract",
    "contract_start",
    "contract_end",
    "contact_name",
    "contact_email",
    "security_clauses",
];

fn text(v: &Map<String, Value>, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

async fn may_edit(state: &AppState, s: &Session) -> bool {
    match registers::definition(&state.db, &s.actor, suppliers::REGISTER).await {
        Ok(def) => registers::access::may_edit(&s.actor, &def) && s.actor.grants.has(Permission::DutiesManage),
        Err(_) => false,
    }
}

async fn list_page(state: &AppState, ctx: &Ctx, s: &Session, tried: Tried) -> WebResult {
    let t = ctx.tr();
    let total = catalogue().requirements.len();
    let rows = suppliers::list(&state.db, &s.actor, state.today())
        .await?
        .into_iter()
        .map(|x| SupplierRow {
            confirmed: t.tnums(
                "sup-confirmed-of",
                [
                    (
                        "done",
                        x.requirements
                            .iter()
                            .filter(|r| ReqState::from_key(&r.state).is_some_and(|s| s.settled()))
                            .count() as i64,
                    ),
                    ("total", total as i64),
                ],
            ),
            settled: x.settled,
            name: text(&x.values, "name"),
            kind: text(&x.values, "kind"),
            services: text(&x.values, "services"),
            criticality: text(&x.values, "criticality"),
            status: text(&x.values, "status"),
            id: x.id,
        })
        .collect();
    let status = if tried.form.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ListPage {
        layout: Layout::new(ctx),
        rows,
        may_add: may_edit(state, s).await,
        kinds: catalogue().kinds.iter().map(|k| (k.key.clone(), k.label.clone())).collect(),
        tried,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /suppliers`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    list_page(&state, &ctx, &s, Tried::default()).await
}

/// `POST /suppliers`: the register's fields.
pub async fn create(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let mut input = Map::new();
    for f in FIELDS {
        let v = form.get(f).trim();
        if !v.is_empty() {
            input.insert(f.to_string(), Value::from(v));
        }
    }
    match suppliers::create(&state.db, &s.actor, input, state.today(), state.now()).await {
        Ok(x) => Ok(Redirect::to(&format!("/suppliers/{}?done=created", x.id)).into_response()),
        Err(e @ (AppError::Validation(_) | AppError::Rows(_))) => {
            let t = ctx.tr();
            let e = match e {
                // The register's row problems name their field: show them at it.
                AppError::Rows(rows) => AppError::Validation(rows.into_iter().map(|r| (r.field, r.message)).collect()),
                e => e,
            };
            list_page(&state, &ctx, &s, Tried::new(&t, "add", &form, &e, String::new())).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    id: &str,
    done: Option<&str>,
    tried: Tried,
) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let x = suppliers::get(&state.db, a, id, state.today()).await?;
    let def = registers::definition(&state.db, a, suppliers::REGISTER).await?;
    let people = mamori_app::users::people(&state.db, a).await?;
    let name = |id: Option<&str>| {
        id.and_then(|id| people.iter().find(|p| p.id == id)).map(|p| p.name.clone()).unwrap_or_default()
    };
    let facts = def
        .fields
        .iter()
        .filter(|f| f.key != "name")
        .map(|f| (f.label.clone(), text(&x.values, &f.key)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let requirements = x
        .requirements
        .iter()
        .map(|r| {
            let mine = tried.is(&r.key);
            RequirementRow {
                state_label: t.t(&format!("sup-req-{}", r.state.replace('_', "-"))),
                state: if mine { tried.v("state").to_string() } else { r.state.clone() },
                evidence: if mine { tried.v("evidence").to_string() } else { r.evidence.clone() },
                confirmed_line: match r.confirmed_at {
                    Some(at) => format!("{} {}", tokyo_time(at), name(r.confirmed_by.as_deref())),
                    None => String::new(),
                },
                error: if mine {
                    format!("{} {}", tried.error("evidence"), tried.error("state")).trim().to_string()
                } else {
                    String::new()
                },
                key: r.key.clone(),
                label: r.label.clone(),
            }
        })
        .collect();
    let status = if tried.form.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = DetailPage {
        layout: Layout::new(ctx).with_done("sup", done),
        name: text(&x.values, "name"),
        facts,
        requirements,
        settled: x.settled,
        states: ReqState::ALL
            .iter()
            .map(|s| (s.key().to_string(), t.t(&format!("sup-req-{}", s.key().replace('_', "-")))))
            .collect(),
        duties: x
            .duties
            .iter()
            .map(|d| DutyRow {
                id: d.id.clone(),
                title: d.title.clone(),
                frequency: t.t(&format!("freq-{}", d.frequency.as_deref().unwrap_or("annual"))),
            })
            .collect(),
        checks: x
            .checks
            .iter()
            .map(|c| CheckRow {
                title: c.title.clone(),
                done_on: c.done_on.clone(),
                note: c.note.clone(),
                by: name(c.done_by.as_deref()),
            })
            .collect(),
        open_items: x
            .open_items
            .iter()
            .map(|o| (o.control_id.clone(), o.text.clone(), o.resolved_at.is_some()))
            .collect(),
        may_edit: may_edit(state, s).await,
        id: x.id,
        tried,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /suppliers/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> WebResult {
    detail_page(&state, &ctx, &s, &id, q.done.as_deref(), Tried::default()).await
}

/// `POST /suppliers/{id}/requirements/{key}`: `state`, `evidence`.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path((id, key)): Path<(String, String)>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let r = requirements::confirm(
        &state.db,
        &s.actor,
        &id,
        &key,
        form.get("state"),
        form.get("evidence"),
        state.today(),
        state.now(),
    )
    .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/suppliers/{id}?done=requirement#req-{key}")).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let t = ctx.tr();
            detail_page(&state, &ctx, &s, &id, None, Tried::new(&t, &key, &form, &e, String::new())).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `GET /suppliers/{id}/requirements/{key}` (a reload after a refused form): the supplier.
pub async fn back(State(state): State<AppState>, s: Session, Path((id, _)): Path<(String, String)>) -> WebResult {
    suppliers::get(&state.db, &s.actor, &id, state.today()).await?;
    Ok(Redirect::to(&format!("/suppliers/{id}")).into_response())
}
