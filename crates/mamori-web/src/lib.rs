//! mamori's HTTP layer: server-rendered pages (askama, vendored htmx) and the JSON API under
//! `/api/v1`, sharing one request context ([`ctx::Ctx`]) and one permission layer
//! ([`ctx::require`]).

pub mod api;
pub mod ctx;
pub mod documents_pages;
pub mod duties_pages;
pub mod error;
pub mod i18n;
pub mod incidents_pages;
pub mod m365_pages;
pub mod pages;
pub mod registers_pages;
pub mod regulation_pages;
pub mod requests_pages;
pub mod state;
pub mod upload;
pub mod views;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
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
pub struct FormData(Vec<(String, String)>);

impl FormData {
    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
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
    let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.to_zoned_datetime(tz).strftime("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => ms.to_string(),
    }
}

/// Largest accepted upload (a regulation as .docx or PDF).
pub const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;
/// Largest Microsoft 365 export accepted by the import page (streamed to disk, never held in
/// memory; the page shows upload progress). Larger files go through `mamori m365 import`.
pub const M365_UPLOAD_LIMIT: usize = 4 * 1024 * 1024 * 1024;

const HTMX: &[u8] = include_bytes!("../static/vendor/htmx.min.js");
const CSS: &[u8] = include_bytes!("../static/app.css");
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
    if ctx.api {
        api::not_found(Extension(ctx)).await.into_response()
    } else {
        error::PageError::new(&ctx, mamori_app::AppError::NotFound).into_response()
    }
}

fn guarded(p: Permission, r: Router<AppState>) -> Router<AppState> {
    r.route_layer(from_fn_with_state(p, ctx::require))
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    use Permission::*;
    let open = Router::new()
        .route("/healthz", get(healthz))
        .route("/static/vendor/htmx.min.js", get(|| async { asset(HTMX, "text/javascript; charset=utf-8") }))
        .route("/static/app.css", get(|| async { asset(CSS, "text/css; charset=utf-8") }))
        .route("/static/m365-upload.js", get(|| async { asset(M365_UPLOAD_JS, "text/javascript; charset=utf-8") }))
        .route("/lang", get(pages::lang))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/password", get(pages::password_form).post(pages::password))
        .route("/api/v1/session", post(api::login).delete(api::logout))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/me/password", post(api::change_password))
        .route("/calendar/{file}", get(api::calendar_feed))
        // Anyone logged in may report an event (6.8); the use cases restrict the rest by role.
        .route("/incidents", get(incidents_pages::list).post(incidents_pages::create))
        .route("/incidents/new", get(incidents_pages::new_form))
        .route("/incidents/{id}", get(incidents_pages::detail))
        .route(
            "/incidents/{id}/evidence",
            post(incidents_pages::add_evidence).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/incidents/{id}/{step}", post(incidents_pages::step))
        .route("/api/v1/incidents", post(api::incident_report))
        .route("/api/v1/incidents/{id}", get(api::incident_get))
        .route("/api/v1/incidents/{id}/evidence", get(api::incident_evidence));
    let app = Router::new()
        .merge(open)
        .merge(guarded(DashboardView, Router::new().route("/", get(pages::dashboard))))
        .merge(guarded(
            UsersView,
            Router::new()
                .route("/users", get(pages::users_list))
                .route("/api/v1/users", get(api::users_list))
                .route("/api/v1/users/{login_id}", get(api::users_get)),
        ))
        .merge(guarded(
            UsersManage,
            Router::new()
                .route("/users", post(pages::users_create))
                .route("/users/{login_id}/roles", post(pages::users_roles))
                .route("/users/{login_id}/reset-password", post(pages::users_reset))
                .route("/api/v1/users", post(api::users_create))
                .route("/api/v1/users/{login_id}/roles", put(api::users_roles))
                .route("/api/v1/users/{login_id}/password-reset", post(api::users_reset)),
        ))
        .merge(guarded(
            UsersUnlock,
            Router::new()
                .route("/users/{login_id}/unlock", post(pages::users_unlock))
                .route("/api/v1/users/{login_id}/unlock", post(api::users_unlock)),
        ))
        .merge(guarded(
            RegulationView,
            Router::new()
                .route("/controls", get(regulation_pages::controls))
                .route("/controls/{id}", get(regulation_pages::control))
                .route("/open-items", get(regulation_pages::open_items))
                .route("/regulation/records", get(regulation_pages::records))
                .route("/regulation/duties", get(regulation_pages::duties))
                .route("/api/v1/catalogue", get(api::catalogue))
                .route("/api/v1/controls", get(api::controls))
                .route("/api/v1/controls/{id}", get(api::control)),
        ))
        .merge(guarded(
            RegulationImport,
            Router::new()
                .route(
                    "/regulation/import",
                    get(regulation_pages::import_form)
                        .post(regulation_pages::import_upload)
                        .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
                )
                .route("/regulation/import/confirm", post(regulation_pages::import_confirm))
                .route(
                    "/api/v1/regulation",
                    post(api::regulation_import).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
                ),
        ))
        .merge(guarded(
            RegistersView,
            Router::new()
                .route("/registers", get(registers_pages::list))
                .route("/registers/{key}", get(registers_pages::rows))
                .route("/registers/{key}/rows/{id}", get(registers_pages::row))
                .route("/registers/{key}/rows/{id}/history", get(registers_pages::history))
                .route("/registers/{key}/export", get(registers_pages::export))
                .route("/registers/{key}/heatmap", get(registers_pages::heatmap))
                .route("/evidence/{sha256}", get(registers_pages::evidence))
                .route("/api/v1/registers", get(api::registers))
                .route("/api/v1/registers/{key}/rows", get(api::register_rows))
                .route("/api/v1/registers/{key}/rows/{id}", get(api::register_row))
                .route("/api/v1/registers/{key}/rows/{id}/history", get(api::register_history)),
        ))
        .merge(guarded(
            RegistersEdit,
            Router::new()
                .route("/registers/{key}/new", get(registers_pages::new_row))
                .route("/registers/{key}", post(registers_pages::create_row))
                .route("/registers/{key}/rows/{id}", post(registers_pages::update_row))
                .route("/registers/{key}/rows/{id}/delete", post(registers_pages::delete_row))
                .route("/registers/{key}/rows/{id}/restore", post(registers_pages::restore_row))
                .route(
                    "/registers/{key}/import",
                    post(registers_pages::import).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
                )
                .route(
                    "/registers/{key}/rows/{id}/files/{field}",
                    post(registers_pages::attach_file).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
                )
                .route(
                    "/api/v1/evidence",
                    post(api::evidence_upload).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
                )
                .route("/api/v1/registers/{key}/rows", post(api::register_create))
                .route("/api/v1/registers/{key}/rows/{id}", put(api::register_update).delete(api::register_delete))
                .route("/api/v1/registers/{key}/rows/{id}/restore", post(api::register_restore)),
        ))
        .merge(guarded(
            RegistersDesign,
            Router::new()
                .route("/registers", post(registers_pages::create_register))
                .route("/registers/{key}/design", get(registers_pages::design).post(registers_pages::add_field)),
        ))
        .merge(guarded(
            RegistersDesign,
            Router::new().route("/regulation/records/register", post(regulation_pages::offer_register)),
        ))
        .merge(guarded(
            DutiesView,
            Router::new()
                .route("/duties", get(duties_pages::mine))
                .route("/duties/all", get(duties_pages::all))
                .route("/duties/decisions", get(duties_pages::decisions))
                .route("/duties/heatmap", get(duties_pages::heatmap))
                .route("/duties/calendar", get(duties_pages::calendar).post(duties_pages::calendar_rotate))
                .route("/duties/occurrences/{id}", get(duties_pages::occurrence))
                .route(
                    "/duties/occurrences/{id}/complete",
                    post(duties_pages::complete).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
                )
                .route("/duties/occurrences/{id}/skip", post(duties_pages::skip))
                .route("/duties/{id}", get(duties_pages::duty))
                .route("/api/v1/me/calendar", post(api::calendar_rotate))
                .route("/api/v1/duties", get(api::duties_list))
                .route("/api/v1/duties/occurrences", get(api::duties_occurrences))
                .route("/api/v1/duties/heatmap", get(api::duties_heatmap))
                .route("/api/v1/duties/occurrences/{id}/complete", post(api::duty_complete))
                .route("/api/v1/duties/occurrences/{id}/skip", post(api::duty_skip)),
        ))
        .merge(guarded(
            DutiesManage,
            Router::new()
                .route("/duties", post(duties_pages::create))
                .route("/duties/offer", post(duties_pages::offer))
                .route("/duties/{id}", post(duties_pages::update))
                .route("/api/v1/duties/offer", post(api::duties_offer)),
        ))
        .merge(guarded(
            RequestsUse,
            Router::new()
                .route("/requests", get(requests_pages::list))
                .route("/requests/new/{key}", get(requests_pages::new_form).post(requests_pages::create))
                .route("/requests/{id}", get(requests_pages::detail))
                .route(
                    "/requests/{id}/transitions",
                    post(requests_pages::transition).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
                )
                .route("/api/v1/request-types", get(api::request_types))
                .route("/api/v1/requests", get(api::requests_list).post(api::request_create))
                .route("/api/v1/requests/{id}", get(api::request_get))
                .route("/api/v1/requests/{id}/transitions", post(api::request_transition)),
        ))
        .merge(guarded(
            AuditView,
            Router::new()
                .route("/m365", get(m365_pages::index))
                .route(
                    "/m365/import",
                    post(m365_pages::import).layer(axum::extract::DefaultBodyLimit::max(M365_UPLOAD_LIMIT)),
                )
                .route("/m365/events", get(m365_pages::events))
                .route("/m365/findings", get(m365_pages::findings))
                .route("/m365/findings/{id}", post(m365_pages::decide))
                .route("/m365/accounts", get(m365_pages::accounts).post(m365_pages::decide_account))
                .route("/m365/settings", get(m365_pages::settings).post(m365_pages::save_settings)),
        ))
        .merge(guarded(
            SettingsManage,
            Router::new()
                .route("/api/v1/request-types/{key}/roles", put(api::request_type_roles))
                .route("/requests/types/{key}/roles", post(requests_pages::set_roles))
                .route("/settings", post(pages::settings))
                .route("/admin/mail", get(duties_pages::outbox))
                .route("/admin/mail/{id}/retry", post(duties_pages::outbox_retry))
                .route("/api/v1/organization/settings", put(api::settings)),
        ))
        .merge(guarded(
            DocumentsView,
            Router::new()
                .route("/soa", get(documents_pages::soa))
                .route("/soa/export", get(documents_pages::soa_export))
                .route("/soa/approve", post(documents_pages::soa_approve))
                .route("/documents", get(documents_pages::documents_list))
                .route("/documents/export", get(documents_pages::documents_export))
                .route("/documents/{id}", get(documents_pages::document))
                .route("/documents/{id}/approve", post(documents_pages::document_approve))
                .route("/documents/{id}/ack", post(documents_pages::document_ack))
                .route("/documents/{id}/history", get(documents_pages::document_history))
                .route("/api/v1/soa", get(api::soa))
                .route("/api/v1/soa/approve", post(api::soa_approve))
                .route("/api/v1/documents", get(api::documents)),
        ))
        .merge(guarded(
            DocumentsEdit,
            Router::new()
                .route("/soa/rows/{id}", post(documents_pages::soa_row))
                .route("/soa/fill", post(documents_pages::soa_fill))
                .route("/documents", post(documents_pages::documents_create))
                .route("/documents/{id}/draft", post(documents_pages::document_draft))
                .route("/documents/{id}/publish", post(documents_pages::document_publish))
                .route("/api/v1/soa/rows/{id}", put(api::soa_row)),
        ))
        .merge(guarded(
            AuditView,
            Router::new().route("/audit", get(pages::audit_log)).route("/api/v1/audit", get(api::audit_list)),
        ))
        .fallback(page_not_found);

    app.layer(from_fn_with_state(state.clone(), ctx::context))
        .layer(from_fn(ctx::security_headers))
        .layer(RequestBodyLimitLayer::new(UPLOAD_LIMIT + 64 * 1024))
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
