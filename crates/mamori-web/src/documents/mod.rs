//! Document control and the SoA (適用宣言書): list, detail, drafts, approval, publication,
//! acknowledgement, exports (pages and API).

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post, put};
use mamori_domain::permission::Permission::*;

/// The document routes, grouped by permission.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(guarded(
            DocumentsView,
            Router::new()
                .route("/soa", get(pages::soa))
                .route("/soa/export", get(pages::soa_export))
                .route("/soa/approve", post(pages::soa_approve))
                .route("/documents", get(pages::documents_list))
                .route("/documents/export", get(pages::documents_export))
                .route("/documents/{id}", get(pages::document))
                .route("/documents/{id}/approve", post(pages::document_approve))
                .route("/documents/{id}/ack", post(pages::document_ack))
                .route("/documents/{id}/history", get(pages::document_history))
                .route("/api/v1/soa", get(api::soa))
                .route("/api/v1/soa/approve", post(api::soa_approve))
                .route("/api/v1/documents", get(api::documents)),
        ))
        .merge(guarded(
            DocumentsEdit,
            Router::new()
                .route("/soa/rows/{id}", post(pages::soa_row))
                .route("/soa/fill", post(pages::soa_fill))
                .route("/documents", post(pages::documents_create))
                .route("/documents/{id}/draft", post(pages::document_draft))
                .route("/documents/{id}/file", post(pages::document_file).layer(crate::upload::upload_limit()))
                .route("/documents/{id}/publish", post(pages::document_publish))
                .route("/api/v1/soa/rows/{id}", put(api::soa_row)),
        ))
}
