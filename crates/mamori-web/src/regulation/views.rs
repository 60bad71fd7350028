//! Templates of the regulation pages.

use crate::views::Layout;
use askama::Template;
use mamori_regulation::parse::Control;

/// One row of the list.
pub struct ControlRow {
    pub id: String,
    pub title: String,
    pub applicable: bool,
    pub records: usize,
    pub duties: usize,
    pub approvals: usize,
    pub open_items: usize,
}

/// The `controls.html` template.
#[derive(Template)]
#[template(path = "controls.html")]
pub struct ControlsPage {
    pub layout: Layout,
    pub version: Option<String>,
    pub themes: Vec<(String, String, bool)>,
    pub applicability: Vec<(String, String, bool)>,
    pub attributes: Vec<(String, String, bool)>,
    pub roles: Vec<(String, String, bool)>,
    pub has: Vec<(String, String, bool)>,
    pub count: i64,
    pub groups: Vec<(String, Vec<ControlRow>)>,
}

/// The `control.html` template.
#[derive(Template)]
#[template(path = "control.html")]
pub struct ControlPage {
    pub layout: Layout,
    pub c: Control,
    pub theme: String,
    pub catalogue_title: String,
    pub control_paragraphs: Vec<String>,
    pub duties: Vec<(String, String, Option<String>)>,
    pub cross_refs: Vec<(String, String)>,
    pub attributes: Vec<(String, String)>,
    /// The control's open items: (text, kind label, owner, due, resolved).
    pub open_items: Vec<(String, String, String, String, bool)>,
    /// The control's health (9.1).
    pub health: super::health::HealthView,
}

/// The `reg_records.html` template.
#[derive(Template)]
#[template(path = "reg_records.html")]
pub struct RecordsPage {
    pub layout: Layout,
    /// (name, controls, link to where it is kept or "", kind label).
    pub records: Vec<(String, Vec<String>, String, String)>,
    pub can_design: bool,
}

/// The `reg_duties.html` template.
#[derive(Template)]
#[template(path = "reg_duties.html")]
pub struct DutiesPage {
    pub layout: Layout,
    pub duties: Vec<(String, String, String, String, String)>,
    pub undecided: Vec<(String, String, String)>,
}

/// What the preview shows.
pub struct Preview {
    pub file_name: String,
    pub staging_id: String,
    pub number: String,
    pub title: String,
    pub edition: String,
    pub date: String,
    pub summary: Vec<String>,
    pub diagnostics: Vec<String>,
    pub controls: Vec<(String, String, String, usize, usize, usize)>,
}

/// The `reg_import.html` template.
#[derive(Template)]
#[template(path = "reg_import.html")]
pub struct ImportPage {
    pub layout: Layout,
    pub preview: Option<Preview>,
    pub versions: Vec<(i64, String, String, String, String, String, String)>,
}
