//! Document versions: new documents with their first draft, drafts edited or started after
//! the approved version, superseding, and the draft each regulation import becomes.

use super::{DEFAULT_LABEL, DocDetail, actor_id, contributors, edition_of, get, internal};
use crate::audit::{self, Entry};
use crate::{Actor, AppError, new_id};
use mamori_domain::audit::AuditAction;
use mamori_domain::document::{DocKind, VersionStatus};
use mamori_domain::permission::Permission;
use mamori_store::rows::{self, DocVersionRow, DocumentRow};
use mamori_store::{Db, Tx};

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

pub(crate) async fn insert_document(
    tx: &mut Tx,
    actor: &Actor,
    kind: DocKind,
    number: &str,
    title: &str,
    issuer: Option<String>,
    now: i64,
) -> Result<DocumentRow, AppError> {
    insert_document_under(tx, actor, kind, number, title, issuer, None, now).await
}

/// Where a document sits: its parent document and the roles that approve it jointly.
#[derive(Debug, Clone, Default)]
pub(crate) struct Placement {
    /// The parent document's id.
    pub parent_id: Option<String>,
    /// Two or more roles that must each approve (none: the kind's default role).
    pub approver_roles: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_document_under(
    tx: &mut Tx,
    actor: &Actor,
    kind: DocKind,
    number: &str,
    title: &str,
    issuer: Option<String>,
    placement: Option<Placement>,
    now: i64,
) -> Result<DocumentRow, AppError> {
    let placement = placement.unwrap_or_default();
    let joint = placement.approver_roles.len() > 1;
    let doc = DocumentRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        kind: kind.key().to_string(),
        doc_number: number.to_string(),
        title: title.to_string(),
        issuer,
        approver_role: match placement.approver_roles.first() {
            Some(r) => r.clone(),
            None => kind.default_approver_role().to_string(),
        },
        confidentiality: DEFAULT_LABEL.to_string(),
        created_at: now,
        approver_roles_json: if joint {
            Some(serde_json::to_string(&placement.approver_roles).map_err(internal)?)
        } else {
            None
        },
        parent_id: placement.parent_id,
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
            Some(serde_json::json!({ "kind": doc.kind, "doc_number": doc.doc_number, "title": doc.title, "approver_roles": super::required_roles(&doc), "parent_id": doc.parent_id })),
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
    let author_label = crate::users::display_name(&mut tx.ex(), actor).await?;
    let v = DocVersionRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        document_id: doc.id.clone(),
        version_no,
        edition: edition_of(version_no),
        status: VersionStatus::Draft.key().to_string(),
        author_id: actor_id(actor),
        author_label,
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
        approvals_json: None,
        file_sha256: None,
        file_name: None,
        file_type: None,
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
pub(crate) async fn write_draft(
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
pub(super) async fn supersede(
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

/// Records an imported regulation version as a new draft of the regulation document (called
/// inside the import's transaction). Earlier drafts are superseded by it. The documents the
/// regulation names become controlled documents under it (once; see `named`).
pub async fn regulation_imported(
    tx: &mut Tx,
    actor: &Actor,
    version: &mamori_store::rows::RegulationVersionRow,
    reg: &mamori_regulation::Regulation,
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
    super::named::ensure_named(tx, actor, &doc, reg, now).await?;
    Ok(())
}

/// The content types a document version may hold as a file (docx, xlsx, PDF).
pub const DOCUMENT_FILE_TYPES: [&str; 3] = [
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/pdf",
];

/// Makes a stored evidence file (uploaded through the evidence store, whose size cap and type
/// check apply) the content of the document's draft — the open one, or a new one after the
/// approved version. Only docx, xlsx and PDF are accepted (`file` field); the file must be one
/// the writer may read. The draft's approvals so far are dropped, as for a text edit.
pub async fn save_file(
    db: &Db,
    actor: &Actor,
    doc_id: &str,
    sha256: &str,
    change_summary: &str,
    now: i64,
) -> Result<DocDetail, AppError> {
    actor.require(Permission::DocumentsEdit)?;
    let mut errs = Vec::new();
    let file = {
        let mut c = db.conn().await?;
        rows::evidence(&mut c.ex(), &actor.org_id, sha256).await?
    };
    match &file {
        None => errs.push(("file".to_string(), "field-required".to_string())),
        Some(f) if !DOCUMENT_FILE_TYPES.contains(&f.content_type.as_str()) => {
            errs.push(("file".to_string(), "field-document-file-type".to_string()))
        }
        Some(_) => {}
    }
    if change_summary.trim().is_empty() {
        errs.push(("change_summary".to_string(), "field-required".to_string()));
    }
    let Some(file) = file.filter(|_| errs.is_empty()) else { return Err(AppError::Validation(errs)) };
    crate::evidence::require_readable(db, actor, [("file".to_string(), vec![file.sha256.clone()])]).await?;
    let mut tx = db.begin().await?;
    let doc = rows::document(&mut tx.ex(), &actor.org_id, doc_id).await?.ok_or(AppError::NotFound)?;
    if matches!(DocKind::from_key(&doc.kind), Some(DocKind::Regulation | DocKind::Soa)) {
        return Err(AppError::Conflict);
    }
    let versions = rows::doc_versions(&mut tx.ex(), &actor.org_id, &doc.id).await?;
    let draft = match versions.iter().find(|v| v.status == VersionStatus::Draft.key()) {
        Some(d) => d.clone(),
        None => {
            let next = versions.first().map(|v| v.version_no + 1).unwrap_or(1);
            let enacted = versions.iter().rev().find_map(|v| v.enacted_date.clone());
            insert_draft(&mut tx, actor, &doc, next, "", change_summary.trim(), enacted, now).await?
        }
    };
    let mut who = contributors(&draft);
    if !who.contains(&actor_id(actor)) {
        who.push(actor_id(actor));
    }
    let n = rows::update_draft_file(
        &mut tx.ex(),
        &actor.org_id,
        &draft.id,
        Some((&file.sha256, &file.original_name, &file.content_type)),
        change_summary.trim(),
        &serde_json::to_string(&who).map_err(internal)?,
        now,
    )
    .await?;
    if n == 0 {
        return Err(AppError::Conflict);
    }
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "document_version",
            Some(&draft.id),
            Some(serde_json::json!({ "file_sha256": draft.file_sha256 })),
            Some(serde_json::json!({ "file_sha256": file.sha256, "file_type": file.content_type, "size": file.size, "change_summary": change_summary.trim() })),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    get(db, actor, doc_id).await
}
