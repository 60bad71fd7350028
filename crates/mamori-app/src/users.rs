//! User administration: create, roles, reset password, unlock, change own password.

use crate::audit::{self, Entry};
use crate::error::internal;
use crate::{Actor, AppError, new_id, random};
use mamori_domain::audit::AuditAction;
use mamori_domain::auth::valid_login_id;
use mamori_domain::password;
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::{self, UserRow};
use serde::Serialize;

/// Input for a new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login ID.
    pub login_id: String,
    /// Display name.
    pub display_name: String,
    /// E-mail.
    pub email: String,
    /// Initial password (must be changed at first login).
    pub password: String,
    /// Role keys.
    pub roles: Vec<String>,
}

/// A user as shown on lists and in the API (never the hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserView {
    /// Id.
    pub id: String,
    /// Login ID.
    pub login_id: String,
    /// Display name.
    pub display_name: String,
    /// E-mail.
    pub email: String,
    /// Role keys.
    pub roles: Vec<String>,
    /// Role names (Japanese).
    pub role_names_ja: Vec<String>,
    /// Role names (English).
    pub role_names_en: Vec<String>,
    /// Locked by failed logins.
    pub locked: bool,
    /// Disabled.
    pub disabled: bool,
    /// Initial password pending change.
    pub must_change_password: bool,
    /// Consecutive failures.
    pub failed_attempts: i64,
    /// Has confirmed a TOTP enrolment.
    pub mfa_enrolled: bool,
}

fn snapshot(u: &UserRow, roles: &[String]) -> serde_json::Value {
    serde_json::json!({
        "login_id": u.login_id,
        "display_name": u.display_name,
        "email": u.email,
        "roles": roles,
        "locked": u.locked != 0,
        "disabled": u.disabled != 0,
        "must_change_password": u.must_change_password != 0,
    })
}

async fn hash_password(pw: String) -> Result<String, AppError> {
    let salt = random::salt()?;
    tokio::task::spawn_blocking(move || password::hash(&pw, &salt)).await.map_err(internal)?.map_err(internal)
}

/// Verifies a password off the async threads (argon2 is deliberately slow).
pub async fn verify_password(pw: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || password::verify(&pw, &phc)).await.unwrap_or(false)
}

/// How long an administrator's reset password works (24 hours): unused after that, the login
/// is refused with a message to ask for a new reset.
pub const RESET_VALID_MS: i64 = 24 * 60 * 60 * 1000;

/// The stored key of a login ID: logins and the uniqueness per organisation ignore case and
/// width (`TM1`, `ｔｍ１` and `tm1` are one account).
fn login_key(login_id: &str) -> String {
    password::normalise_login(login_id)
}

/// The key of 経営責任者, who appoints the ISMS roles (the regulation's 5.2).
const TOP_MANAGEMENT: &str = "top_management";
/// The roles that approve the regulation, the SoA and policies and see incident evidence.
const PROTECTED_ROLES: [&str; 2] = [TOP_MANAGEMENT, "security_manager"];

fn protected(roles: &[String]) -> Vec<&str> {
    PROTECTED_ROLES.into_iter().filter(|p| roles.iter().any(|r| r == p)).collect()
}

/// Granting or removing 経営責任者 or 情報セキュリティ管理者, and resetting the password of someone
/// who holds either, needs a 経営責任者: a system administrator could otherwise give a second
/// account of theirs the approvals and the incident evidence, or take over such an account.
/// The command line (an operator at the server, who sets up the first accounts) may.
fn may_change_top_management(actor: &Actor, before: &[String], after: &[String]) -> Result<(), AppError> {
    if protected(before) != protected(after) { require_top_management(actor) } else { Ok(()) }
}

/// The actor is a 経営責任者, or the command line.
fn require_top_management(actor: &Actor) -> Result<(), AppError> {
    if actor.user_id.is_none() || actor.role_keys.iter().any(|r| r == TOP_MANAGEMENT) {
        Ok(())
    } else {
        Err(AppError::RoleGrantForbidden)
    }
}

fn validate(n: &NewUser) -> Result<(), AppError> {
    let mut errs = Vec::new();
    if !valid_login_id(&n.login_id) {
        errs.push(("login_id".to_string(), "field-invalid-login-id".to_string()));
    }
    if n.display_name.trim().is_empty() {
        errs.push(("display_name".to_string(), "field-required".to_string()));
    }
    if !n.email.is_empty() && !n.email.contains('@') {
        errs.push(("email".to_string(), "field-invalid-email".to_string()));
    }
    if n.roles.is_empty() {
        errs.push(("roles".to_string(), "field-required".to_string()));
    }
    if errs.is_empty() { Ok(()) } else { Err(AppError::Validation(errs)) }
}

async fn role_ids(db_tx: &mut mamori_store::Tx, org_id: &str, keys: &[String]) -> Result<Vec<String>, AppError> {
    let roles = rows::list_roles(&mut db_tx.ex(), org_id).await?;
    let mut ids = Vec::new();
    for k in keys {
        match roles.iter().find(|r| &r.key == k) {
            Some(r) => ids.push(r.id.clone()),
            None => {
                return Err(AppError::Validation(vec![("roles".into(), "field-unknown-role".into())]));
            }
        }
    }
    Ok(ids)
}

/// Creates a user with an initial password that must be changed at first login.
pub async fn create(db: &Db, actor: &Actor, n: NewUser, now: i64) -> Result<UserView, AppError> {
    actor.require(Permission::UsersManage)?;
    may_change_top_management(actor, &[], &n.roles)?;
    validate(&n)?;
    let violations = password::check_policy(&n.password, &n.login_id);
    if !violations.is_empty() {
        return Err(AppError::PasswordPolicy(violations));
    }
    let hash = hash_password(n.password.clone()).await?;
    let u = UserRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        login_id: n.login_id.clone(),
        display_name: n.display_name.trim().to_string(),
        email: n.email.trim().to_string(),
        password_hash: hash,
        must_change_password: 1,
        failed_attempts: 0,
        locked: 0,
        locked_at: None,
        disabled: 0,
        created_at: now,
        updated_at: now,
        login_key: login_key(&n.login_id),
        password_expires_at: None,
    };
    let mut tx = db.begin().await?;
    let ids = role_ids(&mut tx, &actor.org_id, &n.roles).await?;
    rows::insert_user(&mut tx.ex(), &u).await?;
    rows::set_user_roles(&mut tx.ex(), &actor.org_id, &u.id, &ids).await?;
    audit::append(
        &mut tx,
        Entry::by(actor, AuditAction::Create, "user", Some(&u.id), None, Some(snapshot(&u, &n.roles))),
        now,
    )
    .await?;
    tx.commit().await?;
    get(db, actor, &u.login_id).await
}

/// The acting person's display name, as records name people (never by login ID); the command
/// line's label when no person acts.
pub async fn display_name(ex: &mut mamori_store::Ex<'_>, actor: &Actor) -> Result<String, AppError> {
    Ok(match &actor.user_id {
        Some(id) => rows::user_by_id(ex, &actor.org_id, id).await?.map(|u| u.display_name),
        None => None,
    }
    .unwrap_or_else(|| actor.label.clone()))
}

/// A colleague as pages name them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// User id.
    pub id: String,
    /// Login ID (what the API takes for auditors).
    pub login_id: String,
    /// Display name.
    pub name: String,
    /// Not disabled (may be chosen as an owner or auditor).
    pub active: bool,
}

/// The display name of `who` — a user id or a login ID, as records name who acted — among
/// `people`; a label that names nobody (`cli`, `system`, someone unknown) as it is.
pub fn name_of(people: &[Person], who: &str) -> String {
    let key = mamori_domain::password::normalise_login(who);
    people
        .iter()
        .find(|p| p.id == who || p.login_id == who || mamori_domain::password::normalise_login(&p.login_id) == key)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| who.to_string())
}

/// The organisation's people by name, for choosing owners and naming who acted: every signed-in
/// member of the organisation sees colleagues' names (never their roles or sign-in state).
pub async fn people(db: &Db, actor: &Actor) -> Result<Vec<Person>, AppError> {
    let mut c = db.conn().await?;
    Ok(rows::list_users(&mut c.ex(), &actor.org_id)
        .await?
        .into_iter()
        .map(|u| Person { id: u.id, login_id: u.login_id, name: u.display_name, active: u.disabled == 0 })
        .collect())
}

/// The active users holding any of `role_keys`, in the order of the user list (two queries,
/// whatever the count).
pub async fn holding(db: &Db, org_id: &str, role_keys: &[&str]) -> Result<Vec<String>, AppError> {
    let mut c = db.conn().await?;
    let roles = rows::all_user_roles(&mut c.ex(), org_id).await?;
    Ok(rows::list_users(&mut c.ex(), org_id)
        .await?
        .into_iter()
        .filter(|u| u.disabled == 0 && roles.iter().any(|r| r.user_id == u.id && role_keys.contains(&r.key.as_str())))
        .map(|u| u.id)
        .collect())
}

/// Lists the organisation's users with their roles (two queries, whatever the count).
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<UserView>, AppError> {
    actor.require(Permission::UsersView)?;
    let mut c = db.conn().await?;
    let users = rows::list_users(&mut c.ex(), &actor.org_id).await?;
    let roles = rows::all_user_roles(&mut c.ex(), &actor.org_id).await?;
    // A set, not a binary search: the database's order of ids depends on its collation.
    let enrolled: std::collections::HashSet<String> =
        rows::mfa_enrolled_users(&mut c.ex(), &actor.org_id).await?.into_iter().collect();
    Ok(users
        .into_iter()
        .map(|u| {
            let mine: Vec<_> = roles.iter().filter(|r| r.user_id == u.id).collect();
            let mfa = enrolled.contains(&u.id);
            view(u, mine.iter().map(|r| (r.key.clone(), r.name_ja.clone(), r.name_en.clone())).collect(), mfa)
        })
        .collect())
}

fn view(u: UserRow, roles: Vec<(String, String, String)>, mfa_enrolled: bool) -> UserView {
    UserView {
        id: u.id,
        login_id: u.login_id,
        display_name: u.display_name,
        email: u.email,
        roles: roles.iter().map(|r| r.0.clone()).collect(),
        role_names_ja: roles.iter().map(|r| r.1.clone()).collect(),
        role_names_en: roles.iter().map(|r| r.2.clone()).collect(),
        locked: u.locked != 0,
        disabled: u.disabled != 0,
        must_change_password: u.must_change_password != 0,
        failed_attempts: u.failed_attempts,
        mfa_enrolled,
    }
}

/// One user by login ID.
pub async fn get(db: &Db, actor: &Actor, login_id: &str) -> Result<UserView, AppError> {
    actor.require(Permission::UsersView)?;
    load_view(db, &actor.org_id, login_id).await
}

/// Loads a user view without a permission check (the caller decided).
pub async fn load_view(db: &Db, org_id: &str, login_id: &str) -> Result<UserView, AppError> {
    let mut c = db.conn().await?;
    let u = rows::user_by_login(&mut c.ex(), org_id, &login_key(login_id)).await?.ok_or(AppError::NotFound)?;
    let roles = rows::user_roles(&mut c.ex(), org_id, &u.id).await?;
    let mfa = rows::mfa_of(&mut c.ex(), org_id, &u.id).await?.is_some_and(|m| m.secret.is_some());
    Ok(view(u, roles.into_iter().map(|r| (r.key, r.name_ja, r.name_en)).collect(), mfa))
}

async fn load_for_update(
    tx: &mut mamori_store::Tx,
    org_id: &str,
    login_id: &str,
) -> Result<(UserRow, Vec<String>), AppError> {
    let u = rows::user_by_login(&mut tx.ex(), org_id, &login_key(login_id)).await?.ok_or(AppError::NotFound)?;
    let roles = rows::user_roles(&mut tx.ex(), org_id, &u.id).await?.into_iter().map(|r| r.key).collect();
    Ok((u, roles))
}

/// Unlocks an account locked by failed logins (8.5).
pub async fn unlock(db: &Db, actor: &Actor, login_id: &str, now: i64) -> Result<UserView, AppError> {
    actor.require(Permission::UsersUnlock)?;
    let mut tx = db.begin().await?;
    let (u, roles) = load_for_update(&mut tx, &actor.org_id, login_id).await?;
    rows::update_login_state(&mut tx.ex(), &actor.org_id, &u.id, 0, false, None, now).await?;
    let after = UserRow { locked: 0, failed_attempts: 0, locked_at: None, ..u.clone() };
    finish_change(db, tx, actor, AuditAction::Unlock, (&u, &roles), (&after, &roles), login_id, now).await
}

/// Sets a new initial password (must be changed at next login, and works for
/// [`RESET_VALID_MS`] only), unlocks the account and revokes its sessions. Returns the password
/// set, for the caller to hand over once: it is stored only hashed.
pub async fn reset_password(
    db: &Db,
    actor: &Actor,
    login_id: &str,
    new_password: Option<String>,
    now: i64,
) -> Result<String, AppError> {
    actor.require(Permission::UsersManage)?;
    let pw = match new_password {
        Some(p) => p,
        None => random::initial_password()?,
    };
    let violations = password::check_policy(&pw, login_id);
    if !violations.is_empty() {
        return Err(AppError::PasswordPolicy(violations));
    }
    let hash = hash_password(pw.clone()).await?;
    let mut tx = db.begin().await?;
    let (u, roles) = load_for_update(&mut tx, &actor.org_id, login_id).await?;
    if !protected(&roles).is_empty() {
        require_top_management(actor)?;
    }
    rows::update_password(&mut tx.ex(), &actor.org_id, &u.id, &hash, true, Some(now + RESET_VALID_MS), now).await?;
    rows::update_login_state(&mut tx.ex(), &actor.org_id, &u.id, 0, false, None, now).await?;
    rows::delete_user_sessions(&mut tx.ex(), &actor.org_id, &u.id).await?;
    let after = UserRow { locked: 0, failed_attempts: 0, must_change_password: 1, ..u.clone() };
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::PasswordReset,
            "user",
            Some(&u.id),
            Some(snapshot(&u, &roles)),
            Some(snapshot(&after, &roles)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(pw)
}

/// Disables (a leaver, 5.18/6.5) or enables an account. A disabled account keeps its history,
/// cannot log in, and its sessions and calendar feed stop. Same rule as role changes: nobody
/// disables or enables themselves, and an account holding 経営責任者 or 情報セキュリティ管理者 needs
/// a 経営責任者.
pub async fn set_disabled(
    db: &Db,
    actor: &Actor,
    login_id: &str,
    disabled: bool,
    now: i64,
) -> Result<UserView, AppError> {
    actor.require(Permission::UsersManage)?;
    let mut tx = db.begin().await?;
    let (u, roles) = load_for_update(&mut tx, &actor.org_id, login_id).await?;
    if actor.user_id.as_deref() == Some(u.id.as_str()) {
        return Err(AppError::SelfDisable);
    }
    if !protected(&roles).is_empty() {
        require_top_management(actor)?;
    }
    rows::set_disabled(&mut tx.ex(), &actor.org_id, &u.id, disabled, now).await?;
    if disabled {
        rows::delete_user_sessions(&mut tx.ex(), &actor.org_id, &u.id).await?;
    }
    let after = UserRow { disabled: i64::from(disabled), ..u.clone() };
    finish_change(db, tx, actor, AuditAction::Update, (&u, &roles), (&after, &roles), login_id, now).await
}

/// Removes a user's MFA (a lost phone and lost recovery codes): they log in with the password
/// alone and enrol again (at once, when the organisation requires it of their role). Their
/// sessions end. Same authority rule as password resets.
pub async fn reset_mfa(db: &Db, actor: &Actor, login_id: &str, now: i64) -> Result<UserView, AppError> {
    actor.require(Permission::UsersManage)?;
    let mut tx = db.begin().await?;
    let (u, roles) = load_for_update(&mut tx, &actor.org_id, login_id).await?;
    if actor.user_id.as_deref() == Some(u.id.as_str()) {
        return Err(AppError::SelfDisable);
    }
    if !protected(&roles).is_empty() {
        require_top_management(actor)?;
    }
    let had = rows::delete_mfa(&mut tx.ex(), &actor.org_id, &u.id).await?;
    rows::delete_user_sessions(&mut tx.ex(), &actor.org_id, &u.id).await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "user_mfa",
            Some(&u.id),
            Some(serde_json::json!({ "mfa": had })),
            Some(serde_json::json!({ "mfa": false })),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    load_view(db, &actor.org_id, login_id).await
}

/// The end of every change to one user: its audit row with the account before and after
/// (roles included, password hash never), the commit, and the user as now stored.
#[allow(clippy::too_many_arguments)]
async fn finish_change(
    db: &Db,
    mut tx: mamori_store::Tx,
    actor: &Actor,
    action: AuditAction,
    before: (&UserRow, &[String]),
    after: (&UserRow, &[String]),
    login_id: &str,
    now: i64,
) -> Result<UserView, AppError> {
    let u = before.0;
    let entry =
        Entry::by(actor, action, "user", Some(&u.id), Some(snapshot(u, before.1)), Some(snapshot(after.0, after.1)));
    audit::append(&mut tx, entry, now).await?;
    tx.commit().await?;
    load_view(db, &actor.org_id, login_id).await
}

/// Replaces a user's roles.
pub async fn set_roles(
    db: &Db,
    actor: &Actor,
    login_id: &str,
    roles: Vec<String>,
    now: i64,
) -> Result<UserView, AppError> {
    actor.require(Permission::UsersManage)?;
    if roles.is_empty() {
        return Err(AppError::Validation(vec![("roles".into(), "field-required".into())]));
    }
    let mut tx = db.begin().await?;
    let (u, before_roles) = load_for_update(&mut tx, &actor.org_id, login_id).await?;
    if actor.user_id.as_deref() == Some(u.id.as_str()) {
        return Err(AppError::SelfRoleChange);
    }
    may_change_top_management(actor, &before_roles, &roles)?;
    let ids = role_ids(&mut tx, &actor.org_id, &roles).await?;
    rows::set_user_roles(&mut tx.ex(), &actor.org_id, &u.id, &ids).await?;
    finish_change(db, tx, actor, AuditAction::RoleChange, (&u, &before_roles), (&u, &roles), login_id, now).await
}

/// The organisation's roles as (key, Japanese name, English name): the role pickers and role
/// labels of the users page and of document control (approver role, publication).
pub async fn roles(db: &Db, actor: &Actor) -> Result<Vec<(String, String, String)>, AppError> {
    actor.require(Permission::UsersView).or_else(|_| actor.require(Permission::DocumentsView))?;
    let mut c = db.conn().await?;
    Ok(rows::list_roles(&mut c.ex(), &actor.org_id).await?.into_iter().map(|r| (r.key, r.name_ja, r.name_en)).collect())
}

/// The login IDs of the organisation's users: the choices of a register's person field.
pub async fn login_ids(db: &Db, actor: &Actor) -> Result<Vec<String>, AppError> {
    actor.require(Permission::RegistersView).or_else(|_| actor.require(Permission::RegistersEdit))?;
    let mut c = db.conn().await?;
    Ok(rows::list_users(&mut c.ex(), &actor.org_id).await?.into_iter().map(|u| u.login_id).collect())
}
