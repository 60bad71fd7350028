//! Server-side sessions, stored by the SHA-256 of the cookie token.

use crate::{Ex, StoreError, exec, fetch_i64, fetch_optional};

/// A server-side session joined with what a request needs to know.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    /// SHA-256 of the cookie token.
    pub id_hash: String,
    /// Organisation.
    pub org_id: String,
    /// User.
    pub user_id: String,
    /// Synchronizer token for forms.
    pub csrf_token: String,
    /// Expiry.
    pub expires_at: i64,
    /// Last request.
    pub last_seen_at: i64,
    /// Login time (the absolute lifetime counts from it).
    pub created_at: i64,
}

/// Inserts a session.
pub async fn insert_session(ex: &mut Ex<'_>, s: &SessionRow, now: i64) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO user_session (id_hash, org_id, user_id, csrf_token, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &s.id_hash, &s.org_id, &s.user_id, &s.csrf_token, now, s.last_seen_at, s.expires_at
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// A session by token hash.
pub async fn session_by_hash(ex: &mut Ex<'_>, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        SessionRow,
        "SELECT id_hash, org_id, user_id, csrf_token, expires_at, last_seen_at, created_at FROM user_session WHERE id_hash = $1",
        id_hash
    )?)
}

/// Extends a session.
pub async fn touch_session(ex: &mut Ex<'_>, id_hash: &str, now: i64, expires_at: i64) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE user_session SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3",
        now,
        expires_at,
        id_hash
    )?;
    Ok(())
}

/// Deletes one session.
pub async fn delete_session(ex: &mut Ex<'_>, id_hash: &str) -> Result<(), StoreError> {
    exec!(ex, "DELETE FROM user_session WHERE id_hash = $1", id_hash)?;
    Ok(())
}

/// Revokes every session of a user; returns how many.
pub async fn delete_user_sessions(ex: &mut Ex<'_>, org_id: &str, user_id: &str) -> Result<u64, StoreError> {
    Ok(exec!(ex, "DELETE FROM user_session WHERE org_id = $1 AND user_id = $2", org_id, user_id)?)
}

/// Deletes expired sessions: idle beyond their expiry, or created before `created_before`
/// (the absolute lifetime).
pub async fn delete_expired_sessions(ex: &mut Ex<'_>, now: i64, created_before: i64) -> Result<u64, StoreError> {
    Ok(exec!(ex, "DELETE FROM user_session WHERE expires_at < $1 OR created_at < $2", now, created_before)?)
}

/// Number of live sessions of a user.
pub async fn count_user_sessions(ex: &mut Ex<'_>, org_id: &str, user_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COUNT(*) FROM user_session WHERE org_id = $1 AND user_id = $2", org_id, user_id)?)
}
