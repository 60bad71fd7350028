//! Templates of the recurring-duty pages.

use crate::views::Layout;
use askama::Template;

/// A line of a list of occurrences.
pub struct ItemView {
    pub id: String,
    pub due: String,
    pub title: String,
    pub control: String,
    pub state: &'static str,
    pub state_label: String,
}

/// The `duties_mine.html` template.
#[derive(Template)]
#[template(path = "duties_mine.html")]
pub struct MinePage {
    pub layout: Layout,
    pub items: Vec<ItemView>,
    pub all: bool,
    pub can_manage: bool,
    pub overdue: usize,
    pub more: usize,
}

/// A occ view (template data).
pub struct OccView {
    pub id: String,
    pub due: String,
    pub open: bool,
    pub state: &'static str,
    pub state_label: String,
    pub done_by: String,
    pub done_on: String,
    pub done_at: String,
    pub note: String,
    pub evidence: Vec<String>,
    pub skip_reason: String,
    pub record_ref: String,
    pub record_href: String,
}

/// A duty view (template data).
pub struct DutyView {
    pub id: String,
    pub title: String,
    pub control: String,
    pub frequency: String,
    pub owner: String,
    pub evidence: String,
    pub evidence_label: String,
    pub register_key: String,
    /// The register's name (filled where a page shows it; empty when the reader may not see it).
    pub register_name: String,
    pub source_text: String,
    /// The regulation's sub-heading the duty came from.
    pub context: String,
    /// False while the duty is only offered (not yet confirmed by the organisation).
    pub confirmed: bool,
    /// Reminder lead time ("" when the server's setting applies).
    pub lead_days: String,
}

/// The `duty_occurrence.html` template.
#[derive(Template)]
#[template(path = "duty_occurrence.html")]
pub struct OccurrencePage {
    pub layout: Layout,
    pub occ: OccView,
    pub duty: DutyView,
    /// The register rows the record may be picked from: (`<register>/<id>`, title).
    pub records: Vec<(String, String)>,
    /// The completion form's values: note, record, day done (today unless sent).
    pub sent: CompletionForm,
}

/// The completion form's values and the problems of a refused attempt.
#[derive(Default)]
pub struct CompletionForm {
    pub note: String,
    pub record_ref: String,
    pub done_on: String,
    pub today: String,
    pub errors: Vec<(String, String)>,
}

impl CompletionForm {
    /// The message for a field, if any.
    pub fn error(&self, field: &str) -> String {
        self.errors.iter().filter(|e| e.0 == field).map(|e| e.1.clone()).collect::<Vec<_>>().join(" ")
    }
}

/// The values of a duty form.
pub struct FormView {
    pub title: String,
    pub control: String,
    pub decision: String,
    pub frequency: String,
    pub day: i64,
    pub month: i64,
    pub fiscal_year_start: i64,
    pub owner_role: String,
    pub assignee_id: String,
    pub evidence: String,
    pub register_key: String,
    pub request_type: String,
    pub anchor: String,
    pub lead_days: String,
    pub active: bool,
    /// Problems of the last attempt, by field: (field, message).
    pub errors: Vec<(String, String)>,
}

impl FormView {
    /// The message for a field, if any.
    pub fn error(&self, field: &str) -> String {
        self.errors.iter().filter(|e| e.0 == field).map(|e| e.1.clone()).collect::<Vec<_>>().join(" ")
    }

    /// The values as sent, to show again with the problems found.
    pub fn sent(form: &crate::FormData, base: FormView, errors: Vec<(String, String)>) -> FormView {
        let keep = |k: &str, old: String| if form.has(k) { form.get(k).to_string() } else { old };
        let num = |k: &str, old: i64| if form.has(k) { form.get(k).trim().parse().unwrap_or(old) } else { old };
        let full = form.get("full") == "1";
        FormView {
            title: keep("title", base.title),
            control: keep("control", base.control),
            decision: keep("decision", base.decision),
            frequency: keep("frequency", base.frequency),
            day: num("day", base.day),
            month: num("month", base.month),
            fiscal_year_start: num("fiscal_year_start", base.fiscal_year_start),
            owner_role: keep("owner_role", base.owner_role),
            assignee_id: keep("assignee_id", base.assignee_id),
            evidence: keep("evidence", base.evidence),
            register_key: keep("register_key", base.register_key),
            request_type: keep("request_type", base.request_type),
            anchor: keep("anchor", base.anchor),
            lead_days: keep("lead_days", base.lead_days),
            active: if full { form.get("active") == "1" } else { base.active },
            errors,
        }
    }

    /// The form's values: the duty's, or a new duty's defaults.
    pub fn of(d: Option<&DutyData>) -> FormView {
        match d {
            Some(d) => FormView {
                title: d.title.clone(),
                control: d.control_id.clone().unwrap_or_default(),
                decision: d.decision.clone(),
                frequency: d.frequency.clone().unwrap_or_else(|| "monthly".into()),
                day: d.anchor_day,
                month: d.anchor_month,
                fiscal_year_start: d.fiscal_year_start,
                owner_role: d.owner_role.clone().unwrap_or_default(),
                assignee_id: d.assignee_id.clone().unwrap_or_default(),
                evidence: d.evidence.clone(),
                register_key: d.register_key.clone().unwrap_or_default(),
                request_type: d.request_type.clone().unwrap_or_default(),
                anchor: d.anchor.clone().unwrap_or_default(),
                lead_days: d.lead_days.map(|l| l.to_string()).unwrap_or_default(),
                active: d.active,
                errors: Vec::new(),
            },
            None => FormView {
                title: String::new(),
                control: String::new(),
                decision: "scheduled".into(),
                frequency: "monthly".into(),
                day: 31,
                month: 3,
                fiscal_year_start: 4,
                owner_role: String::new(),
                assignee_id: String::new(),
                evidence: "note".into(),
                register_key: String::new(),
                request_type: String::new(),
                anchor: String::new(),
                lead_days: String::new(),
                active: true,
                errors: Vec::new(),
            },
        }
    }
}

/// Option lists of the duty form: (value, label).
pub struct FormChoices {
    pub frequencies: Vec<(String, String)>,
    pub decisions: Vec<(String, String)>,
    pub roles: Vec<(String, String)>,
    pub people: Vec<(String, String)>,
    pub evidence: Vec<(String, String)>,
    pub registers: Vec<(String, String)>,
    pub request_types: Vec<(String, String)>,
    pub anchors: Vec<(String, String)>,
    pub months: Vec<i64>,
    pub days: Vec<i64>,
}

/// The `duty.html` template.
#[derive(Template)]
#[template(path = "duty.html")]
pub struct DutyPage {
    pub layout: Layout,
    pub duty: DutyView,
    pub history: Vec<OccView>,
    pub can_manage: bool,
    pub form: FormView,
    pub choices: FormChoices,
    pub action: String,
}

/// A group (template data).
pub struct Group {
    pub label: String,
    pub duties: Vec<(DutyView, String)>,
}

/// The `duties_all.html` template.
#[derive(Template)]
#[template(path = "duties_all.html")]
pub struct AllPage {
    pub layout: Layout,
    /// Offered duties waiting for the organisation's confirmation.
    pub pending: Vec<DutyView>,
    pub by_role: bool,
    pub groups: Vec<Group>,
    pub undecided: usize,
    pub can_manage: bool,
    pub form: FormView,
    pub choices: FormChoices,
    pub action: String,
}

/// The `duties_decisions.html` template.
#[derive(Template)]
#[template(path = "duties_decisions.html")]
pub struct DecisionsPage {
    pub layout: Layout,
    pub duties: Vec<DutyView>,
    pub choices: FormChoices,
    pub can_manage: bool,
}

/// A heat row view (template data).
pub struct HeatRowView {
    pub id: String,
    pub title: String,
    pub control: String,
    pub frequency: String,
    pub cells: Vec<(&'static str, String, u32)>,
}

/// The `duties_heatmap.html` template.
#[derive(Template)]
#[template(path = "duties_heatmap.html")]
pub struct HeatPage {
    pub layout: Layout,
    pub fy: i16,
    pub months: Vec<String>,
    pub rows: Vec<HeatRowView>,
    pub legend: Vec<(&'static str, String)>,
}

/// The `duties_calendar.html` template.
#[derive(Template)]
#[template(path = "duties_calendar.html")]
pub struct CalendarPage {
    pub layout: Layout,
    pub url: Option<String>,
}

/// A duty's settings as the pages show them, taken from the use cases' duty row.
#[derive(Debug, Clone)]
pub struct DutyData {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Annex A control.
    pub control_id: Option<String>,
    /// `scheduled`, `event`, `undecided`, ….
    pub decision: String,
    /// Frequency key when scheduled.
    pub frequency: Option<String>,
    /// Anchor day of month.
    pub anchor_day: i64,
    /// Anchor month.
    pub anchor_month: i64,
    /// First month of the fiscal year.
    pub fiscal_year_start: i64,
    /// Owner role key.
    pub owner_role: Option<String>,
    /// Assigned person (user id).
    pub assignee_id: Option<String>,
    /// Evidence kind.
    pub evidence: String,
    /// Register for `record` evidence.
    pub register_key: Option<String>,
    /// The regulation's sentence it came from (`manual:…` when added by hand).
    pub source_text: String,
    /// Active.
    pub active: bool,
    /// The request type whose completed request completes it.
    pub request_type: Option<String>,
    /// The event it is anchored to.
    pub anchor: Option<String>,
    /// Reminder lead time (none: the server's setting).
    pub lead_days: Option<i64>,
    /// The regulation's sub-heading.
    pub context: String,
    /// Confirmed by the organisation.
    pub confirmed: bool,
}

/// Builds a [`DutyData`] from a duty row returned by `mamori_app::duties`.
macro_rules! duty_data {
    ($row:expr) => {{
        let d = &$row;
        $crate::duties::views::DutyData {
            id: d.id.clone(),
            title: d.title.clone(),
            control_id: d.control_id.clone(),
            decision: d.decision.clone(),
            frequency: d.frequency.clone(),
            anchor_day: d.anchor_day,
            anchor_month: d.anchor_month,
            fiscal_year_start: d.fiscal_year_start,
            owner_role: d.owner_role.clone(),
            assignee_id: d.assignee_id.clone(),
            evidence: d.evidence.clone(),
            register_key: d.register_key.clone(),
            source_text: d.source_text.clone(),
            active: d.active == 1,
            request_type: d.request_type.clone(),
            anchor: d.anchor.clone(),
            lead_days: d.lead_days,
            context: d.context.clone(),
            confirmed: d.confirmed_at.is_some(),
        }
    }};
}
pub(crate) use duty_data;
