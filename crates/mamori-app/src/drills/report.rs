//! 「不審メールを報告」: any member reports a suspicious mail (its subject as they see it and
//! what they noticed). When the reporter's person (the directory's person linked to their
//! login) is a target of a sent, not closed campaign that they have not reported yet, the
//! report counts for the most recently sent such campaign (first report only); otherwise it is
//! a general suspicious-mail report — kept too, for 情報セキュリティ管理者 to look at. The
//! reporter is told the same either way (whether a mail was a drill is not revealed).
//! Managers also record a report that reached the campaign's report address by mail
//! ([`record_for`]).

use crate::checks::{self, Problems};
use crate::{Actor, AppError, new_id};
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::{self, SuspiciousReportRow};
use serde::{Deserialize, Serialize};

/// What the report form gives.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ReportInput {
    /// The mail's subject.
    pub subject: String,
    /// What they noticed (sender, link, attachment…).
    pub note: String,
}

/// Records a report → the stored row (whose `campaign_id` says whether it counted for a
/// drill; the page does not show it); `Validation` at `subject`/`note`.
pub async fn report(db: &Db, actor: &Actor, input: &ReportInput, now: i64) -> Result<SuspiciousReportRow, AppError> {
    actor.require(Permission::DashboardView)?;
    let Some(user_id) = actor.user_id.clone() else { return Err(AppError::Forbidden) };
    let mut p: Problems = Vec::new();
    let subject = checks::text(&mut p, "subject", &input.subject, checks::MAX_TITLE, true);
    let note = checks::text(&mut p, "note", &input.note, checks::MAX_TEXT, false);
    checks::done(p)?;
    let person = crate::people::of_actor(db, actor).await?;
    let mut target = None;
    if let Some(person) = &person {
        let mut c = db.conn().await?;
        let mut best: Option<(i64, rows::DrillTargetRow)> = None;
        for t in rows::drill_targets_of_person(&mut c.ex(), &actor.org_id, &person.id).await? {
            if t.sent_at.is_none() || t.reported_at.is_some() {
                continue;
            }
            let Some(campaign) = rows::drill_campaign(&mut c.ex(), &actor.org_id, &t.campaign_id).await? else {
                continue;
            };
            let sent = campaign.sent_at.unwrap_or(0);
            if campaign.state == "sent" && best.as_ref().is_none_or(|(at, _)| sent > *at) {
                best = Some((sent, t));
            }
        }
        target = best.map(|b| b.1);
    }
    let row = SuspiciousReportRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        user_id,
        person_id: person.map(|p| p.id),
        campaign_id: target.as_ref().map(|t| t.campaign_id.clone()),
        target_id: target.as_ref().map(|t| t.id.clone()),
        subject,
        note,
        created_at: now,
    };
    let mut tx = db.begin().await?;
    if let Some(t) = &target {
        rows::report_drill_target(&mut tx.ex(), &actor.org_id, &t.id, now).await?;
    }
    rows::insert_suspicious_report(&mut tx.ex(), &row).await?;
    crate::audit::created(
        &mut tx,
        actor,
        "suspicious_report",
        &row.id,
        &serde_json::json!({"campaign": row.campaign_id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Records that a target reported by mail to the campaign's report address (`drills.manage`);
/// `Conflict` unless the campaign is sent and open, `NotFound` for a person not mailed in it.
/// Reporting twice keeps the first time.
pub async fn record_for(db: &Db, actor: &Actor, campaign_id: &str, person_id: &str, now: i64) -> Result<(), AppError> {
    let v = super::get(db, actor, campaign_id).await?;
    if v.campaign.state != "sent" {
        return Err(AppError::Conflict);
    }
    let target = {
        let mut c = db.conn().await?;
        rows::drill_targets(&mut c.ex(), &actor.org_id, campaign_id)
            .await?
            .into_iter()
            .find(|t| t.person_id == person_id && t.sent_at.is_some())
            .ok_or(AppError::NotFound)?
    };
    let mut tx = db.begin().await?;
    let n = rows::report_drill_target(&mut tx.ex(), &actor.org_id, &target.id, now).await?;
    crate::audit::updated(
        &mut tx,
        actor,
        "drill_target",
        &target.id,
        &serde_json::json!({"campaign": campaign_id, "reported": target.reported_at.is_some()}),
        &serde_json::json!({"campaign": campaign_id, "reported": true, "by_mail": n == 1}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A report as the managers read it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    /// The row.
    #[serde(flatten)]
    pub row: SuspiciousReportRow,
    /// The reporter's name.
    pub reporter: String,
    /// The campaign's name, when it counted for one.
    pub campaign: Option<String>,
}

/// The organisation's suspicious-mail reports, newest first (`drills.manage`; at most 200).
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<ReportView>, AppError> {
    actor.require(Permission::DrillsManage)?;
    let mut c = db.conn().await?;
    let reports = rows::suspicious_reports(&mut c.ex(), &actor.org_id, 200).await?;
    let users = rows::list_users(&mut c.ex(), &actor.org_id).await?;
    let campaigns = rows::drill_campaigns(&mut c.ex(), &actor.org_id).await?;
    Ok(reports
        .into_iter()
        .map(|row| ReportView {
            reporter: users.iter().find(|u| u.id == row.user_id).map(|u| u.display_name.clone()).unwrap_or_default(),
            campaign: row
                .campaign_id
                .as_ref()
                .and_then(|id| campaigns.iter().find(|c| &c.id == id))
                .map(|c| c.name.clone()),
            row,
        })
        .collect())
}
