//! Management review (9.3): inputs assembled from the system's data, edited, outputs recorded,
//! minutes approved by 経営責任者 (JSON API; the pages are still to come).

pub mod api;

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
                .route("/api/v1/management-reviews", get(api::list))
                .route("/api/v1/management-reviews/{id}", get(api::one))
                .route("/api/v1/management-reviews/{id}/approve", post(api::approve)),
        ))
        .merge(guarded(
            ManagementReviewsManage,
            Router::new()
                .route("/api/v1/management-reviews", post(api::create))
                .route("/api/v1/management-reviews/{id}/inputs", put(api::inputs))
                .route("/api/v1/management-reviews/{id}/outputs", post(api::outputs)),
        ))
}
