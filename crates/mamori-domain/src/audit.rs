//! The tamper-evident audit trail.
//!
//! Rows are chained per organisation: each row's hash is SHA-256 over the previous row's
//! hash and the row's canonical content (a JSON object with sorted keys, before/after kept
//! as the exact stored text). Changing, removing or reordering any row breaks the chain at
//! that row, which [`verify_chain`] reports.
//!
//! The chain alone cannot show that its newest rows, or all of them, were deleted, nor that a
//! row was rewritten with every later hash recomputed. Signed [`Checkpoint`]s of the chain head
//! (Ed25519; key bytes are parameters, the key itself lives outside the database) anchor it:
//! [`AnchoredVerifier`] checks a chain against them.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of an organisation's first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, as stored in `audit_log.action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A row was created.
    Create,
    /// A row was changed.
    Update,
    /// A row was deleted.
    Delete,
    /// Successful login.
    LoginSuccess,
    /// Failed login (wrong password, locked or disabled account).
    LoginFailure,
    /// The account was locked by too many failures.
    Lockout,
    /// An administrator unlocked the account.
    Unlock,
    /// Roles of a user changed.
    RoleChange,
    /// A password was changed by its owner.
    PasswordChange,
    /// An administrator set a new initial password.
    PasswordReset,
    /// Logout.
    Logout,
}

impl AuditAction {
    /// Every action.
    pub const ALL: [AuditAction; 11] = [
        AuditAction::Create,
        AuditAction::Update,
        AuditAction::Delete,
        AuditAction::LoginSuccess,
        AuditAction::LoginFailure,
        AuditAction::Lockout,
        AuditAction::Unlock,
        AuditAction::RoleChange,
        AuditAction::PasswordChange,
        AuditAction::PasswordReset,
        AuditAction::Logout,
    ];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
            AuditAction::LoginSuccess => "login_success",
            AuditAction::LoginFailure => "login_failure",
            AuditAction::Lockout => "lockout",
            AuditAction::Unlock => "unlock",
            AuditAction::RoleChange => "role_change",
            AuditAction::PasswordChange => "password_change",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::Logout => "logout",
        }
    }

    /// Parses a stored key.
    pub fn from_key(k: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.key() == k)
    }
}

/// The content of one audit row, everything that the hash covers except `prev_hash`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditContent {
    /// Organisation id.
    pub org_id: String,
    /// Position in the organisation's chain, from 1.
    pub seq: i64,
    /// Epoch milliseconds (UTC).
    pub at_ms: i64,
    /// Acting user id, if any (failed logins of unknown IDs have none).
    pub actor_id: Option<String>,
    /// Acting login ID or a system label, for display.
    pub actor_label: String,
    /// Action key ([`AuditAction::key`]).
    pub action: String,
    /// Kind of object (`user`, `organization`, …).
    pub object_type: String,
    /// Object id.
    pub object_id: Option<String>,
    /// JSON text of the object before the change.
    pub before: Option<String>,
    /// JSON text of the object after the change.
    pub after: Option<String>,
}

impl AuditContent {
    /// Canonical bytes: a JSON object with keys in sorted order.
    pub fn canonical(&self) -> String {
        // serde_json's Map is a BTreeMap (no `preserve_order`), so keys come out sorted.
        let v = serde_json::json!({
            "org_id": self.org_id,
            "seq": self.seq,
            "at_ms": self.at_ms,
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "before": self.before,
            "after": self.after,
        });
        v.to_string()
    }

    /// The row hash given the previous row's hash.
    pub fn chain_hash(&self, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        h.update(prev_hash.as_bytes());
        h.update(b"\n");
        h.update(self.canonical().as_bytes());
        crate::hex::encode(&h.finalize())
    }
}

/// A stored row as read back for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAuditRow {
    /// The content.
    pub content: AuditContent,
    /// Stored previous hash.
    pub prev_hash: String,
    /// Stored hash.
    pub hash: String,
}

/// Why a chain failed verification, naming the first bad row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// A sequence number is missing or repeated (a row was removed or inserted).
    #[error("audit row seq {found} found where seq {expected} was expected (a row is missing or was inserted)")]
    Gap {
        /// Expected seq.
        expected: i64,
        /// Found seq.
        found: i64,
    },
    /// The row's `prev_hash` does not match the previous row's hash.
    #[error("audit row seq {seq}: prev_hash does not match the previous row's hash")]
    BrokenLink {
        /// The row.
        seq: i64,
    },
    /// The row's content does not match its hash (it was edited).
    #[error("audit row seq {seq}: content does not match its hash (row was altered)")]
    Altered {
        /// The row.
        seq: i64,
    },
    /// The chain ends before a signed checkpoint's head: the newest rows were deleted.
    #[error("audit rows after seq {last_seq} were deleted (first missing seq {}; a signed checkpoint covers seq {checkpoint_seq})", last_seq + 1)]
    Truncated {
        /// The last row still present (0 when none is).
        last_seq: i64,
        /// The head seq a signed checkpoint covers.
        checkpoint_seq: i64,
    },
    /// The organisation exists but has no audit row at all (its creation is always recorded).
    #[error("the organisation's whole audit trail was deleted (first missing seq 1)")]
    TrailDeleted,
    /// The stored hash at a checkpoint's seq differs from the signed head hash: rows were
    /// rewritten and the later hashes recomputed.
    #[error("audit rows were altered at or before seq {seq} (first possibly altered seq {}): the hash differs from the signed checkpoint", after_seq + 1)]
    Rehashed {
        /// The previous checkpoint that still matches (0 when none).
        after_seq: i64,
        /// The checkpoint whose head hash differs.
        seq: i64,
    },
    /// A checkpoint's signature does not verify (forged or edited checkpoint).
    #[error("the checkpoint at seq {seq} has an invalid signature (forged or edited)")]
    BadSignature {
        /// The checkpoint's seq.
        seq: i64,
    },
    /// A checkpoint was signed by a key other than this installation's.
    #[error("the checkpoint at seq {seq} was signed by another key ({key_id})")]
    UnknownKey {
        /// The checkpoint's seq.
        seq: i64,
        /// The key id it names.
        key_id: String,
    },
    /// Checkpoints exist but no signing key is available to check them.
    #[error("the checkpoint at seq {seq} cannot be checked: no audit signing key is available")]
    NoKey {
        /// The checkpoint's seq.
        seq: i64,
    },
}

impl ChainError {
    /// The first missing or altered sequence number (the contract of `mamori audit verify`).
    pub fn first_seq(&self) -> i64 {
        match self {
            ChainError::Gap { expected, .. } => *expected,
            ChainError::BrokenLink { seq }
            | ChainError::Altered { seq }
            | ChainError::BadSignature { seq }
            | ChainError::UnknownKey { seq, .. }
            | ChainError::NoKey { seq } => *seq,
            ChainError::Truncated { last_seq, .. } => last_seq + 1,
            ChainError::TrailDeleted => 1,
            ChainError::Rehashed { after_seq, .. } => after_seq + 1,
        }
    }

    /// A stable key naming the kind of failure (`audit-problem-<key>` in the catalogues).
    pub fn key(&self) -> &'static str {
        match self {
            ChainError::Gap { .. } => "gap",
            ChainError::BrokenLink { .. } => "broken-link",
            ChainError::Altered { .. } => "altered",
            ChainError::Truncated { .. } => "truncated",
            ChainError::TrailDeleted => "trail-deleted",
            ChainError::Rehashed { .. } => "rehashed",
            ChainError::BadSignature { .. } => "bad-signature",
            ChainError::UnknownKey { .. } => "unknown-key",
            ChainError::NoKey { .. } => "no-key",
        }
    }
}

/// Streaming verifier: feed an organisation's rows in seq order, one at a time, so a chain
/// of any length is checked in bounded memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    prev: String,
    expected: i64,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier { prev: GENESIS_HASH.to_string(), expected: 1, checked: 0 }
    }
}

impl ChainVerifier {
    /// Checks the next row.
    pub fn push(&mut self, r: &StoredAuditRow) -> Result<(), ChainError> {
        if r.content.seq != self.expected {
            return Err(ChainError::Gap { expected: self.expected, found: r.content.seq });
        }
        if r.prev_hash != self.prev {
            return Err(ChainError::BrokenLink { seq: r.content.seq });
        }
        if r.content.chain_hash(&r.prev_hash) != r.hash {
            return Err(ChainError::Altered { seq: r.content.seq });
        }
        self.prev.clone_from(&r.hash);
        self.expected += 1;
        self.checked += 1;
        Ok(())
    }

    /// Rows checked so far.
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// A verifier that continues after row `seq` whose hash is `hash` (trusted, e.g. covered by
    /// a signed checkpoint), counting those `seq` rows as checked.
    pub fn resume(seq: i64, hash: &str) -> ChainVerifier {
        ChainVerifier { prev: hash.to_string(), expected: seq + 1, checked: u64::try_from(seq).unwrap_or(0) }
    }

    /// The seq of the last row checked (0 before any).
    pub fn last_seq(&self) -> i64 {
        self.expected - 1
    }

    /// The hash of the last row checked ([`GENESIS_HASH`] before any).
    pub fn last_hash(&self) -> &str {
        &self.prev
    }
}

/// The first line of every checkpoint message (the format's version).
pub const CHECKPOINT_DOMAIN: &str = "mamori-audit-checkpoint-v1";

/// A signed statement "organisation X's chain had `row_count` rows, the last being `seq` with
/// hash `head_hash`, at `signed_at_ms`" (Ed25519). The private key never enters the database;
/// the public key is stored with the checkpoint so that a checkpoint signed by another key is
/// recognised as such.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Organisation id.
    pub org_id: String,
    /// Seq of the chain head.
    pub seq: i64,
    /// Hash of the head row.
    pub head_hash: String,
    /// Rows in the chain (equals `seq`: numbering is continuous from 1).
    pub row_count: i64,
    /// When it was signed (epoch ms).
    pub signed_at_ms: i64,
    /// Ed25519 signature of [`checkpoint_message`], hex.
    pub signature: String,
    /// The signer's public key, hex.
    pub public_key: String,
    /// [`key_id`] of the public key.
    pub key_id: String,
}

/// The exact bytes a checkpoint signs.
pub fn checkpoint_message(org_id: &str, seq: i64, head_hash: &str, row_count: i64, signed_at_ms: i64) -> String {
    format!("{CHECKPOINT_DOMAIN}\norg={org_id}\nseq={seq}\nhead={head_hash}\nrows={row_count}\nat={signed_at_ms}\n")
}

/// A key's fingerprint: the first 16 hex digits of SHA-256 over the public key.
pub fn key_id(public_key: &[u8; 32]) -> String {
    let h = Sha256::digest(public_key);
    crate::hex::encode(h.get(..8).unwrap_or_default())
}

/// The public key of a 32-byte Ed25519 secret key.
pub fn public_key(secret: &[u8; 32]) -> [u8; 32] {
    ed25519_dalek::SigningKey::from_bytes(secret).verifying_key().to_bytes()
}

/// Signs a checkpoint of the head `(seq, head_hash)`.
pub fn sign_checkpoint(
    secret: &[u8; 32],
    org_id: &str,
    seq: i64,
    head_hash: &str,
    row_count: i64,
    signed_at_ms: i64,
) -> Checkpoint {
    use ed25519_dalek::Signer;
    let key = ed25519_dalek::SigningKey::from_bytes(secret);
    let public = key.verifying_key().to_bytes();
    let sig = key.sign(checkpoint_message(org_id, seq, head_hash, row_count, signed_at_ms).as_bytes());
    Checkpoint {
        org_id: org_id.to_string(),
        seq,
        head_hash: head_hash.to_string(),
        row_count,
        signed_at_ms,
        signature: crate::hex::encode(&sig.to_bytes()),
        public_key: crate::hex::encode(&public),
        key_id: key_id(&public),
    }
}

/// Checks a checkpoint against the installation's public key (`None`: no key available).
pub fn check_checkpoint(cp: &Checkpoint, trusted: Option<&[u8; 32]>) -> Result<(), ChainError> {
    let Some(trusted) = trusted else {
        return Err(ChainError::NoKey { seq: cp.seq });
    };
    if cp.public_key != crate::hex::encode(trusted) {
        return Err(ChainError::UnknownKey { seq: cp.seq, key_id: cp.key_id.clone() });
    }
    let bad = ChainError::BadSignature { seq: cp.seq };
    let sig: [u8; 64] = crate::hex::decode(&cp.signature).and_then(|b| b.try_into().ok()).ok_or(bad.clone())?;
    let vk = ed25519_dalek::VerifyingKey::from_bytes(trusted).map_err(|_| bad.clone())?;
    let msg = checkpoint_message(&cp.org_id, cp.seq, &cp.head_hash, cp.row_count, cp.signed_at_ms);
    vk.verify_strict(msg.as_bytes(), &ed25519_dalek::Signature::from_bytes(&sig)).map_err(|_| bad.clone())?;
    if cp.row_count != cp.seq || cp.seq < 1 {
        return Err(bad);
    }
    Ok(())
}

/// Streaming verification of one organisation's chain against its signed checkpoints:
/// everything [`ChainVerifier`] checks, plus that the stored hash at each checkpoint's seq is
/// the signed head hash (rewriting rows and recomputing every later hash is caught there), that
/// the chain reaches the newest checkpoint (deleting the newest rows is caught), and that an
/// organisation has rows at all.
#[derive(Debug, Clone)]
pub struct AnchoredVerifier {
    chain: ChainVerifier,
    /// Checkpoints in seq order, signatures already checked.
    checkpoints: Vec<Checkpoint>,
    next: usize,
    matched: i64,
}

impl AnchoredVerifier {
    /// Checks every checkpoint's signature with `trusted` and prepares to read the rows from
    /// seq 1. The first failing checkpoint (lowest seq) is reported.
    pub fn new(mut checkpoints: Vec<Checkpoint>, trusted: Option<&[u8; 32]>) -> Result<AnchoredVerifier, ChainError> {
        checkpoints.sort_by_key(|c| c.seq);
        for cp in &checkpoints {
            check_checkpoint(cp, trusted)?;
        }
        Ok(AnchoredVerifier { chain: ChainVerifier::default(), checkpoints, next: 0, matched: 0 })
    }

    /// Like [`AnchoredVerifier::new`] without checking signatures: the stored checkpoints still
    /// bound the chain (truncation, rehashing), but a forged checkpoint is not recognised.
    pub fn unchecked(mut checkpoints: Vec<Checkpoint>) -> AnchoredVerifier {
        checkpoints.sort_by_key(|c| c.seq);
        AnchoredVerifier { chain: ChainVerifier::default(), checkpoints, next: 0, matched: 0 }
    }

    /// Checks the next row.
    pub fn push(&mut self, r: &StoredAuditRow) -> Result<(), ChainError> {
        self.chain.push(r)?;
        while let Some(cp) = self.checkpoints.get(self.next) {
            if cp.seq > r.content.seq {
                break;
            }
            if cp.seq == r.content.seq {
                if cp.head_hash != r.hash {
                    return Err(ChainError::Rehashed { after_seq: self.matched, seq: cp.seq });
                }
                self.matched = cp.seq;
            }
            self.next += 1;
        }
        Ok(())
    }

    /// After the last row: the number of rows, or what is missing at the end.
    pub fn finish(self) -> Result<u64, ChainError> {
        let last_seq = self.chain.last_seq();
        if let Some(cp) = self.checkpoints.last()
            && cp.seq > last_seq
        {
            return Err(ChainError::Truncated { last_seq, checkpoint_seq: cp.seq });
        }
        if last_seq == 0 {
            return Err(ChainError::TrailDeleted);
        }
        Ok(self.chain.checked())
    }
}

/// Verifies one organisation's rows, in seq order. Returns the number of rows checked.
pub fn verify_chain<'a>(rows: impl IntoIterator<Item = &'a StoredAuditRow>) -> Result<u64, ChainError> {
    let mut v = ChainVerifier::default();
    for r in rows {
        v.push(r)?;
    }
    Ok(v.checked())
}

/// Builds a well-formed chain from contents (seq is renumbered from 1). Used by the
/// application layer's tests and by property tests here.
pub fn build_chain(contents: Vec<AuditContent>) -> Vec<StoredAuditRow> {
    let mut prev = GENESIS_HASH.to_string();
    contents
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            c.seq = i64::try_from(i).unwrap_or(i64::MAX - 1) + 1;
            let hash = c.chain_hash(&prev);
            let row = StoredAuditRow { content: c, prev_hash: prev.clone(), hash: hash.clone() };
            prev = hash;
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn content(i: i64, label: &str) -> AuditContent {
        AuditContent {
            org_id: "org".into(),
            seq: 0,
            at_ms: 1_700_000_000_000 + i,
            actor_id: Some("u1".into()),
            actor_label: label.into(),
            action: "update".into(),
            object_type: "user".into(),
            object_id: Some(format!("u{i}")),
            before: Some(r#"{"a":1}"#.into()),
            after: Some(r#"{"a":2}"#.into()),
        }
    }

    #[test]
    fn canonical_form_has_sorted_keys() {
        let c = content(1, "admin");
        let s = c.canonical();
        assert!(s.starts_with(r#"{"action":"update","actor_id":"u1","actor_label":"admin","after""#), "{s}");
    }

    #[test]
    fn good_chain_verifies_and_edits_are_found() {
        let rows = build_chain((0..5).map(|i| content(i, "a")).collect());
        assert_eq!(verify_chain(&rows), Ok(5));

        let mut edited = rows.clone();
        edited[2].content.after = Some(r#"{"a":3}"#.into());
        assert_eq!(verify_chain(&edited), Err(ChainError::Altered { seq: 3 }));

        let mut removed = rows.clone();
        removed.remove(1);
        assert_eq!(verify_chain(&removed), Err(ChainError::Gap { expected: 2, found: 3 }));

        let mut relinked = rows;
        relinked[3].prev_hash = GENESIS_HASH.into();
        assert_eq!(verify_chain(&relinked), Err(ChainError::BrokenLink { seq: 4 }));
    }

    const KEY: [u8; 32] = [7; 32];

    fn anchored(rows: &[StoredAuditRow], cps: Vec<Checkpoint>, key: Option<&[u8; 32]>) -> Result<u64, ChainError> {
        let mut v = AnchoredVerifier::new(cps, key)?;
        for r in rows {
            v.push(r)?;
        }
        v.finish()
    }

    fn cp_at(rows: &[StoredAuditRow], seq: i64, secret: &[u8; 32]) -> Checkpoint {
        let r = &rows[usize::try_from(seq - 1).unwrap()];
        sign_checkpoint(secret, "org", seq, &r.hash, seq, 1_700_000_000_000 + seq)
    }

    #[test]
    fn checkpoints_anchor_the_chain() {
        let pk = public_key(&KEY);
        let rows = build_chain((0..60).map(|i| content(i, "a")).collect());
        let cps = vec![cp_at(&rows, 10, &KEY), cp_at(&rows, 60, &KEY)];
        assert_eq!(anchored(&rows, cps.clone(), Some(&pk)), Ok(60));

        // The newest 40 rows deleted.
        assert_eq!(
            anchored(&rows[..20], cps.clone(), Some(&pk)),
            Err(ChainError::Truncated { last_seq: 20, checkpoint_seq: 60 })
        );
        assert_eq!(ChainError::Truncated { last_seq: 20, checkpoint_seq: 60 }.first_seq(), 21);
        // The whole trail deleted, with or without checkpoints.
        assert_eq!(anchored(&[], cps.clone(), Some(&pk)).map_err(|e| e.first_seq()), Err(1));
        assert_eq!(anchored(&[], vec![], Some(&pk)), Err(ChainError::TrailDeleted));

        // Row 30 rewritten and every later hash recomputed: the chain itself verifies.
        let mut contents: Vec<_> = rows.iter().map(|r| r.content.clone()).collect();
        contents[29].actor_label = "mallory".into();
        let rewritten = build_chain(contents);
        assert_eq!(verify_chain(&rewritten), Ok(60));
        assert_eq!(anchored(&rewritten, cps.clone(), Some(&pk)), Err(ChainError::Rehashed { after_seq: 10, seq: 60 }));
        assert_eq!(ChainError::Rehashed { after_seq: 10, seq: 60 }.first_seq(), 11);

        // A forged checkpoint: another key, or an edited signed value.
        let other = cp_at(&rewritten, 60, &[9; 32]);
        assert!(matches!(
            anchored(&rewritten, vec![cps[0].clone(), other], Some(&pk)),
            Err(ChainError::UnknownKey { seq: 60, .. })
        ));
        let mut edited = cps[1].clone();
        edited.head_hash = rewritten[59].hash.clone();
        assert_eq!(anchored(&rewritten, vec![edited], Some(&pk)), Err(ChainError::BadSignature { seq: 60 }));
        // Without the key, checkpoints cannot be trusted.
        assert_eq!(anchored(&rows, cps, None), Err(ChainError::NoKey { seq: 10 }));
        assert_eq!(anchored(&rows, vec![], None), Ok(60));
    }

    #[test]
    fn resumed_verifier_continues_after_a_trusted_row() {
        let rows = build_chain((0..5).map(|i| content(i, "a")).collect());
        let mut v = ChainVerifier::resume(2, &rows[1].hash);
        for r in &rows[2..] {
            v.push(r).unwrap();
        }
        assert_eq!((v.checked(), v.last_seq(), v.last_hash()), (5, 5, rows[4].hash.as_str()));
    }

    #[test]
    fn action_keys_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_key(a.key()), Some(a));
        }
    }

    proptest! {
        // Each case signs and checks Ed25519 in a debug build: fewer cases keep it quick.
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Once the head is signed, removing any number of the newest rows, or rewriting any row
        /// and recomputing every later hash, is detected.
        #[test]
        fn signed_heads_catch_truncation_and_rehashing(n in 1usize..30, cut in 1usize..30, victim in 0usize..30) {
            let pk = public_key(&KEY);
            let rows = build_chain((0..n as i64).map(|i| content(i, "x")).collect());
            let head = i64::try_from(n).unwrap();
            let cps = vec![cp_at(&rows, head, &KEY)];
            prop_assert_eq!(anchored(&rows, cps.clone(), Some(&pk)), Ok(n as u64));
            let keep = n - cut.min(n);
            let first = anchored(&rows[..keep], cps.clone(), Some(&pk)).map_err(|e| e.first_seq());
            prop_assert_eq!(first, Err(i64::try_from(keep).unwrap() + 1));
            let mut contents: Vec<_> = rows.iter().map(|r| r.content.clone()).collect();
            contents[victim % n].actor_label = "mallory".into();
            let rewritten = build_chain(contents);
            prop_assert_eq!(anchored(&rewritten, cps, Some(&pk)), Err(ChainError::Rehashed { after_seq: 0, seq: head }));
        }
    }

    proptest! {
        /// Any single-field change to any row is detected at that row.
        #[test]
        fn any_tampering_is_detected(n in 1usize..12, victim in 0usize..12, label in "\\PC{0,12}") {
            let rows = build_chain((0..n as i64).map(|i| content(i, "x")).collect());
            prop_assert!(verify_chain(&rows).is_ok());
            let victim = victim % n;
            let mut t = rows.clone();
            t[victim].content.actor_label = format!("{label}!");
            let seq = t[victim].content.seq;
            prop_assert_eq!(verify_chain(&t), Err(ChainError::Altered { seq }));
        }
    }
}
