//! Templates of the Microsoft 365 pages.

use crate::views::Layout;
use askama::Template;
use mamori_app::m365::ImportReport;

/// A import view (template data).
pub struct ImportView {
    pub file: String,
    pub format: String,
    pub sha256: String,
    /// The hash's first digits (the file is named by its name; the hash only tells files apart).
    pub sha256_short: String,
    pub counts: String,
    pub by: String,
    pub at: String,
}

/// The `m365.html` template.
#[derive(Template)]
#[template(path = "m365.html")]
pub struct ImportPage {
    pub layout: Layout,
    pub report: Option<ImportReport>,
    pub imports: Vec<ImportView>,
}

/// A event view (template data).
pub struct EventView {
    pub time: String,
    pub operation: String,
    pub user: String,
    pub ip: String,
    pub workload: String,
    pub result: String,
    pub id: String,
}

/// The `m365_events.html` template.
#[derive(Template)]
#[template(path = "m365_events.html")]
pub struct EventsPage {
    pub layout: Layout,
    pub user: String,
    pub operation: String,
    pub ip: String,
    pub workload: String,
    pub from: String,
    pub to: String,
    pub events: Vec<EventView>,
}

/// A finding view (template data).
pub struct FindingView {
    pub id: String,
    pub rule: String,
    pub rule_label: String,
    pub subject: String,
    pub first: String,
    pub last: String,
    pub first_day: String,
    pub last_day: String,
    pub count: i64,
    pub state: String,
    pub state_label: String,
    pub reason: String,
    pub incident: String,
}

/// The `m365_findings.html` template.
#[derive(Template)]
#[template(path = "m365_findings.html")]
pub struct FindingsPage {
    pub layout: Layout,
    pub findings: Vec<FindingView>,
}

/// A account view (template data).
pub struct AccountView {
    pub upn: String,
    pub name: String,
    pub enabled: bool,
    pub last: String,
    pub flags: Vec<String>,
    pub decision: String,
    pub note: String,
    pub decided: String,
}

/// The `m365_accounts.html` template.
#[derive(Template)]
#[template(path = "m365_accounts.html")]
pub struct AccountsPage {
    pub layout: Layout,
    pub accounts: Vec<AccountView>,
    pub decisions: Vec<(String, String)>,
}

/// A number field (template data).
pub struct NumberField {
    pub name: &'static str,
    pub label: String,
    pub value: String,
}

/// The `m365_settings.html` template.
#[derive(Template)]
#[template(path = "m365_settings.html")]
pub struct SettingsPage {
    pub layout: Layout,
    pub numbers: Vec<NumberField>,
    pub allow_list: String,
    pub retention_days: String,
    pub may_edit: bool,
    pub saved: bool,
    pub errors: Vec<String>,
}
