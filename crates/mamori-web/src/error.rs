//! The one handler error ([`WebError`]) and how an [`AppError`] is rendered: as JSON (API) or as
//! an HTML page, in the request's language.

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
        | AppError::NotARegulation(_)
        | AppError::AuditorIndependence(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict | AppError::Blocked(_) | AppError::FileRefused { .. } | AppError::PledgeMissing(_) => {
            StatusCode::CONFLICT
        }
        AppError::SeparationOfDuties | AppError::SelfRoleChange | AppError::RoleGrantForbidden => StatusCode::FORBIDDEN,
        AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        AppError::MfaRequired | AppError::PasswordExpired => StatusCode::UNAUTHORIZED,
        AppError::MfaEnrolmentRequired | AppError::SelfDisable => StatusCode::FORBIDDEN,
        AppError::InvalidCode => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The user-facing message, naming every broken rule or field.
pub fn message(ctx: &Ctx, e: &AppError) -> String {
    let t = ctx.tr();
    let mut m = t.t(e.message_key());
    match e {
        AppError::TooLarge { file, key, limit, .. } => {
            m.push_str(&format!(" {file}: "));
            m.push_str(&t.tn(key, "limit", i64::try_from(*limit).unwrap_or(i64::MAX)));
        }
        AppError::FileRefused { file, key, limit } => {
            if !file.is_empty() {
                m.push_str(&format!(" {file}:"));
            }
            m.push(' ');
            m.push_str(&t.tn(key, "limit", i64::try_from(*limit).unwrap_or(i64::MAX)));
        }
        AppError::PasswordPolicy(v) => {
            for p in v {
                m.push(' ');
                m.push_str(&t.t(p.message_key()));
            }
        }
        AppError::Validation(fields) => {
            for (f, k) in fields {
                match field_label(&t, f) {
                    Some(label) => m.push_str(&format!(" {label}: {}", t.t(k))),
                    None => m.push_str(&format!(" {}", t.t(k))),
                }
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
        AppError::PledgeMissing(name) => m = t.ta(e.message_key(), &[("name", name.as_str())]),
        AppError::Blocked(detail) => {
            m.push(' ');
            m.push_str(detail);
        }
        _ => {}
    }
    m
}

/// The label people know a form field by (the catalogue's `fieldname-KEY`; a list entry
/// `KEY.N…` as the list's label with its number), a key that is already a label (not ASCII) as
/// it is, and none for a key without a label: a message never shows a field's key.
pub fn field_label(t: &crate::i18n::Tr, key: &str) -> Option<String> {
    if !key.is_ascii() {
        return Some(key.to_string());
    }
    let mut parts = key.split('.');
    let head = parts.next().unwrap_or_default();
    let catalogue_key = format!("fieldname-{head}");
    if !crate::i18n::has_key(t.lang, &catalogue_key) {
        return None;
    }
    let mut label = t.t(&catalogue_key);
    if let Some(n) = parts.next().and_then(|n| n.parse::<i64>().ok()) {
        label.push_str(&format!(" {}", t.tn("fieldname-entry", "number", n + 1)));
    }
    Some(label)
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
            AppError::AuditorIndependence(c) => {
                err["conflicts"] = serde_json::json!(c
                    .iter()
                    .map(|c| serde_json::json!({"auditor": c.auditor, "control": c.control, "reason": c.reason, "role": c.role,
                        "message": ctx.tr().ta(&format!("audit-conflict-{}", c.reason.replace('_', "-")), &[("auditor", &c.auditor), ("control", &c.control)])}))
                    .collect::<Vec<_>>())
            }
            AppError::Validation(f) => {
                err["fields"] = serde_json::json!(
                    f.iter()
                        .map(|(f, k)| serde_json::json!({"field": f, "label": field_label(&ctx.tr(), f), "message": ctx.tr().t(k)}))
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

/// What every handler returns: its response, or a [`WebError`].
pub type WebResult = Result<Response, WebError>;

/// The result of a page handler (the older name of [`WebResult`]).
pub type PageResult = WebResult;

/// The one error type of handlers (pages and API alike). `?` turns any [`AppError`] into it;
/// [`render_errors`] renders it with the request's [`Ctx`]: JSON for the API, the error page
/// otherwise.
pub enum WebError {
    /// A use-case error.
    App(AppError),
    /// A page form whose synchronizer token did not match: the 403 "form expired" page.
    CsrfExpired,
    /// A response rendered already (kept as it is).
    Rendered(PageError),
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> WebError {
        WebError::App(e)
    }
}

impl From<PageError> for WebError {
    fn from(e: PageError) -> WebError {
        WebError::Rendered(e)
    }
}

/// An error waiting in the response's extensions for [`render_errors`] (it needs the request's
/// language and session to render).
#[derive(Clone)]
struct Pending(std::sync::Arc<std::sync::Mutex<Option<WebError>>>);

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Rendered(p) = self {
            return p.into_response();
        }
        let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        r.extensions_mut().insert(Pending(std::sync::Arc::new(std::sync::Mutex::new(Some(self)))));
        r
    }
}

impl WebError {
    /// Renders the error for this request: JSON when `ctx.api`, else an HTML page.
    pub fn render(self, ctx: &Ctx) -> Response {
        match self {
            WebError::App(e) if ctx.api => ApiError::new(ctx, e).into_response(),
            WebError::App(e) => PageError::new(ctx, e).into_response(),
            WebError::CsrfExpired => form_expired(ctx).into_response(),
            WebError::Rendered(p) => p.into_response(),
        }
    }
}

/// The layer that renders a handler's [`WebError`] with the request's [`Ctx`] (applied inside
/// [`crate::ctx::context`], which puts the `Ctx` into the request).
pub async fn render_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let ctx = req.extensions().get::<Ctx>().cloned();
    let mut resp = next.run(req).await;
    let Some(Pending(slot)) = resp.extensions_mut().remove::<Pending>() else { return resp };
    let err = slot.lock().ok().and_then(|mut e| e.take());
    match (ctx, err) {
        (Some(ctx), Some(e)) => e.render(&ctx),
        _ => resp,
    }
}

/// The 403 page saying the form expired (its token did not match).
pub fn form_expired(ctx: &Ctx) -> PageError {
    let mut layout = Layout::new(ctx);
    layout.error = Some(ctx.tr().t("error-csrf"));
    PageError::from_response(StatusCode::FORBIDDEN, render(&ErrorPage { layout }))
}

/// Checks a form's CSRF token; a mismatch is a 403 page saying the form expired (for the few
/// forms that check it after something else; the others use [`crate::extract::CsrfForm`]).
pub fn check_csrf(ctx: &Ctx, form: &crate::FormData) -> Result<(), WebError> {
    if ctx.check_csrf(form.get("csrf")) { Ok(()) } else { Err(WebError::CsrfExpired) }
}
