//! 安否確認 (safety confirmation, 5.29 — the business-continuity plan's 対策本部): the answers a
//! person may give through their personal link and the tally the 対策本部 reads. Pure: the
//! recipients and their answers are parameters.
//!
//! Rules:
//! - an answer is a status (無事 / 軽傷 / 重傷), whether the person can come to work, and a
//!   comment of at most [`MAX_COMMENT`] characters; answering again replaces the answer;
//! - the tally counts each recipient once: answered (by status, by can-work) or a non-responder;
//! - by group (a role): a person holding several roles counts in each of their groups, and a
//!   person with none counts under the empty group.

use serde::Serialize;
use std::collections::BTreeMap;

/// Days a personal link works after it was sent.
pub const VALID_DAYS: i64 = 7;

/// The longest comment kept.
pub const MAX_COMMENT: usize = 500;

/// A person's condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 無事.
    Safe,
    /// 軽傷.
    MinorInjury,
    /// 重傷.
    SeriousInjury,
}

impl Status {
    /// Every status, in display order.
    pub const ALL: [Status; 3] = [Status::Safe, Status::MinorInjury, Status::SeriousInjury];

    /// The stable key.
    pub fn key(self) -> &'static str {
        match self {
            Status::Safe => "safe",
            Status::MinorInjury => "minor_injury",
            Status::SeriousInjury => "serious_injury",
        }
    }

    /// Parses a key.
    pub fn from_key(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.key() == s)
    }

    /// The Japanese word (for register rows written in Japanese).
    pub fn ja(self) -> &'static str {
        match self {
            Status::Safe => "無事",
            Status::MinorInjury => "軽傷",
            Status::SeriousInjury => "重傷",
        }
    }
}

/// A validated answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The condition.
    pub status: Status,
    /// Can come to work.
    pub can_work: bool,
    /// Free comment, trimmed.
    pub comment: String,
}

/// Validates an answer as typed (`status` a key, `can_work` `yes`/`no`) → the answer, or every
/// problem as (field, message key).
pub fn parse_answer(status: &str, can_work: &str, comment: &str) -> Result<Answer, Vec<(String, &'static str)>> {
    let mut p = Vec::new();
    let st = Status::from_key(status.trim());
    if st.is_none() {
        p.push(("status".to_string(), if status.trim().is_empty() { "field-required" } else { "field-not-a-choice" }));
    }
    let cw = match can_work.trim() {
        "yes" => Some(true),
        "no" => Some(false),
        "" => {
            p.push(("can_work".to_string(), "field-required"));
            None
        }
        _ => {
            p.push(("can_work".to_string(), "field-not-a-choice"));
            None
        }
    };
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT {
        p.push(("comment".to_string(), "field-too-long"));
    }
    match (st, cw) {
        (Some(status), Some(can_work)) if p.is_empty() => Ok(Answer { status, can_work, comment: comment.to_string() }),
        _ => Err(p),
    }
}

/// One recipient as the tally sees them.
#[derive(Debug, Clone)]
pub struct Recipient<'a> {
    /// Id (of the recipient row).
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
    /// Groups (role names).
    pub groups: Vec<&'a str>,
    /// Times the link was mailed.
    pub sent_count: i64,
    /// The answer, if any.
    pub answer: Option<(Status, bool)>,
}

/// Counts by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ByStatus {
    /// 無事.
    pub safe: i64,
    /// 軽傷.
    pub minor_injury: i64,
    /// 重傷.
    pub serious_injury: i64,
}

/// Counts by can-work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CanWork {
    /// 出社可.
    pub yes: i64,
    /// 出社不可.
    pub no: i64,
}

/// The counts of one group (or of everyone).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Recipients.
    pub sent: i64,
    /// Recipients who answered.
    pub responded: i64,
    /// Answers by status.
    pub by_status: ByStatus,
    /// Answers by can-work.
    pub can_work: CanWork,
}

impl Counts {
    fn add(&mut self, answer: Option<(Status, bool)>) {
        self.sent += 1;
        let Some((status, can_work)) = answer else { return };
        self.responded += 1;
        match status {
            Status::Safe => self.by_status.safe += 1,
            Status::MinorInjury => self.by_status.minor_injury += 1,
            Status::SeriousInjury => self.by_status.serious_injury += 1,
        }
        if can_work {
            self.can_work.yes += 1;
        } else {
            self.can_work.no += 1;
        }
    }
}

/// A recipient who has not answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NonResponder {
    /// Recipient id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Times the link was mailed.
    pub sent_count: i64,
}

/// The tally of a safety check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Everyone.
    #[serde(flatten)]
    pub all: Counts,
    /// By group, in name order.
    pub by_group: BTreeMap<String, Counts>,
    /// Who has not answered, by name.
    pub non_responders: Vec<NonResponder>,
}

/// Tallies the recipients' answers.
pub fn tally(recipients: &[Recipient<'_>]) -> Tally {
    let mut t = Tally::default();
    for r in recipients {
        t.all.add(r.answer);
        if r.groups.is_empty() {
            t.by_group.entry(String::new()).or_default().add(r.answer);
        }
        for g in &r.groups {
            t.by_group.entry((*g).to_string()).or_default().add(r.answer);
        }
        if r.answer.is_none() {
            t.non_responders.push(NonResponder {
                id: r.id.to_string(),
                name: r.name.to_string(),
                sent_count: r.sent_count,
            });
        }
    }
    t.non_responders.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r<'a>(id: &'a str, groups: Vec<&'a str>, answer: Option<(Status, bool)>) -> Recipient<'a> {
        Recipient { id, name: id, groups, sent_count: 1, answer }
    }

    #[test]
    fn each_recipient_counts_once_overall_and_in_each_group() {
        let list = vec![
            r("a", vec!["経営責任者", "従業員"], Some((Status::Safe, true))),
            r("b", vec!["従業員"], Some((Status::SeriousInjury, false))),
            r("d", vec![], None),
            r("c", vec!["従業員"], None),
        ];
        let t = tally(&list);
        assert_eq!((t.all.sent, t.all.responded), (4, 2));
        assert_eq!(t.all.by_status, ByStatus { safe: 1, minor_injury: 0, serious_injury: 1 });
        assert_eq!(t.all.can_work, CanWork { yes: 1, no: 1 });
        assert_eq!(t.by_group["従業員"].sent, 3);
        assert_eq!(t.by_group["経営責任者"].responded, 1);
        assert_eq!(t.by_group[""].sent, 1);
        let names: Vec<&str> = t.non_responders.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["c", "d"]);
    }

    #[test]
    fn answers_are_validated_with_every_problem() {
        assert_eq!(
            parse_answer(" minor_injury ", "no", " 足を捻挫 "),
            Ok(Answer { status: Status::MinorInjury, can_work: false, comment: "足を捻挫".into() })
        );
        let e = parse_answer("", "maybe", &"あ".repeat(MAX_COMMENT + 1)).unwrap_err();
        assert_eq!(
            e,
            vec![
                ("status".to_string(), "field-required"),
                ("can_work".to_string(), "field-not-a-choice"),
                ("comment".to_string(), "field-too-long")
            ]
        );
        assert!(parse_answer("dead", "yes", "").is_err());
        assert!(parse_answer("safe", "yes", &"あ".repeat(MAX_COMMENT)).is_ok());
    }
}
