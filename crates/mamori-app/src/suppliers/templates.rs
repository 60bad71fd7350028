//! Questionnaire templates: the shipped ones (`mamori_domain::questionnaire`) and each
//! organisation's own, imported from an xlsx in the check-sheet format of
//! `mamori_domain::questionnaire_sheet` (区分 | 質問 | 期待する回答 | 関連する要求事項) and
//! exported back in the same format. An import is all or nothing: every problem comes back with
//! its row and column (`AppError::Rows`), and nothing is stored. An import whose title is an
//! existing template's replaces its questions (the key is derived from the title); what a sent
//! questionnaire asked is its own snapshot and never changes.
//!
//! Caps (before anything is parsed): the file ([`MAX_FILE_BYTES`]), what the xlsx expands to,
//! rows, columns, cells and cell length ([`CAPS`], the register import's reader with smaller
//! limits), and [`MAX_QUESTIONS`] questions.
//!
//! Who may: reading follows the supplier register's view roles, importing its edit roles.

use super::require_register;
use crate::error::RowProblem;
use crate::error::internal;
use crate::registers::{GridCaps, read_xlsx};
use crate::{Actor, AppError, new_id};
use mamori_domain::questionnaire::{self as rules, Section, Template};
pub use mamori_domain::questionnaire_sheet::MAX_QUESTIONS;
use mamori_domain::questionnaire_sheet::{self as sheet, MAX_QUESTION_CHARS};
use mamori_store::Db;
use mamori_store::rows::{self, QuestionnaireTemplateRow};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The largest file an import reads.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

/// The reader's limits: rows (the questions, a header and a few title lines), columns, cells,
/// characters of a cell (a longer question is a problem at its cell, not a refusal of the
/// file), and what the xlsx may expand to.
pub const CAPS: GridCaps = GridCaps {
    rows: MAX_QUESTIONS + 20,
    columns: 20,
    cells: (MAX_QUESTIONS + 20) * 20,
    cell_chars: MAX_QUESTION_CHARS * 4,
    zip_entry: 16 * 1024 * 1024,
    zip_total: 32 * 1024 * 1024,
};

/// The introduction of an imported template (the shipped one's).
fn default_intro() -> String {
    rules::template("standard").map(|t| t.intro.clone()).unwrap_or_default()
}

/// A template as listed.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateInfo {
    /// The key a questionnaire's `template` names.
    pub key: String,
    /// Title.
    pub title: String,
    /// Number of questions.
    pub questions: usize,
    /// Shipped with mamori (not the organisation's own).
    pub shipped: bool,
    /// The file it was imported from.
    pub source_name: String,
    /// When last imported.
    pub updated_at: Option<i64>,
}

fn of_row(r: &QuestionnaireTemplateRow) -> Result<Template, AppError> {
    let sections: Vec<Section> = serde_json::from_str(&r.sections_json).map_err(internal)?;
    Ok(Template { key: r.key.clone(), title: r.title.clone(), intro: r.intro.clone(), sections })
}

fn info(t: &Template, shipped: bool, source_name: &str, updated_at: Option<i64>) -> TemplateInfo {
    TemplateInfo {
        key: t.key.clone(),
        title: t.title.clone(),
        questions: t.questions().count(),
        shipped,
        source_name: source_name.to_string(),
        updated_at,
    }
}

/// The template of `key` for an organisation: a shipped one, or the organisation's own.
pub(crate) async fn find(db: &Db, org_id: &str, key: &str) -> Result<Option<Template>, AppError> {
    if let Some(t) = rules::template(key) {
        return Ok(Some(t.clone()));
    }
    let row = {
        let mut c = db.conn().await?;
        rows::questionnaire_template(&mut c.ex(), org_id, key).await?
    };
    row.as_ref().map(of_row).transpose()
}

/// The shipped templates, then the organisation's by title.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<TemplateInfo>, AppError> {
    require_register(db, actor, false).await?;
    let mut out: Vec<TemplateInfo> = rules::templates().iter().map(|t| info(t, true, "", None)).collect();
    let own = {
        let mut c = db.conn().await?;
        rows::questionnaire_templates(&mut c.ex(), &actor.org_id).await?
    };
    for r in &own {
        out.push(info(&of_row(r)?, false, &r.source_name, Some(r.updated_at)));
    }
    Ok(out)
}

/// One template (shipped or the organisation's).
pub async fn get(db: &Db, actor: &Actor, key: &str) -> Result<Template, AppError> {
    require_register(db, actor, false).await?;
    find(db, &actor.org_id, key).await?.ok_or(AppError::NotFound)
}

/// The key of an imported template of this title (the same title replaces it).
fn key_for(title: &str) -> String {
    let h = mamori_domain::hex::encode(&Sha256::digest(title.trim().as_bytes()));
    format!("org-{}", h.get(..16).unwrap_or(&h))
}

/// Reads a check sheet (an xlsx) into a template without storing it: `title` when given, else
/// the file's name. Refusals: `TooLarge` for a broken cap, `Blocked` for a file that is not an
/// xlsx, `Rows` with every problem (row 0 for the file or the title).
pub fn parse_file(file_name: &str, bytes: &[u8], title: Option<&str>) -> Result<Template, AppError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::TooLarge {
            file: file_name.to_string(),
            key: "limit-file-mb",
            limit: (MAX_FILE_BYTES / (1024 * 1024)) as u64,
            detail: format!("larger than {MAX_FILE_BYTES} bytes"),
        });
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(problems(vec![sheet::SheetProblem { row: 0, column: "file", message: "qt-not-xlsx" }]));
    }
    let (first_row, grid) = read_xlsx(file_name, bytes, &CAPS)?;
    let title = match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t.to_string(),
        None => sheet::title_from_file_name(file_name),
    };
    sheet::parse(&grid, first_row, &key_for(&title), &title, &default_intro()).map_err(problems)
}

fn problems(p: Vec<sheet::SheetProblem>) -> AppError {
    AppError::Rows(
        p.into_iter()
            .map(|x| RowProblem {
                row: x.row,
                column: sheet::column_label(x.column).to_string(),
                field: x.column.to_string(),
                message: x.message.to_string(),
            })
            .collect(),
    )
}

/// Imports a check sheet as one of the organisation's templates (a new one, or replacing the
/// one of the same title) → the template as listed.
pub async fn import(
    db: &Db,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    title: Option<&str>,
    now: i64,
) -> Result<TemplateInfo, AppError> {
    require_register(db, actor, true).await?;
    let t = parse_file(file_name, bytes, title)?;
    let source: String = file_name.chars().filter(|c| !c.is_control()).take(200).collect();
    let before = {
        let mut c = db.conn().await?;
        rows::questionnaire_template(&mut c.ex(), &actor.org_id, &t.key).await?
    };
    let row = QuestionnaireTemplateRow {
        id: before.as_ref().map(|b| b.id.clone()).unwrap_or_else(new_id),
        org_id: actor.org_id.clone(),
        key: t.key.clone(),
        title: t.title.clone(),
        intro: t.intro.clone(),
        sections_json: serde_json::to_string(&t.sections).map_err(internal)?,
        source_name: source.clone(),
        created_by: actor.user_id.clone().unwrap_or_else(|| actor.label.clone()),
        created_at: before.as_ref().map(|b| b.created_at).unwrap_or(now),
        updated_at: now,
    };
    let summary = serde_json::json!({"title": t.title, "questions": t.questions().count(), "file": source});
    let mut tx = db.begin().await?;
    rows::upsert_questionnaire_template(&mut tx.ex(), &row).await?;
    match &before {
        None => crate::audit::created(&mut tx, actor, "questionnaire_template", &row.id, &summary, now).await?,
        Some(b) => {
            let old = serde_json::json!({"title": b.title, "file": b.source_name});
            crate::audit::updated(&mut tx, actor, "questionnaire_template", &row.id, &old, &summary, now).await?
        }
    }
    tx.commit().await?;
    Ok(info(&t, false, &source, Some(now)))
}

/// A template as the check sheet's table (the import's format: the same columns; an export
/// imports again to the same questions).
pub async fn table(db: &Db, actor: &Actor, key: &str) -> Result<crate::export::Table, AppError> {
    use crate::export::{Cell, Table};
    let t = get(db, actor, key).await?;
    let mut grid = sheet::to_grid(&t).into_iter();
    let header = grid.next().unwrap_or_default();
    let widths = [18.0, 60.0, 14.0, 36.0];
    Ok(Table {
        sheet: "質問票".into(),
        title: t.title.clone(),
        doc_number: "質問票ひな形".into(),
        edition: "―".into(),
        label: "社外秘".into(),
        columns: header.into_iter().zip(widths).collect(),
        rows: grid.map(|r| r.into_iter().map(Cell::Text).collect()).collect(),
    })
}
