//! Evidence files: who stored which content-addressed file (by SHA-256) under which name.

use crate::{Ex, StoreError, exec, fetch_all, fetch_optional};

/// A stored evidence file.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct EvidenceRow {
    /// Organisation.
    pub org_id: String,
    /// SHA-256 (hex) of the content.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// Content type (as checked).
    pub content_type: String,
    /// Name as uploaded.
    pub original_name: String,
    /// Who stored it.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: i64,
}

/// Records an evidence file (a second upload of the same content keeps the first record).
pub async fn insert_evidence(ex: &mut Ex<'_>, e: &EvidenceRow) -> Result<bool, StoreError> {
    Ok(exec!(
        ex,
        "INSERT INTO evidence_file (org_id, sha256, size, content_type, original_name, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, sha256) DO NOTHING",
        &e.org_id,
        &e.sha256,
        e.size,
        &e.content_type,
        &e.original_name,
        &e.uploaded_by,
        e.uploaded_at
    )? == 1)
}

/// An evidence file of an organisation.
pub async fn evidence(ex: &mut Ex<'_>, org_id: &str, sha256: &str) -> Result<Option<EvidenceRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        EvidenceRow,
        "SELECT org_id, sha256, size, content_type, original_name, uploaded_by, uploaded_at FROM evidence_file WHERE org_id = $1 AND sha256 = $2",
        org_id,
        sha256
    )?)
}

/// Hashes of the organisation's evidence files.
pub async fn evidence_hashes(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct H {
        sha256: String,
    }
    Ok(fetch_all!(ex, H, "SELECT sha256 FROM evidence_file WHERE org_id = $1", org_id)?
        .into_iter()
        .map(|h| h.sha256)
        .collect())
}

/// The records of an organisation that name an evidence file (by its SHA-256), one list per
/// capability: what "who may read evidence X" asks each capability about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvidenceRefs {
    /// Requests whose fields or timeline attachments name it.
    pub requests: Vec<String>,
    /// Incidents that took it in as evidence.
    pub incidents: Vec<String>,
    /// Duty completions (occurrence ids) that name it.
    pub duty_occurrences: Vec<String>,
    /// Microsoft 365 imports of this file.
    pub m365_imports: Vec<String>,
}

/// Every non-register record naming `sha256` (register rows: `register_rows_naming`).
pub async fn evidence_refs(ex: &mut Ex<'_>, org_id: &str, sha256: &str) -> Result<EvidenceRefs, StoreError> {
    #[derive(sqlx::FromRow)]
    struct I {
        id: String,
    }
    let ids = |v: Vec<I>| v.into_iter().map(|i| i.id).collect::<Vec<_>>();
    let pattern = format!("%{sha256}%");
    let requests = fetch_all!(
        ex,
        I,
        "SELECT id FROM request WHERE org_id = $1 AND fields_json LIKE $2 \
         UNION SELECT request_id AS id FROM request_event WHERE org_id = $1 AND files_json LIKE $2",
        org_id,
        &pattern
    )?;
    let incidents = fetch_all!(
        ex,
        I,
        "SELECT incident_id AS id FROM incident_evidence WHERE org_id = $1 AND sha256 = $2",
        org_id,
        sha256
    )?;
    let duty_occurrences =
        fetch_all!(ex, I, "SELECT id FROM duty_occurrence WHERE org_id = $1 AND evidence LIKE $2", org_id, &pattern)?;
    let m365_imports =
        fetch_all!(ex, I, "SELECT id FROM m365_import WHERE org_id = $1 AND sha256 = $2", org_id, sha256)?;
    Ok(EvidenceRefs {
        requests: ids(requests),
        incidents: ids(incidents),
        duty_occurrences: ids(duty_occurrences),
        m365_imports: ids(m365_imports),
    })
}
