//! Templates of the people pages.

use crate::views::{Layout, Tried};
use askama::Template;

/// One person of the list, as shown.
pub struct Row {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub department: String,
    pub manager: String,
    pub email: String,
    pub joined_on: String,
    pub left_on: String,
    pub active: bool,
}

/// `people.html`.
#[derive(Template)]
#[template(path = "people.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<Row>,
    pub may_manage: bool,
    /// (key, label) of each kind.
    pub kinds: Vec<(String, String)>,
    pub departments: Vec<String>,
    /// The filter as chosen.
    pub filter: Tried,
}

/// `person_new.html`.
#[derive(Template)]
#[template(path = "person_new.html")]
pub struct NewPage {
    pub layout: Layout,
    pub kinds: Vec<(String, String)>,
    /// (id, name) of the possible managers.
    pub managers: Vec<(String, String)>,
    pub tried: Tried,
}

/// One checklist item, as shown.
pub struct ItemRow {
    pub key: String,
    pub label: String,
    pub state: String,
    pub open: bool,
    pub reason: String,
    pub href: String,
}

/// `person.html`.
#[derive(Template)]
#[template(path = "person.html")]
pub struct PersonPage {
    pub layout: Layout,
    pub id: String,
    pub name: String,
    pub kind: String,
    pub department: String,
    pub manager: String,
    pub email: String,
    pub joined_on: String,
    pub left_on: String,
    pub login_id: String,
    pub active: bool,
    pub may_manage: bool,
    pub kinds: Vec<(String, String)>,
    pub managers: Vec<(String, String)>,
    /// The edit form as stored, typed or refused.
    pub tried: Tried,
    /// The leave form or an item's form (its key) as refused.
    pub other: Tried,
    /// The checklist: state label, leave date, open, items.
    pub checklist: Option<(String, String, bool, Vec<ItemRow>)>,
    /// No open checklist: a leave may be recorded.
    pub may_leave: bool,
}
