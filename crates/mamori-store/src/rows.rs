//! Row types and the queries that read and write them. Every query on domain data filters
//! by `org_id`.

use crate::{Ex, StoreError, exec, fetch_all, fetch_i64, fetch_optional};

/// An organisation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrgRow {
    /// Id.
    pub id: String,
    /// Short unique name used on the command line (`--org`).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Consecutive failed logins that lock an account.
    pub lockout_threshold: i64,
    /// Creation time.
    pub created_at: i64,
}

/// A role of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RoleRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Stable key.
    pub key: String,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
}

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
}

/// One stored audit row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    /// Organisation.
    pub org_id: String,
    /// Position in the chain.
    pub seq: i64,
    /// Time.
    pub at_ms: i64,
    /// Actor id.
    pub actor_id: Option<String>,
    /// Actor label.
    pub actor_label: String,
    /// Action key.
    pub action: String,
    /// Object kind.
    pub object_type: String,
    /// Object id.
    pub object_id: Option<String>,
    /// Before (JSON text).
    pub before_json: Option<String>,
    /// After (JSON text).
    pub after_json: Option<String>,
    /// Previous hash.
    pub prev_hash: String,
    /// This row's hash.
    pub hash: String,
}

const USER_COLS: &str = "id, org_id, login_id, display_name, email, password_hash, must_change_password, failed_attempts, locked, locked_at, disabled, created_at, updated_at";
const AUDIT_COLS: &str = "org_id, seq, at_ms, actor_id, actor_label, action, object_type, object_id, before_json, after_json, prev_hash, hash";

pub use crate::m365_events::*;

fn sql(parts: &[&str]) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(parts.concat())
}

// ---- organisations ----

/// Inserts an organisation.
pub async fn insert_org(ex: &mut Ex<'_>, o: &OrgRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO organization (id, slug, name, lockout_threshold, created_at) VALUES ($1, $2, $3, $4, $5)",
        &o.id,
        &o.slug,
        &o.name,
        o.lockout_threshold,
        o.created_at
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// All organisations, by slug.
pub async fn list_orgs(ex: &mut Ex<'_>) -> Result<Vec<OrgRow>, StoreError> {
    Ok(fetch_all!(ex, OrgRow, "SELECT id, slug, name, lockout_threshold, created_at FROM organization ORDER BY slug")?)
}

/// An organisation by slug.
pub async fn org_by_slug(ex: &mut Ex<'_>, slug: &str) -> Result<Option<OrgRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        OrgRow,
        "SELECT id, slug, name, lockout_threshold, created_at FROM organization WHERE slug = $1",
        slug
    )?)
}

/// An organisation by id.
pub async fn org_by_id(ex: &mut Ex<'_>, id: &str) -> Result<Option<OrgRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        OrgRow,
        "SELECT id, slug, name, lockout_threshold, created_at FROM organization WHERE id = $1",
        id
    )?)
}

/// Sets the lockout threshold.
pub async fn set_lockout_threshold(ex: &mut Ex<'_>, org_id: &str, n: i64) -> Result<(), StoreError> {
    exec!(ex, "UPDATE organization SET lockout_threshold = $1 WHERE id = $2", n, org_id)?;
    Ok(())
}

// ---- roles ----

/// Inserts a role with its permissions.
pub async fn insert_role(ex: &mut Ex<'_>, r: &RoleRow, permissions: &[&str]) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO role (id, org_id, key, name_ja, name_en) VALUES ($1, $2, $3, $4, $5)",
        &r.id,
        &r.org_id,
        &r.key,
        &r.name_ja,
        &r.name_en
    )
    .map_err(StoreError::from_write)?;
    for p in permissions {
        exec!(
            ex,
            "INSERT INTO role_permission (org_id, role_id, permission) VALUES ($1, $2, $3)",
            &r.org_id,
            &r.id,
            *p
        )?;
    }
    Ok(())
}

/// The organisation's roles, in creation order of their keys.
pub async fn list_roles(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<RoleRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RoleRow,
        "SELECT id, org_id, key, name_ja, name_en FROM role WHERE org_id = $1 ORDER BY id",
        org_id
    )?)
}

/// Roles held by a user.
pub async fn user_roles(ex: &mut Ex<'_>, org_id: &str, user_id: &str) -> Result<Vec<RoleRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RoleRow,
        "SELECT r.id, r.org_id, r.key, r.name_ja, r.name_en FROM role r JOIN user_role ur ON ur.role_id = r.id \
         WHERE ur.org_id = $1 AND ur.user_id = $2 ORDER BY r.id",
        org_id,
        user_id
    )?)
}

/// (user id, role) pairs for every user of an organisation (one query for list pages).
pub async fn all_user_roles(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<UserRoleRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        UserRoleRow,
        "SELECT ur.user_id, r.key, r.name_ja, r.name_en FROM user_role ur JOIN role r ON r.id = ur.role_id \
         WHERE ur.org_id = $1 ORDER BY r.id",
        org_id
    )?)
}

/// A user's role, for list pages.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRoleRow {
    /// User.
    pub user_id: String,
    /// Role key.
    pub key: String,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
}

/// Permission keys a user holds through their roles.
pub async fn user_permissions(ex: &mut Ex<'_>, org_id: &str, user_id: &str) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct P {
        permission: String,
    }
    let rows = fetch_all!(
        ex,
        P,
        "SELECT DISTINCT rp.permission FROM role_permission rp JOIN user_role ur ON ur.role_id = rp.role_id \
         WHERE ur.org_id = $1 AND ur.user_id = $2",
        org_id,
        user_id
    )?;
    Ok(rows.into_iter().map(|p| p.permission).collect())
}

/// Replaces a user's roles.
pub async fn set_user_roles(
    ex: &mut Ex<'_>,
    org_id: &str,
    user_id: &str,
    role_ids: &[String],
) -> Result<(), StoreError> {
    exec!(ex, "DELETE FROM user_role WHERE org_id = $1 AND user_id = $2", org_id, user_id)?;
    for r in role_ids {
        exec!(ex, "INSERT INTO user_role (org_id, user_id, role_id) VALUES ($1, $2, $3)", org_id, user_id, r)?;
    }
    Ok(())
}

// ---- users ----

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

// ---- sessions ----

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
        "SELECT id_hash, org_id, user_id, csrf_token, expires_at, last_seen_at FROM user_session WHERE id_hash = $1",
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

/// Deletes expired sessions.
pub async fn delete_expired_sessions(ex: &mut Ex<'_>, now: i64) -> Result<u64, StoreError> {
    Ok(exec!(ex, "DELETE FROM user_session WHERE expires_at < $1", now)?)
}

/// Number of live sessions of a user.
pub async fn count_user_sessions(ex: &mut Ex<'_>, org_id: &str, user_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COUNT(*) FROM user_session WHERE org_id = $1 AND user_id = $2", org_id, user_id)?)
}

// ---- audit ----

/// The last row of an organisation's chain.
pub async fn last_audit(ex: &mut Ex<'_>, org_id: &str) -> Result<Option<AuditRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        AuditRow,
        sql(&["SELECT ", AUDIT_COLS, " FROM audit_log WHERE org_id = $1 ORDER BY seq DESC LIMIT 1"]),
        org_id
    )?)
}

/// Appends a row (the caller computed seq and hashes).
pub async fn insert_audit(ex: &mut Ex<'_>, a: &AuditRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO audit_log (", AUDIT_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"]),
        &a.org_id,
        a.seq,
        a.at_ms,
        &a.actor_id,
        &a.actor_label,
        &a.action,
        &a.object_type,
        &a.object_id,
        &a.before_json,
        &a.after_json,
        &a.prev_hash,
        &a.hash
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// A page of an organisation's audit rows, newest first.
pub async fn list_audit(ex: &mut Ex<'_>, org_id: &str, limit: i64, offset: i64) -> Result<Vec<AuditRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AuditRow,
        sql(&["SELECT ", AUDIT_COLS, " FROM audit_log WHERE org_id = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3"]),
        org_id,
        limit,
        offset
    )?)
}

/// Rows of an organisation's chain with `seq` in `[from, from + limit)`, in order.
pub async fn audit_range(ex: &mut Ex<'_>, org_id: &str, from: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AuditRow,
        sql(&["SELECT ", AUDIT_COLS, " FROM audit_log WHERE org_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3"]),
        org_id,
        from,
        limit
    )?)
}

/// Number of audit rows of an organisation.
pub async fn count_audit(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COUNT(*) FROM audit_log WHERE org_id = $1", org_id)?)
}

// ---- regulation ----

/// One imported version of an organisation's regulation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegulationVersionRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// 1, 2, … per organisation.
    pub version_no: i64,
    /// 文書番号.
    pub doc_number: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// 版数.
    pub edition: Option<String>,
    /// 制定／改訂日.
    pub doc_date: Option<String>,
    /// Uploaded file name.
    pub source_name: String,
    /// SHA-256 of the source text.
    pub source_sha256: String,
    /// Login ID of the importer.
    pub imported_by: String,
    /// When.
    pub imported_at: i64,
    /// Parser diagnostics (JSON array).
    pub diagnostics_json: String,
}

/// One control of a version.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegulationControlRow {
    /// Organisation.
    pub org_id: String,
    /// Version.
    pub version_id: String,
    /// Annex A id.
    pub control_id: String,
    /// Order in the document.
    pub position: i64,
    /// Title.
    pub title: String,
    /// 1 when applicable.
    pub applicable: i64,
    /// The parsed control (JSON).
    pub data_json: String,
}

/// A staged upload.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StagingRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Uploader.
    pub user_id: String,
    /// File name.
    pub file_name: String,
    /// SHA-256 of the content.
    pub sha256: String,
    /// Decoded text.
    pub content: String,
    /// When.
    pub created_at: i64,
}

/// A dictionary entry of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DictionaryRow {
    /// Organisation.
    pub org_id: String,
    /// `role` or `system`.
    pub kind: String,
    /// Canonical name.
    pub canonical: String,
    /// Aliases (JSON array).
    pub aliases_json: String,
}

const REGV_COLS: &str = "id, org_id, version_no, doc_number, title, edition, doc_date, source_name, source_sha256, imported_by, imported_at, diagnostics_json";

/// The highest version number of an organisation (0 when none).
pub async fn max_regulation_version(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COALESCE(MAX(version_no), 0) FROM regulation_version WHERE org_id = $1", org_id)?)
}

/// Inserts a version.
pub async fn insert_regulation_version(ex: &mut Ex<'_>, v: &RegulationVersionRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO regulation_version (",
            REGV_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ]),
        &v.id,
        &v.org_id,
        v.version_no,
        &v.doc_number,
        &v.title,
        &v.edition,
        &v.doc_date,
        &v.source_name,
        &v.source_sha256,
        &v.imported_by,
        v.imported_at,
        &v.diagnostics_json
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Inserts a control of a version.
pub async fn insert_regulation_control(ex: &mut Ex<'_>, c: &RegulationControlRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO regulation_control (org_id, version_id, control_id, position, title, applicable, data_json) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &c.org_id,
        &c.version_id,
        &c.control_id,
        c.position,
        &c.title,
        c.applicable,
        &c.data_json
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Versions of an organisation, newest first.
pub async fn list_regulation_versions(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<RegulationVersionRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RegulationVersionRow,
        sql(&["SELECT ", REGV_COLS, " FROM regulation_version WHERE org_id = $1 ORDER BY version_no DESC"]),
        org_id
    )?)
}

/// Controls of a version in document order.
pub async fn regulation_controls(
    ex: &mut Ex<'_>,
    org_id: &str,
    version_id: &str,
) -> Result<Vec<RegulationControlRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RegulationControlRow,
        "SELECT org_id, version_id, control_id, position, title, applicable, data_json FROM regulation_control \
         WHERE org_id = $1 AND version_id = $2 ORDER BY position",
        org_id,
        version_id
    )?)
}

/// Stages an upload.
pub async fn insert_staging(ex: &mut Ex<'_>, s: &StagingRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO regulation_staging (id, org_id, user_id, file_name, sha256, content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &s.id,
        &s.org_id,
        &s.user_id,
        &s.file_name,
        &s.sha256,
        &s.content,
        s.created_at
    )?;
    Ok(())
}

/// A staged upload of a user.
pub async fn staging(ex: &mut Ex<'_>, org_id: &str, user_id: &str, id: &str) -> Result<Option<StagingRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        StagingRow,
        "SELECT id, org_id, user_id, file_name, sha256, content, created_at FROM regulation_staging WHERE org_id = $1 AND user_id = $2 AND id = $3",
        org_id,
        user_id,
        id
    )?)
}

/// Removes a staged upload and those older than `before`.
pub async fn delete_staging(ex: &mut Ex<'_>, org_id: &str, id: &str, before: i64) -> Result<(), StoreError> {
    exec!(ex, "DELETE FROM regulation_staging WHERE org_id = $1 AND (id = $2 OR created_at < $3)", org_id, id, before)?;
    Ok(())
}

/// The organisation's dictionary additions.
pub async fn org_dictionary(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<DictionaryRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        DictionaryRow,
        "SELECT org_id, kind, canonical, aliases_json FROM org_dictionary WHERE org_id = $1 ORDER BY kind, canonical",
        org_id
    )?)
}

/// Adds or replaces a dictionary entry.
pub async fn upsert_dictionary(ex: &mut Ex<'_>, d: &DictionaryRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO org_dictionary (org_id, kind, canonical, aliases_json) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, kind, canonical) DO UPDATE SET aliases_json = $4",
        &d.org_id,
        &d.kind,
        &d.canonical,
        &d.aliases_json
    )?;
    Ok(())
}

// ---- controlled documents ----

/// A controlled document.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DocumentRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// regulation, soa, policy, manual, external.
    pub kind: String,
    /// 文書番号.
    pub doc_number: String,
    /// Title.
    pub title: String,
    /// Issuer of an external document.
    pub issuer: Option<String>,
    /// Role key that approves.
    pub approver_role: String,
    /// 社外秘 / 極秘.
    pub confidentiality: String,
    /// Created.
    pub created_at: i64,
}

/// A version of a document.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DocVersionRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Document.
    pub document_id: String,
    /// 1, 2, …
    pub version_no: i64,
    /// 版数 as written (初版, 第2版…).
    pub edition: String,
    /// draft, approved, superseded.
    pub status: String,
    /// Author user id (or `cli`).
    pub author_id: String,
    /// Author label.
    pub author_label: String,
    /// Everyone who wrote to this draft (JSON array of user ids).
    pub contributors_json: String,
    /// Approver.
    pub approver_id: Option<String>,
    /// Approver label.
    pub approver_label: Option<String>,
    /// When approved.
    pub approved_at: Option<i64>,
    /// 制定日.
    pub enacted_date: Option<String>,
    /// 改訂日.
    pub revised_date: Option<String>,
    /// 改訂内容.
    pub change_summary: String,
    /// Content (text or JSON by kind).
    pub body: String,
    /// When published for acknowledgement.
    pub published_at: Option<i64>,
    /// Audience: JSON array of role keys, or `["*"]` for everyone.
    pub audience_json: Option<String>,
    /// Created.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

const DOC_COLS: &str = "id, org_id, kind, doc_number, title, issuer, approver_role, confidentiality, created_at";
const DOCV_COLS: &str = "id, org_id, document_id, version_no, edition, status, author_id, author_label, contributors_json, approver_id, approver_label, approved_at, enacted_date, revised_date, change_summary, body, published_at, audience_json, created_at, updated_at";

/// Inserts a document.
pub async fn insert_document(ex: &mut Ex<'_>, d: &DocumentRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO document (", DOC_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"]),
        &d.id,
        &d.org_id,
        &d.kind,
        &d.doc_number,
        &d.title,
        &d.issuer,
        &d.approver_role,
        &d.confidentiality,
        d.created_at
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// The organisation's documents by number.
pub async fn list_documents(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<DocumentRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        DocumentRow,
        sql(&["SELECT ", DOC_COLS, " FROM document WHERE org_id = $1 ORDER BY kind, doc_number"]),
        org_id
    )?)
}

/// A document by id.
pub async fn document(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<DocumentRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        DocumentRow,
        sql(&["SELECT ", DOC_COLS, " FROM document WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// The first document of a kind (the regulation and the SoA are one per organisation).
pub async fn document_of_kind(ex: &mut Ex<'_>, org_id: &str, kind: &str) -> Result<Option<DocumentRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        DocumentRow,
        sql(&["SELECT ", DOC_COLS, " FROM document WHERE org_id = $1 AND kind = $2 ORDER BY created_at LIMIT 1"]),
        org_id,
        kind
    )?)
}

/// Inserts a version.
pub async fn insert_doc_version(ex: &mut Ex<'_>, v: &DocVersionRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO document_version (",
            DOCV_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
        ]),
        &v.id,
        &v.org_id,
        &v.document_id,
        v.version_no,
        &v.edition,
        &v.status,
        &v.author_id,
        &v.author_label,
        &v.contributors_json,
        &v.approver_id,
        &v.approver_label,
        v.approved_at,
        &v.enacted_date,
        &v.revised_date,
        &v.change_summary,
        &v.body,
        v.published_at,
        &v.audience_json,
        v.created_at,
        v.updated_at
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Versions of a document, newest first.
pub async fn doc_versions(ex: &mut Ex<'_>, org_id: &str, document_id: &str) -> Result<Vec<DocVersionRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        DocVersionRow,
        sql(&[
            "SELECT ",
            DOCV_COLS,
            " FROM document_version WHERE org_id = $1 AND document_id = $2 ORDER BY version_no DESC"
        ]),
        org_id,
        document_id
    )?)
}

/// Every version of the organisation (list pages; one query).
pub async fn all_doc_versions(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<DocVersionRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        DocVersionRow,
        sql(&["SELECT ", DOCV_COLS, " FROM document_version WHERE org_id = $1 ORDER BY document_id, version_no DESC"]),
        org_id
    )?)
}

/// Updates a draft's content; returns rows changed (0 when it is no longer a draft).
pub async fn update_draft(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
    body: &str,
    change_summary: &str,
    contributors_json: &str,
    now: i64,
) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE document_version SET body = $1, change_summary = $2, contributors_json = $3, updated_at = $4 \
         WHERE org_id = $5 AND id = $6 AND status = 'draft'",
        body,
        change_summary,
        contributors_json,
        now,
        org_id,
        id
    )?)
}

/// Sets a version's status (approval fields when approving).
#[allow(clippy::too_many_arguments)]
pub async fn set_doc_version_status(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
    status: &str,
    approver: Option<(&str, &str)>,
    approved_at: Option<i64>,
    revised_date: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    match approver {
        Some((aid, label)) => exec!(
            ex,
            "UPDATE document_version SET status = $1, approver_id = $2, approver_label = $3, approved_at = $4, \
             revised_date = COALESCE($5, revised_date), enacted_date = COALESCE(enacted_date, $5), updated_at = $6 WHERE org_id = $7 AND id = $8",
            status,
            aid,
            label,
            approved_at,
            revised_date,
            now,
            org_id,
            id
        )?,
        None => exec!(
            ex,
            "UPDATE document_version SET status = $1, updated_at = $2 WHERE org_id = $3 AND id = $4",
            status,
            now,
            org_id,
            id
        )?,
    };
    Ok(())
}

/// Publishes a version to an audience.
pub async fn publish_doc_version(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
    audience_json: &str,
    now: i64,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE document_version SET published_at = $1, audience_json = $2, updated_at = $1 WHERE org_id = $3 AND id = $4",
        now,
        audience_json,
        org_id,
        id
    )?;
    Ok(())
}

/// Records an acknowledgement (once per person and version).
pub async fn insert_ack(
    ex: &mut Ex<'_>,
    org_id: &str,
    version_id: &str,
    user_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO document_ack (org_id, version_id, user_id, acknowledged_at) VALUES ($1, $2, $3, $4)",
        org_id,
        version_id,
        user_id,
        now
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// An acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AckRow {
    /// Version.
    pub version_id: String,
    /// User.
    pub user_id: String,
    /// When.
    pub acknowledged_at: i64,
}

/// Acknowledgements of the organisation.
pub async fn acks(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<AckRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AckRow,
        "SELECT version_id, user_id, acknowledged_at FROM document_ack WHERE org_id = $1",
        org_id
    )?)
}

// ---- registers ----

/// A register definition of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegisterDefRow {
    /// Organisation.
    pub org_id: String,
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// The definition (JSON).
    pub def_json: String,
    /// Created.
    pub created_at: i64,
    /// Changed.
    pub updated_at: i64,
}

/// A register row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegisterRowRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Register.
    pub register_key: String,
    /// Values (JSON object).
    pub values_json: String,
    /// 社外秘 / 極秘.
    pub label: String,
    /// Lower-cased text of all values (search).
    pub search_text: String,
    /// 1 when deleted.
    pub deleted: i64,
    /// Why it was deleted.
    pub deleted_reason: Option<String>,
    /// 1, 2, … (one per change).
    pub version: i64,
    /// Created.
    pub created_at: i64,
    /// Created by.
    pub created_by: String,
    /// Changed.
    pub updated_at: i64,
    /// Changed by.
    pub updated_by: String,
}

/// One history entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegisterHistoryRow {
    /// Row.
    pub row_id: String,
    /// Version.
    pub version: i64,
    /// create, update, delete, restore.
    pub action: String,
    /// Values after the change.
    pub values_json: String,
    /// Label after the change.
    pub label: String,
    /// Reason (delete).
    pub reason: Option<String>,
    /// Who.
    pub actor_label: String,
    /// When.
    pub at_ms: i64,
}

const RROW_COLS: &str = "id, org_id, register_key, values_json, label, search_text, deleted, deleted_reason, version, created_at, created_by, updated_at, updated_by";

/// Register definitions of an organisation.
pub async fn register_defs(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<RegisterDefRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RegisterDefRow,
        "SELECT org_id, key, name, def_json, created_at, updated_at FROM register_def WHERE org_id = $1 ORDER BY created_at, key",
        org_id
    )?)
}

/// Adds or replaces a definition.
pub async fn upsert_register_def(ex: &mut Ex<'_>, d: &RegisterDefRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO register_def (org_id, key, name, def_json, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (org_id, key) DO UPDATE SET name = $3, def_json = $4, updated_at = $6",
        &d.org_id,
        &d.key,
        &d.name,
        &d.def_json,
        d.created_at,
        d.updated_at
    )?;
    Ok(())
}

/// Live row counts per register.
pub async fn register_counts(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct C {
        register_key: String,
        n: i64,
    }
    let rows = fetch_all!(
        ex,
        C,
        "SELECT register_key, COUNT(*) AS n FROM register_row WHERE org_id = $1 AND deleted = 0 GROUP BY register_key",
        org_id
    )?;
    Ok(rows.into_iter().map(|c| (c.register_key, c.n)).collect())
}

/// Inserts a row (the caller bumps the register's data version once per transaction).
pub async fn insert_register_row(ex: &mut Ex<'_>, r: &RegisterRowRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO register_row (",
            RROW_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ]),
        &r.id,
        &r.org_id,
        &r.register_key,
        &r.values_json,
        &r.label,
        &r.search_text,
        r.deleted,
        &r.deleted_reason,
        r.version,
        r.created_at,
        &r.created_by,
        r.updated_at,
        &r.updated_by
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Marks a register's data as changed (in-memory indexes rebuild on the next read).
pub async fn bump_register_version(ex: &mut Ex<'_>, org_id: &str, key: &str) -> Result<(), StoreError> {
    exec!(ex, "UPDATE register_def SET data_version = data_version + 1 WHERE org_id = $1 AND key = $2", org_id, key)?;
    Ok(())
}

/// The data version of a register (0 when it does not exist).
pub async fn register_version(ex: &mut Ex<'_>, org_id: &str, key: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(
        ex,
        "SELECT COALESCE(MAX(data_version), -1) FROM register_def WHERE org_id = $1 AND key = $2",
        org_id,
        key
    )?)
}

/// Replaces a row's values, label and deletion state (version must be the next one).
pub async fn update_register_row(ex: &mut Ex<'_>, r: &RegisterRowRow) -> Result<u64, StoreError> {
    let n = exec!(
        ex,
        "UPDATE register_row SET values_json = $1, label = $2, search_text = $3, deleted = $4, deleted_reason = $5, version = $6, \
         updated_at = $7, updated_by = $8 WHERE org_id = $9 AND id = $10 AND version = $11",
        &r.values_json,
        &r.label,
        &r.search_text,
        r.deleted,
        &r.deleted_reason,
        r.version,
        r.updated_at,
        &r.updated_by,
        &r.org_id,
        &r.id,
        r.version - 1
    )?;
    Ok(n)
}

/// A row by id.
pub async fn register_row(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<RegisterRowRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        RegisterRowRow,
        sql(&["SELECT ", RROW_COLS, " FROM register_row WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// All rows of a register (exports, validation context).
pub async fn register_rows_all(
    ex: &mut Ex<'_>,
    org_id: &str,
    key: &str,
    include_deleted: bool,
) -> Result<Vec<RegisterRowRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RegisterRowRow,
        sql(&[
            "SELECT ",
            RROW_COLS,
            " FROM register_row WHERE org_id = $1 AND register_key = $2 AND (deleted = 0 OR $3 = 1) ORDER BY created_at, id"
        ]),
        org_id,
        key,
        i64::from(include_deleted)
    )?)
}

/// Appends a history entry.
pub async fn insert_register_history(ex: &mut Ex<'_>, org_id: &str, h: &RegisterHistoryRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO register_row_history (org_id, row_id, version, action, values_json, label, reason, actor_label, at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        org_id,
        &h.row_id,
        h.version,
        &h.action,
        &h.values_json,
        &h.label,
        &h.reason,
        &h.actor_label,
        h.at_ms
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// History of a row, oldest first.
pub async fn register_history(
    ex: &mut Ex<'_>,
    org_id: &str,
    row_id: &str,
) -> Result<Vec<RegisterHistoryRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RegisterHistoryRow,
        "SELECT row_id, version, action, values_json, label, reason, actor_label, at_ms FROM register_row_history \
         WHERE org_id = $1 AND row_id = $2 ORDER BY version",
        org_id,
        row_id
    )?)
}

// ---- evidence ----

/// A stored evidence file.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct EvidenceRow {
    /// Organisation.
    pub org_id: String,
    /// SHA-256 (hex) of the content.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// Content type (as checked).
    pub content_type: String,
    /// Name as uploaded.
    pub original_name: String,
    /// Who stored it.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: i64,
}

/// Records an evidence file (a second upload of the same content keeps the first record).
pub async fn insert_evidence(ex: &mut Ex<'_>, e: &EvidenceRow) -> Result<bool, StoreError> {
    Ok(exec!(
        ex,
        "INSERT INTO evidence_file (org_id, sha256, size, content_type, original_name, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, sha256) DO NOTHING",
        &e.org_id,
        &e.sha256,
        e.size,
        &e.content_type,
        &e.original_name,
        &e.uploaded_by,
        e.uploaded_at
    )? == 1)
}

/// An evidence file of an organisation.
pub async fn evidence(ex: &mut Ex<'_>, org_id: &str, sha256: &str) -> Result<Option<EvidenceRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        EvidenceRow,
        "SELECT org_id, sha256, size, content_type, original_name, uploaded_by, uploaded_at FROM evidence_file WHERE org_id = $1 AND sha256 = $2",
        org_id,
        sha256
    )?)
}

/// Hashes of the organisation's evidence files.
pub async fn evidence_hashes(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct H {
        sha256: String,
    }
    Ok(fetch_all!(ex, H, "SELECT sha256 FROM evidence_file WHERE org_id = $1", org_id)?
        .into_iter()
        .map(|h| h.sha256)
        .collect())
}

// ---- duties ----

/// A recurring duty.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct DutyRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// What is to be done.
    pub title: String,
    /// Annex A control.
    pub control_id: Option<String>,
    /// scheduled, undecided, event, audit, review.
    pub decision: String,
    /// Frequency key when scheduled.
    pub frequency: Option<String>,
    /// Day anchor.
    pub anchor_day: i64,
    /// Month anchor.
    pub anchor_month: i64,
    /// Fiscal year start month.
    pub fiscal_year_start: i64,
    /// The date from which the current schedule applies (earlier occurrences are history).
    pub schedule_from: String,
    /// Owner role key.
    pub owner_role: Option<String>,
    /// The regulation's sentence.
    pub source_text: String,
    /// none, note, file.
    pub evidence: String,
    /// 1 while in use.
    pub active: i64,
    /// Created.
    pub created_at: i64,
    /// Changed.
    pub updated_at: i64,
    /// A named assignee (user id); otherwise anyone holding the owner role.
    pub assignee_id: Option<String>,
    /// The register whose row completes the duty (evidence `record`).
    pub register_key: Option<String>,
}

/// An occurrence of a duty.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct OccurrenceRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Duty.
    pub duty_id: String,
    /// Due date.
    pub due: String,
    /// open, done, skipped.
    pub state: String,
    /// Who completed it.
    pub done_by: Option<String>,
    /// On which day.
    pub done_on: Option<String>,
    /// When.
    pub done_at: Option<i64>,
    /// Note.
    pub note: Option<String>,
    /// Evidence (JSON array of SHA-256).
    pub evidence: Option<String>,
    /// Why skipped.
    pub skip_reason: Option<String>,
    /// The register row it produced, as `register_key/row_id`.
    pub record_ref: Option<String>,
}

const DUTY_COLS: &str = "id, org_id, title, control_id, decision, frequency, anchor_day, anchor_month, fiscal_year_start, schedule_from, owner_role, source_text, evidence, active, created_at, updated_at, assignee_id, register_key";
const OCC_COLS: &str =
    "id, org_id, duty_id, due, state, done_by, done_on, done_at, note, evidence, skip_reason, record_ref";

/// Inserts a duty unless one with the same control and source text exists; true when inserted.
pub async fn insert_duty(ex: &mut Ex<'_>, d: &DutyRow) -> Result<bool, StoreError> {
    Ok(exec!(
        ex,
        sql(&[
            "INSERT INTO duty (",
            DUTY_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) ON CONFLICT DO NOTHING"
        ]),
        &d.id,
        &d.org_id,
        &d.title,
        &d.control_id,
        &d.decision,
        &d.frequency,
        d.anchor_day,
        d.anchor_month,
        d.fiscal_year_start,
        &d.schedule_from,
        &d.owner_role,
        &d.source_text,
        &d.evidence,
        d.active,
        d.created_at,
        d.updated_at,
        &d.assignee_id,
        &d.register_key
    )? == 1)
}

/// The organisation's duties.
pub async fn duties(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<DutyRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        DutyRow,
        sql(&["SELECT ", DUTY_COLS, " FROM duty WHERE org_id = $1 ORDER BY control_id, created_at"]),
        org_id
    )?)
}

/// Changes a duty's schedule and decision.
pub async fn update_duty_schedule(ex: &mut Ex<'_>, d: &DutyRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE duty SET decision = $1, frequency = $2, anchor_day = $3, anchor_month = $4, fiscal_year_start = $5, owner_role = $6, \
         evidence = $7, updated_at = $8, schedule_from = $9, title = $10, assignee_id = $11, register_key = $12, active = $13 \
         WHERE org_id = $14 AND id = $15",
        &d.decision,
        &d.frequency,
        d.anchor_day,
        d.anchor_month,
        d.fiscal_year_start,
        &d.owner_role,
        &d.evidence,
        d.updated_at,
        &d.schedule_from,
        &d.title,
        &d.assignee_id,
        &d.register_key,
        d.active,
        &d.org_id,
        &d.id
    )?;
    Ok(())
}

/// Adds an occurrence unless the duty already has one on that date.
pub async fn insert_occurrence(ex: &mut Ex<'_>, o: &OccurrenceRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO duty_occurrence (",
            OCC_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (duty_id, due) DO NOTHING"
        ]),
        &o.id,
        &o.org_id,
        &o.duty_id,
        &o.due,
        &o.state,
        &o.done_by,
        &o.done_on,
        o.done_at,
        &o.note,
        &o.evidence,
        &o.skip_reason,
        &o.record_ref
    )?;
    Ok(())
}

/// Removes a duty's open occurrences due on or after a date (a schedule change; done and
/// skipped occurrences are history and stay).
pub async fn delete_open_occurrences_from(
    ex: &mut Ex<'_>,
    org_id: &str,
    duty_id: &str,
    from: &str,
) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "DELETE FROM duty_occurrence WHERE org_id = $1 AND duty_id = $2 AND state = 'open' AND due >= $3",
        org_id,
        duty_id,
        from
    )?)
}

/// Occurrences due in `[from, to]` (ISO dates compare as text).
pub async fn occurrences_between(
    ex: &mut Ex<'_>,
    org_id: &str,
    from: &str,
    to: &str,
) -> Result<Vec<OccurrenceRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        OccurrenceRow,
        sql(&[
            "SELECT ",
            OCC_COLS,
            " FROM duty_occurrence WHERE org_id = $1 AND due >= $2 AND due <= $3 ORDER BY due, duty_id"
        ]),
        org_id,
        from,
        to
    )?)
}

/// One occurrence.
pub async fn occurrence(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<OccurrenceRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        OccurrenceRow,
        sql(&["SELECT ", OCC_COLS, " FROM duty_occurrence WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// Records completion or skipping of an open occurrence; 0 when it was not open.
pub async fn close_occurrence(ex: &mut Ex<'_>, o: &OccurrenceRow) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE duty_occurrence SET state = $1, done_by = $2, done_on = $3, done_at = $4, note = $5, evidence = $6, skip_reason = $7, \
         record_ref = $8 WHERE org_id = $9 AND id = $10 AND state = 'open'",
        &o.state,
        &o.done_by,
        &o.done_on,
        o.done_at,
        &o.note,
        &o.evidence,
        &o.skip_reason,
        &o.record_ref,
        &o.org_id,
        &o.id
    )?)
}

/// Open occurrences due on or before a date (overdue and coming up), oldest first.
pub async fn open_occurrences_until(ex: &mut Ex<'_>, org_id: &str, to: &str) -> Result<Vec<OccurrenceRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        OccurrenceRow,
        sql(&[
            "SELECT ",
            OCC_COLS,
            " FROM duty_occurrence WHERE org_id = $1 AND state = 'open' AND due <= $2 ORDER BY due, duty_id"
        ]),
        org_id,
        to
    )?)
}

/// Every occurrence of one duty, newest first.
pub async fn occurrences_of_duty(
    ex: &mut Ex<'_>,
    org_id: &str,
    duty_id: &str,
) -> Result<Vec<OccurrenceRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        OccurrenceRow,
        sql(&["SELECT ", OCC_COLS, " FROM duty_occurrence WHERE org_id = $1 AND duty_id = $2 ORDER BY due DESC"]),
        org_id,
        duty_id
    )?)
}

/// One duty.
pub async fn duty(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<DutyRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        DutyRow,
        sql(&["SELECT ", DUTY_COLS, " FROM duty WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

// ---- mail outbox ----

/// A queued, sent or failing mail.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct MailRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// What makes this mail unique (kind, occurrence or week, recipient).
    pub dedupe_key: String,
    /// before, due, digest.
    pub kind: String,
    /// Address.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Queued.
    pub created_at: i64,
    /// Send attempts so far.
    pub attempts: i64,
    /// Not to be tried before.
    pub next_attempt_at: i64,
    /// The last failure.
    pub last_error: Option<String>,
    /// When delivered to the SMTP server.
    pub sent_at: Option<i64>,
}

const MAIL_COLS: &str = "id, org_id, dedupe_key, kind, recipient, subject, body, created_at, attempts, next_attempt_at, last_error, sent_at";

/// Queues a mail unless one with the same dedupe key exists; true when queued.
pub async fn queue_mail(ex: &mut Ex<'_>, m: &MailRow) -> Result<bool, StoreError> {
    Ok(exec!(
        ex,
        sql(&[
            "INSERT INTO mail_outbox (",
            MAIL_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (org_id, dedupe_key) DO NOTHING"
        ]),
        &m.id,
        &m.org_id,
        &m.dedupe_key,
        &m.kind,
        &m.recipient,
        &m.subject,
        &m.body,
        m.created_at,
        m.attempts,
        m.next_attempt_at,
        &m.last_error,
        m.sent_at
    )? == 1)
}

/// Unsent mails (of every organisation) whose next attempt is due.
pub async fn mail_due(ex: &mut Ex<'_>, now: i64, max_attempts: i64, limit: i64) -> Result<Vec<MailRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        MailRow,
        sql(&[
            "SELECT ",
            MAIL_COLS,
            " FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $2 \
              ORDER BY next_attempt_at, id LIMIT $3"
        ]),
        now,
        max_attempts,
        limit
    )?)
}

/// Records a successful send; 0 when it was already sent (another worker).
pub async fn mail_sent(ex: &mut Ex<'_>, id: &str, now: i64) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE mail_outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2 AND sent_at IS NULL",
        now,
        id
    )?)
}

/// Records a failed attempt and when to retry.
pub async fn mail_failed(ex: &mut Ex<'_>, id: &str, error: &str, retry_at: i64) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3 AND sent_at IS NULL",
        error,
        retry_at,
        id
    )?;
    Ok(())
}

/// Makes a mail due again now (an administrator's retry), resetting its attempts.
pub async fn mail_retry(ex: &mut Ex<'_>, org_id: &str, id: &str, now: i64) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE mail_outbox SET attempts = 0, next_attempt_at = $1 WHERE org_id = $2 AND id = $3 AND sent_at IS NULL",
        now,
        org_id,
        id
    )?)
}

/// The organisation's mails, newest first.
pub async fn mails(ex: &mut Ex<'_>, org_id: &str, limit: i64) -> Result<Vec<MailRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        MailRow,
        sql(&["SELECT ", MAIL_COLS, " FROM mail_outbox WHERE org_id = $1 ORDER BY created_at DESC, id LIMIT $2"]),
        org_id,
        limit
    )?)
}

// ---- calendar feed ----

/// Sets (replaces) a person's calendar token.
pub async fn set_calendar_token(
    ex: &mut Ex<'_>,
    org_id: &str,
    user_id: &str,
    token_hash: &str,
    now: i64,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO calendar_token (org_id, user_id, token_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET token_hash = $3, created_at = $4",
        org_id,
        user_id,
        token_hash,
        now
    )?;
    Ok(())
}

/// The (organisation, user) a calendar token belongs to.
pub async fn calendar_owner(ex: &mut Ex<'_>, token_hash: &str) -> Result<Option<(String, String)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct O {
        org_id: String,
        user_id: String,
    }
    Ok(fetch_optional!(ex, O, "SELECT org_id, user_id FROM calendar_token WHERE token_hash = $1", token_hash)?
        .map(|o| (o.org_id, o.user_id)))
}

/// The latest materialised due date of each duty of an organisation.
pub async fn last_due_per_duty(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct L {
        duty_id: String,
        last: String,
    }
    Ok(fetch_all!(
        ex,
        L,
        "SELECT duty_id, MAX(due) AS last FROM duty_occurrence WHERE org_id = $1 GROUP BY duty_id",
        org_id
    )?
    .into_iter()
    .map(|l| (l.duty_id, l.last))
    .collect())
}

/// Claims a due mail for sending until `lease_until` (so two workers never send it both);
/// 1 when claimed.
pub async fn mail_claim(ex: &mut Ex<'_>, id: &str, now: i64, lease_until: i64) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE mail_outbox SET next_attempt_at = $1 WHERE id = $2 AND sent_at IS NULL AND next_attempt_at <= $3",
        lease_until,
        id,
        now
    )?)
}

/// Bumps the organisation's duty data version (in the writing transaction).
pub async fn bump_duty_version(ex: &mut Ex<'_>, org_id: &str) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO duty_version (org_id, version) VALUES ($1, 1) \
         ON CONFLICT (org_id) DO UPDATE SET version = duty_version.version + 1",
        org_id
    )?;
    Ok(())
}

/// The organisation's duty data version (0 before any change).
pub async fn duty_version(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COALESCE(MAX(version), 0) FROM duty_version WHERE org_id = $1", org_id)?)
}

// ---- requests ----

/// A request type of an organisation (the JSON of `mamori_domain::workflow::RequestType`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RequestTypeRow {
    /// Organisation.
    pub org_id: String,
    /// Key.
    pub key: String,
    /// Definition.
    pub def_json: String,
    /// Changed.
    pub updated_at: i64,
}

/// Inserts or replaces a request type.
pub async fn upsert_request_type(ex: &mut Ex<'_>, r: &RequestTypeRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO request_type (org_id, key, def_json, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, key) DO UPDATE SET def_json = $3, updated_at = $4",
        &r.org_id,
        &r.key,
        &r.def_json,
        r.updated_at
    )?;
    Ok(())
}

/// Inserts a request type unless the organisation has it.
pub async fn insert_request_type(ex: &mut Ex<'_>, r: &RequestTypeRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO request_type (org_id, key, def_json, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, key) DO NOTHING",
        &r.org_id,
        &r.key,
        &r.def_json,
        r.updated_at
    )?;
    Ok(())
}

/// The organisation's request types.
pub async fn request_types(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<RequestTypeRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RequestTypeRow,
        "SELECT org_id, key, def_json, updated_at FROM request_type WHERE org_id = $1 ORDER BY key",
        org_id
    )?)
}

/// A request.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct RequestRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Number within the organisation (申請番号).
    pub number: i64,
    /// Request type.
    pub type_key: String,
    /// Short title.
    pub title: String,
    /// Workflow state.
    pub state: String,
    /// Field values (JSON object).
    pub fields_json: String,
    /// Requester.
    pub requester_id: String,
    /// Requester's login ID.
    pub requester_label: String,
    /// Who approved (login ID).
    pub approver_label: Option<String>,
    /// After-the-fact approval deadline (emergency changes), `YYYY-MM-DD`.
    pub deadline: Option<String>,
    /// The register row it wrote: `register_key/row_id`.
    pub record_ref: Option<String>,
    /// Optimistic concurrency.
    pub version: i64,
    /// Created.
    pub created_at: i64,
    /// Changed.
    pub updated_at: i64,
}

const REQ_COLS: &str = "id, org_id, number, type_key, title, state, fields_json, requester_id, requester_label, approver_label, deadline, record_ref, version, created_at, updated_at";

/// The next request number of an organisation (call inside the writing transaction).
pub async fn next_request_number(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COALESCE(MAX(number), 0) + 1 FROM request WHERE org_id = $1", org_id)?)
}

/// Inserts a request.
pub async fn insert_request(ex: &mut Ex<'_>, r: &RequestRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO request (",
            REQ_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ]),
        &r.id,
        &r.org_id,
        r.number,
        &r.type_key,
        &r.title,
        &r.state,
        &r.fields_json,
        &r.requester_id,
        &r.requester_label,
        &r.approver_label,
        &r.deadline,
        &r.record_ref,
        r.version,
        r.created_at,
        r.updated_at
    )?;
    Ok(())
}

/// Writes a request's new state if its version is still `version - 1`; 0 otherwise.
pub async fn update_request(ex: &mut Ex<'_>, r: &RequestRow) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE request SET state = $1, fields_json = $2, approver_label = $3, deadline = $4, record_ref = $5, \
         version = $6, updated_at = $7 WHERE org_id = $8 AND id = $9 AND version = $10",
        &r.state,
        &r.fields_json,
        &r.approver_label,
        &r.deadline,
        &r.record_ref,
        r.version,
        r.updated_at,
        &r.org_id,
        &r.id,
        r.version - 1
    )?)
}

/// One request.
pub async fn request(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<RequestRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        RequestRow,
        sql(&["SELECT ", REQ_COLS, " FROM request WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// The organisation's requests, newest first.
pub async fn requests(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<RequestRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RequestRow,
        sql(&["SELECT ", REQ_COLS, " FROM request WHERE org_id = $1 ORDER BY number DESC"]),
        org_id
    )?)
}

/// A transition in a request's timeline.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct RequestEventRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Request.
    pub request_id: String,
    /// Order within the request.
    pub seq: i64,
    /// Action (submit, approve …).
    pub action: String,
    /// State before.
    pub from_state: Option<String>,
    /// State after.
    pub to_state: String,
    /// Actor's user id.
    pub actor_id: Option<String>,
    /// Actor's login ID.
    pub actor_label: String,
    /// Comment.
    pub comment: String,
    /// Attachments (JSON array of SHA-256).
    pub files_json: String,
    /// When.
    pub at_ms: i64,
}

/// Appends to a request's timeline.
pub async fn insert_request_event(ex: &mut Ex<'_>, e: &RequestEventRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO request_event (id, org_id, request_id, seq, action, from_state, to_state, actor_id, actor_label, comment, files_json, at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &e.id,
        &e.org_id,
        &e.request_id,
        e.seq,
        &e.action,
        &e.from_state,
        &e.to_state,
        &e.actor_id,
        &e.actor_label,
        &e.comment,
        &e.files_json,
        e.at_ms
    )?;
    Ok(())
}

/// A request's timeline, oldest first.
pub async fn request_events(
    ex: &mut Ex<'_>,
    org_id: &str,
    request_id: &str,
) -> Result<Vec<RequestEventRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RequestEventRow,
        "SELECT id, org_id, request_id, seq, action, from_state, to_state, actor_id, actor_label, comment, files_json, at_ms \
         FROM request_event WHERE org_id = $1 AND request_id = $2 ORDER BY seq",
        org_id,
        request_id
    )?)
}

// ---- incidents ----

/// An information-security event or incident.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct IncidentRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Number within the organisation.
    pub number: i64,
    /// Short title.
    pub title: String,
    /// What happened (the report).
    pub description: String,
    /// When it happened (as reported).
    pub occurred_at: String,
    /// Reporter.
    pub reporter_id: String,
    /// Reporter's login ID.
    pub reporter_label: String,
    /// reported, not_incident, open, closed.
    pub state: String,
    /// 5.24 I.: customer_site or internal.
    pub variant: Option<String>,
    /// The assessment (why it is, or is not, an incident).
    pub assessment: Option<String>,
    /// Decision on disclosure.
    pub disclosure: Option<String>,
    /// Decision on reporting to authorities.
    pub authorities: Option<String>,
    /// Lessons learned (5.27).
    pub lessons: Option<String>,
    /// The corrective action raised from it: `corrective_actions/row_id`.
    pub corrective_ref: Option<String>,
    /// Optimistic concurrency.
    pub version: i64,
    /// Created.
    pub created_at: i64,
    /// Changed.
    pub updated_at: i64,
}

const INC_COLS: &str = "id, org_id, number, title, description, occurred_at, reporter_id, reporter_label, state, variant, assessment, disclosure, authorities, lessons, corrective_ref, version, created_at, updated_at";

/// The next incident number.
pub async fn next_incident_number(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COALESCE(MAX(number), 0) + 1 FROM incident WHERE org_id = $1", org_id)?)
}

/// Inserts an incident.
pub async fn insert_incident(ex: &mut Ex<'_>, i: &IncidentRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO incident (",
            INC_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
        ]),
        &i.id,
        &i.org_id,
        i.number,
        &i.title,
        &i.description,
        &i.occurred_at,
        &i.reporter_id,
        &i.reporter_label,
        &i.state,
        &i.variant,
        &i.assessment,
        &i.disclosure,
        &i.authorities,
        &i.lessons,
        &i.corrective_ref,
        i.version,
        i.created_at,
        i.updated_at
    )?;
    Ok(())
}

/// Writes an incident if its version is still `version - 1`; 0 otherwise.
pub async fn update_incident(ex: &mut Ex<'_>, i: &IncidentRow) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE incident SET state = $1, variant = $2, assessment = $3, disclosure = $4, authorities = $5, lessons = $6, \
         corrective_ref = $7, version = $8, updated_at = $9 WHERE org_id = $10 AND id = $11 AND version = $12",
        &i.state,
        &i.variant,
        &i.assessment,
        &i.disclosure,
        &i.authorities,
        &i.lessons,
        &i.corrective_ref,
        i.version,
        i.updated_at,
        &i.org_id,
        &i.id,
        i.version - 1
    )?)
}

/// One incident.
pub async fn incident(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<IncidentRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        IncidentRow,
        sql(&["SELECT ", INC_COLS, " FROM incident WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// The organisation's incidents, newest first.
pub async fn incidents(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<IncidentRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        IncidentRow,
        sql(&["SELECT ", INC_COLS, " FROM incident WHERE org_id = $1 ORDER BY number DESC"]),
        org_id
    )?)
}

/// An entry of an incident's response log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct IncidentEventRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Incident.
    pub incident_id: String,
    /// Order.
    pub seq: i64,
    /// report, assess, log, notify, evidence, custody, access, decision, close.
    pub kind: String,
    /// The evidence item it concerns (custody).
    pub evidence_id: Option<String>,
    /// Actor.
    pub actor_id: Option<String>,
    /// Actor's login ID.
    pub actor_label: String,
    /// What was done or said.
    pub text: String,
    /// When.
    pub at_ms: i64,
}

/// Appends to an incident's log (seq = the next number).
pub async fn insert_incident_event(ex: &mut Ex<'_>, e: &IncidentEventRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO incident_event (id, org_id, incident_id, seq, kind, evidence_id, actor_id, actor_label, text, at_ms) \
         VALUES ($1, $2, $3, (SELECT COALESCE(MAX(seq), 0) + 1 FROM incident_event WHERE incident_id = $3), $4, $5, $6, $7, $8, $9)",
        &e.id,
        &e.org_id,
        &e.incident_id,
        &e.kind,
        &e.evidence_id,
        &e.actor_id,
        &e.actor_label,
        &e.text,
        e.at_ms
    )?;
    Ok(())
}

/// An incident's log, oldest first.
pub async fn incident_events(
    ex: &mut Ex<'_>,
    org_id: &str,
    incident_id: &str,
) -> Result<Vec<IncidentEventRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        IncidentEventRow,
        "SELECT id, org_id, incident_id, seq, kind, evidence_id, actor_id, actor_label, text, at_ms FROM incident_event \
         WHERE org_id = $1 AND incident_id = $2 ORDER BY seq",
        org_id,
        incident_id
    )?)
}

/// An evidence item of an incident (5.28).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct IncidentEvidenceRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Incident.
    pub incident_id: String,
    /// The stored file (hashed at intake).
    pub sha256: String,
    /// File name.
    pub name: String,
    /// What it is and where it came from.
    pub description: String,
    /// Who holds it now.
    pub holder: String,
    /// Taken in at.
    pub taken_at: i64,
    /// Taken in by.
    pub taken_by: String,
}

/// Records an evidence item.
pub async fn insert_incident_evidence(ex: &mut Ex<'_>, e: &IncidentEvidenceRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO incident_evidence (id, org_id, incident_id, sha256, name, description, holder, taken_at, taken_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &e.id,
        &e.org_id,
        &e.incident_id,
        &e.sha256,
        &e.name,
        &e.description,
        &e.holder,
        e.taken_at,
        &e.taken_by
    )?;
    Ok(())
}

/// Changes who holds an evidence item.
pub async fn set_evidence_holder(ex: &mut Ex<'_>, org_id: &str, id: &str, holder: &str) -> Result<u64, StoreError> {
    Ok(exec!(ex, "UPDATE incident_evidence SET holder = $1 WHERE org_id = $2 AND id = $3", holder, org_id, id)?)
}

/// An incident's evidence items.
pub async fn incident_evidence(
    ex: &mut Ex<'_>,
    org_id: &str,
    incident_id: &str,
) -> Result<Vec<IncidentEvidenceRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        IncidentEvidenceRow,
        "SELECT id, org_id, incident_id, sha256, name, description, holder, taken_at, taken_by FROM incident_evidence \
         WHERE org_id = $1 AND incident_id = $2 ORDER BY taken_at, id",
        org_id,
        incident_id
    )?)
}

/// Grants a person need-to-know access to an incident.
pub async fn grant_incident_access(
    ex: &mut Ex<'_>,
    org_id: &str,
    incident_id: &str,
    user_id: &str,
    granted_by: &str,
    now: i64,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO incident_access (org_id, incident_id, user_id, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (incident_id, user_id) DO NOTHING",
        org_id,
        incident_id,
        user_id,
        granted_by,
        now
    )?;
    Ok(())
}

/// User ids with need-to-know access to an incident.
pub async fn incident_access(ex: &mut Ex<'_>, org_id: &str, incident_id: &str) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct U {
        user_id: String,
    }
    Ok(fetch_all!(
        ex,
        U,
        "SELECT user_id FROM incident_access WHERE org_id = $1 AND incident_id = $2 ORDER BY granted_at",
        org_id,
        incident_id
    )?
    .into_iter()
    .map(|u| u.user_id)
    .collect())
}

/// Transitions of every request of an organisation since `since` (epoch ms), oldest first.
pub async fn request_events_since(
    ex: &mut Ex<'_>,
    org_id: &str,
    since: i64,
) -> Result<Vec<RequestEventRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RequestEventRow,
        "SELECT id, org_id, request_id, seq, action, from_state, to_state, actor_id, actor_label, comment, files_json, at_ms \
         FROM request_event WHERE org_id = $1 AND at_ms >= $2 ORDER BY at_ms, seq",
        org_id,
        since
    )?)
}

/// Incidents whose evidence includes the file `sha256`.
pub async fn incidents_with_evidence(ex: &mut Ex<'_>, org_id: &str, sha256: &str) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct I {
        incident_id: String,
    }
    Ok(fetch_all!(
        ex,
        I,
        "SELECT incident_id FROM incident_evidence WHERE org_id = $1 AND sha256 = $2",
        org_id,
        sha256
    )?
    .into_iter()
    .map(|i| i.incident_id)
    .collect())
}

// ---- Microsoft 365 evidence ----

/// An imported file.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct M365ImportRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// File name as given.
    pub file_name: String,
    /// Format key.
    pub format: String,
    /// SHA-256 of the file (kept in the evidence store).
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// Records read.
    pub read_count: i64,
    /// New records stored.
    pub new_count: i64,
    /// Records already stored.
    pub duplicate_count: i64,
    /// Rejected rows.
    pub rejected_count: i64,
    /// The first rejected rows: `[{line, reason}]`.
    pub rejected_json: String,
    /// Who imported it.
    pub imported_by: String,
    /// When.
    pub imported_at: i64,
}

/// Records an import.
pub async fn insert_m365_import(ex: &mut Ex<'_>, r: &M365ImportRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO m365_import (id, org_id, file_name, format, sha256, size, read_count, new_count, duplicate_count, rejected_count, rejected_json, imported_by, imported_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        &r.id,
        &r.org_id,
        &r.file_name,
        &r.format,
        &r.sha256,
        r.size,
        r.read_count,
        r.new_count,
        r.duplicate_count,
        r.rejected_count,
        &r.rejected_json,
        &r.imported_by,
        r.imported_at
    )?;
    Ok(())
}

/// The organisation's imports, newest first.
pub async fn m365_imports(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<M365ImportRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        M365ImportRow,
        "SELECT id, org_id, file_name, format, sha256, size, read_count, new_count, duplicate_count, rejected_count, rejected_json, imported_by, imported_at \
         FROM m365_import WHERE org_id = $1 ORDER BY imported_at DESC, id",
        org_id
    )?)
}

/// An account of the latest admin center export.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct M365AccountRow {
    /// Organisation.
    pub org_id: String,
    /// UPN.
    pub upn: String,
    /// Display name.
    pub display_name: String,
    /// 1 when sign-in is blocked.
    pub blocked: i64,
    /// Licences.
    pub licenses: String,
    /// Created.
    pub created: String,
    /// Soft-deleted at.
    pub deleted: String,
    /// Import.
    pub import_id: String,
}

/// Inserts or replaces an account (the newest export wins).
pub async fn upsert_m365_account(ex: &mut Ex<'_>, a: &M365AccountRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO m365_account (org_id, upn, display_name, blocked, licenses, created, deleted, import_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (org_id, upn) DO UPDATE SET display_name = $3, blocked = $4, licenses = $5, created = $6, deleted = $7, import_id = $8",
        &a.org_id,
        &a.upn,
        &a.display_name,
        a.blocked,
        &a.licenses,
        &a.created,
        &a.deleted,
        &a.import_id
    )?;
    Ok(())
}

/// The accounts of the latest export.
pub async fn m365_accounts(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<M365AccountRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        M365AccountRow,
        "SELECT org_id, upn, display_name, blocked, licenses, created, deleted, import_id FROM m365_account WHERE org_id = $1 ORDER BY upn",
        org_id
    )?)
}

/// A finding of a Microsoft 365 detection.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct M365FindingRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Rule key.
    pub rule: String,
    /// User (or IP for a spray).
    pub subject: String,
    /// First event.
    pub first_seen: String,
    /// Last event.
    pub last_seen: String,
    /// Events.
    pub event_count: i64,
    /// Event ids (JSON array).
    pub event_ids_json: String,
    /// new, confirmed, dismissed.
    pub state: String,
    /// Why confirmed or dismissed.
    pub reason: Option<String>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<i64>,
    /// The incident it opened.
    pub incident_id: Option<String>,
    /// Found at.
    pub created_at: i64,
}

const FINDING_COLS: &str = "id, org_id, rule, subject, first_seen, last_seen, event_count, event_ids_json, state, reason, decided_by, decided_at, incident_id, created_at";

/// Records a finding unless the same (rule, subject, first event) exists; true when new.
pub async fn insert_m365_finding(ex: &mut Ex<'_>, f: &M365FindingRow) -> Result<bool, StoreError> {
    Ok(exec!(
        ex,
        sql(&[
            "INSERT INTO m365_finding (",
            FINDING_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (org_id, rule, subject, first_seen) DO NOTHING"
        ]),
        &f.id,
        &f.org_id,
        &f.rule,
        &f.subject,
        &f.first_seen,
        &f.last_seen,
        f.event_count,
        &f.event_ids_json,
        &f.state,
        &f.reason,
        &f.decided_by,
        f.decided_at,
        &f.incident_id,
        f.created_at
    )? == 1)
}

/// The organisation's findings, newest first.
pub async fn m365_findings(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<M365FindingRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        M365FindingRow,
        sql(&["SELECT ", FINDING_COLS, " FROM m365_finding WHERE org_id = $1 ORDER BY first_seen DESC, id"]),
        org_id
    )?)
}

/// Decides a new finding; 0 when it was already decided.
pub async fn decide_m365_finding(ex: &mut Ex<'_>, f: &M365FindingRow) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE m365_finding SET state = $1, reason = $2, decided_by = $3, decided_at = $4, incident_id = $5 \
         WHERE org_id = $6 AND id = $7 AND state = 'new'",
        &f.state,
        &f.reason,
        &f.decided_by,
        f.decided_at,
        &f.incident_id,
        &f.org_id,
        &f.id
    )?)
}

/// A reviewer's decision on an account for a fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct M365ReviewRow {
    /// Organisation.
    pub org_id: String,
    /// Fiscal year.
    pub year: i64,
    /// Account.
    pub upn: String,
    /// keep, disable, delete, register.
    pub decision: String,
    /// Note.
    pub note: String,
    /// The flags when decided.
    pub flags: String,
    /// Reviewer.
    pub decided_by: String,
    /// When.
    pub decided_at: i64,
}

/// Records (or replaces) a decision.
pub async fn upsert_m365_review(ex: &mut Ex<'_>, r: &M365ReviewRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO m365_review_decision (org_id, year, upn, decision, note, flags, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (org_id, year, upn) DO UPDATE SET decision = $4, note = $5, flags = $6, decided_by = $7, decided_at = $8",
        &r.org_id,
        r.year,
        &r.upn,
        &r.decision,
        &r.note,
        &r.flags,
        &r.decided_by,
        r.decided_at
    )?;
    Ok(())
}

/// The decisions of a fiscal year.
pub async fn m365_reviews(ex: &mut Ex<'_>, org_id: &str, year: i64) -> Result<Vec<M365ReviewRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        M365ReviewRow,
        "SELECT org_id, year, upn, decision, note, flags, decided_by, decided_at FROM m365_review_decision WHERE org_id = $1 AND year = $2 ORDER BY upn",
        org_id,
        year
    )?)
}

/// Incidents a person was given need-to-know access to.
pub async fn incidents_granted_to(ex: &mut Ex<'_>, org_id: &str, user_id: &str) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct I {
        incident_id: String,
    }
    Ok(fetch_all!(
        ex,
        I,
        "SELECT incident_id FROM incident_access WHERE org_id = $1 AND user_id = $2",
        org_id,
        user_id
    )?
    .into_iter()
    .map(|i| i.incident_id)
    .collect())
}
