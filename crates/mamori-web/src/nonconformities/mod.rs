//! Nonconformity and corrective action (10.2): the list with what needs raising (duties
//! missed repeatedly), raising one, its page with the action and the effectiveness check, and
//! the JSON API. Readers of the registers read them (the 是正処置報告書 is read by every
//! employee); the use cases decide who acts and who checks.

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The nonconformity routes.
pub fn routes() -> Router<AppState> {
    guarded(
        RegistersView,
        Router::new()
            .route("/nonconformities", get(pages::list).post(pages::raise))
            .route("/nonconformities/missed/{id}", post(pages::raise_missed))
            .route("/nonconformities/{id}", get(pages::detail))
            .route("/nonconformities/{id}/{step}", get(pages::back).post(pages::step))
            .route("/api/v1/nonconformities", get(api::list).post(api::raise))
            .route("/api/v1/nonconformities/{id}", get(api::one))
            .route("/api/v1/nonconformities/{id}/action", post(api::action))
            .route("/api/v1/nonconformities/{id}/check", post(api::check)),
    )
}
