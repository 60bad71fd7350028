//! The staff directory: `/people` (the list, filtered by department, kind and whether active),
//! `/people/new`, `/people/{id}` (the person, the edit form, the leave form and the leaver
//! checklist), and `/api/v1/people`, `/api/v1/people/{id}`, `/api/v1/people/{id}/leave` — and
//! the import and export (`/people/import`, `/people/export`, `/api/v1/people/import`,
//! `/api/v1/people/export`, which need `people.manage`). The others need only membership
//! (`dashboard.view`): the use cases
//! decide what each reader sees (names and departments for everyone; e-mail addresses, dates,
//! logins, changes and the checklist for `people.manage`).

pub mod api;
pub mod exchange;
pub mod linked;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use crate::upload::upload_limit;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The people routes.
pub fn routes() -> Router<AppState> {
    guarded(
        DashboardView,
        Router::new()
            .route("/people", get(pages::list).post(pages::create))
            .route("/people/new", get(pages::new_form))
            .route("/people/{id}", get(pages::detail).post(pages::save))
            .route("/people/{id}/leave", get(pages::back).post(pages::leave))
            .route("/people/{id}/checklist/{key}", get(pages::back_from_item).post(pages::settle))
            .route("/api/v1/people", get(api::list).post(api::create))
            .route("/api/v1/people/{id}", get(api::one).put(api::update))
            .route("/api/v1/people/{id}/leave", post(api::leave))
            .route("/api/v1/people/{id}/checklist/{key}", post(api::settle)),
    )
    .merge(guarded(
        PeopleManage,
        Router::new()
            .route("/people/import", get(exchange::back).post(exchange::import_page).layer(upload_limit()))
            .route("/people/export", get(exchange::export))
            .route("/api/v1/people/import", post(exchange::import_api).layer(upload_limit()))
            .route("/api/v1/people/export", get(exchange::export)),
    ))
}
