//! 標的型メール訓練: the allowed drill domains, campaigns, their targets (by the SHA-256 of each
//! personal link's token only) and the suspicious-mail reports. Migration 0029.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_optional};

/// The organisation's allowed drill domains.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct DrillSettingRow {
    /// Organisation.
    pub org_id: String,
    /// JSON array of normalised domains.
    pub domains_json: String,
    /// Who changed it last.
    pub updated_by: String,
    /// When.
    pub updated_at: i64,
}

/// A drill campaign.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct DrillCampaignRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Name (「2026年度 第1回 標的型メール訓練」).
    pub name: String,
    /// The template it was made from.
    pub template_key: String,
    /// The sender's display name as sent.
    pub sender_name: String,
    /// Subject as sent.
    pub subject: String,
    /// Body as sent, with `{name}` and `{link}`.
    pub body: String,
    /// The allowed domains when created (JSON array).
    pub domains_json: String,
    /// Where people report suspicious mail (named in the lesson).
    pub report_address: String,
    /// The follow-up course for those who clicked (free text for now).
    pub follow_up: String,
    /// `draft`, `sent` or `closed`.
    pub state: String,
    /// Who created it (user id, or `cli`).
    pub created_by: String,
    /// Created.
    pub created_at: i64,
    /// Sent.
    pub sent_at: Option<i64>,
    /// Closed.
    pub closed_at: Option<i64>,
}

const C_COLS: &str = "id, org_id, name, template_key, sender_name, subject, body, domains_json, report_address, \
                      follow_up, state, created_by, created_at, sent_at, closed_at";

/// A person chosen for a campaign.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct DrillTargetRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The campaign.
    pub campaign_id: String,
    /// The person of the directory.
    pub person_id: String,
    /// The address the mail goes to (copied from the directory).
    pub address: String,
    /// SHA-256 of the personal link's token, once sent.
    #[serde(skip)]
    pub token_hash: Option<String>,
    /// The outbox mail.
    #[serde(skip)]
    pub mail_id: Option<String>,
    /// When queued.
    pub sent_at: Option<i64>,
    /// First click.
    pub clicked_at: Option<i64>,
    /// Clicks.
    pub click_count: i64,
    /// First report.
    pub reported_at: Option<i64>,
}

const T_COLS: &str =
    "id, org_id, campaign_id, person_id, address, token_hash, mail_id, sent_at, clicked_at, click_count, reported_at";

/// A 「不審メールを報告」.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct SuspiciousReportRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Who reported.
    pub user_id: String,
    /// Their person, when linked.
    pub person_id: Option<String>,
    /// The campaign whose drill mail it was.
    pub campaign_id: Option<String>,
    /// The target it counted for.
    pub target_id: Option<String>,
    /// The mail's subject as typed.
    pub subject: String,
    /// What they noticed.
    pub note: String,
    /// When.
    pub created_at: i64,
}

const R_COLS: &str = "id, org_id, user_id, person_id, campaign_id, target_id, subject, note, created_at";

/// The organisation's allowed drill domains, if set.
pub async fn drill_setting(ex: &mut Ex<'_>, org_id: &str) -> Result<Option<DrillSettingRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        DrillSettingRow,
        "SELECT org_id, domains_json, updated_by, updated_at FROM drill_setting WHERE org_id = $1",
        org_id
    )?)
}

/// Sets the organisation's allowed drill domains.
pub async fn upsert_drill_setting(ex: &mut Ex<'_>, s: &DrillSettingRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO drill_setting (org_id, domains_json, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id) DO UPDATE SET domains_json = $2, updated_by = $3, updated_at = $4",
        &s.org_id,
        &s.domains_json,
        &s.updated_by,
        s.updated_at
    )?;
    Ok(())
}

/// Inserts a campaign.
pub async fn insert_drill_campaign(ex: &mut Ex<'_>, c: &DrillCampaignRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO drill_campaign (",
            C_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ]),
        &c.id,
        &c.org_id,
        &c.name,
        &c.template_key,
        &c.sender_name,
        &c.subject,
        &c.body,
        &c.domains_json,
        &c.report_address,
        &c.follow_up,
        &c.state,
        &c.created_by,
        c.created_at,
        c.sent_at,
        c.closed_at
    )?;
    Ok(())
}

/// A campaign of an organisation.
pub async fn drill_campaign(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<DrillCampaignRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        DrillCampaignRow,
        sql(&["SELECT ", C_COLS, " FROM drill_campaign WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// The campaigns of an organisation, newest first.
pub async fn drill_campaigns(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<DrillCampaignRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        DrillCampaignRow,
        sql(&["SELECT ", C_COLS, " FROM drill_campaign WHERE org_id = $1 ORDER BY created_at DESC, id DESC"]),
        org_id
    )?)
}

/// Moves a campaign from `from` to `to`, stamping `sent_at` (to `sent`) or `closed_at` (to
/// `closed`); 0 when it was not in `from`.
pub async fn set_drill_campaign_state(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
    from: &str,
    to: &str,
    now: i64,
) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE drill_campaign SET state = $1, sent_at = COALESCE($2, sent_at), closed_at = COALESCE($3, closed_at) \
         WHERE org_id = $4 AND id = $5 AND state = $6",
        to,
        (to == "sent").then_some(now),
        (to == "closed").then_some(now),
        org_id,
        id,
        from
    )?)
}

/// Inserts a target.
pub async fn insert_drill_target(ex: &mut Ex<'_>, t: &DrillTargetRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO drill_target (", T_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"]),
        &t.id,
        &t.org_id,
        &t.campaign_id,
        &t.person_id,
        &t.address,
        &t.token_hash,
        &t.mail_id,
        t.sent_at,
        t.clicked_at,
        t.click_count,
        t.reported_at
    )?;
    Ok(())
}

/// The targets of a campaign.
pub async fn drill_targets(
    ex: &mut Ex<'_>,
    org_id: &str,
    campaign_id: &str,
) -> Result<Vec<DrillTargetRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        DrillTargetRow,
        sql(&["SELECT ", T_COLS, " FROM drill_target WHERE org_id = $1 AND campaign_id = $2 ORDER BY id"]),
        org_id,
        campaign_id
    )?)
}

/// The targets a person was (in every campaign).
pub async fn drill_targets_of_person(
    ex: &mut Ex<'_>,
    org_id: &str,
    person_id: &str,
) -> Result<Vec<DrillTargetRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        DrillTargetRow,
        sql(&["SELECT ", T_COLS, " FROM drill_target WHERE org_id = $1 AND person_id = $2 ORDER BY id"]),
        org_id,
        person_id
    )?)
}

/// Records a target's mail: the token's hash and the outbox mail.
pub async fn set_drill_target_sent(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
    token_hash: &str,
    mail_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE drill_target SET token_hash = $1, mail_id = $2, sent_at = $3 WHERE org_id = $4 AND id = $5",
        token_hash,
        mail_id,
        now,
        org_id,
        id
    )?;
    Ok(())
}

/// The target of a token's hash (any organisation: the link is the access).
pub async fn drill_target_by_hash(ex: &mut Ex<'_>, token_hash: &str) -> Result<Option<DrillTargetRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        DrillTargetRow,
        sql(&["SELECT ", T_COLS, " FROM drill_target WHERE token_hash = $1"]),
        token_hash
    )?)
}

/// Counts a click (the first one's time is kept).
pub async fn click_drill_target(ex: &mut Ex<'_>, org_id: &str, id: &str, now: i64) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE drill_target SET click_count = click_count + 1, clicked_at = COALESCE(clicked_at, $1) \
         WHERE org_id = $2 AND id = $3",
        now,
        org_id,
        id
    )?)
}

/// Records a target's first report; 0 when reported before.
pub async fn report_drill_target(ex: &mut Ex<'_>, org_id: &str, id: &str, now: i64) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE drill_target SET reported_at = $1 WHERE org_id = $2 AND id = $3 AND reported_at IS NULL",
        now,
        org_id,
        id
    )?)
}

/// Inserts a suspicious-mail report.
pub async fn insert_suspicious_report(ex: &mut Ex<'_>, r: &SuspiciousReportRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO suspicious_report (", R_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"]),
        &r.id,
        &r.org_id,
        &r.user_id,
        &r.person_id,
        &r.campaign_id,
        &r.target_id,
        &r.subject,
        &r.note,
        r.created_at
    )?;
    Ok(())
}

/// The organisation's suspicious-mail reports, newest first.
pub async fn suspicious_reports(
    ex: &mut Ex<'_>,
    org_id: &str,
    limit: i64,
) -> Result<Vec<SuspiciousReportRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        SuspiciousReportRow,
        sql(&[
            "SELECT ",
            R_COLS,
            " FROM suspicious_report WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
        ]),
        org_id,
        limit
    )?)
}
