//! Template of the objectives page.

use crate::views::{Layout, Tried};
use askama::Template;

/// One measurement (template data).
pub struct MeasurementLine {
    pub measured_on: String,
    pub value: String,
    pub note: String,
    pub recorded_by: String,
}

/// One objective (template data).
pub struct ObjectiveLine {
    pub id: String,
    pub number: String,
    pub title: String,
    pub measure: String,
    /// 「≥ 90%」.
    pub target: String,
    pub owner: String,
    pub due_on: String,
    /// 「8%（2026-01-05）」 or empty.
    pub latest: String,
    /// met, not_met, not_measured (CSS class only).
    pub status_class: String,
    pub status: String,
    pub computed: bool,
    pub history: Vec<MeasurementLine>,
    /// The record-a-measurement form of this objective.
    pub form: Tried,
}

/// A context document (template data): (link, 「ISMS-CTX-01 … 初版（承認済み）」).
pub struct ContextDoc {
    pub href: String,
    pub label: String,
}

/// The `objectives.html` template.
#[derive(Template)]
#[template(path = "objectives.html")]
pub struct ObjectivesPage {
    pub layout: Layout,
    pub objectives: Vec<ObjectiveLine>,
    pub may_manage: bool,
    pub may_edit_documents: bool,
    pub context_docs: Vec<ContextDoc>,
    /// (id, name) of possible owners.
    pub people: Vec<(String, String)>,
    /// (key, label) of the computed measures.
    pub metrics: Vec<(String, String)>,
    /// The add-an-objective form.
    pub form: Tried,
    pub today: String,
}
