//! The page layout shared by every page: the role-filtered menu (8.3 (3)), the error page, and
//! rendering a template (askama, checked at compile time, auto-escaped). Each capability keeps
//! its own template structs in its `views.rs`.

use crate::ctx::Ctx;
use crate::i18n::Tr;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mamori_domain::permission::Permission;

/// A menu entry.
pub struct NavItem {
    /// Target.
    pub href: &'static str,
    /// Label.
    pub label: String,
    /// Current page.
    pub active: bool,
}

/// What the base layout needs.
pub struct Layout {
    /// Translator.
    pub t: Tr,
    /// Display name of the logged-in user.
    pub user: Option<String>,
    /// Menu, restricted to what the user's roles may use (8.3 (3)).
    pub nav: Vec<NavItem>,
    /// CSRF token for forms.
    pub csrf: String,
    /// Current path.
    pub path: String,
    /// Success message.
    pub flash: Option<String>,
    /// Error message.
    pub error: Option<String>,
}

/// Menu entries: (path, label key, permission needed).
const MENU: &[(&str, &str, Option<Permission>)] = &[
    ("/", "nav-home", Some(Permission::DashboardView)),
    ("/controls", "nav-controls", Some(Permission::RegulationView)),
    ("/open-items", "nav-open-items", Some(Permission::RegulationView)),
    ("/regulation/import", "nav-import", Some(Permission::RegulationImport)),
    ("/registers", "nav-registers", Some(Permission::RegistersView)),
    ("/duties", "nav-duties", Some(Permission::DutiesView)),
    ("/requests", "nav-requests", Some(Permission::RequestsUse)),
    ("/incidents", "nav-incidents", None),
    ("/documents", "nav-documents", Some(Permission::DocumentsView)),
    ("/soa", "nav-soa", Some(Permission::DocumentsView)),
    ("/users", "nav-users", Some(Permission::UsersView)),
    ("/m365", "nav-m365", Some(Permission::AuditView)),
    ("/audit", "nav-audit", Some(Permission::AuditView)),
    ("/admin/mail", "nav-mail", Some(Permission::SettingsManage)),
    ("/password", "nav-password", None),
];

impl Layout {
    /// The layout for this request.
    pub fn new(ctx: &Ctx) -> Layout {
        let t = ctx.tr();
        let (user, nav) = match &ctx.session {
            Some(s) => {
                let nav = MENU
                    .iter()
                    .filter(|(_, _, p)| p.is_none_or(|p| s.actor.grants.has(p)))
                    .filter(|(href, _, _)| !s.must_change_password() || *href == "/password")
                    .map(|(href, key, _)| NavItem {
                        href,
                        label: t.t(key),
                        active: ctx.path == *href || (*href != "/" && ctx.path.starts_with(&format!("{href}/"))),
                    })
                    .collect();
                (Some(s.user.display_name.clone()), nav)
            }
            None => (None, Vec::new()),
        };
        Layout { t, user, nav, csrf: ctx.csrf().to_string(), path: ctx.path.clone(), flash: None, error: None }
    }
}

/// Renders a template as an HTML response (500 with a log line if rendering fails).
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => {
            let mut r = html.into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Layout.
    pub layout: Layout,
}
