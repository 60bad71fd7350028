//! Recurring duties (定期業務): my duties, occurrences, completion and skipping, all duties,
//! decisions, the heat map, and the private calendar (pages, API and the iCalendar feed).

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use crate::upload::upload_limit;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The duty routes, grouped by permission (the calendar feed is open: its token is the secret).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calendar/{file}", get(api::calendar_feed))
        .merge(guarded(
            DutiesView,
            Router::new()
                .route("/duties", get(pages::mine))
                .route("/duties/all", get(pages::all))
                .route("/duties/decisions", get(pages::decisions))
                .route("/duties/heatmap", get(pages::heatmap))
                .route("/duties/calendar", get(pages::calendar).post(pages::calendar_rotate))
                .route("/duties/occurrences/{id}", get(pages::occurrence))
                .route("/duties/occurrences/{id}/complete", post(pages::complete).layer(upload_limit()))
                .route("/duties/occurrences/{id}/skip", post(pages::skip))
                .route("/duties/{id}", get(pages::duty))
                .route("/api/v1/me/calendar", post(api::calendar_rotate))
                .route("/api/v1/duties", get(api::duties_list))
                .route("/api/v1/duties/occurrences", get(api::duties_occurrences))
                .route("/api/v1/duties/heatmap", get(api::duties_heatmap))
                .route("/api/v1/duties/occurrences/{id}/complete", post(api::duty_complete))
                .route("/api/v1/duties/occurrences/{id}/skip", post(api::duty_skip)),
        ))
        .merge(guarded(
            DutiesManage,
            Router::new()
                .route("/duties", post(pages::create))
                .route("/duties/offer", post(pages::offer))
                .route("/duties/confirm", post(pages::confirm))
                .route("/api/v1/duties/confirm", post(api::duties_confirm))
                .route("/duties/{id}", post(pages::update))
                .route("/api/v1/duties/offer", post(api::duties_offer)),
        ))
}
