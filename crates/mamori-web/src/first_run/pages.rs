//! `POST /first-run/{step}`: marks a step that leaves no record, or closes the checklist.

use crate::ctx::Ctx;
use crate::error::WebResult;
use crate::extract::{CsrfForm, Session};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};

/// Marks `step` (`catalogue` or `dismissed`) and goes back to the dashboard, which says so.
pub async fn mark(
    State(state): State<AppState>,
    _ctx: Ctx,
    s: Session,
    Path(step): Path<String>,
    _: CsrfForm,
) -> WebResult {
    mamori_app::first_run::mark(&state.db, &s.actor, &step, state.now()).await?;
    Ok(Redirect::to(&format!("/?done=first-run-{step}")).into_response())
}
