//! Templates of the open-item page.

use crate::views::Layout;
use askama::Template;

/// One open item (template data).
pub struct ItemView {
    pub id: String,
    pub control: String,
    pub control_title: String,
    pub kind_label: String,
    pub text: String,
    pub owner_id: String,
    pub owner_name: String,
    pub due: String,
    pub resolution: String,
    pub resolved: bool,
    /// 「2026-12-01 10:00 山田 花子」, or the note that deciding the duty resolved it.
    pub resolved_line: String,
    pub may_edit: bool,
    /// Problems of the last attempt, by field: (field, message).
    pub errors: Vec<(String, String)>,
}

impl ItemView {
    /// The message for a field, if any.
    pub fn error(&self, field: &str) -> String {
        self.errors.iter().filter(|e| e.0 == field).map(|e| e.1.clone()).collect::<Vec<_>>().join(" ")
    }
}

/// The `open_items.html` template.
#[derive(Template)]
#[template(path = "open_items.html")]
pub struct OpenItemsPage {
    pub layout: Layout,
    pub items: Vec<ItemView>,
    pub open_count: usize,
    pub may_assign: bool,
    /// People who may own an item: (user id, name).
    pub people: Vec<(String, String)>,
    /// A success message after a change.
    pub saved: bool,
}
