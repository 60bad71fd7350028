//! Typed extractors that carry the per-handler plumbing: the request's [`Ctx`], the logged-in
//! [`Session`], a page form whose CSRF token matched ([`CsrfForm`]) and a JSON body whose
//! rejection is a 422 naming the problem ([`JsonBody`]). Their rejections are [`WebError`]s,
//! rendered as JSON or as a page like any handler error.

use crate::FormData;
use crate::ctx::Ctx;
use crate::error::WebError;
use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use mamori_app::AppError;
use mamori_app::session::SessionInfo;
use std::sync::Arc;

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = StatusCode;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// The logged-in session (its actor, user, organisation and roles); `Unauthenticated` otherwise.
pub struct Session(pub Arc<SessionInfo>);

impl std::ops::Deref for Session {
    type Target = SessionInfo;
    fn deref(&self) -> &SessionInfo {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .and_then(|c| c.session.clone())
            .map(Session)
            .ok_or(WebError::App(AppError::Unauthenticated))
    }
}

/// A logged-in page's urlencoded form whose synchronizer token (`csrf`) matched; otherwise the
/// 403 "form expired" page.
pub struct CsrfForm(pub FormData);

impl<S: Send + Sync> FromRequest<S> for CsrfForm {
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let expected = req.extensions().get::<Ctx>().map(|c| c.csrf().to_string()).unwrap_or_default();
        let Form(form) = Form::<FormData>::from_request(req, state).await.map_err(IntoResponse::into_response)?;
        if crate::ctx::tokens_match(&expected, form.get("csrf")) {
            Ok(CsrfForm(form))
        } else {
            Err(WebError::CsrfExpired.into_response())
        }
    }
}

/// A JSON body; a body that does not parse is a 422 `validation` error naming it.
pub struct JsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = WebError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state).await.map(|axum::Json(v)| JsonBody(v)).map_err(|e| {
            // The parser's own words are English and internal: logged, not shown.
            tracing::debug!(detail = %e.body_text(), "JSON body refused");
            WebError::App(AppError::Validation(vec![("body".into(), "error-json-body".into())]))
        })
    }
}
