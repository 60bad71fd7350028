//! The outsourced development section of a supplier's page (kind 委託開発, 8.30): the plan with
//! each milestone's planned date, latest reported progress and 遅延, the progress reports, the
//! form recording a report of the 委託先の責任者, the re-subcontracting requests (8.30 (4)) and
//! the deliveries with their acceptance, each request named by its number. What it shows is
//! decided by `mamori_app::suppliers::development` (the registers' view roles, who may see a
//! request); the template is `supplier_development.html`.

use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::views::Tried;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::suppliers::{SupplierView, development as dev};
use mamori_domain::development::Standing;

/// One milestone of the plan.
pub struct MilestoneRow {
    pub name: String,
    pub planned_on: String,
    /// 「70%」, or empty.
    pub progress: String,
    pub reported_on: String,
    /// `done`, `late`, `on_track` or `not_reported`.
    pub state: &'static str,
    pub state_label: String,
    pub late: bool,
    /// The report form's field for it (`progress-N`), what was typed and its problem.
    pub field: String,
    pub typed: String,
    pub error: String,
}

/// One progress line reported.
pub struct ReportRow {
    pub reported_on: String,
    pub reporter: String,
    pub milestone: String,
    pub progress: String,
    pub issues: String,
}

/// A request about the supplier (re-subcontracting or acceptance).
pub struct RequestLine {
    pub href: String,
    pub number: String,
    /// Subcontractor, or deliverable.
    pub what: String,
    /// The work subcontracted, or the delivery date.
    pub detail: String,
    /// The warranty period (acceptances).
    pub warranty: String,
    pub state: &'static str,
    pub state_label: String,
}

/// The section's data.
pub struct Section {
    pub milestones: Vec<MilestoneRow>,
    pub reports: Vec<ReportRow>,
    pub resubcontracting: Vec<RequestLine>,
    pub acceptances: Vec<RequestLine>,
    /// May add milestones and record reports.
    pub may_record: bool,
    /// The links to the new-request forms, with the supplier filled in.
    pub new_resubcontracting: String,
    pub new_acceptance: String,
    /// Today (the report date's default).
    pub today: String,
}

fn line(t: &Tr, prefix: &str, id: &str, number: &str, standing: Standing) -> (String, String, &'static str, String) {
    let state = standing.key();
    (format!("/requests/{id}"), number.to_string(), state, t.t(&format!("{prefix}-{}", state.replace('_', "-"))))
}

/// The section for supplier `x` (none for another kind), with a refused report form's values.
pub fn section(t: &Tr, x: &SupplierView, tried: &Tried, today: &str) -> Option<Section> {
    let d = x.development.as_ref()?;
    let mine = tried.is("progress");
    let milestones = d
        .milestones
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let state = if m.done {
                "done"
            } else if m.late {
                "late"
            } else if m.progress.is_some() {
                "on_track"
            } else {
                "not_reported"
            };
            let field = format!("progress-{i}");
            MilestoneRow {
                name: m.name.clone(),
                planned_on: m.planned_on.to_string(),
                progress: m.progress.map(|p| format!("{p}%")).unwrap_or_default(),
                reported_on: m.reported_on.map(|d| d.to_string()).unwrap_or_default(),
                state,
                state_label: t.t(&format!("dev-state-{}", state.replace('_', "-"))),
                late: m.late,
                typed: if mine { tried.v(&field).to_string() } else { String::new() },
                error: if mine { tried.error(&field) } else { String::new() },
                field,
            }
        })
        .collect();
    let name = crate::respond::urlencode(x.name());
    Some(Section {
        milestones,
        reports: d
            .reports
            .iter()
            .map(|r| ReportRow {
                reported_on: r.reported_on.clone(),
                reporter: r.reporter.clone(),
                milestone: r.milestone.clone(),
                progress: format!("{}%", r.progress),
                issues: r.issues.clone(),
            })
            .collect(),
        resubcontracting: d
            .resubcontracting
            .iter()
            .map(|r| {
                let (href, number, state, state_label) = line(t, "dev-standing", &r.request_id, &r.number, r.standing);
                RequestLine {
                    href,
                    number,
                    what: r.subcontractor.clone(),
                    detail: r.work.clone(),
                    warranty: String::new(),
                    state,
                    state_label,
                }
            })
            .collect(),
        acceptances: d
            .acceptances
            .iter()
            .map(|a| {
                let (href, number, state, state_label) = line(t, "dev-acc", &a.request_id, &a.number, a.standing);
                RequestLine {
                    href,
                    number,
                    what: a.deliverable.clone(),
                    detail: a.delivered_on.clone(),
                    warranty: a.warranty.clone(),
                    state,
                    state_label,
                }
            })
            .collect(),
        may_record: d.may_record,
        new_resubcontracting: format!("/requests/new/{}?supplier={name}", dev::SUBCONTRACTING),
        new_acceptance: format!("/requests/new/{}?supplier={name}", dev::ACCEPTANCE),
        today: today.to_string(),
    })
}

/// `POST /suppliers/{id}/progress` (`reported_on`, `reporter`, `issues`, and `milestone-N` with
/// `progress-N` per milestone): records a progress report; a refused one comes back with what
/// was typed and each problem at its field.
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let mut items = Vec::new();
    for i in 0..=mamori_app::checks::MAX_ENTRIES {
        let k = format!("milestone-{i}");
        if !form.has(&k) {
            break;
        }
        items.push((form.get(&k).to_string(), form.get(&format!("progress-{i}")).to_string()));
    }
    let input = dev::ReportInput {
        reported_on: form.get("reported_on").to_string(),
        reporter: form.get("reporter").to_string(),
        issues: form.get("issues").to_string(),
        items,
    };
    match dev::record_report(&state.db, &s.actor, &id, input, state.today(), state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/suppliers/{id}?done=progress#development")).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let t = ctx.tr();
            let tried = Tried::new(&t, "progress", &form, &e, String::new());
            super::pages::detail_page(&state, &ctx, &s, &id, None, tried, None).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}
