//! Microsoft 365 evidence: imports of audit-log, sign-in and account exports, kept beyond
//! Microsoft's retention, and the event search.
//!
//! An import recognises the file first (an unknown file stores nothing), keeps the file in the
//! evidence store with its SHA-256, then streams its records from a blocking parser thread
//! through a bounded channel into one transaction: events are de-duplicated by `AuditData.Id`
//! and never edited; rejected rows are counted with their line and reason.

use crate::{Actor, AppError, new_id};
use mamori_domain::permission::Permission;
use mamori_m365::{Item, Rejected};
use mamori_store::Db;
use mamori_store::rows::{self, M365AccountRow, M365EventRow, M365ImportRow};
use serde::Serialize;
use std::io::BufRead;
use std::path::Path;

fn io(path: &Path) -> impl Fn(std::io::Error) -> AppError + '_ {
    move |e| AppError::Blocked(format!("{}: {e}", path.display()))
}

/// What one import did (the contract's fields, plus the rejected rows' reasons).
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// The file as given.
    pub path: String,
    /// Format key.
    pub format: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Records read.
    pub read: u64,
    /// New records stored.
    pub new: u64,
    /// Records already stored (earlier imports or the same file).
    pub duplicate: u64,
    /// Rejected rows.
    pub rejected: u64,
    /// The first rejected rows: line and reason.
    pub rejections: Vec<(u64, String)>,
}

/// Largest file kept (gzip counts compressed).
const MAX_FILE: u64 = 8 * 1024 * 1024 * 1024;
/// Rejections kept in the import record.
const KEEP_REJECTIONS: usize = 200;

enum Msg {
    Item(Item),
    Rejected(Rejected),
}

/// Imports one export file. Needs settings.manage (administrators).
pub async fn import_file(
    db: &Db,
    actor: &Actor,
    store: &crate::evidence::EvidenceStore,
    path: &Path,
    now: i64,
) -> Result<ImportReport, AppError> {
    actor.require(Permission::SettingsManage)?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    // 1. Recognise it (nothing is stored for an unknown file).
    let probe = path.to_path_buf();
    let detected = tokio::task::spawn_blocking(move || -> Result<Option<mamori_m365::Format>, String> {
        let f = std::fs::File::open(&probe).map_err(|e| e.to_string())?;
        let mut r = mamori_m365::decode(f).map_err(|e| e.to_string())?;
        let mut line = String::new();
        while line.trim().is_empty() {
            line.clear();
            if r.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
                return Ok(None);
            }
        }
        Ok(mamori_m365::detect(&line))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Blocked(format!("{}: {e}", path.display())))?;
    if detected.is_none() {
        return Err(AppError::Blocked(format!(
            "{}: not a Microsoft 365 export (Purview audit CSV, Search-UnifiedAuditLog CSV, AuditData JSON, Entra sign-in CSV/JSON or admin center user export); nothing was stored",
            path.display()
        )));
    }
    // 2. Keep the file as evidence.
    let mut up = store.with_limit(MAX_FILE).begin(actor).await?;
    {
        use tokio::io::AsyncReadExt;
        let mut f = tokio::fs::File::open(path).await.map_err(io(path))?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = f.read(&mut buf).await.map_err(io(path))?;
            if n == 0 {
                break;
            }
            up.write(&buf[..n]).await?;
        }
    }
    let kept = up.finish_as(db, actor, &name, Some("application/octet-stream"), now).await?;
    // 3. Stream the records into one transaction.
    let (tx_items, mut rx) = tokio::sync::mpsc::channel::<Msg>(4096);
    let parse_path = path.to_path_buf();
    let parser = tokio::task::spawn_blocking(move || -> Result<mamori_m365::Format, String> {
        let f = std::fs::File::open(&parse_path).map_err(|e| e.to_string())?;
        let input = mamori_m365::decode(f).map_err(|e| e.to_string())?;
        let items = tx_items.clone();
        mamori_m365::read(
            input,
            |i| {
                let _ = items.blocking_send(Msg::Item(i));
            },
            |r| {
                let _ = tx_items.blocking_send(Msg::Rejected(r));
            },
        )
        .map_err(|e| e.to_string())
    });
    let import_id = new_id();
    let mut report = ImportReport {
        path: path.display().to_string(),
        format: String::new(),
        sha256: kept.sha256.clone(),
        read: 0,
        new: 0,
        duplicate: 0,
        rejected: 0,
        rejections: Vec::new(),
    };
    let mut earliest: Option<String> = None;
    let mut batch: Vec<M365EventRow> = Vec::with_capacity(rows::M365_BATCH);
    let mut tx = db.begin().await?;
    while let Some(m) = rx.recv().await {
        match m {
            Msg::Item(Item::Event(e)) => {
                report.read += 1;
                let row = M365EventRow {
                    org_id: actor.org_id.clone(),
                    audit_id: e.id,
                    at: e.time,
                    operation: e.operation,
                    user_id: e.user,
                    ip: e.ip,
                    workload: e.workload,
                    record_type: e.record_type,
                    result: e.result,
                    raw: e.raw,
                    import_id: import_id.clone(),
                };
                if earliest.as_ref().is_none_or(|e| row.at < *e) {
                    earliest = Some(row.at.clone());
                }
                batch.push(row);
                if batch.len() >= rows::M365_BATCH {
                    let new = rows::insert_m365_events(&mut tx.ex(), &batch).await?;
                    report.new += new;
                    report.duplicate += batch.len() as u64 - new;
                    batch.clear();
                }
            }
            Msg::Item(Item::Account(a)) => {
                report.read += 1;
                report.new += 1;
                rows::upsert_m365_account(
                    &mut tx.ex(),
                    &M365AccountRow {
                        org_id: actor.org_id.clone(),
                        upn: a.upn,
                        display_name: a.display_name,
                        blocked: i64::from(a.blocked),
                        licenses: a.licenses,
                        created: a.created,
                        deleted: a.deleted,
                        import_id: import_id.clone(),
                    },
                )
                .await?;
            }
            Msg::Rejected(r) => {
                report.rejected += 1;
                if report.rejections.len() < KEEP_REJECTIONS {
                    report.rejections.push((r.line, r.reason));
                }
            }
        }
    }
    let new = rows::insert_m365_events(&mut tx.ex(), &batch).await?;
    report.new += new;
    report.duplicate += batch.len() as u64 - new;
    let format = parser
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Blocked(format!("{}: {e}", path.display())))?;
    report.format = format.key().to_string();
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let record = M365ImportRow {
        id: import_id,
        org_id: actor.org_id.clone(),
        file_name: name,
        format: report.format.clone(),
        sha256: kept.sha256.clone(),
        size: kept.size,
        read_count: n(report.read),
        new_count: n(report.new),
        duplicate_count: n(report.duplicate),
        rejected_count: n(report.rejected),
        rejected_json: serde_json::to_string(
            &report.rejections.iter().map(|(l, r)| serde_json::json!({"line": l, "reason": r})).collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into()),
        imported_by: actor.label.clone(),
        imported_at: now,
    };
    rows::insert_m365_import(&mut tx.ex(), &record).await?;
    crate::audit::append(
        &mut tx,
        crate::audit::Entry::by(
            actor,
            mamori_domain::audit::AuditAction::Create,
            "m365_import",
            Some(&record.id),
            None,
            Some(serde_json::json!({
                "file": record.file_name, "format": record.format, "sha256": record.sha256, "size": record.size,
                "read": record.read_count, "new": record.new_count, "duplicate": record.duplicate_count,
                "rejected": record.rejected_count,
            })),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    if report.new > 0 && format != mamori_m365::Format::AdminUsersCsv {
        // Detections over the period the file covers (a day's margin for windows).
        let since = earliest
            .as_deref()
            .and_then(|t| t.get(..10)?.parse::<jiff::civil::Date>().ok())
            .and_then(|d| d.yesterday().ok());
        refresh_findings(db, actor, since, now).await?;
    }
    Ok(report)
}

/// Filters of the event search (empty = any; dates inclusive, `YYYY-MM-DD`).
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// User (compared lower-case).
    pub user: String,
    /// Operation.
    pub operation: String,
    /// Client IP.
    pub ip: String,
    /// First day (UTC).
    pub from: String,
    /// Last day (UTC).
    pub to: String,
    /// At most this many.
    pub limit: i64,
}

/// Stored events matching the query, oldest first.
pub async fn events(db: &Db, actor: &Actor, q: &EventQuery) -> Result<Vec<M365EventRow>, AppError> {
    actor.require(Permission::AuditView)?;
    let from = if q.from.is_empty() { "0000".to_string() } else { q.from.clone() };
    let to = if q.to.is_empty() { "9999".to_string() } else { format!("{}T99", q.to) };
    let mut c = db.conn().await?;
    Ok(rows::m365_events(
        &mut c.ex(),
        &actor.org_id,
        &q.user.trim().to_lowercase(),
        q.operation.trim().trim_end_matches('.'),
        q.ip.trim(),
        &from,
        &to,
        if q.limit <= 0 { 1000 } else { q.limit },
    )
    .await?)
}

/// Operations the detections read.
const DETECTED: [&str; 11] = [
    "UserLoginFailed",
    "UserLoggedIn",
    "Add member to role",
    "New-InboxRule",
    "Set-InboxRule",
    "UpdateInboxRules",
    "Set-Mailbox",
    "AnonymousLinkCreated",
    "AnonymousLinkUpdated",
    "Update user",
    "User registered security info",
];

/// Runs the detections ([`mamori_m365::detect`]) over the events since `since` (all when
/// `None`).
pub async fn detect(
    db: &Db,
    actor: &Actor,
    since: Option<jiff::civil::Date>,
    thresholds: &mamori_m365::detect::Thresholds,
) -> Result<Vec<mamori_m365::detect::Hit>, AppError> {
    actor.require(Permission::AuditView)?;
    let from = since.map(|d| d.to_string()).unwrap_or_else(|| "0000".into());
    let mut rows_all = Vec::new();
    {
        let mut c = db.conn().await?;
        for op in DETECTED {
            if op == "UserLoginFailed" || op == "UserLoggedIn" {
                // Sign-ins are the bulk; their rules need no raw JSON.
                rows_all.extend(rows::m365_events_light(&mut c.ex(), &actor.org_id, op, &from).await?);
            } else {
                rows_all
                    .extend(rows::m365_events(&mut c.ex(), &actor.org_id, "", op, "", &from, "9999", i64::MAX).await?);
            }
        }
    }
    let events: Vec<mamori_m365::detect::Event<'_>> = rows_all
        .iter()
        .map(|e| mamori_m365::detect::Event {
            id: &e.audit_id,
            time: &e.at,
            operation: &e.operation,
            user: &e.user_id,
            ip: &e.ip,
            raw: &e.raw,
        })
        .collect();
    Ok(mamori_m365::detect::detect(&events, thresholds))
}

/// Runs the detections since `since` and records new findings; returns how many were new.
pub async fn refresh_findings(
    db: &Db,
    actor: &Actor,
    since: Option<jiff::civil::Date>,
    now: i64,
) -> Result<usize, AppError> {
    let hits = detect(db, actor, since, &mamori_m365::detect::Thresholds::default()).await?;
    let mut tx = db.begin().await?;
    let mut added = 0;
    for h in hits {
        let f = rows::M365FindingRow {
            id: new_id(),
            org_id: actor.org_id.clone(),
            rule: h.rule.to_string(),
            subject: h.user,
            first_seen: h.first_seen,
            last_seen: h.last_seen,
            event_count: i64::try_from(h.count).unwrap_or(i64::MAX),
            event_ids_json: serde_json::to_string(&h.event_ids).unwrap_or_else(|_| "[]".into()),
            state: "new".into(),
            reason: None,
            decided_by: None,
            decided_at: None,
            incident_id: None,
            created_at: now,
        };
        if rows::insert_m365_finding(&mut tx.ex(), &f).await? {
            added += 1;
        }
    }
    tx.commit().await?;
    Ok(added)
}

/// The findings inbox, newest first.
pub async fn findings(db: &Db, actor: &Actor) -> Result<Vec<rows::M365FindingRow>, AppError> {
    actor.require(Permission::AuditView)?;
    let mut c = db.conn().await?;
    Ok(rows::m365_findings(&mut c.ex(), &actor.org_id).await?)
}

fn may_decide(actor: &Actor) -> bool {
    actor.grants.has(Permission::SettingsManage)
        || actor.role_keys.iter().any(|r| r == mamori_domain::permission::ROLE_SECURITY_MANAGER)
}

/// Confirms (optionally opening an incident) or dismisses a new finding, with a reason.
pub async fn decide_finding(
    db: &Db,
    actor: &Actor,
    id: &str,
    confirm: bool,
    reason: &str,
    open_incident: bool,
    now: i64,
) -> Result<rows::M365FindingRow, AppError> {
    if !may_decide(actor) {
        return Err(AppError::Forbidden);
    }
    if reason.trim().is_empty() {
        return Err(AppError::Validation(vec![("reason".into(), "field-required".into())]));
    }
    let before = findings(db, actor).await?.into_iter().find(|f| f.id == id).ok_or(AppError::NotFound)?;
    if before.state != "new" {
        return Err(AppError::Conflict);
    }
    let incident_id = if confirm && open_incident {
        let title = format!("Microsoft 365: {} {}", before.rule, before.subject);
        let description = format!(
            "{}\n{} – {} ({} events)\n{}",
            reason.trim(),
            before.first_seen,
            before.last_seen,
            before.event_count,
            before.event_ids_json
        );
        Some(crate::incidents::report(db, actor, &title, &description, &before.first_seen, now).await?.id)
    } else {
        None
    };
    let after = rows::M365FindingRow {
        state: if confirm { "confirmed" } else { "dismissed" }.into(),
        reason: Some(reason.trim().to_string()),
        decided_by: Some(actor.label.clone()),
        decided_at: Some(now),
        incident_id,
        ..before.clone()
    };
    let mut tx = db.begin().await?;
    if rows::decide_m365_finding(&mut tx.ex(), &after).await? == 0 {
        return Err(AppError::Conflict);
    }
    crate::audit::append(
        &mut tx,
        crate::audit::Entry::by(
            actor,
            mamori_domain::audit::AuditAction::Update,
            "m365_finding",
            Some(id),
            Some(serde_json::json!({"state": before.state})),
            Some(serde_json::json!({"state": after.state, "reason": after.reason, "incident": after.incident_id})),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Decisions a reviewer may record for an account.
pub const REVIEW_DECISIONS: [&str; 4] = ["keep", "disable", "delete", "register"];

/// One account of the yearly access-rights review.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewLine {
    /// The reconciled account.
    #[serde(flatten)]
    pub account: mamori_m365::reconcile::Reconciled,
    /// The reviewer's decision this fiscal year, if any.
    pub decision: Option<rows::M365ReviewRow>,
}

/// The access-rights review of the fiscal year of `today`: the latest admin center export
/// against the organisation's people (leavers: a disabled mamori account, or a row of the
/// leaver checklist whose leaving date has passed), administrator-role grants in the audit log
/// against privileged-ID requests, and sign-ins older than `unused_days`.
pub async fn review(
    db: &Db,
    actor: &Actor,
    today: jiff::civil::Date,
    unused_days: i64,
) -> Result<Vec<ReviewLine>, AppError> {
    use mamori_m365::reconcile::{AccountIn, PersonIn, reconcile};
    use std::collections::{BTreeMap, BTreeSet};
    actor.require(Permission::AuditView)?;
    let year = i64::from(mamori_domain::schedule::fiscal_year(today, 4));
    let today_s = today.to_string();
    let mut c = db.conn().await?;
    let accounts: Vec<AccountIn> = rows::m365_accounts(&mut c.ex(), &actor.org_id)
        .await?
        .into_iter()
        .map(|a| AccountIn {
            upn: a.upn,
            display_name: a.display_name,
            blocked: a.blocked != 0,
            deleted: !a.deleted.is_empty(),
        })
        .collect();
    let users = rows::list_users(&mut c.ex(), &actor.org_id).await?;
    let mut leavers: BTreeSet<String> = BTreeSet::new();
    for r in rows::register_rows_all(&mut c.ex(), &actor.org_id, "leaver_checklist", false).await? {
        let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&r.values_json).unwrap_or_default();
        let person = v.get("person").and_then(|p| p.as_str()).unwrap_or("");
        let date = v.get("leave_date").and_then(|p| p.as_str()).unwrap_or("");
        if !date.is_empty() && date <= today_s.as_str() {
            leavers.insert(person.to_string());
        }
    }
    let people: Vec<PersonIn> = users
        .iter()
        .map(|u| PersonIn {
            email: u.email.to_lowercase(),
            left: u.disabled != 0 || leavers.contains(&u.login_id) || leavers.contains(&u.display_name),
        })
        .collect();
    let last: BTreeMap<String, String> =
        rows::m365_last_sign_in(&mut c.ex(), &actor.org_id).await?.into_iter().collect();
    let privileged: BTreeSet<String> =
        rows::m365_events(&mut c.ex(), &actor.org_id, "", "Add member to role", "", "0000", "9999", i64::MAX)
            .await?
            .iter()
            .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.raw).ok())
            .filter_map(|v| v.get("ObjectId").and_then(|o| o.as_str()).map(str::to_lowercase))
            .filter(|o| o.contains('@'))
            .collect();
    let registered: BTreeSet<String> = rows::requests(&mut c.ex(), &actor.org_id)
        .await?
        .iter()
        .filter(|r| r.type_key == "privileged_id" && r.state == "completed")
        .filter_map(|r| serde_json::from_str::<serde_json::Value>(&r.fields_json).ok())
        .filter_map(|v| v.get("account").and_then(|a| a.as_str()).map(|a| a.trim().to_lowercase()))
        .collect();
    let decisions = rows::m365_reviews(&mut c.ex(), &actor.org_id, year).await?;
    let cutoff = today
        .checked_sub(jiff::Span::new().days(unused_days))
        .map_err(|e| AppError::Internal(e.to_string()))?
        .to_string();
    Ok(reconcile(&accounts, &people, &last, &privileged, &registered, &cutoff)
        .into_iter()
        .map(|a| {
            let decision = decisions.iter().find(|d| d.upn == a.upn).cloned();
            ReviewLine { account: a, decision }
        })
        .collect())
}

/// Records the reviewer's decision on an account for the fiscal year of `today`.
pub async fn decide_account(
    db: &Db,
    actor: &Actor,
    upn: &str,
    decision: &str,
    note: &str,
    today: jiff::civil::Date,
    now: i64,
) -> Result<rows::M365ReviewRow, AppError> {
    if !may_decide(actor) {
        return Err(AppError::Forbidden);
    }
    if !REVIEW_DECISIONS.contains(&decision) {
        return Err(AppError::Validation(vec![("decision".into(), "field-not-a-choice".into())]));
    }
    let line =
        review(db, actor, today, 90).await?.into_iter().find(|l| l.account.upn == upn).ok_or(AppError::NotFound)?;
    let row = rows::M365ReviewRow {
        org_id: actor.org_id.clone(),
        year: i64::from(mamori_domain::schedule::fiscal_year(today, 4)),
        upn: upn.to_string(),
        decision: decision.to_string(),
        note: note.trim().to_string(),
        flags: line.account.flags.join(","),
        decided_by: actor.label.clone(),
        decided_at: now,
    };
    let mut tx = db.begin().await?;
    rows::upsert_m365_review(&mut tx.ex(), &row).await?;
    crate::audit::append(
        &mut tx,
        crate::audit::Entry::by(
            actor,
            mamori_domain::audit::AuditAction::Update,
            "m365_review",
            Some(upn),
            None,
            Some(serde_json::to_value(&row).map_err(|e| AppError::Internal(e.to_string()))?),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}
