//! Templates of the drill pages.

use crate::views::{Layout, Tried};
use askama::Template;

/// A template as the form previews it.
pub struct TemplateLine {
    pub key: String,
    pub title: String,
    pub sender_name: String,
    pub subject: String,
    pub body: String,
}

/// A person the picker offers.
pub struct PickLine {
    pub id: String,
    pub name: String,
    pub email: String,
    /// Why a drill mail cannot go to them ("" when it can).
    pub refusal: String,
    /// The problem of the last try at this person.
    pub error: String,
    pub chosen: bool,
}

/// A department of the picker.
pub struct PickGroup {
    pub department: String,
    pub people: Vec<PickLine>,
}

/// A campaign in the list.
pub struct CampaignLine {
    pub id: String,
    pub name: String,
    pub template: String,
    pub state: String,
    pub created: String,
    pub sent: i64,
    pub click_rate: String,
    pub report_rate: String,
}

/// A suspicious-mail report.
pub struct ReportLine {
    pub at: String,
    pub reporter: String,
    pub subject: String,
    pub note: String,
    pub campaign: String,
}

/// The `drills.html` template.
#[derive(Template)]
#[template(path = "drills.html")]
pub struct ListPage {
    pub layout: Layout,
    pub domains: String,
    pub templates: Vec<TemplateLine>,
    pub groups: Vec<PickGroup>,
    pub campaigns: Vec<CampaignLine>,
    pub reports: Vec<ReportLine>,
    pub form: Tried,
}

/// Counts of a department or of everyone.
pub struct CountLine {
    pub group: String,
    pub targets: i64,
    pub sent: i64,
    pub clicked: i64,
    pub reported: i64,
    pub click_rate: String,
    pub report_rate: String,
}

/// One person's result.
pub struct PersonLine {
    pub name: String,
    pub department: String,
    pub outcome: String,
    pub outcome_key: String,
    pub clicked_at: String,
    pub click_count: i64,
    pub reported_at: String,
}

/// The `drill.html` template: a campaign's results.
#[derive(Template)]
#[template(path = "drill.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub id: String,
    pub name: String,
    pub template: String,
    pub sender_name: String,
    pub subject: String,
    pub report_address: String,
    pub follow_up: String,
    pub state_key: String,
    pub state: String,
    pub created: String,
    pub sent_at: String,
    pub closed_at: String,
    pub total: CountLine,
    pub departments: Vec<CountLine>,
    pub people: Vec<PersonLine>,
    /// (person id, name) of those mailed who have not reported.
    pub not_reported: Vec<(String, String)>,
    /// Names of those who clicked.
    pub clickers: Vec<String>,
    /// (course id, title, chosen) for assigning the clickers a course (`training.manage`).
    pub courses: Vec<(String, String, bool)>,
}

/// The `drill_lesson.html` template: what a person sees after clicking.
#[derive(Template)]
#[template(path = "drill_lesson.html")]
pub struct LessonPage {
    pub layout: Layout,
    /// False: the neutral page of an unknown link.
    pub known: bool,
    pub organisation: String,
    pub template: String,
    pub sender_name: String,
    pub subject: String,
    pub signs: Vec<String>,
    pub report_address: String,
}

/// The `drill_report.html` template: 「不審メールを報告」.
#[derive(Template)]
#[template(path = "drill_report.html")]
pub struct ReportPage {
    pub layout: Layout,
    pub form: Tried,
}
