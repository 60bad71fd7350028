//! What a register template says about duties, as data beside its fields (`duties` in
//! `data/register_templates.json`):
//!
//! - `records`: the regulation's duties of a control (whose sentence contains one of the
//!   words, when given) are completed by a row of this register (evidence `record`), also when
//!   the sentence does not name the register in 【…】 (8.13: the monthly backup is a row of
//!   バックアップ記録).
//! - `offer`: recurring duties the register brings, offered (unconfirmed) like the
//!   regulation's own (the yearly review of key holders, the fire equipment inspection).
//! - `due_date`: a date field of the rows that is itself a due date (a certificate's expiry):
//!   each live row whose date is within its lead time is a due occurrence of a duty generated
//!   for that row, so reminders, the heat map and control health see it.
//!
//! Pure: no IO; the day is a parameter.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The duty data of a register template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegisterDuties {
    /// Regulation duties this register's rows complete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<RecordRule>,
    /// Recurring duties the register brings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offer: Vec<DutyTemplate>,
    /// A date field of the rows that is a due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<DueDateRule>,
}

/// The regulation's duties of `control` (whose source text contains one of `contains`, when
/// any is given) are kept as rows of the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordRule {
    /// Annex A control id.
    pub control: String,
    /// Words of the sentence (any of them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contains: Vec<String>,
}

/// A recurring duty a register brings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DutyTemplate {
    /// Stable key within the register (the duty's source is `register:<register>:<key>`).
    pub key: String,
    /// Japanese title.
    pub title: String,
    /// English title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    /// Annex A control id.
    pub control: String,
    /// `monthly`, `quarterly`, `semiannual` or `annual`.
    pub frequency: String,
    /// Owner role key.
    pub owner_role: String,
}

/// A date field that is a due date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DueDateRule {
    /// The date field.
    pub field: String,
    /// An integer field holding the row's lead time in days (none or empty: `lead_days`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_field: Option<String>,
    /// The lead time when the row gives none.
    pub lead_days: i64,
    /// Title of the generated duty, followed by the row's first field (「証明書の更新: example.jp」).
    pub title: String,
    /// Annex A control id.
    pub control: String,
    /// Owner role key.
    pub owner_role: String,
    /// A choice field and the values that end the rule for a row (a certificate 廃止).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_field: Option<String>,
    /// Values of `ended_field` for which the row brings no due date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ended_values: Vec<String>,
}

/// The longest lead time a row may ask for (the duty engine's reminder range).
pub const MAX_LEAD_DAYS: i64 = 90;

/// Whether a regulation sentence of `control` is recorded by a register with `rule`.
pub fn records(rule: &RecordRule, control: &str, source: &str) -> bool {
    rule.control == control && (rule.contains.is_empty() || rule.contains.iter().any(|w| source.contains(w.as_str())))
}

/// The due date and lead time a row brings under `rule`, when it is due to appear on `today`
/// (its date minus its lead time is not after `today`); `None` for a row without a date, an
/// ended row, or one whose date is still further off than its lead time.
pub fn row_due(rule: &DueDateRule, values: &Map<String, Value>, today: Date) -> Option<(Date, i64)> {
    if let Some(f) = &rule.ended_field
        && values.get(f).and_then(Value::as_str).is_some_and(|v| rule.ended_values.iter().any(|e| e == v))
    {
        return None;
    }
    let due: Date = values.get(&rule.field)?.as_str()?.parse().ok()?;
    let lead = rule
        .lead_field
        .as_ref()
        .and_then(|f| values.get(f))
        .and_then(Value::as_i64)
        .unwrap_or(rule.lead_days)
        .clamp(0, MAX_LEAD_DAYS);
    let appears = due.checked_sub(jiff::Span::new().days(lead)).ok()?;
    (appears <= today).then_some((due, lead))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn rule() -> DueDateRule {
        DueDateRule {
            field: "expires_on".into(),
            lead_field: Some("lead_days".into()),
            lead_days: 30,
            title: "証明書の更新".into(),
            control: "8.24".into(),
            owner_role: "system_admin".into(),
            ended_field: Some("status".into()),
            ended_values: vec!["廃止".into()],
        }
    }

    fn row(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn a_date_within_its_lead_time_is_due_and_one_far_off_is_not() {
        let today = date(2026, 7, 1);
        let soon = row(serde_json::json!({"expires_on": "2026-07-20"}));
        assert_eq!(row_due(&rule(), &soon, today), Some((date(2026, 7, 20), 30)));
        let far = row(serde_json::json!({"expires_on": "2026-12-31"}));
        assert_eq!(row_due(&rule(), &far, today), None);
        // The row's own lead time wins, capped at 90 days.
        let long = row(serde_json::json!({"expires_on": "2026-09-01", "lead_days": 400}));
        assert_eq!(row_due(&rule(), &long, today), Some((date(2026, 9, 1), 90)));
        let short = row(serde_json::json!({"expires_on": "2026-07-20", "lead_days": 7}));
        assert_eq!(row_due(&rule(), &short, today), None);
        // Expired and not renewed: still due (overdue).
        assert!(row_due(&rule(), &row(serde_json::json!({"expires_on": "2026-06-01"})), today).is_some());
        let ended = row(serde_json::json!({"expires_on": "2026-07-20", "status": "廃止"}));
        assert_eq!(row_due(&rule(), &ended, today), None);
        assert_eq!(row_due(&rule(), &row(serde_json::json!({})), today), None);
    }

    #[test]
    fn a_record_rule_matches_its_control_and_words() {
        let r = RecordRule { control: "8.13".into(), contains: vec!["バックアップ".into()] };
        assert!(records(&r, "8.13", "経営責任者により 1 回/月にバックアップする。"));
        assert!(!records(&r, "8.13", "1 回/月、存在することを検査する。"));
        assert!(!records(&r, "8.15", "バックアップ"));
        let any = RecordRule { control: "8.13".into(), contains: vec![] };
        assert!(records(&any, "8.13", "何でも"));
    }
}
