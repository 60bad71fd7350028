//! The joiner's onboarding (6.1, 6.2, 6.6, 5.16): `/people/{id}/onboarding` (the steps —
//! screening, pledge, policies, accounts —, the screening records and their form, the person's
//! pledges with their certificates and the paper-pledge form with its scan), and
//! `GET /api/v1/people/{id}/onboarding`, `POST /api/v1/people/{id}/screening`. Everything needs
//! `people.manage` (checked by the use cases).

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use crate::upload::upload_limit;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The onboarding routes.
pub fn routes() -> Router<AppState> {
    guarded(
        PeopleManage,
        Router::new()
            .route("/people/{id}/onboarding", get(pages::show))
            .route("/people/{id}/screening", get(pages::back).post(pages::screening))
            .route("/people/{id}/pledges/paper", get(pages::back).post(pages::paper).layer(upload_limit()))
            .route("/api/v1/people/{id}/onboarding", get(api::show))
            .route("/api/v1/people/{id}/screening", post(api::screening)),
    )
}
