//! The management review pages: the list and the form to prepare one (its inputs assembled
//! from mamori's records as of the day it is held), one review with its inputs to edit, its
//! outputs (decisions, actions with owners and due dates), the approval of the minutes by
//! 経営責任者, and the minutes' export.

use super::views::{ActionRow, DetailPage, InputView, ItemRow, ListPage, ReviewRow};
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult, message};
use crate::extract::{CsrfForm, Session};
use crate::respond::{Format, download};
use crate::state::AppState;
use crate::tokyo_time;
use crate::views::{Done, Layout, Tried, render};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::management_reviews::minutes::{self, CAPTIONS};
use mamori_app::management_reviews::{self as mr, Action, Outputs};
use mamori_domain::permission::{Permission, ROLE_TOP_MANAGEMENT};

/// Blank action rows offered below the recorded ones.
const BLANK_ACTIONS: usize = 3;

/// Where an input item's source record is shown (none for a summary or a typed line).
fn source_href(kind: &str, id: Option<&str>) -> String {
    match (kind, id) {
        ("management_review", Some(id)) => format!("/management-reviews/{id}"),
        ("nonconformity", Some(id)) => format!("/nonconformities/{id}"),
        ("control", Some(id)) => format!("/controls/{id}"),
        ("register", Some(id)) => format!("/registers/{id}"),
        ("duty", Some(id)) => format!("/duties/{id}"),
        ("open_item", Some(id)) => format!("/open-items#item-{id}"),
        ("duties", _) => "/duties/heatmap".to_string(),
        _ => String::new(),
    }
}

async fn list_page(state: &AppState, ctx: &Ctx, s: &Session, tried: Tried) -> WebResult {
    let t = ctx.tr();
    let reviews = mr::list(&state.db, &s.actor)
        .await?
        .into_iter()
        .map(|r| ReviewRow {
            state_label: t.t(&format!("mr-state-{}", r.state)),
            id: r.id,
            number: r.number,
            held_on: r.held_on,
            state: r.state,
        })
        .collect();
    let status = tried.status();
    let page = ListPage {
        layout: Layout::new(ctx),
        reviews,
        may_prepare: s.actor.grants.has(Permission::ManagementReviewsManage),
        default_day: state.today().to_string(),
        tried,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /management-reviews`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    list_page(&state, &ctx, &s, Tried::default()).await
}

/// `POST /management-reviews`: `held_on`.
pub async fn create(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let result = match form.get("held_on").parse() {
        Ok(day) => mr::create(&state.db, &s.actor, day, state.now()).await,
        Err(_) => Err(AppError::Validation(vec![("held_on".into(), "field-invalid-date".into())])),
    };
    match result {
        Ok(r) => Ok(Redirect::to(&format!("/management-reviews/{}?done=prepared", r.id)).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let tried = Tried::new(&ctx.tr(), "prepare", &form, &e, String::new());
            list_page(&state, &ctx, &s, tried).await
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
    let r = mr::get(&state.db, a, id).await?;
    let people = mamori_app::users::people(&state.db, a).await?;
    let name = |id: &str| people.iter().find(|p| p.id == id).map(|p| p.name.clone()).unwrap_or_default();
    let inputs = CAPTIONS
        .iter()
        .map(|(letter, _)| {
            let list = minutes::items(&r.inputs, letter);
            InputView {
                letter: letter.to_string(),
                caption: t.t(&format!("mr-input-{letter}")),
                items: list
                    .iter()
                    .map(|x| ItemRow {
                        text: x.text.clone(),
                        href: source_href(&x.source.kind, x.source.id.as_deref()),
                    })
                    .collect(),
                text: list.iter().map(|x| x.text.as_str()).collect::<Vec<_>>().join("\n"),
            }
        })
        .collect();
    let actions: Vec<ActionRow> = r
        .outputs
        .actions
        .iter()
        .map(|x| ActionRow {
            text: x.text.clone(),
            owner_id: x.owner_id.clone(),
            owner: name(&x.owner_id),
            due: x.due.clone(),
            ..ActionRow::default()
        })
        .collect();
    let mut action_rows: Vec<ActionRow> = if tried.is("outputs") {
        (0..actions.len() + BLANK_ACTIONS)
            .map(|i| ActionRow {
                text: tried.v(&format!("action_text_{i}")).to_string(),
                owner_id: tried.v(&format!("action_owner_{i}")).to_string(),
                due: tried.v(&format!("action_due_{i}")).to_string(),
                text_error: tried.error(&format!("action_text_{i}")),
                owner_error: tried.error(&format!("action_owner_id_{i}")),
                due_error: tried.error(&format!("action_due_{i}")),
                ..ActionRow::default()
            })
            .collect()
    } else {
        actions
            .iter()
            .map(|x| ActionRow {
                text: x.text.clone(),
                owner_id: x.owner_id.clone(),
                due: x.due.clone(),
                ..ActionRow::default()
            })
            .collect()
    };
    while action_rows.len() < actions.len() + BLANK_ACTIONS {
        action_rows.push(ActionRow::default());
    }
    let approved_line = match (&r.approved_by, r.approved_at) {
        (Some(by), Some(at)) => format!("{} {}", tokyo_time(at), name(by)),
        _ => String::new(),
    };
    let prepared = r.state == "prepared";
    let status = tried.status();
    let page = DetailPage {
        layout: Layout::new(ctx).with_done("mr", done),
        id: r.id.clone(),
        number: r.number,
        held_on: r.held_on.clone(),
        state_label: t.t(&format!("mr-state-{}", r.state)),
        state: r.state.clone(),
        inputs,
        decisions: if tried.is("outputs") { tried.v("decisions").to_string() } else { r.outputs.decisions.join("\n") },
        actions,
        action_rows,
        people: people.into_iter().filter(|p| p.active).map(|p| (p.id, p.name)).collect(),
        approved_line,
        may_edit: prepared && a.grants.has(Permission::ManagementReviewsManage),
        may_approve: prepared && a.role_keys.iter().any(|k| k == ROLE_TOP_MANAGEMENT),
        tried,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /management-reviews/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> WebResult {
    detail_page(&state, &ctx, &s, &id, q.done.as_deref(), Tried::default()).await
}

/// `GET /management-reviews/{id}/{step}` (a reload after a refused form): the review.
pub async fn back(State(state): State<AppState>, s: Session, Path((id, _)): Path<(String, String)>) -> WebResult {
    mr::get(&state.db, &s.actor, &id).await?;
    Ok(Redirect::to(&format!("/management-reviews/{id}")).into_response())
}

/// `POST /management-reviews/{id}/inputs` (`input_a` … `input_g`: one item per line),
/// `…/outputs` (`decisions`: one per line; `action_text_N`, `action_owner_N`, `action_due_N`)
/// and `…/approve`.
pub async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path((id, step)): Path<(String, String)>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let (db, a, now) = (&state.db, &s.actor, state.now());
    let result = match step.as_str() {
        "inputs" => {
            let before = mr::get(db, a, &id).await?;
            let names: Vec<(String, String)> =
                CAPTIONS.iter().map(|(l, _)| (l.to_string(), form.get(&format!("input_{l}")).to_string())).collect();
            let texts: Vec<(&str, &str)> = names
                .iter()
                .filter(|(l, _)| form.has(&format!("input_{l}")))
                .map(|(l, v)| (l.as_str(), v.as_str()))
                .collect();
            let inputs = minutes::from_lines(&before.inputs, &texts);
            mr::update_inputs(db, a, &id, inputs, now).await.map(|_| ())
        }
        "outputs" => {
            let decisions =
                form.get("decisions").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
            let mut actions = Vec::new();
            let mut i = 0;
            // Rows past the cap are not read: the use case refuses more than it keeps.
            while i <= mamori_app::checks::MAX_ENTRIES && form.has(&format!("action_text_{i}")) {
                let x = Action {
                    text: form.get(&format!("action_text_{i}")).trim().to_string(),
                    owner_id: form.get(&format!("action_owner_{i}")).to_string(),
                    due: form.get(&format!("action_due_{i}")).to_string(),
                };
                if !(x.text.is_empty() && x.owner_id.is_empty() && x.due.is_empty()) {
                    actions.push((i, x));
                }
                i += 1;
            }
            let rows: Vec<usize> = actions.iter().map(|(i, _)| *i).collect();
            let outputs = Outputs { decisions, actions: actions.into_iter().map(|(_, x)| x).collect() };
            // Problems name `actions.K.field` by position among the filled rows: map them back
            // to the form's row numbers.
            mr::record_outputs(db, a, &id, outputs, now).await.map(|_| ()).map_err(|e| match e {
                AppError::Validation(v) => AppError::Validation(
                    v.into_iter()
                        .map(|(f, k)| {
                            let mut parts = f.splitn(3, '.');
                            match (parts.next(), parts.next().and_then(|n| n.parse::<usize>().ok()), parts.next()) {
                                (Some("actions"), Some(n), Some(field)) => {
                                    (format!("action_{field}_{}", rows.get(n).copied().unwrap_or(n)), k)
                                }
                                _ => (f, k),
                            }
                        })
                        .collect(),
                ),
                e => e,
            })
        }
        "approve" => mr::approve(db, a, &id, now).await.map(|_| ()),
        _ => Err(AppError::NotFound),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/management-reviews/{id}?done={step}")).into_response()),
        Err(e @ (AppError::Validation(_) | AppError::Conflict | AppError::Forbidden)) => {
            let t = ctx.tr();
            let m = match &e {
                AppError::Conflict => t.t("mr-changed-meanwhile"),
                AppError::Forbidden => t.t("mr-approve-top-only"),
                AppError::Validation(v) if step == "approve" && v.iter().any(|(f, _)| f == "outputs") => {
                    t.t("mr-approve-needs-outputs")
                }
                _ => message(&ctx, &e),
            };
            let mut tried = Tried::new(&t, &step, &form, &e, m.clone());
            if step == "approve" {
                tried.message = m;
            }
            detail_page(&state, &ctx, &s, &id, None, tried).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `GET /management-reviews/{id}/export?format=pdf|xlsx|csv`: the minutes.
pub async fn export(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Query(f): Query<Format>,
) -> WebResult {
    let table = minutes::minutes_table(&state.db, &s.actor, &id).await?;
    let name = format!("マネジメントレビュー議事録_{}", table.doc_number);
    let bytes = mamori_app::export::render_export_async(table, f.format.clone()).await?;
    Ok(download(bytes, &f.format, &name))
}
