//! `/api/v1/suppliers`.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::AppError;
use mamori_app::suppliers::{self, questionnaires, requirements};
use serde::Deserialize;
use serde_json::{Map, Value};

fn object(v: Value) -> Result<Map<String, Value>, AppError> {
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(AppError::Validation(vec![("body".into(), "field-wrong-type".into())])),
    }
}

/// `GET /api/v1/suppliers` → `[{id, name, kind, services, criticality, contact_email,
/// requirements: [{key, label, state, evidence}], …}]`.
pub async fn list(State(state): State<AppState>, s: Session) -> WebResult {
    let list = suppliers::list(&state.db, &s.actor, state.today()).await?;
    Ok(Json(list.iter().map(|x| x.contract()).collect::<Vec<_>>()).into_response())
}

/// `POST /api/v1/suppliers {name, kind, services, criticality, …}` (the register's fields; `kind`
/// as its key or its Japanese choice) → 201 the supplier with its requirements and duties.
pub async fn create(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<Value>) -> WebResult {
    let x = suppliers::create(&state.db, &s.actor, object(b)?, state.today(), state.now()).await?;
    Ok((StatusCode::CREATED, Json(x.contract())).into_response())
}

/// `GET /api/v1/suppliers/{id}`.
pub async fn one(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(suppliers::get(&state.db, &s.actor, &id, state.today()).await?.contract()).into_response())
}

/// `PUT /api/v1/suppliers/{id} {…fields to change}` → the supplier.
pub async fn update(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<Value>,
) -> WebResult {
    let x = suppliers::update(&state.db, &s.actor, &id, object(b)?, state.today(), state.now()).await?;
    Ok(Json(x.contract()).into_response())
}

/// Body of `POST /api/v1/suppliers/{id}/requirements/{key}`.
#[derive(Deserialize)]
pub struct ConfirmBody {
    #[serde(default)]
    state: String,
    #[serde(default)]
    evidence: String,
}

/// `POST /api/v1/suppliers/{id}/requirements/{key} {state: unconfirmed|confirmed|not_applicable|
/// deviation, evidence}` → the supplier.
pub async fn confirm(
    State(state): State<AppState>,
    s: Session,
    Path((id, key)): Path<(String, String)>,
    JsonBody(b): JsonBody<ConfirmBody>,
) -> WebResult {
    let x = requirements::confirm(&state.db, &s.actor, &id, &key, &b.state, &b.evidence, state.today(), state.now())
        .await?;
    Ok(Json(x.contract()).into_response())
}

/// Body of `POST /api/v1/suppliers/{id}/questionnaires`.
#[derive(Deserialize)]
pub struct SendBody {
    #[serde(default)]
    template: String,
}

/// `POST /api/v1/suppliers/{id}/questionnaires {template}` → 201 `{id, url}` (the link is
/// shown only now; it works without a session until answered or expired).
pub async fn send_questionnaire(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<SendBody>,
) -> WebResult {
    let template = if b.template.is_empty() { "standard" } else { b.template.as_str() };
    let (row, token) = questionnaires::send(&state.db, &s.actor, &id, template, state.today(), state.now()).await?;
    let url = super::pages::link(&state, &token);
    Ok((StatusCode::CREATED, Json(serde_json::json!({"id": row.id, "url": url, "expires_at": row.expires_at})))
        .into_response())
}

/// `GET /api/v1/suppliers/{id}/questionnaires/{qid}` → `{state, answers, score}` (score with
/// `percent`, `matched`, `scored`, `deviations`; null until answered).
pub async fn questionnaire(
    State(state): State<AppState>,
    s: Session,
    Path((id, qid)): Path<(String, String)>,
) -> WebResult {
    let v = questionnaires::one(&state.db, &s.actor, &id, &qid, state.today()).await?;
    Ok(Json(serde_json::json!({
        "id": v.row.id, "state": v.row.state, "template": v.row.template, "respondent": v.row.respondent,
        "answers": v.answers, "score": v.score,
    }))
    .into_response())
}

/// Body of `POST /api/v1/suppliers/{id}/end`.
#[derive(Deserialize)]
pub struct EndBody {
    #[serde(default)]
    disposal: String,
    #[serde(default)]
    accounts: String,
}

/// `POST /api/v1/suppliers/{id}/end {disposal, accounts}` → the supplier (`status` 終了); 422
/// naming each confirmation missing.
pub async fn end(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<EndBody>,
) -> WebResult {
    let x = suppliers::end(&state.db, &s.actor, &id, &b.disposal, &b.accounts, state.today(), state.now()).await?;
    Ok(Json(x.contract()).into_response())
}
