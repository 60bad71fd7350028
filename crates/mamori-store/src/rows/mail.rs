//! The mail outbox: queue once per dedupe key, claim with a lease, mark sent or failed, retry.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all};

/// A queued, sent or failing mail.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct MailRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// What makes this mail unique (kind, occurrence or week, recipient).
    pub dedupe_key: String,
    /// before, due, digest.
    pub kind: String,
    /// Address.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Queued.
    pub created_at: i64,
    /// Send attempts so far.
    pub attempts: i64,
    /// Not to be tried before.
    pub next_attempt_at: i64,
    /// The last failure.
    pub last_error: Option<String>,
    /// When delivered to the SMTP server.
    pub sent_at: Option<i64>,
    /// The sender's display name (a drill mail's); none: the configured sender as is.
    pub from_name: Option<String>,
}

const MAIL_COLS: &str = "id, org_id, dedupe_key, kind, recipient, subject, body, created_at, attempts, next_attempt_at, last_error, sent_at, from_name";

/// Queues a mail unless one with the same dedupe key exists; true when queued.
pub async fn queue_mail(ex: &mut Ex<'_>, m: &MailRow) -> Result<bool, StoreError> {
    Ok(exec!(
        ex,
        sql(&[
            "INSERT INTO mail_outbox (",
            MAIL_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (org_id, dedupe_key) DO NOTHING"
        ]),
        &m.id,
        &m.org_id,
        &m.dedupe_key,
        &m.kind,
        &m.recipient,
        &m.subject,
        &m.body,
        m.created_at,
        m.attempts,
        m.next_attempt_at,
        &m.last_error,
        m.sent_at,
        &m.from_name
    )? == 1)
}

/// Unsent mails (of every organisation) whose next attempt is due.
pub async fn mail_due(ex: &mut Ex<'_>, now: i64, max_attempts: i64, limit: i64) -> Result<Vec<MailRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        MailRow,
        sql(&[
            "SELECT ",
            MAIL_COLS,
            " FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $2 \
              ORDER BY next_attempt_at, id LIMIT $3"
        ]),
        now,
        max_attempts,
        limit
    )?)
}

/// Claims a due mail for sending until `lease_until` (so two workers never send it both);
/// 1 when claimed.
pub async fn mail_claim(ex: &mut Ex<'_>, id: &str, now: i64, lease_until: i64) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE mail_outbox SET next_attempt_at = $1 WHERE id = $2 AND sent_at IS NULL AND next_attempt_at <= $3",
        lease_until,
        id,
        now
    )?)
}

/// Records a successful send; 0 when it was already sent (another worker).
pub async fn mail_sent(ex: &mut Ex<'_>, id: &str, now: i64) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE mail_outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2 AND sent_at IS NULL",
        now,
        id
    )?)
}

/// Records a failed attempt and when to retry.
pub async fn mail_failed(ex: &mut Ex<'_>, id: &str, error: &str, retry_at: i64) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3 AND sent_at IS NULL",
        error,
        retry_at,
        id
    )?;
    Ok(())
}

/// Makes a mail due again now (an administrator's retry), resetting its attempts.
pub async fn mail_retry(ex: &mut Ex<'_>, org_id: &str, id: &str, now: i64) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE mail_outbox SET attempts = 0, next_attempt_at = $1 WHERE org_id = $2 AND id = $3 AND sent_at IS NULL",
        now,
        org_id,
        id
    )?)
}

/// The organisation's mails, newest first.
pub async fn mails(ex: &mut Ex<'_>, org_id: &str, limit: i64) -> Result<Vec<MailRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        MailRow,
        sql(&["SELECT ", MAIL_COLS, " FROM mail_outbox WHERE org_id = $1 ORDER BY created_at DESC, id LIMIT $2"]),
        org_id,
        limit
    )?)
}

/// Replaces a delivered mail's body (a drill mail's, its personal link removed).
pub async fn mail_replace_body(ex: &mut Ex<'_>, id: &str, body: &str) -> Result<(), StoreError> {
    exec!(ex, "UPDATE mail_outbox SET body = $1 WHERE id = $2 AND sent_at IS NOT NULL", body, id)?;
    Ok(())
}
