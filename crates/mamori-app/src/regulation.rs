//! The organisation's regulation: import (a new version every time, never overwriting),
//! the staged upload → preview → confirm flow, reading the current version, and the
//! organisation's dictionary additions.

use crate::audit::{self, Entry};
use crate::error::internal;
use crate::{Actor, AppError, new_id};
use mamori_domain::audit::AuditAction;
use mamori_domain::permission::Permission;
use mamori_regulation::dict::Entry as DictEntry;
use mamori_regulation::parse::{Control, Diagnostic};
use mamori_regulation::{Dictionaries, Regulation};
use mamori_store::Db;
use mamori_store::rows::{self, DictionaryRow, RegulationControlRow, RegulationVersionRow, StagingRow};
use sha2::{Digest, Sha256};

/// Staged uploads older than this are removed.
const STAGING_TTL_MS: i64 = 24 * 60 * 60 * 1000;

/// The result of an import.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The new version.
    pub version: RegulationVersionRow,
    /// Number of controls stored.
    pub controls: usize,
    /// Parser diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

/// The current (latest) version with its controls.
#[derive(Debug, Clone)]
pub struct Current {
    /// The version.
    pub version: RegulationVersionRow,
    /// Controls in document order.
    pub controls: Vec<Control>,
}

impl Current {
    /// A control by id.
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }
}

fn sha256_hex(text: &str) -> String {
    mamori_domain::hex::encode(&Sha256::digest(text.as_bytes()))
}

/// The default dictionaries plus the organisation's additions.
pub async fn dictionaries(db: &Db, org_id: &str) -> Result<Dictionaries, AppError> {
    let mut c = db.conn().await?;
    let extra = rows::org_dictionary(&mut c.ex(), org_id).await?;
    let mut d = Dictionaries::default();
    let entries = |kind: &str| -> Vec<DictEntry> {
        extra
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| DictEntry {
                canonical: r.canonical.clone(),
                aliases: serde_json::from_str(&r.aliases_json).unwrap_or_default(),
                // An addition to a known role merges into it and keeps its key.
                key: None,
            })
            .collect()
    };
    d.extend(entries("role"), entries("system"));
    Ok(d)
}

/// Parses with the organisation's dictionaries; a document that is not a regulation is an error.
pub async fn parse_for(db: &Db, actor: &Actor, text: &str) -> Result<Regulation, AppError> {
    let dict = dictionaries(db, &actor.org_id).await?;
    mamori_regulation::parse(text, &dict).map_err(|e| AppError::NotARegulation(e.to_string()))
}

/// Imports `text` as the organisation's next regulation version, in one transaction with
/// its audit row.
pub async fn import_text(
    db: &Db,
    actor: &Actor,
    source_name: &str,
    text: &str,
    now: i64,
) -> Result<Imported, AppError> {
    actor.require(Permission::RegulationImport)?;
    refuse_identical(db, &actor.org_id, text).await?;
    let reg = parse_for(db, actor, text).await?;
    let previous = current_unchecked(db, &actor.org_id).await?;
    let change_summary = match &previous {
        None => "制定".to_string(),
        Some(p) => {
            let d = mamori_regulation::diff::diff(&p.controls, &reg.controls);
            if d.is_empty() {
                "変更なし（再取込）".to_string()
            } else {
                let ids: Vec<&str> = d.iter().map(|c| c.id.as_str()).collect();
                format!("管理策 {} を改訂", ids.join("、"))
            }
        }
    };
    let mut tx = db.begin().await?;
    tx.lock_org(&actor.org_id).await?;
    let version_no = rows::max_regulation_version(&mut tx.ex(), &actor.org_id).await? + 1;
    let version = RegulationVersionRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        version_no,
        doc_number: reg.document.number.clone(),
        title: reg.document.title.clone(),
        edition: reg.document.edition.clone(),
        doc_date: reg.document.date.clone(),
        source_name: source_name.to_string(),
        source_sha256: sha256_hex(text),
        imported_by: actor.label.clone(),
        imported_at: now,
        diagnostics_json: serde_json::to_string(&reg.diagnostics).map_err(internal)?,
    };
    rows::insert_regulation_version(&mut tx.ex(), &version).await?;
    for (i, c) in reg.controls.iter().enumerate() {
        rows::insert_regulation_control(
            &mut tx.ex(),
            &RegulationControlRow {
                org_id: actor.org_id.clone(),
                version_id: version.id.clone(),
                control_id: c.id.clone(),
                position: i64::try_from(i).unwrap_or(i64::MAX),
                title: c.title.clone(),
                applicable: i64::from(c.applicable),
                data_json: serde_json::to_string(c).map_err(internal)?,
            },
        )
        .await?;
    }
    crate::documents::regulation_imported(&mut tx, actor, &version, &reg, &change_summary, now).await?;
    crate::open_items::sync_from_regulation(&mut tx, &actor.org_id, &reg.controls, now).await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Create,
            "regulation_version",
            Some(&version.id),
            None,
            Some(serde_json::json!({
                "version_no": version_no,
                "doc_number": version.doc_number,
                "edition": version.edition,
                "doc_date": version.doc_date,
                "source_name": source_name,
                "source_sha256": version.source_sha256,
                "controls": reg.controls.len(),
                "diagnostics": reg.diagnostics.len(),
            })),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Imported { version, controls: reg.controls.len(), diagnostics: reg.diagnostics })
}

/// Stages an upload for preview; returns the staging id and the parse result.
pub async fn stage(
    db: &Db,
    actor: &Actor,
    file_name: &str,
    text: &str,
    now: i64,
) -> Result<(String, Regulation), AppError> {
    actor.require(Permission::RegulationImport)?;
    refuse_identical(db, &actor.org_id, text).await?;
    let reg = parse_for(db, actor, text).await?;
    let id = new_id();
    let mut tx = db.begin().await?;
    rows::delete_staging(&mut tx.ex(), &actor.org_id, "", now - STAGING_TTL_MS).await?;
    rows::insert_staging(
        &mut tx.ex(),
        &StagingRow {
            id: id.clone(),
            org_id: actor.org_id.clone(),
            user_id: actor.user_id.clone().unwrap_or_else(|| actor.label.clone()),
            file_name: file_name.to_string(),
            sha256: sha256_hex(text),
            content: text.to_string(),
            created_at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((id, reg))
}

/// Imports a staged upload after the user confirmed the preview.
pub async fn import_staged(db: &Db, actor: &Actor, staging_id: &str, now: i64) -> Result<Imported, AppError> {
    actor.require(Permission::RegulationImport)?;
    let user = actor.user_id.clone().unwrap_or_else(|| actor.label.clone());
    let staged = {
        let mut c = db.conn().await?;
        rows::staging(&mut c.ex(), &actor.org_id, &user, staging_id).await?.ok_or(AppError::NotFound)?
    };
    let imported = import_text(db, actor, &staged.file_name, &staged.content, now).await?;
    let mut c = db.conn().await?;
    rows::delete_staging(&mut c.ex(), &actor.org_id, staging_id, now - STAGING_TTL_MS).await?;
    Ok(imported)
}

/// A text identical (same SHA-256) to the latest version's is refused (422 at `file`,
/// `regulation-identical`): importing it again would only add a version that changes nothing.
async fn refuse_identical(db: &Db, org_id: &str, text: &str) -> Result<(), AppError> {
    let mut c = db.conn().await?;
    let latest = rows::list_regulation_versions(&mut c.ex(), org_id).await?.into_iter().max_by_key(|v| v.version_no);
    if latest.is_some_and(|v| v.source_sha256 == sha256_hex(text)) {
        return Err(AppError::Validation(vec![("file".into(), "regulation-identical".into())]));
    }
    Ok(())
}

/// The organisation's versions, newest first.
pub async fn versions(db: &Db, actor: &Actor) -> Result<Vec<RegulationVersionRow>, AppError> {
    actor.require(Permission::RegulationView)?;
    let mut c = db.conn().await?;
    Ok(rows::list_regulation_versions(&mut c.ex(), &actor.org_id).await?)
}

/// The latest version with its controls, if any was imported.
pub async fn current(db: &Db, actor: &Actor) -> Result<Option<Current>, AppError> {
    actor.require(Permission::RegulationView)?;
    current_unchecked(db, &actor.org_id).await
}

/// Two versions compared control by control.
pub async fn changes(
    db: &Db,
    actor: &Actor,
    from_no: i64,
    to_no: i64,
) -> Result<Vec<mamori_regulation::diff::ControlChange>, AppError> {
    actor.require(Permission::RegulationView)?;
    let versions = versions(db, actor).await?;
    let load = |no: i64| versions.iter().find(|v| v.version_no == no).map(|v| v.id.clone());
    let (Some(a), Some(b)) = (load(from_no), load(to_no)) else { return Err(AppError::NotFound) };
    let (ca, cb) = (controls_of(db, &actor.org_id, &a).await?, controls_of(db, &actor.org_id, &b).await?);
    Ok(mamori_regulation::diff::diff(&ca, &cb))
}

pub(crate) async fn controls_of(db: &Db, org_id: &str, version_id: &str) -> Result<Vec<Control>, AppError> {
    let mut c = db.conn().await?;
    let rows = rows::regulation_controls(&mut c.ex(), org_id, version_id).await?;
    rows.into_iter()
        .map(|r| {
            serde_json::from_str::<Control>(&r.data_json)
                .map_err(|e| AppError::Internal(format!("stored control {}: {e}", r.control_id)))
        })
        .collect()
}

async fn current_unchecked(db: &Db, org_id: &str) -> Result<Option<Current>, AppError> {
    let mut c = db.conn().await?;
    let Some(version) = rows::list_regulation_versions(&mut c.ex(), org_id).await?.into_iter().next() else {
        return Ok(None);
    };
    drop(c);
    let controls = controls_of(db, org_id, &version.id).await?;
    Ok(Some(Current { version, controls }))
}

/// Adds (or replaces) an organisation dictionary entry: `kind` is `role` or `system`.
pub async fn add_dictionary_entry(
    db: &Db,
    actor: &Actor,
    kind: &str,
    canonical: &str,
    aliases: Vec<String>,
    now: i64,
) -> Result<(), AppError> {
    actor.require(Permission::RegulationImport)?;
    if kind != "role" && kind != "system" {
        return Err(AppError::Validation(vec![("kind".into(), "field-invalid-dictionary-kind".into())]));
    }
    if canonical.trim().is_empty() {
        return Err(AppError::Validation(vec![("canonical".into(), "field-required".into())]));
    }
    let row = DictionaryRow {
        org_id: actor.org_id.clone(),
        kind: kind.to_string(),
        canonical: canonical.trim().to_string(),
        aliases_json: serde_json::to_string(&aliases).map_err(internal)?,
    };
    let mut tx = db.begin().await?;
    rows::upsert_dictionary(&mut tx.ex(), &row).await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "dictionary",
            Some(&row.canonical),
            None,
            Some(serde_json::json!({ "kind": kind, "canonical": row.canonical, "aliases": aliases })),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
