//! The audit trail: hash-chained rows per organisation, `(org_id, seq)` as the primary key.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_i64, fetch_optional};

/// One stored audit row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    /// Organisation.
    pub org_id: String,
    /// Position in the chain.
    pub seq: i64,
    /// Time.
    pub at_ms: i64,
    /// Actor id.
    pub actor_id: Option<String>,
    /// Actor label.
    pub actor_label: String,
    /// Action key.
    pub action: String,
    /// Object kind.
    pub object_type: String,
    /// Object id.
    pub object_id: Option<String>,
    /// Before (JSON text).
    pub before_json: Option<String>,
    /// After (JSON text).
    pub after_json: Option<String>,
    /// Previous hash.
    pub prev_hash: String,
    /// This row's hash.
    pub hash: String,
}

const AUDIT_COLS: &str = "org_id, seq, at_ms, actor_id, actor_label, action, object_type, object_id, before_json, after_json, prev_hash, hash";

/// The last row of an organisation's chain.
pub async fn last_audit(ex: &mut Ex<'_>, org_id: &str) -> Result<Option<AuditRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        AuditRow,
        sql(&["SELECT ", AUDIT_COLS, " FROM audit_log WHERE org_id = $1 ORDER BY seq DESC LIMIT 1"]),
        org_id
    )?)
}

/// The sequence number of an organisation's last audit row (0 when none): every use case
/// that changes data appends to the audit trail in its transaction, so this number changes
/// with every change of the organisation's data (cached answers are keyed by it).
pub async fn audit_seq(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE org_id = $1", org_id)?)
}

/// Appends a row (the caller computed seq and hashes).
pub async fn insert_audit(ex: &mut Ex<'_>, a: &AuditRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO audit_log (", AUDIT_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"]),
        &a.org_id,
        a.seq,
        a.at_ms,
        &a.actor_id,
        &a.actor_label,
        &a.action,
        &a.object_type,
        &a.object_id,
        &a.before_json,
        &a.after_json,
        &a.prev_hash,
        &a.hash
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// A page of an organisation's audit rows, newest first.
pub async fn list_audit(ex: &mut Ex<'_>, org_id: &str, limit: i64, offset: i64) -> Result<Vec<AuditRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AuditRow,
        sql(&["SELECT ", AUDIT_COLS, " FROM audit_log WHERE org_id = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3"]),
        org_id,
        limit,
        offset
    )?)
}

/// Rows of an organisation's chain with `seq` in `[from, from + limit)`, in order.
pub async fn audit_range(ex: &mut Ex<'_>, org_id: &str, from: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AuditRow,
        sql(&["SELECT ", AUDIT_COLS, " FROM audit_log WHERE org_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3"]),
        org_id,
        from,
        limit
    )?)
}

/// What the audit log's reader narrows it to (8.15 (5)): who, which kind of record and which
/// record, which action, and a time range `[from_ms, to_ms)`. `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// The actor's user id.
    pub actor_id: Option<String>,
    /// The record kind (`object_type`).
    pub object_type: Option<String>,
    /// One record (`object_id`).
    pub object_id: Option<String>,
    /// The action key.
    pub action: Option<String>,
    /// From this instant (inclusive).
    pub from_ms: Option<i64>,
    /// Up to this instant (exclusive).
    pub to_ms: Option<i64>,
}

const AUDIT_WHERE: &str = " FROM audit_log WHERE org_id = $1 \
    AND (CAST($2 AS TEXT) IS NULL OR actor_id = $2) \
    AND (CAST($3 AS TEXT) IS NULL OR object_type = $3) \
    AND (CAST($4 AS TEXT) IS NULL OR object_id = $4) \
    AND (CAST($5 AS TEXT) IS NULL OR action = $5) \
    AND at_ms >= $6 AND at_ms < $7";

/// A page of an organisation's audit rows matching `f`, newest first.
pub async fn list_audit_filtered(
    ex: &mut Ex<'_>,
    org_id: &str,
    f: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AuditRow,
        sql(&["SELECT ", AUDIT_COLS, AUDIT_WHERE, " ORDER BY seq DESC LIMIT $8 OFFSET $9"]),
        org_id,
        &f.actor_id,
        &f.object_type,
        &f.object_id,
        &f.action,
        f.from_ms.unwrap_or(i64::MIN),
        f.to_ms.unwrap_or(i64::MAX),
        limit,
        offset
    )?)
}

/// Rows matching `f` with `seq >= from`, in chain order (the export, page by page).
pub async fn audit_range_filtered(
    ex: &mut Ex<'_>,
    org_id: &str,
    f: &AuditFilter,
    from: i64,
    limit: i64,
) -> Result<Vec<AuditRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AuditRow,
        sql(&["SELECT ", AUDIT_COLS, AUDIT_WHERE, " AND seq >= $8 ORDER BY seq LIMIT $9"]),
        org_id,
        &f.actor_id,
        &f.object_type,
        &f.object_id,
        &f.action,
        f.from_ms.unwrap_or(i64::MIN),
        f.to_ms.unwrap_or(i64::MAX),
        from,
        limit
    )?)
}

/// Number of an organisation's audit rows matching `f`.
pub async fn count_audit_filtered(ex: &mut Ex<'_>, org_id: &str, f: &AuditFilter) -> Result<i64, StoreError> {
    Ok(fetch_i64!(
        ex,
        sql(&["SELECT COUNT(*)", AUDIT_WHERE]),
        org_id,
        &f.actor_id,
        &f.object_type,
        &f.object_id,
        &f.action,
        f.from_ms.unwrap_or(i64::MIN),
        f.to_ms.unwrap_or(i64::MAX)
    )?)
}

/// The distinct (object type, action) pairs an organisation's trail holds (the filter's choices).
pub async fn audit_kinds(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Kind {
        object_type: String,
        action: String,
    }
    let rows = fetch_all!(
        ex,
        Kind,
        "SELECT DISTINCT object_type, action FROM audit_log WHERE org_id = $1 ORDER BY object_type, action",
        org_id
    )?;
    Ok(rows.into_iter().map(|k| (k.object_type, k.action)).collect())
}

/// Number of audit rows of an organisation.
pub async fn count_audit(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COUNT(*) FROM audit_log WHERE org_id = $1", org_id)?)
}

/// A signed checkpoint of an organisation's chain head.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditCheckpointRow {
    /// Organisation.
    pub org_id: String,
    /// Seq of the head.
    pub seq: i64,
    /// Hash of the head row.
    pub head_hash: String,
    /// Rows in the chain.
    pub row_count: i64,
    /// When it was signed.
    pub signed_at_ms: i64,
    /// Signature (hex).
    pub signature: String,
    /// Public key (hex).
    pub public_key: String,
    /// Key id.
    pub key_id: String,
}

const CHECKPOINT_COLS: &str = "org_id, seq, head_hash, row_count, signed_at_ms, signature, public_key, key_id";

/// Stores a checkpoint (none twice for one head seq: an existing one is kept).
pub async fn insert_audit_checkpoint(ex: &mut Ex<'_>, c: &AuditCheckpointRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO audit_checkpoint (",
            CHECKPOINT_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (org_id, seq) DO NOTHING"
        ]),
        &c.org_id,
        c.seq,
        &c.head_hash,
        c.row_count,
        c.signed_at_ms,
        &c.signature,
        &c.public_key,
        &c.key_id
    )
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Every checkpoint of an organisation, in seq order.
pub async fn list_audit_checkpoints(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<AuditCheckpointRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AuditCheckpointRow,
        sql(&["SELECT ", CHECKPOINT_COLS, " FROM audit_checkpoint WHERE org_id = $1 ORDER BY seq"]),
        org_id
    )?)
}

/// The newest checkpoint (highest seq) of an organisation.
pub async fn latest_audit_checkpoint(ex: &mut Ex<'_>, org_id: &str) -> Result<Option<AuditCheckpointRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        AuditCheckpointRow,
        sql(&["SELECT ", CHECKPOINT_COLS, " FROM audit_checkpoint WHERE org_id = $1 ORDER BY seq DESC LIMIT 1"]),
        org_id
    )?)
}
