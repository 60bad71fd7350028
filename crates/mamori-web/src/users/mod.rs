//! Users and organisation settings: list, create, roles, unlock, password reset (8.5, 5.17),
//! disable/enable (5.18, 6.5), the lockout threshold and the MFA requirement.

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post, put};
use mamori_domain::permission::Permission::*;

/// The users routes, grouped by permission.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(guarded(
            UsersView,
            Router::new()
                .route("/users", get(pages::users_list))
                .route("/api/v1/users", get(api::users_list))
                .route("/api/v1/users/{login_id}", get(api::users_get))
                // The MFA setting: 経営責任者 or 情報セキュリティ管理者 (checked by the use case).
                .route("/settings/mfa", post(pages::mfa_setting))
                .route("/api/v1/organization/mfa", put(api::mfa_setting)),
        ))
        .merge(guarded(
            UsersManage,
            Router::new()
                .route("/users", post(pages::users_create))
                .route("/users/{login_id}/roles", post(pages::users_roles))
                .route("/users/{login_id}/reset-password", post(pages::users_reset))
                .route("/users/{login_id}/disable", post(pages::users_disable))
                .route("/users/{login_id}/enable", post(pages::users_enable))
                .route("/api/v1/users/{login_id}/disable", post(api::users_disable))
                .route("/api/v1/users/{login_id}/enable", post(api::users_enable))
                .route("/api/v1/users/{login_id}/mfa-reset", post(api::users_mfa_reset))
                .route("/api/v1/users", post(api::users_create))
                .route("/api/v1/users/{login_id}/roles", put(api::users_roles))
                .route("/api/v1/users/{login_id}/password-reset", post(api::users_reset)),
        ))
        .merge(guarded(
            UsersUnlock,
            Router::new()
                .route("/users/{login_id}/unlock", post(pages::users_unlock))
                .route("/api/v1/users/{login_id}/unlock", post(api::users_unlock)),
        ))
        .merge(guarded(
            SettingsManage,
            Router::new()
                .route("/settings", post(pages::settings))
                .route("/api/v1/organization/settings", put(api::settings)),
        ))
}
