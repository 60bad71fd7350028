//! Templates of the business-continuity page.

use crate::views::Layout;
use askama::Template;

/// One value of the plan: its form name, caption, value and problem.
pub struct CellView {
    pub name: String,
    pub label: String,
    pub value: String,
    pub multi: bool,
    pub error: Option<String>,
}

/// One list of the plan (risks, 対策本部 …) with its rows.
pub struct SectionView {
    pub key: String,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<CellView>>,
}

/// The plan as parts: the one-value texts and the lists.
pub struct PlanView {
    pub texts: Vec<CellView>,
    pub sections: Vec<SectionView>,
}

/// One drill or test.
pub struct TestView {
    pub id: String,
    pub href: String,
    pub tested_on: String,
    pub subject: String,
    pub kind: String,
    pub medium: String,
    pub times: String,
    /// `ok`, `warn` or empty.
    pub verdict_class: String,
    pub verdict: String,
    pub result: String,
    pub problems: String,
    /// The corrective action opened: (href, NC-number).
    pub corrective: Option<(String, String)>,
    /// Whether the reader may open one for it.
    pub may_raise: bool,
    /// A refused opening's message.
    pub error: Option<String>,
    /// The owner and due date typed (kept after a refusal).
    pub owner: String,
    pub due: String,
}

/// `bcp.html`.
#[derive(Template)]
#[template(path = "bcp.html")]
pub struct BcpPage {
    pub layout: Layout,
    pub title: String,
    /// 文書番号 · 版数 of the version in force (empty when none).
    pub current: String,
    pub doc_href: String,
    /// Who approved the version in force: 「経営責任者 山田 2026-04-01」.
    pub approved_by: Vec<String>,
    /// The plan in force (read-only).
    pub approved: Option<PlanView>,
    /// The draft waiting for approval: its edition and the approvals so far.
    pub draft_edition: String,
    pub partial_approval: Option<String>,
    pub approver_roles: String,
    pub may_approve: bool,
    /// Why an author may not approve yet.
    pub approve_note: Option<String>,
    pub draft_summary: String,
    pub draft_author: String,
    pub approve_error: Option<String>,
    pub may_print: bool,
    /// The edit form (for `documents.edit`).
    pub can_edit: bool,
    pub form: PlanView,
    pub change_summary: String,
    pub summary_error: Option<String>,
    pub form_error: Option<String>,
    /// Drills and tests.
    pub may_read_tests: bool,
    pub may_record_test: bool,
    pub tests: Vec<TestView>,
    /// People to own a corrective action: (id, name).
    pub people: Vec<(String, String)>,
}
