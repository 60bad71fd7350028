//! The page a person answers a safety check on (`/s/{token}`): made for a phone, no mamori
//! account (the link is the access), rate-limited per address with the login limiter, the form
//! protected by the double-submit cookie as the login form is. It names the fallback channels
//! (171, web171) whatever happens; a drill is marked 【訓練】. A wrong or expired link answers
//! 404, a closed check 410; a refused answer comes back (422) with the values kept and each
//! problem at its field.

use super::views::AnswerPage;
use crate::ctx::Ctx;
use crate::error::WebResult;
use crate::state::AppState;
use crate::views::{Layout, Tried, render};
use crate::{ClientIp, FormData};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::AppError;
use mamori_app::safety_checks::answer::{self as an, Closed, Public};
use mamori_domain::safety::Status;

const FIELDS: [&str; 3] = ["status", "can_work", "comment"];

fn page(ctx: &Ctx, layout: Layout, token: &str, p: Option<&Public>, form: Tried, done: bool) -> AnswerPage {
    let t = ctx.tr();
    AnswerPage {
        layout,
        token: token.to_string(),
        from_line: p
            .map(|p| t.t2("safety-answer-from", ("organisation", &p.organisation), ("title", &p.title)))
            .unwrap_or_default(),
        drill: p.is_some_and(|p| p.drill),
        name: p.map(|p| p.name.clone()).unwrap_or_default(),
        expires: p.map(|p| crate::tokyo_time(p.expires_at)).unwrap_or_default(),
        statuses: Status::ALL
            .iter()
            .map(|s| (s.key().to_string(), t.t(&format!("safety-status-{}", s.key()))))
            .collect(),
        form,
        done,
        closed: p.is_none(),
    }
}

fn closed_page(ctx: &Ctx, token: &str, why: Closed) -> WebResult {
    let (status, key) = match why {
        Closed::Unknown => (StatusCode::NOT_FOUND, "safety-link-unknown"),
        Closed::Closed => (StatusCode::GONE, "safety-link-closed"),
    };
    let mut layout = Layout::new(ctx);
    layout.error = Some(ctx.tr().t(key));
    Ok((status, render(&page(ctx, layout, token, None, Tried::default(), false))).into_response())
}

/// The form holding the current answer.
fn current(p: &Public) -> Tried {
    let mut f = Tried::default();
    if let Some((s, can_work, comment)) = &p.current {
        f.values = vec![
            ("status".into(), s.key().into()),
            ("can_work".into(), if *can_work { "yes" } else { "no" }.into()),
            ("comment".into(), comment.clone()),
        ];
    }
    f
}

/// `GET /s/{token}`: the answer form (holding the answer given so far).
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
) -> WebResult {
    if !state.allow_login(&format!("safety:{ip}")) {
        return Err(AppError::RateLimited.into());
    }
    match an::open(&state.db, &token, state.now()).await? {
        Err(why) => closed_page(&ctx, &token, why),
        Ok(p) => {
            let mut layout = Layout::new(&ctx);
            if p.current.is_some() {
                layout.flash = Some(ctx.tr().t("safety-answered-before"));
            }
            Ok(render(&page(&ctx, layout, &token, Some(&p), current(&p), false)).into_response())
        }
    }
}

/// `POST /s/{token}` (`status`, `can_work`: yes | no, `comment`): records or replaces the answer.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    Form(form): Form<FormData>,
) -> WebResult {
    if !state.allow_login(&format!("safety:{ip}")) {
        return Err(AppError::RateLimited.into());
    }
    let t = ctx.tr();
    let p = match an::open(&state.db, &token, state.now()).await? {
        Err(why) => return closed_page(&ctx, &token, why),
        Ok(p) => p,
    };
    let csrf_ok = !ctx.new_anon_csrf && ctx.check_csrf(form.get("csrf"));
    let result = if csrf_ok {
        an::answer(&state.db, &token, form.get("status"), form.get("can_work"), form.get("comment"), state.now()).await
    } else {
        Err(AppError::Validation(vec![("csrf".into(), "error-csrf".into())]))
    };
    match result {
        Ok(_) => {
            let mut layout = Layout::new(&ctx);
            layout.flash = Some(t.t("safety-thanks"));
            let f = Tried::from_form(&form, &FIELDS);
            Ok(render(&page(&ctx, layout, &token, Some(&p), f, true)).into_response())
        }
        Err(e @ AppError::Validation(_)) => {
            let mut layout = Layout::new(&ctx);
            let mut f = Tried::new(&t, "answer", &form, &e, String::new());
            if f.errors.iter().any(|(k, _)| k == "csrf") {
                layout.error = Some(t.t("error-csrf"));
                f.errors.clear();
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page(&ctx, layout, &token, Some(&p), f, false)))
                .into_response())
        }
        Err(AppError::Conflict) => closed_page(&ctx, &token, Closed::Closed),
        Err(AppError::NotFound) => closed_page(&ctx, &token, Closed::Unknown),
        Err(e) => Err(e.into()),
    }
}
