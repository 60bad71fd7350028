//! わたしの ISMS (#17 8): `/me`, each member's own page — pledges to sign, policies to
//! acknowledge, their duties and requests, and the ways to report — and its API
//! `GET /api/v1/me/tasks`. Membership is enough: everything shown is the member's own.

pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::get;
use mamori_domain::permission::Permission::*;

/// The routes of the member's own page.
pub fn routes() -> Router<AppState> {
    guarded(DashboardView, Router::new().route("/me", get(pages::show)).route("/api/v1/me/tasks", get(pages::tasks)))
}
