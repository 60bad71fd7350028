//! Templates of the supplier pages.

use crate::views::{Layout, Tried};
use askama::Template;

/// One supplier of the list.
pub struct SupplierRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub services: String,
    pub criticality: String,
    pub status: String,
    /// 「5 / 7」.
    pub confirmed: String,
    pub settled: bool,
}

/// `suppliers.html`.
#[derive(Template)]
#[template(path = "suppliers.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<SupplierRow>,
    pub may_add: bool,
    /// The kinds: (key, label).
    pub kinds: Vec<(String, String)>,
    pub tried: Tried,
}

/// One requirement with its form.
pub struct RequirementRow {
    pub key: String,
    pub label: String,
    pub state: String,
    pub state_label: String,
    pub evidence: String,
    pub confirmed_line: String,
    /// Problems of a refused confirmation of this requirement.
    pub error: String,
}

/// One duty of the supplier.
pub struct DutyRow {
    pub id: String,
    pub title: String,
    pub frequency: String,
}

/// One check done.
pub struct CheckRow {
    pub title: String,
    pub done_on: String,
    pub note: String,
    pub by: String,
}

/// `supplier.html`.
#[derive(Template)]
#[template(path = "supplier.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub id: String,
    pub name: String,
    /// (label, value) of the register's fields that are filled.
    pub facts: Vec<(String, String)>,
    pub requirements: Vec<RequirementRow>,
    pub settled: bool,
    /// (key, label) of the requirement states.
    pub states: Vec<(String, String)>,
    pub duties: Vec<DutyRow>,
    pub checks: Vec<CheckRow>,
    /// (control, text, resolved) of the regulation's notes waiting for it.
    pub open_items: Vec<(String, String, bool)>,
    pub may_edit: bool,
    pub tried: Tried,
}
