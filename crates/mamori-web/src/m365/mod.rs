//! Microsoft 365 evidence: import, event search, findings, access review, settings.

pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use crate::upload::{M365_UPLOAD_LIMIT, m365_upload_limit};
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The Microsoft 365 import: an export of up to [`M365_UPLOAD_LIMIT`] streamed to disk. The
/// router merges it outside the body limit every other route has.
pub fn import_routes() -> Router<AppState> {
    guarded(
        AuditView,
        Router::new()
            .route("/m365/import", post(pages::import).layer(m365_upload_limit()))
            .layer(tower_http::limit::RequestBodyLimitLayer::new(M365_UPLOAD_LIMIT)),
    )
}

/// The other Microsoft 365 routes.
pub fn routes() -> Router<AppState> {
    guarded(
        AuditView,
        Router::new()
            .route("/m365", get(pages::index))
            .route("/m365/events", get(pages::events))
            .route("/m365/findings", get(pages::findings))
            .route("/m365/findings/{id}", post(pages::decide))
            .route("/m365/accounts", get(pages::accounts).post(pages::decide_account))
            .route("/m365/settings", get(pages::settings).post(pages::save_settings)),
    )
}
