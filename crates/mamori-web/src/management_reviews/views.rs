//! Templates of the management review pages.

use crate::views::{Layout, Tried};
use askama::Template;

/// One review of the list.
pub struct ReviewRow {
    pub id: String,
    pub number: i64,
    pub held_on: String,
    pub state: String,
    pub state_label: String,
}

/// `management_reviews.html`.
#[derive(Template)]
#[template(path = "management_reviews.html")]
pub struct ListPage {
    pub layout: Layout,
    pub reviews: Vec<ReviewRow>,
    pub may_prepare: bool,
    pub default_day: String,
    pub tried: Tried,
}

/// One input item with a link to its source.
pub struct ItemRow {
    pub text: String,
    pub href: String,
}

/// One input of 9.3.2.
pub struct InputView {
    pub letter: String,
    pub caption: String,
    pub items: Vec<ItemRow>,
    /// The items as the text to edit (one per line).
    pub text: String,
}

/// One action of the outputs (also the blank rows to add one).
#[derive(Default)]
pub struct ActionRow {
    pub text: String,
    pub owner_id: String,
    pub owner: String,
    pub due: String,
    /// Problems of a refused form, by field.
    pub text_error: String,
    pub owner_error: String,
    pub due_error: String,
}

/// `management_review.html`.
#[derive(Template)]
#[template(path = "management_review.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub id: String,
    pub number: i64,
    pub held_on: String,
    pub state: String,
    pub state_label: String,
    pub inputs: Vec<InputView>,
    pub decisions: String,
    pub actions: Vec<ActionRow>,
    /// Rows of the outputs form: the actions and blank rows.
    pub action_rows: Vec<ActionRow>,
    /// (user id, name).
    pub people: Vec<(String, String)>,
    pub approved_line: String,
    pub may_edit: bool,
    pub may_approve: bool,
    pub tried: Tried,
}
