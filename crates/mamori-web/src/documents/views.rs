//! Templates of document control and the SoA.

use crate::views::Layout;
use askama::Template;
use mamori_app::documents;

// ---- SoA ----

/// A soa row view (template data).
pub struct SoaRowView {
    pub id: String,
    pub title: String,
    pub applicable: bool,
    pub missing: bool,
    pub reason_checks: Vec<(String, String, bool)>,
    pub reason_text: String,
    pub reason_display: String,
    pub status_options: Vec<(String, String, bool)>,
    pub status_label: String,
    /// The computed health beside the confirmed 実施状況 (none without `regulation.view`).
    pub health: Option<crate::regulation::health::HealthView>,
    pub documents: Vec<String>,
    pub records: Vec<String>,
    pub duties: i64,
    pub approvals: i64,
    /// A refused edit's problems at the reasons and at the free text (empty: none).
    pub reasons_error: String,
    pub text_error: String,
    /// This row's edit was refused (its values are what was sent).
    pub refused: bool,
}

/// The `soa.html` template.
#[derive(Template)]
#[template(path = "soa.html")]
pub struct SoaPage {
    pub layout: Layout,
    pub v: documents::SoaView,
    pub approved: bool,
    pub missing_count: i64,
    pub can_edit: bool,
    pub reasons: Vec<(String, String)>,
    pub rows: Vec<SoaRowView>,
    /// A refused action's message (empty: none) and the controls it concerns.
    pub refusal: String,
    pub refusal_links: Vec<String>,
}

// ---- documents ----

/// A doc row (template data).
pub struct DocRow {
    pub href: String,
    pub number: String,
    pub title: String,
    pub kind: String,
    pub edition: String,
    pub status: String,
    pub approver: String,
}

/// The `documents.html` template.
#[derive(Template)]
#[template(path = "documents.html")]
pub struct DocumentsPage {
    pub layout: Layout,
    pub docs: Vec<DocRow>,
    pub can_edit: bool,
    pub kinds: Vec<(String, String)>,
}

/// The `document.html` template.
#[derive(Template)]
#[template(path = "document.html")]
pub struct DocumentPage {
    pub layout: Layout,
    pub doc: DocView,
    pub kind: String,
    pub approver_role: String,
    /// 「承認 1/2: 経営責任者 山田」 when a jointly approved draft has some of its approvals.
    pub partial_approval: Option<String>,
    /// Whether the reader holds a role whose approval the draft still needs (the approve button
    /// is shown only then).
    pub may_approve: bool,
    /// The file the draft holds (download path, name).
    pub draft_file: Option<(String, String)>,
    /// The file the version in force holds.
    pub approved_file: Option<(String, String)>,
    /// Why an uploaded file was refused (shown at the file form).
    pub file_error: Option<String>,
    /// The change summary typed with a refused file (kept).
    pub file_summary: String,
    pub is_regulation: bool,
    pub is_soa: bool,
    /// The business-continuity plan kept as data (shown and edited at `/bcp`).
    pub is_bcp: bool,
    pub approved: Option<VersionView>,
    pub approved_body: Vec<String>,
    pub draft: Option<VersionView>,
    pub published: Option<String>,
    pub can_ack: bool,
    pub acked: bool,
    pub can_edit: bool,
    pub ack_rows: Vec<(String, String, Option<String>)>,
    pub roles: Vec<(String, String)>,
    pub changes: Vec<String>,
    pub history: Vec<(String, String, String, String, String)>,
}

/// A document as its page shows it.
pub struct DocView {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Document number.
    pub doc_number: String,
    /// Issuer (external documents).
    pub issuer: Option<String>,
    /// Confidentiality label.
    pub confidentiality: String,
}

/// A version (approved or draft) as the document page shows it.
pub struct VersionView {
    /// Id.
    pub id: String,
    /// 版数.
    pub edition: String,
    /// Author.
    pub author_label: String,
    /// Change summary.
    pub change_summary: String,
    /// Body.
    pub body: String,
    /// When it was published.
    pub published_at: Option<i64>,
}
