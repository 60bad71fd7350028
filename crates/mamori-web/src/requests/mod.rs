//! Requests and approvals (申請・承認): one engine for every request type (pages and API), and
//! who approves each type.

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use crate::upload::upload_limit;
use axum::Router;
use axum::routing::{get, post, put};
use mamori_domain::permission::Permission::*;

/// The request routes, grouped by permission.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(guarded(
            RequestsUse,
            Router::new()
                .route("/requests", get(pages::list))
                .route("/requests/new/{key}", get(pages::new_form).post(pages::create))
                .route("/requests/{id}", get(pages::detail))
                .route("/requests/{id}/transitions", post(pages::transition).layer(upload_limit()))
                .route("/api/v1/request-types", get(api::request_types))
                .route("/api/v1/requests", get(api::requests_list).post(api::request_create))
                .route("/api/v1/requests/{id}", get(api::request_get))
                .route("/api/v1/requests/{id}/transitions", post(api::request_transition)),
        ))
        .merge(guarded(
            SettingsManage,
            Router::new()
                .route("/api/v1/request-types/{key}/roles", put(api::request_type_roles))
                .route("/requests/types/{key}/roles", post(pages::set_roles)),
        ))
}
