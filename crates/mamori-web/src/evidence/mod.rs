//! Evidence files: upload through the API, download as a sandboxed attachment.

pub mod api;
pub mod pages;

use crate::guarded;
use crate::state::AppState;
use crate::upload::upload_limit;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The evidence routes (with the registers\' permissions).
pub fn routes() -> Router<AppState> {
    Router::new().merge(guarded(RegistersView, Router::new().route("/evidence/{sha256}", get(pages::evidence)))).merge(
        guarded(
            RegistersEdit,
            Router::new().route("/api/v1/evidence", post(api::evidence_upload).layer(upload_limit())),
        ),
    )
}
