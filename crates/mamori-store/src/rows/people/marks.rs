//! The leaver checklist's marks (migration 0030): the day an item was found done by the
//! system, and a flag when the evidence contradicts the leave.

use super::super::sql;
use super::LeaverRow;
use crate::{Ex, StoreError, exec, fetch_all};

/// A mark on one item of a checklist.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct LeaverMarkRow {
    /// Organisation.
    pub org_id: String,
    /// The checklist.
    pub leaver_id: String,
    /// The item's key.
    pub key: String,
    /// The day it was found done (YYYY-MM-DD).
    pub done_on: Option<String>,
    /// `m365_enabled`, `m365_signed_in` or empty.
    pub flag: String,
    /// The flag's detail (a sign-in time, RFC 3339 UTC).
    pub detail: String,
    /// When.
    pub updated_at: i64,
}

const M_COLS: &str = "org_id, leaver_id, key, done_on, flag, detail, updated_at";

/// Inserts or replaces a mark.
pub async fn upsert_leaver_mark(ex: &mut Ex<'_>, m: &LeaverMarkRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO person_leaver_mark (",
            M_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, leaver_id, key) DO UPDATE SET \
             done_on = excluded.done_on, flag = excluded.flag, detail = excluded.detail, updated_at = excluded.updated_at"
        ]),
        &m.org_id,
        &m.leaver_id,
        &m.key,
        &m.done_on,
        &m.flag,
        &m.detail,
        m.updated_at
    )?;
    Ok(())
}

/// A checklist's marks.
pub async fn leaver_marks(ex: &mut Ex<'_>, org_id: &str, leaver_id: &str) -> Result<Vec<LeaverMarkRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        LeaverMarkRow,
        sql(&["SELECT ", M_COLS, " FROM person_leaver_mark WHERE org_id = $1 AND leaver_id = $2 ORDER BY key"]),
        org_id,
        leaver_id
    )?)
}

/// The organisation's flagged marks.
pub async fn flagged_leaver_marks(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<LeaverMarkRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        LeaverMarkRow,
        sql(&["SELECT ", M_COLS, " FROM person_leaver_mark WHERE org_id = $1 AND flag <> '' ORDER BY leaver_id, key"]),
        org_id
    )?)
}

/// The organisation's open checklists, oldest first.
pub async fn open_leavers(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<LeaverRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        LeaverRow,
        "SELECT id, org_id, person_id, left_on, state, created_by, created_at, closed_at FROM person_leaver \
         WHERE org_id = $1 AND state = 'open' ORDER BY created_at, id",
        org_id
    )?)
}
