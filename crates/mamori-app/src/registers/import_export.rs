//! Register import and export: the export table (ID and label columns included, so it
//! re-imports), reading xlsx or CSV into a grid, and the all-or-nothing import.

use super::defs::definition;
use super::row::{context, insert_history, new_row, search_text};
use super::{ID_COLUMN, LABEL_COLUMN, access};
use crate::audit::{self, Entry};
use crate::error::RowProblem;
use crate::export::{Cell, Table};
use crate::{Actor, AppError};
use mamori_domain::audit::AuditAction;
use mamori_domain::permission::Permission;
use mamori_domain::register::{self, FieldDef, FieldType, LABELS};
use mamori_store::Db;
use mamori_store::rows::{self, RegisterRowRow};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The register as an export table: ID, every field, the label.
pub async fn table(db: &Db, actor: &Actor, key: &str) -> Result<Table, AppError> {
    let def = definition(db, actor, key).await?;
    let rows: Vec<RegisterRowRow> = {
        let mut c = db.conn().await?;
        rows::register_rows_all(&mut c.ex(), &actor.org_id, key, false).await?
    };
    // Only the rows the reader may see (極秘 rows are restricted to named roles or people).
    let rows: Vec<RegisterRowRow> = rows
        .into_iter()
        .filter(|r| access::row_visible(actor, &r.label, &access::restriction(&r.restricted_to)))
        .collect();
    let mut columns = vec![(ID_COLUMN.to_string(), 38.0)];
    columns.extend(def.fields.iter().map(|f| (f.label.clone(), if f.ty == FieldType::LongText { 40.0 } else { 16.0 })));
    columns.push((LABEL_COLUMN.to_string(), 8.0));
    let out_rows = rows
        .iter()
        .map(|r| {
            let values: Map<String, Value> = serde_json::from_str(&r.values_json).unwrap_or_default();
            let mut cells = vec![Cell::Text(r.id.clone())];
            cells.extend(def.fields.iter().map(|f| {
                let s = register::format_cell(f, values.get(&f.key).unwrap_or(&Value::Null));
                if f.ty == FieldType::Date && !s.is_empty() { Cell::Date(s) } else { Cell::Text(s) }
            }));
            cells.push(Cell::Text(r.label.clone()));
            cells
        })
        .collect();
    let strictest = if rows.iter().any(|r| r.label == "極秘") { "極秘".to_string() } else { def.label.clone() };
    Ok(Table {
        sheet: def.name.chars().take(31).collect(),
        title: def.name.clone(),
        // A register is a record, not a controlled document: no number, no 版数.
        doc_number: String::new(),
        edition: String::new(),
        label: strictest,
        columns,
        rows: out_rows,
    })
}

/// The most data rows a register import takes (the header row comes on top).
pub const MAX_IMPORT_ROWS: usize = 50_000;
/// The most columns a register import takes.
pub const MAX_IMPORT_COLUMNS: usize = 200;
/// The most cells (non-empty in xlsx, every field in CSV) a register import takes.
pub const MAX_IMPORT_CELLS: usize = 1_000_000;
/// The most characters of one cell (Excel's own limit).
pub const MAX_CELL_CHARS: usize = 32_767;

fn too_large(file_name: &str, key: &'static str, limit: usize, what: &str) -> AppError {
    AppError::TooLarge {
        file: file_name.to_string(),
        key,
        limit: u64::try_from(limit).unwrap_or(u64::MAX),
        detail: format!("more than {limit} {what}"),
    }
}

/// The stored text of a CSV cell (the apostrophe of [`crate::export::neutralise_formula`]
/// removed; leading spaces kept for the import's own trimming).
fn restore_formula_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = cell.trim_start();
    let restored = crate::export::restore_formula_text(trimmed);
    if restored.len() == trimmed.len() {
        std::borrow::Cow::Borrowed(cell)
    } else {
        std::borrow::Cow::Owned(restored.to_string())
    }
}

/// The limits of a spreadsheet read: data rows (the header row comes on top), columns, cells,
/// characters of one cell, and what the zip may expand to (per part, in all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridCaps {
    /// Data rows.
    pub rows: usize,
    /// Columns.
    pub columns: usize,
    /// Non-empty cells.
    pub cells: usize,
    /// Characters of one cell.
    pub cell_chars: usize,
    /// Bytes one part of the xlsx may expand to.
    pub zip_entry: u64,
    /// Bytes the whole xlsx may expand to.
    pub zip_total: u64,
}

/// The register import's limits.
pub const REGISTER_CAPS: GridCaps = GridCaps {
    rows: MAX_IMPORT_ROWS,
    columns: MAX_IMPORT_COLUMNS,
    cells: MAX_IMPORT_CELLS,
    cell_chars: MAX_CELL_CHARS,
    zip_entry: mamori_regulation::input::MAX_ZIP_ENTRY_BYTES,
    zip_total: mamori_regulation::input::MAX_ZIP_TOTAL_BYTES,
};

/// Checks a grid's size against the import limits before anything else reads it.
fn check_cell(file_name: &str, row: usize, col: usize, chars: usize) -> Result<(), AppError> {
    check_cell_within(&REGISTER_CAPS, file_name, row, col, chars)
}

fn check_cell_within(caps: &GridCaps, file_name: &str, row: usize, col: usize, chars: usize) -> Result<(), AppError> {
    if row > caps.rows {
        return Err(too_large(file_name, "limit-rows", caps.rows, "rows"));
    }
    if col >= caps.columns {
        return Err(too_large(file_name, "limit-columns", caps.columns, "columns"));
    }
    if chars > caps.cell_chars {
        return Err(too_large(file_name, "limit-cell", caps.cell_chars, "characters in one cell"));
    }
    Ok(())
}

/// Reads a spreadsheet or CSV into rows of text cells (xlsx via calamine; CSV in UTF-8 with or
/// without BOM, or Shift_JIS/CP932). Hostile files are refused before they cost memory: an
/// xlsx is first checked for what it really expands to (`check_zip`), then read cell by cell
/// (never as one dense range: a single cell at XFD1048576 would make that 17 billion cells);
/// rows, columns and cell length are capped for both formats.
pub fn read_grid(file_name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, AppError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(file_name, bytes, &REGISTER_CAPS).map(|(_, grid)| grid);
    }
    let text =
        mamori_regulation::input::decode_text(bytes).map_err(|e| AppError::Blocked(format!("{file_name}: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut grid = parse_csv_capped(text, Some(file_name))?;
    // A cell this application exported as text (`'=…`) reads back as it was stored.
    for cell in grid.iter_mut().flatten() {
        if let std::borrow::Cow::Owned(restored) = restore_formula_cell(cell) {
            *cell = restored;
        }
    }
    Ok(grid)
}

/// Reads the first sheet of an xlsx within `caps` → (the 0-based index of its first used row,
/// the rows of text cells from its first used row and column). The zip's expansion is checked
/// first; cells are read one by one (never as one dense range).
pub fn read_xlsx(file_name: &str, bytes: &[u8], caps: &GridCaps) -> Result<(usize, Vec<Vec<String>>), AppError> {
    use calamine::{DataRef, Reader, Xlsx};
    use mamori_regulation::input::{MAX_ZIP_ENTRIES, ZipLimit, check_zip_within};
    check_zip_within(bytes, MAX_ZIP_ENTRIES, caps.zip_entry, caps.zip_total).map_err(|e| match e {
        ZipLimit::Broken(m) => AppError::Blocked(format!("{file_name}: {m}")),
        ZipLimit::Entries(n) => too_large(file_name, "limit-zip-entries", n, "files inside"),
        ZipLimit::EntryBytes(n) | ZipLimit::TotalBytes(n) => AppError::TooLarge {
            file: file_name.to_string(),
            key: "limit-expanded-mb",
            limit: n / (1024 * 1024),
            detail: format!("expands beyond {} MB", n / (1024 * 1024)),
        },
    })?;
    let mut wb: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| AppError::Blocked(format!("{file_name}: {e}")))?;
    let sheet = wb.sheet_names().first().cloned().ok_or_else(|| AppError::Blocked(format!("{file_name}: no sheet")))?;
    let mut reader = wb.worksheet_cells_reader(&sheet).map_err(|e| AppError::Blocked(format!("{file_name}: {e}")))?;
    let mut cells: Vec<(usize, usize, String)> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|e| AppError::Blocked(format!("{file_name}: {e}")))? {
        let (r, c) = cell.get_position();
        let (r, c) = (usize::try_from(r).unwrap_or(usize::MAX), usize::try_from(c).unwrap_or(usize::MAX));
        let text = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::DateTime(dt) => excel_date(dt.as_f64()).unwrap_or_else(|| dt.to_string()),
            DataRef::DateTimeIso(s) => s.chars().take(10).collect(),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", *f as i64),
            DataRef::SharedString(s) => s.to_string(),
            other => calamine::Data::from(other.clone()).to_string(),
        };
        check_cell_within(caps, file_name, r, c, text.chars().count())?;
        if cells.len() >= caps.cells {
            return Err(too_large(file_name, "limit-cells", caps.cells, "cells"));
        }
        cells.push((r, c, text));
    }
    // Rows and columns from the first used one, as a spreadsheet's used range.
    let (Some(r0), Some(c0)) = (cells.iter().map(|x| x.0).min(), cells.iter().map(|x| x.1).min()) else {
        return Ok((0, Vec::new()));
    };
    // Each row only as wide as its own last cell (memory follows the cells, not the
    // rectangle around them).
    let rows = cells.iter().map(|x| x.0).max().unwrap_or(r0) - r0 + 1;
    let mut grid: Vec<Vec<String>> = vec![Vec::new(); rows];
    for (r, c, text) in cells {
        if let Some(row) = grid.get_mut(r - r0) {
            if row.len() <= c - c0 {
                row.resize(c - c0 + 1, String::new());
            }
            row[c - c0] = text;
        }
    }
    Ok((r0, grid))
}

/// An Excel serial date (days since 1899-12-30) as YYYY-MM-DD.
fn excel_date(serial: f64) -> Option<String> {
    let base = jiff::civil::date(1899, 12, 30);
    let days = serial.floor();
    if !(0.0..3_000_000.0).contains(&days) {
        return None;
    }
    base.checked_add(jiff::Span::new().days(days as i64)).ok().map(|d| d.to_string())
}

/// Reads CSV text into rows (RFC 4180 through the `csv` crate: quotes, doubled quotes, CRLF,
/// newlines in quoted fields; rows may differ in length). A blank line stays a row of one
/// empty cell, so a row's index is its place in the file as the import reports it.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    parse_csv_capped(text, None).unwrap_or_default()
}

/// [`parse_csv`] that stops at the first broken import limit (rows, columns, cell length) of
/// `file_name`, before the rows beyond it cost memory.
fn parse_csv_capped(text: &str, file_name: Option<&str>) -> Result<Vec<Vec<String>>, AppError> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut record = csv::StringRecord::new();
    // Where the previous record ended (the csv crate skips the blank lines after it).
    let mut end = 0;
    let mut cells = 0usize;
    loop {
        let more = matches!(rdr.read_record(&mut record), Ok(true));
        let blanks = blank_lines(text, end);
        if let Some(f) = file_name {
            check_cell(f, rows.len() + blanks, 0, 0)?;
        }
        rows.extend((0..blanks).map(|_| vec![String::new()]));
        if !more {
            return Ok(rows);
        }
        end = usize::try_from(rdr.position().byte()).unwrap_or(text.len());
        // A last line holding only an empty field (`""` or a lone `"`) is no row.
        let empty = record.len() == 1 && record.get(0) == Some("");
        if empty && end >= text.len() && !text.ends_with(['\n', '\r']) {
            continue;
        }
        if let Some(f) = file_name {
            check_cell(f, rows.len(), record.len().saturating_sub(1), 0)?;
            for (c, field) in record.iter().enumerate() {
                check_cell(f, rows.len(), c, field.chars().count())?;
            }
            cells += record.len();
            if cells > MAX_IMPORT_CELLS {
                return Err(too_large(f, "limit-cells", MAX_IMPORT_CELLS, "cells"));
            }
        }
        rows.push(record.iter().map(str::to_string).collect());
    }
}

/// How many blank lines follow byte `from` (the end of a record, or the start of the text).
fn blank_lines(text: &str, from: usize) -> usize {
    let rest = text.get(from..).unwrap_or("");
    let gap = &rest[..rest.find(|c| c != '\r' && c != '\n').unwrap_or(rest.len())];
    let newlines = gap.matches('\n').count();
    // The `\n` of a CRLF whose `\r` ended the record belongs to that record.
    let crlf = gap.starts_with('\n') && from > 0 && text.as_bytes().get(from - 1) == Some(&b'\r');
    newlines - usize::from(crlf)
}

/// What an import did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    /// Rows added.
    pub created: usize,
    /// Rows changed.
    pub updated: usize,
    /// Rows identical to what is stored.
    pub unchanged: usize,
}

/// Imports a file into a register: columns are matched by header (field label or key), every
/// row is validated first, and only a fully valid file is written, in one transaction.
pub async fn import(
    db: &Db,
    actor: &Actor,
    key: &str,
    file_name: &str,
    bytes: &[u8],
    now: i64,
) -> Result<ImportReport, AppError> {
    actor.require(Permission::RegistersEdit)?;
    let def = definition(db, actor, key).await?;
    access::require_edit(actor, &def)?;
    access::require_here(&def)?;
    let grid = read_grid(file_name, bytes)?;
    // The header row is the one (among the first ten) naming the most fields.
    let matches = |row: &Vec<String>| {
        row.iter().filter(|h| def.fields.iter().any(|f| f.label == h.trim() || f.key == h.trim())).count()
    };
    let (header_idx, header) = grid
        .iter()
        .enumerate()
        .take(10)
        .max_by_key(|(i, r)| (matches(r), std::cmp::Reverse(*i)))
        .filter(|(_, r)| matches(r) > 0)
        .ok_or_else(|| {
            AppError::Rows(vec![RowProblem {
                row: 1,
                column: "—".into(),
                field: String::new(),
                message: "import-no-header".into(),
            }])
        })?;
    let col_of = |f: &FieldDef| header.iter().position(|h| h.trim() == f.label || h.trim() == f.key);
    let id_col = header.iter().position(|h| h.trim() == ID_COLUMN);
    let label_col = header.iter().position(|h| h.trim() == LABEL_COLUMN);
    let existing = {
        let mut c = db.conn().await?;
        rows::register_rows_all(&mut c.ex(), &actor.org_id, key, true).await?
    };
    let mut ctx = context(db, actor, &def, &existing, None).await?;
    let mut problems_all = Vec::new();
    let mut plan: Vec<(Option<RegisterRowRow>, Map<String, Value>, String)> = Vec::new();
    for f in def.fields.iter().filter(|f| f.required && f.compute.is_none()) {
        if col_of(f).is_none() {
            problems_all.push(RowProblem {
                row: header_idx + 1,
                column: f.label.clone(),
                field: f.key.clone(),
                message: "import-missing-column".into(),
            });
        }
    }
    // Values of unique fields: stored (value → row id, computed once) and seen in the file.
    let mut seen: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    let stored_unique: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> = def
        .fields
        .iter()
        .filter(|f| f.unique)
        .map(|f| {
            let m = existing
                .iter()
                .filter(|r| r.deleted == 0)
                .filter_map(|r| {
                    serde_json::from_str::<Map<String, Value>>(&r.values_json).ok().map(|v| (r.id.clone(), v))
                })
                .map(|(id, v)| (register::format_cell(f, v.get(&f.key).unwrap_or(&Value::Null)), id))
                .filter(|(v, _)| !v.is_empty())
                .collect();
            (f.key.clone(), m)
        })
        .collect();
    // Uniqueness is checked here against stored rows and the file; validation skips it.
    for f in def.fields.iter().filter(|f| f.unique) {
        ctx.taken.insert(f.key.clone(), BTreeSet::new());
    }
    for (i, raw) in grid.iter().enumerate().skip(header_idx + 1) {
        if raw.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = i + 1;
        let cell = |c: Option<usize>| c.and_then(|c| raw.get(c)).map(|s| s.trim().to_string()).unwrap_or_default();
        let id = cell(id_col);
        // A row the importer may not see is unknown to them.
        let current = if id.is_empty() {
            None
        } else {
            existing
                .iter()
                .find(|r| r.id == id)
                .filter(|r| access::row_visible(actor, &r.label, &access::restriction(&r.restricted_to)))
                .cloned()
        };
        if !id.is_empty() && current.is_none() {
            problems_all.push(RowProblem {
                row: line,
                column: ID_COLUMN.into(),
                field: "id".into(),
                message: "import-unknown-id".into(),
            });
            continue;
        }
        let mut input = Map::new();
        for f in def.fields.iter().filter(|f| f.compute.is_none()) {
            let text = cell(col_of(f));
            match register::parse_cell(f, &text) {
                Ok(v) => {
                    input.insert(f.key.clone(), v);
                }
                Err(m) => problems_all.push(RowProblem {
                    row: line,
                    column: f.label.clone(),
                    field: f.key.clone(),
                    message: m.to_string(),
                }),
            }
        }
        let label = Some(cell(label_col))
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| current.as_ref().map(|c| c.label.clone()).unwrap_or_else(|| def.label.clone()));
        if !LABELS.contains(&label.as_str()) {
            problems_all.push(RowProblem {
                row: line,
                column: LABEL_COLUMN.into(),
                field: "label".into(),
                message: "field-not-a-choice".into(),
            });
        }
        // Uniqueness against other stored rows (not this one) and earlier rows of the file.
        for f in def.fields.iter().filter(|f| f.unique) {
            let mine = register::format_cell(f, input.get(&f.key).unwrap_or(&Value::Null));
            if mine.is_empty() {
                continue;
            }
            let owner = stored_unique.get(&f.key).and_then(|m| m.get(&mine));
            let taken_elsewhere = owner.is_some_and(|id| Some(id) != current.as_ref().map(|c| &c.id));
            let file_seen = seen.entry(f.key.clone()).or_default();
            if taken_elsewhere || !file_seen.insert(mine.clone()) {
                problems_all.push(RowProblem {
                    row: line,
                    column: f.label.clone(),
                    field: f.key.clone(),
                    message: "field-not-unique".into(),
                });
            }
        }
        match register::validate(&def, &input, &ctx) {
            Ok(values) => plan.push((current, values, label)),
            Err(errs) => problems_all.extend(errs.into_iter().map(|e| RowProblem {
                row: line,
                column: e.label,
                field: e.field,
                message: e.message,
            })),
        }
    }
    if !problems_all.is_empty() {
        problems_all.sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
        problems_all.dedup();
        return Err(AppError::Rows(problems_all));
    }
    let mut report = ImportReport { created: 0, updated: 0, unchanged: 0 };
    let mut tx = db.begin().await?;
    for (current, values, label) in plan {
        match current {
            Some(cur) => {
                let same_values =
                    serde_json::from_str::<Map<String, Value>>(&cur.values_json).is_ok_and(|v| v == values);
                if same_values && cur.label == label && cur.deleted == 0 {
                    report.unchanged += 1;
                    continue;
                }
                let search = search_text(&def, &values);
                let next = RegisterRowRow {
                    values_json: Value::Object(values).to_string(),
                    label,
                    search_text: search,
                    deleted: 0,
                    deleted_reason: None,
                    version: cur.version + 1,
                    updated_at: now,
                    updated_by: actor.label.clone(),
                    ..cur.clone()
                };
                if rows::update_register_row(&mut tx.ex(), &next).await? == 0 {
                    return Err(AppError::Conflict);
                }
                insert_history(&mut tx, actor, &next, "update", now).await?;
                report.updated += 1;
            }
            None => {
                let row = new_row(actor, key, &def, values, label, now);
                rows::insert_register_row(&mut tx.ex(), &row).await?;
                insert_history(&mut tx, actor, &row, "create", now).await?;
                report.created += 1;
            }
        }
    }
    rows::bump_register_version(&mut tx.ex(), &actor.org_id, key).await?;
    audit::append(
        &mut tx,
        Entry::by(actor, AuditAction::Update, &format!("register:{key}"), None, None, Some(serde_json::json!({
                "import": file_name,
                "sha256": mamori_domain::hex::encode(&sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), bytes))),
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            })),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::parse_csv;

    fn rows(t: &str) -> Vec<Vec<String>> {
        parse_csv(t)
    }

    #[test]
    fn csv_rows_keep_quotes_newlines_and_blank_lines() {
        assert!(rows("").is_empty());
        assert_eq!(rows("a,b\r\n1,2\r\n"), [vec!["a", "b"], vec!["1", "2"]]);
        assert_eq!(rows("a,\"b\r\nc\",\"x\"\"y\"\n"), [vec!["a", "b\r\nc", "x\"y"]]);
        // Blank lines stay rows, so row numbers are line numbers of the file.
        assert_eq!(rows("\na\r\n\r\nb\n\n"), [vec![""], vec!["a"], vec![""], vec!["b"], vec![""]]);
        assert_eq!(rows("a\"b,\"cd\"e, \"f\""), [vec!["a\"b", "cde", " \"f\""]]);
        assert_eq!(rows("x\n\"\""), [vec!["x"]]);
        assert_eq!(rows("x\n\"\"\n"), [vec!["x"], vec![""]]);
    }
}
