//! 安否確認 (5.29): safety checks, their recipients with each one's answer, and the links
//! mailed (by the SHA-256 of the token only). Migration 0025.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_optional};

/// A safety check (a broadcast, real or a drill).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct SafetyCheckRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Title (「2026年11月 地震」, 「年次訓練」).
    pub title: String,
    /// 1 for a drill.
    pub drill: i64,
    /// `open` or `closed`.
    pub state: String,
    /// Who sent it (user id, or `cli`).
    pub created_by: String,
    /// When it was sent.
    pub created_at: i64,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// When it was closed.
    pub closed_at: Option<i64>,
    /// The bcp_records row a closed drill wrote.
    pub bcp_row_id: Option<String>,
}

const C_COLS: &str = "id, org_id, title, drill, state, created_by, created_at, closed_by, closed_at, bcp_row_id";

/// One person a safety check was sent to, with their answer.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct SafetyRecipientRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The check.
    pub check_id: String,
    /// The user.
    pub user_id: String,
    /// Name at sending time.
    pub display_name: String,
    /// Mail address at sending time.
    pub email: String,
    /// Role names (JSON array of strings).
    pub groups_json: String,
    /// Times the link was mailed.
    pub sent_count: i64,
    /// Last mailing.
    pub last_sent_at: i64,
    /// `safe`, `minor_injury`, `serious_injury` once answered.
    pub status: Option<String>,
    /// 1 can come to work, 0 cannot.
    pub can_work: Option<i64>,
    /// Free comment.
    pub comment: Option<String>,
    /// Latest answer.
    pub answered_at: Option<i64>,
    /// Answers given (a second one replaces the first).
    pub answer_count: i64,
}

const R_COLS: &str = "id, org_id, check_id, user_id, display_name, email, groups_json, sent_count, last_sent_at, status, can_work, comment, answered_at, answer_count";

/// A link's target.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SafetyLinkRow {
    /// SHA-256 of the token.
    pub token_hash: String,
    /// Organisation.
    pub org_id: String,
    /// The check.
    pub check_id: String,
    /// The recipient.
    pub recipient_id: String,
    /// When it was mailed.
    pub created_at: i64,
    /// When it stops working.
    pub expires_at: i64,
}

/// Inserts a safety check.
pub async fn insert_safety_check(ex: &mut Ex<'_>, c: &SafetyCheckRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO safety_check (", C_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"]),
        &c.id,
        &c.org_id,
        &c.title,
        c.drill,
        &c.state,
        &c.created_by,
        c.created_at,
        &c.closed_by,
        c.closed_at,
        &c.bcp_row_id
    )?;
    Ok(())
}

/// Inserts a recipient.
pub async fn insert_safety_recipient(ex: &mut Ex<'_>, r: &SafetyRecipientRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO safety_check_recipient (",
            R_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ]),
        &r.id,
        &r.org_id,
        &r.check_id,
        &r.user_id,
        &r.display_name,
        &r.email,
        &r.groups_json,
        r.sent_count,
        r.last_sent_at,
        &r.status,
        r.can_work,
        &r.comment,
        r.answered_at,
        r.answer_count
    )?;
    Ok(())
}

/// Inserts a link.
pub async fn insert_safety_link(ex: &mut Ex<'_>, l: &SafetyLinkRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO safety_check_link (token_hash, org_id, check_id, recipient_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        &l.token_hash,
        &l.org_id,
        &l.check_id,
        &l.recipient_id,
        l.created_at,
        l.expires_at
    )?;
    Ok(())
}

/// The link of a token's hash (any organisation: the token is the access).
pub async fn safety_link_by_hash(ex: &mut Ex<'_>, token_hash: &str) -> Result<Option<SafetyLinkRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        SafetyLinkRow,
        "SELECT token_hash, org_id, check_id, recipient_id, created_at, expires_at FROM safety_check_link \
         WHERE token_hash = $1",
        token_hash
    )?)
}

/// A safety check of an organisation.
pub async fn safety_check(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<SafetyCheckRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        SafetyCheckRow,
        sql(&["SELECT ", C_COLS, " FROM safety_check WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// The safety checks of an organisation, newest first.
pub async fn safety_checks(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<SafetyCheckRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        SafetyCheckRow,
        sql(&["SELECT ", C_COLS, " FROM safety_check WHERE org_id = $1 ORDER BY created_at DESC, id DESC"]),
        org_id
    )?)
}

/// The recipients of a check, by name.
pub async fn safety_recipients(
    ex: &mut Ex<'_>,
    org_id: &str,
    check_id: &str,
) -> Result<Vec<SafetyRecipientRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        SafetyRecipientRow,
        sql(&[
            "SELECT ",
            R_COLS,
            " FROM safety_check_recipient WHERE org_id = $1 AND check_id = $2 ORDER BY display_name, id"
        ]),
        org_id,
        check_id
    )?)
}

/// One recipient of a check.
pub async fn safety_recipient(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
) -> Result<Option<SafetyRecipientRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        SafetyRecipientRow,
        sql(&["SELECT ", R_COLS, " FROM safety_check_recipient WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// Records (or replaces) a recipient's answer while their check is open → rows changed (0: the
/// check is closed or unknown). `answer_count` is incremented in the statement itself.
#[allow(clippy::too_many_arguments)]
pub async fn answer_safety_check(
    ex: &mut Ex<'_>,
    org_id: &str,
    recipient_id: &str,
    status: &str,
    can_work: i64,
    comment: &str,
    now: i64,
) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE safety_check_recipient SET status = $3, can_work = $4, comment = $5, answered_at = $6, \
         answer_count = answer_count + 1 \
         WHERE org_id = $1 AND id = $2 AND check_id IN \
         (SELECT id FROM safety_check WHERE org_id = $1 AND state = 'open')",
        org_id,
        recipient_id,
        status,
        can_work,
        comment,
        now
    )?)
}

/// Counts one more mailing of a recipient who has not answered → rows changed (0: answered
/// meanwhile, or unknown). Atomic: the increment is in the statement.
pub async fn count_safety_resend(
    ex: &mut Ex<'_>,
    org_id: &str,
    recipient_id: &str,
    now: i64,
) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE safety_check_recipient SET sent_count = sent_count + 1, last_sent_at = $3 \
         WHERE org_id = $1 AND id = $2 AND status IS NULL",
        org_id,
        recipient_id,
        now
    )?)
}

/// Closes an open check → rows changed (0: closed already).
pub async fn close_safety_check(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
    closed_by: &str,
    bcp_row_id: Option<&str>,
    now: i64,
) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE safety_check SET state = 'closed', closed_by = $3, closed_at = $4, bcp_row_id = $5 \
         WHERE org_id = $1 AND id = $2 AND state = 'open'",
        org_id,
        id,
        closed_by,
        now,
        bcp_row_id
    )?)
}
