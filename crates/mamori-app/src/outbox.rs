//! The mail outbox: every mail — duty reminders, request notices, incident reports and
//! incident notifications — is queued by [`queue`] as one row under a unique (organisation,
//! dedupe key), so a mail is queued once even when its producer runs again. [`send_due`] claims
//! due rows and sends them over SMTP; a failure is recorded with its error and retried later
//! with a growing delay, up to [`MAX_ATTEMPTS`]. Administrators see the outbox and can retry
//! ([`list`], [`retry`]).
//!
//! Delivery is at least once: a crash between the SMTP server's acceptance and the outbox
//! update would send that one mail again.

use crate::error::internal;
use crate::{Actor, AppError, new_id};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use mamori_domain::permission::Permission;
use mamori_store::rows::{self, MailRow};
use mamori_store::{Db, Tx};
use std::time::Duration;

/// Attempts before a mail is given up (it stays visible with its last error).
pub const MAX_ATTEMPTS: i64 = 8;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain text (a local relay only).
    None,
    /// STARTTLS required.
    StartTls,
    /// TLS from the start (SMTPS, port 465).
    Tls,
}

impl Security {
    /// Parses `none`, `starttls` or `tls`.
    pub fn from_key(s: &str) -> Option<Security> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "plain" => Some(Security::None),
            "starttls" => Some(Security::StartTls),
            "tls" | "smtps" => Some(Security::Tls),
            _ => None,
        }
    }
}

/// SMTP settings.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// Server host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Connection security.
    pub security: Security,
    /// User name, when the server needs authentication.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Sender address (`mamori <isms@example.jp>` or a bare address).
    pub from: String,
    /// The server's public URL for links in mails (`https://isms.example.jp`), if any.
    pub base_url: Option<String>,
    /// Days before the due date for the first reminder.
    pub days_before: i64,
}

/// A mail to queue.
#[derive(Debug, Clone)]
pub struct Mail<'a> {
    /// Unique per organisation: names the kind, what it is about and the recipient.
    pub dedupe_key: String,
    /// `before`, `due`, `digest`, `request`, `incident`.
    pub kind: &'a str,
    /// Address.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Queues a mail in the caller's transaction, due at once. Returns false when a mail with the
/// same dedupe key was queued before (nothing is written then).
pub async fn queue(tx: &mut Tx, org_id: &str, mail: Mail<'_>, now: i64) -> Result<bool, AppError> {
    Ok(queue_as(tx, org_id, mail, None, now).await?.is_some())
}

/// Queues a mail as [`queue`] does, sent with the display name `from_name` before the
/// configured sender's address (a drill mail) → the mail's id, `None` when a mail with the same
/// dedupe key was queued before.
pub async fn queue_as(
    tx: &mut Tx,
    org_id: &str,
    mail: Mail<'_>,
    from_name: Option<&str>,
    now: i64,
) -> Result<Option<String>, AppError> {
    let row = MailRow {
        id: new_id(),
        org_id: org_id.to_string(),
        dedupe_key: mail.dedupe_key,
        kind: mail.kind.to_string(),
        recipient: mail.recipient,
        subject: mail.subject,
        body: mail.body,
        created_at: now,
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
        sent_at: None,
        from_name: from_name.map(str::to_string),
    };
    Ok(rows::queue_mail(&mut tx.ex(), &row).await?.then_some(row.id))
}

/// The kind of a drill mail: its body holds a personal link until delivered, then the link's
/// token is removed ([`mamori_domain::drill::redact`]); the outbox never shows it.
pub const DRILL_KIND: &str = "drill";

/// What one sending round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Delivered to the SMTP server.
    pub sent: usize,
    /// Failed (to be retried).
    pub failed: usize,
}

fn transport(cfg: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, AppError> {
    let tls = |host: &str| TlsParameters::new(host.to_string()).map_err(internal);
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.host.clone())
        .port(cfg.port)
        .timeout(Some(Duration::from_secs(20)));
    b = match cfg.security {
        Security::None => b.tls(Tls::None),
        Security::StartTls => b.tls(Tls::Required(tls(&cfg.host)?)),
        Security::Tls => b.tls(Tls::Wrapper(tls(&cfg.host)?)),
    };
    if let (Some(u), Some(p)) = (&cfg.username, &cfg.password) {
        b = b.credentials(Credentials::new(u.clone(), p.clone()));
    }
    Ok(b.build())
}

fn message(cfg: &SmtpConfig, m: &MailRow) -> Result<Message, String> {
    let mut from: Mailbox = cfg.from.parse().map_err(|e| format!("from {:?}: {e}", cfg.from))?;
    if let Some(name) = m.from_name.as_deref().filter(|n| !n.trim().is_empty()) {
        from = Mailbox::new(Some(name.to_string()), from.email);
    }
    let to: Mailbox = m.recipient.parse().map_err(|e| format!("to {:?}: {e}", m.recipient))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .message_id(Some(format!("<{}@mamori>", m.id)))
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.clone())
        .map_err(|e| e.to_string())
}

/// The delay before attempt `attempts + 1`: 1, 4, 9 … minutes.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    let n = attempts.clamp(1, MAX_ATTEMPTS);
    n * n * 60_000
}

/// Sends every due mail of the outbox. Failures are recorded on the mail and retried later.
pub async fn send_due(db: &Db, cfg: &SmtpConfig, now: i64) -> Result<SendReport, AppError> {
    let due = {
        let mut c = db.conn().await?;
        rows::mail_due(&mut c.ex(), now, MAX_ATTEMPTS, 200).await?
    };
    let mut report = SendReport::default();
    if due.is_empty() {
        return Ok(report);
    }
    let smtp = transport(cfg)?;
    for m in due {
        {
            let mut c = db.conn().await?;
            // Leased for ten minutes: another worker leaves it alone meanwhile.
            if rows::mail_claim(&mut c.ex(), &m.id, now, now + 600_000).await? == 0 {
                continue;
            }
        }
        let result = match message(cfg, &m) {
            Ok(msg) => smtp.send(msg).await.map(|_| ()).map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        let mut c = db.conn().await?;
        match result {
            Ok(()) => {
                rows::mail_sent(&mut c.ex(), &m.id, now).await?;
                if m.kind == DRILL_KIND {
                    rows::mail_replace_body(&mut c.ex(), &m.id, &mamori_domain::drill::redact(&m.body)).await?;
                }
                report.sent += 1;
            }
            Err(e) => {
                tracing::warn!(mail = %m.id, error = %e, "reminder mail failed");
                let error: String = e.chars().take(500).collect();
                rows::mail_failed(&mut c.ex(), &m.id, &error, now + retry_delay_ms(m.attempts + 1)).await?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// The organisation's outbox, newest first (administrators).
pub async fn list(db: &Db, actor: &Actor, limit: i64) -> Result<Vec<MailRow>, AppError> {
    actor.require(Permission::SettingsManage)?;
    let mut c = db.conn().await?;
    let mut list = rows::mails(&mut c.ex(), &actor.org_id, limit).await?;
    // A drill mail's personal link is its recipient's alone: never shown, even before delivery.
    for m in list.iter_mut().filter(|m| m.kind == DRILL_KIND) {
        m.body = mamori_domain::drill::redact(&m.body);
    }
    Ok(list)
}

/// Makes an unsent mail due again with fresh attempts (administrators).
pub async fn retry(db: &Db, actor: &Actor, mail_id: &str, now: i64) -> Result<(), AppError> {
    actor.require(Permission::SettingsManage)?;
    let mut tx = db.begin().await?;
    if rows::mail_retry(&mut tx.ex(), &actor.org_id, mail_id, now).await? == 0 {
        return Err(AppError::NotFound);
    }
    crate::audit::append(
        &mut tx,
        crate::audit::Entry::by(
            actor,
            mamori_domain::audit::AuditAction::Update,
            "mail",
            Some(mail_id),
            None,
            Some(serde_json::json!({ "retry": true })),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
