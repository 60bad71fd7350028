//! Nonconformity and corrective action (ISO/IEC 27001 10.2), for every source: internal audit,
//! certification audit, incident, a repeatedly missed duty, a finding. The report itself is a
//! row of the 是正処置報告書 register (correction, root cause, action, owner, due date,
//! effectiveness); this module rules its life:
//!
//! `open` → (the owner or a manager records the correction, root cause and action) → `acted` →
//! (a manager **other than the person who acted** checks effectiveness) → `closed` when
//! effective, back to `open` when not. Nothing else closes it.

use serde::{Deserialize, Serialize};

/// Where a nonconformity comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 内部監査 (9.2).
    InternalAudit,
    /// 外部審査 (certification audit).
    CertificationAudit,
    /// インシデント.
    Incident,
    /// A duty missed repeatedly.
    MissedDuty,
    /// Any other finding (a review, a detection, a person's report).
    Finding,
    /// A problem found by a business-continuity drill or test (5.29 VII.).
    ContinuityTest,
}

impl Source {
    /// Every source.
    pub const ALL: [Source; 6] = [
        Source::InternalAudit,
        Source::CertificationAudit,
        Source::Incident,
        Source::MissedDuty,
        Source::Finding,
        Source::ContinuityTest,
    ];

    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            Source::InternalAudit => "internal_audit",
            Source::CertificationAudit => "certification_audit",
            Source::Incident => "incident",
            Source::MissedDuty => "missed_duty",
            Source::Finding => "finding",
            Source::ContinuityTest => "continuity_test",
        }
    }

    /// Parses a key.
    pub fn from_key(k: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.key() == k)
    }

    /// The choice of the register's 発生源 field.
    pub fn register_choice(self) -> &'static str {
        match self {
            Source::InternalAudit => "内部監査",
            Source::CertificationAudit => "外部審査",
            Source::Incident => "インシデント",
            Source::MissedDuty | Source::Finding | Source::ContinuityTest => "その他",
        }
    }
}

/// The state of a nonconformity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Raised; correction and action to be recorded.
    Open,
    /// Action recorded; effectiveness to be checked.
    Acted,
    /// Checked effective.
    Closed,
}

impl State {
    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Acted => "acted",
            State::Closed => "closed",
        }
    }

    /// Parses a key.
    pub fn from_key(k: &str) -> Option<State> {
        [State::Open, State::Acted, State::Closed].into_iter().find(|s| s.key() == k)
    }
}

/// What someone wants to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<'a> {
    /// Record the correction, the root cause and the corrective action.
    RecordAction {
        /// 修正.
        correction: &'a str,
        /// 原因.
        root_cause: &'a str,
        /// 是正処置.
        action: &'a str,
    },
    /// Check effectiveness.
    Check {
        /// Effective: closes; not effective: reopens.
        effective: bool,
        /// 有効性の評価.
        text: &'a str,
    },
}

/// The facts `decide` needs about the record and the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts<'a> {
    /// Current state.
    pub state: State,
    /// Owner (user id).
    pub owner_id: Option<&'a str>,
    /// Who recorded the action (user id).
    pub acted_by: Option<&'a str>,
    /// The person (user id).
    pub user_id: &'a str,
    /// Whether the person is 経営責任者 or 情報セキュリティ管理者.
    pub manager: bool,
}

/// Why a step is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not allowed for this person.
    Forbidden,
    /// The effectiveness check by the person who acted.
    SeparationOfDuties,
    /// Not in this state.
    WrongState,
    /// Fields missing (their keys).
    Missing(Vec<&'static str>),
}

/// Decides a step: the state after it, or why not.
pub fn decide(f: &Facts<'_>, step: &Step<'_>) -> Result<State, Refusal> {
    match step {
        Step::RecordAction { correction, root_cause, action } => {
            if !(f.manager || f.owner_id == Some(f.user_id)) {
                return Err(Refusal::Forbidden);
            }
            if f.state != State::Open {
                return Err(Refusal::WrongState);
            }
            let missing: Vec<&'static str> =
                [("correction", correction), ("root_cause", root_cause), ("action", action)]
                    .into_iter()
                    .filter(|(_, v)| v.trim().is_empty())
                    .map(|(k, _)| k)
                    .collect();
            if !missing.is_empty() {
                return Err(Refusal::Missing(missing));
            }
            Ok(State::Acted)
        }
        Step::Check { effective, text } => {
            if !f.manager {
                return Err(Refusal::Forbidden);
            }
            if f.state != State::Acted {
                return Err(Refusal::WrongState);
            }
            if f.acted_by == Some(f.user_id) {
                return Err(Refusal::SeparationOfDuties);
            }
            if text.trim().is_empty() {
                return Err(Refusal::Missing(vec!["effectiveness"]));
            }
            Ok(if *effective { State::Closed } else { State::Open })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(state: State, user: &'static str, manager: bool) -> Facts<'static> {
        Facts { state, owner_id: Some("owner"), acted_by: Some("owner"), user_id: user, manager }
    }

    const ACT: Step<'static> =
        Step::RecordAction { correction: "修正した", root_cause: "手順の不備", action: "手順改訂" };

    #[test]
    fn the_owner_acts_and_another_manager_checks() {
        assert_eq!(decide(&facts(State::Open, "owner", false), &ACT), Ok(State::Acted));
        assert_eq!(decide(&facts(State::Open, "someone", false), &ACT), Err(Refusal::Forbidden));
        assert_eq!(decide(&facts(State::Acted, "owner", false), &ACT), Err(Refusal::WrongState));
        let ok = Step::Check { effective: true, text: "再発なし" };
        assert_eq!(decide(&facts(State::Acted, "boss", true), &ok), Ok(State::Closed));
        let not = Step::Check { effective: false, text: "再発あり" };
        assert_eq!(decide(&facts(State::Acted, "boss", true), &not), Ok(State::Open));
        // A manager who acted does not check their own action.
        assert_eq!(decide(&facts(State::Acted, "owner", true), &ok), Err(Refusal::SeparationOfDuties));
        assert_eq!(decide(&facts(State::Acted, "someone", false), &ok), Err(Refusal::Forbidden));
        assert_eq!(
            decide(&facts(State::Open, "boss", true), &ok),
            Err(Refusal::WrongState),
            "no closing before acting"
        );
        assert_eq!(decide(&facts(State::Closed, "boss", true), &ok), Err(Refusal::WrongState));
    }

    #[test]
    fn every_missing_field_is_named() {
        let step = Step::RecordAction { correction: " ", root_cause: "", action: "x" };
        assert_eq!(
            decide(&facts(State::Open, "owner", false), &step),
            Err(Refusal::Missing(vec!["correction", "root_cause"]))
        );
        let step = Step::Check { effective: true, text: "" };
        assert_eq!(decide(&facts(State::Acted, "boss", true), &step), Err(Refusal::Missing(vec!["effectiveness"])));
    }

    #[test]
    fn keys_round_trip() {
        for s in Source::ALL {
            assert_eq!(Source::from_key(s.key()), Some(s));
        }
        for s in [State::Open, State::Acted, State::Closed] {
            assert_eq!(State::from_key(s.key()), Some(s));
        }
    }
}
