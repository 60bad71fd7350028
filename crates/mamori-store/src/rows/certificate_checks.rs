//! The certificate check (8.24): what was found at the host of a 証明書・ドメイン管理台帳 row, one
//! row per check. Migration 0026.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all};

/// One check of one register row's host.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct CertificateCheckRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The row of the certificates register.
    pub row_id: String,
    /// `host:port` as checked (or the field as written when it is not a host).
    pub host: String,
    /// When.
    pub checked_at: i64,
    /// `ok`, `attention` or `failed`.
    pub outcome: String,
    /// Comma-separated finding keys (empty when none).
    pub findings: String,
    /// The certificate's notBefore.
    pub not_before: Option<i64>,
    /// The certificate's notAfter.
    pub not_after: Option<i64>,
    /// The issuer (organisation / common name).
    pub issuer: Option<String>,
    /// The subject's common name.
    pub subject: Option<String>,
    /// The subjectAltName DNS names (JSON array).
    pub dns_names: String,
    /// The row's 有効期限 when checked.
    pub registered_expiry: Option<String>,
    /// The technical error (logs and the CLI; not shown on pages).
    pub detail: String,
    /// A user id, `daily` or `cli`.
    pub checked_by: String,
}

const COLS: &str = "id, org_id, row_id, host, checked_at, outcome, findings, not_before, not_after, issuer, subject, \
                    dns_names, registered_expiry, detail, checked_by";

/// Inserts a check.
pub async fn insert_certificate_check(ex: &mut Ex<'_>, c: &CertificateCheckRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO certificate_check (",
            COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ]),
        &c.id,
        &c.org_id,
        &c.row_id,
        &c.host,
        c.checked_at,
        &c.outcome,
        &c.findings,
        c.not_before,
        c.not_after,
        &c.issuer,
        &c.subject,
        &c.dns_names,
        &c.registered_expiry,
        &c.detail,
        &c.checked_by
    )?;
    Ok(())
}

/// The latest check of each row of the organisation.
pub async fn latest_certificate_checks(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<CertificateCheckRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        CertificateCheckRow,
        sql(&[
            "SELECT ",
            COLS,
            " FROM certificate_check c WHERE org_id = $1 AND id = (SELECT d.id FROM certificate_check d \
              WHERE d.org_id = c.org_id AND d.row_id = c.row_id ORDER BY d.checked_at DESC, d.id DESC LIMIT 1) \
              ORDER BY row_id"
        ]),
        org_id
    )?)
}

/// The organisation's latest checks, newest first (at most `limit`).
pub async fn recent_certificate_checks(
    ex: &mut Ex<'_>,
    org_id: &str,
    limit: i64,
) -> Result<Vec<CertificateCheckRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        CertificateCheckRow,
        sql(&["SELECT ", COLS, " FROM certificate_check WHERE org_id = $1 ORDER BY checked_at DESC, id DESC LIMIT $2"]),
        org_id,
        limit
    )?)
}
