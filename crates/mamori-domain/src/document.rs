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

/// How the name of a document ends, as the regulation names documents in 【…】 (records such
/// as 【変更管理記録表】 or 【教育・訓練計画表】 end otherwise).
pub const DOCUMENT_NAME_ENDINGS: [&str; 6] = ["方針", "ルール", "マニュアル", "規程", "計画", "手順書"];

/// Whether a name the regulation gives in 【…】 is a document (a policy, rule, manual, plan …)
/// rather than a record kept in a register.
pub fn is_document_name(name: &str) -> bool {
    let n = name.trim();
    DOCUMENT_NAME_ENDINGS.iter().any(|e| n.ends_with(e) && n.chars().count() > e.chars().count())
}

/// The kind a named document gets: a 方針 is a policy, anything else a manual.
pub fn kind_of_document_name(name: &str) -> DocKind {
    if name.trim().ends_with("方針") { DocKind::Policy } else { DocKind::Manual }
}

fn word_char(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{30A0}'..='\u{30FF}' | '\u{3005}')
}

/// Document names written in running text (「事業継続計画は、…」): a run of kanji or katakana
/// ending in one of [`DOCUMENT_NAME_ENDINGS`] and not followed by another kanji or katakana
/// (「事業継続計画実施記録」 is a record), in order of first mention.
pub fn document_names_in(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !word_char(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && word_char(chars[i]) {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        if is_document_name(&word) && !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// The roles that approve in a sentence: the role names joined right before the approval word
/// (「経営責任者並びに情報セキュリティ管理者の承認のもと」 → top management, information
/// security manager; 「…管理者が申請し、経営責任者の許可を得る」 → top management only), by
/// their seeded Japanese names, in order of mention.
pub fn approver_roles_in(sentence: &str) -> Vec<String> {
    let end = ["承認", "許可", "認可", "合意"].iter().filter_map(|k| sentence.find(k)).min().unwrap_or(0);
    let roles = crate::permission::default_role_permissions();
    let mut head = sentence[..end].trim_end();
    for particle in ["の", "が", "は"] {
        if let Some(h) = head.strip_suffix(particle) {
            head = h.trim_end();
            break;
        }
    }
    let mut found: Vec<String> = Vec::new();
    while let Some(r) = roles.iter().find(|r| head.ends_with(r.name_ja)) {
        found.push(r.key.to_string());
        head = head[..head.len() - r.name_ja.len()].trim_end();
        match ["並びに", "及び", "および", "と", "、", "・"].iter().find_map(|c| head.strip_suffix(c)) {
            Some(h) => head = h.trim_end(),
            None => break,
        }
    }
    found.reverse();
    found
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
    /// The approver already approved this version (joint approval needs distinct people).
    #[error("the same person cannot approve a version twice")]
    AlreadyApproved,
}

/// One approval recorded on a version (joint approval records one per role).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The role this approval fills.
    pub role: String,
    /// Who approved.
    pub user_id: String,
    /// Their label (name) at the time.
    pub label: String,
    /// When (epoch milliseconds).
    pub at: i64,
}

/// The outcome of an allowed approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalStep {
    /// The role the approver fills.
    pub role: String,
    /// Every role has now approved: the version is approved.
    pub complete: bool,
}

/// Decides whether `approver` may approve a draft that `authors` wrote (everyone who wrote to
/// it), when each of `required_roles` must approve by a distinct person and `done` holds the
/// approvals recorded so far (5.3; 5.29 I.: 経営責任者 and 情報セキュリティ管理者 jointly). The
/// approver fills the first outstanding role they hold. A single approver role is the same rule
/// with one role: never by an author.
///
/// A joint approval may include one by an author, but only after someone who did not write the
/// draft has approved it: nobody approves only their own work, and a small company whose two
/// approvers are also its only writers (the seed's 経営責任者 and 情報セキュリティ管理者) can
/// still bring its plan into force — the one who did not write it approves first.
pub fn check_joint_approval(
    status: VersionStatus,
    authors: &[String],
    approver_id: &str,
    approver_roles: &[String],
    required_roles: &[String],
    done: &[Approval],
) -> Result<ApprovalStep, ApprovalRefusal> {
    if status != VersionStatus::Draft {
        return Err(ApprovalRefusal::NotDraft);
    }
    if done.iter().any(|a| a.user_id == approver_id) {
        return Err(ApprovalRefusal::AlreadyApproved);
    }
    let is_author = |id: &str| authors.iter().any(|a| a == id);
    let joint = required_roles.len() > 1;
    if is_author(approver_id) && !(joint && done.iter().any(|a| !is_author(&a.user_id))) {
        return Err(ApprovalRefusal::OwnVersion);
    }
    let outstanding: Vec<&String> = required_roles.iter().filter(|r| !done.iter().any(|a| &a.role == *r)).collect();
    let role = outstanding
        .iter()
        .find(|r| approver_roles.contains(r))
        .ok_or_else(|| {
            ApprovalRefusal::WrongRole(outstanding.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","))
        })?
        .to_string();
    Ok(ApprovalStep { complete: outstanding.len() == 1, role })
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

    fn approval(role: &str, user: &str) -> Approval {
        Approval { role: role.into(), user_id: user.into(), label: user.into(), at: 1 }
    }

    #[test]
    fn joint_approval_needs_each_role_by_distinct_people() {
        let both = roles(&["top_management", "security_manager"]);
        let authors = roles(&["author", "editor"]);
        let tm = roles(&["top_management"]);
        let sm = roles(&["security_manager"]);
        // The first approval fills its role and leaves the version a draft.
        let first = check_joint_approval(VersionStatus::Draft, &authors, "yamada", &tm, &both, &[]);
        assert_eq!(first, Ok(ApprovalStep { role: "top_management".into(), complete: false }));
        let done = [approval("top_management", "yamada")];
        // The same person twice is refused, even holding the other role too.
        assert_eq!(
            check_joint_approval(VersionStatus::Draft, &authors, "yamada", &both, &both, &done),
            Err(ApprovalRefusal::AlreadyApproved)
        );
        // A second 経営責任者 does not fill the 情報セキュリティ管理者's part.
        assert_eq!(
            check_joint_approval(VersionStatus::Draft, &authors, "sato", &tm, &both, &done),
            Err(ApprovalRefusal::WrongRole("security_manager".into()))
        );
        // An author (every contributor) gives one of the joint approvals only after someone who
        // did not write the draft has approved: first, never.
        assert_eq!(
            check_joint_approval(VersionStatus::Draft, &authors, "editor", &sm, &both, &[]),
            Err(ApprovalRefusal::OwnVersion)
        );
        assert_eq!(
            check_joint_approval(VersionStatus::Draft, &authors, "editor", &sm, &both, &done),
            Ok(ApprovalStep { role: "security_manager".into(), complete: true })
        );
        // Two authors never complete it between them.
        let by_author = [approval("top_management", "author")];
        assert_eq!(
            check_joint_approval(VersionStatus::Draft, &authors, "editor", &sm, &both, &by_author),
            Err(ApprovalRefusal::OwnVersion)
        );
        // One role: an author never approves.
        assert_eq!(
            check_joint_approval(VersionStatus::Draft, &authors, "author", &tm, &tm, &[]),
            Err(ApprovalRefusal::OwnVersion)
        );
        assert_eq!(
            check_joint_approval(VersionStatus::Draft, &authors, "suzuki", &sm, &both, &done),
            Ok(ApprovalStep { role: "security_manager".into(), complete: true })
        );
        // Someone holding both roles fills one of them only.
        assert_eq!(
            check_joint_approval(VersionStatus::Draft, &authors, "boss", &both, &both, &[]),
            Ok(ApprovalStep { role: "top_management".into(), complete: false })
        );
        // One role: the single-approver rule.
        assert_eq!(
            check_joint_approval(VersionStatus::Draft, &authors, "yamada", &tm, &tm, &[]),
            Ok(ApprovalStep { role: "top_management".into(), complete: true })
        );
        assert_eq!(
            check_joint_approval(VersionStatus::Approved, &authors, "yamada", &tm, &tm, &[]),
            Err(ApprovalRefusal::NotDraft)
        );
    }

    #[test]
    fn document_names_are_told_from_records() {
        for n in [
            "情報セキュリティ基本方針",
            "情報セキュリティ運用ルール",
            "情報セキュリティマニュアル",
            "ABS セキュリティ運用ルール",
            "事業継続計画",
            "文書管理規程",
            "作業手順書",
        ] {
            assert!(is_document_name(n), "{n}");
        }
        for n in ["変更管理記録表", "教育・訓練計画表", "事業継続計画実施記録", "入退室記録表", "計画"]
        {
            assert!(!is_document_name(n), "{n}");
        }
        assert_eq!(kind_of_document_name("情報セキュリティ基本方針"), DocKind::Policy);
        assert_eq!(kind_of_document_name("ABS セキュリティ運用ルール"), DocKind::Manual);
        assert_eq!(
            document_names_in("(1) 事業継続計画は、身体・生命の安全確保に加え…【事業継続計画実施記録】に記録する。"),
            ["事業継続計画"]
        );
        assert_eq!(
            approver_roles_in("経営責任者並びに情報セキュリティ管理者の承認のもと、以下の方針に基づいて"),
            ["top_management", "security_manager"]
        );
        assert_eq!(approver_roles_in("従業員は経営責任者の許可を得て行う。"), ["top_management"]);
        assert_eq!(
            approver_roles_in("特権 ID の登録は情報セキュリティ管理者が申請し、経営責任者の許可を得る。"),
            ["top_management"]
        );
        assert!(approver_roles_in("【情報セキュリティ基本方針】の変更は、トップマネジメントが承認する。").is_empty());
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
