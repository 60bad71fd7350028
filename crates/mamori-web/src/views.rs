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
    ("/certification-audits", "nav-certification-audits", Some(Permission::InternalAuditsView)),
    ("/objectives", "nav-objectives", Some(Permission::ObjectivesView)),
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

/// What a refused form sends back: the values typed, and each problem at its field (message
/// already translated). A fresh form has neither.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    /// Field → value typed.
    pub values: Vec<(String, String)>,
    /// (field, message).
    pub errors: Vec<(String, String)>,
}

impl FormState {
    /// A form holding the values of `fields` from a submitted form.
    pub fn from_form(form: &crate::FormData, fields: &[&str]) -> FormState {
        FormState { values: fields.iter().map(|f| (f.to_string(), form.get(f).to_string())).collect(), errors: vec![] }
    }

    /// The value typed in `field` ("" when none).
    pub fn v(&self, field: &str) -> String {
        self.values.iter().find(|(k, _)| k == field).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// The messages at `field`, joined ("" when none).
    pub fn error(&self, field: &str) -> String {
        self.errors.iter().filter(|e| e.0 == field).map(|e| e.1.clone()).collect::<Vec<_>>().join(" ")
    }

    /// Whether the form was refused.
    pub fn failed(&self) -> bool {
        !self.errors.is_empty()
    }
}
