//! Opening a drill mail's personal link (`/drill/t/{token}`, no account: the link is the
//! access). The token is looked up by its SHA-256 only. A click of a sent campaign is recorded
//! (the first click's time kept, every click counted) and the short lesson is shown; after the
//! campaign is closed the lesson is still shown but nothing is recorded. An unknown token or a
//! malformed one gives `None`: the page says nothing about why.

use super::hash;
use crate::{Actor, AppError};
use mamori_domain::drill as rules;
use mamori_store::Db;
use mamori_store::rows;

/// What the lesson shows.
#[derive(Debug, Clone)]
pub struct Lesson {
    /// The organisation's name.
    pub organisation: String,
    /// What the mail imitated (宅配便の不在通知).
    pub template_title: String,
    /// The sender's display name as sent.
    pub sender_name: String,
    /// The subject as sent.
    pub subject: String,
    /// The signs to notice.
    pub signs: Vec<String>,
    /// Where to report suspicious mail.
    pub report_address: String,
    /// Whether this click was recorded (false after closing).
    pub recorded: bool,
}

/// Records a click through a link and gives its lesson; `None` for an unknown token.
pub async fn click(db: &Db, token: &str, now: i64) -> Result<Option<Lesson>, AppError> {
    if !rules::is_token(token) {
        return Ok(None);
    }
    let (target, campaign, organisation) = {
        let mut c = db.conn().await?;
        let Some(t) = rows::drill_target_by_hash(&mut c.ex(), &hash(&token.to_ascii_lowercase())).await? else {
            return Ok(None);
        };
        let Some(campaign) = rows::drill_campaign(&mut c.ex(), &t.org_id, &t.campaign_id).await? else {
            return Ok(None);
        };
        let org = rows::org_by_id(&mut c.ex(), &t.org_id).await?.map(|o| o.name).unwrap_or_default();
        (t, campaign, org)
    };
    let recorded = match campaign.state.as_str() {
        "sent" => true,
        "closed" => false,
        _ => return Ok(None),
    };
    if recorded {
        let mut tx = db.begin().await?;
        rows::click_drill_target(&mut tx.ex(), &target.org_id, &target.id, now).await?;
        // Ids and the count only: the audit trail's readers do not learn who clicked.
        crate::audit::updated(
            &mut tx,
            &Actor::cli(&target.org_id),
            "drill_target",
            &target.id,
            &serde_json::json!({"campaign": campaign.id, "clicks": target.click_count}),
            &serde_json::json!({"campaign": campaign.id, "clicks": target.click_count + 1}),
            now,
        )
        .await?;
        tx.commit().await?;
    }
    let t = rules::template(&campaign.template_key);
    Ok(Some(Lesson {
        organisation,
        template_title: t.map(|t| t.title.clone()).unwrap_or_default(),
        signs: t.map(|t| t.signs.clone()).unwrap_or_default(),
        sender_name: campaign.sender_name,
        subject: campaign.subject,
        report_address: campaign.report_address,
        recorded,
    }))
}
