//! Templates of the pledge pages.

use crate::views::{Layout, Tried};
use askama::Template;

/// One pledge document, as shown.
pub struct DocRow {
    pub kind: String,
    pub title: String,
    pub doc_id: String,
    /// The 版数 in force ("" when none).
    pub edition: String,
    /// Whether a draft is open.
    pub draft: bool,
}

/// One person still to sign.
pub struct OutRow {
    pub person_id: String,
    pub name: String,
    pub department: String,
    pub pledge: String,
    pub standing: String,
}

/// `pledges.html`.
#[derive(Template)]
#[template(path = "pledges.html")]
pub struct OverviewPage {
    pub layout: Layout,
    pub docs: Vec<DocRow>,
    /// (kind key, label) of the pledges without a document.
    pub missing: Vec<(String, String)>,
    pub may_prepare: bool,
    pub outstanding: Vec<OutRow>,
    pub may_manage: bool,
    /// Each published version in force: (document id, number and title, 版数, acknowledged,
    /// audience).
    pub acks: Vec<(String, String, String, usize, usize)>,
}

/// `pledge_sign.html`.
#[derive(Template)]
#[template(path = "pledge_sign.html")]
pub struct SignPage {
    pub layout: Layout,
    pub kind: String,
    pub title: String,
    pub edition: String,
    /// The text to read ("" when the content is a file).
    pub body: String,
    /// The file's name when the content is a file.
    pub file_name: String,
    pub doc_id: String,
    /// `missing`, `outdated`, `signed` or `no_document`.
    pub standing: String,
    pub standing_label: String,
    pub person_name: String,
    pub tried: Tried,
}
