//! 標的型メール訓練 (targeted-mail drills; 6.3 awareness, 5.7/8.23 phishing): a campaign sends
//! each chosen person of the staff directory a realistic Japanese drill mail
//! (`mamori_domain::drill` templates) through the outbox — so the configured SMTP server sends
//! it — with a personal link back to mamori (`<base_url>/drill/t/{token}`). Opening the link
//! is a click and shows a short lesson ([`click`]); the 「不審メールを報告」 page records who
//! reported ([`report`]); the results per person and department follow
//! (`mamori_domain::drill::tally`), and [`clickers`] names those who clicked (for the training
//! course).
//!
//! Life: `draft` (created with its targets; nothing queued) → `sent` ([`send`] queues one mail
//! per target) → `closed` ([`close`]). **After closing no click or report is recorded**: the
//! results are frozen as they were reported (a late click still shows the lesson).
//!
//! Safety rails: every address is checked against the organisation's allowed drill domains
//! (`drill_setting`, set by [`set_domains`]) when the campaign is created — a refused person is
//! named at their field (`targets.<person id>`) with the reason, and nothing is stored — and
//! again when it is sent, against both the campaign's snapshot and the current setting.
//! Drill mails are kind `drill` in the outbox; each link's token (32 random bytes) is stored
//! only as its SHA-256 in `drill_target`; the outbox body holds the link until the mail is
//! delivered and the token is removed from it then (`outbox::send_due`); the outbox's readers
//! never see it (`outbox::list` removes it).
//!
//! Need-to-know: who clicked is personal — campaigns, results, the allowed domains and the
//! suspicious-mail reports need `drills.manage` (経営責任者 and 情報セキュリティ管理者; not
//! システム管理者). Every member may report a suspicious mail and sees nothing of anyone's
//! results. Audit rows name campaigns and targets by id with counts, never who clicked by name.

pub mod click;
pub mod follow_up;
pub mod report;

use crate::checks::{self, Problems};
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::drill::{self as rules, Facts, Outcome, Refusal, Tally};
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::{self, DrillCampaignRow, DrillSettingRow, DrillTargetRow, PersonRow};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Most people one campaign mails.
pub const MAX_TARGETS: usize = 500;

pub(crate) fn hash(token: &str) -> String {
    mamori_domain::hex::encode(&Sha256::digest(token.as_bytes()))
}

fn domains_of(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

async fn current_domains(db: &Db, org_id: &str) -> Result<Vec<String>, AppError> {
    let mut c = db.conn().await?;
    Ok(rows::drill_setting(&mut c.ex(), org_id).await?.map(|s| domains_of(&s.domains_json)).unwrap_or_default())
}

/// The organisation's allowed drill domains.
pub async fn domains(db: &Db, actor: &Actor) -> Result<Vec<String>, AppError> {
    actor.require(Permission::DrillsManage)?;
    current_domains(db, &actor.org_id).await
}

/// Sets the allowed drill domains from text (one a line, or separated by commas or spaces);
/// `Validation` at `domains` naming the first refused entry's reason.
pub async fn set_domains(db: &Db, actor: &Actor, text: &str, now: i64) -> Result<Vec<String>, AppError> {
    actor.require(Permission::DrillsManage)?;
    let mut p: Problems = Vec::new();
    checks::text(&mut p, "domains", text, checks::MAX_TEXT, false);
    checks::done(p)?;
    let list = rules::parse_domains(text).map_err(|bad| {
        let key = bad.first().map(|b| b.1).unwrap_or("drill-domain-invalid");
        AppError::Validation(vec![("domains".into(), key.into())])
    })?;
    let before = current_domains(db, &actor.org_id).await?;
    let row = DrillSettingRow {
        org_id: actor.org_id.clone(),
        domains_json: serde_json::to_string(&list).map_err(crate::error::internal)?,
        updated_by: actor.user_id.clone().unwrap_or_else(|| actor.label.clone()),
        updated_at: now,
    };
    let mut tx = db.begin().await?;
    rows::upsert_drill_setting(&mut tx.ex(), &row).await?;
    crate::audit::updated(
        &mut tx,
        actor,
        "drill_setting",
        &actor.org_id,
        &serde_json::json!({"domains": before}),
        &serde_json::json!({"domains": list}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(list)
}

/// A person the campaign form offers.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// Person id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Department.
    pub department: String,
    /// Their address (may be empty).
    pub email: String,
    /// Why a drill mail could not go to them now (none: it could).
    pub refusal: Option<Refusal>,
}

fn active(p: &PersonRow, today: Date) -> bool {
    p.left_on.as_deref().is_none_or(|d| d > today.to_string().as_str())
}

/// The active people of the directory with what the allow list says of each, by department
/// and name.
pub async fn candidates(db: &Db, actor: &Actor, today: Date) -> Result<Vec<Candidate>, AppError> {
    actor.require(Permission::DrillsManage)?;
    let allowed = current_domains(db, &actor.org_id).await?;
    let people = {
        let mut c = db.conn().await?;
        rows::people(&mut c.ex(), &actor.org_id).await?
    };
    let mut out: Vec<Candidate> = people
        .into_iter()
        .filter(|p| active(p, today))
        .map(|p| Candidate {
            refusal: rules::check_address(&p.email, &allowed).err(),
            id: p.id,
            name: p.name,
            department: p.department,
            email: p.email,
        })
        .collect();
    out.sort_by(|a, b| (&a.department, &a.name).cmp(&(&b.department, &b.name)));
    Ok(out)
}

/// What the campaign form or the API gives.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CampaignInput {
    /// Name.
    pub name: String,
    /// Template key.
    pub template: String,
    /// Where people report suspicious mail (named in the lesson).
    pub report_address: String,
    /// The follow-up training course for those who click (free text).
    pub follow_up: String,
    /// Person ids.
    pub people: Vec<String>,
}

/// Creates a draft campaign with its targets (`drills.manage`): `Validation` with every
/// problem at its field — a person whose address the allow list refuses at
/// `targets.<person id>` with the reason; nothing is stored then.
pub async fn create(
    db: &Db,
    actor: &Actor,
    input: &CampaignInput,
    today: Date,
    now: i64,
) -> Result<DrillCampaignRow, AppError> {
    actor.require(Permission::DrillsManage)?;
    let mut p: Problems = Vec::new();
    let name = checks::text(&mut p, "name", &input.name, checks::MAX_TITLE, true);
    let template = rules::template(input.template.trim());
    if input.template.trim().is_empty() {
        checks::problem(&mut p, "template", "field-required");
    } else if template.is_none() {
        checks::problem(&mut p, "template", "field-not-a-choice");
    }
    let follow_up = checks::text(&mut p, "follow_up", &input.follow_up, checks::MAX_TITLE, false);
    let allowed = current_domains(db, &actor.org_id).await?;
    let report_address = checks::text(&mut p, "report_address", &input.report_address, 254, true);
    if !report_address.is_empty() {
        match rules::check_address(&report_address, &allowed) {
            Ok(()) | Err(Refusal::NoAllowList) => {}
            Err(r) => checks::problem(&mut p, "report_address", r.key()),
        }
    }
    if allowed.is_empty() {
        checks::problem(&mut p, "domains", Refusal::NoAllowList.key());
    }
    let mut ids: Vec<&str> = Vec::new();
    for id in input.people.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        checks::problem(&mut p, "people", "drill-no-people");
    }
    checks::entries(&mut p, "people", &ids, MAX_TARGETS);
    let people = {
        let mut c = db.conn().await?;
        rows::people(&mut c.ex(), &actor.org_id).await?
    };
    let mut chosen: Vec<&PersonRow> = Vec::new();
    for id in ids.iter().take(MAX_TARGETS) {
        match people.iter().find(|q| q.id == *id) {
            None => checks::problem(&mut p, "people", "field-unknown-person"),
            Some(person) if !active(person, today) => {
                checks::problem(&mut p, &format!("targets.{}", person.id), "drill-refused-left");
            }
            Some(person) => {
                if !allowed.is_empty()
                    && let Err(r) = rules::check_address(&person.email, &allowed)
                {
                    checks::problem(&mut p, &format!("targets.{}", person.id), r.key());
                }
                chosen.push(person);
            }
        }
    }
    checks::done(p)?;
    let Some(template) = template else { return Err(AppError::NotFound) };
    let campaign = DrillCampaignRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        name,
        template_key: template.key.clone(),
        sender_name: template.sender_name.clone(),
        subject: template.subject.clone(),
        body: template.body.clone(),
        domains_json: serde_json::to_string(&allowed).map_err(crate::error::internal)?,
        report_address,
        follow_up,
        state: "draft".into(),
        created_by: actor.user_id.clone().unwrap_or_else(|| actor.label.clone()),
        created_at: now,
        sent_at: None,
        closed_at: None,
    };
    let mut tx = db.begin().await?;
    rows::insert_drill_campaign(&mut tx.ex(), &campaign).await?;
    for person in &chosen {
        let t = DrillTargetRow {
            id: new_id(),
            org_id: actor.org_id.clone(),
            campaign_id: campaign.id.clone(),
            person_id: person.id.clone(),
            address: person.email.trim().to_string(),
            token_hash: None,
            mail_id: None,
            sent_at: None,
            clicked_at: None,
            click_count: 0,
            reported_at: None,
        };
        rows::insert_drill_target(&mut tx.ex(), &t).await?;
    }
    crate::audit::created(
        &mut tx,
        actor,
        "drill_campaign",
        &campaign.id,
        &serde_json::json!({"name": campaign.name, "template": campaign.template_key, "targets": chosen.len()}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(campaign)
}

/// One person's result.
#[derive(Debug, Clone, Serialize)]
pub struct TargetView {
    /// Person id.
    pub person_id: String,
    /// Name (from the directory).
    pub name: String,
    /// Department (from the directory).
    pub department: String,
    /// The address mailed.
    pub address: String,
    /// When the mail was queued.
    pub sent_at: Option<i64>,
    /// First click.
    pub clicked_at: Option<i64>,
    /// Clicks.
    pub click_count: i64,
    /// First report.
    pub reported_at: Option<i64>,
    /// What they did.
    pub outcome: Outcome,
}

/// A campaign with its results.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignView {
    /// The campaign.
    pub campaign: DrillCampaignRow,
    /// What the template imitates (its title).
    pub template_title: String,
    /// Its people, by department and name.
    pub targets: Vec<TargetView>,
    /// The tally.
    pub tally: Tally,
}

fn rate(r: Option<i64>) -> serde_json::Value {
    r.map_or(serde_json::Value::Null, |r| serde_json::json!(r as f64 / 10.0))
}

impl CampaignView {
    /// The fixed contract of `GET /api/v1/drills/{id}`: rates in percent (one decimal, null
    /// before sending), people by name and department; never a token.
    pub fn contract(&self) -> serde_json::Value {
        let c = &self.campaign;
        let counts = |x: &rules::Counts| {
            serde_json::json!({
                "targets": x.targets, "sent": x.sent, "clicked": x.clicked, "reported": x.reported,
                "click_rate": rate(x.click_rate()), "report_rate": rate(x.report_rate()),
            })
        };
        serde_json::json!({
            "id": c.id,
            "name": c.name,
            "template": c.template_key,
            "template_title": self.template_title,
            "subject": c.subject,
            "sender_name": c.sender_name,
            "report_address": c.report_address,
            "follow_up": c.follow_up,
            "allowed_domains": domains_of(&c.domains_json),
            "state": c.state,
            "created_at": c.created_at,
            "sent_at": c.sent_at,
            "closed_at": c.closed_at,
            "totals": counts(&self.tally.all),
            "by_department": self.tally.by_department.iter().map(|(d, x)| {
                let mut v = counts(x);
                v["department"] = d.clone().into();
                v
            }).collect::<Vec<_>>(),
            "people": self.targets.iter().map(|t| serde_json::json!({
                "person_id": t.person_id, "name": t.name, "department": t.department, "address": t.address,
                "sent_at": t.sent_at, "clicked_at": t.clicked_at, "click_count": t.click_count,
                "reported_at": t.reported_at, "outcome": t.outcome,
            })).collect::<Vec<_>>(),
        })
    }
}

fn view(campaign: DrillCampaignRow, targets: Vec<DrillTargetRow>, people: &[PersonRow]) -> CampaignView {
    let mut list: Vec<TargetView> = targets
        .into_iter()
        .map(|t| {
            let p = people.iter().find(|p| p.id == t.person_id);
            TargetView {
                name: p.map(|p| p.name.clone()).unwrap_or_default(),
                department: p.map(|p| p.department.clone()).unwrap_or_default(),
                outcome: Outcome::of(t.sent_at.is_some(), t.clicked_at.is_some(), t.reported_at.is_some()),
                person_id: t.person_id,
                address: t.address,
                sent_at: t.sent_at,
                clicked_at: t.clicked_at,
                click_count: t.click_count,
                reported_at: t.reported_at,
            }
        })
        .collect();
    list.sort_by(|a, b| (&a.department, &a.name).cmp(&(&b.department, &b.name)));
    let facts: Vec<Facts<'_>> = list
        .iter()
        .map(|t| Facts {
            department: &t.department,
            sent: t.sent_at.is_some(),
            clicked: t.clicked_at.is_some(),
            reported: t.reported_at.is_some(),
        })
        .collect();
    let tally = rules::tally(&facts);
    let template_title = rules::template(&campaign.template_key).map(|t| t.title.clone()).unwrap_or_default();
    CampaignView { campaign, template_title, targets: list, tally }
}

/// A campaign with its results per person and department (`drills.manage`).
pub async fn get(db: &Db, actor: &Actor, id: &str) -> Result<CampaignView, AppError> {
    actor.require(Permission::DrillsManage)?;
    let mut c = db.conn().await?;
    let campaign = rows::drill_campaign(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)?;
    let targets = rows::drill_targets(&mut c.ex(), &actor.org_id, id).await?;
    let people = rows::people(&mut c.ex(), &actor.org_id).await?;
    Ok(view(campaign, targets, &people))
}

/// The organisation's campaigns, newest first, each with its results (at most 200).
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<CampaignView>, AppError> {
    actor.require(Permission::DrillsManage)?;
    let mut c = db.conn().await?;
    let campaigns = rows::drill_campaigns(&mut c.ex(), &actor.org_id).await?;
    let people = rows::people(&mut c.ex(), &actor.org_id).await?;
    let mut out = Vec::new();
    for campaign in campaigns.into_iter().take(200) {
        let targets = rows::drill_targets(&mut c.ex(), &actor.org_id, &campaign.id).await?;
        out.push(view(campaign, targets, &people));
    }
    Ok(out)
}

/// The people of a campaign who clicked its link (at least once, before it was closed), as
/// person ids of the staff directory, sorted (`drills.manage`). For assigning the follow-up
/// training course ([`DrillCampaignRow::follow_up`]).
pub async fn clickers(db: &Db, actor: &Actor, campaign_id: &str) -> Result<Vec<String>, AppError> {
    actor.require(Permission::DrillsManage)?;
    let mut c = db.conn().await?;
    rows::drill_campaign(&mut c.ex(), &actor.org_id, campaign_id).await?.ok_or(AppError::NotFound)?;
    let mut ids: Vec<String> = rows::drill_targets(&mut c.ex(), &actor.org_id, campaign_id)
        .await?
        .into_iter()
        .filter(|t| t.clicked_at.is_some())
        .map(|t| t.person_id)
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// What sending did.
#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    /// The campaign.
    pub campaign: DrillCampaignRow,
    /// Mails queued.
    pub sent: usize,
}

/// Queues one drill mail per target through the outbox (`drills.manage`), each with its
/// personal link `<base_url>/drill/t/{token}` and the template's sender display name →
/// how many; `Conflict` unless the campaign is a draft; `Validation` at
/// `targets.<person id>` when an address is no longer allowed (by the campaign's snapshot or
/// the current setting): nothing is queued then.
pub async fn send(db: &Db, actor: &Actor, base_url: Option<&str>, id: &str, now: i64) -> Result<Sent, AppError> {
    let v = get(db, actor, id).await?;
    if v.campaign.state != "draft" {
        return Err(AppError::Conflict);
    }
    let snapshot = domains_of(&v.campaign.domains_json);
    let current = current_domains(db, &actor.org_id).await?;
    let mut p: Problems = Vec::new();
    for t in &v.targets {
        if let Err(r) = rules::check_address(&t.address, &snapshot).and(rules::check_address(&t.address, &current)) {
            checks::problem(&mut p, &format!("targets.{}", t.person_id), r.key());
        }
    }
    if v.targets.is_empty() {
        checks::problem(&mut p, "people", "drill-no-people");
    }
    checks::done(p)?;
    let stored = {
        let mut c = db.conn().await?;
        rows::drill_targets(&mut c.ex(), &actor.org_id, id).await?
    };
    let base = base_url.unwrap_or("").trim_end_matches('/');
    let c = &v.campaign;
    let mut tx = db.begin().await?;
    if rows::set_drill_campaign_state(&mut tx.ex(), &actor.org_id, id, "draft", "sent", now).await? == 0 {
        return Err(AppError::Conflict);
    }
    let mut sent = 0;
    for t in &stored {
        let name = v.targets.iter().find(|x| x.person_id == t.person_id).map(|x| x.name.as_str()).unwrap_or("");
        let token = crate::random::token()?;
        let link = format!("{base}{}{token}", rules::LINK_PATH);
        let mail = crate::outbox::Mail {
            dedupe_key: format!("drill:{}:{}", c.id, t.id),
            kind: crate::outbox::DRILL_KIND,
            recipient: t.address.clone(),
            subject: rules::render(&c.subject, name, ""),
            body: rules::render(&c.body, name, &link),
        };
        let Some(mail_id) = crate::outbox::queue_as(&mut tx, &actor.org_id, mail, Some(&c.sender_name), now).await?
        else {
            continue;
        };
        rows::set_drill_target_sent(&mut tx.ex(), &actor.org_id, &t.id, &hash(&token), &mail_id, now).await?;
        sent += 1;
    }
    crate::audit::updated(
        &mut tx,
        actor,
        "drill_campaign",
        id,
        &serde_json::json!({"state": "draft"}),
        &serde_json::json!({"state": "sent", "sent": sent}),
        now,
    )
    .await?;
    tx.commit().await?;
    let campaign = get(db, actor, id).await?.campaign;
    Ok(Sent { campaign, sent })
}

/// Closes a sent campaign (`drills.manage`): no click or report is recorded afterwards;
/// `Conflict` unless it was sent and open.
pub async fn close(db: &Db, actor: &Actor, id: &str, now: i64) -> Result<CampaignView, AppError> {
    let v = get(db, actor, id).await?;
    let mut tx = db.begin().await?;
    if rows::set_drill_campaign_state(&mut tx.ex(), &actor.org_id, id, "sent", "closed", now).await? == 0 {
        return Err(AppError::Conflict);
    }
    crate::audit::updated(
        &mut tx,
        actor,
        "drill_campaign",
        id,
        &serde_json::json!({"state": "sent"}),
        &serde_json::json!({"state": "closed", "sent": v.tally.all.sent, "clicked": v.tally.all.clicked,
                            "reported": v.tally.all.reported}),
        now,
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}
