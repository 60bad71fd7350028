//! `/api/v1/certificates/checks`.

use crate::error::WebResult;
use crate::extract::Session;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use mamori_app::certificates;

/// `GET /api/v1/certificates/checks` → `{rows: [{row_id, name, host, expires_on, latest}],
/// may_run}` (`latest`: `{checked_at, host, outcome, findings, not_after, not_after_date,
/// issuer, subject, dns_names, registered_expiry, detail}` or null).
pub async fn overview(State(state): State<AppState>, s: Session) -> WebResult {
    Ok(Json(certificates::overview(&state.db, &s.actor).await?).into_response())
}

/// `POST /api/v1/certificates/checks` → the checks just made (rows with a host).
pub async fn run(State(state): State<AppState>, s: Session) -> WebResult {
    Ok(Json(certificates::check_now(&state.db, &s.actor, state.now()).await?).into_response())
}
