//! Rendering [`AppError`] as JSON (API) or as an HTML page.

use crate::ctx::Ctx;
use crate::views::{ErrorPage, Layout, render};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mamori_app::AppError;

/// The HTTP status of an error.
pub fn status(e: &AppError) -> StatusCode {
    match e {
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Forbidden | AppError::AccountDisabled | AppError::PasswordChangeRequired => StatusCode::FORBIDDEN,
        AppError::Unauthenticated | AppError::InvalidCredentials | AppError::LockedNow => StatusCode::UNAUTHORIZED,
        AppError::AccountLocked => StatusCode::LOCKED,
        AppError::OrganizationRequired => StatusCode::BAD_REQUEST,
        AppError::PasswordPolicy(_)
        | AppError::WrongCurrentPassword
        | AppError::Validation(_)
        | AppError::Rows(_)
        | AppError::NotARegulation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict | AppError::Blocked(_) => StatusCode::CONFLICT,
        AppError::SeparationOfDuties => StatusCode::FORBIDDEN,
        AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The user-facing message, naming every broken rule or field.
pub fn message(ctx: &Ctx, e: &AppError) -> String {
    let t = ctx.tr();
    let mut m = t.t(e.message_key());
    match e {
        AppError::PasswordPolicy(v) => {
            for p in v {
                m.push(' ');
                m.push_str(&t.t(p.message_key()));
            }
        }
        AppError::Validation(fields) => {
            for (f, k) in fields {
                m.push_str(&format!(" {f}: {}", t.t(k)));
            }
        }
        AppError::Rows(rows) => {
            for r in rows.iter().take(50) {
                if r.row > 0 {
                    m.push_str(&format!(" [{} {}, {}] {}", t.t("row"), r.row, r.column, t.t(&r.message)));
                } else {
                    m.push_str(&format!(" [{}] {}", r.column, t.t(&r.message)));
                }
            }
        }
        AppError::Blocked(detail) => {
            m.push(' ');
            m.push_str(detail);
        }
        _ => {}
    }
    m
}

fn log_internal(e: &AppError) {
    if matches!(e, AppError::Store(_) | AppError::Internal(_)) {
        tracing::error!(error = %e, "internal error");
    }
}

/// An error answered as `{ "error": { "code", "message" } }`.
pub struct ApiError {
    status: StatusCode,
    body: serde_json::Value,
}

impl ApiError {
    /// Builds the JSON error in the request's language.
    pub fn new(ctx: &Ctx, e: AppError) -> ApiError {
        log_internal(&e);
        let mut err = serde_json::json!({ "code": e.code(), "message": message(ctx, &e) });
        match &e {
            AppError::PasswordPolicy(v) => err["violations"] = serde_json::json!(v),
            AppError::Rows(rows) => {
                err["rows"] = serde_json::json!(rows
                    .iter()
                    .map(|r| serde_json::json!({"row": r.row, "column": r.column, "field": r.field, "message": ctx.tr().t(&r.message)}))
                    .collect::<Vec<_>>())
            }
            AppError::Validation(f) => {
                err["fields"] = serde_json::json!(
                    f.iter()
                        .map(|(f, k)| serde_json::json!({"field": f, "message": ctx.tr().t(k)}))
                        .collect::<Vec<_>>()
                )
            }
            _ => {}
        }
        ApiError { status: status(&e), body: serde_json::json!({ "error": err }) }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// An error shown as an HTML page.
pub struct PageError {
    status: StatusCode,
    html: Box<Response>,
}

impl PageError {
    /// Renders the error page in the request's language.
    pub fn new(ctx: &Ctx, e: AppError) -> PageError {
        log_internal(&e);
        let mut layout = Layout::new(ctx);
        layout.error = Some(message(ctx, &e));
        PageError { status: status(&e), html: Box::new(render(&ErrorPage { layout })) }
    }
}

impl PageError {
    /// Wraps an already rendered page.
    pub fn from_response(status: StatusCode, html: Response) -> PageError {
        PageError { status, html: Box::new(html) }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut r = *self.html;
        *r.status_mut() = self.status;
        r
    }
}

/// The result of a page handler.
pub type PageResult = Result<Response, PageError>;

/// Maps a use-case error to the error page of this request.
pub fn page_fail(ctx: &Ctx) -> impl Fn(AppError) -> PageError + '_ {
    move |e| PageError::new(ctx, e)
}

/// The logged-in actor, or the error page.
pub fn page_actor(ctx: &Ctx) -> Result<&mamori_app::Actor, PageError> {
    ctx.session().map(|s| &s.actor).map_err(|e| PageError::new(ctx, e))
}

/// Checks a form's CSRF token; a mismatch is a 403 page saying the form expired.
pub fn page_csrf(ctx: &Ctx, form: &crate::FormData) -> Result<(), PageError> {
    if ctx.check_csrf(form.get("csrf")) {
        Ok(())
    } else {
        let mut layout = Layout::new(ctx);
        layout.error = Some(ctx.tr().t("error-csrf"));
        Err(PageError::from_response(StatusCode::FORBIDDEN, render(&ErrorPage { layout })))
    }
}
