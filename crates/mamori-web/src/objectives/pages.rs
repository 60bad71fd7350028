//! The objectives page: every objective with its target, owner, due date, whether the latest
//! measurement meets it and its history; forms to set one, to record a measurement (or today's
//! computed value), and to create the context documents (4.1–4.3). A refused form comes back
//! (422) with the values kept and each problem at its field.

use super::views::*;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::state::AppState;
use crate::views::{Done, Layout, Tried, render};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::objectives::{self as ob, NewObjective};
use mamori_domain::objective::{Direction, Metric, format_milli};
use mamori_domain::permission::Permission;

const FIELDS: [&str; 8] = ["title", "measure", "metric", "target", "unit", "direction", "owner_id", "due_on"];
const M_FIELDS: [&str; 3] = ["measured_on", "value", "note"];

/// A refused form: which one (None: the add form; Some(id): that objective's measurement).
type Attempt = Option<(Option<String>, Tried)>;

async fn page(state: &AppState, ctx: &Ctx, s: &Session, mut tried: Attempt, done: Option<&str>) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let may_manage = a.grants.has(Permission::ObjectivesManage);
    let failed = tried.is_some();
    let list = ob::list(&state.db, a).await?;
    let objectives = list
        .into_iter()
        .map(|o| {
            let x = &o.objective;
            let symbol = Direction::from_key(&x.direction).map(|d| d.symbol()).unwrap_or("");
            let latest = o
                .latest()
                .map(|m| format!("{}{}（{}）", format_milli(m.row.value_milli), x.unit, m.row.measured_on))
                .unwrap_or_default();
            let form = match tried.take_if(|(id, _)| id.as_deref() == Some(x.id.as_str())) {
                Some((_, f)) => f,
                None => Tried::default(),
            };
            ObjectiveLine {
                id: x.id.clone(),
                number: ob::number_label(x.number),
                title: x.title.clone(),
                measure: x.measure.clone(),
                target: format!("{symbol} {}{}", format_milli(x.target_milli), x.unit),
                owner: o.owner_name.clone(),
                due_on: x.due_on.clone(),
                latest,
                status_class: o.status.key().replace('_', "-"),
                status: t.t(&format!("obj-status-{}", o.status.key())),
                computed: x.metric.is_some(),
                history: o
                    .measurements
                    .iter()
                    .rev()
                    .map(|m| MeasurementLine {
                        measured_on: m.row.measured_on.clone(),
                        value: format!("{}{}", format_milli(m.row.value_milli), x.unit),
                        note: m.row.note.clone(),
                        recorded_by: m.recorded_by_name.clone(),
                    })
                    .collect(),
                form,
            }
        })
        .collect();
    let may_edit_documents = a.grants.has(Permission::DocumentsEdit);
    let context_docs = if a.grants.has(Permission::DocumentsView) {
        mamori_app::context::documents(&state.db, a)
            .await?
            .into_iter()
            .map(|d| {
                let state_label = match (d.approved(), d.draft()) {
                    (Some(v), _) => t.t1("obj-doc-approved", "edition", &v.edition),
                    (None, Some(v)) => t.t1("obj-doc-draft", "edition", &v.edition),
                    _ => String::new(),
                };
                ContextDoc {
                    href: format!("/documents/{}", d.doc.id),
                    label: format!("{} {} {state_label}", d.doc.doc_number, d.doc.title),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = ObjectivesPage {
        layout: Layout::new(ctx).with_done("obj", done),
        objectives,
        may_manage,
        may_edit_documents,
        context_docs,
        people: if may_manage { ob::owners(&state.db, a).await? } else { Vec::new() },
        metrics: Metric::ALL.iter().map(|m| (m.key().to_string(), t.t(&format!("obj-metric-{}", m.key())))).collect(),
        form: tried.and_then(|(id, f)| id.is_none().then_some(f)).unwrap_or_default(),
        today: state.today().to_string(),
    };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)).into_response())
}

fn refused(ctx: &Ctx, form: &crate::FormData, fields: &[&str], p: Vec<(String, String)>) -> Tried {
    let t = ctx.tr();
    let mut f = Tried::from_form(form, fields);
    f.errors = p.into_iter().map(|(field, key)| (field, t.t(&key))).collect();
    f
}

/// `GET /objectives`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<Done>) -> WebResult {
    page(&state, &ctx, &s, None, q.done.as_deref()).await
}

/// `POST /objectives`: sets an objective.
pub async fn create(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let n = NewObjective {
        title: form.get("title").into(),
        measure: form.get("measure").into(),
        metric: form.get("metric").into(),
        target: form.get("target").into(),
        unit: form.get("unit").into(),
        direction: form.get("direction").into(),
        owner_id: form.get("owner_id").into(),
        due_on: form.get("due_on").into(),
    };
    match ob::create(&state.db, &s.actor, n, state.now()).await {
        Ok(o) => Ok(Redirect::to(&format!("/objectives?done=added#objective-{}", o.id)).into_response()),
        Err(AppError::Validation(p)) => {
            let f = refused(&ctx, &form, &FIELDS, p);
            page(&state, &ctx, &s, Some((None, f)), None).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /objectives/{id}/measurements`: records a measurement typed by a person.
pub async fn measure(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let r = ob::record_measurement(
        &state.db,
        &s.actor,
        &id,
        form.get("measured_on"),
        form.get("value"),
        form.get("note"),
        state.today(),
        state.now(),
    )
    .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/objectives?done=measured#objective-{id}")).into_response()),
        Err(AppError::Validation(p)) => {
            let f = refused(&ctx, &form, &M_FIELDS, p);
            page(&state, &ctx, &s, Some((Some(id), f)), None).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /objectives/{id}/compute`: records today's computed value.
pub async fn compute(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    match ob::record_computed(&state.db, &s.actor, &id, state.today(), state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/objectives?done=measured#objective-{id}")).into_response()),
        Err(AppError::Validation(p)) => {
            let f = refused(&ctx, &form, &M_FIELDS, p);
            page(&state, &ctx, &s, Some((Some(id), f)), None).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /objectives/context-documents`: creates the missing context documents.
pub async fn context_documents(State(state): State<AppState>, s: Session, CsrfForm(_): CsrfForm) -> WebResult {
    mamori_app::context::ensure_documents(&state.db, &s.actor, state.now()).await?;
    Ok(Redirect::to("/objectives?done=context#context").into_response())
}
