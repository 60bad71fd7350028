//! The weekly reminder of わたしの ISMS (7.3 認識, 6.6): on Mondays, each active member with a
//! mail address who still has pledges to sign (never signed, or an earlier version) or
//! published documents to acknowledge gets one mail listing them, with the link to their own
//! page. Queued once per member and week (dedupe key `awareness:USER:MONDAY`); nothing is sent
//! to someone with nothing to do.

use crate::AppError;
use crate::outbox::Mail;
use jiff::civil::{Date, Weekday};
use mamori_store::Db;
use mamori_store::rows;

/// The mail catalogue: a key and its arguments → the text.
pub type Text<'a> = &'a (dyn Fn(&str, &[(&str, String)]) -> String + Sync);

/// Whether the weekly reminder goes out on `today` (Mondays).
pub fn is_reminder_day(today: Date) -> bool {
    today.weekday() == Weekday::Monday
}

/// Queues the week's reminders of organisation `org_id`; `text` is the mail catalogue
/// (key, arguments), `base_url` the public address for the link. Returns how many were queued.
pub async fn queue(
    db: &Db,
    org_id: &str,
    text: Text<'_>,
    base_url: Option<&str>,
    today: Date,
    now: i64,
) -> Result<usize, AppError> {
    if !is_reminder_day(today) {
        return Ok(0);
    }
    let (users, people) = {
        let mut c = db.conn().await?;
        (rows::list_users(&mut c.ex(), org_id).await?, rows::people(&mut c.ex(), org_id).await?)
    };
    let link = format!("{}/me", base_url.unwrap_or("").trim_end_matches('/'));
    let mut mails = Vec::new();
    for u in users.iter().filter(|u| u.disabled == 0 && u.email.contains('@')) {
        let mut lines = Vec::new();
        if let Some(p) = people.iter().find(|p| p.login_id.as_deref() == Some(u.login_key.as_str())) {
            for pl in crate::pledges::standing_of(db, org_id, p).await? {
                if pl.standing == "missing" || pl.standing == "outdated" {
                    let args = [
                        ("title", pl.title.clone().unwrap_or_default()),
                        ("edition", pl.edition.clone().unwrap_or_default()),
                    ];
                    lines.push(format!("・{}", text(&format!("mail-awareness-pledge-{}", pl.standing), &args)));
                }
            }
        }
        for a in crate::documents::pending_of_user(db, org_id, &u.id).await? {
            let args = [("title", format!("{} {}", a.doc_number, a.title)), ("edition", a.edition.clone())];
            lines.push(format!("・{}", text("mail-awareness-ack", &args)));
        }
        if lines.is_empty() {
            continue;
        }
        let args = [("count", lines.len().to_string()), ("name", u.display_name.clone())];
        let body = format!(
            "{}\n\n{}\n\n{link}\n\n{}\n",
            text("mail-awareness-body", &args),
            lines.join("\n"),
            text("mail-footer", &[])
        );
        mails.push(Mail {
            dedupe_key: format!("awareness:{}:{today}", u.id),
            kind: "awareness",
            recipient: u.email.clone(),
            subject: text("mail-awareness-subject", &args),
            body,
        });
    }
    let mut tx = db.begin().await?;
    let mut queued = 0;
    for m in mails {
        if crate::outbox::queue(&mut tx, org_id, m, now).await? {
            queued += 1;
        }
    }
    tx.commit().await?;
    Ok(queued)
}
