//! Approval (separation of duties, the approver role, the SoA's reasons), publication to an
//! audience, and staff acknowledgement of published versions.

use super::versions::supersede;
use super::{approvals_of, contributors, get, internal, refused, required_roles, role_keys};
use crate::audit::{self, Entry};
use crate::{Actor, AppError};
use mamori_domain::audit::AuditAction;
use mamori_domain::document::{Approval, ApprovalRefusal, DocKind, VersionStatus, check_joint_approval};
use mamori_domain::permission::Permission;
use mamori_domain::soa::{self, SoaRow};
use mamori_store::Db;
use mamori_store::rows::{self, DocVersionRow};
use serde::Serialize;

/// Approves the open draft of a document. The approver holds one of the document's approver
/// roles not yet filled and did not write the draft; a document naming several roles (the
/// BCP: 経営責任者 and 情報セキュリティ管理者) is approved when each has approved, by distinct
/// people — until then the version stays a draft with the approvals recorded. The SoA also
/// needs a reason on every row.
pub async fn approve(db: &Db, actor: &Actor, doc_id: &str, now: i64) -> Result<DocVersionRow, AppError> {
    actor.require(Permission::DocumentsView)?;
    let user_id = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut tx = db.begin().await?;
    tx.lock_org(&actor.org_id).await?;
    let doc = rows::document(&mut tx.ex(), &actor.org_id, doc_id).await?.ok_or(AppError::NotFound)?;
    let versions = rows::doc_versions(&mut tx.ex(), &actor.org_id, doc_id).await?;
    let draft = versions.iter().find(|v| v.status == VersionStatus::Draft.key()).ok_or(AppError::NotFound)?.clone();
    let roles = role_keys(&mut tx, &actor.org_id, &user_id).await?;
    // Every contributor is an author for separation of duties.
    let mut authors = contributors(&draft);
    authors.push(draft.author_id.clone());
    let done = approvals_of(&draft);
    let step = check_joint_approval(VersionStatus::Draft, &authors, &user_id, &roles, &required_roles(&doc), &done)
        .map_err(refused)?;
    if step.complete && doc.kind == DocKind::Soa.key() {
        let rows: Vec<SoaRow> = serde_json::from_str(&draft.body).map_err(internal)?;
        let missing = soa::missing_reasons(&rows);
        if !missing.is_empty() {
            return Err(refused(ApprovalRefusal::Blocked(missing.join(", "))));
        }
    }
    let mut all = done.clone();
    // People appear by name in the version's history and on the page, not by login ID.
    let name = crate::users::display_name(&mut tx.ex(), actor).await?;
    all.push(Approval { role: step.role.clone(), user_id: user_id.clone(), label: name, at: now });
    let all_json = serde_json::to_string(&all).map_err(internal)?;
    if all.len() > 1 || !step.complete {
        // Joint approval: the approvals so far, written only over what was read.
        if rows::set_doc_version_approvals(
            &mut tx.ex(),
            &actor.org_id,
            &draft.id,
            draft.approvals_json.as_deref(),
            &all_json,
            now,
        )
        .await?
            == 0
        {
            return Err(AppError::Conflict);
        }
    }
    if !step.complete {
        audit::append(
            &mut tx,
            Entry {
                org_id: &actor.org_id,
                actor_id: Some(&user_id),
                actor_label: &actor.label,
                action: AuditAction::Update,
                object_type: "document_version",
                object_id: Some(&draft.id),
                before: Some(serde_json::json!({ "document": doc.doc_number, "version_no": draft.version_no, "approvals": done.len() })),
                after: Some(serde_json::json!({ "document": doc.doc_number, "version_no": draft.version_no, "status": "draft", "approved_as": step.role, "approved_by": actor.label, "approvals": all.len() })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        let mut c = db.conn().await?;
        return rows::doc_versions(&mut c.ex(), &actor.org_id, doc_id)
            .await?
            .into_iter()
            .find(|v| v.id == draft.id)
            .ok_or(AppError::NotFound);
    }
    let approver_label = all.iter().map(|a| a.label.as_str()).collect::<Vec<_>>().join("、");
    supersede(&mut tx, &actor.org_id, &versions, VersionStatus::Approved, now).await?;
    let day = crate::tokyo_date(now).to_string();
    rows::set_doc_version_status(
        &mut tx.ex(),
        &actor.org_id,
        &draft.id,
        VersionStatus::Approved.key(),
        Some((&user_id, &approver_label)),
        Some(now),
        Some(&day),
        now,
    )
    .await?;
    audit::append(
        &mut tx,
        Entry {
            org_id: &actor.org_id,
            actor_id: Some(&user_id),
            actor_label: &actor.label,
            action: AuditAction::Update,
            object_type: "document_version",
            object_id: Some(&draft.id),
            before: Some(serde_json::json!({ "document": doc.doc_number, "version_no": draft.version_no, "status": "draft" })),
            after: Some(serde_json::json!({ "document": doc.doc_number, "version_no": draft.version_no, "status": "approved", "approved_by": actor.label })),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let mut c = db.conn().await?;
    rows::doc_versions(&mut c.ex(), &actor.org_id, doc_id)
        .await?
        .into_iter()
        .find(|v| v.id == draft.id)
        .ok_or(AppError::NotFound)
}

/// Publishes the approved version to everyone (`roles` empty) or to holders of `roles`.
pub async fn publish(db: &Db, actor: &Actor, doc_id: &str, roles: Vec<String>, now: i64) -> Result<(), AppError> {
    actor.require(Permission::DocumentsEdit)?;
    let detail = get(db, actor, doc_id).await?;
    let v = detail.approved().ok_or(AppError::Blocked("no approved version".into()))?.clone();
    let audience = if roles.is_empty() { vec!["*".to_string()] } else { roles };
    let mut tx = db.begin().await?;
    rows::publish_doc_version(
        &mut tx.ex(),
        &actor.org_id,
        &v.id,
        &serde_json::to_string(&audience).map_err(internal)?,
        now,
    )
    .await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "document_version",
            Some(&v.id),
            None,
            Some(serde_json::json!({ "published_to": audience })),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) fn in_audience(v: &DocVersionRow, roles: &[String]) -> bool {
    let Some(a) = &v.audience_json else { return false };
    let aud: Vec<String> = serde_json::from_str(a).unwrap_or_default();
    aud.iter().any(|r| r == "*" || roles.contains(r))
}

/// The person confirms "内容を理解し、遵守に同意します" for a published version, once.
pub async fn acknowledge(db: &Db, actor: &Actor, version_id: &str, now: i64) -> Result<(), AppError> {
    actor.require(Permission::DocumentsView)?;
    let user_id = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut tx = db.begin().await?;
    let all = rows::all_doc_versions(&mut tx.ex(), &actor.org_id).await?;
    let v = all.into_iter().find(|v| v.id == version_id).ok_or(AppError::NotFound)?;
    let roles = role_keys(&mut tx, &actor.org_id, &user_id).await?;
    if v.status != VersionStatus::Approved.key() || !in_audience(&v, &roles) {
        return Err(AppError::Forbidden);
    }
    rows::insert_ack(&mut tx.ex(), &actor.org_id, version_id, &user_id, now).await?;
    audit::append(
        &mut tx,
        Entry {
            org_id: &actor.org_id,
            actor_id: Some(&user_id),
            actor_label: &actor.label,
            action: AuditAction::Create,
            object_type: "document_ack",
            object_id: Some(version_id),
            before: None,
            after: Some(serde_json::json!({ "statement": "内容を理解し、遵守に同意します" })),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A published version waiting for someone's acknowledgement.
#[derive(Debug, Clone, Serialize)]
pub struct Pending {
    /// Document id.
    pub document_id: String,
    /// Version id.
    pub version_id: String,
    /// 文書番号.
    pub doc_number: String,
    /// Title.
    pub title: String,
    /// 版数.
    pub edition: String,
}

/// What the person has not yet acknowledged (the dashboard's card).
pub async fn pending_for(db: &Db, actor: &Actor) -> Result<Vec<Pending>, AppError> {
    let Some(user_id) = actor.user_id.clone() else { return Ok(Vec::new()) };
    if !actor.grants.has(Permission::DocumentsView) {
        return Ok(Vec::new());
    }
    pending_of_user(db, &actor.org_id, &user_id).await
}

/// What user `user_id` has not yet acknowledged: approved versions in their roles' audience
/// (a joiner's onboarding, the reminders).
pub(crate) async fn pending_of_user(db: &Db, org_id: &str, user_id: &str) -> Result<Vec<Pending>, AppError> {
    let mut c = db.conn().await?;
    let docs = rows::list_documents(&mut c.ex(), org_id).await?;
    let versions = rows::all_doc_versions(&mut c.ex(), org_id).await?;
    let acks = rows::acks(&mut c.ex(), org_id).await?;
    let roles: Vec<String> = rows::user_roles(&mut c.ex(), org_id, user_id).await?.into_iter().map(|r| r.key).collect();
    Ok(versions
        .iter()
        .filter(|v| v.status == VersionStatus::Approved.key() && in_audience(v, &roles))
        .filter(|v| !acks.iter().any(|a| a.version_id == v.id && a.user_id == user_id))
        .filter_map(|v| {
            docs.iter().find(|d| d.id == v.document_id).map(|d| Pending {
                document_id: d.id.clone(),
                version_id: v.id.clone(),
                doc_number: d.doc_number.clone(),
                title: d.title.clone(),
                edition: v.edition.clone(),
            })
        })
        .collect())
}

/// How far the acknowledgement of each published version in force has come (7.3): the
/// document, its 版数, how many of its audience (active users) have acknowledged it and how
/// many are in its audience. For the documents' editors and `people.manage`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AckCount {
    /// Document id.
    pub document_id: String,
    /// 文書番号.
    pub doc_number: String,
    /// Title.
    pub title: String,
    /// 版数.
    pub edition: String,
    /// Acknowledged.
    pub acknowledged: usize,
    /// In its audience.
    pub audience: usize,
}

/// [`AckCount`] of every published version in force, by document number.
pub async fn ack_counts(db: &Db, actor: &Actor) -> Result<Vec<AckCount>, AppError> {
    if !actor.grants.has(Permission::DocumentsEdit) && !actor.grants.has(Permission::PeopleManage) {
        return Err(AppError::Forbidden);
    }
    let mut c = db.conn().await?;
    let docs = rows::list_documents(&mut c.ex(), &actor.org_id).await?;
    let versions = rows::all_doc_versions(&mut c.ex(), &actor.org_id).await?;
    let users = rows::list_users(&mut c.ex(), &actor.org_id).await?;
    let user_roles = rows::all_user_roles(&mut c.ex(), &actor.org_id).await?;
    let acks = rows::acks(&mut c.ex(), &actor.org_id).await?;
    let roles_of =
        |uid: &str| -> Vec<String> { user_roles.iter().filter(|r| r.user_id == uid).map(|r| r.key.clone()).collect() };
    let mut out: Vec<AckCount> = versions
        .iter()
        .filter(|v| v.status == VersionStatus::Approved.key() && v.audience_json.is_some())
        .filter_map(|v| {
            let d = docs.iter().find(|d| d.id == v.document_id)?;
            let audience: Vec<&str> = users
                .iter()
                .filter(|u| u.disabled == 0 && in_audience(v, &roles_of(&u.id)))
                .map(|u| u.id.as_str())
                .collect();
            let acknowledged =
                audience.iter().filter(|u| acks.iter().any(|a| a.version_id == v.id && a.user_id == **u)).count();
            Some(AckCount {
                document_id: d.id.clone(),
                doc_number: d.doc_number.clone(),
                title: d.title.clone(),
                edition: v.edition.clone(),
                acknowledged,
                audience: audience.len(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.doc_number.cmp(&b.doc_number));
    Ok(out)
}

/// Who has and has not acknowledged a version: (login ID, name, acknowledged at).
pub async fn ack_status(
    db: &Db,
    actor: &Actor,
    version: &DocVersionRow,
) -> Result<Vec<(String, String, Option<i64>)>, AppError> {
    actor.require(Permission::DocumentsView)?;
    let mut c = db.conn().await?;
    let users = rows::list_users(&mut c.ex(), &actor.org_id).await?;
    let user_roles = rows::all_user_roles(&mut c.ex(), &actor.org_id).await?;
    let acks = rows::acks(&mut c.ex(), &actor.org_id).await?;
    Ok(users
        .into_iter()
        .filter(|u| u.disabled == 0)
        .filter(|u| {
            let roles: Vec<String> = user_roles.iter().filter(|r| r.user_id == u.id).map(|r| r.key.clone()).collect();
            in_audience(version, &roles)
        })
        .map(|u| {
            let at = acks.iter().find(|a| a.version_id == version.id && a.user_id == u.id).map(|a| a.acknowledged_at);
            (u.login_id, u.display_name, at)
        })
        .collect())
}
