//! Session: login and logout (page and API), the password change, MFA enrolment, the language
//! switch, and `/api/v1/me`. Open routes: each handler decides what a visitor without a session gets.

pub mod api;
pub mod pages;
pub mod views;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The session routes (no permission needed).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/lang", get(pages::lang))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/password", get(pages::password_form).post(pages::password))
        .route("/api/v1/session", post(api::login).delete(api::logout))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/me/password", post(api::change_password))
        .route("/mfa", get(pages::mfa_form))
        .route("/mfa/start", post(pages::mfa_start))
        .route("/mfa/confirm", post(pages::mfa_confirm))
        .route("/api/v1/me/mfa/totp", post(api::mfa_start))
        .route("/api/v1/me/mfa/totp/confirm", post(api::mfa_confirm))
}
