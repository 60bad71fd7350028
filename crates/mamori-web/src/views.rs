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

/// A group of menu entries under its heading.
pub struct NavGroup {
    /// Heading.
    pub label: String,
    /// Entries the user may use (never empty).
    pub items: Vec<NavItem>,
}

/// What the base layout needs.
pub struct Layout {
    /// Translator.
    pub t: Tr,
    /// Display name of the logged-in user.
    pub user: Option<String>,
    /// Menu in groups, restricted to what the user's roles may use (8.3 (3)).
    pub nav: Vec<NavGroup>,
    /// CSRF token for forms.
    pub csrf: String,
    /// Current path.
    pub path: String,
    /// Success message.
    pub flash: Option<String>,
    /// Error message.
    pub error: Option<String>,
}

/// A menu entry: (path, label key, permission needed).
type MenuEntry = (&'static str, &'static str, Option<Permission>);

/// Menu entries in their groups: (group label key, [(path, label key, permission needed)]).
/// A group none of whose entries the user may use is not shown.
const MENU: &[(&str, &[MenuEntry])] = &[
    (
        "nav-group-operations",
        &[
            ("/", "nav-home", Some(Permission::DashboardView)),
            // わたしの ISMS: every member's own pledges, acknowledgements, duties and requests.
            ("/me", "nav-me", Some(Permission::DashboardView)),
            ("/duties", "nav-duties", Some(Permission::DutiesView)),
            ("/requests", "nav-requests", Some(Permission::RequestsUse)),
            ("/incidents", "nav-incidents", None),
            // Everyone answers the self-check of the devices they are custodian of.
            ("/devices/attest", "nav-devices-attest", None),
            ("/safety-checks", "nav-safety-checks", Some(Permission::SafetyChecksManage)),
            ("/drills", "nav-drills", Some(Permission::DrillsManage)),
            // Everyone reports a suspicious mail.
            ("/drill/report", "nav-drill-report", Some(Permission::DashboardView)),
            ("/open-items", "nav-open-items", Some(Permission::RegulationView)),
        ],
    ),
    (
        "nav-group-records",
        &[
            // The staff directory: names and departments for every member.
            ("/people", "nav-people", Some(Permission::DashboardView)),
            ("/pledges", "nav-pledges", Some(Permission::PeopleManage)),
            // Training (6.3): every member takes their courses; managers plan them.
            ("/training", "nav-training", Some(Permission::DashboardView)),
            ("/controls", "nav-controls", Some(Permission::RegulationView)),
            ("/registers", "nav-registers", Some(Permission::RegistersView)),
            // The supplier register is read by the roles that hold internal_audits.view (its
            // default view roles); the page itself follows the register's view roles.
            ("/suppliers", "nav-suppliers", Some(Permission::InternalAuditsView)),
            ("/nonconformities", "nav-nonconformities", Some(Permission::RegistersView)),
            ("/objectives", "nav-objectives", Some(Permission::ObjectivesView)),
        ],
    ),
    (
        "nav-group-documents",
        &[
            ("/documents", "nav-documents", Some(Permission::DocumentsView)),
            ("/soa", "nav-soa", Some(Permission::DocumentsView)),
            // The business-continuity plan: every member reads it (the contact tree).
            ("/bcp", "nav-bcp", Some(Permission::DocumentsView)),
            ("/regulation/import", "nav-import", Some(Permission::RegulationImport)),
        ],
    ),
    (
        "nav-group-audit",
        &[
            ("/internal-audits", "nav-internal-audits", Some(Permission::InternalAuditsView)),
            ("/certification-audits", "nav-certification-audits", Some(Permission::InternalAuditsView)),
            ("/management-reviews", "nav-management-reviews", Some(Permission::ManagementReviewsView)),
            ("/audit", "nav-audit", Some(Permission::AuditView)),
            ("/m365", "nav-m365", Some(Permission::AuditView)),
        ],
    ),
    (
        "nav-group-settings",
        &[
            ("/users", "nav-users", Some(Permission::UsersView)),
            ("/admin/mail", "nav-mail", Some(Permission::SettingsManage)),
            ("/password", "nav-password", None),
        ],
    ),
];

/// Every menu path (tests check each is reachable from some role's menu).
pub fn menu_paths() -> Vec<&'static str> {
    MENU.iter().flat_map(|(_, items)| items.iter().map(|(href, _, _)| *href)).collect()
}

impl Layout {
    /// The layout for this request.
    pub fn new(ctx: &Ctx) -> Layout {
        let t = ctx.tr();
        let (user, nav) = match &ctx.session {
            Some(s) => {
                let nav = MENU
                    .iter()
                    .map(|(group, items)| NavGroup {
                        label: t.t(group),
                        items: items
                            .iter()
                            .filter(|(_, _, p)| p.is_none_or(|p| s.actor.grants.has(p)))
                            .filter(|(href, _, _)| !s.must_change_password() || *href == "/password")
                            .map(|(href, key, _)| NavItem {
                                href,
                                label: t.t(key),
                                active: ctx.path == *href
                                    || (*href != "/" && ctx.path.starts_with(&format!("{href}/"))),
                            })
                            .collect(),
                    })
                    .filter(|g| !g.items.is_empty())
                    .collect();
                (Some(s.user.display_name.clone()), nav)
            }
            None => (None, Vec::new()),
        };
        Layout { t, user, nav, csrf: ctx.csrf().to_string(), path: ctx.path.clone(), flash: None, error: None }
    }
}

impl Layout {
    /// The layout with the success message of `?done=WHAT` on a page of `area` (the catalogue's
    /// `done-AREA-WHAT`); an unknown value shows nothing.
    pub fn with_done(mut self, area: &str, done: Option<&str>) -> Layout {
        if let Some(w) = done.filter(|w| w.len() <= 32 && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')) {
            let key = format!("done-{area}-{w}");
            if crate::i18n::has_key(self.t.lang, &key) {
                self.flash = Some(self.t.t(&key));
            }
        }
        self
    }
}

/// `?done=…` after a change: which success message to show.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Done {
    /// What was done.
    pub done: Option<String>,
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

/// A refused form as it comes back: what was typed, the problems at their fields (translated)
/// and, for a refusal that is not about one field, a message saying what to do next.
#[derive(Debug, Clone, Default)]
pub struct Tried {
    /// Which form was sent (pages with several forms show the problems at the right one).
    pub form: String,
    /// What was typed.
    pub values: Vec<(String, String)>,
    /// (field, message).
    pub errors: Vec<(String, String)>,
    /// A refusal not about one field.
    pub message: String,
}

impl Tried {
    /// The form `form` as sent, refused with `e` (validation problems go to their fields, a
    /// register row's problems too).
    pub fn new(t: &Tr, form: &str, data: &crate::FormData, e: &mamori_app::AppError, message: String) -> Tried {
        let errors = match e {
            mamori_app::AppError::Validation(v) => v.iter().map(|(f, k)| (f.clone(), t.t(k))).collect(),
            mamori_app::AppError::Rows(r) => r.iter().map(|p| (p.field.clone(), t.t(&p.message))).collect(),
            _ => Vec::new(),
        };
        let message = if errors.is_empty() { message } else { String::new() };
        Tried { form: form.to_string(), values: data.0.clone(), errors, message }
    }

    /// Whether this is the form `form` coming back.
    pub fn is(&self, form: &str) -> bool {
        self.form == form
    }

    /// The value typed into `name` ("" when none).
    pub fn v(&self, name: &str) -> &str {
        self.values.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// Whether `value` was among the values of `name` (checkboxes, multiple selects).
    pub fn chose(&self, name: &str, value: &str) -> bool {
        self.values.iter().any(|(k, v)| k == name && v == value)
    }

    /// The problems of a field.
    pub fn error(&self, field: &str) -> String {
        self.errors.iter().filter(|e| e.0 == field).map(|e| e.1.clone()).collect::<Vec<_>>().join(" ")
    }

    /// A form holding the values of `fields` from a submitted form (no problems yet).
    pub fn from_form(form: &crate::FormData, fields: &[&str]) -> Tried {
        Tried { values: fields.iter().map(|f| (f.to_string(), form.get(f).to_string())).collect(), ..Tried::default() }
    }

    /// Whether the form was refused at some field.
    pub fn failed(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The status of a page showing this form: 422 when it comes back refused, else 200.
    pub fn status(&self) -> StatusCode {
        if self.form.is_empty() && self.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY }
    }
}
