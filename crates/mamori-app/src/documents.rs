//! Controlled documents (7.5, 5.1, 5.37), the Statement of Applicability and staff
//! acknowledgement (5.1 III (4), 6.3).
//!
//! Every version is draft → approved → superseded. Drafts may be edited by holders of
//! `documents.edit`; everyone who wrote to a draft is recorded and none of them may approve it
//! (5.3); the approver must hold the document's approver role. Approved versions are never
//! changed: an edit after approval starts a new draft.

use crate::audit::{self, Entry};
use crate::{Actor, AppError, new_id};
use mamori_domain::audit::AuditAction;
use mamori_domain::document::{ApprovalRefusal, DocKind, VersionStatus, check_approval};
use mamori_domain::permission::Permission;
use mamori_domain::soa::{self, ImplStatus, InclusionReason, RegulationFacts, SoaRow};
use mamori_regulation::parse::Control;
use mamori_store::rows::{self, DocVersionRow, DocumentRow};
use mamori_store::{Db, Tx};
use serde::Serialize;

/// The confidentiality label of ISMS documents (5.13).
pub const DEFAULT_LABEL: &str = "社外秘";

/// 版数 of version `n`: 初版, 第2版, …
pub fn edition_of(n: i64) -> String {
    if n <= 1 { "初版".to_string() } else { format!("第{n}版") }
}

fn today(now: i64) -> String {
    crate::tokyo_date(now).to_string()
}

fn actor_id(actor: &Actor) -> String {
    actor.user_id.clone().unwrap_or_else(|| actor.label.clone())
}

fn contributors(v: &DocVersionRow) -> Vec<String> {
    serde_json::from_str(&v.contributors_json).unwrap_or_default()
}

fn internal<E: std::fmt::Display>(e: E) -> AppError {
    AppError::Internal(e.to_string())
}

/// Why an approval was refused, as an application error.
fn refused(r: ApprovalRefusal) -> AppError {
    match r {
        ApprovalRefusal::OwnVersion => AppError::SeparationOfDuties,
        ApprovalRefusal::WrongRole(_) => AppError::Forbidden,
        ApprovalRefusal::NotDraft => AppError::Conflict,
        ApprovalRefusal::Blocked(m) => AppError::Blocked(m),
    }
}

async fn role_keys(tx: &mut Tx, org_id: &str, user_id: &str) -> Result<Vec<String>, AppError> {
    Ok(rows::user_roles(&mut tx.ex(), org_id, user_id).await?.into_iter().map(|r| r.key).collect())
}

/// A document with its versions (newest first).
#[derive(Debug, Clone)]
pub struct DocDetail {
    /// The document.
    pub doc: DocumentRow,
    /// Versions, newest first.
    pub versions: Vec<DocVersionRow>,
}

impl DocDetail {
    /// The version in force.
    pub fn approved(&self) -> Option<&DocVersionRow> {
        self.versions.iter().find(|v| v.status == VersionStatus::Approved.key())
    }
    /// The open draft.
    pub fn draft(&self) -> Option<&DocVersionRow> {
        self.versions.iter().find(|v| v.status == VersionStatus::Draft.key())
    }
}

/// Lists the organisation's documents with their versions (two queries).
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<DocDetail>, AppError> {
    actor.require(Permission::DocumentsView)?;
    let mut c = db.conn().await?;
    let docs = rows::list_documents(&mut c.ex(), &actor.org_id).await?;
    let versions = rows::all_doc_versions(&mut c.ex(), &actor.org_id).await?;
    Ok(docs
        .into_iter()
        .map(|d| {
            let vs = versions.iter().filter(|v| v.document_id == d.id).cloned().collect();
            DocDetail { doc: d, versions: vs }
        })
        .collect())
}

/// One document.
pub async fn get(db: &Db, actor: &Actor, id: &str) -> Result<DocDetail, AppError> {
    actor.require(Permission::DocumentsView)?;
    let mut c = db.conn().await?;
    let doc = rows::document(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)?;
    let versions = rows::doc_versions(&mut c.ex(), &actor.org_id, id).await?;
    Ok(DocDetail { doc, versions })
}

/// Input for a new document.
#[derive(Debug, Clone)]
pub struct NewDocument {
    /// policy, manual or external.
    pub kind: DocKind,
    /// 文書番号.
    pub number: String,
    /// Title.
    pub title: String,
    /// Issuer (external documents).
    pub issuer: Option<String>,
    /// First draft's content.
    pub body: String,
    /// 制定日 (ISO date), if known.
    pub enacted_date: Option<String>,
}

/// Creates a document with its first draft.
pub async fn create(db: &Db, actor: &Actor, n: NewDocument, now: i64) -> Result<DocDetail, AppError> {
    actor.require(Permission::DocumentsEdit)?;
    let mut errs = Vec::new();
    if n.number.trim().is_empty() {
        errs.push(("number".to_string(), "field-required".to_string()));
    }
    if n.title.trim().is_empty() {
        errs.push(("title".to_string(), "field-required".to_string()));
    }
    if matches!(n.kind, DocKind::Regulation | DocKind::Soa) {
        errs.push(("kind".to_string(), "field-invalid-document-kind".to_string()));
    }
    if n.kind == DocKind::External && n.issuer.as_deref().is_none_or(|i| i.trim().is_empty()) {
        errs.push(("issuer".to_string(), "field-required".to_string()));
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let mut tx = db.begin().await?;
    let doc = insert_document(&mut tx, actor, n.kind, n.number.trim(), n.title.trim(), n.issuer.clone(), now).await?;
    insert_draft(&mut tx, actor, &doc, 1, &n.body, "制定", n.enacted_date.clone(), now).await?;
    tx.commit().await?;
    get(db, actor, &doc.id).await
}

async fn insert_document(
    tx: &mut Tx,
    actor: &Actor,
    kind: DocKind,
    number: &str,
    title: &str,
    issuer: Option<String>,
    now: i64,
) -> Result<DocumentRow, AppError> {
    let doc = DocumentRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        kind: kind.key().to_string(),
        doc_number: number.to_string(),
        title: title.to_string(),
        issuer,
        approver_role: kind.default_approver_role().to_string(),
        confidentiality: DEFAULT_LABEL.to_string(),
        created_at: now,
    };
    rows::insert_document(&mut tx.ex(), &doc).await?;
    audit::append(
        tx,
        Entry::by(
            actor,
            AuditAction::Create,
            "document",
            Some(&doc.id),
            None,
            Some(serde_json::json!({ "kind": doc.kind, "doc_number": doc.doc_number, "title": doc.title })),
        ),
        now,
    )
    .await?;
    Ok(doc)
}

#[allow(clippy::too_many_arguments)]
async fn insert_draft(
    tx: &mut Tx,
    actor: &Actor,
    doc: &DocumentRow,
    version_no: i64,
    body: &str,
    change_summary: &str,
    enacted_date: Option<String>,
    now: i64,
) -> Result<DocVersionRow, AppError> {
    let v = DocVersionRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        document_id: doc.id.clone(),
        version_no,
        edition: edition_of(version_no),
        status: VersionStatus::Draft.key().to_string(),
        author_id: actor_id(actor),
        author_label: actor.label.clone(),
        contributors_json: serde_json::to_string(&[actor_id(actor)]).map_err(internal)?,
        approver_id: None,
        approver_label: None,
        approved_at: None,
        enacted_date,
        revised_date: None,
        change_summary: change_summary.to_string(),
        body: body.to_string(),
        published_at: None,
        audience_json: None,
        created_at: now,
        updated_at: now,
    };
    rows::insert_doc_version(&mut tx.ex(), &v).await?;
    audit::append(
        tx,
        Entry::by(actor, AuditAction::Create, "document_version", Some(&v.id), None, Some(serde_json::json!({ "document": doc.doc_number, "version_no": version_no, "status": "draft", "change_summary": change_summary }))),
        now,
    )
    .await?;
    Ok(v)
}

/// Writes a draft: edits the open draft, or starts a new one after the approved version.
async fn write_draft(
    tx: &mut Tx,
    actor: &Actor,
    doc: &DocumentRow,
    body: &str,
    change_summary: &str,
    now: i64,
) -> Result<(), AppError> {
    let versions = rows::doc_versions(&mut tx.ex(), &actor.org_id, &doc.id).await?;
    match versions.iter().find(|v| v.status == VersionStatus::Draft.key()) {
        Some(d) => {
            let mut who = contributors(d);
            if !who.contains(&actor_id(actor)) {
                who.push(actor_id(actor));
            }
            let n = rows::update_draft(
                &mut tx.ex(),
                &actor.org_id,
                &d.id,
                body,
                change_summary,
                &serde_json::to_string(&who).map_err(internal)?,
                now,
            )
            .await?;
            if n == 0 {
                return Err(AppError::Conflict);
            }
            audit::append(
                tx,
                Entry::by(
                    actor,
                    AuditAction::Update,
                    "document_version",
                    Some(&d.id),
                    Some(
                        serde_json::json!({ "change_summary": d.change_summary, "body_chars": d.body.chars().count() }),
                    ),
                    Some(serde_json::json!({ "change_summary": change_summary, "body_chars": body.chars().count() })),
                ),
                now,
            )
            .await?;
        }
        None => {
            let next = versions.first().map(|v| v.version_no + 1).unwrap_or(1);
            let enacted = versions.iter().rev().find_map(|v| v.enacted_date.clone());
            insert_draft(tx, actor, doc, next, body, change_summary, enacted, now).await?;
        }
    }
    Ok(())
}

/// Saves a new text for a document (edits the draft or starts one).
pub async fn save_draft(
    db: &Db,
    actor: &Actor,
    doc_id: &str,
    body: &str,
    change_summary: &str,
    now: i64,
) -> Result<DocDetail, AppError> {
    actor.require(Permission::DocumentsEdit)?;
    if change_summary.trim().is_empty() {
        return Err(AppError::Validation(vec![("change_summary".into(), "field-required".into())]));
    }
    let mut tx = db.begin().await?;
    let doc = rows::document(&mut tx.ex(), &actor.org_id, doc_id).await?.ok_or(AppError::NotFound)?;
    if matches!(DocKind::from_key(&doc.kind), Some(DocKind::Regulation | DocKind::Soa)) {
        // Their content comes from the import and the SoA editor.
        return Err(AppError::Conflict);
    }
    write_draft(&mut tx, actor, &doc, body, change_summary.trim(), now).await?;
    tx.commit().await?;
    get(db, actor, doc_id).await
}

/// Marks every version in `status` as superseded.
async fn supersede(
    tx: &mut Tx,
    org_id: &str,
    versions: &[DocVersionRow],
    status: VersionStatus,
    now: i64,
) -> Result<(), AppError> {
    for v in versions.iter().filter(|v| v.status == status.key()) {
        rows::set_doc_version_status(
            &mut tx.ex(),
            org_id,
            &v.id,
            VersionStatus::Superseded.key(),
            None,
            None,
            None,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Approves the open draft of a document. The approver holds the document's approver role and
/// did not write the draft; the SoA also needs a reason on every row.
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
    let who = contributors(&draft);
    let author = if who.contains(&user_id) { user_id.clone() } else { draft.author_id.clone() };
    check_approval(VersionStatus::Draft, &author, &user_id, &roles, &doc.approver_role).map_err(refused)?;
    if doc.kind == DocKind::Soa.key() {
        let rows: Vec<SoaRow> = serde_json::from_str(&draft.body).map_err(internal)?;
        let missing = soa::missing_reasons(&rows);
        if !missing.is_empty() {
            return Err(refused(ApprovalRefusal::Blocked(missing.join(", "))));
        }
    }
    supersede(&mut tx, &actor.org_id, &versions, VersionStatus::Approved, now).await?;
    let day = today(now);
    rows::set_doc_version_status(
        &mut tx.ex(),
        &actor.org_id,
        &draft.id,
        VersionStatus::Approved.key(),
        Some((&user_id, &actor.label)),
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

fn in_audience(v: &DocVersionRow, roles: &[String]) -> bool {
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
    let mut c = db.conn().await?;
    let docs = rows::list_documents(&mut c.ex(), &actor.org_id).await?;
    let versions = rows::all_doc_versions(&mut c.ex(), &actor.org_id).await?;
    let acks = rows::acks(&mut c.ex(), &actor.org_id).await?;
    let roles: Vec<String> =
        rows::user_roles(&mut c.ex(), &actor.org_id, &user_id).await?.into_iter().map(|r| r.key).collect();
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

// ---- the regulation as a controlled document ----

/// Records an imported regulation version as a new draft of the regulation document (called
/// inside the import's transaction). Earlier drafts are superseded by it.
pub async fn regulation_imported(
    tx: &mut Tx,
    actor: &Actor,
    version: &mamori_store::rows::RegulationVersionRow,
    change_summary: &str,
    now: i64,
) -> Result<(), AppError> {
    let (number, title) = (version.doc_number.as_deref(), version.title.as_deref());
    let doc = match rows::document_of_kind(&mut tx.ex(), &actor.org_id, DocKind::Regulation.key()).await? {
        Some(d) => d,
        None => {
            insert_document(
                tx,
                actor,
                DocKind::Regulation,
                number.unwrap_or("REGULATION"),
                title.unwrap_or("情報セキュリティ管理策規程"),
                None,
                now,
            )
            .await?
        }
    };
    let versions = rows::doc_versions(&mut tx.ex(), &actor.org_id, &doc.id).await?;
    supersede(tx, &actor.org_id, &versions, VersionStatus::Draft, now).await?;
    let next = versions.first().map(|v| v.version_no + 1).unwrap_or(1);
    insert_draft(tx, actor, &doc, next, &version.id, change_summary, version.doc_date.clone(), now).await?;
    Ok(())
}

/// The regulation version the SoA derives from: the approved one, else the latest import.
/// Returns (regulation version id, its controls, approved?).
pub async fn regulation_for_soa(db: &Db, actor: &Actor) -> Result<Option<(String, Vec<Control>, bool)>, AppError> {
    let mut c = db.conn().await?;
    let doc = rows::document_of_kind(&mut c.ex(), &actor.org_id, DocKind::Regulation.key()).await?;
    let versions = match &doc {
        Some(d) => rows::doc_versions(&mut c.ex(), &actor.org_id, &d.id).await?,
        None => Vec::new(),
    };
    let approved = versions.iter().find(|v| v.status == VersionStatus::Approved.key()).map(|v| v.body.clone());
    let (reg_id, is_approved) = match approved {
        Some(id) => (id, true),
        None => match rows::list_regulation_versions(&mut c.ex(), &actor.org_id).await?.into_iter().next() {
            Some(v) => (v.id, false),
            None => return Ok(None),
        },
    };
    drop(c);
    let controls = crate::regulation::controls_of(db, &actor.org_id, &reg_id).await?;
    Ok(Some((reg_id, controls, is_approved)))
}

// ---- the SoA ----

/// The SoA as shown and exported.
#[derive(Debug, Clone, Serialize)]
pub struct SoaView {
    /// 文書番号.
    pub doc_number: String,
    /// Title.
    pub title: String,
    /// 版数.
    pub edition: String,
    /// draft or approved.
    pub status: String,
    /// Version number (0 before the first save).
    pub version_no: i64,
    /// Approver, when approved.
    pub approved_by: Option<String>,
    /// Approval date.
    pub approved_date: Option<String>,
    /// Whether the regulation it derives from is approved.
    pub regulation_approved: bool,
    /// Contributors to the draft (login IDs).
    pub authors: Vec<String>,
    /// Rows in catalogue order.
    pub rows: Vec<SoaRow>,
    /// Controls whose reason is missing.
    pub missing_reasons: Vec<String>,
    /// Confidentiality label.
    pub label: String,
}

/// What the regulation says about each Annex A control, as the SoA needs it.
pub fn facts(
    controls: &[Control],
    doc_titles: &[(String, String)],
    regulation: &(String, String),
) -> Vec<RegulationFacts> {
    mamori_regulation::catalogue::controls()
        .iter()
        .map(|cat| {
            let c = controls.iter().find(|c| c.id == cat.id);
            let mut documents = vec![format!("{} {}", regulation.0, regulation.1)];
            if let Some(c) = c {
                for r in &c.records {
                    if let Some((num, title)) = doc_titles.iter().find(|(_, t)| t == r) {
                        documents.push(format!("{num} {title}"));
                    }
                }
            }
            RegulationFacts {
                id: cat.id.clone(),
                title: c.map(|c| c.title.clone()).unwrap_or_else(|| cat.title_ja.clone()),
                applicable: c.is_some_and(|c| c.applicable),
                exclusion_reason: match c {
                    Some(c) => c.exclusion_reason.clone(),
                    None => Some("管理策規程に記載がない".to_string()),
                },
                records: c.map(|c| c.records.clone()).unwrap_or_default(),
                duties: c
                    .map(|c| c.recurring.iter().map(|d| format!("{}: {}", d.frequency, d.what)).collect())
                    .unwrap_or_default(),
                approvals: c.map(|c| c.approvals.iter().map(|a| a.what.clone()).collect()).unwrap_or_default(),
                documents,
            }
        })
        .collect()
}

/// Loads the SoA: `for_export` picks the approved version when there is one (else the draft);
/// otherwise the working copy (the draft, else the approved version, else a fresh derivation).
/// Drafts are re-derived from the regulation, keeping the organisation's choices.
pub async fn soa(db: &Db, actor: &Actor, for_export: bool) -> Result<SoaView, AppError> {
    actor.require(Permission::DocumentsView)?;
    let (doc, versions) = {
        let mut c = db.conn().await?;
        match rows::document_of_kind(&mut c.ex(), &actor.org_id, DocKind::Soa.key()).await? {
            Some(d) => {
                let vs = rows::doc_versions(&mut c.ex(), &actor.org_id, &d.id).await?;
                (Some(d), vs)
            }
            None => (None, Vec::new()),
        }
    };
    let approved = versions.iter().find(|v| v.status == VersionStatus::Approved.key());
    let draft = versions.iter().find(|v| v.status == VersionStatus::Draft.key());
    let chosen = if for_export { approved.or(draft) } else { draft.or(approved) };
    let regulation = regulation_for_soa(db, actor).await?;
    let reg_approved = regulation.as_ref().is_some_and(|r| r.2);
    let (number, reg_title) = {
        let mut c = db.conn().await?;
        let d = rows::document_of_kind(&mut c.ex(), &actor.org_id, DocKind::Regulation.key()).await?;
        d.map(|d| (d.doc_number, d.title)).unwrap_or_else(|| ("—".into(), "情報セキュリティ管理策規程".into()))
    };
    let doc_titles: Vec<(String, String)> = {
        let mut c = db.conn().await?;
        rows::list_documents(&mut c.ex(), &actor.org_id).await?.into_iter().map(|d| (d.doc_number, d.title)).collect()
    };
    let rows_of = |v: Option<&DocVersionRow>| -> Result<Vec<SoaRow>, AppError> {
        match v {
            Some(v) => serde_json::from_str(&v.body).map_err(internal),
            None => Ok(Vec::new()),
        }
    };
    let rows = match chosen {
        Some(v) if v.status == VersionStatus::Approved.key() => rows_of(Some(v))?,
        other => {
            let previous = match other {
                Some(d) => rows_of(Some(d))?,
                None => rows_of(approved)?,
            };
            match &regulation {
                Some((_, controls, _)) => {
                    soa::derive(&facts(controls, &doc_titles, &(number.clone(), reg_title.clone())), &previous)
                }
                None => previous,
            }
        }
    };
    let missing = soa::missing_reasons(&rows);
    let status = chosen.map(|v| v.status.clone()).unwrap_or_else(|| "draft".into());
    let soa_number = doc.as_ref().map(|d| d.doc_number.clone()).unwrap_or_else(|| format!("{number}-SOA"));
    let users = {
        let mut c = db.conn().await?;
        rows::list_users(&mut c.ex(), &actor.org_id).await?
    };
    let authors = chosen
        .filter(|v| v.status == VersionStatus::Draft.key())
        .map(contributors)
        .unwrap_or_default()
        .into_iter()
        .map(|id| users.iter().find(|u| u.id == id).map(|u| u.login_id.clone()).unwrap_or(id))
        .collect();
    Ok(SoaView {
        doc_number: soa_number,
        title: doc.as_ref().map(|d| d.title.clone()).unwrap_or_else(|| "適用宣言書".into()),
        edition: chosen.map(|v| v.edition.clone()).unwrap_or_else(|| edition_of(1)),
        status,
        version_no: chosen.map(|v| v.version_no).unwrap_or(0),
        approved_by: chosen.and_then(|v| v.approver_label.clone()),
        approved_date: chosen
            .and_then(|v| v.revised_date.clone())
            .filter(|_| chosen.is_some_and(|v| v.approved_at.is_some())),
        regulation_approved: reg_approved,
        authors,
        rows,
        missing_reasons: missing,
        label: doc.map(|d| d.confidentiality).unwrap_or_else(|| DEFAULT_LABEL.to_string()),
    })
}

/// A change to one SoA row.
#[derive(Debug, Clone, Default)]
pub struct RowEdit {
    /// Inclusion reasons.
    pub reasons: Vec<InclusionReason>,
    /// Free text.
    pub reason_text: String,
    /// 実施状況.
    pub status: Option<ImplStatus>,
    /// 関連文書 (one per line).
    pub documents: Option<Vec<String>>,
}

async fn save_soa(db: &Db, actor: &Actor, rows_after: Vec<SoaRow>, summary: &str, now: i64) -> Result<(), AppError> {
    let body = serde_json::to_string(&rows_after).map_err(internal)?;
    let mut tx = db.begin().await?;
    let doc = match rows::document_of_kind(&mut tx.ex(), &actor.org_id, DocKind::Soa.key()).await? {
        Some(d) => d,
        None => {
            let reg_number = rows::document_of_kind(&mut tx.ex(), &actor.org_id, DocKind::Regulation.key())
                .await?
                .map(|d| d.doc_number)
                .unwrap_or_else(|| "ISMS".into());
            insert_document(&mut tx, actor, DocKind::Soa, &format!("{reg_number}-SOA"), "適用宣言書", None, now).await?
        }
    };
    write_draft(&mut tx, actor, &doc, &body, summary, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Edits one row of the SoA (in the draft; a new draft after an approved version).
pub async fn soa_edit_row(
    db: &Db,
    actor: &Actor,
    control_id: &str,
    edit: RowEdit,
    now: i64,
) -> Result<SoaView, AppError> {
    actor.require(Permission::DocumentsEdit)?;
    let view = soa(db, actor, false).await?;
    let mut rows_after = view.rows.clone();
    let row = rows_after.iter_mut().find(|r| r.id == control_id).ok_or(AppError::NotFound)?;
    if !row.applicable && !edit.reasons.is_empty() {
        return Err(AppError::Validation(vec![("reasons".into(), "field-reasons-for-excluded".into())]));
    }
    row.reasons = edit.reasons;
    row.reason_text = edit.reason_text.trim().to_string();
    if let Some(s) = edit.status {
        row.status = s;
    }
    if let Some(d) = edit.documents {
        row.documents = d.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    }
    save_soa(db, actor, rows_after, &format!("{control_id} の理由・実施状況を更新"), now).await?;
    soa(db, actor, false).await
}

/// Gives every applicable row that has no reason the reason `reason`.
pub async fn soa_fill_missing(db: &Db, actor: &Actor, reason: InclusionReason, now: i64) -> Result<SoaView, AppError> {
    actor.require(Permission::DocumentsEdit)?;
    let view = soa(db, actor, false).await?;
    let mut rows_after = view.rows.clone();
    for r in rows_after.iter_mut().filter(|r| r.applicable && !r.has_reason()) {
        r.reasons = vec![reason];
    }
    save_soa(db, actor, rows_after, &format!("未記入の適用理由を「{}」で補完", reason.label_ja()), now).await?;
    soa(db, actor, false).await
}

/// Approves the SoA draft (blocked while any reason is missing).
pub async fn soa_approve(db: &Db, actor: &Actor, now: i64) -> Result<SoaView, AppError> {
    let doc_id = {
        let mut c = db.conn().await?;
        rows::document_of_kind(&mut c.ex(), &actor.org_id, DocKind::Soa.key()).await?.ok_or(AppError::NotFound)?.id
    };
    // Store the re-derived rows first so that what is approved is what was shown.
    let view = soa(db, actor, false).await?;
    if !view.missing_reasons.is_empty() {
        return Err(AppError::Blocked(view.missing_reasons.join(", ")));
    }
    approve(db, actor, &doc_id, now).await?;
    soa(db, actor, true).await
}

// ---- export tables ----

/// The SoA as an export table (marked as a draft when it is not approved).
pub fn soa_table(v: &SoaView) -> crate::export::Table {
    use crate::export::{Cell, Table};
    let draft = v.status != VersionStatus::Approved.key();
    let t = |s: &str| Cell::Text(s.to_string());
    Table {
        sheet: "適用宣言書".into(),
        title: if draft { format!("{}【案】", v.title) } else { v.title.clone() },
        doc_number: v.doc_number.clone(),
        edition: match (&v.approved_date, draft) {
            (_, true) => format!("{}（案・未承認）", v.edition),
            (Some(d), false) => format!("{}（{} 承認: {}）", v.edition, d, v.approved_by.clone().unwrap_or_default()),
            (None, false) => v.edition.clone(),
        },
        label: v.label.clone(),
        columns: vec![
            ("管理策番号".into(), 10.0),
            ("管理策名".into(), 34.0),
            ("適用".into(), 6.0),
            ("理由".into(), 40.0),
            ("実施状況".into(), 10.0),
            ("関連文書".into(), 30.0),
            ("記録".into(), 30.0),
            ("定期業務".into(), 34.0),
            ("承認".into(), 34.0),
        ],
        rows: v
            .rows
            .iter()
            .map(|r| {
                vec![
                    t(&r.id),
                    t(&r.title),
                    t(if r.applicable { "○" } else { "×" }),
                    t(&r.reason_display()),
                    t(r.status.label_ja()),
                    t(&r.documents.join("\n")),
                    t(&r.records.join("\n")),
                    t(&r.duties.join("\n")),
                    t(&r.approvals.join("\n")),
                ]
            })
            .collect(),
    }
}

/// 改訂履歴 of a document (版数 | 改訂日 | 改訂内容 | 承認).
pub fn history_table(d: &DocDetail) -> crate::export::Table {
    use crate::export::{Cell, Table};
    let mut versions = d.versions.clone();
    versions.sort_by_key(|v| v.version_no);
    Table {
        sheet: "改訂履歴".into(),
        title: format!("{} 改訂履歴", d.doc.title),
        doc_number: d.doc.doc_number.clone(),
        edition: d.approved().map(|v| v.edition.clone()).unwrap_or_else(|| "—".into()),
        label: d.doc.confidentiality.clone(),
        columns: vec![
            ("版数".into(), 10.0),
            ("改訂日".into(), 12.0),
            ("改訂内容".into(), 50.0),
            ("承認".into(), 16.0),
            ("状態".into(), 10.0),
        ],
        rows: versions
            .iter()
            .map(|v| {
                vec![
                    Cell::Text(v.edition.clone()),
                    match &v.revised_date {
                        Some(d) => Cell::Date(d.clone()),
                        None => Cell::Text(String::new()),
                    },
                    Cell::Text(v.change_summary.clone()),
                    Cell::Text(v.approver_label.clone().unwrap_or_default()),
                    Cell::Text(status_ja(&v.status).to_string()),
                ]
            })
            .collect(),
    }
}

fn status_ja(s: &str) -> &'static str {
    match s {
        "approved" => "承認済",
        "superseded" => "廃版",
        _ => "草案",
    }
}

fn kind_ja(k: &str) -> &'static str {
    match k {
        "regulation" => "規程",
        "soa" => "適用宣言書",
        "policy" => "方針",
        "manual" => "手順書・マニュアル",
        _ => "外部文書",
    }
}

/// The document list (文書一覧).
pub fn list_table(docs: &[DocDetail]) -> crate::export::Table {
    use crate::export::{Cell, Table};
    Table {
        sheet: "文書一覧".into(),
        title: "ISMS 文書一覧".into(),
        doc_number: "—".into(),
        edition: "—".into(),
        label: DEFAULT_LABEL.into(),
        columns: vec![
            ("文書番号".into(), 18.0),
            ("文書名".into(), 34.0),
            ("種別".into(), 14.0),
            ("発行元".into(), 16.0),
            ("版数".into(), 8.0),
            ("制定日".into(), 12.0),
            ("改訂日".into(), 12.0),
            ("承認者".into(), 14.0),
            ("状態".into(), 10.0),
        ],
        rows: docs
            .iter()
            .map(|d| {
                let v = d.approved().or(d.draft()).or(d.versions.first());
                let date = |s: Option<String>| s.map(Cell::Date).unwrap_or(Cell::Text(String::new()));
                vec![
                    Cell::Text(d.doc.doc_number.clone()),
                    Cell::Text(d.doc.title.clone()),
                    Cell::Text(kind_ja(&d.doc.kind).to_string()),
                    Cell::Text(d.doc.issuer.clone().unwrap_or_default()),
                    Cell::Text(v.map(|v| v.edition.clone()).unwrap_or_default()),
                    date(v.and_then(|v| v.enacted_date.clone())),
                    date(v.and_then(|v| v.revised_date.clone())),
                    Cell::Text(v.and_then(|v| v.approver_label.clone()).unwrap_or_default()),
                    Cell::Text(v.map(|v| status_ja(&v.status)).unwrap_or("").to_string()),
                ]
            })
            .collect(),
    }
}

/// [`render_export`] off the async threads (PDF runs Chromium for about a second).
pub async fn render_export_async(t: crate::export::Table, format: String) -> Result<Vec<u8>, AppError> {
    tokio::task::spawn_blocking(move || render_export(&t, &format)).await.map_err(internal)?
}

/// Writes an export in the format asked for (`xlsx`, `csv` or `pdf`).
pub fn render_export(t: &crate::export::Table, format: &str) -> Result<Vec<u8>, AppError> {
    match format {
        "xlsx" => crate::export::xlsx(t).map_err(internal),
        "csv" => Ok(crate::export::csv(t)),
        "pdf" => crate::export::pdf(&crate::export::html(t)).map_err(|e| AppError::Blocked(e.to_string())),
        _ => Err(AppError::Validation(vec![("format".into(), "field-invalid-format".into())])),
    }
}
