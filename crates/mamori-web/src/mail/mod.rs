//! The reminder mail outbox for administrators.

pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The outbox routes.
pub fn routes() -> Router<AppState> {
    guarded(
        SettingsManage,
        Router::new()
            .route("/admin/mail", get(pages::outbox))
            .route("/admin/mail/{id}/retry", post(pages::outbox_retry)),
    )
}
