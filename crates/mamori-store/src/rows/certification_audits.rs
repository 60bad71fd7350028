//! Certification audits by an external body, their findings, and the certificate.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_i64, fetch_optional};

/// An external audit.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct CertificationAuditRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Number within the organisation.
    pub number: i64,
    /// stage1, stage2, surveillance, recertification.
    pub kind: String,
    /// 審査機関.
    pub body: String,
    /// 主任審査員 (an outsider: free text).
    pub lead_auditor: String,
    /// 審査員 (free text).
    pub auditors: String,
    /// First day (`YYYY-MM-DD`).
    pub starts_on: String,
    /// Last day (`YYYY-MM-DD`).
    pub ends_on: String,
    /// planned, completed.
    pub state: String,
    /// Who recorded it (user id).
    pub created_by: String,
    /// Optimistic concurrency.
    pub version: i64,
    /// Created.
    pub created_at: i64,
    /// Updated.
    pub updated_at: i64,
}

const CA_COLS: &str = "id, org_id, number, kind, body, lead_auditor, auditors, starts_on, ends_on, state, created_by, \
                       version, created_at, updated_at";

/// A finding of an external audit.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct CertificationFindingRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The audit.
    pub audit_id: String,
    /// The body's own reference number.
    pub reference: Option<String>,
    /// The Annex A control it names, if any.
    pub control_id: Option<String>,
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

const CF_COLS: &str =
    "id, org_id, audit_id, reference, control_id, grade, text, nonconformity_id, created_by, created_at";

/// A certificate (認証登録証).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct CertificateRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// 登録番号.
    pub number: String,
    /// 審査機関.
    pub body: String,
    /// 認証範囲.
    pub scope: String,
    /// 発行日 (`YYYY-MM-DD`).
    pub issued_on: String,
    /// 有効期限 (`YYYY-MM-DD`).
    pub expires_on: String,
    /// Who recorded it (user id).
    pub created_by: String,
    /// When.
    pub created_at: i64,
}

const CERT_COLS: &str = "id, org_id, number, body, scope, issued_on, expires_on, created_by, created_at";

/// The next audit number.
pub async fn next_certification_audit_number(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COALESCE(MAX(number), 0) + 1 FROM certification_audit WHERE org_id = $1", org_id)?)
}

/// Inserts an audit.
pub async fn insert_certification_audit(ex: &mut Ex<'_>, a: &CertificationAuditRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO certification_audit (",
            CA_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ]),
        &a.id,
        &a.org_id,
        a.number,
        &a.kind,
        &a.body,
        &a.lead_auditor,
        &a.auditors,
        &a.starts_on,
        &a.ends_on,
        &a.state,
        &a.created_by,
        a.version,
        a.created_at,
        a.updated_at
    )?;
    Ok(())
}

/// Writes an audit's state (version `a.version - 1` must be current).
pub async fn update_certification_audit_state(ex: &mut Ex<'_>, a: &CertificationAuditRow) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE certification_audit SET state = $1, version = $2, updated_at = $3 \
         WHERE org_id = $4 AND id = $5 AND version = $6",
        &a.state,
        a.version,
        a.updated_at,
        &a.org_id,
        &a.id,
        a.version - 1
    )?)
}

/// One audit.
pub async fn certification_audit(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
) -> Result<Option<CertificationAuditRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        CertificationAuditRow,
        sql(&["SELECT ", CA_COLS, " FROM certification_audit WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// Every audit, newest first.
pub async fn certification_audits(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<CertificationAuditRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        CertificationAuditRow,
        sql(&["SELECT ", CA_COLS, " FROM certification_audit WHERE org_id = $1 ORDER BY starts_on DESC, number DESC"]),
        org_id
    )?)
}

/// Inserts a finding.
pub async fn insert_certification_finding(ex: &mut Ex<'_>, f: &CertificationFindingRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO certification_finding (", CF_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"]),
        &f.id,
        &f.org_id,
        &f.audit_id,
        &f.reference,
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
pub async fn certification_findings(
    ex: &mut Ex<'_>,
    org_id: &str,
    audit_id: &str,
) -> Result<Vec<CertificationFindingRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        CertificationFindingRow,
        sql(&[
            "SELECT ",
            CF_COLS,
            " FROM certification_finding WHERE org_id = $1 AND audit_id = $2 ORDER BY created_at, id"
        ]),
        org_id,
        audit_id
    )?)
}

/// Every finding of the organisation, in the order recorded.
pub async fn all_certification_findings(
    ex: &mut Ex<'_>,
    org_id: &str,
) -> Result<Vec<CertificationFindingRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        CertificationFindingRow,
        sql(&["SELECT ", CF_COLS, " FROM certification_finding WHERE org_id = $1 ORDER BY created_at, id"]),
        org_id
    )?)
}

/// Inserts a certificate.
pub async fn insert_certificate(ex: &mut Ex<'_>, c: &CertificateRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO certificate (", CERT_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"]),
        &c.id,
        &c.org_id,
        &c.number,
        &c.body,
        &c.scope,
        &c.issued_on,
        &c.expires_on,
        &c.created_by,
        c.created_at
    )?;
    Ok(())
}

/// Every certificate, the latest expiry first.
pub async fn certificates(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<CertificateRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        CertificateRow,
        sql(&["SELECT ", CERT_COLS, " FROM certificate WHERE org_id = $1 ORDER BY expires_on DESC, created_at DESC"]),
        org_id
    )?)
}
