//! Templates of the internal audit pages.

use crate::views::{Layout, Tried};
use askama::Template;

/// One audit of the list.
pub struct AuditRow {
    pub id: String,
    pub number: i64,
    pub title: String,
    pub planned_on: String,
    pub scope: String,
    pub auditors: String,
    pub state: String,
    pub state_label: String,
}

/// `internal_audits.html`.
#[derive(Template)]
#[template(path = "internal_audits.html")]
pub struct ListPage {
    pub layout: Layout,
    pub audits: Vec<AuditRow>,
    pub may_plan: bool,
    /// (control id, title) of the current regulation.
    pub controls: Vec<(String, String)>,
    /// (login ID, name).
    pub people: Vec<(String, String)>,
    /// Why the auditors are not independent, one line per conflict.
    pub conflicts: Vec<String>,
    pub tried: Tried,
}

/// One checklist line.
pub struct CheckRow {
    pub control: String,
    pub item: String,
    pub source: String,
    /// Whether the control is in the scope (an ISMS clause has no samples).
    pub sampled: bool,
}

/// One finding.
pub struct FindingRow {
    pub control: String,
    pub grade: String,
    pub grade_label: String,
    pub text: String,
    pub nc_id: String,
    pub nc_number: String,
}

/// One record offered as a sample.
pub struct SampleRow {
    pub kind: String,
    pub href: String,
    pub title: String,
    pub when: String,
}

/// `internal_audit.html`.
#[derive(Template)]
#[template(path = "internal_audit.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub id: String,
    pub number: i64,
    pub title: String,
    pub planned_on: String,
    /// (control id, title).
    pub scope: Vec<(String, String)>,
    pub auditors: String,
    pub state: String,
    pub state_label: String,
    pub checklist: Vec<CheckRow>,
    pub findings: Vec<FindingRow>,
    pub report: String,
    pub approved_line: String,
    pub is_auditor: bool,
    pub may_approve: bool,
    /// Why approval is not offered to a top manager who audited.
    pub approve_blocked: bool,
    /// (key, label).
    pub grades: Vec<(String, String)>,
    pub default_due: String,
    /// The control whose samples are shown, and the samples.
    pub sample_control: String,
    pub samples: Vec<SampleRow>,
    pub tried: Tried,
}
