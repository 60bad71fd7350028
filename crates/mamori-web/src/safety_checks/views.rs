//! Templates of the safety-check pages.

use crate::views::{Layout, Tried};
use askama::Template;

/// One check in the list (template data).
pub struct CheckLine {
    pub id: String,
    pub title: String,
    pub drill: bool,
    pub sent_at: String,
    pub open: bool,
    /// 「3 / 6 名」.
    pub responded_label: String,
}

/// The `safety_checks.html` template: the checks and the form to start one.
#[derive(Template)]
#[template(path = "safety_checks.html")]
pub struct ListPage {
    pub layout: Layout,
    pub checks: Vec<CheckLine>,
    pub form: Tried,
}

/// One row of counts (everyone, or one role).
pub struct CountLine {
    pub group: String,
    pub sent: i64,
    pub responded: i64,
    pub safe: i64,
    pub minor: i64,
    pub serious: i64,
    pub can_work: i64,
    pub cannot_work: i64,
}

/// One answer (template data).
pub struct AnswerLine {
    pub name: String,
    pub status: String,
    pub status_key: String,
    pub can_work: String,
    pub comment: String,
    pub answered_at: String,
}

/// One non-responder (template data).
pub struct WaitingLine {
    pub name: String,
    pub sent_count: i64,
}

/// The `safety_check.html` template: the 対策本部's tally.
#[derive(Template)]
#[template(path = "safety_check.html")]
pub struct TallyPage {
    pub layout: Layout,
    pub id: String,
    pub title: String,
    pub drill: bool,
    pub open: bool,
    pub sent_at: String,
    pub closed_at: String,
    pub total: CountLine,
    pub groups: Vec<CountLine>,
    pub answers: Vec<AnswerLine>,
    pub waiting: Vec<WaitingLine>,
    /// The bcp_records row a closed drill wrote.
    pub bcp_href: String,
    /// The sender's own link, right after sending.
    pub own_link: String,
}

/// The `safety_answer.html` template: the page a person answers on.
#[derive(Template)]
#[template(path = "safety_answer.html")]
pub struct AnswerPage {
    pub layout: Layout,
    pub token: String,
    /// 「アクメ の対策本部からの安否確認です（…）。」
    pub from_line: String,
    pub drill: bool,
    pub name: String,
    pub expires: String,
    /// (key, label) of the statuses.
    pub statuses: Vec<(String, String)>,
    pub form: Tried,
    /// Answered just now.
    pub done: bool,
    /// The link is closed (the page says why in the layout's error).
    pub closed: bool,
}
