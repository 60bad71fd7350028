//! Devices (6.7, 7.7, 8.1, 8.7): the self-attestation each custodian answers for their own
//! devices — a checklist of the `devices` register's yes/no fields, as data in
//! `data/device_attestation.json` (which items apply to which kind of device, and how often
//! it is due) — and whether a device row is compliant and attested within the period.
//!
//! Pure: the day is a parameter.

use jiff::civil::Date;
use serde::Deserialize;
use serde_json::{Map, Value};

/// One question of the checklist: a boolean field of the `devices` register.
#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    /// The register field it sets.
    pub field: String,
    /// Japanese question.
    pub question: String,
    /// English question.
    pub question_en: String,
    /// The kinds of device it applies to (none: every kind).
    #[serde(default)]
    pub kinds: Vec<String>,
}

/// The checklist and its period.
#[derive(Debug, Clone, Deserialize)]
pub struct Checklist {
    /// Days an attestation holds.
    pub period_days: i64,
    /// The questions.
    pub items: Vec<Item>,
}

/// The shipped checklist.
pub fn checklist() -> &'static Checklist {
    static C: std::sync::LazyLock<Checklist> = std::sync::LazyLock::new(|| {
        serde_json::from_str(include_str!("../data/device_attestation.json"))
            .unwrap_or(Checklist { period_days: 90, items: Vec::new() })
    });
    &C
}

/// The register's key (a fixed contract).
pub const REGISTER: &str = "devices";
/// The field naming the custodian.
pub const CUSTODIAN: &str = "custodian";
/// The field holding the last attestation day.
pub const ATTESTED_ON: &str = "attested_on";
/// The file field holding the screenshot.
pub const EVIDENCE: &str = "attestation_evidence";
/// The field holding the device's kind.
pub const KIND: &str = "kind";
/// The status field and the value of a device no longer in use.
pub const STATUS: (&str, &str) = ("status", "廃棄済");

impl Checklist {
    /// The questions that apply to a device of `kind`.
    pub fn items_for<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.items.iter().filter(move |i| i.kinds.is_empty() || i.kinds.iter().any(|k| k == kind))
    }

    /// The applicable questions a device row does not answer yes to (its gaps).
    pub fn gaps<'a>(&'a self, values: &'a Map<String, Value>) -> Vec<&'a Item> {
        let kind = values.get(KIND).and_then(Value::as_str).unwrap_or("");
        self.items_for(kind).filter(|i| values.get(&i.field).and_then(Value::as_bool) != Some(true)).collect()
    }

    /// Whether the row was attested within the period before `today`.
    pub fn attested(&self, values: &Map<String, Value>, today: Date) -> bool {
        values
            .get(ATTESTED_ON)
            .and_then(Value::as_str)
            .and_then(|d| d.parse::<Date>().ok())
            .is_some_and(|d| d <= today && (today - d).get_days() < i32::try_from(self.period_days).unwrap_or(90))
    }
}

/// Whether a device row is in use (not disposed of).
pub fn in_use(values: &Map<String, Value>) -> bool {
    values.get(STATUS.0).and_then(Value::as_str) != Some(STATUS.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_checklist_applies_by_kind_and_finds_gaps_and_stale_attestations() {
        let c = checklist();
        assert!(c.items.len() >= 5 && c.period_days > 0);
        let pc: Vec<&str> = c.items_for("ノート PC").map(|i| i.field.as_str()).collect();
        assert!(pc.contains(&"antivirus") && !pc.contains(&"remote_lock"));
        let phone: Vec<&str> = c.items_for("スマートフォン").map(|i| i.field.as_str()).collect();
        assert!(phone.contains(&"remote_lock") && !phone.contains(&"antivirus"));
        let row = serde_json::json!({"kind": "スマートフォン", "encryption": true, "screen_lock": true,
            "auto_update": true, "remote_lock": false, "attested_on": "2026-05-01"});
        let row = row.as_object().unwrap();
        let gaps: Vec<&str> = c.gaps(row).iter().map(|i| i.field.as_str()).collect();
        assert_eq!(gaps, ["remote_lock"]);
        assert!(c.attested(row, date(2026, 6, 1)));
        assert!(!c.attested(row, date(2026, 9, 1)), "older than the period");
        assert!(!c.attested(row, date(2026, 4, 1)), "a day in the future is no attestation");
        assert!(in_use(row));
    }
}
