//! The certificate check (8.24): the page listing the hosts named in 証明書・ドメイン管理台帳 with
//! what mamori last found there (a difference from the register is marked, never written), the
//! button that checks now, and the JSON API. Reading follows the register's view roles (anyone
//! else is answered 404); checking now, its edit roles.

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The certificate-check routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(guarded(
            RegistersView,
            Router::new()
                .route("/certificates/check", get(pages::show))
                .route("/api/v1/certificates/checks", get(api::overview)),
        ))
        .merge(guarded(
            RegistersEdit,
            Router::new()
                .route("/certificates/check", post(pages::run))
                .route("/api/v1/certificates/checks", post(api::run)),
        ))
}
