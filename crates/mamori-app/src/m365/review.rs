//! Findings of the detections (the inbox and decisions on them) and the yearly
//! access-rights review of Microsoft 365 accounts.

use super::search::{EventQuery, events};
use crate::error::internal;
use crate::{Actor, AppError};
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows;
use serde::Serialize;

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

/// An instant of a finding (RFC 3339) as people read it in Japan; as stored when unreadable.
fn jst(at: &str) -> String {
    at.parse::<jiff::Timestamp>().map(|t| crate::tokyo_datetime(t.as_millisecond())).unwrap_or_else(|_| at.to_string())
}

/// Confirms (optionally opening an incident) or dismisses a new finding, with a reason. The
/// incident is titled with the rule's name as `rule_label` gives it (the catalogue's), the
/// period in JST and the count of events — no rule key or event ids.
#[allow(clippy::too_many_arguments)]
pub async fn decide_finding(
    db: &Db,
    actor: &Actor,
    id: &str,
    confirm: bool,
    reason: &str,
    open_incident: bool,
    rule_label: &(dyn Fn(&str) -> String + Sync),
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
        let title = format!("Microsoft 365: {} {}", rule_label(&before.rule), before.subject);
        let description = format!(
            "{}\n検知期間: {} – {}（イベント {} 件）",
            reason.trim(),
            jst(&before.first_seen),
            jst(&before.last_seen),
            before.event_count,
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
/// against the organisation's people (leavers: a disabled mamori account, a row of the
/// leaver checklist whose leaving date has passed, or a person of the staff directory whose
/// leave date has come — matched by e-mail address), administrator-role grants in the audit log
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
    let privileged: BTreeSet<String> = events(
        db,
        actor,
        &EventQuery { operation: "Add member to role".into(), limit: i64::MAX, ..Default::default() },
    )
    .await?
    .iter()
    .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.raw).ok())
    .filter_map(|v| v.get("ObjectId").and_then(|o| o.as_str()).map(str::to_lowercase))
    .filter(|o| o.contains('@'))
    .collect();
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
    // The staff directory's people too (#17): a leave date that has come is a leaver, and a
    // person without a login is a person.
    let directory = rows::people(&mut c.ex(), &actor.org_id).await?;
    let left_emails: BTreeSet<String> = directory
        .iter()
        .filter(|p| p.left_on.as_deref().is_some_and(|d| d <= today_s.as_str()))
        .map(|p| p.email.trim().to_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    let mut people: Vec<PersonIn> = users
        .iter()
        .map(|u| PersonIn {
            email: u.email.to_lowercase(),
            left: u.disabled != 0
                || leavers.contains(&u.login_id)
                || leavers.contains(&u.display_name)
                || left_emails.contains(&u.email.to_lowercase()),
        })
        .collect();
    for p in &directory {
        let email = p.email.trim().to_lowercase();
        if !email.is_empty() && !people.iter().any(|q| q.email == email) {
            people.push(PersonIn { left: left_emails.contains(&email), email });
        }
    }
    let last: BTreeMap<String, String> =
        rows::m365_last_sign_in(&mut c.ex(), &actor.org_id).await?.into_iter().collect();
    let registered: BTreeSet<String> = rows::requests(&mut c.ex(), &actor.org_id)
        .await?
        .iter()
        .filter(|r| r.type_key == "privileged_id" && r.state == "completed")
        .filter_map(|r| serde_json::from_str::<serde_json::Value>(&r.fields_json).ok())
        .filter_map(|v| v.get("account").and_then(|a| a.as_str()).map(|a| a.trim().to_lowercase()))
        .collect();
    let decisions = rows::m365_reviews(&mut c.ex(), &actor.org_id, year).await?;
    let cutoff = today.checked_sub(jiff::Span::new().days(unused_days)).map_err(internal)?.to_string();
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
            Some(serde_json::to_value(&row).map_err(internal)?),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}
