//! Controlled documents: documents, their versions (draft → approved → superseded), publication
//! and acknowledgements.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_optional};

/// A controlled document.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DocumentRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// regulation, soa, policy, manual, external.
    pub kind: String,
    /// 文書番号.
    pub doc_number: String,
    /// Title.
    pub title: String,
    /// Issuer of an external document.
    pub issuer: Option<String>,
    /// Role key that approves.
    pub approver_role: String,
    /// 社外秘 / 極秘.
    pub confidentiality: String,
    /// Created.
    pub created_at: i64,
    /// Roles that must each approve (JSON array of role keys); `None`: `approver_role` alone.
    pub approver_roles_json: Option<String>,
    /// The document this one belongs to (a named document → the regulation).
    pub parent_id: Option<String>,
}

/// A version of a document.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DocVersionRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Document.
    pub document_id: String,
    /// 1, 2, …
    pub version_no: i64,
    /// 版数 as written (初版, 第2版…).
    pub edition: String,
    /// draft, approved, superseded.
    pub status: String,
    /// Author user id (or `cli`).
    pub author_id: String,
    /// Author label.
    pub author_label: String,
    /// Everyone who wrote to this draft (JSON array of user ids).
    pub contributors_json: String,
    /// Approver.
    pub approver_id: Option<String>,
    /// Approver label.
    pub approver_label: Option<String>,
    /// When approved.
    pub approved_at: Option<i64>,
    /// 制定日.
    pub enacted_date: Option<String>,
    /// 改訂日.
    pub revised_date: Option<String>,
    /// 改訂内容.
    pub change_summary: String,
    /// Content (text or JSON by kind).
    pub body: String,
    /// When published for acknowledgement.
    pub published_at: Option<i64>,
    /// Audience: JSON array of role keys, or `["*"]` for everyone.
    pub audience_json: Option<String>,
    /// Created.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
    /// Approvals recorded so far (JSON `[{role, user_id, label, at}]`), for joint approval.
    pub approvals_json: Option<String>,
    /// SHA-256 of the evidence-store file holding the content (docx, xlsx, PDF).
    pub file_sha256: Option<String>,
    /// Its file name.
    pub file_name: Option<String>,
    /// Its content type.
    pub file_type: Option<String>,
}

const DOC_COLS: &str = "id, org_id, kind, doc_number, title, issuer, approver_role, confidentiality, created_at, approver_roles_json, parent_id";
const DOCV_COLS: &str = "id, org_id, document_id, version_no, edition, status, author_id, author_label, contributors_json, approver_id, approver_label, approved_at, enacted_date, revised_date, change_summary, body, published_at, audience_json, created_at, updated_at, approvals_json, file_sha256, file_name, file_type";

/// Inserts a document.
pub async fn insert_document(ex: &mut Ex<'_>, d: &DocumentRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO document (", DOC_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"]),
        &d.id,
        &d.org_id,
        &d.kind,
        &d.doc_number,
        &d.title,
        &d.issuer,
        &d.approver_role,
        &d.confidentiality,
        d.created_at,
        &d.approver_roles_json,
        &d.parent_id
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// The organisation's documents by number.
pub async fn list_documents(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<DocumentRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        DocumentRow,
        sql(&["SELECT ", DOC_COLS, " FROM document WHERE org_id = $1 ORDER BY kind, doc_number"]),
        org_id
    )?)
}

/// A document by id.
pub async fn document(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<DocumentRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        DocumentRow,
        sql(&["SELECT ", DOC_COLS, " FROM document WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// The first document of a kind (the regulation and the SoA are one per organisation).
pub async fn document_of_kind(ex: &mut Ex<'_>, org_id: &str, kind: &str) -> Result<Option<DocumentRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        DocumentRow,
        sql(&["SELECT ", DOC_COLS, " FROM document WHERE org_id = $1 AND kind = $2 ORDER BY created_at LIMIT 1"]),
        org_id,
        kind
    )?)
}

/// Inserts a version.
pub async fn insert_doc_version(ex: &mut Ex<'_>, v: &DocVersionRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO document_version (",
            DOCV_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)"
        ]),
        &v.id,
        &v.org_id,
        &v.document_id,
        v.version_no,
        &v.edition,
        &v.status,
        &v.author_id,
        &v.author_label,
        &v.contributors_json,
        &v.approver_id,
        &v.approver_label,
        v.approved_at,
        &v.enacted_date,
        &v.revised_date,
        &v.change_summary,
        &v.body,
        v.published_at,
        &v.audience_json,
        v.created_at,
        v.updated_at,
        &v.approvals_json,
        &v.file_sha256,
        &v.file_name,
        &v.file_type
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Versions of a document, newest first.
pub async fn doc_versions(ex: &mut Ex<'_>, org_id: &str, document_id: &str) -> Result<Vec<DocVersionRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        DocVersionRow,
        sql(&[
            "SELECT ",
            DOCV_COLS,
            " FROM document_version WHERE org_id = $1 AND document_id = $2 ORDER BY version_no DESC"
        ]),
        org_id,
        document_id
    )?)
}

/// Every version of the organisation (list pages; one query).
pub async fn all_doc_versions(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<DocVersionRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        DocVersionRow,
        sql(&["SELECT ", DOCV_COLS, " FROM document_version WHERE org_id = $1 ORDER BY document_id, version_no DESC"]),
        org_id
    )?)
}

/// Updates a draft's content (text; a file it held and approvals recorded on it are dropped);
/// returns rows changed (0 when it is no longer a draft).
pub async fn update_draft(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
    body: &str,
    change_summary: &str,
    contributors_json: &str,
    now: i64,
) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE document_version SET body = $1, change_summary = $2, contributors_json = $3, updated_at = $4, \
         approvals_json = NULL, file_sha256 = NULL, file_name = NULL, file_type = NULL \
         WHERE org_id = $5 AND id = $6 AND status = 'draft'",
        body,
        change_summary,
        contributors_json,
        now,
        org_id,
        id
    )?)
}

/// Records a partial (joint) approval on a draft; returns rows changed (0 when it is no longer
/// a draft or another approval came first).
pub async fn set_doc_version_approvals(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
    before: Option<&str>,
    approvals_json: &str,
    now: i64,
) -> Result<u64, StoreError> {
    Ok(match before {
        Some(b) => exec!(
            ex,
            "UPDATE document_version SET approvals_json = $1, updated_at = $2 \
             WHERE org_id = $3 AND id = $4 AND status = 'draft' AND approvals_json = $5",
            approvals_json,
            now,
            org_id,
            id,
            b
        )?,
        None => exec!(
            ex,
            "UPDATE document_version SET approvals_json = $1, updated_at = $2 \
             WHERE org_id = $3 AND id = $4 AND status = 'draft' AND approvals_json IS NULL",
            approvals_json,
            now,
            org_id,
            id
        )?,
    })
}

/// Sets a draft's content to a stored file (or back to text with `None`), with its summary and
/// contributors; returns rows changed (0 when it is no longer a draft).
#[allow(clippy::too_many_arguments)]
pub async fn update_draft_file(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
    file: Option<(&str, &str, &str)>,
    change_summary: &str,
    contributors_json: &str,
    now: i64,
) -> Result<u64, StoreError> {
    let (sha, name, ty) = match file {
        Some((s, n, t)) => (Some(s), Some(n), Some(t)),
        None => (None, None, None),
    };
    Ok(exec!(
        ex,
        "UPDATE document_version SET file_sha256 = $1, file_name = $2, file_type = $3, change_summary = $4, \
         contributors_json = $5, approvals_json = NULL, updated_at = $6 WHERE org_id = $7 AND id = $8 AND status = 'draft'",
        sha,
        name,
        ty,
        change_summary,
        contributors_json,
        now,
        org_id,
        id
    )?)
}

/// Versions of the organisation whose content is the file `sha256` (who may read evidence).
pub async fn doc_versions_with_file(
    ex: &mut Ex<'_>,
    org_id: &str,
    sha256: &str,
) -> Result<Vec<DocVersionRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        DocVersionRow,
        sql(&["SELECT ", DOCV_COLS, " FROM document_version WHERE org_id = $1 AND file_sha256 = $2"]),
        org_id,
        sha256
    )?)
}

/// Sets a version's status (approval fields when approving).
#[allow(clippy::too_many_arguments)]
pub async fn set_doc_version_status(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
    status: &str,
    approver: Option<(&str, &str)>,
    approved_at: Option<i64>,
    revised_date: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    match approver {
        Some((aid, label)) => exec!(
            ex,
            "UPDATE document_version SET status = $1, approver_id = $2, approver_label = $3, approved_at = $4, \
             revised_date = COALESCE($5, revised_date), enacted_date = COALESCE(enacted_date, $5), updated_at = $6 WHERE org_id = $7 AND id = $8",
            status,
            aid,
            label,
            approved_at,
            revised_date,
            now,
            org_id,
            id
        )?,
        None => exec!(
            ex,
            "UPDATE document_version SET status = $1, updated_at = $2 WHERE org_id = $3 AND id = $4",
            status,
            now,
            org_id,
            id
        )?,
    };
    Ok(())
}

/// Publishes a version to an audience.
pub async fn publish_doc_version(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
    audience_json: &str,
    now: i64,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE document_version SET published_at = $1, audience_json = $2, updated_at = $1 WHERE org_id = $3 AND id = $4",
        now,
        audience_json,
        org_id,
        id
    )?;
    Ok(())
}

/// Records an acknowledgement (once per person and version).
pub async fn insert_ack(
    ex: &mut Ex<'_>,
    org_id: &str,
    version_id: &str,
    user_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO document_ack (org_id, version_id, user_id, acknowledged_at) VALUES ($1, $2, $3, $4)",
        org_id,
        version_id,
        user_id,
        now
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// An acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AckRow {
    /// Version.
    pub version_id: String,
    /// User.
    pub user_id: String,
    /// When.
    pub acknowledged_at: i64,
}

/// Acknowledgements of the organisation.
pub async fn acks(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<AckRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AckRow,
        "SELECT version_id, user_id, acknowledged_at FROM document_ack WHERE org_id = $1",
        org_id
    )?)
}
