//! `/api/v1/bcp`: the business-continuity plan as JSON.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use mamori_app::continuity::{self, BcpView, PlanVersion};
use serde::Deserialize;
use serde_json::{Value, json};

fn version(v: PlanVersion) -> Value {
    json!({
        "edition": v.edition,
        "change_summary": v.change_summary,
        "approvals": v.approvals.iter().map(|a| json!({"role": a.role, "name": a.label, "at": mamori_app::tokyo_datetime(a.at)})).collect::<Vec<_>>(),
        "plan": v.plan,
    })
}

fn contract(view: &BcpView) -> Value {
    json!({
        "document": view.doc.as_ref().map(|d| json!({"id": d.doc.id, "number": d.doc.doc_number, "title": d.doc.title})),
        "approved": view.approved_version().map(version),
        "draft": view.draft_version().map(version),
    })
}

/// `GET /api/v1/bcp` → `{document: {id, number, title} | null, approved: {edition,
/// change_summary, approvals: [{role, name, at}], plan} | null, draft: … | null}`; a version
/// whose content is not a plan (text, a file) has `plan: null`.
pub async fn get(State(state): State<AppState>, s: Session) -> WebResult {
    Ok(Json(contract(&continuity::load(&state.db, &s.actor).await?)).into_response())
}

/// Body of `PUT /api/v1/bcp`.
#[derive(Deserialize)]
pub struct SaveBody {
    plan: Value,
    #[serde(default)]
    change_summary: String,
}

/// `PUT /api/v1/bcp {plan, change_summary}` → the same answer as `GET`, with the plan saved
/// as the draft (422 with every problem at its field).
pub async fn put(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<SaveBody>) -> WebResult {
    let plan = continuity::plan_from_json(b.plan)?;
    let view = continuity::save(&state.db, &s.actor, &plan, &b.change_summary, state.now()).await?;
    Ok(Json(contract(&view)).into_response())
}
