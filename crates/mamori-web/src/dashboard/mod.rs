//! The home dashboard.

pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::get;
use mamori_domain::permission::Permission::*;

/// The dashboard route.
pub fn routes() -> Router<AppState> {
    guarded(DashboardView, Router::new().route("/", get(pages::dashboard)))
}
