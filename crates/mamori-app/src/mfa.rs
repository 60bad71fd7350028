//! MFA with TOTP (RFC 6238): the owner's enrolment (a pending secret shown as a QR code, then
//! confirmed with a code, which issues 10 one-time recovery codes stored as SHA-256), and the
//! organisation's setting that requires it for privileged roles.
//!
//! The secret is stored in the database (the server must compute codes) but never enters the
//! audit trail; recovery codes are shown once and stored only hashed.

use crate::audit::{self, Entry};
use crate::session::SessionInfo;
use crate::{Actor, AppError, random};
use mamori_domain::audit::AuditAction;
use mamori_domain::totp;
use mamori_store::Db;
use mamori_store::rows::{self, OrgRow};
use sha2::{Digest, Sha256};

/// Roles that the organisation's setting obliges to use MFA.
pub const PRIVILEGED_ROLES: [&str; 3] = ["top_management", "system_admin", "security_manager"];
/// Roles that may change that setting.
const SETTING_ROLES: [&str; 2] = ["top_management", "security_manager"];
/// Number of recovery codes issued at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Issuer name shown by authenticator apps.
pub const ISSUER: &str = "mamori";

/// A started enrolment: what the authenticator app needs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Enrolment {
    /// The secret, base32.
    pub secret: String,
    /// The `otpauth://` URL (the QR code's content).
    pub otpauth_url: String,
}

/// SHA-256 (hex) of a recovery code as typed, normalised (case, spaces and hyphens ignored).
pub fn hash_recovery_code(typed: &str) -> String {
    mamori_domain::hex::encode(&Sha256::digest(totp::normalise_recovery_code(typed).as_bytes()))
}

fn account_label(org: &OrgRow, login_id: &str) -> String {
    format!("{}:{login_id}", org.slug)
}

/// Starts (or restarts) an enrolment: a new pending secret. An enrolled secret stays valid
/// until the new one is confirmed. Replacing an enrolled secret needs the owner's password
/// (`password`; a wrong or missing one is `WrongCurrentPassword` and counts toward the
/// lockout): a session alone — left open, or stolen — must not be enough to move the second
/// factor to another phone.
pub async fn start(db: &Db, info: &SessionInfo, password: Option<&str>, now: i64) -> Result<Enrolment, AppError> {
    let enrolled = {
        let mut c = db.conn().await?;
        rows::mfa_of(&mut c.ex(), &info.org.id, &info.user.id).await?.is_some_and(|m| m.secret.is_some())
    };
    if enrolled {
        crate::session::reauthenticate(db, info, password.unwrap_or(""), now).await?;
    }
    let secret = totp::base32_encode(&random::bytes::<{ totp::SECRET_BYTES }>()?);
    let mut tx = db.begin().await?;
    rows::set_mfa_pending(&mut tx.ex(), &info.org.id, &info.user.id, &secret, now).await?;
    tx.commit().await?;
    let otpauth_url = totp::otpauth_url(ISSUER, &account_label(&info.org, &info.user.login_id), &secret);
    Ok(Enrolment { secret, otpauth_url })
}

/// The pending enrolment, if one was started and not confirmed (to show the QR code again).
pub async fn pending(db: &Db, info: &SessionInfo) -> Result<Option<Enrolment>, AppError> {
    let mut c = db.conn().await?;
    let m = rows::mfa_of(&mut c.ex(), &info.org.id, &info.user.id).await?;
    Ok(m.and_then(|m| m.pending_secret).map(|secret| Enrolment {
        otpauth_url: totp::otpauth_url(ISSUER, &account_label(&info.org, &info.user.login_id), &secret),
        secret,
    }))
}

/// Confirms the pending enrolment with a code from the app; returns the recovery codes, shown
/// once. A wrong code (or none pending) is [`AppError::InvalidCode`].
pub async fn confirm(db: &Db, info: &SessionInfo, code: &str, now: i64) -> Result<Vec<String>, AppError> {
    let codes = (0..RECOVERY_CODES).map(|_| random::recovery_code()).collect::<Result<Vec<_>, _>>()?;
    let hashes: Vec<String> = codes.iter().map(|c| hash_recovery_code(c)).collect();
    let mut tx = db.begin().await?;
    let m = rows::mfa_of(&mut tx.ex(), &info.org.id, &info.user.id).await?.ok_or(AppError::InvalidCode)?;
    let pending = m.pending_secret.ok_or(AppError::InvalidCode)?;
    let key = totp::base32_decode(&pending).ok_or(AppError::InvalidCode)?;
    // A code already used for a login with the previous secret is not replayed here either.
    let step = totp::verify(&key, code, now, m.last_step).ok_or(AppError::InvalidCode)?;
    rows::confirm_mfa(&mut tx.ex(), &info.org.id, &info.user.id, &pending, step, now).await?;
    rows::replace_recovery_codes(&mut tx.ex(), &info.org.id, &info.user.id, &hashes, now).await?;
    audit::append(
        &mut tx,
        Entry::by(
            &info.actor,
            AuditAction::Update,
            "user_mfa",
            Some(&info.user.id),
            Some(serde_json::json!({ "mfa": m.secret.is_some() })),
            Some(serde_json::json!({ "mfa": true, "method": "totp", "recovery_codes": RECOVERY_CODES })),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

/// Sets whether privileged roles must use MFA (経営責任者 or 情報セキュリティ管理者, or the command
/// line; audited).
pub async fn set_required(db: &Db, actor: &Actor, required: bool, now: i64) -> Result<OrgRow, AppError> {
    if actor.user_id.is_some() && !actor.role_keys.iter().any(|r| SETTING_ROLES.contains(&r.as_str())) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin().await?;
    let before = rows::org_by_id(&mut tx.ex(), &actor.org_id).await?.ok_or(AppError::NotFound)?;
    rows::set_mfa_required(&mut tx.ex(), &actor.org_id, required).await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "organization",
            Some(&actor.org_id),
            Some(serde_json::json!({ "mfa_required": before.mfa_required != 0 })),
            Some(serde_json::json!({ "mfa_required": required })),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(OrgRow { mfa_required: i64::from(required), ..before })
}

/// Whether the actor may change the MFA setting (for showing the form).
pub fn may_set_required(actor: &Actor) -> bool {
    actor.user_id.is_none() || actor.role_keys.iter().any(|r| SETTING_ROLES.contains(&r.as_str()))
}
