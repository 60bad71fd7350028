//! Information-security objectives (6.2) and the context documents (4.1–4.3): the objectives
//! page with their measurements, and the API.

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The objective routes: everyone reads (`objectives.view`, 6.2 d); `objectives.manage` sets
/// objectives and records measurements; creating the context documents needs `documents.edit`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(guarded(
            ObjectivesView,
            Router::new().route("/objectives", get(pages::list)).route("/api/v1/objectives", get(api::list)),
        ))
        .merge(guarded(
            ObjectivesManage,
            Router::new()
                .route("/objectives", post(pages::create))
                .route("/objectives/{id}/measurements", post(pages::measure))
                .route("/objectives/{id}/compute", post(pages::compute))
                .route("/api/v1/objectives", post(api::create))
                .route("/api/v1/objectives/{id}/measurements", post(api::measure)),
        ))
        .merge(guarded(
            DocumentsEdit,
            Router::new()
                .route("/objectives/context-documents", post(pages::context_documents))
                .route("/api/v1/context-documents", post(api::context_documents)),
        ))
}
