//! Duties API: the duties, their occurrences, the heat map, completion and skipping, offering
//! duties from the regulation, and the private calendar (URL rotation and the iCalendar feed).

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::error::{WebError, WebResult};
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use mamori_app::AppError;
use serde::Deserialize;
use serde_json::json;

/// `POST /api/v1/me/calendar`: issues a new private calendar URL (the old one stops working).
pub async fn calendar_rotate(State(state): State<AppState>, s: Session) -> WebResult {
    let token = mamori_app::calendar::rotate(&state.db, &s.actor, state.now()).await?;
    Ok(Json(json!({ "path": format!("/calendar/{token}.ics") })).into_response())
}

/// `GET /calendar/{token}.ics`: the person's open duties as iCalendar (no login; the token is
/// the secret).
pub async fn calendar_feed(State(state): State<AppState>, ctx: Ctx, Path(file): Path<String>) -> Response {
    // The feed answers JSON errors although it is not under `/api/`: calendar clients are not
    // browsers.
    let Some(token) = file.strip_suffix(".ics") else { return ApiError::new(&ctx, AppError::NotFound).into_response() };
    match mamori_app::calendar::feed(&state.db, token, state.today(), state.now()).await {
        Ok(Some(ics)) => {
            let mut r = ics.into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
            r
        }
        Ok(None) => ApiError::new(&ctx, AppError::NotFound).into_response(),
        Err(e) => ApiError::new(&ctx, e).into_response(),
    }
}

/// `POST /api/v1/duties/offer`: creates duties for the current regulation's intervals.
pub async fn duties_offer(State(state): State<AppState>, s: Session) -> WebResult {
    let added = mamori_app::duties::offer_from_regulation(&state.db, &s.actor, state.today(), state.now()).await?;
    Ok(Json(json!({ "added": added })).into_response())
}

/// The body of `POST /api/v1/duties/confirm`: the offered duties to confirm (none or absent:
/// all of them).
#[derive(Deserialize, Default)]
pub struct ConfirmBody {
    #[serde(default)]
    ids: Vec<String>,
    /// The first day of the schedule (default: today).
    from: Option<String>,
}

/// `POST /api/v1/duties/confirm {ids?, from?}` → `{confirmed}`: offered duties are scheduled
/// from `from` (default today).
pub async fn duties_confirm(
    State(state): State<AppState>,
    s: Session,
    JsonBody(b): JsonBody<ConfirmBody>,
) -> WebResult {
    let today = state.today();
    let from = match b.from.as_deref() {
        None => today,
        Some(f) => f.parse().map_err(|_| AppError::Validation(vec![("from".into(), "field-not-date".into())]))?,
    };
    let n = mamori_app::duties::confirm(&state.db, &s.actor, &b.ids, from, today, state.now()).await?;
    Ok(Json(json!({ "confirmed": n })).into_response())
}

/// `GET /api/v1/duties` → the contract of `mamori duties list`.
pub async fn duties_list(State(state): State<AppState>, s: Session) -> WebResult {
    let list = mamori_app::duties::list(&state.db, &s.actor, state.today()).await?;
    Ok(Json(list.iter().map(|d| d.contract()).collect::<Vec<_>>()).into_response())
}

/// Range of `GET /api/v1/duties/occurrences` (default: the current fiscal year).
#[derive(Deserialize)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /api/v1/duties/occurrences?from=YYYY-MM-DD&to=YYYY-MM-DD` → the contract of
/// `mamori duties occurrences`, with completion details.
pub async fn duties_occurrences(State(state): State<AppState>, s: Session, Query(q): Query<RangeQuery>) -> WebResult {
    let today = state.today();
    let (first, last) = mamori_app::duties::fiscal_year_range(today)?;
    let date = |v: Option<&String>, field: &str, d: jiff::civil::Date| match v {
        Some(v) => v
            .parse::<jiff::civil::Date>()
            .map_err(|_| WebError::from(AppError::Validation(vec![(field.into(), "field-invalid-date".into())]))),
        None => Ok(d),
    };
    let (from, to) = (date(q.from.as_ref(), "from", first)?, date(q.to.as_ref(), "to", last)?);
    let occ = mamori_app::duties::occurrences(&state.db, &s.actor, from, to, today).await?;
    let people = mamori_app::users::people(&state.db, &s.actor).await?;
    Ok(Json(occ.iter().map(|o| o.contract_named(&people)).collect::<Vec<_>>()).into_response())
}

/// Fiscal year of `GET /api/v1/duties/heatmap`.
#[derive(Deserialize)]
pub struct FyQuery {
    fy: Option<i16>,
}

/// `GET /api/v1/duties/heatmap?fy=2026` → `{ fiscal_year, months, rows: [{ duty_id, title,
/// control_id, cells: [{ state, count }] }] }`.
pub async fn duties_heatmap(State(state): State<AppState>, s: Session, Query(q): Query<FyQuery>) -> WebResult {
    let today = state.today();
    let fy = q.fy.unwrap_or_else(|| mamori_domain::schedule::fiscal_year(today, 4));
    Ok(Json(mamori_app::duties::heatmap(&state.db, &s.actor, fy, today).await?).into_response())
}

/// Body of `POST /api/v1/duties/occurrences/{id}/complete`.
#[derive(Deserialize)]
pub struct CompleteBody {
    #[serde(default)]
    note: String,
    /// SHA-256 of files uploaded through `POST /api/v1/evidence`.
    #[serde(default)]
    evidence: Vec<String>,
    /// `register_key/row_id`.
    record_ref: Option<String>,
    /// The day the work was done (YYYY-MM-DD; default today).
    done_on: Option<String>,
}

/// `POST /api/v1/duties/occurrences/{id}/complete`: 422 `validation` naming the missing
/// evidence, 409 when it is no longer open.
pub async fn duty_complete(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<CompleteBody>,
) -> WebResult {
    let done_on = match b.done_on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => {
            Some(d.parse().map_err(|_| AppError::Validation(vec![("done_on".into(), "field-not-date".into())]))?)
        }
    };
    let done = mamori_app::duties::Completion { note: b.note, evidence: b.evidence, record_ref: b.record_ref, done_on };
    let o = mamori_app::duties::complete(&state.db, &s.actor, &id, done, state.today(), state.now()).await?;
    Ok(Json(o).into_response())
}

/// Body of `POST /api/v1/duties/occurrences/{id}/skip`.
#[derive(Deserialize)]
pub struct SkipBody {
    reason: String,
}

/// `POST /api/v1/duties/occurrences/{id}/skip`.
pub async fn duty_skip(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<SkipBody>,
) -> WebResult {
    let o = mamori_app::duties::skip(&state.db, &s.actor, &id, &b.reason, state.now()).await?;
    Ok(Json(o).into_response())
}
