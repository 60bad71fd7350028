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

impl<'a> Entry<'a> {
    /// A change made by `actor` in its organisation.
    pub fn by(
        actor: &'a crate::Actor,
        action: AuditAction,
        object_type: &'a str,
        object_id: Option<&'a str>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Entry<'a> {
        Entry {
            org_id: &actor.org_id,
            actor_id: actor.user_id.as_deref(),
            actor_label: &actor.label,
            action,
            object_type,
            object_id,
            before,
            after,
        }
    }
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

/// Verifies one organisation's chain, reading rows in pages (bounded memory). The outer
/// error is a storage failure; the inner one names the first broken row.
pub async fn verify_org(db: &Db, org_id: &str) -> Result<Result<u64, ChainError>, AppError> {
    const PAGE: i64 = 2_000;
    let mut c = db.conn().await?;
    let mut v = ChainVerifier::default();
    let mut from = 1i64;
    loop {
        let page = rows::audit_range(&mut c.ex(), org_id, from, PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(Ok(v.checked()));
        };
        from = last.seq + 1;
        for r in page {
            if let Err(e) = v.push(&stored(r)) {
                return Ok(Err(e));
            }
        }
    }
}

/// Verifies every organisation's chain.
pub async fn verify_all(db: &Db) -> Result<Vec<OrgVerification>, AppError> {
    let orgs = {
        let mut c = db.conn().await?;
        rows::list_orgs(&mut c.ex()).await?
    };
    let mut out = Vec::new();
    for org in orgs {
        let result = verify_org(db, &org.id).await?;
        out.push(OrgVerification { org_slug: org.slug, result });
    }
    Ok(out)
}

/// A page of the organisation's audit trail, newest first (8.15 (5): privileged roles).
pub async fn list(db: &Db, actor: &crate::Actor, limit: i64, offset: i64) -> Result<(Vec<AuditRow>, i64), AppError> {
    actor.require(mamori_domain::permission::Permission::AuditView)?;
    let mut c = db.conn().await?;
    let rows = rows::list_audit(&mut c.ex(), &actor.org_id, limit.clamp(1, 500), offset.max(0)).await?;
    let total = rows::count_audit(&mut c.ex(), &actor.org_id).await?;
    Ok((rows, total))
}
