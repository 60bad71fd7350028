//! 標的型メール訓練: the managers' pages (`/drills`: the allowed domains, the new campaign form
//! with the templates' preview and the people picker by department, the campaigns and the
//! suspicious-mail reports; `/drills/{id}`: a campaign's results per person and department,
//! send, close, a report received by mail), the public lesson behind a personal link
//! (`/drill/t/{token}`, no account, rate limited), the 「不審メールを報告」 page for every member
//! (`/drill/report`), and `/api/v1/drills…`. Campaigns and results need `drills.manage`
//! (経営責任者, 情報セキュリティ管理者): who clicked is need-to-know.

pub mod api;
pub mod pages;
pub mod public;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The drill routes.
pub fn routes() -> Router<AppState> {
    // The lesson behind a personal link: open (the token is the access).
    let open = Router::new().route("/drill/t/{token}", get(public::lesson));
    open.merge(guarded(
        DashboardView,
        Router::new().route("/drill/report", get(public::report_form).post(public::report)),
    ))
    .merge(guarded(
        DrillsManage,
        Router::new()
            .route("/drills", get(pages::list).post(pages::create))
            .route("/drills/domains", get(pages::to_list).post(pages::domains))
            .route("/drills/{id}", get(pages::detail))
            .route("/drills/{id}/send", get(pages::back).post(pages::send))
            .route("/drills/{id}/close", get(pages::back).post(pages::close))
            .route("/drills/{id}/follow-up", get(pages::back).post(pages::follow_up))
            .route("/drills/{id}/reported", get(pages::back).post(pages::reported))
            .route("/api/v1/drills", get(api::list).post(api::create))
            .route("/api/v1/drills/{id}", get(api::one))
            .route("/api/v1/drills/{id}/send", post(api::send)),
    ))
}
