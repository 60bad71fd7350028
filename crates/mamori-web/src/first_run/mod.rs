//! The first run's checklist on the dashboard (issue 15, item 1): `POST /first-run/{step}`
//! marks the review of the offered registers and request types (`catalogue`) or closes the
//! checklist (`dismissed`); `GET/POST /api/v1/first-run[/{step}]` the same as JSON. Who may
//! see and mark it is the use case's rule (`settings.manage` or `duties.manage`).

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The first run's routes.
pub fn routes() -> Router<AppState> {
    guarded(
        DashboardView,
        Router::new()
            .route("/first-run/{step}", post(pages::mark))
            .route("/api/v1/first-run", get(api::status))
            .route("/api/v1/first-run/{step}", post(api::mark)),
    )
}
