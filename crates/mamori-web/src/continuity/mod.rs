//! Business continuity (5.29, 5.30): the plan's page `/bcp` (the plan in force, its draft and
//! joint approval, the edit form, the printable PDF, the drills and tests with their corrective
//! actions) and `/api/v1/bcp`. Reading needs `documents.view` (everyone: the contact tree and
//! the fallback channels are for all staff); saving needs `documents.edit`; approving is for
//! the plan's approver roles (checked by the use case); the drills and tests follow their
//! register's view roles.

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The business-continuity routes.
pub fn routes() -> Router<AppState> {
    guarded(
        DocumentsView,
        Router::new()
            .route("/bcp", get(pages::show))
            .route("/bcp/approve", post(pages::approve))
            .route("/bcp/print", get(pages::print_pdf))
            .route("/bcp/tests/{id}/corrective", post(pages::corrective))
            .route("/api/v1/bcp", get(api::get)),
    )
    .merge(guarded(
        DocumentsEdit,
        Router::new().route("/bcp", post(pages::save)).route("/api/v1/bcp", axum::routing::put(api::put)),
    ))
}
