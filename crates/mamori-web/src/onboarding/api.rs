//! The onboarding API.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::onboarding::{self, ScreeningInput};

/// `GET /api/v1/people/{id}/onboarding` → `{steps: [{key, state, count}], screenings, accounts,
/// pledges, signatures, complete}`.
pub async fn show(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(onboarding::of(&state.db, &s.actor, &id, state.today()).await?).into_response())
}

/// `POST /api/v1/people/{id}/screening {checked_on, checks, result, checked_by, notes}` → 201 the
/// record (422 with every problem at its field).
pub async fn screening(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ScreeningInput>,
) -> WebResult {
    let r = onboarding::record_screening(&state.db, &s.actor, &id, &b, state.today(), state.now()).await?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}
