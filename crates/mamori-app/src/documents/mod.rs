//! Controlled documents (7.5, 5.1, 5.37), the Statement of Applicability and staff
//! acknowledgement (5.1 III (4), 6.3).
//!
//! Every version is draft → approved → superseded. Drafts may be edited by holders of
//! `documents.edit`; everyone who wrote to a draft is recorded and none of them may approve it
//! (5.3); the approver must hold the document's approver role. Approved versions are never
//! changed: an edit after approval starts a new draft.
//!
//! `versions` writes documents and drafts (also the draft each regulation import becomes),
//! `approval` approves, publishes and collects acknowledgements, `tables` builds the export
//! tables (改訂履歴, 文書一覧). The SoA derived from the regulation is [`crate::soa`]; its
//! functions are re-exported here under their former paths.

pub(crate) mod approval;
mod named;
mod tables;
mod versions;

pub use crate::export::{render_export, render_export_async};
pub use crate::soa::{
    RowEdit, SoaView, facts, regulation_for_soa, soa, soa_approve, soa_edit_row, soa_fill_missing, soa_table,
};
pub(crate) use approval::pending_of_user;
pub use approval::{AckCount, Pending, ack_counts, ack_status, acknowledge, approve, pending_for, publish};
pub use named::{NamedDocument, named_documents};
pub use tables::{history_table, list_table};
pub use versions::{DOCUMENT_FILE_TYPES, NewDocument, create, regulation_imported, save_draft, save_file};
pub(crate) use versions::{Placement, insert_document, insert_document_under, write_draft};

use crate::error::internal;
use crate::{Actor, AppError};
pub use mamori_domain::document::Approval;
use mamori_domain::document::{ApprovalRefusal, VersionStatus};
use mamori_domain::permission::Permission;
use mamori_store::rows::{self, DocVersionRow, DocumentRow};
use mamori_store::{Db, Tx};

/// The confidentiality label of ISMS documents (5.13).
pub const DEFAULT_LABEL: &str = "社外秘";

/// 版数 of version `n`: 初版, 第2版, …
pub fn edition_of(n: i64) -> String {
    if n <= 1 { "初版".to_string() } else { format!("第{n}版") }
}

fn actor_id(actor: &Actor) -> String {
    actor.user_id.clone().unwrap_or_else(|| actor.label.clone())
}

pub(crate) fn contributors(v: &DocVersionRow) -> Vec<String> {
    serde_json::from_str(&v.contributors_json).unwrap_or_default()
}

/// The roles that must each approve a document: its `approver_roles_json`, else its one
/// `approver_role`.
pub fn required_roles(doc: &DocumentRow) -> Vec<String> {
    doc.approver_roles_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<Vec<String>>(j).ok())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| vec![doc.approver_role.clone()])
}

/// The approvals recorded on a version so far (joint approval).
pub fn approvals_of(v: &DocVersionRow) -> Vec<Approval> {
    v.approvals_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
}

/// Why an approval was refused, as an application error.
fn refused(r: ApprovalRefusal) -> AppError {
    match r {
        ApprovalRefusal::OwnVersion => AppError::SeparationOfDuties,
        ApprovalRefusal::AlreadyApproved => {
            AppError::Validation(vec![("approval".into(), "doc-already-approved-by-you".into())])
        }
        ApprovalRefusal::WrongRole(_) => AppError::Forbidden,
        ApprovalRefusal::NotDraft => AppError::Conflict,
        ApprovalRefusal::Blocked(m) => AppError::Blocked(m),
    }
}

async fn role_keys(tx: &mut Tx, org_id: &str, user_id: &str) -> Result<Vec<String>, AppError> {
    Ok(rows::user_roles(&mut tx.ex(), org_id, user_id).await?.into_iter().map(|r| r.key).collect())
}

/// A document with its versions (newest first).
#[derive(Debug, Clone)]
pub struct DocDetail {
    /// The document.
    pub doc: DocumentRow,
    /// Versions, newest first.
    pub versions: Vec<DocVersionRow>,
}

impl DocDetail {
    /// The version in force.
    pub fn approved(&self) -> Option<&DocVersionRow> {
        self.versions.iter().find(|v| v.status == VersionStatus::Approved.key())
    }
    /// The open draft.
    pub fn draft(&self) -> Option<&DocVersionRow> {
        self.versions.iter().find(|v| v.status == VersionStatus::Draft.key())
    }
}

/// Lists the organisation's documents with their versions (two queries).
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<DocDetail>, AppError> {
    actor.require(Permission::DocumentsView)?;
    let mut c = db.conn().await?;
    let docs = rows::list_documents(&mut c.ex(), &actor.org_id).await?;
    let versions = rows::all_doc_versions(&mut c.ex(), &actor.org_id).await?;
    Ok(docs
        .into_iter()
        .map(|d| {
            let vs = versions.iter().filter(|v| v.document_id == d.id).cloned().collect();
            DocDetail { doc: d, versions: vs }
        })
        .collect())
}

/// One document.
pub async fn get(db: &Db, actor: &Actor, id: &str) -> Result<DocDetail, AppError> {
    actor.require(Permission::DocumentsView)?;
    let mut c = db.conn().await?;
    let doc = rows::document(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)?;
    let versions = rows::doc_versions(&mut c.ex(), &actor.org_id, id).await?;
    Ok(DocDetail { doc, versions })
}
