//! The Statement of Applicability: derived from the regulation (the approved version, else
//! the latest import) and the catalogue, keeping the organisation's choices; edits, filling
//! missing reasons, approval, and its export table. It depends on the regulation and on
//! documents; documents do not depend on it.

use crate::documents::{DEFAULT_LABEL, contributors, edition_of, insert_document, write_draft};
use crate::error::internal;
use crate::{Actor, AppError};
use mamori_domain::document::{DocKind, VersionStatus};
use mamori_domain::permission::Permission;
use mamori_domain::soa::{self, ImplStatus, InclusionReason, RegulationFacts, SoaRow};
use mamori_regulation::parse::Control;
use mamori_store::Db;
use mamori_store::rows::{self, DocVersionRow};
use serde::Serialize;

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
                    .map(|c| {
                        c.recurring.iter().map(|d| format!("{}: {}", frequency_ja(&d.frequency), d.what)).collect()
                    })
                    .unwrap_or_default(),
                approvals: c.map(|c| c.approvals.iter().map(|a| a.what.clone()).collect()).unwrap_or_default(),
                documents,
            }
        })
        .collect()
}

/// A duty's frequency as the SoA's Japanese exports write it (the pages use the catalogue's
/// `freq-*` keys, which say the same).
pub fn frequency_ja(f: &str) -> &str {
    match f {
        "daily" => "毎日",
        "weekly" => "毎週",
        "monthly" => "毎月",
        "quarterly" => "四半期ごと",
        "semiannual" => "半年ごと",
        "annual" => "毎年",
        "at_management_review" => "マネジメントレビュー時",
        "at_internal_audit" => "内部監査時",
        "at_hire" => "入社時",
        "at_leave" => "退職・契約終了時",
        "at_contract" => "契約時",
        "at_change" => "変更時",
        _ => "間隔未定",
    }
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

/// The longest free-text reason of a row.
pub const MAX_REASON_TEXT: usize = 500;

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
    // Every problem at once, each at its field.
    let mut problems = Vec::new();
    if !row.applicable && !edit.reasons.is_empty() {
        problems.push(("reasons".to_string(), "field-reasons-for-excluded".to_string()));
    }
    if edit.reason_text.trim().chars().count() > MAX_REASON_TEXT {
        problems.push(("reason_text".to_string(), "soa-reason-text-too-long".to_string()));
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
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
    // Store the re-derived rows first so that what is approved is what was shown; missing
    // reasons block it even before the first edit.
    let view = soa(db, actor, false).await?;
    if !view.missing_reasons.is_empty() {
        return Err(AppError::Blocked(view.missing_reasons.join(", ")));
    }
    let doc_id = {
        let mut c = db.conn().await?;
        rows::document_of_kind(&mut c.ex(), &actor.org_id, DocKind::Soa.key()).await?.ok_or(AppError::NotFound)?.id
    };
    crate::documents::approve(db, actor, &doc_id, now).await?;
    soa(db, actor, true).await
}

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
