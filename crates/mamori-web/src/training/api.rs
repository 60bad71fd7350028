//! `/api/v1/training/…`.

use super::pages::{YearQuery, year_of};
use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::training::{self, CourseInput, attempts, plan};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

/// `GET /api/v1/training/courses` → `[course]` (`{id, title, description, materials: [{kind,
/// ref, label}], per_attempt, pass_mark, active, pool_size, starter}`): the active ones, every
/// one for `training.manage`.
pub async fn list(State(state): State<AppState>, s: Session) -> WebResult {
    Ok(Json(training::list(&state.db, &s.actor).await?).into_response())
}

/// `POST /api/v1/training/courses {title, description, materials, questions: [{id, topic, text,
/// choices, correct, explanation}], per_attempt, pass_mark, active}` → 201 the course (422 with
/// every problem at its field; `training.manage`).
pub async fn create(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<CourseInput>) -> WebResult {
    let c = training::create(&state.db, &s.actor, &b, state.now()).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

/// `POST /api/v1/training/starter` → 201 the starter course (409 when loaded before).
pub async fn starter(State(state): State<AppState>, s: Session) -> WebResult {
    let c = training::load_starter(&state.db, &s.actor, state.now()).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

/// `GET /api/v1/training/courses/{id}` → `{course, mine: {person_id, fiscal_year, assigned:
/// [due, reason], passed: [date, percent], open_attempt, attempts, overdue}}`; managers also get
/// `questions` (the pool with the answers).
pub async fn one(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    let course = training::get(&state.db, &s.actor, &id).await?;
    let mine = attempts::mine(&state.db, &s.actor, &id, state.today()).await?;
    let mut v = json!({"course": course, "mine": mine});
    if training::may_manage(&s.actor) {
        v["questions"] = json!(training::editable(&state.db, &s.actor, &id).await?.questions);
    }
    Ok(Json(v).into_response())
}

/// `PUT /api/v1/training/courses/{id}` (the whole course) → the course.
pub async fn update(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<CourseInput>,
) -> WebResult {
    Ok(Json(training::update(&state.db, &s.actor, &id, &b, state.now()).await?).into_response())
}

/// `POST /api/v1/training/courses/{id}/attempts` → 201 the attempt (`{id, attempt_no,
/// fiscal_year, questions: [{id, topic, text, choices}]}`, no answers) — or the open one;
/// 409 when passed this year, 422 `person` when the login has no person of the directory.
pub async fn start(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    let a = attempts::start(&state.db, &s.actor, &id, state.today(), state.now()).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

/// `GET /api/v1/training/attempts/{id}` → the attempt (the reader's own, anyone's for
/// `training.manage`; 404 otherwise).
pub async fn attempt(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(attempts::get(&state.db, &s.actor, &id).await?).into_response())
}

/// Body of `POST /api/v1/training/attempts/{id}`.
#[derive(Deserialize)]
pub struct AnswersBody {
    #[serde(default)]
    answers: BTreeMap<String, usize>,
}

/// `POST /api/v1/training/attempts/{id} {answers: {question id: choice index}}` → the scored
/// attempt (`correct`, `total`, `percent`, `passed`, each question's `correct` and
/// `explanation`); 422 at `answers.ID` for each unanswered question, 409 when submitted before.
pub async fn submit(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<AnswersBody>,
) -> WebResult {
    Ok(Json(attempts::submit(&state.db, &s.actor, &id, &b.answers, state.now()).await?).into_response())
}

/// `GET /api/v1/training/courses/{id}/progress?year=` → `{course, fiscal_year, plan, rows:
/// [{person_id, name, department, reason, due_on, attempts, passed_on, passed_percent,
/// last_percent, status, overdue}], assigned, passed, not_finished, overdue}` (`training.manage`).
pub async fn progress(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<YearQuery>,
) -> WebResult {
    let year = year_of(&q, state.today());
    Ok(Json(plan::progress(&state.db, &s.actor, &id, year, state.today()).await?).into_response())
}

/// `POST /api/v1/training/courses/{id}/plan {fiscal_year, due_on, department, kind}` →
/// `{plan, assigned}` (`training.manage`).
pub async fn make_plan(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<plan::PlanInput>,
) -> WebResult {
    Ok(Json(plan::make(&state.db, &s.actor, &id, &b, state.today(), state.now()).await?).into_response())
}

/// `POST /api/v1/training/courses/{id}/assignments {person_id, fiscal_year, due_on}` →
/// `{assigned}` (0 when assigned for that year already; `training.manage`).
pub async fn add_person(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<plan::AddInput>,
) -> WebResult {
    let n = plan::add_person(&state.db, &s.actor, &id, &b, state.today(), state.now()).await?;
    Ok(Json(json!({ "assigned": n })).into_response())
}

/// `POST /api/v1/training/courses/{id}/offline {person_id, taken_on, percent}` → 201 the
/// recorded attempt (`training.manage`).
pub async fn offline(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<attempts::OfflineInput>,
) -> WebResult {
    let a = attempts::record_offline(&state.db, &s.actor, &id, &b, state.now()).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}
