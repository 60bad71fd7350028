//! Document control (7.5): versions move draft → approved → superseded; only the role the
//! document names may approve, and never the version's author (5.3). Approved versions are
//! immutable: a change makes a new draft.

use serde::{Deserialize, Serialize};

/// The kinds of controlled documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// The imported 管理策規程.
    Regulation,
    /// The Statement of Applicability (適用宣言書).
    Soa,
    /// A policy (e.g. 情報セキュリティ基本方針).
    Policy,
    /// A manual or operating rule.
    Manual,
    /// An external document identified by title and issuer.
    External,
}

impl DocKind {
    /// Every kind.
    pub const ALL: [DocKind; 5] =
        [DocKind::Regulation, DocKind::Soa, DocKind::Policy, DocKind::Manual, DocKind::External];

    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            DocKind::Regulation => "regulation",
            DocKind::Soa => "soa",
            DocKind::Policy => "policy",
            DocKind::Manual => "manual",
            DocKind::External => "external",
        }
    }

    /// Parses a stored key.
    pub fn from_key(k: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|d| d.key() == k)
    }

    /// The role that approves by default: the regulation, the SoA and policies by top
    /// management (5.1 I (3)); manuals and external documents by the information security
    /// manager (5.37 (2)).
    pub fn default_approver_role(self) -> &'static str {
        match self {
            DocKind::Regulation | DocKind::Soa | DocKind::Policy => crate::permission::ROLE_TOP_MANAGEMENT,
            DocKind::Manual | DocKind::External => crate::permission::ROLE_SECURITY_MANAGER,
        }
    }
}

/// The state of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Editable, not yet in force.
    Draft,
    /// In force; immutable.
    Approved,
    /// Replaced by a later approved version.
    Superseded,
}

impl VersionStatus {
    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            VersionStatus::Draft => "draft",
            VersionStatus::Approved => "approved",
            VersionStatus::Superseded => "superseded",
        }
    }

    /// Parses a stored key.
    pub fn from_key(k: &str) -> Option<VersionStatus> {
        [VersionStatus::Draft, VersionStatus::Approved, VersionStatus::Superseded].into_iter().find(|s| s.key() == k)
    }
}

/// Why an approval is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalRefusal {
    /// Only drafts can be approved.
    #[error("only a draft can be approved")]
    NotDraft,
    /// The approver is the author of the version (separation of duties).
    #[error("the author of a version cannot approve it")]
    OwnVersion,
    /// The approver does not hold the role the document names.
    #[error("approval needs the role {0}")]
    WrongRole(String),
    /// Something blocks approval (e.g. SoA rows without a reason).
    #[error("approval is blocked: {0}")]
    Blocked(String),
}

/// Decides whether `approver` may approve a version written by `author`.
pub fn check_approval(
    status: VersionStatus,
    author_id: &str,
    approver_id: &str,
    approver_roles: &[String],
    required_role: &str,
) -> Result<(), ApprovalRefusal> {
    if status != VersionStatus::Draft {
        return Err(ApprovalRefusal::NotDraft);
    }
    if author_id == approver_id {
        return Err(ApprovalRefusal::OwnVersion);
    }
    if !approver_roles.iter().any(|r| r == required_role) {
        return Err(ApprovalRefusal::WrongRole(required_role.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(r: &[&str]) -> Vec<String> {
        r.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn author_never_approves_and_role_is_required() {
        let tm = roles(&["top_management"]);
        assert_eq!(check_approval(VersionStatus::Draft, "u1", "u2", &tm, "top_management"), Ok(()));
        assert_eq!(
            check_approval(VersionStatus::Draft, "u1", "u1", &tm, "top_management"),
            Err(ApprovalRefusal::OwnVersion)
        );
        assert_eq!(
            check_approval(VersionStatus::Draft, "u1", "u2", &roles(&["employee"]), "top_management"),
            Err(ApprovalRefusal::WrongRole("top_management".into()))
        );
        assert_eq!(
            check_approval(VersionStatus::Approved, "u1", "u2", &tm, "top_management"),
            Err(ApprovalRefusal::NotDraft)
        );
    }

    #[test]
    fn keys_round_trip() {
        for k in DocKind::ALL {
            assert_eq!(DocKind::from_key(k.key()), Some(k));
        }
        assert_eq!(DocKind::Manual.default_approver_role(), "security_manager");
        assert_eq!(VersionStatus::from_key("superseded"), Some(VersionStatus::Superseded));
    }
}
