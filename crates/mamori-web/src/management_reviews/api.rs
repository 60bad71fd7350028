//! `/api/v1/management-reviews`.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::AppError;
use mamori_app::management_reviews::{self as mr, Inputs, Outputs};
use serde::Deserialize;
use serde_json::json;

/// Body of `POST /api/v1/management-reviews`.
#[derive(Deserialize)]
pub struct CreateBody {
    #[serde(default)]
    held_on: String,
}

/// `POST /api/v1/management-reviews {held_on}` → 201 `{id, inputs: {a, b, c, d1, d2, d3, d4, e,
/// f, g}}`, each input a list of `{text, source: {type, id}}`.
pub async fn create(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<CreateBody>) -> WebResult {
    let held_on =
        b.held_on.parse().map_err(|_| AppError::Validation(vec![("held_on".into(), "field-invalid-date".into())]))?;
    let r = mr::create(&state.db, &s.actor, held_on, state.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": r.id, "inputs": r.inputs }))).into_response())
}

/// `GET /api/v1/management-reviews`.
pub async fn list(State(state): State<AppState>, s: Session) -> WebResult {
    Ok(Json(mr::list(&state.db, &s.actor).await?).into_response())
}

/// `GET /api/v1/management-reviews/{id}`.
pub async fn one(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(mr::get(&state.db, &s.actor, &id).await?).into_response())
}

/// `PUT /api/v1/management-reviews/{id}/inputs {a, …, g}` → the review (409 once approved).
pub async fn inputs(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<Inputs>,
) -> WebResult {
    Ok(Json(mr::update_inputs(&state.db, &s.actor, &id, b, state.now()).await?).into_response())
}

/// `POST /api/v1/management-reviews/{id}/outputs {decisions, actions: [{text, owner_id, due}]}`.
pub async fn outputs(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<Outputs>,
) -> WebResult {
    Ok(Json(mr::record_outputs(&state.db, &s.actor, &id, b, state.now()).await?).into_response())
}

/// `POST /api/v1/management-reviews/{id}/approve` → the review (state `approved`).
pub async fn approve(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(mr::approve(&state.db, &s.actor, &id, state.now()).await?).into_response())
}
