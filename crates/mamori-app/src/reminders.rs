//! Reminder and notice mails: reminders of duties (N days before the due date, on the due
//! date, and a weekly overdue digest to the owners and to 情報セキュリティ管理者), the notices
//! request types ask for on submission and transitions, new incident reports to 経営責任者, and
//! the certificate's coming expiry (90, 30 and 7 days before) to 経営責任者 and
//! 情報セキュリティ管理者, and a supplier's questionnaire re-sent on its re-evaluation
//! (`suppliers::reevaluation`), training assigned and not passed, before its due date and
//! when overdue (`training::reminders`), and on Mondays each member's pledges to sign and
//! documents to acknowledge (`me::reminders`).
//!
//! Two steps, both safe to repeat:
//! 1. [`queue`] plans the day's reminders ([`mamori_domain::duty::plan`]) and writes each to
//!    the outbox ([`crate::outbox::queue`]) under a unique key, so a mail is queued once even
//!    after a restart.
//! 2. [`send_due`] (in [`crate::outbox`], re-exported here) sends what is due over SMTP.

use crate::AppError;
use crate::error::internal;
use crate::outbox::Mail;
use jiff::civil::Date;
use mamori_domain::duty::{self as rules, OpenItem, ReminderKind};
use mamori_domain::permission::ROLE_SECURITY_MANAGER;
use mamori_store::Db;
use mamori_store::rows;
use std::collections::HashMap;

pub use crate::outbox::{
    MAX_ATTEMPTS, Security, SendReport, SmtpConfig, list as outbox, retry, retry_delay_ms, send_due,
};

/// The mail text catalogue (the web layer's i18n catalogue, in Japanese).
pub trait MailText: Send + Sync {
    /// The text of `key` with its arguments.
    fn text(&self, key: &str, args: &[(&str, String)]) -> String;
}

/// Plans and queues the reminders due on `today` for every organisation. Returns how many
/// mails were newly queued.
pub async fn queue(db: &Db, cfg: &SmtpConfig, text: &dyn MailText, today: Date, now: i64) -> Result<usize, AppError> {
    let orgs = {
        let mut c = db.conn().await?;
        rows::list_orgs(&mut c.ex()).await?
    };
    let mut queued = 0;
    for org in orgs {
        queued += queue_org(db, cfg, text, &org.id, today, now).await?;
    }
    Ok(queued)
}

async fn queue_org(
    db: &Db,
    cfg: &SmtpConfig,
    text: &dyn MailText,
    org_id: &str,
    today: Date,
    now: i64,
) -> Result<usize, AppError> {
    crate::duties::ensure_materialized(db, org_id, today).await?;
    // A supplier's re-evaluation due today sends its questionnaire again (once; the link
    // needs the public address).
    let resent = match &cfg.base_url {
        Some(base) => {
            let t = |k: &str, a: &[(&str, String)]| text.text(k, a);
            crate::suppliers::reevaluation::send_due(db, org_id, base, &t, today, now).await?.len()
        }
        None => 0,
    };
    // The weekly わたしのISMS reminder: pledges to sign, documents to acknowledge.
    let awareness = {
        let t = |k: &str, a: &[(&str, String)]| text.text(k, a);
        crate::me::reminders::queue(db, org_id, &t, cfg.base_url.as_deref(), today, now).await?
    };
    let mut c = db.conn().await?;
    let duties: HashMap<String, rows::DutyRow> =
        rows::duties(&mut c.ex(), org_id).await?.into_iter().map(|d| (d.id.clone(), d)).collect();
    let lead = duties.values().filter_map(|d| d.lead_days).chain([cfg.days_before]).max().unwrap_or(0).clamp(0, 366);
    let to = today.checked_add(jiff::Span::new().days(lead)).map_err(internal)?;
    let users = mail_users(&mut c, org_id).await?;
    let holders = rows::all_user_roles(&mut c.ex(), org_id).await?;
    let with_role = |role: &str| -> Vec<String> {
        holders
            .iter()
            .filter(|h| h.key == role)
            .filter_map(|h| users.get(&h.user_id).map(|u| u.email.clone()))
            .collect()
    };
    let open: Vec<rows::OccurrenceRow> = rows::open_occurrences_until(&mut c.ex(), org_id, &to.to_string())
        .await?
        .into_iter()
        .filter(|o| duties.get(&o.duty_id).is_some_and(|d| d.active == 1))
        .collect();
    drop(c);
    let items: Vec<OpenItem> = open
        .iter()
        .filter_map(|o| {
            let d = duties.get(&o.duty_id)?;
            let owners = match &d.assignee_id {
                Some(a) => users.get(a).map(|u| vec![u.email.clone()]).unwrap_or_default(),
                None => d.owner_role.as_deref().map(with_role).unwrap_or_default(),
            };
            Some(OpenItem { occurrence_id: o.id.clone(), due: o.due.parse().ok()?, owners, lead_days: d.lead_days })
        })
        .collect();
    // `items` skips unparsable dates, so look occurrences up by id rather than by index.
    let by_id: HashMap<&str, &rows::OccurrenceRow> = open.iter().map(|o| (o.id.as_str(), o)).collect();
    let plan = rules::plan(&items, &with_role(ROLE_SECURITY_MANAGER), today, cfg.days_before);
    let mut tx = db.begin().await?;
    let mut queued = resent + awareness;
    for r in plan {
        let lines: Vec<String> = r
            .items
            .iter()
            .filter_map(|&i| {
                let o = by_id.get(items.get(i)?.occurrence_id.as_str())?;
                let d = duties.get(&o.duty_id)?;
                Some(item_line(text, cfg, o, d))
            })
            .collect();
        let (subject, lead) = match r.kind {
            ReminderKind::Before | ReminderKind::Due => {
                let o = r.items.first().and_then(|&i| by_id.get(items.get(i)?.occurrence_id.as_str()));
                let d = o.and_then(|o| duties.get(&o.duty_id));
                let args = [
                    ("title", d.map(|d| d.title.clone()).unwrap_or_default()),
                    ("due", o.map(|o| o.due.clone()).unwrap_or_default()),
                ];
                let key = if r.kind == ReminderKind::Due { "mail-due" } else { "mail-before" };
                (text.text(&format!("{key}-subject"), &args), text.text(&format!("{key}-body"), &args))
            }
            ReminderKind::Digest => {
                let args = [("count", lines.len().to_string())];
                (text.text("mail-digest-subject", &args), text.text("mail-digest-body", &args))
            }
        };
        let body = format!("{lead}\n\n{}\n\n{}\n", lines.join("\n"), text.text("mail-footer", &[]));
        let mail = Mail { dedupe_key: r.dedupe_key, kind: r.kind.key(), recipient: r.recipient, subject, body };
        if crate::outbox::queue(&mut tx, org_id, mail, now).await? {
            queued += 1;
        }
    }
    tx.commit().await?;
    queued += queue_certificate_reminder(db, cfg, text, org_id, today, now).await?;
    queued += crate::training::reminders::queue(db, org_id, text, cfg.base_url.as_deref(), today, now).await?;
    Ok(queued + queue_request_notices(db, cfg, text, org_id, now).await?)
}

/// Queues the reminder of the certificate's expiry due today (90, 30 and 7 days before) to
/// 経営責任者 and 情報セキュリティ管理者, once per threshold and person.
async fn queue_certificate_reminder(
    db: &Db,
    cfg: &SmtpConfig,
    text: &dyn MailText,
    org_id: &str,
    today: Date,
    now: i64,
) -> Result<usize, AppError> {
    use mamori_domain::permission::ROLE_TOP_MANAGEMENT;
    let Some((cert, threshold)) = crate::certification_audits::reminder_due(db, org_id, today).await? else {
        return Ok(0);
    };
    let mut c = db.conn().await?;
    let users = mail_users(&mut c, org_id).await?;
    let holders = rows::all_user_roles(&mut c.ex(), org_id).await?;
    drop(c);
    let mut to: Vec<&rows::UserRow> = holders
        .iter()
        .filter(|h| h.key == ROLE_TOP_MANAGEMENT || h.key == ROLE_SECURITY_MANAGER)
        .filter_map(|h| users.get(&h.user_id))
        .collect();
    to.sort_by(|a, b| a.id.cmp(&b.id));
    to.dedup_by(|a, b| a.id == b.id);
    let args = [
        ("number", cert.number.clone()),
        ("body", cert.body.clone()),
        ("expires", cert.expires_on.clone()),
        ("days", threshold.to_string()),
    ];
    let link = cfg
        .base_url
        .as_ref()
        .map(|b| format!("{}/certification-audits", b.trim_end_matches('/')))
        .unwrap_or_else(|| "/certification-audits".to_string());
    let body =
        format!("{}\n\n{link}\n\n{}\n", text.text("mail-certificate-body", &args), text.text("mail-footer", &[]));
    let mut tx = db.begin().await?;
    let mut queued = 0;
    for u in to {
        let mail = Mail {
            dedupe_key: format!("certificate-expiry:{}:{threshold}:{}", cert.id, u.id),
            kind: "certificate",
            recipient: u.email.clone(),
            subject: text.text("mail-certificate-subject", &args),
            body: body.clone(),
        };
        if crate::outbox::queue(&mut tx, org_id, mail, now).await? {
            queued += 1;
        }
    }
    tx.commit().await?;
    Ok(queued)
}

/// The organisation's active users who have a mail address, by id.
async fn mail_users(c: &mut mamori_store::Conn, org_id: &str) -> Result<HashMap<String, rows::UserRow>, AppError> {
    Ok(rows::list_users(&mut c.ex(), org_id)
        .await?
        .into_iter()
        .filter(|u| u.disabled == 0 && u.email.contains('@'))
        .map(|u| (u.id.clone(), u))
        .collect())
}

/// How far back request notices are looked for (a worker down for a day still sends them).
const NOTICE_WINDOW_MS: i64 = 3 * 24 * 3600 * 1000;

/// Queues the notices request types ask for: on submission and on each transition, to the
/// requester or to the holders of the type's roles (never to the actor). Reports of incidents
/// go to 経営責任者, who assesses them (5.25).
async fn queue_request_notices(
    db: &Db,
    cfg: &SmtpConfig,
    text: &dyn MailText,
    org_id: &str,
    now: i64,
) -> Result<usize, AppError> {
    use mamori_domain::workflow::{self, RequestType};
    let since = now - NOTICE_WINDOW_MS;
    let mut c = db.conn().await?;
    let events = rows::request_events_since(&mut c.ex(), org_id, since).await?;
    let incidents: Vec<rows::IncidentRow> =
        rows::incidents(&mut c.ex(), org_id).await?.into_iter().filter(|i| i.created_at >= since).collect();
    if events.is_empty() && incidents.is_empty() {
        return Ok(0);
    }
    let requests: HashMap<String, rows::RequestRow> =
        rows::requests(&mut c.ex(), org_id).await?.into_iter().map(|r| (r.id.clone(), r)).collect();
    let types: Vec<RequestType> = rows::request_types(&mut c.ex(), org_id)
        .await?
        .iter()
        .filter_map(|t| serde_json::from_str(&t.def_json).ok())
        .collect();
    let users = mail_users(&mut c, org_id).await?;
    let holders = rows::all_user_roles(&mut c.ex(), org_id).await?;
    drop(c);
    let workflows = workflow::catalogue().map_err(internal)?.workflows;
    let with_roles = |roles: &[String]| -> Vec<&rows::UserRow> {
        let mut v: Vec<&rows::UserRow> =
            holders.iter().filter(|h| roles.contains(&h.key)).filter_map(|h| users.get(&h.user_id)).collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v.dedup_by(|a, b| a.id == b.id);
        v
    };
    let link =
        |path: String| cfg.base_url.as_ref().map(|b| format!("{}{path}", b.trim_end_matches('/'))).unwrap_or(path);
    let mut mails = Vec::new();
    for e in &events {
        let Some(r) = requests.get(&e.request_id) else { continue };
        let Some(t) = types.iter().find(|t| t.key == r.type_key) else { continue };
        let Some(wf) = workflows.iter().find(|w| w.key == t.workflow) else { continue };
        let mut to: Vec<&rows::UserRow> = Vec::new();
        let fields: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&r.fields_json).unwrap_or_default();
        for a in wf.audience(&e.action, e.from_state.as_deref()) {
            match workflow::audience_roles(t, a, &fields) {
                None => to.extend(users.get(&r.requester_id)),
                Some(roles) => to.extend(with_roles(roles)),
            }
        }
        let number = crate::requests::number_label(r.number);
        let args = [
            ("number", number.clone()),
            ("type", t.name.clone()),
            ("title", r.title.clone()),
            ("action", text.text(&format!("req-action-{}", e.action), &[])),
            ("state", text.text(&format!("req-state-{}", e.to_state), &[])),
            ("actor", e.actor_label.clone()),
        ];
        let body = format!(
            "{}\n\n{}\n{}\n\n{}\n",
            text.text("mail-request-body", &args),
            if e.comment.is_empty() { String::new() } else { format!("「{}」", e.comment) },
            link(format!("/requests/{}", r.id)),
            text.text("mail-footer", &[])
        );
        for u in to.into_iter().filter(|u| Some(&u.id) != e.actor_id.as_ref()) {
            mails.push(Mail {
                dedupe_key: format!("request:{}:{}", e.id, u.id),
                kind: "request",
                recipient: u.email.clone(),
                subject: text.text("mail-request-subject", &args),
                body: body.clone(),
            });
        }
    }
    let top = with_roles(&[mamori_domain::permission::ROLE_TOP_MANAGEMENT.to_string()]);
    for i in &incidents {
        // The number only: the outbox is read by administrators without need-to-know access.
        let args = [("number", crate::incidents::number_label(i.number))];
        let body = format!(
            "{}\n\n{}\n\n{}\n",
            text.text("mail-incident-body-neutral", &args),
            link(format!("/incidents/{}", i.id)),
            text.text("mail-footer", &[])
        );
        for u in &top {
            mails.push(Mail {
                dedupe_key: format!("incident-reported:{}:{}", i.id, u.id),
                kind: "incident",
                recipient: u.email.clone(),
                subject: text.text("mail-incident-subject", &args),
                body: body.clone(),
            });
        }
    }
    let mut tx = db.begin().await?;
    let mut queued = 0;
    for mail in mails {
        if crate::outbox::queue(&mut tx, org_id, mail, now).await? {
            queued += 1;
        }
    }
    tx.commit().await?;
    Ok(queued)
}

fn item_line(text: &dyn MailText, cfg: &SmtpConfig, o: &rows::OccurrenceRow, d: &rows::DutyRow) -> String {
    let line = text.text(
        "mail-item",
        &[
            ("due", o.due.clone()),
            ("control", d.control_id.clone().unwrap_or_else(|| "-".into())),
            ("title", d.title.clone()),
        ],
    );
    match &cfg.base_url {
        Some(base) => format!("{line}\n  {}/duties/occurrences/{}", base.trim_end_matches('/'), o.id),
        None => line,
    }
}

/// One round of the reminder worker: queue today's reminders, then send what is due.
pub async fn run_once(
    db: &Db,
    cfg: &SmtpConfig,
    text: &dyn MailText,
    now: i64,
) -> Result<(usize, SendReport), AppError> {
    let queued = queue(db, cfg, text, crate::tokyo_date(now), now).await?;
    let report = send_due(db, cfg, now).await?;
    Ok((queued, report))
}
