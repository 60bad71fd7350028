//! Templates of the request pages.

use crate::views::Layout;
use askama::Template;

/// A row (template data).
pub struct Row {
    pub id: String,
    pub number: String,
    pub kind: String,
    pub title: String,
    pub state: String,
    pub state_label: String,
    pub requester: String,
    pub updated: String,
    pub overdue: bool,
}

/// A role checkbox of the approver settings: (role key, role name, approves).
pub type RoleCheck = (String, String, bool);

/// The `requests.html` template.
#[derive(Template)]
#[template(path = "requests.html")]
pub struct ListPage {
    pub layout: Layout,
    pub scope: &'static str,
    pub rows: Vec<Row>,
    pub waiting: usize,
    pub types: Vec<(String, String, String)>,
    pub can_all: bool,
    pub settings: Vec<(String, String, Vec<RoleCheck>)>,
}

/// A field of the new-request form.
pub struct FieldView {
    pub key: String,
    pub label: String,
    pub kind: &'static str,
    pub required: bool,
    pub choices: Vec<String>,
    /// A reference field's rows: (value, label).
    pub options: Vec<(String, String)>,
    pub value: String,
    /// The problem at this field (empty: none).
    pub error: String,
}

/// The `request_new.html` template.
#[derive(Template)]
#[template(path = "request_new.html")]
pub struct NewPage {
    pub layout: Layout,
    pub key: String,
    pub name: String,
    pub controls: String,
    pub note: String,
    pub approvers: String,
    pub fields: Vec<FieldView>,
    pub errors: Vec<String>,
}

/// A event view (template data).
pub struct EventView {
    pub at: String,
    pub action: String,
    pub actor: String,
    pub to: String,
    pub comment: String,
    pub files: Vec<String>,
}

/// The `request.html` template.
#[derive(Template)]
#[template(path = "request.html")]
pub struct DetailPage {
    pub layout: Layout,
    /// Why an action was just refused (each line in Japanese).
    pub refusal: Vec<String>,
    /// The comment typed with the refused action.
    pub comment: String,
    pub row: Row,
    pub fields: Vec<(String, String)>,
    pub approver: String,
    pub deadline: String,
    pub record_href: String,
    pub record_ref: String,
    pub actions: Vec<(String, String)>,
    pub timeline: Vec<EventView>,
}
