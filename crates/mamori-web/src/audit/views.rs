//! Templates of the audit log.

use super::describe::{Vocabulary, object_kind};
use crate::i18n::Tr;
use crate::views::{Layout, Tried};
use askama::Template;
use mamori_app::users::name_of;

/// One audit row for display.
pub struct AuditRowView {
    /// Seq.
    pub seq: i64,
    /// Time (Asia/Tokyo).
    pub at: String,
    /// Who, by name.
    pub actor: String,
    /// Action label.
    pub action: String,
    /// Which record: its kind and title.
    pub object: String,
    /// What changed (or was recorded), field by field in words.
    pub detail: String,
    /// The log narrowed to this row's record.
    pub history: Option<String>,
}

/// The filter's choices, each as (value, label), labels in the reader's language.
pub struct FilterChoices {
    /// People (user id, name).
    pub people: Vec<(String, String)>,
    /// Record kinds found in the trail.
    pub kinds: Vec<(String, String)>,
    /// Actions found in the trail.
    pub actions: Vec<(String, String)>,
}

impl FilterChoices {
    /// The choices from the organisation's people and the (kind, action) pairs of its trail.
    pub fn new(t: &Tr, words: &Vocabulary, pairs: &[(String, String)]) -> FilterChoices {
        let mut kinds: Vec<(String, String)> = Vec::new();
        let mut actions: Vec<(String, String)> = Vec::new();
        for (kind, action) in pairs {
            if !kinds.iter().any(|(k, _)| k == kind) {
                kinds.push((kind.clone(), object_kind(t, words, kind)));
            }
            if !actions.iter().any(|(a, _)| a == action) {
                actions.push((action.clone(), t.t(&format!("action-{action}"))));
            }
        }
        kinds.sort_by(|a, b| a.1.cmp(&b.1));
        actions.sort_by(|a, b| a.1.cmp(&b.1));
        let mut people: Vec<(String, String)> =
            words.people.iter().map(|p| (p.id.clone(), name_of(&words.people, &p.id))).collect();
        people.sort_by(|a, b| a.1.cmp(&b.1));
        FilterChoices { people, kinds, actions }
    }
}

/// Audit log page.
#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    /// Layout.
    pub layout: Layout,
    /// Rows.
    pub rows: Vec<AuditRowView>,
    /// Whether the chain verified.
    pub chain_ok: bool,
    /// Verification message.
    pub chain_message: String,
    /// The newest signed checkpoint, if any.
    pub checkpoint: Option<CheckpointView>,
    /// "N 件" when a filter is set.
    pub count: Option<String>,
    /// The record the log is narrowed to, by its kind and title.
    pub record: Option<String>,
    /// The filter's choices.
    pub choices: FilterChoices,
    /// The filter as typed, with its problems.
    pub tried: Tried,
    /// The filter as a query string (`?…`, or empty), for the export links.
    pub query: String,
    /// Link to newer rows.
    pub newer: Option<String>,
    /// Link to older rows.
    pub older: Option<String>,
}

/// The newest signed checkpoint of the chain.
pub struct CheckpointView {
    /// When, up to which entry, which key.
    pub summary: String,
    /// Whether it verified.
    pub ok: bool,
    /// The result of verifying it.
    pub result: String,
}
