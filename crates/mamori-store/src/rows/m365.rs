//! Microsoft 365 records besides the events: imported files, accounts, detection findings and the
//! yearly access review decisions.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all};

/// An imported file.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct M365ImportRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// File name as given.
    pub file_name: String,
    /// Format key.
    pub format: String,
    /// SHA-256 of the file (kept in the evidence store).
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// Records read.
    pub read_count: i64,
    /// New records stored.
    pub new_count: i64,
    /// Records already stored.
    pub duplicate_count: i64,
    /// Rejected rows.
    pub rejected_count: i64,
    /// The first rejected rows: `[{line, reason}]`.
    pub rejected_json: String,
    /// Who imported it.
    pub imported_by: String,
    /// When.
    pub imported_at: i64,
}

/// Records an import.
pub async fn insert_m365_import(ex: &mut Ex<'_>, r: &M365ImportRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO m365_import (id, org_id, file_name, format, sha256, size, read_count, new_count, duplicate_count, rejected_count, rejected_json, imported_by, imported_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        &r.id,
        &r.org_id,
        &r.file_name,
        &r.format,
        &r.sha256,
        r.size,
        r.read_count,
        r.new_count,
        r.duplicate_count,
        r.rejected_count,
        &r.rejected_json,
        &r.imported_by,
        r.imported_at
    )?;
    Ok(())
}

/// The organisation's imports, newest first.
pub async fn m365_imports(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<M365ImportRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        M365ImportRow,
        "SELECT id, org_id, file_name, format, sha256, size, read_count, new_count, duplicate_count, rejected_count, rejected_json, imported_by, imported_at \
         FROM m365_import WHERE org_id = $1 ORDER BY imported_at DESC, id",
        org_id
    )?)
}

/// An account of the latest admin center export.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct M365AccountRow {
    /// Organisation.
    pub org_id: String,
    /// UPN.
    pub upn: String,
    /// Display name.
    pub display_name: String,
    /// 1 when sign-in is blocked.
    pub blocked: i64,
    /// Licences.
    pub licenses: String,
    /// Created.
    pub created: String,
    /// Soft-deleted at.
    pub deleted: String,
    /// Import.
    pub import_id: String,
}

/// Inserts or replaces an account (the newest export wins).
pub async fn upsert_m365_account(ex: &mut Ex<'_>, a: &M365AccountRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO m365_account (org_id, upn, display_name, blocked, licenses, created, deleted, import_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (org_id, upn) DO UPDATE SET display_name = $3, blocked = $4, licenses = $5, created = $6, deleted = $7, import_id = $8",
        &a.org_id,
        &a.upn,
        &a.display_name,
        a.blocked,
        &a.licenses,
        &a.created,
        &a.deleted,
        &a.import_id
    )?;
    Ok(())
}

/// The accounts of the latest export.
pub async fn m365_accounts(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<M365AccountRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        M365AccountRow,
        "SELECT org_id, upn, display_name, blocked, licenses, created, deleted, import_id FROM m365_account WHERE org_id = $1 ORDER BY upn",
        org_id
    )?)
}

/// A finding of a Microsoft 365 detection.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct M365FindingRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Rule key.
    pub rule: String,
    /// User (or IP for a spray).
    pub subject: String,
    /// First event.
    pub first_seen: String,
    /// Last event.
    pub last_seen: String,
    /// Events.
    pub event_count: i64,
    /// Event ids (JSON array).
    pub event_ids_json: String,
    /// new, confirmed, dismissed.
    pub state: String,
    /// Why confirmed or dismissed.
    pub reason: Option<String>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<i64>,
    /// The incident it opened.
    pub incident_id: Option<String>,
    /// Found at.
    pub created_at: i64,
}

const FINDING_COLS: &str = "id, org_id, rule, subject, first_seen, last_seen, event_count, event_ids_json, state, reason, decided_by, decided_at, incident_id, created_at";

/// Records a finding unless the same (rule, subject, first event) exists; true when new.
pub async fn insert_m365_finding(ex: &mut Ex<'_>, f: &M365FindingRow) -> Result<bool, StoreError> {
    Ok(exec!(
        ex,
        sql(&[
            "INSERT INTO m365_finding (",
            FINDING_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (org_id, rule, subject, first_seen) DO NOTHING"
        ]),
        &f.id,
        &f.org_id,
        &f.rule,
        &f.subject,
        &f.first_seen,
        &f.last_seen,
        f.event_count,
        &f.event_ids_json,
        &f.state,
        &f.reason,
        &f.decided_by,
        f.decided_at,
        &f.incident_id,
        f.created_at
    )? == 1)
}

/// The organisation's findings, newest first.
pub async fn m365_findings(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<M365FindingRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        M365FindingRow,
        sql(&["SELECT ", FINDING_COLS, " FROM m365_finding WHERE org_id = $1 ORDER BY first_seen DESC, id"]),
        org_id
    )?)
}

/// Decides a new finding; 0 when it was already decided.
pub async fn decide_m365_finding(ex: &mut Ex<'_>, f: &M365FindingRow) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE m365_finding SET state = $1, reason = $2, decided_by = $3, decided_at = $4, incident_id = $5 \
         WHERE org_id = $6 AND id = $7 AND state = 'new'",
        &f.state,
        &f.reason,
        &f.decided_by,
        f.decided_at,
        &f.incident_id,
        &f.org_id,
        &f.id
    )?)
}

/// A reviewer's decision on an account for a fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct M365ReviewRow {
    /// Organisation.
    pub org_id: String,
    /// Fiscal year.
    pub year: i64,
    /// Account.
    pub upn: String,
    /// keep, disable, delete, register.
    pub decision: String,
    /// Note.
    pub note: String,
    /// The flags when decided.
    pub flags: String,
    /// Reviewer.
    pub decided_by: String,
    /// When.
    pub decided_at: i64,
}

/// Records (or replaces) a decision.
pub async fn upsert_m365_review(ex: &mut Ex<'_>, r: &M365ReviewRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO m365_review_decision (org_id, year, upn, decision, note, flags, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (org_id, year, upn) DO UPDATE SET decision = $4, note = $5, flags = $6, decided_by = $7, decided_at = $8",
        &r.org_id,
        r.year,
        &r.upn,
        &r.decision,
        &r.note,
        &r.flags,
        &r.decided_by,
        r.decided_at
    )?;
    Ok(())
}

/// The decisions of a fiscal year.
pub async fn m365_reviews(ex: &mut Ex<'_>, org_id: &str, year: i64) -> Result<Vec<M365ReviewRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        M365ReviewRow,
        "SELECT org_id, year, upn, decision, note, flags, decided_by, decided_at FROM m365_review_decision WHERE org_id = $1 AND year = $2 ORDER BY upn",
        org_id,
        year
    )?)
}
