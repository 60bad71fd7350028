//! The Statement of Applicability (適用宣言書): one row per Annex A control, derived from the
//! organisation's regulation, with reasons for inclusion and exclusion and the implementation
//! status. Rows without a reason block approval.

use serde::{Deserialize, Serialize};

/// Why a control is included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InclusionReason {
    /// リスク対応.
    RiskTreatment,
    /// 法令・契約.
    LegalContractual,
    /// ベストプラクティス.
    BestPractice,
    /// 事業上の要求.
    BusinessRequirement,
}

impl InclusionReason {
    /// Every reason.
    pub const ALL: [InclusionReason; 4] = [
        InclusionReason::RiskTreatment,
        InclusionReason::LegalContractual,
        InclusionReason::BestPractice,
        InclusionReason::BusinessRequirement,
    ];

    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            InclusionReason::RiskTreatment => "risk_treatment",
            InclusionReason::LegalContractual => "legal_contractual",
            InclusionReason::BestPractice => "best_practice",
            InclusionReason::BusinessRequirement => "business_requirement",
        }
    }

    /// The label used in the SoA and its exports (Japanese, as auditors read it).
    pub fn label_ja(self) -> &'static str {
        match self {
            InclusionReason::RiskTreatment => "リスク対応",
            InclusionReason::LegalContractual => "法令・契約",
            InclusionReason::BestPractice => "ベストプラクティス",
            InclusionReason::BusinessRequirement => "事業上の要求",
        }
    }

    /// Parses a key.
    pub fn from_key(k: &str) -> Option<InclusionReason> {
        InclusionReason::ALL.into_iter().find(|r| r.key() == k)
    }
}

/// 実施状況.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImplStatus {
    /// 実施.
    Implemented,
    /// 一部実施.
    Partial,
    /// 未実施.
    NotImplemented,
    /// 未評価: nobody has judged it yet (a new SoA's applicable rows start here).
    NotEvaluated,
}

impl ImplStatus {
    /// Every status.
    pub const ALL: [ImplStatus; 4] =
        [ImplStatus::NotEvaluated, ImplStatus::Implemented, ImplStatus::Partial, ImplStatus::NotImplemented];

    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            ImplStatus::Implemented => "implemented",
            ImplStatus::Partial => "partial",
            ImplStatus::NotImplemented => "not_implemented",
            ImplStatus::NotEvaluated => "not_evaluated",
        }
    }

    /// Japanese label.
    pub fn label_ja(self) -> &'static str {
        match self {
            ImplStatus::Implemented => "実施",
            ImplStatus::Partial => "一部実施",
            ImplStatus::NotImplemented => "未実施",
            ImplStatus::NotEvaluated => "未評価",
        }
    }

    /// Parses a key.
    pub fn from_key(k: &str) -> Option<ImplStatus> {
        ImplStatus::ALL.into_iter().find(|s| s.key() == k)
    }
}

/// One SoA row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoaRow {
    /// 管理策番号.
    pub id: String,
    /// 管理策名.
    pub title: String,
    /// 適用 (○/×).
    pub applicable: bool,
    /// Inclusion reasons chosen (empty when excluded).
    pub reasons: Vec<InclusionReason>,
    /// Free text: the exclusion reason, or words added to the inclusion reasons.
    pub reason_text: String,
    /// 実施状況.
    pub status: ImplStatus,
    /// 関連文書.
    pub documents: Vec<String>,
    /// Records named by the regulation for this control.
    pub records: Vec<String>,
    /// Recurring duties (frequency: what).
    pub duties: Vec<String>,
    /// Approvals required by the regulation.
    pub approvals: Vec<String>,
}

impl SoaRow {
    /// The reason as shown in the SoA: chosen inclusion reasons and free text.
    pub fn reason_display(&self) -> String {
        let mut parts: Vec<String> = self.reasons.iter().map(|r| r.label_ja().to_string()).collect();
        if !self.reason_text.trim().is_empty() {
            parts.push(self.reason_text.trim().to_string());
        }
        parts.join("、")
    }

    /// Whether the row has the reason the SoA needs.
    pub fn has_reason(&self) -> bool {
        if self.applicable {
            !self.reasons.is_empty() || !self.reason_text.trim().is_empty()
        } else {
            !self.reason_text.trim().is_empty()
        }
    }
}

/// What the regulation says about one control (input to [`derive`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegulationFacts {
    /// Id.
    pub id: String,
    /// Title as the organisation wrote it.
    pub title: String,
    /// Applicable.
    pub applicable: bool,
    /// Exclusion reason from the regulation.
    pub exclusion_reason: Option<String>,
    /// Records.
    pub records: Vec<String>,
    /// Duties (frequency: what).
    pub duties: Vec<String>,
    /// Approvals.
    pub approvals: Vec<String>,
    /// Documents named (records that are documents, e.g. 情報セキュリティ基本方針).
    pub documents: Vec<String>,
}

/// Derives the SoA rows from the regulation, keeping the choices of `previous` (the last SoA)
/// for controls whose applicability did not change. Exclusion reasons are prefilled from the
/// regulation.
pub fn derive(facts: &[RegulationFacts], previous: &[SoaRow]) -> Vec<SoaRow> {
    facts
        .iter()
        .map(|f| {
            let prev = previous.iter().find(|p| p.id == f.id && p.applicable == f.applicable);
            SoaRow {
                id: f.id.clone(),
                title: f.title.clone(),
                applicable: f.applicable,
                reasons: if f.applicable { prev.map(|p| p.reasons.clone()).unwrap_or_default() } else { Vec::new() },
                reason_text: match prev {
                    Some(p) if !p.reason_text.trim().is_empty() => p.reason_text.clone(),
                    _ if !f.applicable => f.exclusion_reason.clone().unwrap_or_default(),
                    _ => String::new(),
                },
                status: prev.map(|p| p.status).unwrap_or(if f.applicable {
                    ImplStatus::NotEvaluated
                } else {
                    ImplStatus::NotImplemented
                }),
                documents: prev
                    .map(|p| p.documents.clone())
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| f.documents.clone()),
                records: f.records.clone(),
                duties: f.duties.clone(),
                approvals: f.approvals.clone(),
            }
        })
        .collect()
}

/// Controls whose reason is missing (these block approval).
pub fn missing_reasons(rows: &[SoaRow]) -> Vec<String> {
    rows.iter().filter(|r| !r.has_reason()).map(|r| r.id.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(id: &str, applicable: bool, reason: Option<&str>) -> RegulationFacts {
        RegulationFacts {
            id: id.into(),
            title: format!("t{id}"),
            applicable,
            exclusion_reason: reason.map(str::to_string),
            records: vec![],
            duties: vec![],
            approvals: vec![],
            documents: vec![],
        }
    }

    #[test]
    fn exclusion_reasons_are_prefilled_and_inclusions_need_one() {
        let rows = derive(&[fact("5.1", true, None), fact("8.17", false, Some("自動同期のため"))], &[]);
        assert_eq!(rows[1].reason_text, "自動同期のため");
        assert_eq!(rows[1].reason_display(), "自動同期のため");
        assert_eq!(missing_reasons(&rows), ["5.1"]);
    }

    #[test]
    fn previous_choices_survive_a_new_regulation_version() {
        let mut prev = derive(&[fact("5.1", true, None)], &[]);
        prev[0].reasons = vec![InclusionReason::RiskTreatment, InclusionReason::LegalContractual];
        prev[0].reason_text = "顧客契約".into();
        prev[0].status = ImplStatus::Partial;
        let rows = derive(&[fact("5.1", true, None)], &prev);
        assert_eq!(rows[0].reason_display(), "リスク対応、法令・契約、顧客契約");
        assert_eq!(rows[0].status, ImplStatus::Partial);
        assert!(missing_reasons(&rows).is_empty());
        // A control that became excluded does not keep inclusion reasons.
        let rows = derive(&[fact("5.1", false, Some("廃止"))], &prev);
        assert!(rows[0].reasons.is_empty());
        assert_eq!(rows[0].reason_text, "廃止");
    }

    #[test]
    fn a_new_soa_starts_not_evaluated_and_keeps_stored_choices() {
        let rows = derive(&[fact("5.1", true, None), fact("8.17", false, Some("対象外"))], &[]);
        assert_eq!(rows[0].status, ImplStatus::NotEvaluated);
        assert_eq!(rows[1].status, ImplStatus::NotImplemented);
        let mut prev = rows.clone();
        prev[0].status = ImplStatus::Implemented;
        assert_eq!(derive(&[fact("5.1", true, None)], &prev)[0].status, ImplStatus::Implemented);
    }

    #[test]
    fn excluded_without_reason_blocks() {
        let rows = derive(&[fact("8.17", false, None)], &[]);
        assert_eq!(missing_reasons(&rows), ["8.17"]);
    }
}
