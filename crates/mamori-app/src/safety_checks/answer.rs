//! Answering a safety check through a personal link (`/s/{token}`): no account, the link is the
//! access. A wrong token, an expired link (each is valid [`super::VALID_DAYS`] days) and a closed
//! check do not open; answering again replaces the person's answer.

use super::hash;
use crate::{Actor, AppError};
use mamori_domain::safety::{self as rules, Status};
use mamori_store::Db;
use mamori_store::rows;

/// Why a link does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// No such link, or expired (answered as unknown: 404).
    Unknown,
    /// The check was closed.
    Closed,
}

/// What the link shows to the person.
#[derive(Debug, Clone)]
pub struct Public {
    /// The organisation's name.
    pub organisation: String,
    /// The check's title.
    pub title: String,
    /// A drill.
    pub drill: bool,
    /// The person's name.
    pub name: String,
    /// When the link stops working.
    pub expires_at: i64,
    /// The answer given so far: (status, can work, comment).
    pub current: Option<(Status, bool, String)>,
    pub(crate) org_id: String,
    pub(crate) recipient_id: String,
    pub(crate) check_id: String,
}

/// Opens a link: what it asks, or why it is closed.
pub async fn open(db: &Db, token: &str, now: i64) -> Result<Result<Public, Closed>, AppError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Err(Closed::Unknown));
    }
    let mut c = db.conn().await?;
    let Some(link) = rows::safety_link_by_hash(&mut c.ex(), &hash(&token.to_ascii_lowercase())).await? else {
        return Ok(Err(Closed::Unknown));
    };
    if now >= link.expires_at {
        return Ok(Err(Closed::Unknown));
    }
    let check = rows::safety_check(&mut c.ex(), &link.org_id, &link.check_id).await?.ok_or(AppError::NotFound)?;
    let r = rows::safety_recipient(&mut c.ex(), &link.org_id, &link.recipient_id).await?.ok_or(AppError::NotFound)?;
    if r.check_id != check.id {
        return Ok(Err(Closed::Unknown));
    }
    if check.state != "open" {
        return Ok(Err(Closed::Closed));
    }
    let organisation = rows::org_by_id(&mut c.ex(), &link.org_id).await?.map(|o| o.name).unwrap_or_default();
    let current = r
        .status
        .as_deref()
        .and_then(Status::from_key)
        .map(|s| (s, r.can_work == Some(1), r.comment.clone().unwrap_or_default()));
    Ok(Ok(Public {
        organisation,
        title: check.title,
        drill: check.drill == 1,
        name: r.display_name,
        expires_at: link.expires_at,
        current,
        org_id: link.org_id,
        recipient_id: r.id,
        check_id: check.id,
    }))
}

/// Records (or replaces) the answer given through a link; `Validation` naming each field
/// (`status`, `can_work`, `comment`), `NotFound` for a wrong or expired link, `Conflict` when
/// the check is closed.
pub async fn answer(
    db: &Db,
    token: &str,
    status: &str,
    can_work: &str,
    comment: &str,
    now: i64,
) -> Result<rules::Answer, AppError> {
    let p = match open(db, token, now).await? {
        Ok(p) => p,
        Err(Closed::Unknown) => return Err(AppError::NotFound),
        Err(Closed::Closed) => return Err(AppError::Conflict),
    };
    let a = rules::parse_answer(status, can_work, comment)
        .map_err(|e| AppError::Validation(e.into_iter().map(|(f, k)| (f, k.to_string())).collect()))?;
    let mut tx = db.begin().await?;
    let n = rows::answer_safety_check(
        &mut tx.ex(),
        &p.org_id,
        &p.recipient_id,
        a.status.key(),
        i64::from(a.can_work),
        &a.comment,
        now,
    )
    .await?;
    if n == 0 {
        return Err(AppError::Conflict);
    }
    // The audit row names the recipient and the check, never the answer (need-to-know).
    crate::audit::updated(
        &mut tx,
        &Actor::cli(&p.org_id),
        "safety_check_recipient",
        &p.recipient_id,
        &serde_json::json!({"check": p.check_id}),
        &serde_json::json!({"check": p.check_id, "answered": true}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}
