//! Outsourced development (8.30): where a development plan stands against the progress reports of
//! the 委託先の責任者, and what the requests about a 委託先 (再委託の承認, 納品検収) amount to.
//! Pure functions: the plan's milestones and the reports are rows of the registers
//! `development_plan` and `development_progress` read by the caller; `today` is a parameter.

use jiff::civil::Date;
use serde::Serialize;

/// A milestone (工程) of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    /// Its name (工程).
    pub name: String,
    /// The day it is planned to be finished.
    pub planned_on: Date,
}

/// What one report said about one milestone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The milestone's name, as in the plan.
    pub milestone: String,
    /// The report's date.
    pub reported_on: Date,
    /// Progress in percent (100: finished).
    pub percent: i64,
}

/// A milestone as it stands on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MilestoneStatus {
    /// Its name.
    pub name: String,
    /// Planned finish.
    pub planned_on: Date,
    /// The latest reported progress (percent), if any report named it.
    pub progress: Option<i64>,
    /// The date of that report.
    pub reported_on: Option<Date>,
    /// Reported finished (100 %).
    pub done: bool,
    /// 遅延: the planned day has passed and it is not reported finished.
    pub late: bool,
}

/// Where each milestone stands on `today`: its latest report (the latest report date; on the
/// same day the higher figure), finished at 100 %, late when `planned_on` is before `today`
/// and it is not finished. In planned order (then by name).
pub fn plan_status(plan: &[Milestone], reports: &[Progress], today: Date) -> Vec<MilestoneStatus> {
    let mut out: Vec<MilestoneStatus> = plan
        .iter()
        .map(|m| {
            let latest = reports
                .iter()
                .filter(|r| r.milestone.trim() == m.name.trim())
                .max_by_key(|r| (r.reported_on, r.percent));
            let progress = latest.map(|r| r.percent.clamp(0, 100));
            let done = progress.is_some_and(|p| p >= 100);
            MilestoneStatus {
                name: m.name.clone(),
                planned_on: m.planned_on,
                progress,
                reported_on: latest.map(|r| r.reported_on),
                done,
                late: !done && m.planned_on < today,
            }
        })
        .collect();
    out.sort_by(|a, b| a.planned_on.cmp(&b.planned_on).then_with(|| a.name.cmp(&b.name)));
    out
}

/// Where a request about a 委託先 stands (再委託: 承認済み / 申請中 / 却下 / 取下げ; 納品検収:
/// 検収済み / 申請中 / 却下 / 取下げ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Approved (the re-subcontracting is allowed; the delivery is accepted).
    Approved,
    /// Waiting for the decision (submitted or returned for changes).
    Pending,
    /// Rejected.
    Rejected,
    /// Withdrawn by the requester.
    Withdrawn,
}

impl Standing {
    /// From a request's workflow state (`approval_only`, `approval_with_record` and the like:
    /// approved and completed count as approved).
    pub fn of_state(state: &str) -> Standing {
        match state {
            "approved" | "completed" => Standing::Approved,
            "rejected" => Standing::Rejected,
            "withdrawn" => Standing::Withdrawn,
            _ => Standing::Pending,
        }
    }

    /// Stable key.
    pub fn key(self) -> &'static str {
        match self {
            Standing::Approved => "approved",
            Standing::Pending => "pending",
            Standing::Rejected => "rejected",
            Standing::Withdrawn => "withdrawn",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn m(name: &str, on: Date) -> Milestone {
        Milestone { name: name.into(), planned_on: on }
    }

    fn p(name: &str, on: Date, percent: i64) -> Progress {
        Progress { milestone: name.into(), reported_on: on, percent }
    }

    #[test]
    fn a_milestone_past_its_day_and_unfinished_is_late_and_none_other() {
        let today = date(2026, 6, 15);
        let plan =
            [m("結合テスト", date(2026, 7, 31)), m("基本設計", date(2026, 5, 31)), m("詳細設計", date(2026, 6, 10))];
        let reports = [
            p("基本設計", date(2026, 5, 20), 60),
            p("基本設計", date(2026, 6, 1), 100),
            p("詳細設計", date(2026, 6, 12), 70),
            p("詳細設計", date(2026, 6, 5), 90),
        ];
        let s = plan_status(&plan, &reports, today);
        assert_eq!(s.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(), ["基本設計", "詳細設計", "結合テスト"]);
        assert!(s[0].done && !s[0].late, "finished after its day is no longer late");
        assert_eq!((s[1].progress, s[1].reported_on), (Some(70), Some(date(2026, 6, 12))), "the latest report counts");
        assert!(s[1].late && !s[1].done);
        assert!(!s[2].late && s[2].progress.is_none(), "a milestone not yet due is not late");
    }

    #[test]
    fn the_planned_day_itself_is_not_late_and_figures_are_clamped() {
        let day = date(2026, 6, 10);
        let s = plan_status(&[m("詳細設計", day)], &[p("詳細設計", day, 130)], day);
        assert!(s[0].done && !s[0].late && s[0].progress == Some(100));
        let s = plan_status(&[m("詳細設計", day)], &[p("詳細設計 ", day, 40)], day);
        assert!(!s[0].late && s[0].progress == Some(40));
        let next = day.tomorrow().unwrap();
        assert!(plan_status(&[m("詳細設計", day)], &[p("詳細設計", day, 40)], next)[0].late);
    }

    #[test]
    fn a_request_state_reads_as_its_standing() {
        assert_eq!(Standing::of_state("approved"), Standing::Approved);
        assert_eq!(Standing::of_state("completed"), Standing::Approved);
        assert_eq!(Standing::of_state("submitted"), Standing::Pending);
        assert_eq!(Standing::of_state("returned"), Standing::Pending);
        assert_eq!(Standing::of_state("rejected").key(), "rejected");
        assert_eq!(Standing::of_state("withdrawn").key(), "withdrawn");
    }
}
