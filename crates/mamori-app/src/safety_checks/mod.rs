//! 安否確認 (safety confirmation, 5.29): the 対策本部 sends a broadcast — real or a drill — to
//! everyone in scope (until a people directory exists: every active user of the organisation
//! with a mail address), each by mail through the outbox with a personal link (a random token
//! stored as its SHA-256 only, valid [`VALID_DAYS`] days) that works on a phone without an
//! account ([`answer`]). The mail carries the fallback channels (災害用伝言ダイヤル 171 and
//! 災害用伝言板 web171); a drill's subject is marked 【訓練】. The tally
//! (`mamori_domain::safety::tally`) counts each person once; answering again replaces the
//! answer. Non-responders can be re-sent a fresh link (each mailing counted; earlier links keep
//! working until they expire). Closing a drill writes its result as a row of the bcp_records
//! register (事業継続計画実施記録) in the same transaction.
//!
//! Who may: `safety_checks.manage` (経営責任者 and 情報セキュリティ管理者 by default): the tally
//! holds answers about injuries and names non-responders (need-to-know); answering needs only
//! the link. Audit rows carry ids and counts, never a person's answer.

pub mod answer;

use crate::error::internal;
use crate::reminders::MailText;
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::permission::Permission;
pub use mamori_domain::safety::VALID_DAYS;
use mamori_domain::safety::{self as rules, Status, Tally};
use mamori_store::rows::{self, SafetyCheckRow, SafetyLinkRow, SafetyRecipientRow};
use mamori_store::{Db, Tx};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The register a closed drill is recorded in.
pub const BCP_REGISTER: &str = "bcp_records";

pub(crate) fn hash(token: &str) -> String {
    mamori_domain::hex::encode(&Sha256::digest(token.as_bytes()))
}

/// Where mails point: the server's public address (none: the path only).
#[derive(Clone, Copy)]
#[allow(missing_debug_implementations)]
pub struct Mailing<'a> {
    /// The mail text catalogue.
    pub text: &'a dyn MailText,
    /// The server's public URL (`https://isms.example.jp`), if known.
    pub base_url: Option<&'a str>,
    /// False only for a record of the past (the demo's drill): links are made but nothing is
    /// queued, and the links go back to the caller ([`Sent::unmailed`]).
    pub queue: bool,
}

impl Mailing<'_> {
    fn link(&self, token: &str) -> String {
        format!("{}/s/{token}", self.base_url.unwrap_or("").trim_end_matches('/'))
    }
}

/// A check and how many people it reached.
#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    /// The check.
    pub check: SafetyCheckRow,
    /// Mails queued.
    pub sent: usize,
    /// The sender's own link, when the sender is in scope (shown to them once, so that they
    /// answer at once; never anyone else's).
    #[serde(skip)]
    pub own_token: Option<String>,
    /// (user id, token) of each link when nothing was mailed ([`Mailing::queue`] false).
    #[serde(skip)]
    pub unmailed: Vec<(String, String)>,
}

async fn mail(
    tx: &mut Tx,
    m: &Mailing<'_>,
    org_name: &str,
    check: &SafetyCheckRow,
    r: &SafetyRecipientRow,
    now: i64,
) -> Result<(bool, String), AppError> {
    let token = crate::random::token()?;
    let link = SafetyLinkRow {
        token_hash: hash(&token),
        org_id: r.org_id.clone(),
        check_id: check.id.clone(),
        recipient_id: r.id.clone(),
        created_at: now,
        expires_at: now + VALID_DAYS * 86_400_000,
    };
    rows::insert_safety_link(&mut tx.ex(), &link).await?;
    let mark = if check.drill == 1 { m.text.text("safety-drill-mark", &[]) } else { String::new() };
    let args = [
        ("drill", mark),
        ("organisation", org_name.to_string()),
        ("title", check.title.clone()),
        ("name", r.display_name.clone()),
        ("url", m.link(&token)),
        ("when", crate::tokyo_datetime(link.expires_at)),
    ];
    let body = format!(
        "{}\n\n{}\n\n{}\n",
        m.text.text("safety-mail-body", &args),
        m.text.text("safety-fallback", &[]),
        m.text.text("mail-footer", &[])
    );
    let mail = crate::outbox::Mail {
        dedupe_key: format!("safety:{}:{}:{}", check.id, r.id, r.sent_count),
        kind: "safety_check",
        recipient: r.email.clone(),
        subject: m.text.text("safety-mail-subject", &args),
        body,
    };
    let queued = m.queue && crate::outbox::queue(tx, &r.org_id, mail, now).await?;
    Ok((queued, token))
}

/// Sends a safety check to everyone in scope → the check and the number of mails queued;
/// `Validation` at `title`.
pub async fn send(
    db: &Db,
    actor: &Actor,
    m: &Mailing<'_>,
    title: &str,
    drill: bool,
    now: i64,
) -> Result<Sent, AppError> {
    actor.require(Permission::SafetyChecksManage)?;
    let mut p = Vec::new();
    let title = crate::checks::text(&mut p, "title", title, crate::checks::MAX_TITLE, true);
    crate::checks::done(p)?;
    let (org_name, users, roles) = {
        let mut c = db.conn().await?;
        let org = rows::org_by_id(&mut c.ex(), &actor.org_id).await?.ok_or(AppError::NotFound)?;
        let users = rows::list_users(&mut c.ex(), &actor.org_id).await?;
        let roles = rows::all_user_roles(&mut c.ex(), &actor.org_id).await?;
        (org.name, users, roles)
    };
    let mut groups: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in &roles {
        groups.entry(r.user_id.as_str()).or_default().push(r.name_ja.as_str());
    }
    let check = SafetyCheckRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        title,
        drill: i64::from(drill),
        state: "open".into(),
        created_by: actor.user_id.clone().unwrap_or_else(|| actor.label.clone()),
        created_at: now,
        closed_by: None,
        closed_at: None,
        bcp_row_id: None,
    };
    let mut tx = db.begin().await?;
    rows::insert_safety_check(&mut tx.ex(), &check).await?;
    let mut sent = 0;
    let mut own_token = None;
    let mut unmailed = Vec::new();
    for u in users.iter().filter(|u| u.disabled == 0 && u.email.contains('@')) {
        let r = SafetyRecipientRow {
            id: new_id(),
            org_id: actor.org_id.clone(),
            check_id: check.id.clone(),
            user_id: u.id.clone(),
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            groups_json: serde_json::to_string(groups.get(u.id.as_str()).map(Vec::as_slice).unwrap_or(&[]))
                .map_err(internal)?,
            sent_count: 1,
            last_sent_at: now,
            status: None,
            can_work: None,
            comment: None,
            answered_at: None,
            answer_count: 0,
        };
        rows::insert_safety_recipient(&mut tx.ex(), &r).await?;
        let (queued, token) = mail(&mut tx, m, &org_name, &check, &r, now).await?;
        if queued {
            sent += 1;
        }
        if actor.user_id.as_deref() == Some(u.id.as_str()) {
            own_token = Some(token.clone());
        }
        if !m.queue {
            unmailed.push((u.id.clone(), token));
        }
    }
    crate::audit::created(
        &mut tx,
        actor,
        "safety_check",
        &check.id,
        &serde_json::json!({"title": check.title, "drill": drill, "sent": sent}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Sent { check, sent, own_token, unmailed })
}

/// A recipient as the tally page shows them.
#[derive(Debug, Clone, Serialize)]
pub struct RecipientView {
    /// The row.
    #[serde(flatten)]
    pub row: SafetyRecipientRow,
    /// Role names.
    pub groups: Vec<String>,
}

/// A check with its recipients and tally.
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    /// The check.
    pub check: SafetyCheckRow,
    /// Recipients by name.
    pub recipients: Vec<RecipientView>,
    /// The tally.
    pub tally: Tally,
}

impl CheckView {
    /// The fixed contract of `GET /api/v1/safety-checks/{id}` (with more fields).
    pub fn contract(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.check.id,
            "title": self.check.title,
            "drill": self.check.drill == 1,
            "state": self.check.state,
            "created_at": self.check.created_at,
            "closed_at": self.check.closed_at,
            "bcp_row_id": self.check.bcp_row_id,
            "sent": self.tally.all.sent,
            "responded": self.tally.all.responded,
            "by_status": self.tally.all.by_status,
            "can_work": self.tally.all.can_work,
            "by_group": self.tally.by_group,
            "non_responders": self.tally.non_responders,
        })
    }
}

fn view(check: SafetyCheckRow, list: Vec<SafetyRecipientRow>) -> CheckView {
    let recipients: Vec<RecipientView> = list
        .into_iter()
        .map(|row| {
            let groups = serde_json::from_str(&row.groups_json).unwrap_or_default();
            RecipientView { row, groups }
        })
        .collect();
    let input: Vec<rules::Recipient<'_>> = recipients
        .iter()
        .map(|r| rules::Recipient {
            id: &r.row.id,
            name: &r.row.display_name,
            groups: r.groups.iter().map(String::as_str).collect(),
            sent_count: r.row.sent_count,
            answer: r.row.status.as_deref().and_then(Status::from_key).map(|s| (s, r.row.can_work == Some(1))),
        })
        .collect();
    let tally = rules::tally(&input);
    CheckView { check, recipients, tally }
}

/// A check with its tally.
pub async fn get(db: &Db, actor: &Actor, id: &str) -> Result<CheckView, AppError> {
    actor.require(Permission::SafetyChecksManage)?;
    let mut c = db.conn().await?;
    let check = rows::safety_check(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)?;
    let list = rows::safety_recipients(&mut c.ex(), &actor.org_id, id).await?;
    Ok(view(check, list))
}

/// The organisation's checks, newest first, each with its tally.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<CheckView>, AppError> {
    actor.require(Permission::SafetyChecksManage)?;
    let mut c = db.conn().await?;
    let checks = rows::safety_checks(&mut c.ex(), &actor.org_id).await?;
    let mut out = Vec::with_capacity(checks.len());
    for check in checks.into_iter().take(200) {
        let list = rows::safety_recipients(&mut c.ex(), &actor.org_id, &check.id).await?;
        out.push(view(check, list));
    }
    Ok(out)
}

/// Mails a fresh link to every non-responder of an open check (each mailing counted) → how
/// many were re-sent; `Conflict` when the check is closed.
pub async fn resend(db: &Db, actor: &Actor, m: &Mailing<'_>, id: &str, now: i64) -> Result<usize, AppError> {
    let v = get(db, actor, id).await?;
    if v.check.state != "open" {
        return Err(AppError::Conflict);
    }
    let org_name = {
        let mut c = db.conn().await?;
        rows::org_by_id(&mut c.ex(), &actor.org_id).await?.map(|o| o.name).unwrap_or_default()
    };
    let mut tx = db.begin().await?;
    let mut sent = 0;
    for r in v.recipients.iter().filter(|r| r.row.status.is_none()) {
        if rows::count_safety_resend(&mut tx.ex(), &actor.org_id, &r.row.id, now).await? == 0 {
            continue;
        }
        // Read back under the row lock the update holds: the count names this mailing.
        let row = rows::safety_recipient(&mut tx.ex(), &actor.org_id, &r.row.id).await?.ok_or(AppError::Conflict)?;
        if mail(&mut tx, m, &org_name, &v.check, &row, now).await?.0 {
            sent += 1;
        }
    }
    crate::audit::updated(
        &mut tx,
        actor,
        "safety_check",
        &v.check.id,
        &serde_json::json!({"responded": v.tally.all.responded}),
        &serde_json::json!({"resent": sent}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(sent)
}

/// The result of a drill as the bcp_records row states it (Japanese: register data).
fn drill_result(t: &Tally) -> (String, String) {
    let a = &t.all;
    let participants = format!("対象 {} 名（回答 {} 名、未回答 {} 名）", a.sent, a.responded, a.sent - a.responded);
    let resent: i64 = t.non_responders.iter().map(|n| (n.sent_count - 1).max(0)).sum();
    let result = format!(
        "安否確認訓練: 回答率 {}%。無事 {} 名、軽傷 {} 名、重傷 {} 名。出社可 {} 名、出社不可 {} 名。未回答者への再送 {} 回。",
        if a.sent == 0 { 0 } else { a.responded * 100 / a.sent },
        a.by_status.safe,
        a.by_status.minor_injury,
        a.by_status.serious_injury,
        a.can_work.yes,
        a.can_work.no,
        resent
    );
    (participants, result)
}

/// Closes an open check (no more answers). A drill writes its result as a bcp_records row in
/// the same transaction → the closed check; `Conflict` when closed already.
pub async fn close(db: &Db, actor: &Actor, id: &str, today: Date, now: i64) -> Result<CheckView, AppError> {
    let v = get(db, actor, id).await?;
    if v.check.state != "open" {
        return Err(AppError::Conflict);
    }
    let prepared = if v.check.drill == 1 {
        let (participants, result) = drill_result(&v.tally);
        let mut input = serde_json::Map::new();
        input.insert("date".into(), today.to_string().into());
        input.insert("kind".into(), "訓練".into());
        input.insert("scenario".into(), format!("安否確認訓練「{}」", v.check.title).into());
        input.insert("participants".into(), participants.into());
        input.insert("result".into(), result.into());
        if !v.tally.non_responders.is_empty() {
            input.insert("issues".into(), format!("未回答 {} 名", v.tally.non_responders.len()).into());
        }
        Some(crate::registers::prepare_create(db, actor, BCP_REGISTER, &input, None, now).await?)
    } else {
        None
    };
    let by = actor.user_id.clone().unwrap_or_else(|| actor.label.clone());
    let mut tx = db.begin().await?;
    let bcp = prepared.as_ref().map(|p| p.row.id.as_str());
    if rows::close_safety_check(&mut tx.ex(), &actor.org_id, id, &by, bcp, now).await? == 0 {
        return Err(AppError::Conflict);
    }
    if let Some(p) = &prepared {
        crate::registers::apply(&mut tx, actor, p, now).await?;
    }
    crate::audit::updated(
        &mut tx,
        actor,
        "safety_check",
        id,
        &serde_json::json!({"state": "open"}),
        &serde_json::json!({"state": "closed", "sent": v.tally.all.sent, "responded": v.tally.all.responded, "bcp_row": bcp}),
        now,
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}
