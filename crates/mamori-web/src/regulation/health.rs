//! Control health as people read it: the state's label and each reason as a sentence of the
//! catalogue (`health-<state>`, `health-reason-<key>`), shared by the control page, the SoA and
//! the dashboard.

use crate::i18n::Tr;
use mamori_domain::health::{Health, HealthState};

/// The state's label (良好 / 要注意 / 不備 / 未評価).
pub fn label(t: &Tr, state: HealthState) -> String {
    t.t(&format!("health-{}", state.key().replace('_', "-")))
}

/// The badge class of a state.
pub fn badge(state: HealthState) -> &'static str {
    match state {
        HealthState::Good => "ok",
        HealthState::NotEvaluated => "",
        HealthState::Attention => "warn",
        HealthState::Deficient => "danger",
    }
}

/// Each reason as a sentence.
pub fn reasons(t: &Tr, h: &Health) -> Vec<String> {
    h.reasons
        .iter()
        .map(|r| {
            t.tnums(&format!("health-reason-{}", r.key.replace('_', "-")), r.numbers.iter().map(|(k, v)| (*k, *v)))
        })
        .collect()
}

/// What a page shows of a control's health: (label, badge class, reasons).
#[derive(Debug, Clone, Default)]
pub struct HealthView {
    /// 良好 / 要注意 / 不備 / 未評価.
    pub label: String,
    /// Badge class.
    pub badge: &'static str,
    /// Reasons, one sentence each.
    pub reasons: Vec<String>,
}

/// The view of a control's health.
pub fn view(t: &Tr, h: &Health) -> HealthView {
    HealthView { label: label(t, h.state), badge: badge(h.state), reasons: reasons(t, h) }
}

/// The health of every control as of `today`, or none for a reader who may not read the
/// regulation (the SoA is also read with `documents.view` alone).
pub async fn all_if_permitted(
    db: &mamori_app::Db,
    actor: &mamori_app::Actor,
    today: jiff::civil::Date,
) -> Result<std::collections::BTreeMap<String, Health>, mamori_app::AppError> {
    match mamori_app::health::all(db, actor, today).await {
        Err(mamori_app::AppError::Forbidden) => Ok(std::collections::BTreeMap::new()),
        other => other,
    }
}
