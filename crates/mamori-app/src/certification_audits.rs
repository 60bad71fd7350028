//! Certification audits (issue 18): the register of external audits by a certification body —
//! 第一段階審査, 第二段階審査, サーベイランス審査, 再認証審査 — with the body, its auditors
//! (outsiders: names as free text) and dates; their findings with the body's grading and its
//! own reference number (a major or minor nonconformity raises a nonconformity, 10.2, in the
//! finding's transaction); and the certificate (認証登録証) with its expiry, shown on the
//! dashboard within [`mamori_domain::certification::EXPIRY_WINDOW_DAYS`] days and reminded by
//! mail at the thresholds of [`mamori_domain::certification::REMINDER_DAYS`].
//!
//! Who may: the audit programme's holders. `internal_audits.view` reads (findings name
//! weaknesses: not every employee), `internal_audits.manage` records audits, findings and the
//! certificate.

use crate::audit;
use crate::nonconformities::{self, NewNonconformity};
use crate::{Actor, AppError, new_id};
use jiff::ToSpan;
use jiff::civil::Date;
use mamori_domain::certification::{self as rules, AuditKind};
use mamori_domain::internal_audit::Grade;
use mamori_domain::nonconformity::Source;
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::{self, CertificateRow, CertificationAuditRow, CertificationFindingRow};
use serde::Serialize;

/// Longest name of a body or an auditor.
pub const MAX_NAME: usize = crate::checks::MAX_TITLE;
/// Longest list of auditors, a finding's text or a certificate's scope.
pub const MAX_TEXT: usize = crate::checks::MAX_TEXT;
/// Longest reference or certificate number.
pub const MAX_REFERENCE: usize = 100;
/// Days a corrective action is due after its finding, unless given.
pub const DEFAULT_DUE_DAYS: i32 = 60;

/// The audit number people see (CA-0001).
pub fn number_label(n: i64) -> String {
    format!("CA-{n:04}")
}

/// A new external audit, as typed (every field checked by [`record`]).
#[derive(Debug, Clone, Default)]
pub struct NewAudit {
    /// stage1, stage2, surveillance, recertification.
    pub kind: String,
    /// 審査機関.
    pub body: String,
    /// 主任審査員.
    pub lead_auditor: String,
    /// 審査員.
    pub auditors: String,
    /// First day (`YYYY-MM-DD`).
    pub starts_on: String,
    /// Last day (`YYYY-MM-DD`; empty: the first day).
    pub ends_on: String,
}

/// A new finding, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewFinding {
    /// major_nc, minor_nc, observation, opportunity.
    pub grade: String,
    /// What the body found.
    pub text: String,
    /// The body's reference number.
    pub reference: Option<String>,
    /// The Annex A control it names.
    pub control: Option<String>,
    /// The corrective action's due date (`YYYY-MM-DD`; default 60 days from today).
    pub due: Option<String>,
}

/// A new certificate, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewCertificate {
    /// 登録番号.
    pub number: String,
    /// 審査機関.
    pub body: String,
    /// 認証範囲.
    pub scope: String,
    /// 発行日.
    pub issued_on: String,
    /// 有効期限.
    pub expires_on: String,
}

/// A finding with the number of its corrective action.
#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    /// The finding.
    #[serde(flatten)]
    pub finding: CertificationFindingRow,
    /// NC-0001, for a nonconformity.
    pub corrective_action: Option<String>,
}

/// A certificate with the days left before it expires.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateView {
    /// The certificate.
    #[serde(flatten)]
    pub certificate: CertificateRow,
    /// Days until `expires_on` (negative once expired).
    pub days_left: i64,
    /// The certificate in force (the latest expiry).
    pub current: bool,
}

use crate::checks::{Problems, problem, text};

fn date(p: &mut Problems, field: &str, v: &str) -> Option<Date> {
    let v = v.trim();
    if v.is_empty() {
        problem(p, field, "field-required");
        return None;
    }
    match v.parse::<Date>() {
        Ok(d) => Some(d),
        Err(_) => {
            problem(p, field, "field-invalid-date");
            None
        }
    }
}

/// Recording external audits, their findings and certificates is for 経営責任者 and
/// 情報セキュリティ管理者 (holding `internal_audits.manage`): internal auditors read them but do
/// not write the body's findings, which raise corrective actions.
fn require_manager(actor: &Actor) -> Result<(), AppError> {
    actor.require(Permission::InternalAuditsManage)?;
    if crate::nonconformities::is_manager(actor) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Records an external audit (planned). Every problem at its field.
pub async fn record(db: &Db, actor: &Actor, a: NewAudit, now: i64) -> Result<CertificationAuditRow, AppError> {
    require_manager(actor)?;
    let me = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut p = Problems::new();
    let kind = AuditKind::from_key(a.kind.trim());
    if kind.is_none() {
        problem(&mut p, "kind", if a.kind.trim().is_empty() { "field-required" } else { "field-not-a-choice" });
    }
    let body = text(&mut p, "body", &a.body, MAX_NAME, true);
    let lead = text(&mut p, "lead_auditor", &a.lead_auditor, MAX_NAME, true);
    let auditors = text(&mut p, "auditors", &a.auditors, MAX_TEXT, false);
    let starts = date(&mut p, "starts_on", &a.starts_on);
    let ends = if a.ends_on.trim().is_empty() { starts } else { date(&mut p, "ends_on", &a.ends_on) };
    if let (Some(s), Some(e)) = (starts, ends)
        && e < s
    {
        problem(&mut p, "ends_on", "field-end-before-start");
    }
    let (Some(kind), Some(starts), Some(ends), true) = (kind, starts, ends, p.is_empty()) else {
        return Err(AppError::Validation(p));
    };
    let mut tx = db.begin().await?;
    tx.lock_org(&actor.org_id).await?;
    let row = CertificationAuditRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        number: rows::next_certification_audit_number(&mut tx.ex(), &actor.org_id).await?,
        kind: kind.key().to_string(),
        body,
        lead_auditor: lead,
        auditors,
        starts_on: starts.to_string(),
        ends_on: ends.to_string(),
        state: "planned".into(),
        created_by: me,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    rows::insert_certification_audit(&mut tx.ex(), &row).await?;
    audit::created(
        &mut tx,
        actor,
        "certification_audit",
        &row.id,
        &serde_json::json!({"number": number_label(row.number), "kind": row.kind, "starts_on": row.starts_on}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// One audit.
pub async fn get(db: &Db, actor: &Actor, id: &str) -> Result<CertificationAuditRow, AppError> {
    actor.require(Permission::InternalAuditsView)?;
    let mut c = db.conn().await?;
    rows::certification_audit(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)
}

/// The display name of the person who recorded `audit`.
pub async fn recorded_by(db: &Db, actor: &Actor, audit: &CertificationAuditRow) -> Result<String, AppError> {
    actor.require(Permission::InternalAuditsView)?;
    let mut c = db.conn().await?;
    Ok(rows::user_by_id(&mut c.ex(), &actor.org_id, &audit.created_by)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default())
}

/// Every audit, the latest first.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<CertificationAuditRow>, AppError> {
    actor.require(Permission::InternalAuditsView)?;
    let mut c = db.conn().await?;
    Ok(rows::certification_audits(&mut c.ex(), &actor.org_id).await?)
}

/// Marks an audit completed (planned → completed).
pub async fn complete(db: &Db, actor: &Actor, id: &str, now: i64) -> Result<CertificationAuditRow, AppError> {
    require_manager(actor)?;
    let before = get(db, actor, id).await?;
    if before.state != "planned" {
        return Err(AppError::Conflict);
    }
    let after = CertificationAuditRow {
        state: "completed".into(),
        version: before.version + 1,
        updated_at: now,
        ..before.clone()
    };
    let mut tx = db.begin().await?;
    if rows::update_certification_audit_state(&mut tx.ex(), &after).await? == 0 {
        return Err(AppError::Conflict);
    }
    let (was, is) = (
        serde_json::json!({"state": before.state}),
        serde_json::json!({"number": number_label(after.number), "state": after.state}),
    );
    audit::updated(&mut tx, actor, "certification_audit", &after.id, &was, &is, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// Records a finding of the body. A major or minor nonconformity raises a nonconformity
/// (source 外部審査) owned by the person who recorded the audit, due `due` (default 60 days
/// from `today`), in the same transaction. Every problem at its field.
pub async fn add_finding(
    db: &Db,
    actor: &Actor,
    id: &str,
    f: NewFinding,
    today: Date,
    now: i64,
) -> Result<CertificationFindingRow, AppError> {
    require_manager(actor)?;
    let a = get(db, actor, id).await?;
    let me = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut p = Problems::new();
    let grade: Option<Grade> = serde_json::from_value(serde_json::Value::from(f.grade.trim())).ok();
    if grade.is_none() {
        problem(&mut p, "grade", if f.grade.trim().is_empty() { "field-required" } else { "field-not-a-choice" });
    }
    let body = text(&mut p, "text", &f.text, MAX_TEXT, true);
    let reference = f.reference.as_deref().map(|r| text(&mut p, "reference", r, MAX_REFERENCE, false));
    let reference = reference.filter(|r| !r.is_empty());
    let control = f.control.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
    if let Some(c) = &control
        && mamori_regulation::catalogue::control(c).is_none()
    {
        problem(&mut p, "control", "field-unknown-control");
    }
    let due = match f.due.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => date(&mut p, "due", d),
        None => today.checked_add(DEFAULT_DUE_DAYS.days()).ok(),
    };
    let (Some(grade), Some(due), true) = (grade, due, p.is_empty()) else {
        return Err(AppError::Validation(p));
    };
    let finding_id = new_id();
    let kind = AuditKind::from_key(&a.kind).map(AuditKind::name_ja).unwrap_or_default();
    let nonconformity = if grade.is_nonconformity() {
        let n = NewNonconformity {
            source: Source::CertificationAudit,
            source_ref: Some(finding_id.clone()),
            control_id: control.clone(),
            text: format!(
                "{}（{}）の指摘{}: {}",
                kind,
                a.body,
                reference.as_deref().map(|r| format!(" {r}")).unwrap_or_default(),
                body
            ),
            owner_id: a.created_by.clone(),
            due,
        };
        Some(nonconformities::prepare(db, actor, n, now).await?)
    } else {
        None
    };
    let row = CertificationFindingRow {
        id: finding_id,
        org_id: actor.org_id.clone(),
        audit_id: a.id.clone(),
        reference,
        control_id: control,
        grade: grade.key().to_string(),
        text: body,
        nonconformity_id: nonconformity.as_ref().map(|n| n.record.id.clone()),
        created_by: me,
        created_at: now,
    };
    let mut tx = db.begin().await?;
    if let Some(n) = &nonconformity {
        nonconformities::apply(&mut tx, actor, n, now).await?;
    }
    rows::insert_certification_finding(&mut tx.ex(), &row).await?;
    audit::created(
        &mut tx,
        actor,
        "certification_finding",
        &row.id,
        &serde_json::json!({"audit": number_label(a.number), "grade": row.grade, "reference": row.reference,
            "control": row.control_id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// The findings of an audit, with the numbers of their corrective actions.
pub async fn findings(db: &Db, actor: &Actor, id: &str) -> Result<Vec<FindingView>, AppError> {
    let a = get(db, actor, id).await?;
    let mut c = db.conn().await?;
    let list = rows::certification_findings(&mut c.ex(), &actor.org_id, &a.id).await?;
    let ncs = rows::nonconformities(&mut c.ex(), &actor.org_id).await?;
    Ok(list
        .into_iter()
        .map(|f| {
            let corrective_action = f
                .nonconformity_id
                .as_deref()
                .and_then(|n| ncs.iter().find(|x| x.id == n))
                .map(|n| nonconformities::number_label(n.number));
            FindingView { finding: f, corrective_action }
        })
        .collect())
}

/// Records a certificate. Every problem at its field; it expires after it was issued.
pub async fn add_certificate(db: &Db, actor: &Actor, n: NewCertificate, now: i64) -> Result<CertificateRow, AppError> {
    require_manager(actor)?;
    let me = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut p = Problems::new();
    let number = text(&mut p, "number", &n.number, MAX_REFERENCE, true);
    let body = text(&mut p, "body", &n.body, MAX_NAME, true);
    let scope = text(&mut p, "scope", &n.scope, MAX_TEXT, true);
    let issued = date(&mut p, "issued_on", &n.issued_on);
    let expires = date(&mut p, "expires_on", &n.expires_on);
    if let (Some(i), Some(e)) = (issued, expires)
        && e <= i
    {
        problem(&mut p, "expires_on", "field-end-before-start");
    }
    let (Some(issued), Some(expires), true) = (issued, expires, p.is_empty()) else {
        return Err(AppError::Validation(p));
    };
    let row = CertificateRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        number,
        body,
        scope,
        issued_on: issued.to_string(),
        expires_on: expires.to_string(),
        created_by: me,
        created_at: now,
    };
    let mut tx = db.begin().await?;
    rows::insert_certificate(&mut tx.ex(), &row).await?;
    audit::created(
        &mut tx,
        actor,
        "certificate",
        &row.id,
        &serde_json::json!({"number": row.number, "issued_on": row.issued_on, "expires_on": row.expires_on}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

fn certificate_views(list: Vec<CertificateRow>, today: Date) -> Vec<CertificateView> {
    let latest = list.iter().map(|c| c.expires_on.clone()).max();
    list.into_iter()
        .map(|c| {
            let days_left = c.expires_on.parse::<Date>().map(|e| rules::days_left(e, today)).unwrap_or_default();
            let current = latest.as_deref() == Some(c.expires_on.as_str());
            CertificateView { certificate: c, days_left, current }
        })
        .collect()
}

/// Every certificate, the latest expiry first, with the days left as of `today`.
pub async fn certificates(db: &Db, actor: &Actor, today: Date) -> Result<Vec<CertificateView>, AppError> {
    actor.require(Permission::InternalAuditsView)?;
    let mut c = db.conn().await?;
    Ok(certificate_views(rows::certificates(&mut c.ex(), &actor.org_id).await?, today))
}

/// The certificate in force when it expires within the dashboard's window (or has expired):
/// a renewal with a later expiry hides the old one.
pub async fn expiring(db: &Db, actor: &Actor, today: Date) -> Result<Option<CertificateView>, AppError> {
    Ok(certificates(db, actor, today)
        .await?
        .into_iter()
        .find(|c| c.current)
        .filter(|c| c.certificate.expires_on.parse().is_ok_and(|e| rules::expiring(e, today))))
}

/// The reminder due today for the organisation's certificate in force, if any: the
/// certificate and the threshold (days before expiry) it is for. No permission: the
/// reminder worker's.
pub(crate) async fn reminder_due(
    db: &Db,
    org_id: &str,
    today: Date,
) -> Result<Option<(CertificateRow, i64)>, AppError> {
    let mut c = db.conn().await?;
    let list = rows::certificates(&mut c.ex(), org_id).await?;
    let Some(current) = certificate_views(list, today).into_iter().find(|c| c.current) else { return Ok(None) };
    let Ok(expires) = current.certificate.expires_on.parse::<Date>() else { return Ok(None) };
    Ok(rules::reminder_due(expires, today).map(|d| (current.certificate, d)))
}

/// Every finding of the organisation's audits held by `day`, with its audit (the management
/// review's d3).
pub(crate) async fn findings_until(
    c: &mut mamori_store::Conn,
    org_id: &str,
    day: &str,
) -> Result<Vec<(CertificationAuditRow, CertificationFindingRow)>, AppError> {
    let audits = rows::certification_audits(&mut c.ex(), org_id).await?;
    let findings = rows::all_certification_findings(&mut c.ex(), org_id).await?;
    let mut out = Vec::new();
    for a in audits.iter().filter(|a| a.starts_on.as_str() <= day).rev() {
        for f in findings.iter().filter(|f| f.audit_id == a.id) {
            out.push((a.clone(), f.clone()));
        }
    }
    Ok(out)
}
