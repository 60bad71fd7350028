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
    /// (person id, name, what was found) of the leavers flagged by the reconciliation.
    pub flagged: Vec<(String, String, String)>,
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
    /// What the system found (done on a day, or a flag).
    pub mark: String,
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
    /// Their login, Microsoft 365 account, records and pledges (`people.manage`).
    pub links: Option<LinksView>,
}

/// One problem of a refused import, as shown.
pub struct ImportProblem {
    pub row: String,
    pub column: String,
    pub message: String,
    /// What to do about it.
    pub todo: String,
}

/// `people_import.html`: the result of an import.
#[derive(Template)]
#[template(path = "people_import.html")]
pub struct ImportPage {
    pub layout: Layout,
    pub file: String,
    /// (id, name, row) of the people added.
    pub created: Vec<(String, String, String)>,
    /// (id, name, row) of the people changed (更新).
    pub updated: Vec<(String, String, String)>,
    pub unchanged: usize,
    pub problems: Vec<ImportProblem>,
    /// Why the file as a whole was refused (a limit, unreadable, none sent).
    pub refused: String,
}

/// A register row naming the person, as shown.
pub struct RecordRow {
    pub href: String,
    pub register: String,
    pub title: String,
    pub field: String,
}

/// The person's links (for `people.manage`).
pub struct LinksView {
    /// (login ID, display name, roles, disabled).
    pub login: Option<(String, String, String, bool)>,
    /// Linked login ID that names no user.
    pub login_missing: bool,
    /// (UPN, display name, enabled, last sign-in day, signed in after leaving).
    pub m365: Option<(String, String, bool, String, bool)>,
    /// Microsoft 365 accounts are on record.
    pub m365_known: bool,
    pub records: Vec<RecordRow>,
    pub pledges: Vec<RecordRow>,
}
