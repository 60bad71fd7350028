//! Incidents API: report (anyone logged in), read as the viewer may see it, evidence items.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;

/// Body of `POST /api/v1/incidents`.
#[derive(Deserialize)]
pub struct IncidentBody {
    title: String,
    description: String,
    occurred_at: String,
}

/// `POST /api/v1/incidents` `{title, description, occurred_at}` → 201 `{id, number, state}`
/// (anyone logged in).
pub async fn incident_report(
    State(state): State<AppState>,
    s: Session,
    JsonBody(b): JsonBody<IncidentBody>,
) -> WebResult {
    let i = mamori_app::incidents::report(&state.db, &s.actor, &b.title, &b.description, &b.occurred_at, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": i.id, "number": i.number, "state": i.state}))).into_response())
}

/// `GET /api/v1/incidents/{id}`: as the viewer may see it (403 for others).
pub async fn incident_get(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(mamori_app::incidents::get(&state.db, &s.actor, &id).await?).into_response())
}

/// `GET /api/v1/incidents/{id}/evidence`: evidence items (403 without need-to-know access).
pub async fn incident_evidence(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(mamori_app::incidents::evidence(&state.db, &s.actor, &id).await?).into_response())
}
