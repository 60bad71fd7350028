//! User accounts: creation, lookup by login or id, login state (failed attempts, lockout) and passwords.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_optional};

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Login ID, unique within the organisation.
    pub login_id: String,
    /// Display name.
    pub display_name: String,
    /// E-mail address.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// 1 while an initial password must be changed.
    pub must_change_password: i64,
    /// Consecutive failed logins.
    pub failed_attempts: i64,
    /// 1 when locked.
    pub locked: i64,
    /// When it was locked.
    pub locked_at: Option<i64>,
    /// 1 when disabled.
    pub disabled: i64,
    /// Creation time.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

const USER_COLS: &str = "id, org_id, login_id, display_name, email, password_hash, must_change_password, failed_attempts, locked, locked_at, disabled, created_at, updated_at";

/// Inserts a user; [`StoreError::Conflict`] when the login ID is taken in the organisation.
pub async fn insert_user(ex: &mut Ex<'_>, u: &UserRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO app_user (",
            USER_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ]),
        &u.id,
        &u.org_id,
        &u.login_id,
        &u.display_name,
        &u.email,
        &u.password_hash,
        u.must_change_password,
        u.failed_attempts,
        u.locked,
        u.locked_at,
        u.disabled,
        u.created_at,
        u.updated_at
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// A user by login ID within an organisation.
pub async fn user_by_login(ex: &mut Ex<'_>, org_id: &str, login_id: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        UserRow,
        sql(&["SELECT ", USER_COLS, " FROM app_user WHERE org_id = $1 AND login_id = $2"]),
        org_id,
        login_id
    )?)
}

/// A user by id within an organisation.
pub async fn user_by_id(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        UserRow,
        sql(&["SELECT ", USER_COLS, " FROM app_user WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// Organisation ids that have a user with this login ID (for logins that name no organisation).
pub async fn orgs_with_login(ex: &mut Ex<'_>, login_id: &str) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct O {
        org_id: String,
    }
    let rows = fetch_all!(ex, O, "SELECT org_id FROM app_user WHERE login_id = $1 ORDER BY org_id", login_id)?;
    Ok(rows.into_iter().map(|o| o.org_id).collect())
}

/// The organisation's users by login ID.
pub async fn list_users(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<UserRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        UserRow,
        sql(&["SELECT ", USER_COLS, " FROM app_user WHERE org_id = $1 ORDER BY login_id"]),
        org_id
    )?)
}

/// Writes the login state (counter, lock) of a user.
pub async fn update_login_state(
    ex: &mut Ex<'_>,
    org_id: &str,
    user_id: &str,
    failed_attempts: i64,
    locked: bool,
    locked_at: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE app_user SET failed_attempts = $1, locked = $2, locked_at = $3, updated_at = $4 WHERE org_id = $5 AND id = $6",
        failed_attempts,
        i64::from(locked),
        locked_at,
        now,
        org_id,
        user_id
    )?;
    Ok(())
}

/// Replaces the password hash and the must-change flag.
pub async fn update_password(
    ex: &mut Ex<'_>,
    org_id: &str,
    user_id: &str,
    hash: &str,
    must_change: bool,
    now: i64,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE app_user SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE org_id = $4 AND id = $5",
        hash,
        i64::from(must_change),
        now,
        org_id,
        user_id
    )?;
    Ok(())
}
