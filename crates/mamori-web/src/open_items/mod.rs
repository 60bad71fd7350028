//! Open items (未決事項): the regulation's draft notes and undecided intervals with their
//! owners, due dates and resolutions (page and API).

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The open-item routes: readers of the regulation see them; the use case decides who may
/// change one (the regulation's importers, and the owner for a resolution).
pub fn routes() -> Router<AppState> {
    guarded(
        RegulationView,
        Router::new()
            .route("/open-items", get(pages::list))
            .route("/open-items/{id}", post(pages::update))
            .route("/api/v1/open-items", get(api::list))
            .route("/api/v1/open-items/{id}", get(api::one).put(api::update)),
    )
}
