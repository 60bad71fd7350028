//! The register engine's use cases: any register (a definition stored as data) gets listing
//! with search/sort/paging, validated create/update, soft delete/restore with history, and
//! all-or-nothing xlsx/CSV import plus export that round-trips.
//!
//! `defs` holds the definitions (templates, the designer, records the regulation names),
//! `row` the row writes and their history, `index` the in-memory list index, and
//! `import_export` the xlsx/CSV exchange. This module keeps the shared row view and checks.

pub mod access;
mod defs;
mod import_export;
mod index;
pub mod records;
mod row;

pub use defs::{RecordHome, Summary, define, definition, ensure_templates, list, offer, record_homes, set_access};
pub use import_export::{
    GridCaps, ImportReport, MAX_CELL_CHARS, MAX_IMPORT_CELLS, MAX_IMPORT_COLUMNS, MAX_IMPORT_ROWS, REGISTER_CAPS,
    import, parse_csv, read_grid, read_xlsx, table,
};
pub use index::{Page, PageQuery, index_bytes, page};
pub use row::{
    HistoryEntry, Prepared, apply, attach, create, create_restricted, delete, get, history, prepare_create,
    prepare_patch, restore, update, update_restricted,
};

use crate::Actor;
use crate::AppError;
use crate::error::RowProblem;
use crate::error::internal;
use mamori_domain::register::{self, LABELS};
use mamori_store::Db;
use mamori_store::rows::RegisterRowRow;
use serde::Serialize;
use serde_json::{Map, Value};

/// Column header of the row id in exports (what makes a re-import update instead of add).
pub const ID_COLUMN: &str = "ID";
/// Column header of the confidentiality label in exports.
pub const LABEL_COLUMN: &str = "ラベル";

/// A row as shown and returned by the API.
#[derive(Debug, Clone, Serialize)]
pub struct RowView {
    /// Id.
    pub id: String,
    /// Values by field key.
    pub values: Map<String, Value>,
    /// 社外秘 / 極秘.
    pub label: String,
    /// Deleted (with reason).
    pub deleted: bool,
    /// Why deleted.
    pub deleted_reason: Option<String>,
    /// Version.
    pub version: i64,
    /// Last change.
    pub updated_at: i64,
    /// By whom.
    pub updated_by: String,
    /// Who may see it when it is 極秘 (`role:KEY` / `user:LOGIN`; none named: 経営責任者 and
    /// 情報セキュリティ管理者).
    pub restricted_to: Vec<String>,
}

impl RowView {
    /// The row as people name it ([`title_of`]), never its id; "" when it has no values.
    pub fn title(&self, def: &register::RegisterDef) -> String {
        title_of(def, &self.values)
    }
}

/// The title of a row of `def` with `values`: its `name` or `title` field when it has one,
/// else its first two values (a record of a day reads 「2026-01-31 フルバックアップ」).
pub fn title_of(def: &register::RegisterDef, values: &Map<String, Value>) -> String {
    let cell = |f: &register::FieldDef| register::format_cell(f, values.get(&f.key).unwrap_or(&Value::Null));
    if let Some(f) = def.fields.iter().find(|f| f.key == "name" || f.key == "title") {
        let v = cell(f);
        if !v.trim().is_empty() {
            return v;
        }
    }
    def.fields.iter().take(2).map(cell).filter(|v| !v.trim().is_empty()).collect::<Vec<_>>().join(" ")
}

fn view(r: RegisterRowRow) -> RowView {
    RowView {
        values: serde_json::from_str(&r.values_json).unwrap_or_default(),
        id: r.id,
        label: r.label,
        deleted: r.deleted != 0,
        deleted_reason: r.deleted_reason,
        version: r.version,
        updated_at: r.updated_at,
        updated_by: r.updated_by,
        restricted_to: access::restriction(&r.restricted_to),
    }
}

/// Every field error of a row as [`AppError::Rows`] at `row`.
pub fn problems(errors: Vec<register::FieldError>, row: usize) -> AppError {
    AppError::Rows(
        errors.into_iter().map(|e| RowProblem { row, column: e.label, field: e.field, message: e.message }).collect(),
    )
}

/// Checks a row restriction (known roles and people) and that the writer can still see the row.
async fn check_restriction(db: &Db, actor: &Actor, label: &str, restricted_to: &[String]) -> Result<(), AppError> {
    let bad = |message: &str| {
        Err(AppError::Rows(vec![RowProblem {
            row: 0,
            column: RESTRICTED_COLUMN.into(),
            field: "restricted_to".into(),
            message: message.into(),
        }]))
    };
    let people: std::collections::BTreeSet<String> = {
        let mut c = db.conn().await?;
        mamori_store::rows::list_users(&mut c.ex(), &actor.org_id).await?.into_iter().map(|u| u.login_id).collect()
    };
    if let Some(m) = register::check_restriction(restricted_to, &people) {
        return bad(m);
    }
    if !access::row_visible(actor, label, restricted_to) {
        return bad("register-restriction-excludes-you");
    }
    Ok(())
}

/// Column header of a row's restriction (the row page and errors).
pub const RESTRICTED_COLUMN: &str = "閲覧制限";

fn check_label(label: &str) -> Result<(), AppError> {
    if LABELS.contains(&label) {
        Ok(())
    } else {
        Err(AppError::Rows(vec![RowProblem {
            row: 0,
            column: LABEL_COLUMN.into(),
            field: "label".into(),
            message: "field-not-a-choice".into(),
        }]))
    }
}
