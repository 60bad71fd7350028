//! 安否確認 (5.29): the 対策本部's pages (start a broadcast, the tally with the non-responders,
//! re-send, close), the JSON API, and the page a person answers on through their personal link
//! (`/s/{token}`, no account). Reading the tally needs `safety_checks.manage` (経営責任者 and
//! 情報セキュリティ管理者 by default): it holds answers about injuries (need-to-know).

pub mod answer;
pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use mamori_app::safety_checks::Mailing;
use mamori_domain::permission::Permission::*;

/// Mails go out in Japanese whatever the sender's page language (the recipients are the
/// organisation's staff).
pub(crate) const MAIL_TEXT: Tr = Tr { lang: Lang::Ja };

/// How this server mails links.
pub(crate) fn mailing(state: &AppState) -> Mailing<'_> {
    Mailing { text: &MAIL_TEXT, base_url: state.config.base_url.as_deref(), queue: true }
}

/// The safety-check routes.
pub fn routes() -> Router<AppState> {
    // The page a person answers on: open routes (the link's token is the access).
    let public = Router::new().route("/s/{token}", get(answer::show).post(answer::submit));
    public.merge(guarded(
        SafetyChecksManage,
        Router::new()
            .route("/safety-checks", get(pages::list).post(pages::create))
            .route("/safety-checks/{id}", get(pages::detail))
            .route("/safety-checks/{id}/resend", get(pages::back).post(pages::resend))
            .route("/safety-checks/{id}/close", get(pages::back).post(pages::close))
            .route("/api/v1/safety-checks", get(api::list).post(api::create))
            .route("/api/v1/safety-checks/{id}", get(api::one))
            .route("/api/v1/safety-checks/{id}/resend", post(api::resend))
            .route("/api/v1/safety-checks/{id}/close", post(api::close)),
    ))
}
