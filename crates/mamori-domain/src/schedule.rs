//! Recurring duty schedules (定期業務): due dates of a frequency with an anchor, the fiscal year,
//! and the state of an occurrence for the heat map. Pure calendar arithmetic; "today" is a
//! parameter.
//!
//! Anchors: `day` is the day of the month (clamped to the month's last day, so 31 means "month
//! end"), or the weekday 1 (Monday)–7 for weekly duties; `month` is the calendar month of the
//! first due date in a fiscal year, from which quarterly (every 3 months), semi-annual (6) and
//! annual (12) duties repeat.

use jiff::civil::{Date, Weekday, date};
use serde::{Deserialize, Serialize};

/// How often a duty recurs (the parser's `frequency` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Every day.
    Daily,
    /// Every week.
    Weekly,
    /// Every month.
    Monthly,
    /// Every three months.
    Quarterly,
    /// Every six months.
    Semiannual,
    /// Every year.
    Annual,
}

impl Frequency {
    /// Parses the parser's key.
    pub fn from_key(k: &str) -> Option<Frequency> {
        serde_json::from_value(serde_json::Value::String(k.to_string())).ok()
    }

    /// Months between due dates (0 for daily and weekly).
    fn months(self) -> i32 {
        match self {
            Frequency::Daily | Frequency::Weekly => 0,
            Frequency::Monthly => 1,
            Frequency::Quarterly => 3,
            Frequency::Semiannual => 6,
            Frequency::Annual => 12,
        }
    }
}

/// A schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Frequency.
    pub frequency: Frequency,
    /// Day of month (1–31, clamped) or weekday (1 = Monday … 7 = Sunday) for weekly duties.
    pub day: u8,
    /// Calendar month (1–12) of the first due date in a fiscal year.
    pub month: u8,
    /// First month of the fiscal year (April in Japan by default).
    pub fiscal_year_start: u8,
}

impl Schedule {
    /// A schedule with the defaults: month end of the fiscal year's last month for annual
    /// duties, month end otherwise; fiscal year from April.
    pub fn new(frequency: Frequency) -> Schedule {
        Schedule { frequency, day: 31, month: 3, fiscal_year_start: 4 }
    }
}

fn clamp_day(year: i16, month: i8, day: u8) -> Option<Date> {
    let first = date(year, month, 1);
    let last = first.last_of_month().day();
    Date::new(year, month, i8::try_from(day.clamp(1, 31)).ok()?.min(last)).ok()
}

fn add_months(year: i16, month: i8, n: i32) -> (i16, i8) {
    let idx = i32::from(year) * 12 + i32::from(month) - 1 + n;
    (i16::try_from(idx.div_euclid(12)).unwrap_or(i16::MAX), i8::try_from(idx.rem_euclid(12) + 1).unwrap_or(1))
}

/// The fiscal year a date belongs to (named by the calendar year it starts in).
pub fn fiscal_year(d: Date, fiscal_year_start: u8) -> i16 {
    if i16::from(d.month()) >= i16::from(fiscal_year_start.clamp(1, 12)) { d.year() } else { d.year() - 1 }
}

/// The first day of a fiscal year.
pub fn fiscal_year_start_date(fy: i16, fiscal_year_start: u8) -> Date {
    date(fy, i8::try_from(fiscal_year_start.clamp(1, 12)).unwrap_or(4), 1)
}

/// Due dates of `s` in `[from, to]`, in order.
pub fn occurrences(s: &Schedule, from: Date, to: Date) -> Vec<Date> {
    let mut out = Vec::new();
    if from > to {
        return out;
    }
    match s.frequency {
        Frequency::Daily => {
            let mut d = from;
            while d <= to {
                out.push(d);
                match d.tomorrow() {
                    Ok(n) => d = n,
                    Err(_) => break,
                }
            }
        }
        Frequency::Weekly => {
            let want = Weekday::from_monday_one_offset(i8::try_from(s.day.clamp(1, 7)).unwrap_or(1))
                .unwrap_or(Weekday::Monday);
            let mut d = from;
            while d.weekday() != want {
                match d.tomorrow() {
                    Ok(n) => d = n,
                    Err(_) => return out,
                }
            }
            while d <= to {
                out.push(d);
                match d.checked_add(jiff::Span::new().days(7)) {
                    Ok(n) => d = n,
                    Err(_) => break,
                }
            }
        }
        f => {
            let step = f.months();
            // Start from the anchor month in the fiscal year before `from`, step forward.
            let fy = fiscal_year(from, s.fiscal_year_start) - 1;
            let fy_start = i32::from(s.fiscal_year_start.clamp(1, 12));
            let anchor = i32::from(s.month.clamp(1, 12));
            let offset = (anchor - fy_start).rem_euclid(12) % step.max(1);
            let (mut y, mut m) = add_months(fy, i8::try_from(fy_start).unwrap_or(4), offset);
            while let Some(d) = clamp_day(y, m, s.day) {
                if d > to {
                    break;
                }
                if d >= from {
                    out.push(d);
                }
                (y, m) = add_months(y, m, step);
            }
        }
    }
    out
}

/// The next due date on or after `from`.
pub fn next_due(s: &Schedule, from: Date) -> Option<Date> {
    let horizon = from.checked_add(jiff::Span::new().years(2)).ok()?;
    occurrences(s, from, horizon).into_iter().next()
}

/// What the heat map shows for one occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OccurrenceState {
    /// Done on or before the due date.
    DoneOnTime,
    /// Done after the due date.
    DoneLate,
    /// Skipped with a reason.
    Skipped,
    /// Past due and not done (overdue).
    Missed,
    /// Due today or later, not done yet.
    NotYetDue,
}

/// The state of an occurrence: overdue is computed from the dates, never stored.
pub fn state(due: Date, done_on: Option<Date>, skipped: bool, today: Date) -> OccurrenceState {
    match (done_on, skipped) {
        (_, true) => OccurrenceState::Skipped,
        (Some(d), false) if d <= due => OccurrenceState::DoneOnTime,
        (Some(_), false) => OccurrenceState::DoneLate,
        (None, false) if due < today => OccurrenceState::Missed,
        (None, false) => OccurrenceState::NotYetDue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(f: Frequency, day: u8, month: u8) -> Schedule {
        Schedule { frequency: f, day, month, fiscal_year_start: 4 }
    }

    #[test]
    fn monthly_month_end_across_february_and_leap_years() {
        let d = occurrences(&s(Frequency::Monthly, 31, 4), date(2027, 12, 1), date(2028, 4, 30));
        assert_eq!(d, [date(2027, 12, 31), date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31), date(2028, 4, 30)]);
        let d = occurrences(&s(Frequency::Monthly, 30, 4), date(2026, 1, 1), date(2026, 3, 31));
        assert_eq!(d, [date(2026, 1, 30), date(2026, 2, 28), date(2026, 3, 30)]);
    }

    #[test]
    fn annual_duty_in_the_fiscal_years_last_month() {
        let sched = Schedule::new(Frequency::Annual);
        let d = occurrences(&sched, date(2026, 4, 1), date(2028, 3, 31));
        assert_eq!(d, [date(2027, 3, 31), date(2028, 3, 31)]);
        assert_eq!(fiscal_year(date(2027, 3, 31), 4), 2026);
        assert_eq!(fiscal_year(date(2027, 4, 1), 4), 2027);
        assert_eq!(fiscal_year_start_date(2026, 4), date(2026, 4, 1));
        // A January fiscal year start.
        assert_eq!(fiscal_year(date(2027, 1, 1), 1), 2027);
    }

    #[test]
    fn quarterly_and_semiannual_follow_the_anchor() {
        let d = occurrences(&s(Frequency::Quarterly, 15, 6), date(2026, 4, 1), date(2027, 3, 31));
        assert_eq!(d, [date(2026, 6, 15), date(2026, 9, 15), date(2026, 12, 15), date(2027, 3, 15)]);
        let d = occurrences(&s(Frequency::Semiannual, 31, 9), date(2026, 4, 1), date(2027, 3, 31));
        assert_eq!(d, [date(2026, 9, 30), date(2027, 3, 31)]);
    }

    #[test]
    fn weekly_and_daily() {
        let d = occurrences(&s(Frequency::Weekly, 1, 4), date(2026, 11, 25), date(2026, 12, 14));
        assert_eq!(d, [date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 14)]);
        assert_eq!(occurrences(&s(Frequency::Daily, 1, 1), date(2028, 2, 27), date(2028, 3, 1)).len(), 4);
        assert!(occurrences(&s(Frequency::Daily, 1, 1), date(2028, 3, 1), date(2028, 2, 1)).is_empty());
    }

    #[test]
    fn next_due_and_states() {
        assert_eq!(next_due(&s(Frequency::Monthly, 31, 4), date(2026, 2, 28)), Some(date(2026, 2, 28)));
        assert_eq!(next_due(&s(Frequency::Monthly, 31, 4), date(2026, 3, 1)), Some(date(2026, 3, 31)));
        let due = date(2026, 5, 31);
        assert_eq!(state(due, Some(date(2026, 5, 31)), false, date(2026, 7, 1)), OccurrenceState::DoneOnTime);
        assert_eq!(state(due, Some(date(2026, 6, 2)), false, date(2026, 7, 1)), OccurrenceState::DoneLate);
        assert_eq!(state(due, None, true, date(2026, 7, 1)), OccurrenceState::Skipped);
        assert_eq!(state(due, None, false, date(2026, 6, 1)), OccurrenceState::Missed);
        assert_eq!(state(due, None, false, date(2026, 5, 31)), OccurrenceState::NotYetDue);
        assert_eq!(Frequency::from_key("semiannual"), Some(Frequency::Semiannual));
    }

    proptest! {
        /// Monthly due dates: one per month, in order, inside the range, each on the anchor
        /// day or the month's last day.
        #[test]
        fn monthly_is_one_per_month(day in 1u8..=31, y in 2000i16..2100, m in 1i8..=12, months in 1i32..60) {
            let from = date(y, m, 1);
            let (ty, tm) = add_months(y, m, months);
            let to = date(ty, tm, 1).yesterday().unwrap();
            let d = occurrences(&s(Frequency::Monthly, day, 4), from, to);
            prop_assert_eq!(d.len() as i32, months);
            for w in d.windows(2) { prop_assert!(w[0] < w[1]); }
            for x in &d {
                prop_assert!(*x >= from && *x <= to);
                prop_assert!(x.day() == i8::try_from(day).unwrap() || *x == x.last_of_month());
            }
        }

        /// Annual duties fall once in every fiscal year.
        #[test]
        fn annual_once_per_fiscal_year(month in 1u8..=12, day in 1u8..=31, fy in 2000i16..2090, years in 1i16..10) {
            let sched = Schedule { frequency: Frequency::Annual, day, month, fiscal_year_start: 4 };
            let d = occurrences(&sched, fiscal_year_start_date(fy, 4), fiscal_year_start_date(fy + years, 4).yesterday().unwrap());
            prop_assert_eq!(d.len() as i16, years);
            for (i, x) in d.iter().enumerate() { prop_assert_eq!(fiscal_year(*x, 4), fy + i as i16); }
        }
    }
}
