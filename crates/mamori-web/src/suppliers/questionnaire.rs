//! The questionnaire a supplier answers through its personal link (`/q/{token}`): no mamori
//! account, the link is the access; rate-limited per address with the login limiter; the form
//! is protected by the double-submit cookie as the login form is. A refused answer comes back
//! with every answer kept and the unanswered questions marked. The form is multipart: files may
//! come with the answers (`f_{key}` for a question, `files` for the whole questionnaire), read
//! into memory no further than the caps of `questionnaires` (a file past them is read and
//! dropped, and refused at its field); a plain urlencoded form (no files) is accepted too.

use super::views::{PublicAnswer, PublicPage, PublicQuestion, PublicSection};
use crate::ctx::Ctx;
use crate::error::WebResult;
use crate::state::AppState;
use crate::views::{Layout, render};
use crate::{ClientIp, FormData};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::AppError;
use mamori_app::suppliers::questionnaires::{self as q, Closed, IncomingFile};
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

fn sections(
    t: &Template,
    answers: &Answers,
    missing: &[String],
    file_errors: &[(String, String)],
) -> Vec<PublicSection> {
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
                    file_error: file_errors
                        .iter()
                        .filter(|(f, _)| f.strip_prefix("f_") == Some(x.key.as_str()))
                        .map(|(_, m)| m.clone())
                        .collect::<Vec<_>>()
                        .join(" "),
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
            sections: sections(&p.template, &Answers::new(), &[], &[]),
            respondent: String::new(),
            respondent_error: String::new(),
            answers: PublicAnswer::choices(&ctx),
            done: None,
            files_error: String::new(),
            files_help: files_help(&ctx),
        })
        .into_response()),
    }
}

fn files_help(ctx: &Ctx) -> String {
    ctx.tr().tnums(
        "q-files-help",
        [
            ("count", q::MAX_FILES as i64),
            ("size", (q::MAX_FILE_BYTES / (1024 * 1024)) as i64),
            ("total", (q::MAX_FILES_TOTAL / (1024 * 1024)) as i64),
        ],
    )
}

/// Reads the multipart form: text fields, and the files kept within the caps (a file past its
/// cap, past the total, or past the count keeps no bytes and is marked `truncated`).
async fn read_multipart(mut mp: Multipart) -> Result<(FormData, Vec<IncomingFile>), AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| AppError::Blocked(e.body_text());
    let (mut fields, mut files) = (Vec::new(), Vec::<IncomingFile>::new());
    let mut total = 0usize;
    while let Some(mut field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        let question = if name == "files" {
            None
        } else if let Some(k) = name.strip_prefix("f_") {
            Some(k.chars().take(16).collect::<String>())
        } else {
            let text: String =
                field.text().await.map_err(bad)?.chars().take(mamori_domain::questionnaire::MAX_COMMENT * 2).collect();
            fields.push((name, text));
            continue;
        };
        let file_name = field.file_name().unwrap_or("").chars().take(200).collect::<String>();
        // Past the count, only what it is named is kept (the refusal names it).
        let room = if files.len() > q::MAX_FILES {
            0
        } else {
            q::MAX_FILE_BYTES.min(q::MAX_FILES_TOTAL.saturating_sub(total))
        };
        let mut f = IncomingFile { question, name: file_name, bytes: Vec::new(), truncated: false };
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            if f.truncated || f.bytes.len() + chunk.len() > room {
                f.truncated = true;
                f.bytes = Vec::new();
                continue;
            }
            f.bytes.extend_from_slice(&chunk);
        }
        // An empty file input still sends a part with no name and no bytes.
        if f.name.is_empty() && f.bytes.is_empty() && !f.truncated {
            continue;
        }
        total += f.bytes.len();
        files.push(f);
    }
    Ok((FormData(fields), files))
}

/// `POST /q/{token}`: `respondent`, `a_{key}` (yes|no|na) and `c_{key}` for every question;
/// files `f_{key}` and `files` (multipart).
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    req: Request,
) -> WebResult {
    if !state.allow_login(&format!("questionnaire:{ip}")) {
        return Err(AppError::RateLimited.into());
    }
    let t = ctx.tr();
    let (_, p) = match q::open(&state.db, &token, state.now()).await? {
        Err(why) => return closed_page(&ctx, why),
        Ok(x) => x,
    };
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (form, files) = if multipart {
        let mp = Multipart::from_request(req, &state).await.map_err(|e| AppError::Blocked(e.body_text()))?;
        read_multipart(mp).await?
    } else {
        let axum::Form(form) =
            axum::Form::<FormData>::from_request(req, &state).await.map_err(|e| AppError::Blocked(e.body_text()))?;
        (form, Vec::new())
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
        q::answer_with_files(&state.db, Some(&state.evidence), &token, &respondent, answers.clone(), files, state.now())
            .await
    } else {
        Err(AppError::Validation(vec![("csrf".into(), "error-csrf".into())]))
    };
    let page = |layout: Layout,
                done: Option<i64>,
                missing: Vec<String>,
                respondent_error: String,
                file_errors: Vec<(String, String)>| PublicPage {
        layout,
        token: token.clone(),
        organisation: p.organisation.clone(),
        supplier: p.supplier.clone(),
        from_line: t.t2("q-from", ("organisation", &p.organisation), ("supplier", &p.supplier)),
        title: p.template.title.clone(),
        intro: p.template.intro.clone(),
        expires: crate::tokyo_time(p.expires_at),
        sections: sections(&p.template, &answers, &missing, &file_errors),
        respondent: respondent.clone(),
        respondent_error,
        answers: PublicAnswer::choices(&ctx),
        done,
        files_error: file_errors
            .iter()
            .filter(|(f, _)| f == "files")
            .map(|(_, m)| m.clone())
            .collect::<Vec<_>>()
            .join(" "),
        files_help: files_help(&ctx),
    };
    match result {
        Ok(score) => Ok(render(&page(Layout::new(&ctx), Some(score.percent), Vec::new(), String::new(), Vec::new()))
            .into_response()),
        Err(AppError::Validation(v)) => {
            let mut layout = Layout::new(&ctx);
            let missing: Vec<String> = v.iter().filter(|(f, _)| f.starts_with('q')).map(|(f, _)| f.clone()).collect();
            let file_errors: Vec<(String, String)> = v
                .iter()
                .filter(|(f, _)| f == "files" || f.starts_with("f_"))
                .map(|(f, k)| (f.clone(), t.t(k)))
                .collect();
            layout.error = Some(if v.iter().any(|(f, _)| f == "csrf") {
                t.t("error-csrf")
            } else if missing.is_empty() && !file_errors.is_empty() {
                t.tn("q-refused-files", "count", file_errors.len() as i64)
            } else {
                t.tn("q-refused", "count", missing.len() as i64)
            });
            let respondent_error = v.iter().find(|(f, _)| f == "respondent").map(|(_, k)| t.t(k)).unwrap_or_default();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page(layout, None, missing, respondent_error, file_errors)))
                .into_response())
        }
        Err(AppError::Conflict) => closed_page(&ctx, Closed::Answered),
        Err(e) => Err(e.into()),
    }
}
