//! Per-request context: language, session, CSRF tokens; and the one permission mechanism
//! applied to every route (pages and API alike).

use crate::error::{ApiError, PageError};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::AppError;
use mamori_app::session::SessionInfo;
use mamori_domain::permission::Permission;
use std::sync::Arc;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "mamori_session";
/// Name of the pre-login CSRF cookie (double-submit for the login form).
pub const CSRF_COOKIE: &str = "mamori_csrf";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "mamori_lang";

/// What every handler knows about the request.
#[derive(Clone)]
pub struct Ctx {
    /// UI language.
    pub lang: Lang,
    /// The session, when logged in.
    pub session: Option<Arc<SessionInfo>>,
    /// Pre-login CSRF token (cookie value).
    pub anon_csrf: String,
    /// Whether the CSRF cookie must be set on the response.
    pub new_anon_csrf: bool,
    /// Whether cookies get `Secure`.
    pub secure: bool,
    /// Request path (for the language switch's return address).
    pub path: String,
    /// Whether this is an API request (JSON errors).
    pub api: bool,
}

impl Ctx {
    /// The translator.
    pub fn tr(&self) -> Tr {
        Tr { lang: self.lang }
    }

    /// The session or `Unauthenticated`.
    pub fn session(&self) -> Result<&SessionInfo, AppError> {
        self.session.as_deref().ok_or(AppError::Unauthenticated)
    }

    /// The CSRF token forms must carry.
    pub fn csrf(&self) -> &str {
        match &self.session {
            Some(s) => &s.session.csrf_token,
            None => &self.anon_csrf,
        }
    }

    /// Checks a submitted form token in constant time.
    pub fn check_csrf(&self, submitted: &str) -> bool {
        tokens_match(self.csrf(), submitted)
    }

    /// A `Set-Cookie` value.
    pub fn cookie(&self, name: &str, value: &str, max_age: Option<i64>, same_site: &str) -> String {
        let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
        if let Some(a) = max_age {
            c.push_str(&format!("; Max-Age={a}"));
        }
        if self.secure {
            c.push_str("; Secure");
        }
        c
    }
}

/// Compares a submitted token with the expected one in constant time (an empty expected token
/// never matches).
pub fn tokens_match(expected: &str, submitted: &str) -> bool {
    let (expected, got) = (expected.as_bytes(), submitted.as_bytes());
    !expected.is_empty()
        && expected.len() == got.len()
        && expected.iter().zip(got).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// Reads one cookie from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn token_like(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Paths usable while an initial password is pending.
fn allowed_while_password_pending(path: &str) -> bool {
    matches!(
        path,
        "/password" | "/logout" | "/lang" | "/healthz" | "/api/v1/me" | "/api/v1/me/password" | "/api/v1/session"
    ) || path.starts_with("/static/")
        || path.starts_with("/calendar/")
}

/// Paths usable while a privileged user the organisation obliges to use MFA has not enrolled.
fn allowed_while_mfa_pending(path: &str) -> bool {
    matches!(
        path,
        "/mfa"
            | "/mfa/start"
            | "/mfa/confirm"
            | "/logout"
            | "/lang"
            | "/healthz"
            | "/api/v1/me"
            | "/api/v1/me/mfa/totp"
            | "/api/v1/me/mfa/totp/confirm"
            | "/api/v1/session"
    ) || path.starts_with("/static/")
}

/// Builds the [`Ctx`], enforces the pending-password rule and the API's CSRF rule.
pub async fn context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let path = req.uri().path().to_string();
    let api = path.starts_with("/api/");
    let lang = cookie(headers, LANG_COOKIE)
        .and_then(Lang::from_tag)
        .or_else(|| {
            headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::Ja);
    let secure = state.config.secure_cookies
        || state.config.https()
        || headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");
    let (anon_csrf, new_anon_csrf) = match cookie(headers, CSRF_COOKIE).filter(|v| token_like(v)) {
        Some(v) => (v.to_string(), false),
        None => (mamori_app::random::token().unwrap_or_default(), true),
    };
    let token = cookie(headers, SESSION_COOKIE).filter(|v| token_like(v)).map(str::to_string);
    let mut ctx = Ctx { lang, session: None, anon_csrf, new_anon_csrf, secure, path: path.clone(), api };

    if let Some(t) = token {
        match mamori_app::session::lookup_with(&state.db, &t, state.now(), state.config.session_absolute_ms).await {
            Ok(s) => ctx.session = s.map(Arc::new),
            Err(e) => {
                return if api {
                    ApiError::new(&ctx, e).into_response()
                } else {
                    PageError::new(&ctx, e).into_response()
                };
            }
        }
    }

    // API CSRF rule: a browser can send a cross-site form POST only with one of the three
    // CORS-safelisted content types, and cannot add custom headers to it. The API accepts
    // those content types (file uploads) only with `X-CSRF-Token` equal to the session's token.
    if api && req.method() != Method::GET && req.method() != Method::HEAD {
        // A missing or unparsable Content-Type counts as a form type: a browser sends a
        // body without one (a `Blob` with no type) across sites without a preflight.
        let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let form_type = needs_csrf_header(ct);
        let header_token = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
        if form_type && !(ctx.session.is_some() && ctx.check_csrf(header_token)) {
            return ApiError::new(&ctx, AppError::Forbidden).into_response();
        }
    }

    if let Some(s) = &ctx.session
        && s.must_change_password()
        && !allowed_while_password_pending(&path)
    {
        return if api {
            ApiError::new(&ctx, AppError::PasswordChangeRequired).into_response()
        } else {
            Redirect::to("/password").into_response()
        };
    }

    if let Some(s) = &ctx.session
        && s.must_enrol_mfa()
        && !allowed_while_mfa_pending(&path)
    {
        return if api {
            ApiError::new(&ctx, AppError::MfaEnrolmentRequired).into_response()
        } else {
            Redirect::to("/mfa").into_response()
        };
    }

    let set_csrf = ctx.new_anon_csrf.then(|| ctx.cookie(CSRF_COOKIE, &ctx.anon_csrf, None, "Strict"));
    req.extensions_mut().insert(ctx);
    let mut resp = next.run(req).await;
    if let Some(c) = set_csrf
        && let Ok(v) = HeaderValue::from_str(&c)
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Whether an API state change with this Content-Type could have been sent by a cross-site
/// form or a no-preflight `fetch`: the three CORS-safelisted types, and a missing or
/// unparsable value (`type/subtype` with token characters only).
fn needs_csrf_header(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b));
    let well_formed = essence.split_once('/').is_some_and(|(t, sub)| token(t) && token(sub));
    !well_formed
        || matches!(essence.as_str(), "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain")
}

/// The permission check applied as a route layer: not logged in → 401 (API) or the login
/// page; lacking the permission → 403.
pub async fn require(State(perm): State<Permission>, req: Request, next: Next) -> Response {
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    match &ctx.session {
        None if ctx.api => ApiError::new(&ctx, AppError::Unauthenticated).into_response(),
        None => Redirect::to("/login").into_response(),
        Some(s) if !s.actor.grants.has(perm) => {
            if ctx.api {
                ApiError::new(&ctx, AppError::Forbidden).into_response()
            } else {
                PageError::new(&ctx, AppError::Forbidden).into_response()
            }
        }
        Some(_) => next.run(req).await,
    }
}

/// Security headers on every response; HSTS when the configured public URL is https.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if state.config.https() {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    // A handler may set a stricter policy (evidence downloads are sandboxed).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            ),
        );
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::needs_csrf_header;

    #[test]
    fn only_a_well_formed_non_form_content_type_passes_without_the_header() {
        for ct in ["application/json", "application/json; charset=utf-8", "Application/JSON", "text/csv"] {
            assert!(!needs_csrf_header(ct), "{ct}");
        }
        for ct in [
            "",
            "   ",
            "application",
            "application/",
            "/json",
            "application/json garbage",
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "\u{0}/\u{0}",
        ] {
            assert!(needs_csrf_header(ct), "{ct:?}");
        }
    }
}
