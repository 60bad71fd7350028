//! `/api/v1/people`.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::people::{self, Filter, PersonInput, leave};
use serde::Deserialize;

/// `GET /api/v1/people?department=&kind=&status=active|left` → `[person]` by name (`email`,
/// `joined_on`, `left_on`, `login_id` are null for a reader without `people.manage`).
pub async fn list(State(state): State<AppState>, s: Session, Query(f): Query<Filter>) -> WebResult {
    Ok(Json(people::list(&state.db, &s.actor, &f, state.today()).await?).into_response())
}

/// `GET /api/v1/people/{id}` → the person.
pub async fn one(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(people::get(&state.db, &s.actor, &id, state.today()).await?).into_response())
}

/// `POST /api/v1/people {name, email, kind, department, joined_on, left_on, login_id,
/// manager_id}` → 201 the person (422 with every problem at its field).
pub async fn create(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<PersonInput>) -> WebResult {
    let p = people::create(&state.db, &s.actor, &b, state.now()).await?;
    mamori_app::onboarding::open(&state.db, &s.actor, &p.id, state.today(), state.now()).await?;
    let v = people::get(&state.db, &s.actor, &p.id, state.today()).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// `PUT /api/v1/people/{id}` (the whole person) → the person.
pub async fn update(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<PersonInput>,
) -> WebResult {
    people::update(&state.db, &s.actor, &id, &b, state.now()).await?;
    Ok(Json(people::get(&state.db, &s.actor, &id, state.today()).await?).into_response())
}

/// Body of `POST /api/v1/people/{id}/leave`.
#[derive(Deserialize)]
pub struct LeaveBody {
    #[serde(default)]
    left_on: String,
}

/// `POST /api/v1/people/{id}/leave {left_on}` → `{checklist: {id, state, left_on, items: [{key,
/// label, state, reason, ref_id}]}}` (409 while an earlier checklist is open).
pub async fn leave(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<LeaveBody>,
) -> WebResult {
    let c = leave::leave(&state.db, &s.actor, &id, &b.left_on, state.today(), state.now()).await?;
    Ok(Json(serde_json::json!({ "checklist": c })).into_response())
}

/// Body of `POST /api/v1/people/{id}/checklist/{key}`.
#[derive(Deserialize)]
pub struct SettleBody {
    #[serde(default)]
    state: String,
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/people/{id}/checklist/{key} {state: done|waived, reason}` → `{checklist}`.
pub async fn settle(
    State(state): State<AppState>,
    s: Session,
    Path((id, key)): Path<(String, String)>,
    JsonBody(b): JsonBody<SettleBody>,
) -> WebResult {
    let c = leave::settle(&state.db, &s.actor, &id, &key, &b.state, &b.reason, state.now()).await?;
    Ok(Json(serde_json::json!({ "checklist": c })).into_response())
}
