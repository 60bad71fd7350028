//! Information-security objectives (ISO/IEC 27001 6.2) and their measurements (9.1).
//!
//! An objective has a target (a number with a unit) and a direction: the target is met when
//! the latest measurement is at least (`≥`) or at most (`≤`) the target. Values are kept as
//! thousandths in an `i64` (exact on both database engines): `95.5` is `95_500`.
//!
//! Some measures are computed from the system's own records:
//! - `duty_completion_rate`: of the duty occurrences of the current fiscal year that were due
//!   by today (done on time, done late or missed; skipped ones are left out), the share done on
//!   time, in percent.
//! - `incidents_closed_in_time`: of the incidents reported in the current fiscal year whose
//!   time limit ([`INCIDENT_CLOSE_DAYS`] days after the report) has passed or that are closed,
//!   the share closed within the limit, in percent.
//!
//! Neither is defined while nothing was due: the measurement is then not recorded.

use crate::schedule::OccurrenceState;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The days an incident may stay open and still count as closed in time.
pub const INCIDENT_CLOSE_DAYS: i32 = 30;

/// The largest value accepted (absolute, in units): a trillion.
const MAX_UNITS: i64 = 1_000_000_000_000;

/// Which side of the target meets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Met when the value is at least the target (≥).
    AtLeast,
    /// Met when the value is at most the target (≤).
    AtMost,
}

impl Direction {
    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            Direction::AtLeast => "at_least",
            Direction::AtMost => "at_most",
        }
    }

    /// Parses a key.
    pub fn from_key(k: &str) -> Option<Direction> {
        [Direction::AtLeast, Direction::AtMost].into_iter().find(|d| d.key() == k)
    }

    /// The sign people read (≥, ≤).
    pub fn symbol(self) -> &'static str {
        match self {
            Direction::AtLeast => "≥",
            Direction::AtMost => "≤",
        }
    }
}

/// A measure the system computes from its own records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Duties of the current fiscal year done on time ÷ due so far (%).
    DutyCompletionRate,
    /// Incidents closed within [`INCIDENT_CLOSE_DAYS`] days ÷ those whose limit passed or that
    /// are closed (%).
    IncidentsClosedInTime,
}

impl Metric {
    /// Every computed measure.
    pub const ALL: [Metric; 2] = [Metric::DutyCompletionRate, Metric::IncidentsClosedInTime];

    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            Metric::DutyCompletionRate => "duty_completion_rate",
            Metric::IncidentsClosedInTime => "incidents_closed_in_time",
        }
    }

    /// Parses a key.
    pub fn from_key(k: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.key() == k)
    }
}

/// Whether an objective is met, as of its latest measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The latest measurement meets the target.
    Met,
    /// It does not.
    NotMet,
    /// Nothing measured yet.
    NotMeasured,
}

impl Status {
    /// Stored / API key.
    pub fn key(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not_met",
            Status::NotMeasured => "not_measured",
        }
    }
}

/// Whether `value` meets `target` in `direction` (both in thousandths).
pub fn is_met(direction: Direction, target: i64, value: i64) -> bool {
    match direction {
        Direction::AtLeast => value >= target,
        Direction::AtMost => value <= target,
    }
}

/// The status of an objective given its latest measurement, if any.
pub fn status(direction: Direction, target: i64, latest: Option<i64>) -> Status {
    match latest {
        None => Status::NotMeasured,
        Some(v) if is_met(direction, target, v) => Status::Met,
        Some(_) => Status::NotMet,
    }
}

/// Parses a number as people type it (`95`, `95.5`, `-0.25`, `１２`, `1,000`) into thousandths;
/// at most three decimals and a trillion in size. `None` for anything else.
pub fn parse_milli(s: &str) -> Option<i64> {
    let ascii: String = s
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c),
            '．' => '.',
            '－' | '−' => '-',
            _ => c,
        })
        .collect();
    let (neg, digits) = match ascii.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, ascii.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || int.len() > 13 || frac.len() > 3 {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let units: i64 = int.parse().ok()?;
    if units > MAX_UNITS {
        return None;
    }
    let frac_milli: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<3}").parse().ok()? };
    let v = units * 1000 + frac_milli;
    Some(if neg { -v } else { v })
}

/// Formats thousandths for people: `95500` → `95.5`, `95000` → `95`.
pub fn format_milli(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let (units, frac) = (a / 1000, a % 1000);
    if frac == 0 {
        format!("{sign}{units}")
    } else {
        let f = format!("{frac:03}");
        format!("{sign}{units}.{}", f.trim_end_matches('0'))
    }
}

/// `part / whole` in percent, as thousandths rounded half up; `None` when `whole` is 0.
pub fn percent_milli(part: u64, whole: u64) -> Option<i64> {
    if whole == 0 {
        return None;
    }
    let scaled = u128::from(part) * 100_000;
    let w = u128::from(whole);
    i64::try_from((scaled + w / 2) / w).ok()
}

/// Duty completion rate: on-time occurrences ÷ those due so far (on time, late, missed), in
/// percent thousandths. Skipped and not-yet-due occurrences are left out.
pub fn duty_completion_rate(states: &[OccurrenceState]) -> Option<i64> {
    let on_time = states.iter().filter(|s| **s == OccurrenceState::DoneOnTime).count() as u64;
    let due = states
        .iter()
        .filter(|s| matches!(s, OccurrenceState::DoneOnTime | OccurrenceState::DoneLate | OccurrenceState::Missed))
        .count() as u64;
    percent_milli(on_time, due)
}

/// One incident for [`incidents_closed_in_time`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentSpan {
    /// Day reported.
    pub reported_on: Date,
    /// Day closed, if closed.
    pub closed_on: Option<Date>,
}

/// Incidents closed within [`INCIDENT_CLOSE_DAYS`] days of the report ÷ the incidents that are
/// closed or whose limit has passed by `today`, in percent thousandths.
pub fn incidents_closed_in_time(incidents: &[IncidentSpan], today: Date) -> Option<i64> {
    let limit = |i: &IncidentSpan| i.reported_on.checked_add(jiff::Span::new().days(INCIDENT_CLOSE_DAYS)).ok();
    let mut counted = 0u64;
    let mut in_time = 0u64;
    for i in incidents {
        let Some(l) = limit(i) else { continue };
        match i.closed_on {
            Some(c) => {
                counted += 1;
                if c <= l {
                    in_time += 1;
                }
            }
            None if l < today => counted += 1,
            None => {}
        }
    }
    percent_milli(in_time, counted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn numbers_as_people_type_them() {
        assert_eq!(parse_milli("95"), Some(95_000));
        assert_eq!(parse_milli(" 95.5 "), Some(95_500));
        assert_eq!(parse_milli("-0.25"), Some(-250));
        assert_eq!(parse_milli("１２．５"), Some(12_500));
        assert_eq!(parse_milli("1,000"), Some(1_000_000));
        for bad in ["", "abc", "1.2345", "1e3", ".5", "--1", "99999999999999", "1.2.3"] {
            assert_eq!(parse_milli(bad), None, "{bad}");
        }
        assert_eq!(format_milli(95_500), "95.5");
        assert_eq!(format_milli(95_000), "95");
        assert_eq!(format_milli(-250), "-0.25");
        assert_eq!(format_milli(1), "0.001");
    }

    #[test]
    fn met_by_direction() {
        assert!(is_met(Direction::AtLeast, 90_000, 90_000));
        assert!(!is_met(Direction::AtLeast, 90_000, 89_999));
        assert!(is_met(Direction::AtMost, 2_000, 1_000));
        assert!(!is_met(Direction::AtMost, 2_000, 3_000));
        assert_eq!(status(Direction::AtLeast, 90_000, None), Status::NotMeasured);
        assert_eq!(status(Direction::AtLeast, 90_000, Some(95_000)), Status::Met);
        assert_eq!(status(Direction::AtMost, 0, Some(1_000)), Status::NotMet);
        assert_eq!(Direction::from_key("at_most"), Some(Direction::AtMost));
        assert_eq!(Metric::from_key("duty_completion_rate"), Some(Metric::DutyCompletionRate));
        assert_eq!(Metric::from_key("nope"), None);
    }

    #[test]
    fn duty_completion_counts_what_was_due() {
        use OccurrenceState::*;
        assert_eq!(duty_completion_rate(&[]), None);
        assert_eq!(duty_completion_rate(&[Skipped, NotYetDue]), None, "nothing due yet");
        // 2 on time of 3 due (one late), skipped and future ones left out: 66.667 %.
        assert_eq!(duty_completion_rate(&[DoneOnTime, DoneOnTime, DoneLate, Skipped, NotYetDue]), Some(66_667));
        assert_eq!(duty_completion_rate(&[DoneOnTime, Missed, Missed, Missed]), Some(25_000));
    }

    #[test]
    fn incidents_closed_within_the_limit() {
        let today = date(2026, 6, 30);
        let i = |r: Date, c: Option<Date>| IncidentSpan { reported_on: r, closed_on: c };
        let list = [
            i(date(2026, 4, 1), Some(date(2026, 4, 20))),  // in time
            i(date(2026, 4, 1), Some(date(2026, 5, 10))),  // late (39 days)
            i(date(2026, 4, 10), None),                    // open past its limit
            i(date(2026, 6, 20), None),                    // open, limit not reached: not counted
            i(date(2026, 6, 25), Some(date(2026, 6, 26))), // in time
        ];
        assert_eq!(incidents_closed_in_time(&list, today), Some(50_000));
        assert_eq!(incidents_closed_in_time(&[i(date(2026, 6, 20), None)], today), None);
        // Exactly the limit is in time.
        assert_eq!(incidents_closed_in_time(&[i(date(2026, 4, 1), Some(date(2026, 5, 1)))], today), Some(100_000));
    }
}
