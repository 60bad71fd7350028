//! Templates of the nonconformity pages.

use crate::views::{Layout, Tried};
use askama::Template;

/// One row of the list.
pub struct NcRow {
    pub id: String,
    pub number: String,
    pub source: String,
    pub control: String,
    pub text: String,
    pub owner: String,
    pub due: String,
    pub state: String,
    pub state_label: String,
    pub overdue: bool,
}

/// A duty missed repeatedly (template data).
pub struct MissedRow {
    pub duty_id: String,
    pub title: String,
    pub control: String,
    pub missed: i64,
}

/// `nonconformities.html`.
#[derive(Template)]
#[template(path = "nonconformities.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<NcRow>,
    pub open_count: usize,
    pub may_raise: bool,
    /// (key, label) of the sources a person raises by hand.
    pub sources: Vec<(String, String)>,
    /// (user id, name).
    pub people: Vec<(String, String)>,
    pub missed: Vec<MissedRow>,
    pub default_due: String,
    pub tried: Tried,
}

/// `nonconformity.html`.
#[derive(Template)]
#[template(path = "nonconformity.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub id: String,
    pub number: String,
    pub source: String,
    /// (href, label) of the record it came from ("" href: no link for this reader).
    pub origin: Option<(String, String)>,
    pub control: String,
    pub control_title: String,
    pub state: String,
    pub state_label: String,
    pub text: String,
    pub owner: String,
    pub due: String,
    pub correction: String,
    pub root_cause: String,
    pub action: String,
    pub effectiveness: String,
    pub acted_line: String,
    pub checked_line: String,
    pub may_act: bool,
    pub may_check: bool,
    /// The person who acted may not check: say so instead of a form.
    pub acted_by_me: bool,
    pub tried: Tried,
}
