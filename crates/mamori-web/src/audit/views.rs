//! Templates of the audit log.

use crate::views::Layout;
use askama::Template;

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
    /// Link to newer rows.
    pub newer: Option<i64>,
    /// Link to older rows.
    pub older: Option<i64>,
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
