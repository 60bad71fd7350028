//! `/api/v1/nonconformities`.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::AppError;
use mamori_app::nonconformities::{self as nc, NewNonconformity, NonconformityView};
use mamori_domain::nonconformity::Source;
use serde::Deserialize;
use serde_json::{Value, json};

/// The contract's form of a nonconformity: its life and its report.
fn contract(v: &NonconformityView) -> Value {
    let r = &v.record;
    let s = |k: &str| v.report.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "id": r.id, "number": nc::number_label(r.number), "source": r.source, "source_ref": r.source_ref,
        "control": r.control_id, "state": r.state, "owner_id": r.owner_id, "due": s("due"),
        "text": s("nonconformity"), "correction": s("correction"), "root_cause": s("root_cause"),
        "action": s("action"), "effectiveness": s("effectiveness"), "acted_by": r.acted_by,
        "checked_by": r.checked_by,
    })
}

/// `GET /api/v1/nonconformities`.
pub async fn list(State(state): State<AppState>, s: Session) -> WebResult {
    Ok(Json(nc::overview(&state.db, &s.actor).await?.iter().map(contract).collect::<Vec<_>>()).into_response())
}

/// `GET /api/v1/nonconformities/{id}`.
pub async fn one(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(contract(&nc::get(&state.db, &s.actor, &id).await?)).into_response())
}

/// Body of `POST /api/v1/nonconformities`.
#[derive(Deserialize)]
pub struct RaiseBody {
    #[serde(default)]
    source: String,
    control: Option<String>,
    #[serde(default)]
    text: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    due: String,
}

/// `POST /api/v1/nonconformities {source, control?, text, owner_id, due}` → 201 the
/// nonconformity (a duty missed repeatedly is raised from its page, not here).
pub async fn raise(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<RaiseBody>) -> WebResult {
    let mut problems = Vec::new();
    let source = Source::from_key(&b.source).filter(|s| !matches!(s, Source::MissedDuty | Source::ContinuityTest));
    if source.is_none() {
        problems.push(("source".to_string(), "field-not-a-choice".to_string()));
    }
    let due = b.due.parse();
    if due.is_err() {
        problems.push(("due".to_string(), "field-invalid-date".to_string()));
    }
    let (Some(source), Ok(due)) = (source, due) else { return Err(AppError::Validation(problems).into()) };
    let n = NewNonconformity {
        source,
        source_ref: None,
        control_id: b.control.filter(|c| !c.trim().is_empty()),
        text: b.text,
        owner_id: b.owner_id,
        due,
    };
    let v = nc::raise(&state.db, &s.actor, n, state.now()).await?;
    Ok((StatusCode::CREATED, Json(contract(&v))).into_response())
}

/// Body of `POST /api/v1/nonconformities/{id}/action`.
#[derive(Deserialize)]
pub struct ActionBody {
    #[serde(default)]
    correction: String,
    #[serde(default)]
    root_cause: String,
    #[serde(default)]
    action: String,
}

/// `POST /api/v1/nonconformities/{id}/action {correction, root_cause, action}` → the
/// nonconformity (state `acted`).
pub async fn action(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ActionBody>,
) -> WebResult {
    let v = nc::record_action(&state.db, &s.actor, &id, &b.correction, &b.root_cause, &b.action, state.now()).await?;
    Ok(Json(contract(&v)).into_response())
}

/// Body of `POST /api/v1/nonconformities/{id}/check`.
#[derive(Deserialize)]
pub struct CheckBody {
    effective: bool,
    #[serde(default)]
    text: String,
}

/// `POST /api/v1/nonconformities/{id}/check {effective, text}` → the nonconformity (`closed`
/// when effective, `open` again when not); 403 `separation_of_duties` for the person who acted.
pub async fn check(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<CheckBody>,
) -> WebResult {
    let v = nc::check(&state.db, &s.actor, &id, b.effective, &b.text, state.today(), state.now()).await?;
    Ok(Json(contract(&v)).into_response())
}
