//! Control health (ISO/IEC 27001 9.1; the SoA's 実施状況 as the records show it): for one
//! applicable control, `good`, `attention`, `deficient` or `not_evaluated`, with the reasons,
//! computed from facts the application gathers for a day. No IO, no clock.
//!
//! The rules, worst first:
//!
//! * **deficient** (不備): an occurrence of one of its duties this fiscal year is past due and
//!   not done (`missed`); or, for 8.15 once Microsoft 365 logs have been imported at all, fewer
//!   than half of the last [`LOG_WINDOW_DAYS`] days are covered by imported logs.
//! * **attention** (要注意): an occurrence was done late; an open item (draft note or undecided
//!   interval) of the control is unresolved; a nonconformity naming it is not closed; every occurrence due so far was skipped; for 8.15,
//!   fewer than 90 % of the window's days are covered or the last import is more than
//!   [`IMPORT_STALE_DAYS`] days old.
//! * **good** (良好): none of the above and some evidence: an occurrence done on time, or (8.15)
//!   logs covering the window.
//! * **not_evaluated** (未評価): none of the above and no evidence — no duty at all, or nothing
//!   due yet this fiscal year, and no log coverage. A control that is not applicable is not
//!   evaluated either.
//!
//! Reasons are keys with numbers; the web layer renders them through the catalogue
//! (`health-reason-<key>`).

use serde::Serialize;
use std::collections::BTreeMap;

/// The window of log coverage looked at for 8.15, in days ending today.
pub const LOG_WINDOW_DAYS: i64 = 90;
/// An import older than this many days makes 8.15 need attention.
pub const IMPORT_STALE_DAYS: i64 = 35;

/// The computed state of a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    /// 良好.
    Good,
    /// 未評価.
    NotEvaluated,
    /// 要注意.
    Attention,
    /// 不備.
    Deficient,
}

impl HealthState {
    /// Stored and API key.
    pub fn key(self) -> &'static str {
        match self {
            HealthState::Good => "good",
            HealthState::NotEvaluated => "not_evaluated",
            HealthState::Attention => "attention",
            HealthState::Deficient => "deficient",
        }
    }

    /// Whether the dashboard lists the control (attention or deficient).
    pub fn needs_attention(self) -> bool {
        matches!(self, HealthState::Attention | HealthState::Deficient)
    }
}

/// Microsoft 365 log coverage (for 8.15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogCoverage {
    /// Days of the last [`LOG_WINDOW_DAYS`] days (ending today) with imported log records.
    pub days_covered: i64,
    /// Days since the last import (`None`: never imported).
    pub days_since_import: Option<i64>,
}

/// What the application knows about one control on a day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControlFacts {
    /// Applicable in the regulation.
    pub applicable: bool,
    /// Scheduled duties of the control.
    pub duties: i64,
    /// Occurrences this fiscal year done on or before their due date.
    pub on_time: i64,
    /// Occurrences this fiscal year done after their due date.
    pub late: i64,
    /// Occurrences this fiscal year past due and not done.
    pub missed: i64,
    /// Occurrences this fiscal year skipped with a reason.
    pub skipped: i64,
    /// Unresolved open items (draft notes, undecided intervals) of the control.
    pub open_items: i64,
    /// Nonconformities naming the control whose corrective action is not closed (10.2).
    pub nonconformities: i64,
    /// Log coverage, for the controls it concerns (8.15).
    pub logs: Option<LogCoverage>,
}

/// One reason: a key and its numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// Key (`missed`, `late`, …); the catalogue's `health-reason-<key>`.
    pub key: &'static str,
    /// Named numbers the sentence shows.
    pub numbers: BTreeMap<&'static str, i64>,
}

fn reason(key: &'static str, numbers: &[(&'static str, i64)]) -> Reason {
    Reason { key, numbers: numbers.iter().copied().collect() }
}

/// A control's health: its state and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    /// State.
    pub state: HealthState,
    /// Reasons, the worst first.
    pub reasons: Vec<Reason>,
}

/// Evaluates one control (see the module's rules).
pub fn evaluate(f: &ControlFacts) -> Health {
    if !f.applicable {
        return Health { state: HealthState::NotEvaluated, reasons: vec![reason("not_applicable", &[])] };
    }
    let mut deficient = Vec::new();
    let mut attention = Vec::new();
    let mut good = Vec::new();
    if f.missed > 0 {
        deficient.push(reason("missed", &[("count", f.missed)]));
    }
    if f.late > 0 {
        attention.push(reason("late", &[("count", f.late)]));
    }
    if f.skipped > 0 && f.on_time + f.late + f.missed == 0 {
        attention.push(reason("all_skipped", &[("count", f.skipped)]));
    }
    if f.open_items > 0 {
        attention.push(reason("open_items", &[("count", f.open_items)]));
    }
    if f.nonconformities > 0 {
        attention.push(reason("nonconformities", &[("count", f.nonconformities)]));
    }
    if f.on_time > 0 {
        good.push(reason("on_time", &[("count", f.on_time)]));
    }
    if let Some(LogCoverage { days_covered, days_since_import: Some(since) }) = f.logs {
        let numbers = [("days", days_covered), ("window", LOG_WINDOW_DAYS)];
        if days_covered * 2 < LOG_WINDOW_DAYS {
            deficient.push(reason("log_coverage_low", &numbers));
        } else if days_covered * 10 < LOG_WINDOW_DAYS * 9 {
            attention.push(reason("log_coverage_gaps", &numbers));
        } else {
            good.push(reason("log_coverage", &numbers));
        }
        if since > IMPORT_STALE_DAYS {
            attention.push(reason("import_stale", &[("days", since)]));
        }
    }
    let (state, reasons) = if !deficient.is_empty() {
        deficient.extend(attention);
        (HealthState::Deficient, deficient)
    } else if !attention.is_empty() {
        (HealthState::Attention, attention)
    } else if !good.is_empty() {
        (HealthState::Good, good)
    } else if f.duties == 0 {
        (HealthState::NotEvaluated, vec![reason("no_duties", &[])])
    } else {
        (HealthState::NotEvaluated, vec![reason("nothing_due", &[("duties", f.duties)])])
    };
    Health { state, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> ControlFacts {
        ControlFacts { applicable: true, duties: 1, ..ControlFacts::default() }
    }

    fn keys(h: &Health) -> Vec<&'static str> {
        h.reasons.iter().map(|r| r.key).collect()
    }

    #[test]
    fn missed_is_deficient_and_keeps_the_lesser_reasons() {
        let h = evaluate(&ControlFacts { on_time: 3, late: 1, missed: 2, open_items: 1, ..facts() });
        assert_eq!(h.state, HealthState::Deficient);
        assert_eq!(keys(&h), ["missed", "late", "open_items"]);
        assert_eq!(h.reasons[0].numbers["count"], 2);
    }

    #[test]
    fn late_or_an_open_item_needs_attention() {
        let h = evaluate(&ControlFacts { on_time: 3, late: 1, ..facts() });
        assert_eq!((h.state, keys(&h)), (HealthState::Attention, vec!["late"]));
        let h = evaluate(&ControlFacts { on_time: 3, open_items: 2, ..facts() });
        assert_eq!((h.state, keys(&h)), (HealthState::Attention, vec!["open_items"]));
        assert_eq!(h.reasons[0].numbers["count"], 2);
        let h = evaluate(&ControlFacts { on_time: 3, nonconformities: 1, ..facts() });
        assert_eq!((h.state, keys(&h)), (HealthState::Attention, vec!["nonconformities"]));
        // An open item alone is attention even without any duty.
        let h = evaluate(&ControlFacts { duties: 0, open_items: 1, ..facts() });
        assert_eq!(h.state, HealthState::Attention);
    }

    #[test]
    fn on_time_is_good_and_no_evidence_is_not_evaluated() {
        let h = evaluate(&ControlFacts { on_time: 4, skipped: 1, ..facts() });
        assert_eq!((h.state, keys(&h)), (HealthState::Good, vec!["on_time"]));
        let h = evaluate(&ControlFacts { duties: 0, ..facts() });
        assert_eq!((h.state, keys(&h)), (HealthState::NotEvaluated, vec!["no_duties"]));
        let h = evaluate(&ControlFacts { duties: 2, ..facts() });
        assert_eq!((h.state, keys(&h)), (HealthState::NotEvaluated, vec!["nothing_due"]));
        let h = evaluate(&ControlFacts { skipped: 2, ..facts() });
        assert_eq!((h.state, keys(&h)), (HealthState::Attention, vec!["all_skipped"]));
        let h = evaluate(&ControlFacts { applicable: false, missed: 3, ..facts() });
        assert_eq!((h.state, keys(&h)), (HealthState::NotEvaluated, vec!["not_applicable"]));
    }

    #[test]
    fn log_coverage_of_8_15() {
        let logs = |days_covered, since| Some(LogCoverage { days_covered, days_since_import: since });
        let h = evaluate(&ControlFacts { duties: 0, logs: logs(90, Some(3)), ..facts() });
        assert_eq!((h.state, keys(&h)), (HealthState::Good, vec!["log_coverage"]));
        let h = evaluate(&ControlFacts { duties: 0, logs: logs(80, Some(3)), ..facts() });
        assert_eq!((h.state, keys(&h)), (HealthState::Attention, vec!["log_coverage_gaps"]));
        assert_eq!(h.reasons[0].numbers["days"], 80);
        let h = evaluate(&ControlFacts { duties: 0, logs: logs(81, Some(40)), ..facts() });
        assert_eq!((h.state, keys(&h)), (HealthState::Attention, vec!["import_stale"]));
        let h = evaluate(&ControlFacts { duties: 0, logs: logs(44, Some(60)), ..facts() });
        assert_eq!((h.state, keys(&h)), (HealthState::Deficient, vec!["log_coverage_low", "import_stale"]));
        let h = evaluate(&ControlFacts { duties: 0, logs: logs(45, Some(1)), ..facts() });
        assert_eq!(h.state, HealthState::Attention);
        // Never imported: not evidence either way.
        let h = evaluate(&ControlFacts { duties: 0, logs: logs(0, None), ..facts() });
        assert_eq!(h.state, HealthState::NotEvaluated);
    }
}
