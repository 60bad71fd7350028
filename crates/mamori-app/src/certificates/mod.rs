//! The certificate check (8.24): mamori reads the TLS certificate of each host named in a live
//! row of 証明書・ドメイン管理台帳 (`certificates`, field `check_host`) and records what it found
//! in `certificate_check` (migration 0026), compared with the row by
//! [`mamori_domain::cert_check::assess`]. The row itself is never written: an expiry that
//! differs from the registered 有効期限 is a finding, shown on the check page (`overview`)
//! beside the row, for a person to correct the register.
//!
//! Run once a day per organisation from the background worker's daily round
//! ([`run_daily_if_claimed`], its own claim in `daily_run`, so several servers check once), and
//! on demand ([`check_now`]: the page's button for the register's editors,
//! `mamori certificates check`). Each round checks at most [`MAX_HOSTS_PER_ROUND`] rows, those
//! checked longest ago first, [`PARALLEL`] at a time, each within [`TIMEOUT`].
//!
//! Need-to-know: the results are shown to whoever may read the register
//! ([`crate::registers::access`]), a 極秘 row's only to those who may see that row; anyone
//! else is answered "not found".

pub mod probe;

use crate::error::internal;
use crate::registers::{self, access};
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::cert_check::{self, Finding, Outcome, Registered};
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::{self, CertificateCheckRow, RegisterRowRow};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::time::Duration;

/// Connection and handshake time limit per host.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Rows checked in one round at most.
pub const MAX_HOSTS_PER_ROUND: usize = 50;
/// Hosts checked at the same time.
pub const PARALLEL: usize = 4;
/// The daily round's job name in `daily_run`.
pub const DAILY_JOB: &str = "certificate-check";
/// The lead time when a row gives none (the template's default).
const DEFAULT_LEAD_DAYS: i64 = 30;
/// Longest technical error kept.
const MAX_DETAIL_CHARS: usize = 500;

/// One check as shown.
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    /// The register row.
    pub row_id: String,
    /// The row's name (名称).
    pub name: String,
    /// `host:port` checked.
    pub host: String,
    /// When (epoch ms).
    pub checked_at: i64,
    /// `ok`, `attention` or `failed`.
    pub outcome: String,
    /// Finding keys, in order.
    pub findings: Vec<String>,
    /// The certificate's expiry (epoch ms).
    pub not_after: Option<i64>,
    /// Its date in Japan.
    pub not_after_date: Option<String>,
    /// Issuer.
    pub issuer: Option<String>,
    /// Subject's common name.
    pub subject: Option<String>,
    /// subjectAltName DNS names.
    pub dns_names: Vec<String>,
    /// The row's 有効期限 when checked.
    pub registered_expiry: Option<String>,
    /// The technical error (the CLI prints it; pages do not).
    pub detail: String,
}

/// A row with a host and its latest check.
#[derive(Debug, Clone, Serialize)]
pub struct RowStatus {
    /// The register row.
    pub row_id: String,
    /// 名称.
    pub name: String,
    /// The host field as written.
    pub host: String,
    /// 有効期限 now.
    pub expires_on: Option<String>,
    /// The latest check.
    pub latest: Option<CheckView>,
}

/// The check page.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    /// Live rows with a host, by name.
    pub rows: Vec<RowStatus>,
    /// Whether the actor may start a check (the register's editors).
    pub may_run: bool,
}

fn values(r: &RegisterRowRow) -> Map<String, Value> {
    serde_json::from_str(&r.values_json).unwrap_or_default()
}

fn text(v: &Map<String, Value>, key: &str) -> String {
    v.get(key).and_then(Value::as_str).map(str::trim).unwrap_or_default().to_string()
}

/// A live, not 廃止 row with a host.
fn has_host(r: &RegisterRowRow) -> bool {
    let v = values(r);
    r.deleted == 0 && text(&v, "status") != "廃止" && !text(&v, cert_check::HOST_FIELD).is_empty()
}

fn view(c: CertificateCheckRow, name: String) -> CheckView {
    CheckView {
        row_id: c.row_id,
        name,
        host: c.host,
        checked_at: c.checked_at,
        outcome: c.outcome,
        findings: c.findings.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        not_after_date: c.not_after.and_then(cert_check::japan_date).map(|d| d.to_string()),
        not_after: c.not_after,
        issuer: c.issuer,
        subject: c.subject,
        dns_names: serde_json::from_str(&c.dns_names).unwrap_or_default(),
        registered_expiry: c.registered_expiry,
        detail: c.detail,
    }
}

/// The register's live rows the actor may see (after the register's need-to-know check).
async fn visible_rows(db: &Db, actor: &Actor) -> Result<Vec<RegisterRowRow>, AppError> {
    registers::definition(db, actor, cert_check::REGISTER).await?;
    let mut c = db.conn().await?;
    Ok(rows::register_rows_all(&mut c.ex(), &actor.org_id, cert_check::REGISTER, false)
        .await?
        .into_iter()
        .filter(|r| access::row_visible(actor, &r.label, &access::restriction(&r.restricted_to)))
        .collect())
}

/// The rows with a host and their latest check, for whoever may read the register.
pub async fn overview(db: &Db, actor: &Actor) -> Result<Overview, AppError> {
    actor.require(Permission::RegistersView)?;
    let def = registers::definition(db, actor, cert_check::REGISTER).await?;
    let live = visible_rows(db, actor).await?;
    let mut latest: HashMap<String, CertificateCheckRow> = {
        let mut c = db.conn().await?;
        rows::latest_certificate_checks(&mut c.ex(), &actor.org_id)
            .await?
            .into_iter()
            .map(|c| (c.row_id.clone(), c))
            .collect()
    };
    let mut out: Vec<RowStatus> = live
        .iter()
        .filter(|r| has_host(r))
        .map(|r| {
            let v = values(r);
            let name = text(&v, "name");
            RowStatus {
                row_id: r.id.clone(),
                host: text(&v, cert_check::HOST_FIELD),
                expires_on: Some(text(&v, "expires_on")).filter(|s| !s.is_empty()),
                latest: latest.remove(&r.id).map(|c| view(c, name.clone())),
                name,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.row_id.cmp(&b.row_id)));
    Ok(Overview { rows: out, may_run: access::may_edit(actor, &def) })
}

/// Checks the rows with a host now (the register's editors; the command line) and returns
/// the checks the actor may see.
pub async fn check_now(db: &Db, actor: &Actor, now: i64) -> Result<Vec<CheckView>, AppError> {
    actor.require(Permission::RegistersEdit)?;
    let def = registers::definition(db, actor, cert_check::REGISTER).await?;
    access::require_edit(actor, &def)?;
    let by = actor.user_id.clone().unwrap_or_else(|| "cli".to_string());
    let done = check_org(db, &actor.org_id, now, &by).await?;
    let visible: Vec<String> = visible_rows(db, actor).await?.into_iter().map(|r| r.id).collect();
    Ok(done.into_iter().filter(|c| visible.contains(&c.row_id)).collect())
}

/// The daily round of an organisation: runs when this caller wins today's claim (`None`
/// otherwise, or when no row names a host).
pub async fn run_daily_if_claimed(
    db: &Db,
    org_id: &str,
    today: Date,
    now: i64,
) -> Result<Option<Vec<CheckView>>, AppError> {
    {
        let mut c = db.conn().await?;
        let any = rows::register_rows_all(&mut c.ex(), org_id, cert_check::REGISTER, false).await?.iter().any(has_host);
        if !any || !rows::claim_daily(&mut c.ex(), org_id, DAILY_JOB, &today.to_string()).await? {
            return Ok(None);
        }
    }
    check_org(db, org_id, now, "daily").await.map(Some)
}

/// Checks up to [`MAX_HOSTS_PER_ROUND`] rows (those checked longest ago first) and stores a
/// result for each.
async fn check_org(db: &Db, org_id: &str, now: i64, by: &str) -> Result<Vec<CheckView>, AppError> {
    let (mut due, last) = {
        let mut c = db.conn().await?;
        let due: Vec<RegisterRowRow> = rows::register_rows_all(&mut c.ex(), org_id, cert_check::REGISTER, false)
            .await?
            .into_iter()
            .filter(has_host)
            .collect();
        let last: HashMap<String, i64> = rows::latest_certificate_checks(&mut c.ex(), org_id)
            .await?
            .into_iter()
            .map(|c| (c.row_id, c.checked_at))
            .collect();
        (due, last)
    };
    due.sort_by_key(|r| (last.get(&r.id).copied().unwrap_or(i64::MIN), r.id.clone()));
    due.truncate(MAX_HOSTS_PER_ROUND);
    let mut set = tokio::task::JoinSet::new();
    let mut results = Vec::new();
    for r in due {
        if set.len() >= PARALLEL
            && let Some(done) = set.join_next().await
        {
            results.push(done.map_err(internal)?);
        }
        let org = org_id.to_string();
        let by = by.to_string();
        set.spawn(async move { check_row(&org, &r, now, &by).await });
    }
    while let Some(done) = set.join_next().await {
        results.push(done.map_err(internal)?);
    }
    let mut tx = db.begin().await?;
    for (row, _) in &results {
        rows::insert_certificate_check(&mut tx.ex(), row).await?;
    }
    tx.commit().await?;
    let mut out: Vec<CheckView> = results.into_iter().map(|(row, name)| view(row, name)).collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.row_id.cmp(&b.row_id)));
    Ok(out)
}

/// Checks one row's host: the stored result and the row's name.
async fn check_row(org_id: &str, r: &RegisterRowRow, now: i64, by: &str) -> (CertificateCheckRow, String) {
    let v = values(r);
    let raw = text(&v, cert_check::HOST_FIELD);
    let registered_text = Some(text(&v, "expires_on")).filter(|s| !s.is_empty());
    let registered = Registered {
        expires_on: registered_text.as_deref().and_then(|s| s.parse().ok()),
        lead_days: v.get("lead_days").and_then(Value::as_i64).unwrap_or(DEFAULT_LEAD_DAYS),
    };
    let mut row = CertificateCheckRow {
        id: new_id(),
        org_id: org_id.to_string(),
        row_id: r.id.clone(),
        host: raw.chars().take(cert_check::MAX_INPUT_CHARS).collect(),
        checked_at: now,
        outcome: String::new(),
        findings: String::new(),
        not_before: None,
        not_after: None,
        issuer: None,
        subject: None,
        dns_names: "[]".into(),
        registered_expiry: registered_text,
        detail: String::new(),
        checked_by: by.to_string(),
    };
    let mut findings = Vec::new();
    match cert_check::parse_target(&raw) {
        Err(e) => {
            findings.push(Finding::InvalidHost);
            row.detail = e.to_string();
        }
        Ok(target) => {
            row.host = target.to_string();
            let seen = probe::probe(&target, TIMEOUT).await;
            match seen.error {
                Some(probe::ProbeError::Unreachable(e)) => {
                    findings.push(Finding::Unreachable);
                    row.detail = e;
                }
                Some(probe::ProbeError::Timeout) => {
                    findings.push(Finding::Timeout);
                    row.detail = format!("no answer within {} s", TIMEOUT.as_secs());
                }
                Some(probe::ProbeError::Handshake(e)) => {
                    findings.push(Finding::HandshakeFailed);
                    row.detail = e;
                }
                None => {}
            }
            match seen.certificate.as_deref().map(cert_check::parse_certificate) {
                Some(Ok(cert)) => {
                    findings.extend(cert_check::assess(&target, &cert, &registered, now));
                    row.not_before = Some(cert.not_before);
                    row.not_after = Some(cert.not_after);
                    row.issuer = Some(cert.issuer_label()).filter(|s| !s.is_empty());
                    row.subject = Some(cert.subject_label()).filter(|s| !s.is_empty());
                    row.dns_names = serde_json::to_string(&cert.dns_names).unwrap_or_else(|_| "[]".into());
                }
                Some(Err(e)) => {
                    findings.push(Finding::Unreadable);
                    row.detail = e.to_string();
                }
                None if findings.is_empty() => findings.push(Finding::Unreadable),
                None => {}
            }
        }
    }
    findings.sort();
    findings.dedup();
    row.outcome = Outcome::of(&findings).key().to_string();
    row.findings = findings.iter().map(|f| f.key()).collect::<Vec<_>>().join(",");
    row.detail = row.detail.chars().take(MAX_DETAIL_CHARS).collect();
    (row, text(&v, "name"))
}
