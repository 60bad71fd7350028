//! The pledge API.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::{AppError, pledges};
use mamori_domain::pledge::Kind;
use serde::Deserialize;

/// `GET /api/v1/pledges/outstanding` (`people.manage`) → `[{person_id, name, department, kind:
/// joiner|leaver, standing: missing|outdated}]`.
pub async fn outstanding(State(state): State<AppState>, s: Session) -> WebResult {
    Ok(Json(pledges::outstanding(&state.db, &s.actor, state.today()).await?).into_response())
}

/// What signing sends.
#[derive(Debug, Deserialize)]
pub struct SignBody {
    /// The name typed.
    #[serde(default)]
    pub typed_name: String,
    /// The confirmation.
    #[serde(default)]
    pub confirm: bool,
}

/// `POST /api/v1/me/pledges/{kind}/sign {typed_name, confirm}` → 201 the signature (422 with
/// every problem at its field; 404 when the login is not linked to a person).
pub async fn sign(
    State(state): State<AppState>,
    s: Session,
    Path(kind): Path<String>,
    JsonBody(b): JsonBody<SignBody>,
) -> WebResult {
    let kind = Kind::parse(&kind).ok_or(AppError::NotFound)?;
    let sig = pledges::sign(&state.db, &s.actor, kind, &b.typed_name, b.confirm, state.now()).await?;
    Ok((StatusCode::CREATED, Json(sig)).into_response())
}

/// `GET /api/v1/people/{id}/pledges` → the person's signatures (their own or `people.manage`).
pub async fn of_person(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(pledges::signatures_of(&state.db, &s.actor, &id).await?).into_response())
}
