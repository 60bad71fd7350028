//! Open items (未決事項): the regulation's draft notes and undecided intervals, with an owner,
//! a due date and a resolution.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_optional};

/// An open item.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct OpenItemRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Annex A control.
    pub control_id: String,
    /// `draft_note` or `undecided_interval`.
    pub kind: String,
    /// The note or sentence as the regulation has it.
    pub text: String,
    /// The user who owns it.
    pub owner_id: Option<String>,
    /// Due date (ISO).
    pub due: Option<String>,
    /// How it was resolved.
    pub resolution: Option<String>,
    /// When it was resolved.
    pub resolved_at: Option<i64>,
    /// Who resolved it (display name at the time).
    pub resolved_by: Option<String>,
    /// Created.
    pub created_at: i64,
    /// Changed.
    pub updated_at: i64,
}

const COLS: &str =
    "id, org_id, control_id, kind, text, owner_id, due, resolution, resolved_at, resolved_by, created_at, updated_at";

/// Adds an open item unless the same (control, kind, text) exists; true when inserted.
pub async fn insert_open_item(ex: &mut Ex<'_>, o: &OpenItemRow) -> Result<bool, StoreError> {
    Ok(exec!(
        ex,
        sql(&[
            "INSERT INTO open_item (",
            COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING"
        ]),
        &o.id,
        &o.org_id,
        &o.control_id,
        &o.kind,
        &o.text,
        &o.owner_id,
        &o.due,
        &o.resolution,
        o.resolved_at,
        &o.resolved_by,
        o.created_at,
        o.updated_at
    )? == 1)
}

/// The organisation's open items, by control and creation.
pub async fn open_items(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<OpenItemRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        OpenItemRow,
        sql(&["SELECT ", COLS, " FROM open_item WHERE org_id = $1 ORDER BY control_id, created_at, id"]),
        org_id
    )?)
}

/// One open item.
pub async fn open_item(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<OpenItemRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        OpenItemRow,
        sql(&["SELECT ", COLS, " FROM open_item WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// Writes an item's owner, due date and resolution, if it was last changed at `seen` (an
/// optimistic check); the number of rows changed.
pub async fn update_open_item(ex: &mut Ex<'_>, o: &OpenItemRow, seen: i64) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE open_item SET owner_id = $1, due = $2, resolution = $3, resolved_at = $4, resolved_by = $5, updated_at = $6 \
         WHERE org_id = $7 AND id = $8 AND updated_at = $9",
        &o.owner_id,
        &o.due,
        &o.resolution,
        o.resolved_at,
        &o.resolved_by,
        o.updated_at,
        &o.org_id,
        &o.id,
        seen
    )?)
}
