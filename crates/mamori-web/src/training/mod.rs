//! Training with tests (6.3): `/training` (the courses with my standing; for managers the
//! plans, the starter-course button and a new course), `/training/new`, `/training/{id}` (the
//! materials, my standing, 受講する; for managers the plan form), `/training/{id}/edit`,
//! `/training/{id}/progress` (who passed, who has not finished, overdue; the offline record),
//! `/training/attempts/{id}` (the questions, then the result with the explanations and
//! 再受験), and `/api/v1/training/…`. Every route needs only membership (`dashboard.view`):
//! the use cases decide (courses and one's own attempts for everyone; courses' pools, plans,
//! offline records and everyone's scores for `training.manage`).

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The training routes.
pub fn routes() -> Router<AppState> {
    guarded(
        DashboardView,
        Router::new()
            .route("/training", get(pages::list).post(pages::create))
            .route("/training/new", get(pages::new_form))
            .route("/training/starter", post(pages::starter))
            .route("/training/attempts/{id}", get(pages::attempt).post(pages::submit))
            .route("/training/{id}", get(pages::course))
            .route("/training/{id}/edit", get(pages::edit_form).post(pages::save))
            .route("/training/{id}/attempts", get(pages::back).post(pages::start))
            .route("/training/{id}/plan", get(pages::back).post(pages::make_plan))
            .route("/training/{id}/progress", get(pages::progress))
            .route("/training/{id}/offline", get(pages::back_to_progress).post(pages::offline))
            .route("/training/{id}/assign", get(pages::back_to_progress).post(pages::add_person))
            .route("/api/v1/training/courses", get(api::list).post(api::create))
            .route("/api/v1/training/starter", post(api::starter))
            .route("/api/v1/training/courses/{id}", get(api::one).put(api::update))
            .route("/api/v1/training/courses/{id}/attempts", post(api::start))
            .route("/api/v1/training/courses/{id}/progress", get(api::progress))
            .route("/api/v1/training/courses/{id}/plan", post(api::make_plan))
            .route("/api/v1/training/courses/{id}/offline", post(api::offline))
            .route("/api/v1/training/courses/{id}/assignments", post(api::add_person))
            .route("/api/v1/training/attempts/{id}", get(api::attempt).post(api::submit)),
    )
}
