//! Management review (9.3): inputs assembled from the system's data, edited, outputs recorded,
//! minutes approved by 経営責任者 and exported (pages and JSON API).

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post, put};
use mamori_domain::permission::Permission::*;

/// The management-review routes: `management_reviews.view` reads (approval is checked by the
/// use case: 経営責任者 only); `management_reviews.manage` prepares and records.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(guarded(
            ManagementReviewsView,
            Router::new()
                .route("/management-reviews", get(pages::list))
                .route("/management-reviews/{id}", get(pages::detail))
                .route("/management-reviews/{id}/export", get(pages::export))
                .route("/management-reviews/{id}/{step}", get(pages::back).post(pages::step))
                .route("/api/v1/management-reviews", get(api::list))
                .route("/api/v1/management-reviews/{id}", get(api::one))
                .route("/api/v1/management-reviews/{id}/approve", post(api::approve)),
        ))
        .merge(guarded(
            ManagementReviewsManage,
            Router::new()
                .route("/management-reviews", post(pages::create))
                .route("/api/v1/management-reviews", post(api::create))
                .route("/api/v1/management-reviews/{id}/inputs", put(api::inputs))
                .route("/api/v1/management-reviews/{id}/outputs", post(api::outputs)),
        ))
}
