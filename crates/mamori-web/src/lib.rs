//! mamori's HTTP layer: server-rendered pages (askama, vendored htmx) and the JSON API under
//! `/api/v1`, sharing one request context ([`ctx::Ctx`]), one permission layer
//! ([`ctx::require`]) and one handler error ([`error::WebError`]). Each capability is a module
//! with its pages, its API handlers, its templates and its routes.

// Shared infrastructure.
pub mod answers;
pub mod continuity;
pub mod ctx;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod people;
pub mod pledges;
pub mod respond;
pub mod safety_checks;
pub mod state;
pub mod upload;
pub mod views;

// One module per capability: each holds its page handlers, its `/api/v1` handlers, its
// templates and its routes, grouped by permission.
pub mod audit;
pub mod certificates;
pub mod certification_audits;
pub mod dashboard;
pub mod devices;
pub mod documents;
pub mod drills;
pub mod duties;
pub mod evidence;
pub mod first_run;
pub mod incidents;
pub mod internal_audits;
pub mod m365;
pub mod mail;
pub mod management_reviews;
pub mod me;
pub mod nonconformities;
pub mod objectives;
pub mod onboarding;
pub mod open_items;
pub mod registers;
pub mod regulation;
pub mod requests;
pub mod session;
pub mod suppliers;
pub mod training;
pub mod users;

/// Older home of [`respond::urlencode`] (kept for callers).
pub mod pages {
    pub use crate::respond::urlencode;
}

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use ctx::Ctx;
use mamori_domain::permission::Permission;
pub use state::{AppState, WebConfig};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Form fields as submitted (keeps repeated keys such as checkbox lists).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct FormData(pub(crate) Vec<(String, String)>);

impl FormData {
    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// Whether `name` was sent at all.
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }
}

/// The client's address (rate-limit key); "local" when the server was not given one.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "local".into()),
        ))
    }
}

/// Formats epoch milliseconds in Asia/Tokyo.
pub fn tokyo_time(ms: i64) -> String {
    mamori_app::tokyo_datetime(ms)
}

pub use upload::{M365_UPLOAD_LIMIT, UPLOAD_LIMIT};

const HTMX: &[u8] = include_bytes!("../static/vendor/htmx.min.js");
const CSS: &[u8] = include_bytes!("../static/app.css");
const FAVICON: &[u8] = include_bytes!("../static/favicon.svg");
const M365_UPLOAD_JS: &[u8] = include_bytes!("../static/m365-upload.js");

fn asset(body: &'static [u8], ctype: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    r
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn page_not_found(Extension(ctx): Extension<Ctx>) -> Response {
    error::WebError::App(mamori_app::AppError::NotFound).render(&ctx)
}

/// Guards a group of routes with one permission ([`ctx::require`]).
pub(crate) fn guarded(p: Permission, r: Router<AppState>) -> Router<AppState> {
    r.route_layer(from_fn_with_state(p, ctx::require))
}

/// The whole application router: the capabilities' routes, the static assets, and the shared
/// layers (request context, error rendering, security headers, body limit, tracing).
pub fn router(state: AppState) -> Router {
    let open = Router::new()
        .route("/healthz", get(healthz))
        .route("/static/vendor/htmx.min.js", get(|| async { asset(HTMX, "text/javascript; charset=utf-8") }))
        .route("/static/app.css", get(|| async { asset(CSS, "text/css; charset=utf-8") }))
        .route("/static/favicon.svg", get(|| async { asset(FAVICON, "image/svg+xml") }))
        .route("/favicon.ico", get(|| async { asset(FAVICON, "image/svg+xml") }))
        .route("/static/m365-upload.js", get(|| async { asset(M365_UPLOAD_JS, "text/javascript; charset=utf-8") }));
    let app = Router::new()
        .merge(open)
        .merge(session::routes())
        .merge(dashboard::routes())
        .merge(users::routes())
        .merge(regulation::routes())
        .merge(registers::routes())
        .merge(evidence::routes())
        .merge(duties::routes())
        .merge(first_run::routes())
        .merge(open_items::routes())
        .merge(nonconformities::routes())
        .merge(suppliers::routes())
        .merge(devices::routes())
        .merge(certificates::routes())
        .merge(mail::routes())
        .merge(management_reviews::routes())
        .merge(requests::routes())
        .merge(incidents::routes())
        .merge(internal_audits::routes())
        .merge(certification_audits::routes())
        .merge(objectives::routes())
        .merge(people::routes())
        .merge(pledges::routes())
        .merge(onboarding::routes())
        .merge(me::routes())
        .merge(training::routes())
        .merge(safety_checks::routes())
        .merge(drills::routes())
        .merge(continuity::routes())
        .merge(m365::routes())
        .merge(documents::routes())
        .merge(audit::routes())
        .merge(guarded(Permission::SettingsManage, Router::new().route("/api/v1/cache", get(answers::stats))))
        // Every route but the Microsoft 365 import (merged after this layer, with its own).
        .layer(RequestBodyLimitLayer::new(upload::REQUEST_BODY_LIMIT))
        .merge(m365::import_routes())
        .fallback(page_not_found);

    app.layer(from_fn(error::render_errors))
        .layer(from_fn_with_state(state.clone(), ctx::context))
        .layer(from_fn_with_state(state.clone(), ctx::security_headers))
        .layer(CatchPanicLayer::new())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            // The path only: query strings may carry tokens.
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
