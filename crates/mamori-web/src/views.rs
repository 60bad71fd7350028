//! Template structs (askama, checked at compile time, auto-escaped) and the page layout.

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

/// Login page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// Layout.
    pub layout: Layout,
    /// Login ID typed before.
    pub login_id: String,
    /// Organisation typed before.
    pub organization: String,
}

/// Password change page.
#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    /// Layout.
    pub layout: Layout,
    /// Forced (initial password pending).
    pub forced: bool,
    /// Broken rules.
    pub problems: Vec<String>,
}

/// Home dashboard.
#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    /// Layout.
    pub layout: Layout,
    /// Display name.
    pub display_name: String,
    /// Organisation name.
    pub org_name: String,
    /// Role names, joined.
    pub roles: String,
    /// Card title keys (cards of later features, empty for now).
    pub cards: Vec<(&'static str, Vec<(String, String)>)>,
    /// Policies waiting for this person's acknowledgement: (link, label).
    pub pending: Vec<(String, String)>,
}

/// One row of the users table.
pub struct UserRowView {
    /// Login ID.
    pub login_id: String,
    /// Name.
    pub display_name: String,
    /// E-mail.
    pub email: String,
    /// Role names joined.
    pub role_labels: String,
    /// (key, label, held) for every role of the organisation.
    pub role_checks: Vec<(String, String, bool)>,
    /// Locked.
    pub locked: bool,
    /// Disabled.
    pub disabled: bool,
    /// Initial password pending.
    pub must_change_password: bool,
    /// Consecutive failures.
    pub failed_attempts: i64,
}

/// Users page.
#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    /// Layout.
    pub layout: Layout,
    /// Rows.
    pub rows: Vec<UserRowView>,
    /// (key, label) of every role.
    pub all_roles: Vec<(String, String)>,
    /// May create users and change roles.
    pub can_manage: bool,
    /// May unlock.
    pub can_unlock: bool,
    /// May change organisation settings.
    pub can_settings: bool,
    /// Consecutive failures that lock an account.
    pub lockout_threshold: i64,
    /// Errors of the create form.
    pub field_errors: Vec<String>,
    /// Create form: login ID.
    pub form_login_id: String,
    /// Create form: name.
    pub form_display_name: String,
    /// Create form: e-mail.
    pub form_email: String,
}

/// One users-table row alone (htmx swap target).
#[derive(Template)]
#[template(path = "user_row.html")]
pub struct UserRowPartial {
    /// Layout (for labels and the CSRF token).
    pub layout: Layout,
    /// The row.
    pub row: UserRowView,
    /// May change roles.
    pub can_manage: bool,
    /// May unlock.
    pub can_unlock: bool,
}

/// One audit row for display.
pub struct AuditRowView {
    /// Seq.
    pub seq: i64,
    /// Time (Asia/Tokyo).
    pub at: String,
    /// Actor.
    pub actor: String,
    /// Action label.
    pub action: String,
    /// Object.
    pub object: String,
    /// Before JSON.
    pub before: Option<String>,
    /// After JSON.
    pub after: Option<String>,
}

/// Audit log page.
#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    /// Layout.
    pub layout: Layout,
    /// Rows.
    pub rows: Vec<AuditRowView>,
    /// Whether the chain verified.
    pub chain_ok: bool,
    /// Verification message.
    pub chain_message: String,
    /// Link to newer rows.
    pub newer: Option<i64>,
    /// Link to older rows.
    pub older: Option<i64>,
}
