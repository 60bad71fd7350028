//! The tamper-evident audit trail.
//!
//! Rows are chained per organisation: each row's hash is SHA-256 over the previous row's
//! hash and the row's canonical content (a JSON object with sorted keys, before/after kept
//! as the exact stored text). Changing, removing or reordering any row breaks the chain at
//! that row, which [`verify_chain`] reports.

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

    #[test]
    fn action_keys_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_key(a.key()), Some(a));
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
