//! Incidents (5.24–5.28, 6.8): report, restricted list and detail, evidence (pages and API).

pub mod api;
pub mod pages;
pub mod views;

use crate::state::AppState;
use crate::upload::upload_limit;
use axum::Router;
use axum::routing::{get, post};

/// The incident routes. Anyone logged in may report an event (6.8), so they need only a
/// session; the use cases restrict the rest by role.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(pages::list).post(pages::create))
        .route("/incidents/new", get(pages::new_form))
        .route("/incidents/{id}", get(pages::detail))
        .route("/incidents/{id}/evidence", post(pages::add_evidence).layer(upload_limit()))
        .route("/incidents/{id}/{step}", post(pages::step))
        .route("/api/v1/incidents", post(api::incident_report))
        .route("/api/v1/incidents/{id}", get(api::incident_get))
        .route("/api/v1/incidents/{id}/evidence", get(api::incident_evidence))
}
