//! The pages every person reaches: the lesson behind a drill mail's personal link
//! (`/drill/t/{token}`: no account, rate limited per address with the login limiter, the token
//! compared by its SHA-256; an unknown link gets a neutral 404 page saying nothing more) and
//! 「不審メールを報告」 (`/drill/report`, logged in; the answer is the same whether the mail was a
//! drill or not).

use super::views::{LessonPage, ReportPage};
use crate::ClientIp;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::state::AppState;
use crate::views::{Layout, Tried, render};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::AppError;
use mamori_app::drills::{click, report};

/// `GET /drill/t/{token}`: records the click and shows the lesson.
pub async fn lesson(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
) -> WebResult {
    if !state.allow_login(&format!("drill:{ip}")) {
        return Err(AppError::RateLimited.into());
    }
    let found = click::click(&state.db, &token, state.now()).await?;
    let layout = Layout::new(&ctx);
    let (status, page) = match found {
        Some(l) => (
            StatusCode::OK,
            LessonPage {
                layout,
                known: true,
                organisation: l.organisation,
                template: l.template_title,
                sender_name: l.sender_name,
                subject: l.subject,
                signs: l.signs,
                report_address: l.report_address,
            },
        ),
        None => (
            StatusCode::NOT_FOUND,
            LessonPage {
                layout,
                known: false,
                organisation: String::new(),
                template: String::new(),
                sender_name: String::new(),
                subject: String::new(),
                signs: Vec::new(),
                report_address: String::new(),
            },
        ),
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /drill/report`: the form.
pub async fn report_form(ctx: Ctx, _: Session) -> WebResult {
    Ok(render(&ReportPage { layout: Layout::new(&ctx), form: Tried::default() }).into_response())
}

/// `POST /drill/report` (`subject`, `note`).
pub async fn report(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let input = report::ReportInput { subject: form.get("subject").into(), note: form.get("note").into() };
    match report::report(&state.db, &s.actor, &input, state.now()).await {
        Ok(_) => {
            let mut layout = Layout::new(&ctx);
            layout.flash = Some(ctx.tr().t("drill-report-thanks"));
            Ok(render(&ReportPage { layout, form: Tried::default() }).into_response())
        }
        Err(e @ AppError::Validation(_)) => {
            let f = Tried::new(&ctx.tr(), "report", &form, &e, String::new());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&ReportPage { layout: Layout::new(&ctx), form: f }))
                .into_response())
        }
        Err(e) => Err(WebError::from(e)),
    }
}
