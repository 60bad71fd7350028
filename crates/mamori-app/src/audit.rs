//! Appending to and verifying the hash-chained audit trail.

use crate::AppError;
use mamori_domain::audit::{
    AnchoredVerifier, AuditAction, AuditContent, ChainError, ChainVerifier, Checkpoint, GENESIS_HASH, StoredAuditRow,
};
use mamori_store::rows::{self, AuditCheckpointRow};
pub use mamori_store::rows::{AuditFilter, AuditRow};
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

/// Appends the row of `actor`'s update of `object_type` `id` from `before` to `after` inside
/// `tx` (the one shape every "changed a record" row shares).
pub async fn updated<T: serde::Serialize, U: serde::Serialize>(
    tx: &mut Tx,
    actor: &crate::Actor,
    object_type: &str,
    id: &str,
    before: &T,
    after: &U,
    now: i64,
) -> Result<(), AppError> {
    let before = serde_json::to_value(before).map_err(crate::error::internal)?;
    let after = serde_json::to_value(after).map_err(crate::error::internal)?;
    append(tx, Entry::by(actor, AuditAction::Update, object_type, Some(id), Some(before), Some(after)), now).await
}

/// Appends the row of `actor`'s creation of `object_type` `id` as `after` inside `tx`.
pub async fn created<T: serde::Serialize>(
    tx: &mut Tx,
    actor: &crate::Actor,
    object_type: &str,
    id: &str,
    after: &T,
    now: i64,
) -> Result<(), AppError> {
    let after = serde_json::to_value(after).map_err(crate::error::internal)?;
    append(tx, Entry::by(actor, AuditAction::Create, object_type, Some(id), None, Some(after)), now).await
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

/// How checkpoint signatures are treated during verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust<'a> {
    /// Signatures are not checked (stored checkpoints still bound the chain: truncation and
    /// rehashing against them are reported). For callers without access to the key file.
    Unchecked,
    /// Signatures are checked with this public key; `None` (no key available) fails any
    /// organisation that has checkpoints.
    Key(Option<[u8; 32]>),
    /// Signatures are checked with the key file's public key, and the newest checkpoints kept
    /// beside the key file (outside the database) count too: deleting checkpoint rows along
    /// with the newest audit rows is still reported.
    Anchored(&'a Anchor),
}

/// What lives outside the database: the signing key's public half and the newest checkpoint of
/// each organisation (the heads file beside the key file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchor {
    /// The public key, when the key file exists.
    pub public_key: Option<[u8; 32]>,
    /// The newest checkpoint signed here per organisation.
    pub heads: Vec<Checkpoint>,
}

/// The heads file kept beside a key file (`audit-signing.heads` for `audit-signing.key`).
pub fn heads_path(key_path: &std::path::Path) -> std::path::PathBuf {
    key_path.with_extension("heads")
}

/// Reads the anchor of a key file: its public key (if the file exists) and the heads file.
pub fn load_anchor(key_path: &std::path::Path) -> Result<Anchor, AppError> {
    let public_key = load_key(key_path)?.map(|k| k.public_key());
    let heads = read_heads(&heads_path(key_path))?;
    Ok(Anchor { public_key, heads })
}

fn read_heads(path: &std::path::Path) -> Result<Vec<Checkpoint>, AppError> {
    match std::fs::read_to_string(path) {
        Ok(t) => serde_json::from_str(&t).map_err(|e| key_err(path, format!("unreadable heads file: {e}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(key_err(path, e)),
    }
}

/// Records `cp` in the heads file when it is newer than the one kept for its organisation
/// (written to a temporary file, then renamed).
fn record_head(key_path: &std::path::Path, cp: &Checkpoint) -> Result<(), AppError> {
    let path = heads_path(key_path);
    let mut heads = read_heads(&path)?;
    if heads.iter().any(|h| h.org_id == cp.org_id && h.seq >= cp.seq) {
        return Ok(());
    }
    heads.retain(|h| h.org_id != cp.org_id);
    heads.push(cp.clone());
    heads.sort_by(|a, b| a.org_id.cmp(&b.org_id));
    let text = serde_json::to_string_pretty(&heads).map_err(|e| key_err(&path, e))?;
    let tmp = path.with_extension("heads.tmp");
    std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, &path)).map_err(|e| key_err(&path, e))
}

/// The result of verifying one organisation's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgVerification {
    /// Organisation slug.
    pub org_slug: String,
    /// Organisation name.
    pub org_name: String,
    /// Rows verified, or the first missing or altered row.
    pub result: Result<u64, ChainError>,
    /// The newest checkpoint, if any.
    pub latest: Option<Checkpoint>,
}

/// A stored checkpoint row as the domain type.
pub fn checkpoint_of(r: AuditCheckpointRow) -> Checkpoint {
    Checkpoint {
        org_id: r.org_id,
        seq: r.seq,
        head_hash: r.head_hash,
        row_count: r.row_count,
        signed_at_ms: r.signed_at_ms,
        signature: r.signature,
        public_key: r.public_key,
        key_id: r.key_id,
    }
}

/// Verifies one organisation's chain against its checkpoints, reading rows in pages (bounded
/// memory). Checkpoint signatures are not checked here (see [`verify_org_with`]). The outer
/// error is a storage failure; the inner one names the first missing or altered row.
pub async fn verify_org(db: &Db, org_id: &str) -> Result<Result<u64, ChainError>, AppError> {
    verify_org_with(db, org_id, Trust::Unchecked).await
}

/// Verifies with the anchor of a key file (`None`: no key configured, so checkpoints cannot be
/// checked).
pub async fn verify_org_anchored(
    db: &Db,
    org_id: &str,
    key_path: Option<&std::path::Path>,
) -> Result<Result<u64, ChainError>, AppError> {
    let anchor = match key_path {
        Some(p) => load_anchor(p)?,
        None => Anchor::default(),
    };
    verify_org_with(db, org_id, Trust::Anchored(&anchor)).await
}

/// Verifies one organisation's chain: continuity of seq, every link and hash, the signed
/// checkpoints (signature, head hash at their seq, the chain reaching the newest one) and that
/// the trail is not empty.
pub async fn verify_org_with(db: &Db, org_id: &str, trust: Trust<'_>) -> Result<Result<u64, ChainError>, AppError> {
    const PAGE: i64 = 2_000;
    let mut c = db.conn().await?;
    let mut cps: Vec<Checkpoint> =
        rows::list_audit_checkpoints(&mut c.ex(), org_id).await?.into_iter().map(checkpoint_of).collect();
    let made = match trust {
        Trust::Unchecked => Ok(AnchoredVerifier::unchecked(cps)),
        Trust::Key(k) => AnchoredVerifier::new(cps, k.as_ref()),
        Trust::Anchored(a) => {
            for h in a.heads.iter().filter(|h| h.org_id == org_id) {
                if !cps.contains(h) {
                    cps.push(h.clone());
                }
            }
            AnchoredVerifier::new(cps, a.public_key.as_ref())
        }
    };
    let mut v = match made {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let mut from = 1i64;
    loop {
        let page = rows::audit_range(&mut c.ex(), org_id, from, PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(v.finish());
        };
        from = last.seq + 1;
        for r in page {
            if let Err(e) = v.push(&stored(r)) {
                return Ok(Err(e));
            }
        }
    }
}

/// Verifies every organisation's chain (signatures not checked; see [`verify_all_with`]).
pub async fn verify_all(db: &Db) -> Result<Vec<OrgVerification>, AppError> {
    verify_all_with(db, Trust::Unchecked).await
}

/// Verifies every organisation's chain with the given trust in checkpoint signatures.
pub async fn verify_all_with(db: &Db, trust: Trust<'_>) -> Result<Vec<OrgVerification>, AppError> {
    let orgs = {
        let mut c = db.conn().await?;
        rows::list_orgs(&mut c.ex()).await?
    };
    let mut out = Vec::new();
    for org in orgs {
        let result = verify_org_with(db, &org.id, trust).await?;
        let latest = {
            let mut c = db.conn().await?;
            rows::latest_audit_checkpoint(&mut c.ex(), &org.id).await?.map(checkpoint_of)
        };
        out.push(OrgVerification { org_slug: org.slug, org_name: org.name, result, latest });
    }
    Ok(out)
}

/// The audit signing key (an Ed25519 secret key) read from its key file. It never enters the
/// database; its public key and fingerprint are stored with each checkpoint.
pub struct SigningKey {
    secret: [u8; 32],
    /// The key file (its heads file is beside it); none for a key made in memory.
    path: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("key_id", &self.key_id()).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The public key.
    pub fn public_key(&self) -> [u8; 32] {
        mamori_domain::audit::public_key(&self.secret)
    }

    /// The public key's fingerprint.
    pub fn key_id(&self) -> String {
        mamori_domain::audit::key_id(&self.public_key())
    }

    /// Signs the head `(seq, hash)` of an organisation's chain.
    pub fn sign(&self, org_id: &str, seq: i64, head_hash: &str, signed_at_ms: i64) -> Checkpoint {
        mamori_domain::audit::sign_checkpoint(&self.secret, org_id, seq, head_hash, seq, signed_at_ms)
    }

    /// A key from its 32 secret bytes (tests).
    pub fn from_secret(secret: [u8; 32]) -> SigningKey {
        SigningKey { secret, path: None }
    }
}

/// The key file's name in the data directory.
pub const KEY_FILE_NAME: &str = "audit-signing.key";

const KEY_FILE_HEADER: &str =
    "# mamori audit signing key (Ed25519 secret key, hex). Keep it secret and back it up apart from the database.";

fn key_err(path: &std::path::Path, what: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("audit signing key {}: {what}", path.display()))
}

/// Reads the key file; `None` when it does not exist.
pub fn load_key(path: &std::path::Path) -> Result<Option<SigningKey>, AppError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(key_err(path, e)),
    };
    let line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or_default();
    let secret: [u8; 32] = mamori_domain::hex::decode(line)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| key_err(path, "not a key file (expected 64 hex digits)"))?;
    Ok(Some(SigningKey { secret, path: Some(path.to_path_buf()) }))
}

/// Reads the key file, creating it (mode 0600, with a new random key) when it does not exist.
pub fn load_or_create_key(path: &std::path::Path) -> Result<SigningKey, AppError> {
    if let Some(k) = load_key(path)? {
        return Ok(k);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| key_err(path, e))?;
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| AppError::Internal(format!("OS random source failed: {e}")))?;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(mut f) => {
            use std::io::Write;
            let text = format!("{KEY_FILE_HEADER}\n{}\n", mamori_domain::hex::encode(&secret));
            f.write_all(text.as_bytes()).and_then(|()| f.sync_all()).map_err(|e| key_err(path, e))?;
            Ok(SigningKey { secret, path: Some(path.to_path_buf()) })
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            load_key(path)?.ok_or_else(|| key_err(path, "vanished while being created"))
        }
        Err(e) => Err(key_err(path, e)),
    }
}

/// What [`checkpoint_org`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointOutcome {
    /// A new checkpoint was signed and stored.
    Written(Checkpoint),
    /// The head has not moved since the newest checkpoint.
    Unchanged(Checkpoint),
    /// Nothing to sign: the chain (since the newest checkpoint) does not verify. Tampering is
    /// never signed over.
    Refused(ChainError),
}

/// Signs the organisation's chain head when it moved since the newest checkpoint. Only the
/// rows after that checkpoint are read: its signature is checked, the stored hash at its seq
/// must still be the signed one, and the rows after it must chain from there.
pub async fn checkpoint_org(db: &Db, org_id: &str, key: &SigningKey, now: i64) -> Result<CheckpointOutcome, AppError> {
    const PAGE: i64 = 2_000;
    let mut c = db.conn().await?;
    let latest = rows::latest_audit_checkpoint(&mut c.ex(), org_id).await?.map(checkpoint_of);
    let mut v = match &latest {
        None => ChainVerifier::default(),
        Some(cp) => {
            if let Err(e) = mamori_domain::audit::check_checkpoint(cp, Some(&key.public_key())) {
                return Ok(CheckpointOutcome::Refused(e));
            }
            let at = rows::audit_range(&mut c.ex(), org_id, cp.seq, 1).await?;
            match at.first() {
                Some(r) if r.seq == cp.seq && r.hash == cp.head_hash => ChainVerifier::resume(cp.seq, &cp.head_hash),
                Some(r) if r.seq == cp.seq => {
                    return Ok(CheckpointOutcome::Refused(ChainError::Rehashed { after_seq: 0, seq: cp.seq }));
                }
                _ => {
                    let last = rows::last_audit(&mut c.ex(), org_id).await?.map_or(0, |r| r.seq);
                    let e = if last < cp.seq {
                        ChainError::Truncated { last_seq: last, checkpoint_seq: cp.seq }
                    } else {
                        ChainError::Gap { expected: cp.seq, found: cp.seq + 1 }
                    };
                    return Ok(CheckpointOutcome::Refused(e));
                }
            }
        }
    };
    let mut from = v.last_seq() + 1;
    loop {
        let page = rows::audit_range(&mut c.ex(), org_id, from, PAGE).await?;
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        for r in page {
            if let Err(e) = v.push(&stored(r)) {
                return Ok(CheckpointOutcome::Refused(e));
            }
        }
    }
    if let Some(cp) = latest
        && cp.seq == v.last_seq()
    {
        return Ok(CheckpointOutcome::Unchanged(cp));
    }
    if v.last_seq() == 0 {
        return Ok(CheckpointOutcome::Refused(ChainError::TrailDeleted));
    }
    let cp = key.sign(org_id, v.last_seq(), v.last_hash(), now);
    rows::insert_audit_checkpoint(
        &mut c.ex(),
        &AuditCheckpointRow {
            org_id: cp.org_id.clone(),
            seq: cp.seq,
            head_hash: cp.head_hash.clone(),
            row_count: cp.row_count,
            signed_at_ms: cp.signed_at_ms,
            signature: cp.signature.clone(),
            public_key: cp.public_key.clone(),
            key_id: cp.key_id.clone(),
        },
    )
    .await?;
    if let Some(path) = &key.path {
        record_head(path, &cp)?;
    }
    Ok(CheckpointOutcome::Written(cp))
}

/// [`checkpoint_org`] for every organisation: `(slug, outcome)`.
pub async fn checkpoint_all(db: &Db, key: &SigningKey, now: i64) -> Result<Vec<(String, CheckpointOutcome)>, AppError> {
    let orgs = {
        let mut c = db.conn().await?;
        rows::list_orgs(&mut c.ex()).await?
    };
    let mut out = Vec::new();
    for o in orgs {
        out.push((o.slug, checkpoint_org(db, &o.id, key, now).await?));
    }
    Ok(out)
}

/// The newest checkpoint of the actor's organisation and the result of checking it (its
/// signature with `trusted`, and that the stored row at its seq still has the signed hash).
pub async fn latest_checkpoint(
    db: &Db,
    actor: &crate::Actor,
    trusted: Option<[u8; 32]>,
) -> Result<Option<(Checkpoint, Result<(), ChainError>)>, AppError> {
    actor.require(mamori_domain::permission::Permission::AuditView)?;
    let mut c = db.conn().await?;
    let Some(cp) = rows::latest_audit_checkpoint(&mut c.ex(), &actor.org_id).await?.map(checkpoint_of) else {
        return Ok(None);
    };
    let mut result = mamori_domain::audit::check_checkpoint(&cp, trusted.as_ref());
    if result.is_ok() {
        let at = rows::audit_range(&mut c.ex(), &actor.org_id, cp.seq, 1).await?;
        result = match at.first() {
            Some(r) if r.seq == cp.seq && r.hash == cp.head_hash => Ok(()),
            Some(r) if r.seq == cp.seq => Err(ChainError::Rehashed { after_seq: 0, seq: cp.seq }),
            _ => {
                let last = rows::last_audit(&mut c.ex(), &actor.org_id).await?.map_or(0, |r| r.seq);
                Err(ChainError::Truncated { last_seq: last.min(cp.seq - 1), checkpoint_seq: cp.seq })
            }
        };
    }
    Ok(Some((cp, result)))
}

/// The organisation's whole audit trail in seq order (the audit log export; `audit.view`).
pub async fn all_rows(db: &Db, actor: &crate::Actor) -> Result<Vec<AuditRow>, AppError> {
    const PAGE: i64 = 2_000;
    actor.require(mamori_domain::permission::Permission::AuditView)?;
    let mut c = db.conn().await?;
    let mut out = Vec::new();
    let mut from = 1i64;
    loop {
        let page = rows::audit_range(&mut c.ex(), &actor.org_id, from, PAGE).await?;
        let Some(last) = page.last() else { return Ok(out) };
        from = last.seq + 1;
        out.extend(page);
    }
}

/// A page of the organisation's audit trail, newest first (8.15 (5): privileged roles).
pub async fn list(db: &Db, actor: &crate::Actor, limit: i64, offset: i64) -> Result<(Vec<AuditRow>, i64), AppError> {
    actor.require(mamori_domain::permission::Permission::AuditView)?;
    let mut c = db.conn().await?;
    let rows = rows::list_audit(&mut c.ex(), &actor.org_id, limit.clamp(1, 500), offset.max(0)).await?;
    let total = rows::count_audit(&mut c.ex(), &actor.org_id).await?;
    Ok((rows, total))
}

/// A page of the audit trail narrowed by `f`, newest first, with the number of matching rows.
pub async fn search(
    db: &Db,
    actor: &crate::Actor,
    f: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditRow>, i64), AppError> {
    actor.require(mamori_domain::permission::Permission::AuditView)?;
    let mut c = db.conn().await?;
    let rows = rows::list_audit_filtered(&mut c.ex(), &actor.org_id, f, limit.clamp(1, 500), offset.max(0)).await?;
    let total = rows::count_audit_filtered(&mut c.ex(), &actor.org_id, f).await?;
    Ok((rows, total))
}

/// The most rows one export carries; a longer trail is exported a period at a time.
pub const EXPORT_MAX_ROWS: i64 = 100_000;

/// The rows matching `f` in chain order, for an export: refused (422 `period`) when more than
/// [`EXPORT_MAX_ROWS`] match, so that an export never holds an unbounded trail in memory.
pub async fn export_rows(db: &Db, actor: &crate::Actor, f: &AuditFilter) -> Result<Vec<AuditRow>, AppError> {
    const PAGE: i64 = 2_000;
    actor.require(mamori_domain::permission::Permission::AuditView)?;
    let mut c = db.conn().await?;
    if rows::count_audit_filtered(&mut c.ex(), &actor.org_id, f).await? > EXPORT_MAX_ROWS {
        return Err(AppError::Validation(vec![("period".into(), "audit-export-too-many".into())]));
    }
    let mut out = Vec::new();
    let mut from = 1i64;
    loop {
        let page = rows::audit_range_filtered(&mut c.ex(), &actor.org_id, f, from, PAGE).await?;
        let Some(last) = page.last() else { return Ok(out) };
        from = last.seq + 1;
        out.extend(page);
    }
}

/// The (record kind, action) pairs the organisation's trail holds: the filter's choices.
pub async fn kinds(db: &Db, actor: &crate::Actor) -> Result<Vec<(String, String)>, AppError> {
    actor.require(mamori_domain::permission::Permission::AuditView)?;
    let mut c = db.conn().await?;
    Ok(rows::audit_kinds(&mut c.ex(), &actor.org_id).await?)
}

/// The instant a Japanese calendar day begins (00:00 JST), for a period's bounds.
pub fn tokyo_day_start(d: jiff::civil::Date) -> i64 {
    d.to_datetime(jiff::civil::Time::midnight())
        .in_tz("Asia/Tokyo")
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(0)
}

/// What the audit trail's readers need to describe its rows in words: the organisation's people
/// (names for the ids and login IDs rows carry) and every register definition (names and field
/// labels; rows of a restricted register are logged without values, so labels tell nothing).
pub async fn vocabulary(
    db: &Db,
    actor: &crate::Actor,
) -> Result<(Vec<crate::users::Person>, Vec<mamori_domain::register::RegisterDef>), AppError> {
    actor.require(mamori_domain::permission::Permission::AuditView)?;
    let people = crate::users::people(db, actor).await?;
    let mut c = db.conn().await?;
    let defs = rows::register_defs(&mut c.ex(), &actor.org_id)
        .await?
        .into_iter()
        .filter_map(|d| serde_json::from_str(&d.def_json).ok())
        .collect();
    Ok((people, defs))
}
