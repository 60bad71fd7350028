//! Login, server-side sessions, logout and the owner's password change.
//!
//! The cookie carries a random token; the database stores only its SHA-256, so a leaked
//! database cannot be replayed as cookies. A new token is issued at every login (session
//! rotation); all of a user's sessions are revoked on lockout, password change and reset.

use crate::audit::{self, Entry};
use crate::error::internal;
use crate::users::verify_password;
use crate::{Actor, AppError, random};
use mamori_domain::audit::AuditAction;
use mamori_domain::auth::{AccountState, LoginOutcome, decide};
use mamori_domain::permission::Grants;
use mamori_domain::{password, totp};
use mamori_store::Db;
use mamori_store::rows::{self, OrgRow, SessionRow, UserRow};
use sha2::{Digest, Sha256};

/// Idle lifetime of a session (8 hours).
pub const IDLE_MS: i64 = 8 * 60 * 60 * 1000;
/// Default absolute lifetime of a session (12 hours from login, however active).
pub const ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;

/// A real argon2id hash verified against when the login ID does not exist, so unknown IDs
/// take as long as wrong passwords.
fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| password::hash("mamori-dummy-0", &[0u8; 16]).unwrap_or_default()).clone()
}

fn hash_token(token: &str) -> String {
    mamori_domain::hex::encode(&Sha256::digest(token.as_bytes()))
}

/// A login request.
#[derive(Debug, Clone)]
pub struct LoginRequest {
    /// Organisation slug; may be omitted when the login ID exists in one organisation only.
    pub organization: Option<String>,
    /// Login ID.
    pub login_id: String,
    /// Password.
    pub password: String,
    /// The 6-digit TOTP code (or a recovery code) when the account uses MFA.
    pub totp: Option<String>,
}

/// A session just created.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Cookie value (never stored).
    pub token: String,
    /// CSRF token for forms.
    pub csrf_token: String,
    /// Whether the user must change the initial password first.
    pub must_change_password: bool,
}

/// Who a valid session belongs to.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The session.
    pub session: SessionRow,
    /// The user.
    pub user: UserRow,
    /// The organisation.
    pub org: OrgRow,
    /// Role keys with names.
    pub roles: Vec<rows::RoleRow>,
    /// The acting identity for use cases.
    pub actor: Actor,
    /// Whether the user has confirmed a TOTP enrolment.
    pub mfa_enrolled: bool,
}

impl SessionInfo {
    /// Whether a password change is pending.
    pub fn must_change_password(&self) -> bool {
        self.user.must_change_password != 0
    }

    /// Whether the organisation requires MFA of this user's roles and the user has not enrolled
    /// yet: until then they may only enrol.
    pub fn must_enrol_mfa(&self) -> bool {
        self.org.mfa_required != 0
            && !self.mfa_enrolled
            && self.actor.role_keys.iter().any(|r| crate::mfa::PRIVILEGED_ROLES.contains(&r.as_str()))
    }
}

async fn resolve_org(db: &Db, req: &LoginRequest) -> Result<Option<OrgRow>, AppError> {
    let mut c = db.conn().await?;
    match req.organization.as_deref().filter(|s| !s.is_empty()) {
        Some(slug) => Ok(rows::org_by_slug(&mut c.ex(), slug).await?),
        None => {
            let ids = rows::orgs_with_login(&mut c.ex(), &password::normalise_login(&req.login_id)).await?;
            match ids.as_slice() {
                [] => Ok(None),
                [one] => Ok(rows::org_by_id(&mut c.ex(), one).await?),
                _ => Err(AppError::OrganizationRequired),
            }
        }
    }
}

/// Attempts a login. Failures are counted and the account is locked at the organisation's
/// threshold (8.5); a locked account is refused even with the right password.
pub async fn login(db: &Db, req: LoginRequest, now: i64) -> Result<NewSession, AppError> {
    let Some(org) = resolve_org(db, &req).await? else {
        verify_password(req.password, dummy_hash()).await;
        tracing::info!(event = "login_failure", reason = "unknown_login", "login failed");
        return Err(AppError::InvalidCredentials);
    };
    let key = password::normalise_login(&req.login_id);
    let user = {
        let mut c = db.conn().await?;
        rows::user_by_login(&mut c.ex(), &org.id, &key).await?
    };
    let Some(user) = user else {
        verify_password(req.password, dummy_hash()).await;
        let mut tx = db.begin().await?;
        audit::append(
            &mut tx,
            Entry {
                org_id: &org.id,
                actor_id: None,
                actor_label: &req.login_id,
                action: AuditAction::LoginFailure,
                object_type: "session",
                object_id: None,
                before: None,
                after: Some(serde_json::json!({ "reason": "unknown_login" })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::InvalidCredentials);
    };
    let password_ok = verify_password(req.password, user.password_hash.clone()).await;

    let mut tx = db.begin().await?;
    // Concurrent attempts are serialised here, so each failure is counted once (8.5): SQLite's
    // write transaction holds the database lock; on PostgreSQL the organisation row is locked
    // before the count is read again.
    tx.lock_org(&org.id).await?;
    let user = rows::user_by_login(&mut tx.ex(), &org.id, &key).await?.ok_or(AppError::InvalidCredentials)?;
    let entry = |action, detail| attempt_entry(&org.id, &user, action, detail);
    let usable = user.locked == 0 && user.disabled == 0;
    // The second factor (only asked once the password is right on a usable account; a wrong
    // password does no more work inside the write transaction than before MFA existed).
    let mfa = if password_ok && usable { rows::mfa_of(&mut tx.ex(), &org.id, &user.id).await? } else { None };
    let secret = mfa.as_ref().and_then(|m| m.secret.clone());
    let typed = req.totp.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let mut mfa_used = None;
    let mut mfa_ok = true;
    if let (Some(secret), true, true) = (&secret, password_ok, usable) {
        let Some(typed) = typed else {
            audit::append(
                &mut tx,
                entry(AuditAction::LoginFailure, serde_json::json!({ "reason": "mfa_required" })),
                now,
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::MfaRequired);
        };
        let last_step = mfa.as_ref().map_or(0, |m| m.last_step);
        let key_bytes = totp::base32_decode(secret).unwrap_or_default();
        if let Some(step) = totp::verify(&key_bytes, typed, now, last_step) {
            rows::set_mfa_step(&mut tx.ex(), &org.id, &user.id, step, now).await?;
            mfa_used = Some("totp");
        } else if rows::use_recovery_code(&mut tx.ex(), &org.id, &user.id, &crate::mfa::hash_recovery_code(typed), now)
            .await?
        {
            mfa_used = Some("recovery_code");
        } else {
            mfa_ok = false;
        }
    }
    // An administrator's reset password expires unused (a new reset is needed).
    if password_ok
        && mfa_ok
        && usable
        && user.must_change_password != 0
        && user.password_expires_at.is_some_and(|e| e < now)
    {
        audit::append(
            &mut tx,
            entry(AuditAction::LoginFailure, serde_json::json!({ "reason": "password_expired" })),
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::PasswordExpired);
    }
    let (outcome, next) = count_attempt(&mut tx, &org, &user, password_ok && mfa_ok, now).await?;
    let reason = if password_ok { "wrong_code" } else { "wrong_password" };
    let result = match outcome {
        LoginOutcome::Success => {
            let token = random::token()?;
            let csrf = random::token()?;
            rows::insert_session(
                &mut tx.ex(),
                &SessionRow {
                    id_hash: hash_token(&token),
                    org_id: org.id.clone(),
                    user_id: user.id.clone(),
                    csrf_token: csrf.clone(),
                    expires_at: now + IDLE_MS,
                    last_seen_at: now,
                    created_at: now,
                },
                now,
            )
            .await?;
            let detail = match mfa_used {
                Some(m) => serde_json::json!({ "mfa": m }),
                None => serde_json::json!({}),
            };
            audit::append(&mut tx, entry(AuditAction::LoginSuccess, detail), now).await?;
            Ok(NewSession { token, csrf_token: csrf, must_change_password: user.must_change_password != 0 })
        }
        LoginOutcome::Failed { remaining } => {
            audit::append(
                &mut tx,
                entry(AuditAction::LoginFailure, serde_json::json!({ "reason": reason, "remaining": remaining })),
                now,
            )
            .await?;
            Err(AppError::InvalidCredentials)
        }
        LoginOutcome::LockedNow => {
            audit::append(
                &mut tx,
                entry(AuditAction::LoginFailure, serde_json::json!({ "reason": reason, "remaining": 0 })),
                now,
            )
            .await?;
            lock_out(&mut tx, &org.id, &user, next.failed_attempts, now).await?;
            Err(AppError::LockedNow)
        }
        LoginOutcome::Locked => {
            audit::append(&mut tx, entry(AuditAction::LoginFailure, serde_json::json!({ "reason": "locked" })), now)
                .await?;
            Err(AppError::AccountLocked)
        }
        LoginOutcome::Disabled => {
            audit::append(&mut tx, entry(AuditAction::LoginFailure, serde_json::json!({ "reason": "disabled" })), now)
                .await?;
            Err(AppError::AccountDisabled)
        }
    };
    tx.commit().await?;
    result
}

/// Resolves a cookie token to a live session, extending its idle lifetime; the default
/// absolute lifetime ([`ABSOLUTE_MS`]).
pub async fn lookup(db: &Db, token: &str, now: i64) -> Result<Option<SessionInfo>, AppError> {
    lookup_with(db, token, now, ABSOLUTE_MS).await
}

/// Resolves a cookie token to a live session: refused (and deleted) when idle beyond its expiry
/// or older than `absolute_ms` since login.
pub async fn lookup_with(db: &Db, token: &str, now: i64, absolute_ms: i64) -> Result<Option<SessionInfo>, AppError> {
    let id_hash = hash_token(token);
    let mut c = db.conn().await?;
    let Some(session) = rows::session_by_hash(&mut c.ex(), &id_hash).await? else {
        return Ok(None);
    };
    if session.expires_at < now || now.saturating_sub(session.created_at) >= absolute_ms {
        rows::delete_session(&mut c.ex(), &id_hash).await?;
        return Ok(None);
    }
    let Some(user) = rows::user_by_id(&mut c.ex(), &session.org_id, &session.user_id).await? else {
        return Ok(None);
    };
    if user.locked != 0 || user.disabled != 0 {
        return Ok(None);
    }
    let Some(org) = rows::org_by_id(&mut c.ex(), &session.org_id).await? else {
        return Ok(None);
    };
    let roles = rows::user_roles(&mut c.ex(), &org.id, &user.id).await?;
    let perms = rows::user_permissions(&mut c.ex(), &org.id, &user.id).await?;
    let mfa_enrolled = rows::mfa_of(&mut c.ex(), &org.id, &user.id).await?.is_some_and(|m| m.secret.is_some());
    if now - session.last_seen_at > 60_000 {
        rows::touch_session(&mut c.ex(), &id_hash, now, now + IDLE_MS).await?;
    }
    let actor = Actor {
        org_id: org.id.clone(),
        user_id: Some(user.id.clone()),
        label: user.login_id.clone(),
        grants: Grants::from_keys(perms.iter().map(String::as_str)),
        role_keys: roles.iter().map(|r| r.key.clone()).collect(),
    };
    Ok(Some(SessionInfo { session, user, org, roles, actor, mfa_enrolled }))
}

/// Ends the session.
pub async fn logout(db: &Db, info: &SessionInfo, now: i64) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    rows::delete_session(&mut tx.ex(), &info.session.id_hash).await?;
    audit::append(
        &mut tx,
        Entry {
            org_id: &info.org.id,
            actor_id: Some(&info.user.id),
            actor_label: &info.user.login_id,
            action: AuditAction::Logout,
            object_type: "session",
            object_id: Some(&info.user.id),
            before: None,
            after: None,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Counts one password attempt against the account in the caller's transaction, which has
/// locked the organisation (8.5): the domain's decision, stored. Returns the outcome and the
/// account state after it.
async fn count_attempt(
    tx: &mut mamori_store::Tx,
    org: &OrgRow,
    user: &UserRow,
    password_ok: bool,
    now: i64,
) -> Result<(LoginOutcome, AccountState), AppError> {
    let state = AccountState {
        failed_attempts: u32::try_from(user.failed_attempts).unwrap_or(u32::MAX),
        locked: user.locked != 0,
        disabled: user.disabled != 0,
    };
    let threshold = u32::try_from(org.lockout_threshold).unwrap_or(mamori_domain::auth::DEFAULT_LOCKOUT_THRESHOLD);
    let outcome = decide(state, threshold, password_ok);
    let next = outcome.next_state(state);
    let locked_at = if next.locked { user.locked_at.or(Some(now)) } else { None };
    rows::update_login_state(
        &mut tx.ex(),
        &org.id,
        &user.id,
        i64::from(next.failed_attempts),
        next.locked,
        locked_at,
        now,
    )
    .await?;
    Ok((outcome, next))
}

/// The audit entry of a password attempt by `user`.
fn attempt_entry<'a>(org_id: &'a str, user: &'a UserRow, action: AuditAction, detail: serde_json::Value) -> Entry<'a> {
    Entry {
        org_id,
        actor_id: Some(&user.id),
        actor_label: &user.login_id,
        action,
        object_type: "session",
        object_id: Some(&user.id),
        before: None,
        after: Some(detail),
    }
}

/// The account just reached the lockout threshold (8.5): its sessions end and the lockout is
/// recorded, in the caller's transaction.
async fn lock_out(
    tx: &mut mamori_store::Tx,
    org_id: &str,
    user: &UserRow,
    failed_attempts: u32,
    now: i64,
) -> Result<(), AppError> {
    rows::delete_user_sessions(&mut tx.ex(), org_id, &user.id).await?;
    let entry = Entry {
        org_id,
        actor_id: None,
        actor_label: "system",
        action: AuditAction::Lockout,
        object_type: "user",
        object_id: Some(&user.id),
        before: None,
        after: Some(serde_json::json!({ "failed_attempts": failed_attempts })),
    };
    audit::append(tx, entry, now).await
}

/// A wrong current password in a password change counts like a failed login (8.5): the
/// organisation's threshold locks the account and ends its sessions. Returns the error to
/// answer: `WrongCurrentPassword`, or `LockedNow` when this one locked the account.
async fn wrong_current_password(db: &Db, info: &SessionInfo, now: i64) -> Result<AppError, AppError> {
    let mut tx = db.begin().await?;
    tx.lock_org(&info.org.id).await?;
    let Some(user) = rows::user_by_id(&mut tx.ex(), &info.org.id, &info.user.id).await? else {
        return Ok(AppError::Unauthenticated);
    };
    let (outcome, next) = count_attempt(&mut tx, &info.org, &user, false, now).await?;
    let detail = serde_json::json!({ "reason": "wrong_current_password" });
    audit::append(&mut tx, attempt_entry(&info.org.id, &user, AuditAction::LoginFailure, detail), now).await?;
    let answer = if matches!(outcome, LoginOutcome::LockedNow) {
        lock_out(&mut tx, &info.org.id, &user, next.failed_attempts, now).await?;
        AppError::LockedNow
    } else {
        AppError::WrongCurrentPassword
    };
    tx.commit().await?;
    Ok(answer)
}

/// Re-authentication of the session's owner by their password before a sensitive change of
/// their own account (replacing an enrolled MFA secret): a wrong one counts toward the lockout
/// as in a password change (`WrongCurrentPassword`, or `LockedNow`).
pub async fn reauthenticate(db: &Db, info: &SessionInfo, password: &str, now: i64) -> Result<(), AppError> {
    if !verify_password(password.to_string(), info.user.password_hash.clone()).await {
        return Err(wrong_current_password(db, info, now).await?);
    }
    // The right password ends a run of wrong ones, as a successful login does (serialised with
    // them, and refused once they locked the account).
    let mut tx = db.begin().await?;
    tx.lock_org(&info.org.id).await?;
    let user = rows::user_by_id(&mut tx.ex(), &info.org.id, &info.user.id).await?.ok_or(AppError::Unauthenticated)?;
    if user.locked != 0 {
        return Err(AppError::AccountLocked);
    }
    rows::update_login_state(&mut tx.ex(), &info.org.id, &info.user.id, 0, false, None, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The owner changes their password. All their sessions are revoked and a fresh one is
/// returned for the current client. The current password is checked; wrong ones count towards
/// the lockout.
pub async fn change_password(
    db: &Db,
    info: &SessionInfo,
    current: &str,
    new: &str,
    now: i64,
) -> Result<NewSession, AppError> {
    if !verify_password(current.to_string(), info.user.password_hash.clone()).await {
        return Err(wrong_current_password(db, info, now).await?);
    }
    let mut violations = password::check_policy(new, &info.user.login_id);
    if current == new {
        violations.push(password::PolicyViolation::SameAsCurrent);
    }
    if !violations.is_empty() {
        return Err(AppError::PasswordPolicy(violations));
    }
    let salt = random::salt()?;
    let new_owned = new.to_string();
    let hash = tokio::task::spawn_blocking(move || password::hash(&new_owned, &salt))
        .await
        .map_err(internal)?
        .map_err(internal)?;
    let token = random::token()?;
    let csrf = random::token()?;
    let mut tx = db.begin().await?;
    // Serialised with logins and other changes: a change sent alongside wrong guesses must not
    // undo the lock they caused, nor replace a password changed in the meantime.
    tx.lock_org(&info.org.id).await?;
    let user = rows::user_by_id(&mut tx.ex(), &info.org.id, &info.user.id).await?.ok_or(AppError::Unauthenticated)?;
    if user.locked != 0 {
        return Err(AppError::AccountLocked);
    }
    if user.disabled != 0 {
        return Err(AppError::AccountDisabled);
    }
    if user.password_hash != info.user.password_hash {
        return Err(AppError::WrongCurrentPassword);
    }
    rows::update_password(&mut tx.ex(), &info.org.id, &info.user.id, &hash, false, None, now).await?;
    // The right current password ends a run of wrong ones, as a successful login does.
    rows::update_login_state(&mut tx.ex(), &info.org.id, &info.user.id, 0, false, None, now).await?;
    rows::delete_user_sessions(&mut tx.ex(), &info.org.id, &info.user.id).await?;
    rows::insert_session(
        &mut tx.ex(),
        &SessionRow {
            id_hash: hash_token(&token),
            org_id: info.org.id.clone(),
            user_id: info.user.id.clone(),
            csrf_token: csrf.clone(),
            expires_at: now + IDLE_MS,
            last_seen_at: now,
            created_at: now,
        },
        now,
    )
    .await?;
    audit::append(
        &mut tx,
        Entry {
            org_id: &info.org.id,
            actor_id: Some(&info.user.id),
            actor_label: &info.user.login_id,
            action: AuditAction::PasswordChange,
            object_type: "user",
            object_id: Some(&info.user.id),
            before: Some(serde_json::json!({ "must_change_password": info.user.must_change_password != 0 })),
            after: Some(serde_json::json!({ "must_change_password": false })),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(NewSession { token, csrf_token: csrf, must_change_password: false })
}
