//! Appending to and verifying the hash-chained audit trail.

use crate::AppError;
use mamori_domain::audit::{AuditAction, AuditContent, ChainError, ChainVerifier, GENESIS_HASH, StoredAuditRow};
use mamori_store::rows::{self, AuditRow};
use mamori_store::{Db, Tx};

/// One change to record.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Organisation.
    pub org_id: &'a str,
    /// Acting user id.
    pub actor_id: Option<&'a str>,
    /// Acting login ID or label.
    pub actor_label: &'a str,
    /// What happened.
    pub action: AuditAction,
    /// Kind of object.
    pub object_type: &'a str,
    /// Object id.
    pub object_id: Option<&'a str>,
    /// Object before.
    pub before: Option<serde_json::Value>,
    /// Object after.
    pub after: Option<serde_json::Value>,
}

/// Appends `e` to its organisation's chain inside `tx`.
pub async fn append(tx: &mut Tx, e: Entry<'_>, now: i64) -> Result<(), AppError> {
    tx.lock_org(e.org_id).await?;
    let last = rows::last_audit(&mut tx.ex(), e.org_id).await?;
    let (seq, prev) = match last {
        Some(r) => (r.seq + 1, r.hash),
        None => (1, GENESIS_HASH.to_string()),
    };
    let content = AuditContent {
        org_id: e.org_id.to_string(),
        seq,
        at_ms: now,
        actor_id: e.actor_id.map(str::to_string),
        actor_label: e.actor_label.to_string(),
        action: e.action.key().to_string(),
        object_type: e.object_type.to_string(),
        object_id: e.object_id.map(str::to_string),
        before: e.before.map(|v| v.to_string()),
        after: e.after.map(|v| v.to_string()),
    };
    let hash = content.chain_hash(&prev);
    let row = AuditRow {
        org_id: content.org_id,
        seq,
        at_ms: now,
        actor_id: content.actor_id,
        actor_label: content.actor_label,
        action: content.action,
        object_type: content.object_type,
        object_id: content.object_id,
        before_json: content.before,
        after_json: content.after,
        prev_hash: prev,
        hash,
    };
    rows::insert_audit(&mut tx.ex(), &row).await?;
    Ok(())
}

/// Converts a stored row for verification.
pub fn stored(r: AuditRow) -> StoredAuditRow {
    StoredAuditRow {
        content: AuditContent {
            org_id: r.org_id,
            seq: r.seq,
            at_ms: r.at_ms,
            actor_id: r.actor_id,
            actor_label: r.actor_label,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            before: r.before_json,
            after: r.after_json,
        },
        prev_hash: r.prev_hash,
        hash: r.hash,
    }
}

/// The result of verifying one organisation's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgVerification {
    /// Organisation slug.
    pub org_slug: String,
    /// Rows verified, or the first broken row.
    pub result: Result<u64, ChainError>,
}

/// Verifies every organisation's chain, reading rows in pages (bounded memory).
pub async fn verify_all(db: &Db) -> Result<Vec<OrgVerification>, AppError> {
    const PAGE: i64 = 2_000;
    let mut c = db.conn().await?;
    let orgs = rows::list_orgs(&mut c.ex()).await?;
    let mut out = Vec::new();
    for org in orgs {
        let mut v = ChainVerifier::default();
        let mut from = 1i64;
        let result = 'pages: loop {
            let page = rows::audit_range(&mut c.ex(), &org.id, from, PAGE).await?;
            let Some(last) = page.last() else { break Ok(v.checked()) };
            from = last.seq + 1;
            for r in page {
                if let Err(e) = v.push(&stored(r)) {
                    break 'pages Err(e);
                }
            }
        };
        out.push(OrgVerification { org_slug: org.slug, result });
    }
    Ok(out)
}
