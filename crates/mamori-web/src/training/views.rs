//! Templates of the training pages.

use crate::views::{Layout, Tried};
use askama::Template;

/// A course in the list, as shown.
pub struct CourseLine {
    pub id: String,
    pub title: String,
    pub active: bool,
    pub pool_size: usize,
    /// My standing this fiscal year, in words.
    pub status: String,
    /// My due date this fiscal year.
    pub due: String,
    pub overdue: bool,
}

/// A plan of the list (managers), as shown.
pub struct PlanLine {
    pub course_id: String,
    pub title: String,
    pub fiscal_year: i64,
    pub due_on: String,
    pub audience: String,
}

/// `training.html`.
#[derive(Template)]
#[template(path = "training.html")]
pub struct ListPage {
    pub layout: Layout,
    pub courses: Vec<CourseLine>,
    pub may_manage: bool,
    pub starter_loaded: bool,
    pub plans: Vec<PlanLine>,
}

/// A material, as shown.
pub struct MaterialLine {
    pub kind: String,
    pub label: String,
    pub href: String,
}

/// A submitted attempt, as shown.
pub struct AttemptLine {
    pub id: String,
    pub fiscal_year: i16,
    pub attempt_no: u32,
    pub mode: String,
    pub taken_on: String,
    pub percent: u32,
    pub passed: bool,
}

/// `training_course.html`.
#[derive(Template)]
#[template(path = "training_course.html")]
pub struct CoursePage {
    pub layout: Layout,
    pub id: String,
    pub title: String,
    pub description: String,
    pub active: bool,
    pub per_attempt: u32,
    pub pass_mark: u32,
    pub pool_size: usize,
    /// "N questions per attempt, pass mark P %".
    pub rules_text: String,
    /// "due D (reason)" or empty.
    pub assigned_text: String,
    /// Passed (date, score) or not yet.
    pub result_text: String,
    pub materials: Vec<MaterialLine>,
    /// The reader has a person of the directory.
    pub has_person: bool,
    pub fiscal_year: i16,
    /// Assigned: due date and reason in words.
    pub assigned: Option<(String, String)>,
    /// Passed: date and score.
    pub passed: Option<(String, u32)>,
    pub overdue: bool,
    pub open_attempt: Option<String>,
    pub attempts: Vec<AttemptLine>,
    pub may_manage: bool,
    /// The plan form as typed or refused.
    pub plan: Tried,
    /// (key, label) of each kind of person.
    pub kinds: Vec<(String, String)>,
    pub departments: Vec<String>,
}

/// A question of an attempt, as shown.
pub struct AskedLine {
    pub id: String,
    pub number: usize,
    pub topic: String,
    pub text: String,
    /// (index, text, chosen, correct)
    pub choices: Vec<(usize, String, bool, bool)>,
    pub right: bool,
    pub explanation: String,
    pub error: String,
}

/// `training_attempt.html`.
#[derive(Template)]
#[template(path = "training_attempt.html")]
pub struct AttemptPage {
    pub layout: Layout,
    pub id: String,
    pub course_id: String,
    pub course_title: String,
    pub person_name: String,
    pub fiscal_year: i16,
    pub attempt_no: u32,
    pub offline: bool,
    pub finished: bool,
    pub questions: Vec<AskedLine>,
    pub correct: u32,
    pub total: u32,
    pub percent: u32,
    pub passed: bool,
    pub pass_mark: u32,
    pub taken_on: String,
    /// The score in words.
    pub score_text: String,
    /// What to do, in words.
    pub help_text: String,
    /// The reader is the person who took it (may retake).
    pub own: bool,
    pub refused: bool,
}

/// A material row of the course form.
pub struct MaterialRow {
    pub i: usize,
    pub kind: String,
    pub reference: String,
    pub label: String,
    pub error: String,
}

/// A question row of the course form.
pub struct QuestionRow {
    pub i: usize,
    pub id: String,
    pub topic: String,
    pub text: String,
    /// Six inputs (blank ones for fewer choices), each with whether it is the right one.
    pub choices: Vec<(String, bool)>,
    pub explanation: String,
    pub error: String,
}

/// `training_edit.html` (new and edit).
#[derive(Template)]
#[template(path = "training_edit.html")]
pub struct EditPage {
    pub layout: Layout,
    /// None: a new course.
    pub id: Option<String>,
    pub title: String,
    /// Top-level values and problems (title, description, per_attempt, pass_mark, active).
    pub tried: Tried,
    pub materials: Vec<MaterialRow>,
    pub questions: Vec<QuestionRow>,
    /// (key, label) of each kind of material.
    pub material_kinds: Vec<(String, String)>,
}

/// A person's line of the progress, as shown.
pub struct ProgressLine {
    pub name: String,
    pub department: String,
    pub reason: String,
    pub due_on: String,
    pub attempts: usize,
    pub passed_on: String,
    pub percent: String,
    pub status: String,
    pub passed: bool,
    pub overdue: bool,
}

/// `training_progress.html`.
#[derive(Template)]
#[template(path = "training_progress.html")]
pub struct ProgressPage {
    pub layout: Layout,
    pub id: String,
    pub title: String,
    pub fiscal_year: i16,
    pub years: Vec<i16>,
    pub plan_due: String,
    pub plan_audience: String,
    pub assigned: usize,
    pub passed: usize,
    pub not_finished: usize,
    pub overdue: usize,
    /// The plan's audience and due date in words.
    pub facts_text: String,
    /// The counts in words.
    pub counts_text: String,
    pub rows: Vec<ProgressLine>,
    /// (id, name) of the people of the directory (for the offline record).
    pub people: Vec<(String, String)>,
    /// The form that came back (`offline` or `assign`) as typed or refused.
    pub offline: Tried,
    pub pass_mark: u32,
}
