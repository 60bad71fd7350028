//! The imported regulation (管理策規程): versions, their controls, staged uploads awaiting
//! confirmation, and the organisation's dictionary additions.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_i64, fetch_optional};

/// One imported version of an organisation's regulation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegulationVersionRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// 1, 2, … per organisation.
    pub version_no: i64,
    /// 文書番号.
    pub doc_number: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// 版数.
    pub edition: Option<String>,
    /// 制定／改訂日.
    pub doc_date: Option<String>,
    /// Uploaded file name.
    pub source_name: String,
    /// SHA-256 of the source text.
    pub source_sha256: String,
    /// Login ID of the importer.
    pub imported_by: String,
    /// When.
    pub imported_at: i64,
    /// Parser diagnostics (JSON array).
    pub diagnostics_json: String,
}

/// One control of a version.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegulationControlRow {
    /// Organisation.
    pub org_id: String,
    /// Version.
    pub version_id: String,
    /// Annex A id.
    pub control_id: String,
    /// Order in the document.
    pub position: i64,
    /// Title.
    pub title: String,
    /// 1 when applicable.
    pub applicable: i64,
    /// The parsed control (JSON).
    pub data_json: String,
}

/// A staged upload.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StagingRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Uploader.
    pub user_id: String,
    /// File name.
    pub file_name: String,
    /// SHA-256 of the content.
    pub sha256: String,
    /// Decoded text.
    pub content: String,
    /// When.
    pub created_at: i64,
}

/// A dictionary entry of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DictionaryRow {
    /// Organisation.
    pub org_id: String,
    /// `role` or `system`.
    pub kind: String,
    /// Canonical name.
    pub canonical: String,
    /// Aliases (JSON array).
    pub aliases_json: String,
}

const REGV_COLS: &str = "id, org_id, version_no, doc_number, title, edition, doc_date, source_name, source_sha256, imported_by, imported_at, diagnostics_json";

/// The highest version number of an organisation (0 when none).
pub async fn max_regulation_version(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COALESCE(MAX(version_no), 0) FROM regulation_version WHERE org_id = $1", org_id)?)
}

/// Inserts a version.
pub async fn insert_regulation_version(ex: &mut Ex<'_>, v: &RegulationVersionRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO regulation_version (",
            REGV_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ]),
        &v.id,
        &v.org_id,
        v.version_no,
        &v.doc_number,
        &v.title,
        &v.edition,
        &v.doc_date,
        &v.source_name,
        &v.source_sha256,
        &v.imported_by,
        v.imported_at,
        &v.diagnostics_json
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Inserts a control of a version.
pub async fn insert_regulation_control(ex: &mut Ex<'_>, c: &RegulationControlRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO regulation_control (org_id, version_id, control_id, position, title, applicable, data_json) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &c.org_id,
        &c.version_id,
        &c.control_id,
        c.position,
        &c.title,
        c.applicable,
        &c.data_json
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Versions of an organisation, newest first.
pub async fn list_regulation_versions(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<RegulationVersionRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RegulationVersionRow,
        sql(&["SELECT ", REGV_COLS, " FROM regulation_version WHERE org_id = $1 ORDER BY version_no DESC"]),
        org_id
    )?)
}

/// Controls of a version in document order.
pub async fn regulation_controls(
    ex: &mut Ex<'_>,
    org_id: &str,
    version_id: &str,
) -> Result<Vec<RegulationControlRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RegulationControlRow,
        "SELECT org_id, version_id, control_id, position, title, applicable, data_json FROM regulation_control \
         WHERE org_id = $1 AND version_id = $2 ORDER BY position",
        org_id,
        version_id
    )?)
}

/// Stages an upload.
pub async fn insert_staging(ex: &mut Ex<'_>, s: &StagingRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO regulation_staging (id, org_id, user_id, file_name, sha256, content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &s.id,
        &s.org_id,
        &s.user_id,
        &s.file_name,
        &s.sha256,
        &s.content,
        s.created_at
    )?;
    Ok(())
}

/// A staged upload of a user.
pub async fn staging(ex: &mut Ex<'_>, org_id: &str, user_id: &str, id: &str) -> Result<Option<StagingRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        StagingRow,
        "SELECT id, org_id, user_id, file_name, sha256, content, created_at FROM regulation_staging WHERE org_id = $1 AND user_id = $2 AND id = $3",
        org_id,
        user_id,
        id
    )?)
}

/// Removes a staged upload and those older than `before`.
pub async fn delete_staging(ex: &mut Ex<'_>, org_id: &str, id: &str, before: i64) -> Result<(), StoreError> {
    exec!(ex, "DELETE FROM regulation_staging WHERE org_id = $1 AND (id = $2 OR created_at < $3)", org_id, id, before)?;
    Ok(())
}

/// The organisation's dictionary additions.
pub async fn org_dictionary(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<DictionaryRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        DictionaryRow,
        "SELECT org_id, kind, canonical, aliases_json FROM org_dictionary WHERE org_id = $1 ORDER BY kind, canonical",
        org_id
    )?)
}

/// Adds or replaces a dictionary entry.
pub async fn upsert_dictionary(ex: &mut Ex<'_>, d: &DictionaryRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO org_dictionary (org_id, kind, canonical, aliases_json) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, kind, canonical) DO UPDATE SET aliases_json = $4",
        &d.org_id,
        &d.kind,
        &d.canonical,
        &d.aliases_json
    )?;
    Ok(())
}
