//! `/api/v1/internal-audits`.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jiff::ToSpan;
use jiff::civil::Date;
use mamori_app::AppError;
use mamori_app::internal_audits::{self as ia, NewAudit};
use mamori_domain::internal_audit::Grade;
use serde::Deserialize;
use serde_json::{Value, json};

/// The contract's form of an audit (the web crate names no store row type).
macro_rules! contract {
    ($a:expr) => {{
        let a = $a;
        let ids = |s: &str| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
        json!({
            "id": a.id, "number": a.number, "title": a.title, "scope_controls": ids(&a.scope_json),
            "auditors": ids(&a.auditors_json), "planned_on": a.planned_on, "state": a.state, "report": a.report,
            "approved_by": a.approved_by,
        })
    }};
}

fn date_field(field: &str, v: &str) -> Result<Date, AppError> {
    v.parse().map_err(|_| AppError::Validation(vec![(field.to_string(), "field-invalid-date".to_string())]))
}

/// Body of `POST /api/v1/internal-audits`.
#[derive(Deserialize)]
pub struct PlanBody {
    #[serde(default)]
    title: String,
    #[serde(default)]
    scope_controls: Vec<String>,
    #[serde(default)]
    auditors: Vec<String>,
    #[serde(default)]
    planned_on: String,
}

/// `POST /api/v1/internal-audits {title, scope_controls, auditors: [login IDs], planned_on}` →
/// 201 `{id}`; 422 `auditor_independence` with `conflicts: [{auditor, control, reason, …}]`.
pub async fn plan(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<PlanBody>) -> WebResult {
    let planned_on = date_field("planned_on", &b.planned_on)?;
    let a = NewAudit { title: b.title, scope: b.scope_controls, auditors: b.auditors, planned_on };
    let row = ia::plan(&state.db, &s.actor, a, state.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": row.id }))).into_response())
}

/// `GET /api/v1/internal-audits`.
pub async fn list(State(state): State<AppState>, s: Session) -> WebResult {
    Ok(Json(ia::list(&state.db, &s.actor).await?.iter().map(|a| contract!(a)).collect::<Vec<_>>()).into_response())
}

/// `GET /api/v1/internal-audits/{id}`.
pub async fn one(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(contract!(&ia::get(&state.db, &s.actor, &id).await?)).into_response())
}

/// `GET /api/v1/internal-audits/{id}/checklist` → `[{control, item, source}]`.
pub async fn checklist(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(ia::checklist(&state.db, &s.actor, &id).await?).into_response())
}

/// `GET /api/v1/internal-audits/{id}/findings`.
pub async fn findings(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    let list = ia::findings(&state.db, &s.actor, &id).await?;
    Ok(Json(
        list.iter()
            .map(|f| {
                json!({"id": f.id, "control": f.control_id, "grade": f.grade, "text": f.text,
                "corrective_action_id": f.nonconformity_id})
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

/// Body of `POST /api/v1/internal-audits/{id}/findings`.
#[derive(Deserialize)]
pub struct FindingBody {
    #[serde(default)]
    control: String,
    grade: Grade,
    #[serde(default)]
    text: String,
    /// The corrective action's due date (default: 60 days from today).
    due: Option<String>,
}

/// `POST /api/v1/internal-audits/{id}/findings {control, grade, text, due?}` → 201 `{id,
/// corrective_action_id}` (the nonconformity of a major or minor nonconformity, else null).
pub async fn add_finding(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<FindingBody>,
) -> WebResult {
    let due = match b.due.as_deref() {
        Some(d) => date_field("due", d)?,
        None => state.today().checked_add(60.days()).map_err(|e| AppError::Internal(e.to_string()))?,
    };
    let f = ia::add_finding(&state.db, &s.actor, &id, &b.control, b.grade, &b.text, due, state.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": f.id, "corrective_action_id": f.nonconformity_id }))).into_response())
}

/// Body of `POST /api/v1/internal-audits/{id}/report`.
#[derive(Deserialize)]
pub struct ReportBody {
    #[serde(default)]
    report: String,
}

/// `POST /api/v1/internal-audits/{id}/report {report}` → the audit (state `reported`).
pub async fn report(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ReportBody>,
) -> WebResult {
    Ok(Json(contract!(&ia::report(&state.db, &s.actor, &id, &b.report, state.now()).await?)).into_response())
}

/// `POST /api/v1/internal-audits/{id}/approve` → the audit (state `approved`); 403
/// `separation_of_duties` for an auditor of it.
pub async fn approve(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(contract!(&ia::approve(&state.db, &s.actor, &id, state.now()).await?)).into_response())
}
