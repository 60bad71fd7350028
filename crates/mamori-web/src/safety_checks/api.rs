//! `/api/v1/safety-checks`.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::safety_checks as sc;
use serde::Deserialize;

/// Body of `POST /api/v1/safety-checks`.
#[derive(Deserialize)]
pub struct CreateBody {
    #[serde(default)]
    title: String,
    #[serde(default)]
    drill: bool,
}

/// `POST /api/v1/safety-checks {title, drill}` → 201 `{id, sent}`.
pub async fn create(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<CreateBody>) -> WebResult {
    let x = sc::send(&state.db, &s.actor, &super::mailing(&state), &b.title, b.drill, state.now()).await?;
    let body =
        serde_json::json!({"id": x.check.id, "sent": x.sent, "drill": x.check.drill == 1, "title": x.check.title});
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /api/v1/safety-checks` → `[{id, title, drill, state, sent, responded, …}]`, newest first.
pub async fn list(State(state): State<AppState>, s: Session) -> WebResult {
    let list = sc::list(&state.db, &s.actor).await?;
    Ok(Json(list.iter().map(sc::CheckView::contract).collect::<Vec<_>>()).into_response())
}

/// `GET /api/v1/safety-checks/{id}` → `{sent, responded, by_status: {safe, minor_injury,
/// serious_injury}, can_work: {yes, no}, non_responders: [{id, name, sent_count}], …}`.
pub async fn one(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(sc::get(&state.db, &s.actor, &id).await?.contract()).into_response())
}

/// `POST /api/v1/safety-checks/{id}/resend` → `{resent}` (409 when closed).
pub async fn resend(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    let n = sc::resend(&state.db, &s.actor, &super::mailing(&state), &id, state.now()).await?;
    Ok(Json(serde_json::json!({"resent": n})).into_response())
}

/// `POST /api/v1/safety-checks/{id}/close` → the closed check (409 when closed already).
pub async fn close(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(sc::close(&state.db, &s.actor, &id, state.today(), state.now()).await?.contract()).into_response())
}
