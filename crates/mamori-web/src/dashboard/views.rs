//! Template of the home dashboard.

use crate::views::Layout;
use askama::Template;

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
    /// The first run's checklist, while it is shown.
    pub first_run: Option<crate::first_run::views::FirstRunView>,
    /// Card title keys (cards of later features, empty for now).
    pub cards: Vec<(&'static str, Vec<(String, String)>)>,
    /// Policies waiting for this person's acknowledgement: (link, label).
    pub pending: Vec<(String, String)>,
}
