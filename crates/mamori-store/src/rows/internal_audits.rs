//! Internal audits (9.2): plans, findings, the report and its approval.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_i64, fetch_optional};

/// An internal audit.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct InternalAuditRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Number within the organisation.
    pub number: i64,
    /// Title.
    pub title: String,
    /// Control ids in scope (JSON array).
    pub scope_json: String,
    /// Auditors' user ids (JSON array).
    pub auditors_json: String,
    /// Planned day (`YYYY-MM-DD`).
    pub planned_on: String,
    /// planned, reported, approved.
    pub state: String,
    /// The report's text.
    pub report: Option<String>,
    /// Who approved it (user id).
    pub approved_by: Option<String>,
    /// When.
    pub approved_at: Option<i64>,
    /// Who planned it (user id).
    pub created_by: String,
    /// Optimistic concurrency.
    pub version: i64,
    /// Created.
    pub created_at: i64,
    /// Updated.
    pub updated_at: i64,
}

const IA_COLS: &str = "id, org_id, number, title, scope_json, auditors_json, planned_on, state, report, approved_by, \
                       approved_at, created_by, version, created_at, updated_at";

/// A finding of an internal audit.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct AuditFindingRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The audit.
    pub audit_id: String,
    /// The control.
    pub control_id: String,
    /// major_nc, minor_nc, observation, opportunity.
    pub grade: String,
    /// What was found.
    pub text: String,
    /// The nonconformity raised for a major or minor nonconformity.
    pub nonconformity_id: Option<String>,
    /// Who recorded it (user id).
    pub created_by: String,
    /// When.
    pub created_at: i64,
}

const F_COLS: &str = "id, org_id, audit_id, control_id, grade, text, nonconformity_id, created_by, created_at";

/// The next audit number.
pub async fn next_internal_audit_number(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COALESCE(MAX(number), 0) + 1 FROM internal_audit WHERE org_id = $1", org_id)?)
}

/// Inserts an audit.
pub async fn insert_internal_audit(ex: &mut Ex<'_>, a: &InternalAuditRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO internal_audit (",
            IA_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ]),
        &a.id,
        &a.org_id,
        a.number,
        &a.title,
        &a.scope_json,
        &a.auditors_json,
        &a.planned_on,
        &a.state,
        &a.report,
        &a.approved_by,
        a.approved_at,
        &a.created_by,
        a.version,
        a.created_at,
        a.updated_at
    )?;
    Ok(())
}

/// Writes an audit's state, report and approval (version `a.version - 1` must be current).
pub async fn update_internal_audit(ex: &mut Ex<'_>, a: &InternalAuditRow) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE internal_audit SET state = $1, report = $2, approved_by = $3, approved_at = $4, version = $5, \
         updated_at = $6 WHERE org_id = $7 AND id = $8 AND version = $9",
        &a.state,
        &a.report,
        &a.approved_by,
        a.approved_at,
        a.version,
        a.updated_at,
        &a.org_id,
        &a.id,
        a.version - 1
    )?)
}

/// One audit.
pub async fn internal_audit(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<InternalAuditRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        InternalAuditRow,
        sql(&["SELECT ", IA_COLS, " FROM internal_audit WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// Every audit, newest first.
pub async fn internal_audits(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<InternalAuditRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        InternalAuditRow,
        sql(&["SELECT ", IA_COLS, " FROM internal_audit WHERE org_id = $1 ORDER BY number DESC"]),
        org_id
    )?)
}

/// Inserts a finding.
pub async fn insert_audit_finding(ex: &mut Ex<'_>, f: &AuditFindingRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO internal_audit_finding (", F_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"]),
        &f.id,
        &f.org_id,
        &f.audit_id,
        &f.control_id,
        &f.grade,
        &f.text,
        &f.nonconformity_id,
        &f.created_by,
        f.created_at
    )?;
    Ok(())
}

/// The findings of an audit, in the order recorded.
pub async fn audit_findings(ex: &mut Ex<'_>, org_id: &str, audit_id: &str) -> Result<Vec<AuditFindingRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AuditFindingRow,
        sql(&[
            "SELECT ",
            F_COLS,
            " FROM internal_audit_finding WHERE org_id = $1 AND audit_id = $2 ORDER BY created_at, id"
        ]),
        org_id,
        audit_id
    )?)
}

/// One finding.
pub async fn audit_finding(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<AuditFindingRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        AuditFindingRow,
        sql(&["SELECT ", F_COLS, " FROM internal_audit_finding WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}
