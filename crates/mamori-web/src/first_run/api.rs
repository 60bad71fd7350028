//! `GET /api/v1/first-run` and `POST /api/v1/first-run/{step}`.

use crate::error::WebResult;
use crate::extract::Session;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use mamori_app::first_run::FirstRun;
use serde_json::{Value, json};

fn contract(f: &FirstRun) -> Value {
    json!({
        "complete": f.complete(),
        "dismissed": f.dismissed,
        "shown": f.shown(),
        "next": f.next().map(|s| s.key),
        "steps": f.steps.iter().map(|s| json!({
            "key": s.key, "done": s.done, "left": s.left, "names": s.names,
        })).collect::<Vec<_>>(),
    })
}

/// Where the first run stands.
pub async fn status(State(state): State<AppState>, s: Session) -> WebResult {
    let f = mamori_app::first_run::status(&state.db, &s.actor).await?;
    Ok(Json(contract(&f)).into_response())
}

/// Marks `catalogue` or `dismissed`; the checklist as it stands after.
pub async fn mark(State(state): State<AppState>, s: Session, Path(step): Path<String>) -> WebResult {
    let f = mamori_app::first_run::mark(&state.db, &s.actor, &step, state.now()).await?;
    Ok(Json(contract(&f)).into_response())
}
