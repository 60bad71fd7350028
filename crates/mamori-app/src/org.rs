//! Organisations: creation seeds the regulation's roles and their permissions.

use crate::audit::{self, Entry};
use crate::{AppError, new_id};
use mamori_domain::audit::AuditAction;
use mamori_domain::auth::DEFAULT_LOCKOUT_THRESHOLD;
use mamori_domain::permission::default_role_permissions;
use mamori_store::Db;
use mamori_store::rows::{self, OrgRow, RoleRow};

/// Creates an organisation with the seeded roles. `slug` is its short name (`--org`).
pub async fn create(db: &Db, slug: &str, name: &str, now: i64) -> Result<OrgRow, AppError> {
    if !mamori_domain::auth::valid_login_id(slug) {
        return Err(AppError::Validation(vec![("slug".into(), "field-invalid-slug".into())]));
    }
    let org = OrgRow {
        id: new_id(),
        slug: slug.to_string(),
        name: name.to_string(),
        lockout_threshold: i64::from(DEFAULT_LOCKOUT_THRESHOLD),
        mfa_required: 0,
        created_at: now,
    };
    let mut tx = db.begin().await?;
    rows::insert_org(&mut tx.ex(), &org).await?;
    for seed in default_role_permissions() {
        let role = RoleRow {
            id: new_id(),
            org_id: org.id.clone(),
            key: seed.key.to_string(),
            name_ja: seed.name_ja.to_string(),
            name_en: seed.name_en.to_string(),
        };
        let perms: Vec<&str> = seed.permissions.iter().map(|p| p.key()).collect();
        rows::insert_role(&mut tx.ex(), &role, &perms).await?;
    }
    audit::append(
        &mut tx,
        Entry {
            org_id: &org.id,
            actor_id: None,
            actor_label: "system",
            action: AuditAction::Create,
            object_type: "organization",
            object_id: Some(&org.id),
            before: None,
            after: Some(
                serde_json::json!({ "slug": org.slug, "name": org.name, "lockout_threshold": org.lockout_threshold }),
            ),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    crate::registers::ensure_templates(db, &org.id, now).await?;
    crate::requests::ensure_types(db, &org.id, now).await?;
    Ok(org)
}

/// Finds an organisation by slug, or the only one when `slug` is `None`.
pub async fn resolve(db: &Db, slug: Option<&str>) -> Result<OrgRow, AppError> {
    let mut c = db.conn().await?;
    match slug {
        Some(s) => rows::org_by_slug(&mut c.ex(), s).await?.ok_or(AppError::NotFound),
        None => {
            let mut all = rows::list_orgs(&mut c.ex()).await?;
            if all.len() == 1 { all.pop().ok_or(AppError::NotFound) } else { Err(AppError::OrganizationRequired) }
        }
    }
}

/// Sets how many consecutive failed logins lock an account (8.5; default 3).
pub async fn set_lockout_threshold(
    db: &Db,
    actor: &crate::Actor,
    threshold: i64,
    now: i64,
) -> Result<OrgRow, AppError> {
    actor.require(mamori_domain::permission::Permission::SettingsManage)?;
    if !(1..=10).contains(&threshold) {
        return Err(AppError::Validation(vec![("lockout_threshold".into(), "field-lockout-range".into())]));
    }
    let mut tx = db.begin().await?;
    let before = rows::org_by_id(&mut tx.ex(), &actor.org_id).await?.ok_or(AppError::NotFound)?;
    rows::set_lockout_threshold(&mut tx.ex(), &actor.org_id, threshold).await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "organization",
            Some(&actor.org_id),
            Some(serde_json::json!({ "lockout_threshold": before.lockout_threshold })),
            Some(serde_json::json!({ "lockout_threshold": threshold })),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(OrgRow { lockout_threshold: threshold, ..before })
}
