//! The template of わたしの ISMS.

use crate::views::Layout;
use askama::Template;

/// A pledge on the page.
pub struct PledgeItem {
    pub kind: String,
    pub title: String,
    pub edition: String,
    pub standing: String,
    /// Still to sign (never signed, or an earlier version).
    pub to_sign: bool,
    /// The latest signature's id (its certificate), if any.
    pub signature_id: String,
    pub signed_on: String,
}

/// A link with its text and a note (a due date, a state).
pub struct Item {
    pub href: String,
    pub text: String,
    pub note: String,
    pub late: bool,
}

/// `me.html`.
#[derive(Template)]
#[template(path = "me.html")]
pub struct MePage {
    pub layout: Layout,
    /// Their name in the directory ("" when the login is not linked).
    pub name: String,
    pub signed_now: bool,
    pub pledges: Vec<PledgeItem>,
    pub acknowledgements: Vec<Item>,
    pub duties: Vec<Item>,
    pub requests: Vec<Item>,
    pub trainings: Vec<Item>,
    pub may_duties: bool,
    pub may_requests: bool,
}
