//! Organisations and their roles: the organisation row, the seeded roles with their permissions,
//! and which roles (and so which permissions) a user holds.

use crate::{Ex, StoreError, exec, fetch_all, fetch_optional};

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
    /// 1 when privileged roles must use MFA.
    pub mfa_required: i64,
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

/// Inserts an organisation.
pub async fn insert_org(ex: &mut Ex<'_>, o: &OrgRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO organization (id, slug, name, lockout_threshold, mfa_required, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        &o.id,
        &o.slug,
        &o.name,
        o.lockout_threshold,
        o.mfa_required,
        o.created_at
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// All organisations, by slug.
pub async fn list_orgs(ex: &mut Ex<'_>) -> Result<Vec<OrgRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        OrgRow,
        "SELECT id, slug, name, lockout_threshold, mfa_required, created_at FROM organization ORDER BY slug"
    )?)
}

/// An organisation by slug.
pub async fn org_by_slug(ex: &mut Ex<'_>, slug: &str) -> Result<Option<OrgRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        OrgRow,
        "SELECT id, slug, name, lockout_threshold, mfa_required, created_at FROM organization WHERE slug = $1",
        slug
    )?)
}

/// An organisation by id.
pub async fn org_by_id(ex: &mut Ex<'_>, id: &str) -> Result<Option<OrgRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        OrgRow,
        "SELECT id, slug, name, lockout_threshold, mfa_required, created_at FROM organization WHERE id = $1",
        id
    )?)
}

/// Sets whether privileged roles must use MFA.
pub async fn set_mfa_required(ex: &mut Ex<'_>, org_id: &str, required: bool) -> Result<(), StoreError> {
    exec!(ex, "UPDATE organization SET mfa_required = $1 WHERE id = $2", i64::from(required), org_id)?;
    Ok(())
}

/// Sets the lockout threshold.
pub async fn set_lockout_threshold(ex: &mut Ex<'_>, org_id: &str, n: i64) -> Result<(), StoreError> {
    exec!(ex, "UPDATE organization SET lockout_threshold = $1 WHERE id = $2", n, org_id)?;
    Ok(())
}

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
    // One row (the keys joined by commas), not one row per permission: sqlx's SQLite driver
    // hands each result row from its worker thread to the caller separately, and this query
    // runs on every request of a logged-in user (BENCHMARKS.md, registers).
    #[derive(sqlx::FromRow)]
    struct P {
        permissions: Option<String>,
    }
    let q = match ex {
        Ex::Sqlite(_) => {
            "SELECT group_concat(permission, ',') AS permissions FROM (SELECT DISTINCT rp.permission FROM role_permission rp \
             JOIN user_role ur ON ur.role_id = rp.role_id WHERE ur.org_id = $1 AND ur.user_id = $2)"
        }
        Ex::Pg(_) => {
            "SELECT string_agg(DISTINCT rp.permission, ',') AS permissions FROM role_permission rp \
             JOIN user_role ur ON ur.role_id = rp.role_id WHERE ur.org_id = $1 AND ur.user_id = $2"
        }
    };
    let row = fetch_optional!(ex, P, q, org_id, user_id)?;
    Ok(row
        .and_then(|p| p.permissions)
        .map(|s| s.split(',').filter(|k| !k.is_empty()).map(str::to_string).collect())
        .unwrap_or_default())
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
