//! Registers: definitions, rows with an optimistic version, the per-register data version, and
//! row history.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_i64, fetch_optional};

/// A register definition of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegisterDefRow {
    /// Organisation.
    pub org_id: String,
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// The definition (JSON).
    pub def_json: String,
    /// Created.
    pub created_at: i64,
    /// Changed.
    pub updated_at: i64,
}

/// A register row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegisterRowRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Register.
    pub register_key: String,
    /// Values (JSON object).
    pub values_json: String,
    /// 社外秘 / 極秘.
    pub label: String,
    /// Lower-cased text of all values (search).
    pub search_text: String,
    /// 1 when deleted.
    pub deleted: i64,
    /// Why it was deleted.
    pub deleted_reason: Option<String>,
    /// 1, 2, … (one per change).
    pub version: i64,
    /// Created.
    pub created_at: i64,
    /// Created by.
    pub created_by: String,
    /// Changed.
    pub updated_at: i64,
    /// Changed by.
    pub updated_by: String,
    /// Who may see the row when it is 極秘 (JSON array of `role:KEY` / `user:LOGIN`).
    pub restricted_to: String,
}

/// One history entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegisterHistoryRow {
    /// Row.
    pub row_id: String,
    /// Version.
    pub version: i64,
    /// create, update, delete, restore.
    pub action: String,
    /// Values after the change.
    pub values_json: String,
    /// Label after the change.
    pub label: String,
    /// Reason (delete).
    pub reason: Option<String>,
    /// Who.
    pub actor_label: String,
    /// When.
    pub at_ms: i64,
}

const RROW_COLS: &str = "id, org_id, register_key, values_json, label, search_text, deleted, deleted_reason, version, created_at, created_by, updated_at, updated_by, restricted_to";

/// Register definitions of an organisation.
pub async fn register_defs(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<RegisterDefRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RegisterDefRow,
        "SELECT org_id, key, name, def_json, created_at, updated_at FROM register_def WHERE org_id = $1 ORDER BY created_at, key",
        org_id
    )?)
}

/// Adds or replaces a definition.
pub async fn upsert_register_def(ex: &mut Ex<'_>, d: &RegisterDefRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO register_def (org_id, key, name, def_json, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (org_id, key) DO UPDATE SET name = $3, def_json = $4, updated_at = $6",
        &d.org_id,
        &d.key,
        &d.name,
        &d.def_json,
        d.created_at,
        d.updated_at
    )?;
    Ok(())
}

/// Live row counts per register.
pub async fn register_counts(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct C {
        register_key: String,
        n: i64,
    }
    let rows = fetch_all!(
        ex,
        C,
        "SELECT register_key, COUNT(*) AS n FROM register_row WHERE org_id = $1 AND deleted = 0 GROUP BY register_key",
        org_id
    )?;
    Ok(rows.into_iter().map(|c| (c.register_key, c.n)).collect())
}

/// Inserts a row (the caller bumps the register's data version once per transaction).
pub async fn insert_register_row(ex: &mut Ex<'_>, r: &RegisterRowRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO register_row (",
            RROW_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ]),
        &r.id,
        &r.org_id,
        &r.register_key,
        &r.values_json,
        &r.label,
        &r.search_text,
        r.deleted,
        &r.deleted_reason,
        r.version,
        r.created_at,
        &r.created_by,
        r.updated_at,
        &r.updated_by,
        &r.restricted_to
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Marks a register's data as changed (in-memory indexes rebuild on the next read).
pub async fn bump_register_version(ex: &mut Ex<'_>, org_id: &str, key: &str) -> Result<(), StoreError> {
    exec!(ex, "UPDATE register_def SET data_version = data_version + 1 WHERE org_id = $1 AND key = $2", org_id, key)?;
    Ok(())
}

/// The data version of a register (0 when it does not exist).
pub async fn register_version(ex: &mut Ex<'_>, org_id: &str, key: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(
        ex,
        "SELECT COALESCE(MAX(data_version), -1) FROM register_def WHERE org_id = $1 AND key = $2",
        org_id,
        key
    )?)
}

/// Replaces a row's values, label and deletion state (version must be the next one).
pub async fn update_register_row(ex: &mut Ex<'_>, r: &RegisterRowRow) -> Result<u64, StoreError> {
    let n = exec!(
        ex,
        "UPDATE register_row SET values_json = $1, label = $2, search_text = $3, deleted = $4, deleted_reason = $5, version = $6, \
         updated_at = $7, updated_by = $8, restricted_to = $12 WHERE org_id = $9 AND id = $10 AND version = $11",
        &r.values_json,
        &r.label,
        &r.search_text,
        r.deleted,
        &r.deleted_reason,
        r.version,
        r.updated_at,
        &r.updated_by,
        &r.org_id,
        &r.id,
        r.version - 1,
        &r.restricted_to
    )?;
    Ok(n)
}

/// A row by id.
pub async fn register_row(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<RegisterRowRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        RegisterRowRow,
        sql(&["SELECT ", RROW_COLS, " FROM register_row WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// All rows of a register (exports, validation context).
pub async fn register_rows_all(
    ex: &mut Ex<'_>,
    org_id: &str,
    key: &str,
    include_deleted: bool,
) -> Result<Vec<RegisterRowRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RegisterRowRow,
        sql(&[
            "SELECT ",
            RROW_COLS,
            " FROM register_row WHERE org_id = $1 AND register_key = $2 AND (deleted = 0 OR $3 = 1) ORDER BY created_at, id"
        ]),
        org_id,
        key,
        i64::from(include_deleted)
    )?)
}

/// Appends a history entry.
pub async fn insert_register_history(ex: &mut Ex<'_>, org_id: &str, h: &RegisterHistoryRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO register_row_history (org_id, row_id, version, action, values_json, label, reason, actor_label, at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        org_id,
        &h.row_id,
        h.version,
        &h.action,
        &h.values_json,
        &h.label,
        &h.reason,
        &h.actor_label,
        h.at_ms
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// History of a row, oldest first.
pub async fn register_history(
    ex: &mut Ex<'_>,
    org_id: &str,
    row_id: &str,
) -> Result<Vec<RegisterHistoryRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RegisterHistoryRow,
        "SELECT row_id, version, action, values_json, label, reason, actor_label, at_ms FROM register_row_history \
         WHERE org_id = $1 AND row_id = $2 ORDER BY version",
        org_id,
        row_id
    )?)
}

/// The live 極秘 rows of an organisation: (register, restricted_to) (to count what a reader
/// may see).
pub async fn register_secret_rows(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct S {
        register_key: String,
        restricted_to: String,
    }
    let rows = fetch_all!(
        ex,
        S,
        "SELECT register_key, restricted_to FROM register_row WHERE org_id = $1 AND deleted = 0 AND label = $2",
        org_id,
        "極秘"
    )?;
    Ok(rows.into_iter().map(|s| (s.register_key, s.restricted_to)).collect())
}

/// Rows (live or deleted) whose values name `needle` (an evidence file's SHA-256).
pub async fn register_rows_naming(
    ex: &mut Ex<'_>,
    org_id: &str,
    needle: &str,
) -> Result<Vec<RegisterRowRow>, StoreError> {
    let pattern = format!("%{needle}%");
    Ok(fetch_all!(
        ex,
        RegisterRowRow,
        sql(&["SELECT ", RROW_COLS, " FROM register_row WHERE org_id = $1 AND values_json LIKE $2"]),
        org_id,
        &pattern
    )?)
}
