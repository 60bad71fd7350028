//! Duty views and reminders: the heat map (duty × month of a fiscal year) and which reminder
//! mails are due on a day. Pure: dates, ids and addresses are parameters.

use crate::schedule::{self, OccurrenceState};
use jiff::civil::Date;
use serde::Serialize;

/// One month of one duty on the heat map: the worst state among the month's occurrences
/// (missed, then done late, then not yet due, then skipped, then done on time), and how many
/// occurrences fell in it. `state` is `None` when nothing was due that month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HeatCell {
    /// The cell's state.
    pub state: Option<OccurrenceState>,
    /// Occurrences due in the month.
    pub count: u32,
}

fn severity(s: OccurrenceState) -> u8 {
    match s {
        OccurrenceState::Missed => 4,
        OccurrenceState::DoneLate => 3,
        OccurrenceState::NotYetDue => 2,
        OccurrenceState::Skipped => 1,
        OccurrenceState::DoneOnTime => 0,
    }
}

/// The twelve calendar months of a fiscal year, in order, as (year, month).
pub fn fiscal_months(fy: i16, fiscal_year_start: u8) -> [(i16, i8); 12] {
    let start = i8::try_from(fiscal_year_start.clamp(1, 12)).unwrap_or(4);
    let mut out = [(fy, start); 12];
    for (i, slot) in out.iter_mut().enumerate() {
        let m0 = i32::from(start) - 1 + i32::try_from(i).unwrap_or(0);
        let y = i32::from(fy) + m0 / 12;
        *slot = (i16::try_from(y).unwrap_or(fy), i8::try_from(m0 % 12 + 1).unwrap_or(1));
    }
    out
}

/// An occurrence as the heat map sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Due date.
    pub due: Date,
    /// Completion day.
    pub done_on: Option<Date>,
    /// Skipped with a reason.
    pub skipped: bool,
}

/// One duty's row of the heat map for fiscal year `fy` as of `today`.
pub fn heat_row(fy: i16, fiscal_year_start: u8, outcomes: &[Outcome], today: Date) -> [HeatCell; 12] {
    let months = fiscal_months(fy, fiscal_year_start);
    let mut cells = [HeatCell { state: None, count: 0 }; 12];
    for o in outcomes {
        let Some(i) = months.iter().position(|&(y, m)| o.due.year() == y && o.due.month() == m) else { continue };
        let s = schedule::state(o.due, o.done_on, o.skipped, today);
        let cell = &mut cells[i];
        cell.count += 1;
        if cell.state.is_none_or(|c| severity(s) > severity(c)) {
            cell.state = Some(s);
        }
    }
    cells
}

/// Which reminder a mail is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// N days before the due date.
    Before,
    /// On the due date.
    Due,
    /// The weekly overdue digest.
    Digest,
}

impl ReminderKind {
    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            ReminderKind::Before => "before",
            ReminderKind::Due => "due",
            ReminderKind::Digest => "digest",
        }
    }
}

/// An open occurrence with the addresses it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenItem {
    /// Occurrence id.
    pub occurrence_id: String,
    /// Due date.
    pub due: Date,
    /// The owner's addresses (the assignee, or everyone holding the owner role).
    pub owners: Vec<String>,
    /// The duty's own reminder lead time in days, when it has one.
    pub lead_days: Option<i64>,
}

/// A reminder to queue: `dedupe_key` makes it unique for ever, so queueing the same plan
/// twice (a restart, two workers) sends it once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// Unique key.
    pub dedupe_key: String,
    /// Kind.
    pub kind: ReminderKind,
    /// Address.
    pub recipient: String,
    /// The occurrences it is about (indices into the input), due date order.
    pub items: Vec<usize>,
}

/// The reminders due on `today`:
/// - `before`: once per occurrence and owner, from `days_before` days (or the duty's own lead
///   time) before the due date
///   until the day before it (so a day the server was down is caught up);
/// - `due`: once per occurrence and owner, on the due date;
/// - `digest`: once per ISO week and recipient, listing the overdue occurrences: to each owner
///   their own, and to every manager (情報セキュリティ管理者) all of them.
pub fn plan(items: &[OpenItem], managers: &[String], today: Date, days_before: i64) -> Vec<Reminder> {
    let mut out = Vec::new();
    let mut overdue_by: std::collections::BTreeMap<&str, Vec<usize>> = std::collections::BTreeMap::new();
    for (i, it) in items.iter().enumerate() {
        let until_due = (it.due - today).get_days();
        let kind = if until_due == 0 {
            Some(ReminderKind::Due)
        } else if until_due > 0 && i64::from(until_due) <= it.lead_days.unwrap_or(days_before) {
            Some(ReminderKind::Before)
        } else {
            None
        };
        for owner in dedup(&it.owners) {
            if let Some(k) = kind {
                out.push(Reminder {
                    dedupe_key: format!("{}:{}:{}", k.key(), it.occurrence_id, owner),
                    kind: k,
                    recipient: owner.to_string(),
                    items: vec![i],
                });
            }
            if until_due < 0 {
                overdue_by.entry(owner).or_default().push(i);
            }
        }
        if until_due < 0 {
            for m in dedup(managers) {
                let list = overdue_by.entry(m).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
    }
    let week = today.iso_week_date();
    for (recipient, mut list) in overdue_by {
        list.sort_by_key(|&i| (items[i].due, i));
        list.dedup();
        out.push(Reminder {
            dedupe_key: format!("digest:{}-W{:02}:{}", week.year(), week.week(), recipient),
            kind: ReminderKind::Digest,
            recipient: recipient.to_string(),
            items: list,
        });
    }
    out
}

fn dedup(v: &[String]) -> Vec<&str> {
    let mut out: Vec<&str> = v.iter().map(String::as_str).filter(|s| !s.trim().is_empty()).collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn item(id: &str, due: Date, owners: &[&str]) -> OpenItem {
        OpenItem {
            occurrence_id: id.into(),
            due,
            owners: owners.iter().map(|s| s.to_string()).collect(),
            lead_days: None,
        }
    }

    #[test]
    fn fiscal_months_wrap_the_year() {
        let m = fiscal_months(2026, 4);
        assert_eq!(m[0], (2026, 4));
        assert_eq!(m[8], (2026, 12));
        assert_eq!(m[9], (2027, 1));
        assert_eq!(m[11], (2027, 3));
        assert_eq!(fiscal_months(2026, 1)[11], (2026, 12));
    }

    #[test]
    fn heat_row_takes_the_worst_state_of_a_month() {
        let today = date(2026, 11, 25);
        let o = |due, done_on, skipped| Outcome { due, done_on, skipped };
        let row = heat_row(
            2026,
            4,
            &[
                o(date(2026, 4, 30), Some(date(2026, 4, 28)), false),
                o(date(2026, 5, 31), Some(date(2026, 6, 2)), false),
                o(date(2026, 6, 30), None, true),
                o(date(2026, 7, 31), None, false),
                o(date(2026, 11, 7), Some(date(2026, 11, 7)), false),
                o(date(2026, 11, 30), None, false),
                o(date(2027, 3, 31), None, false),
                // Outside the fiscal year: ignored.
                o(date(2026, 3, 31), None, false),
            ],
            today,
        );
        assert_eq!(row[0].state, Some(OccurrenceState::DoneOnTime));
        assert_eq!(row[1].state, Some(OccurrenceState::DoneLate));
        assert_eq!(row[2].state, Some(OccurrenceState::Skipped));
        assert_eq!(row[3].state, Some(OccurrenceState::Missed));
        assert_eq!(row[4].state, None);
        assert_eq!((row[7].state, row[7].count), (Some(OccurrenceState::NotYetDue), 2));
        assert_eq!(row[11].state, Some(OccurrenceState::NotYetDue));
        assert_eq!(row.iter().map(|c| c.count).sum::<u32>(), 7);
    }

    #[test]
    fn reminders_before_on_the_day_and_weekly_digest() {
        let today = date(2026, 11, 25); // a Wednesday
        let items = [
            item("a", date(2026, 12, 2), &["o@x"]),                // 7 days ahead: before
            item("b", date(2026, 12, 3), &["o@x"]),                // 8 days: nothing yet
            item("c", date(2026, 11, 25), &["o@x", "p@x", "o@x"]), // due today
            item("d", date(2026, 11, 1), &["p@x"]),                // overdue
            item("e", date(2026, 10, 31), &["o@x"]),               // overdue
        ];
        let r = plan(&items, &["m@x".into(), "p@x".into()], today, 7);
        let keys: Vec<&str> = r.iter().map(|r| r.dedupe_key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "before:a:o@x",
                "due:c:o@x",
                "due:c:p@x",
                "digest:2026-W48:m@x",
                "digest:2026-W48:o@x",
                "digest:2026-W48:p@x"
            ]
        );
        let digest = |who: &str| {
            r.iter().find(|x| x.kind == ReminderKind::Digest && x.recipient == who).map(|x| x.items.clone())
        };
        assert_eq!(digest("m@x"), Some(vec![4, 3]), "managers get every overdue item, oldest first");
        assert_eq!(digest("o@x"), Some(vec![4]));
        assert_eq!(digest("p@x"), Some(vec![4, 3]), "an owner who is also a manager gets one digest");
        // The same plan the next day keeps the week's digest key; the next week gets a new one.
        let next_week = plan(&items, &["m@x".into()], date(2026, 11, 30), 7);
        assert!(next_week.iter().any(|x| x.dedupe_key == "digest:2026-W49:m@x"));
    }
}
