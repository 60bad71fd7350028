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
    /// The login ID normalised (NFKC, lower case): unique per organisation, what logins match.
    pub login_key: String,
    /// An administrator's reset password works until then.
    pub password_expires_at: Option<i64>,
}

const USER_COLS: &str = "id, org_id, login_id, display_name, email, password_hash, must_change_password, failed_attempts, locked, locked_at, disabled, created_at, updated_at, login_key, password_expires_at";

/// Inserts a user; [`StoreError::Conflict`] when the login ID is taken in the organisation.
pub async fn insert_user(ex: &mut Ex<'_>, u: &UserRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO app_user (",
            USER_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
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
        u.updated_at,
        &u.login_key,
        u.password_expires_at
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// A user by login key (the normalised login ID) within an organisation.
pub async fn user_by_login(ex: &mut Ex<'_>, org_id: &str, login_key: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        UserRow,
        sql(&["SELECT ", USER_COLS, " FROM app_user WHERE org_id = $1 AND login_key = $2"]),
        org_id,
        login_key
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

/// Organisation ids that have a user with this login key (for logins that name no organisation).
pub async fn orgs_with_login(ex: &mut Ex<'_>, login_key: &str) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct O {
        org_id: String,
    }
    let rows = fetch_all!(ex, O, "SELECT org_id FROM app_user WHERE login_key = $1 ORDER BY org_id", login_key)?;
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

/// Replaces the password hash, the must-change flag and the expiry of a reset password.
pub async fn update_password(
    ex: &mut Ex<'_>,
    org_id: &str,
    user_id: &str,
    hash: &str,
    must_change: bool,
    expires_at: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE app_user SET password_hash = $1, must_change_password = $2, password_expires_at = $3, updated_at = $4 WHERE org_id = $5 AND id = $6",
        hash,
        i64::from(must_change),
        expires_at,
        now,
        org_id,
        user_id
    )?;
    Ok(())
}

/// Disables or enables an account.
pub async fn set_disabled(
    ex: &mut Ex<'_>,
    org_id: &str,
    user_id: &str,
    disabled: bool,
    now: i64,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE app_user SET disabled = $1, updated_at = $2 WHERE org_id = $3 AND id = $4",
        i64::from(disabled),
        now,
        org_id,
        user_id
    )?;
    Ok(())
}

/// A user's TOTP state.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MfaRow {
    /// Organisation.
    pub org_id: String,
    /// User.
    pub user_id: String,
    /// The confirmed secret (base32), when enrolled.
    pub secret: Option<String>,
    /// A secret shown for enrolment, not yet confirmed.
    pub pending_secret: Option<String>,
    /// The last accepted time step.
    pub last_step: i64,
    /// When the enrolment was confirmed.
    pub enrolled_at: Option<i64>,
}

/// A user's TOTP state, if any.
pub async fn mfa_of(ex: &mut Ex<'_>, org_id: &str, user_id: &str) -> Result<Option<MfaRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        MfaRow,
        "SELECT org_id, user_id, secret, pending_secret, last_step, enrolled_at FROM user_mfa WHERE org_id = $1 AND user_id = $2",
        org_id,
        user_id
    )?)
}

/// Stores a pending secret (a new enrolment; an enrolled secret stays until confirmed).
pub async fn set_mfa_pending(
    ex: &mut Ex<'_>,
    org_id: &str,
    user_id: &str,
    pending: &str,
    now: i64,
) -> Result<(), StoreError> {
    let n = exec!(
        ex,
        "UPDATE user_mfa SET pending_secret = $1, updated_at = $2 WHERE org_id = $3 AND user_id = $4",
        pending,
        now,
        org_id,
        user_id
    )?;
    if n == 0 {
        exec!(
            ex,
            "INSERT INTO user_mfa (org_id, user_id, pending_secret, last_step, updated_at) VALUES ($1, $2, $3, 0, $4)",
            org_id,
            user_id,
            pending,
            now
        )?;
    }
    Ok(())
}

/// Confirms the enrolment: the secret becomes the pending one, with the step just used.
pub async fn confirm_mfa(
    ex: &mut Ex<'_>,
    org_id: &str,
    user_id: &str,
    secret: &str,
    step: i64,
    now: i64,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE user_mfa SET secret = $1, pending_secret = NULL, last_step = $2, enrolled_at = $3, updated_at = $3 WHERE org_id = $4 AND user_id = $5",
        secret,
        step,
        now,
        org_id,
        user_id
    )?;
    Ok(())
}

/// Records the time step of an accepted code.
pub async fn set_mfa_step(ex: &mut Ex<'_>, org_id: &str, user_id: &str, step: i64, now: i64) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE user_mfa SET last_step = $1, updated_at = $2 WHERE org_id = $3 AND user_id = $4",
        step,
        now,
        org_id,
        user_id
    )?;
    Ok(())
}

/// Replaces a user's recovery codes (their SHA-256).
pub async fn replace_recovery_codes(
    ex: &mut Ex<'_>,
    org_id: &str,
    user_id: &str,
    hashes: &[String],
    now: i64,
) -> Result<(), StoreError> {
    exec!(ex, "DELETE FROM user_recovery_code WHERE org_id = $1 AND user_id = $2", org_id, user_id)?;
    for h in hashes {
        exec!(
            ex,
            "INSERT INTO user_recovery_code (org_id, user_id, code_hash, created_at) VALUES ($1, $2, $3, $4)",
            org_id,
            user_id,
            h,
            now
        )?;
    }
    Ok(())
}

/// Uses a recovery code once: true when it existed unused (and is now used).
pub async fn use_recovery_code(
    ex: &mut Ex<'_>,
    org_id: &str,
    user_id: &str,
    hash: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = exec!(
        ex,
        "UPDATE user_recovery_code SET used_at = $1 WHERE org_id = $2 AND user_id = $3 AND code_hash = $4 AND used_at IS NULL",
        now,
        org_id,
        user_id,
        hash
    )?;
    Ok(n == 1)
}

/// Removes a user's MFA (secret, pending secret and recovery codes); true when there was one.
pub async fn delete_mfa(ex: &mut Ex<'_>, org_id: &str, user_id: &str) -> Result<bool, StoreError> {
    exec!(ex, "DELETE FROM user_recovery_code WHERE org_id = $1 AND user_id = $2", org_id, user_id)?;
    let n = exec!(ex, "DELETE FROM user_mfa WHERE org_id = $1 AND user_id = $2", org_id, user_id)?;
    Ok(n > 0)
}

/// The user ids of the organisation that have confirmed MFA.
pub async fn mfa_enrolled_users(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct U {
        user_id: String,
    }
    let rows = fetch_all!(
        ex,
        U,
        "SELECT user_id FROM user_mfa WHERE org_id = $1 AND secret IS NOT NULL ORDER BY user_id",
        org_id
    )?;
    Ok(rows.into_iter().map(|u| u.user_id).collect())
}
