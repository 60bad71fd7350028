//! Internal audit (ISO/IEC 27001 9.2): auditor independence, finding grades, the checklist's
//! ISMS requirements (clauses 4–10, `data/isms_clauses.json`).
//!
//! Independence: an auditor does not audit their own work. An auditor is responsible for a
//! control when one of their roles is named in the control's regulation text, when they hold
//! the owner role of one of its duties or are its named assignee, or when one of their roles
//! approves one of its request types.

use serde::{Deserialize, Serialize};

/// Who is responsible for a control, as the application gathers it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Responsibility {
    /// Control id.
    pub control_id: String,
    /// Role keys named in the control's regulation text.
    pub named_roles: Vec<String>,
    /// Owner role keys of its duties.
    pub duty_owner_roles: Vec<String>,
    /// Named assignees (user ids) of its duties.
    pub duty_assignees: Vec<String>,
    /// Approver role keys of its request types.
    pub approver_roles: Vec<String>,
}

/// One reason an auditor is not independent of a control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The auditor (user id).
    pub auditor: String,
    /// The control.
    pub control: String,
    /// `named_role`, `duty_owner`, `duty_assignee`, `approver`.
    pub reason: &'static str,
    /// The role key concerned (none for an assignee).
    pub role: Option<String>,
}

/// An auditor: user id and role keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auditor {
    /// User id.
    pub user_id: String,
    /// Role keys.
    pub roles: Vec<String>,
}

/// Every conflict of the auditors with the controls in scope (empty: independent).
pub fn conflicts(auditors: &[Auditor], scope: &[Responsibility]) -> Vec<Conflict> {
    let mut out = Vec::new();
    for a in auditors {
        for r in scope {
            let mut push = |reason: &'static str, role: Option<&String>| {
                out.push(Conflict {
                    auditor: a.user_id.clone(),
                    control: r.control_id.clone(),
                    reason,
                    role: role.cloned(),
                })
            };
            for (reason, roles) in
                [("named_role", &r.named_roles), ("duty_owner", &r.duty_owner_roles), ("approver", &r.approver_roles)]
            {
                if let Some(role) = roles.iter().find(|k| a.roles.contains(k)) {
                    push(reason, Some(role));
                }
            }
            if r.duty_assignees.contains(&a.user_id) {
                push("duty_assignee", None);
            }
        }
    }
    out
}

/// A finding's grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 重大な不適合.
    MajorNc,
    /// 軽微な不適合.
    MinorNc,
    /// 観察事項.
    Observation,
    /// 改善の機会.
    Opportunity,
}

impl Grade {
    /// Whether the finding is a nonconformity (and needs a corrective action).
    pub fn is_nonconformity(self) -> bool {
        matches!(self, Grade::MajorNc | Grade::MinorNc)
    }

    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            Grade::MajorNc => "major_nc",
            Grade::MinorNc => "minor_nc",
            Grade::Observation => "observation",
            Grade::Opportunity => "opportunity",
        }
    }
}

/// One requirement of the ISMS (clauses 4–10) to check in every internal audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseRequirement {
    /// Clause (e.g. "6.1.3").
    pub clause: String,
    /// What to check, in Japanese.
    pub item: String,
}

/// The ISMS requirements of clauses 4–10 (written by us, in Japanese).
pub fn clause_requirements() -> Vec<ClauseRequirement> {
    serde_json::from_str(include_str!("../data/isms_clauses.json")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp() -> Responsibility {
        Responsibility {
            control_id: "8.13".into(),
            named_roles: vec!["system_admin".into()],
            duty_owner_roles: vec!["security_manager".into()],
            duty_assignees: vec!["u-sato".into()],
            approver_roles: vec!["top_management".into()],
        }
    }

    fn auditor(id: &str, roles: &[&str]) -> Auditor {
        Auditor { user_id: id.into(), roles: roles.iter().map(|r| r.to_string()).collect() }
    }

    #[test]
    fn each_kind_of_responsibility_is_a_conflict() {
        let reasons = |a: Auditor| conflicts(&[a], &[resp()]).into_iter().map(|c| c.reason).collect::<Vec<_>>();
        assert_eq!(reasons(auditor("u-1", &["internal_auditor"])), Vec::<&str>::new());
        assert_eq!(reasons(auditor("u-1", &["system_admin"])), ["named_role"]);
        assert_eq!(reasons(auditor("u-1", &["security_manager"])), ["duty_owner"]);
        assert_eq!(reasons(auditor("u-1", &["top_management"])), ["approver"]);
        assert_eq!(reasons(auditor("u-sato", &["internal_auditor"])), ["duty_assignee"]);
        let c = conflicts(&[auditor("u-1", &["system_admin"])], &[resp()]);
        assert_eq!((c[0].control.as_str(), c[0].role.as_deref()), ("8.13", Some("system_admin")));
    }

    #[test]
    fn clauses_four_to_ten_are_covered() {
        let reqs = clause_requirements();
        for clause in ["4", "5", "6", "7", "8", "9", "10"] {
            assert!(reqs.iter().any(|r| r.clause.split('.').next() == Some(clause)), "clause {clause}");
        }
        assert!(reqs.iter().all(|r| !r.item.trim().is_empty()));
    }

    #[test]
    fn grades() {
        assert!(Grade::MajorNc.is_nonconformity() && Grade::MinorNc.is_nonconformity());
        assert!(!Grade::Observation.is_nonconformity() && !Grade::Opportunity.is_nonconformity());
        let g: Grade = serde_json::from_str("\"minor_nc\"").unwrap();
        assert_eq!(g.key(), "minor_nc");
    }
}
