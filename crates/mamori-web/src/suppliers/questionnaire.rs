//! The questionnaire a supplier answers through its personal link (`/q/{token}`): no mamori
//! account, the link is the access; rate-limited per address with the login limiter; the form
//! is protected by the double-submit cookie as the login form is. A refused answer comes back
//! with every answer kept and the unanswered questions marked.

use super::views::{PublicAnswer, PublicPage, PublicQuestion, PublicSection};
use crate::ctx::Ctx;
use crate::error::WebResult;
use crate::state::AppState;
use crate::views::{Layout, render};
use crate::{ClientIp, FormData};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::AppError;
use mamori_app::suppliers::questionnaires::{self as q, Closed};
use mamori_domain::questionnaire::{Answer, Answers, Template};

fn closed_page(ctx: &Ctx, why: Closed) -> WebResult {
    let t = ctx.tr();
    let (status, key) = match why {
        Closed::Unknown => (StatusCode::NOT_FOUND, "q-closed-unknown"),
        Closed::Expired => (StatusCode::GONE, "q-closed-expired"),
        Closed::Answered => (StatusCode::GONE, "q-closed-answered"),
    };
    let mut layout = Layout::new(ctx);
    layout.error = Some(t.t(key));
    Ok((status, render(&PublicPage { layout, ..PublicPage::default_for(ctx) })).into_response())
}

fn sections(t: &Template, answers: &Answers, missing: &[String]) -> Vec<PublicSection> {
    t.sections
        .iter()
        .map(|s| PublicSection {
            title: s.title.clone(),
            questions: s
                .questions
                .iter()
                .map(|x| PublicQuestion {
                    key: x.key.clone(),
                    text: x.text.clone(),
                    answer: answers.get(&x.key).map(|a| a.answer.clone()).unwrap_or_default(),
                    comment: answers.get(&x.key).map(|a| a.comment.clone()).unwrap_or_default(),
                    missing: missing.contains(&x.key),
                })
                .collect(),
        })
        .collect()
}

/// `GET /q/{token}`: the questionnaire.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
) -> WebResult {
    if !state.allow_login(&format!("questionnaire:{ip}")) {
        return Err(AppError::RateLimited.into());
    }
    match q::open(&state.db, &token, state.now()).await? {
        Err(why) => closed_page(&ctx, why),
        Ok((_, p)) => Ok(render(&PublicPage {
            layout: Layout::new(&ctx),
            token,
            from_line: ctx.tr().t2("q-from", ("organisation", &p.organisation), ("supplier", &p.supplier)),
            organisation: p.organisation,
            supplier: p.supplier,
            title: p.template.title.clone(),
            intro: p.template.intro.clone(),
            expires: crate::tokyo_time(p.expires_at),
            sections: sections(p.template, &Answers::new(), &[]),
            respondent: String::new(),
            respondent_error: String::new(),
            answers: PublicAnswer::choices(&ctx),
            done: None,
        })
        .into_response()),
    }
}

/// `POST /q/{token}`: `respondent`, `a_{key}` (yes|no|na) and `c_{key}` for every question.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    Form(form): Form<FormData>,
) -> WebResult {
    if !state.allow_login(&format!("questionnaire:{ip}")) {
        return Err(AppError::RateLimited.into());
    }
    let t = ctx.tr();
    let (_, p) = match q::open(&state.db, &token, state.now()).await? {
        Err(why) => return closed_page(&ctx, why),
        Ok(x) => x,
    };
    let mut answers = Answers::new();
    for x in p.template.questions() {
        let a = form.get(&format!("a_{}", x.key));
        if !a.is_empty() {
            answers.insert(
                x.key.clone(),
                Answer { answer: a.to_string(), comment: form.get(&format!("c_{}", x.key)).to_string() },
            );
        }
    }
    let respondent = form.get("respondent").to_string();
    let csrf_ok = !ctx.new_anon_csrf && ctx.check_csrf(form.get("csrf"));
    let result = if csrf_ok {
        q::answer(&state.db, &token, &respondent, answers.clone(), state.now()).await
    } else {
        Err(AppError::Validation(vec![("csrf".into(), "error-csrf".into())]))
    };
    let page = |layout: Layout, done: Option<i64>, missing: Vec<String>, respondent_error: String| PublicPage {
        layout,
        token: token.clone(),
        organisation: p.organisation.clone(),
        supplier: p.supplier.clone(),
        from_line: t.t2("q-from", ("organisation", &p.organisation), ("supplier", &p.supplier)),
        title: p.template.title.clone(),
        intro: p.template.intro.clone(),
        expires: crate::tokyo_time(p.expires_at),
        sections: sections(p.template, &answers, &missing),
        respondent: respondent.clone(),
        respondent_error,
        answers: PublicAnswer::choices(&ctx),
        done,
    };
    match result {
        Ok(score) => {
            Ok(render(&page(Layout::new(&ctx), Some(score.percent), Vec::new(), String::new())).into_response())
        }
        Err(AppError::Validation(v)) => {
            let mut layout = Layout::new(&ctx);
            let missing: Vec<String> = v.iter().filter(|(f, _)| f.starts_with('q')).map(|(f, _)| f.clone()).collect();
            layout.error = Some(if v.iter().any(|(f, _)| f == "csrf") {
                t.t("error-csrf")
            } else {
                t.tn("q-refused", "count", missing.len() as i64)
            });
            let respondent_error = v.iter().find(|(f, _)| f == "respondent").map(|(_, k)| t.t(k)).unwrap_or_default();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page(layout, None, missing, respondent_error)))
                .into_response())
        }
        Err(AppError::Conflict) => closed_page(&ctx, Closed::Answered),
        Err(e) => Err(e.into()),
    }
}
