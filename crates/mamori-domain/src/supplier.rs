//! Suppliers, cloud services and outsourcing (5.19–5.23, 8.21, 8.30) as data: the kinds of
//! supplier with the recurring duties each kind brings (5.22 monthly review of the service, 5.23
//! yearly check of a cloud service, 8.30 progress reports), the requirements an organisation
//! confirms per supplier (5.20), and the rules of a requirement's confirmation — all in
//! `data/suppliers.json`.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// A recurring duty a kind of supplier brings; `{name}` in the title is the supplier's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyTemplate {
    /// Title with `{name}`.
    pub title: String,
    /// `monthly` or `annual`.
    pub frequency: String,
    /// The Annex A control.
    pub control: String,
}

impl DutyTemplate {
    /// The duty's title for supplier `name`.
    pub fn title_for(&self, name: &str) -> String {
        self.title.replace("{name}", name)
    }
}

/// A kind of supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kind {
    /// Stable key (`cloud_service` …).
    pub key: String,
    /// The register's choice (Japanese).
    pub label: String,
    /// The duties it brings.
    pub duties: Vec<DutyTemplate>,
}

/// A requirement confirmed per supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// Stable key.
    pub key: String,
    /// What is confirmed (Japanese).
    pub label: String,
}

/// The catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    /// Kinds of supplier.
    pub kinds: Vec<Kind>,
    /// Requirements confirmed per supplier.
    pub requirements: Vec<Requirement>,
    /// Controls whose draft notes wait for every supplier's requirements (「業者ごとに確認後」).
    pub note_controls: Vec<String>,
    /// Controls whose draft notes naming a supplier wait for that supplier.
    pub link_controls: Vec<String>,
}

impl Catalogue {
    /// A kind by key.
    pub fn kind(&self, key: &str) -> Option<&Kind> {
        self.kinds.iter().find(|k| k.key == key)
    }

    /// A kind by the register's Japanese choice.
    pub fn kind_by_label(&self, label: &str) -> Option<&Kind> {
        self.kinds.iter().find(|k| k.label == label)
    }
}

/// The catalogue shipped in `data/suppliers.json`.
pub fn catalogue() -> &'static Catalogue {
    static C: OnceLock<Catalogue> = OnceLock::new();
    C.get_or_init(|| {
        serde_json::from_str(include_str!("../data/suppliers.json")).unwrap_or(Catalogue {
            kinds: Vec::new(),
            requirements: Vec::new(),
            note_controls: Vec::new(),
            link_controls: Vec::new(),
        })
    })
}

/// The state of one requirement for one supplier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReqState {
    /// Not confirmed yet.
    Unconfirmed,
    /// Confirmed, with its evidence (a contract clause, a certificate, an answer).
    Confirmed,
    /// Does not apply to this supplier, with the reason.
    NotApplicable,
    /// Checked and not met: a follow-up is needed.
    Deviation,
}

impl ReqState {
    /// Every state.
    pub const ALL: [ReqState; 4] =
        [ReqState::Unconfirmed, ReqState::Confirmed, ReqState::NotApplicable, ReqState::Deviation];

    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            ReqState::Unconfirmed => "unconfirmed",
            ReqState::Confirmed => "confirmed",
            ReqState::NotApplicable => "not_applicable",
            ReqState::Deviation => "deviation",
        }
    }

    /// Parses a key.
    pub fn from_key(k: &str) -> Option<ReqState> {
        ReqState::ALL.into_iter().find(|s| s.key() == k)
    }

    /// Whether the requirement is settled (nothing left to do for it).
    pub fn settled(self) -> bool {
        matches!(self, ReqState::Confirmed | ReqState::NotApplicable)
    }
}

/// Why a confirmation is refused: the field that is missing.
pub fn check_confirmation(state: ReqState, evidence: &str) -> Result<(), &'static str> {
    if state != ReqState::Unconfirmed && evidence.trim().is_empty() {
        return Err("evidence");
    }
    Ok(())
}

/// Whether every requirement of a supplier is settled (`states` has one entry per requirement
/// of the catalogue; a missing one is unconfirmed).
pub fn all_settled(states: &[ReqState], requirements: usize) -> bool {
    states.len() >= requirements && states.iter().all(|s| s.settled())
}

/// The word that marks a supplier's re-evaluation duty in its title (every kind of
/// `data/suppliers.json` brings one annual duty 「{name} の再評価（…）」).
pub const REEVALUATION_MARK: &str = "再評価";

/// Whether a supplier duty is its annual re-evaluation (by the catalogue's title).
pub fn is_reevaluation(title: &str, frequency: Option<&str>) -> bool {
    frequency == Some("annual") && title.contains(REEVALUATION_MARK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_loads_with_its_kinds_and_requirements() {
        let c = catalogue();
        assert_eq!(c.kinds.len(), 7);
        assert!(c.requirements.len() >= 7);
        let cloud = c.kind("cloud_service").unwrap();
        assert!(cloud.duties.iter().any(|d| d.frequency == "monthly"));
        assert!(cloud.duties.iter().any(|d| d.frequency == "annual"));
        assert_eq!(c.kind_by_label("通信回線").unwrap().key, "network_line");
        for k in &c.kinds {
            assert!(!k.duties.is_empty(), "{}", k.key);
            for d in &k.duties {
                assert!(d.title.contains("{name}") && ["monthly", "annual"].contains(&d.frequency.as_str()));
            }
        }
        assert_eq!(cloud.duties[0].title_for("Microsoft"), "Microsoft のサービス稼働状況とお知らせの確認");
    }

    #[test]
    fn a_confirmation_needs_its_evidence_and_settles_only_when_met() {
        assert_eq!(check_confirmation(ReqState::Confirmed, " "), Err("evidence"));
        assert_eq!(check_confirmation(ReqState::NotApplicable, ""), Err("evidence"));
        assert_eq!(check_confirmation(ReqState::Confirmed, "利用規約 第 12 条"), Ok(()));
        assert_eq!(check_confirmation(ReqState::Unconfirmed, ""), Ok(()));
        assert!(all_settled(&[ReqState::Confirmed, ReqState::NotApplicable], 2));
        assert!(!all_settled(&[ReqState::Confirmed, ReqState::Deviation], 2));
        assert!(!all_settled(&[ReqState::Confirmed], 2), "a requirement never set is unconfirmed");
    }

    #[test]
    fn every_kind_brings_exactly_one_reevaluation() {
        for k in &catalogue().kinds {
            let n = k.duties.iter().filter(|d| is_reevaluation(&d.title_for("X"), Some(d.frequency.as_str()))).count();
            assert_eq!(n, 1, "{}", k.key);
        }
        assert!(!is_reevaluation("X の再評価", Some("monthly")));
    }
}
