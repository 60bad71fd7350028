//! Templates of the incident pages.

use crate::views::Layout;
use askama::Template;

/// A row (template data).
pub struct Row {
    pub id: String,
    pub number: String,
    pub title: String,
    pub state: String,
    pub state_label: String,
    pub reporter: String,
    pub created: String,
}

/// The `incidents.html` template.
#[derive(Template)]
#[template(path = "incidents.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<Row>,
    pub overdue: Vec<(String, String, String, String)>,
}

/// The `incident_new.html` template.
#[derive(Template)]
#[template(path = "incident_new.html")]
pub struct NewPage {
    pub layout: Layout,
}

/// A event view (template data).
pub struct EventView {
    pub at: String,
    pub kind: String,
    pub actor: String,
    pub text: String,
}

/// A evidence view (template data).
pub struct EvidenceView {
    pub id: String,
    pub sha256: String,
    pub name: String,
    pub description: String,
    pub holder: String,
    pub taken: String,
}

/// The `incident.html` template.
#[derive(Template)]
#[template(path = "incident.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub id: String,
    pub number: String,
    pub title: String,
    pub description: String,
    pub occurred_at: String,
    pub reporter: String,
    pub state: String,
    pub state_label: String,
    pub variant: String,
    pub assessment: String,
    pub disclosure: String,
    pub authorities: String,
    pub lessons: String,
    pub corrective_href: String,
    pub can_assess: bool,
    pub can_manage: bool,
    pub has_access: bool,
    pub events: Vec<EventView>,
    pub evidence: Vec<EvidenceView>,
    pub people: Vec<(String, String, bool)>,
}
