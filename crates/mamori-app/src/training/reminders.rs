//! Reminder mails of training: a person assigned a course who has not passed it gets one mail
//! [`LEAD_DAYS`] days before the due date (or on the first run inside that window) and one when
//! it is overdue — each once, under the dedupe keys `training-before:ASSIGNMENT` and
//! `training-overdue:ASSIGNMENT` — to the e-mail address of the staff directory, only when they
//! have one and have not left. Part of the daily reminder run ([`crate::reminders::queue`]).

use super::fiscal_year;
use crate::AppError;
use crate::outbox::Mail;
use crate::reminders::MailText;
use jiff::civil::Date;
use mamori_store::Db;
use mamori_store::rows;
use std::collections::BTreeSet;

/// Days before the due date the first reminder is sent.
pub const LEAD_DAYS: i64 = 7;

/// Queues the training reminders due on `today` for an organisation; returns how many mails
/// were newly queued.
pub async fn queue(
    db: &Db,
    org_id: &str,
    text: &dyn MailText,
    base_url: Option<&str>,
    today: Date,
    now: i64,
) -> Result<usize, AppError> {
    let from = i64::from(fiscal_year(today)) - 1;
    let (assignments, passed, courses, people) = {
        let mut c = db.conn().await?;
        (
            rows::assignments_since(&mut c.ex(), org_id, from).await?,
            rows::passed_attempts_since(&mut c.ex(), org_id, from).await?,
            rows::courses(&mut c.ex(), org_id).await?,
            rows::people(&mut c.ex(), org_id).await?,
        )
    };
    if assignments.is_empty() {
        return Ok(0);
    }
    let done: BTreeSet<(&str, &str, i64)> =
        passed.iter().map(|a| (a.course_id.as_str(), a.person_id.as_str(), a.fiscal_year)).collect();
    let soon = today.checked_add(jiff::Span::new().days(LEAD_DAYS)).unwrap_or(today).to_string();
    let today_s = today.to_string();
    let mut mails = Vec::new();
    for a in &assignments {
        if done.contains(&(a.course_id.as_str(), a.person_id.as_str(), a.fiscal_year)) {
            continue;
        }
        let Some(course) = courses.iter().find(|c| c.id == a.course_id && c.active == 1) else { continue };
        let Some(p) = people.iter().find(|p| p.id == a.person_id) else { continue };
        if !p.email.contains('@') || p.left_on.as_deref().is_some_and(|d| d <= today_s.as_str()) {
            continue;
        }
        let (kind, key) = if a.due_on < today_s {
            ("overdue", format!("training-overdue:{}", a.id))
        } else if a.due_on <= soon {
            ("before", format!("training-before:{}", a.id))
        } else {
            continue;
        };
        let args = [("title", course.title.clone()), ("due", a.due_on.clone()), ("name", p.name.clone())];
        let path = format!("/training/{}", course.id);
        let link = base_url.map(|b| format!("{}{path}", b.trim_end_matches('/'))).unwrap_or(path);
        let body = format!(
            "{}\n\n{link}\n\n{}\n",
            text.text(&format!("mail-training-{kind}-body"), &args),
            text.text("mail-footer", &[])
        );
        mails.push(Mail {
            dedupe_key: key,
            kind: "training",
            recipient: p.email.clone(),
            subject: text.text(&format!("mail-training-{kind}-subject"), &args),
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
