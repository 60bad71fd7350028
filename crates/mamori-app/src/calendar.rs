//! The private iCalendar (RFC 5545) feed of a person's open duty occurrences, subscribable in
//! Outlook and Google Calendar. Occurrences are all-day `VEVENT`s (subscribed calendars do not
//! show `VTODO`), with `DTEND` the next day. The feed carries duty titles and dates only.

use crate::error::internal;
use crate::{Actor, AppError, random};
use jiff::civil::Date;
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows;
use sha2::{Digest, Sha256};

fn hash(token: &str) -> String {
    mamori_domain::hex::encode(&Sha256::digest(token.as_bytes()))
}

/// Issues a new feed token for the actor; any earlier URL stops working. Returns the token.
pub async fn rotate(db: &Db, actor: &Actor, now: i64) -> Result<String, AppError> {
    actor.require(Permission::DutiesView)?;
    let user_id = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let token = random::token()?;
    let mut tx = db.begin().await?;
    rows::set_calendar_token(&mut tx.ex(), &actor.org_id, &user_id, &hash(&token), now).await?;
    crate::audit::append(
        &mut tx,
        crate::audit::Entry::by(
            actor,
            mamori_domain::audit::AuditAction::Update,
            "calendar_token",
            Some(&user_id),
            None,
            None,
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Escapes a TEXT value (RFC 5545 3.3.11).
pub fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace('\n', "\\n").replace('\r', "")
}

/// Folds a content line at 75 octets without splitting a UTF-8 character (RFC 5545 3.1).
pub fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut len = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if len + n > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += n;
    }
    out.push_str("\r\n");
    out
}

/// The feed for a token: open occurrences of duties owned by the person's roles, from 60 days
/// back (still open means overdue) to the materialised horizon. `None` for an unknown token,
/// and for a locked or disabled account.
pub async fn feed(db: &Db, token: &str, today: Date, now: i64) -> Result<Option<String>, AppError> {
    let owner = {
        let mut c = db.conn().await?;
        rows::calendar_owner(&mut c.ex(), &hash(token)).await?
    };
    let Some((org_id, user_id)) = owner else { return Ok(None) };
    let (roles, duties) = {
        let mut c = db.conn().await?;
        let user = rows::user_by_id(&mut c.ex(), &org_id, &user_id).await?;
        // A locked or disabled account's feed stops with its sessions (8.5).
        if user.is_none_or(|u| u.disabled != 0 || u.locked != 0) {
            return Ok(None);
        }
        let roles: Vec<String> =
            rows::user_roles(&mut c.ex(), &org_id, &user_id).await?.into_iter().map(|r| r.key).collect();
        (roles, rows::duties(&mut c.ex(), &org_id).await?)
    };
    crate::duties::ensure_materialized(db, &org_id, today).await?;
    let from = today.checked_sub(jiff::Span::new().days(60)).map_err(internal)?;
    let to = today.checked_add(jiff::Span::new().days(crate::duties::HORIZON_DAYS)).map_err(internal)?;
    let occ = {
        let mut c = db.conn().await?;
        rows::open_occurrences_until(&mut c.ex(), &org_id, &to.to_string()).await?
    };
    let from = from.to_string();
    let stamp =
        jiff::Timestamp::from_millisecond(now).map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string()).unwrap_or_default();
    let mut ics = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//mamori//duties//JA",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:mamori 定期業務",
    ] {
        ics.push_str(&fold(l));
    }
    for o in occ.iter().filter(|o| o.due >= from) {
        let Some(d) = duties.iter().find(|d| d.id == o.duty_id) else { continue };
        if !crate::duties::is_mine(d, &user_id, &roles) {
            continue;
        }
        let Ok(due) = o.due.parse::<Date>() else { continue };
        let Ok(next) = due.tomorrow() else { continue };
        let control = d.control_id.as_deref().map(|c| format!("［{c}］")).unwrap_or_default();
        for l in [
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}@mamori", o.id),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART;VALUE=DATE:{}", due.strftime("%Y%m%d")),
            format!("DTEND;VALUE=DATE:{}", next.strftime("%Y%m%d")),
            format!("SUMMARY:{}", escape(&format!("{control}{}", d.title))),
            "TRANSP:TRANSPARENT".to_string(),
            "END:VEVENT".to_string(),
        ] {
            ics.push_str(&fold(&l));
        }
    }
    ics.push_str(&fold("END:VCALENDAR"));
    Ok(Some(ics))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_characters_whole_and_lines_short() {
        let line = format!("SUMMARY:{}", "情報資産の見直し".repeat(10));
        let folded = fold(&line);
        for l in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end(), line);
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
