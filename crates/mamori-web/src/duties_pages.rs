//! Pages of recurring duties (定期業務): my duties (due soon and overdue), one occurrence with
//! its completion and skip forms, all duties by control or by role, one duty with its settings
//! and history, the decision list of undecided items, the fiscal-year heat map, the private
//! calendar URL, and the reminder mail outbox for administrators.

use crate::ctx::Ctx;
use crate::error::{PageError, PageResult, page_actor as actor, page_csrf as csrf, page_fail as fail};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::views::{Layout, render};
use crate::{FormData, tokyo_time};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use mamori_app::AppError;
use mamori_app::duties::{self, Choices, Completion, DutyEdit};
use mamori_domain::permission::Permission;
use mamori_domain::schedule::{Frequency, OccurrenceState, Schedule};
use mamori_store::rows::{DutyRow, OccurrenceRow};
use serde::Deserialize;

fn today(state: &AppState) -> jiff::civil::Date {
    mamori_app::tokyo_date(state.now())
}

/// The i18n key and CSS class of an occurrence state.
pub fn state_key(s: OccurrenceState) -> &'static str {
    match s {
        OccurrenceState::DoneOnTime => "done_on_time",
        OccurrenceState::DoneLate => "done_late",
        OccurrenceState::Skipped => "skipped",
        OccurrenceState::Missed => "missed",
        OccurrenceState::NotYetDue => "not_yet_due",
    }
}

fn freq_label(t: &Tr, d: &DutyRow) -> String {
    match (d.decision.as_str(), &d.frequency) {
        ("scheduled", Some(f)) => t.t(&format!("freq-{f}")),
        (decision, _) => t.t(&format!("duty-decision-{decision}")),
    }
}

fn role_label(t: &Tr, choices: &Choices, key: Option<&str>) -> String {
    let Some(key) = key else { return "-".into() };
    choices
        .roles
        .iter()
        .find(|r| r.0 == key)
        .map(|r| if t.lang == Lang::En { r.2.clone() } else { r.1.clone() })
        .unwrap_or_else(|| key.to_string())
}

fn owner_label(t: &Tr, choices: &Choices, d: &DutyRow) -> String {
    match &d.assignee_id {
        Some(a) => choices.people.iter().find(|p| &p.0 == a).map(|p| p.1.clone()).unwrap_or_else(|| a.clone()),
        None => role_label(t, choices, d.owner_role.as_deref()),
    }
}

/// A line of a list of occurrences.
pub struct ItemView {
    id: String,
    due: String,
    title: String,
    control: String,
    state: &'static str,
    state_label: String,
}

#[derive(Template)]
#[template(path = "duties_mine.html")]
struct MinePage {
    layout: Layout,
    items: Vec<ItemView>,
    all: bool,
    can_manage: bool,
    overdue: usize,
    more: usize,
}

/// Items shown at first; `?full=1` shows every one.
const FIRST_ITEMS: usize = 100;

/// Which list.
#[derive(Deserialize, Default)]
pub struct ScopeQuery {
    scope: Option<String>,
    full: Option<String>,
}

/// `GET /duties`: my open duties, overdue first, then due within 30 days (`?scope=all`:
/// everybody's, for managers).
pub async fn mine(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ScopeQuery>,
) -> PageResult {
    let a = actor(&ctx)?;
    let t = ctx.tr();
    let can_manage = a.grants.has(Permission::DutiesManage);
    let all = can_manage && q.scope.as_deref() == Some("all");
    let limit = if q.full.is_some() { usize::MAX } else { FIRST_ITEMS };
    let soon = duties::due_soon(&state.db, a, all, today(&state), 30, limit).await.map_err(fail(&ctx))?;
    let (overdue, more) = (soon.overdue, soon.total - soon.items.len());
    let items: Vec<ItemView> = soon
        .items
        .into_iter()
        .map(|i| ItemView {
            state: state_key(i.occurrence.status),
            state_label: t.t(&format!("occ-{}", state_key(i.occurrence.status))),
            id: i.occurrence.occurrence.id,
            due: i.occurrence.occurrence.due,
            title: i.title,
            control: i.control_id.unwrap_or_default(),
        })
        .collect();
    Ok(render(&MinePage { layout: Layout::new(&ctx), items, all, can_manage, overdue, more }))
}

struct OccView {
    id: String,
    due: String,
    open: bool,
    state: &'static str,
    state_label: String,
    done_by: String,
    done_on: String,
    done_at: String,
    note: String,
    evidence: Vec<String>,
    skip_reason: String,
    record_ref: String,
    record_href: String,
}

fn occ_view(t: &Tr, o: OccurrenceRow, s: OccurrenceState) -> OccView {
    OccView {
        state: state_key(s),
        state_label: t.t(&format!("occ-{}", state_key(s))),
        open: o.state == "open",
        evidence: o.evidence.as_deref().and_then(|e| serde_json::from_str(e).ok()).unwrap_or_default(),
        done_at: o.done_at.map(tokyo_time).unwrap_or_default(),
        id: o.id,
        due: o.due,
        done_by: o.done_by.unwrap_or_default(),
        done_on: o.done_on.unwrap_or_default(),
        note: o.note.unwrap_or_default(),
        skip_reason: o.skip_reason.unwrap_or_default(),
        record_href: o
            .record_ref
            .as_deref()
            .and_then(|r| r.split_once('/'))
            .map(|(k, id)| format!("/registers/{k}/rows/{id}"))
            .unwrap_or_default(),
        record_ref: o.record_ref.unwrap_or_default(),
    }
}

struct DutyView {
    id: String,
    title: String,
    control: String,
    frequency: String,
    owner: String,
    evidence: String,
    evidence_label: String,
    register_key: String,
    source_text: String,
}

fn duty_view(t: &Tr, choices: &Choices, d: &DutyRow) -> DutyView {
    DutyView {
        id: d.id.clone(),
        title: d.title.clone(),
        control: d.control_id.clone().unwrap_or_default(),
        frequency: freq_label(t, d),
        owner: owner_label(t, choices, d),
        evidence: d.evidence.clone(),
        evidence_label: t.t(&format!("duty-evidence-{}", d.evidence)),
        register_key: d.register_key.clone().unwrap_or_default(),
        source_text: if d.source_text.starts_with("manual:") { String::new() } else { d.source_text.clone() },
    }
}

#[derive(Template)]
#[template(path = "duty_occurrence.html")]
struct OccurrencePage {
    layout: Layout,
    occ: OccView,
    duty: DutyView,
}

/// `GET /duties/occurrences/{id}`.
pub async fn occurrence(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> PageResult {
    let a = actor(&ctx)?;
    let t = ctx.tr();
    let (o, d) = duties::occurrence(&state.db, a, &id, today(&state)).await.map_err(fail(&ctx))?;
    let choices = duties::choices(&state.db, a).await.map_err(fail(&ctx))?;
    Ok(render(&OccurrencePage {
        layout: Layout::new(&ctx),
        occ: occ_view(&t, o.occurrence, o.status),
        duty: duty_view(&t, &choices, &d),
    }))
}

/// `POST /duties/occurrences/{id}/complete` (multipart: `csrf` first, then `note`,
/// `record_ref` and any number of `file` fields).
pub async fn complete(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    mut mp: Multipart,
) -> PageResult {
    let (form, files) = crate::upload::receive_form(&state, &ctx, &mut mp).await?;
    let done = Completion {
        note: form.get("note").to_string(),
        evidence: files.into_iter().map(|f| f.sha256).collect(),
        record_ref: Some(form.get("record_ref").to_string()),
    };
    duties::complete(&state.db, actor(&ctx)?, &id, done, today(&state), state.now()).await.map_err(fail(&ctx))?;
    Ok(Redirect::to(&format!("/duties/occurrences/{id}")).into_response())
}

/// `POST /duties/occurrences/{id}/skip`.
pub async fn skip(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<FormData>,
) -> PageResult {
    csrf(&ctx, &form)?;
    duties::skip(&state.db, actor(&ctx)?, &id, form.get("reason"), state.now()).await.map_err(fail(&ctx))?;
    Ok(Redirect::to(&format!("/duties/occurrences/{id}")).into_response())
}

/// The values of a duty form.
pub struct FormView {
    title: String,
    control: String,
    decision: String,
    frequency: String,
    day: i64,
    month: i64,
    fiscal_year_start: i64,
    owner_role: String,
    assignee_id: String,
    evidence: String,
    register_key: String,
    active: bool,
}

impl FormView {
    fn of(d: Option<&DutyRow>) -> FormView {
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
                active: d.active == 1,
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
                active: true,
            },
        }
    }
}

/// Option lists of the duty form: (value, label).
pub struct FormChoices {
    frequencies: Vec<(String, String)>,
    decisions: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    people: Vec<(String, String)>,
    evidence: Vec<(String, String)>,
    registers: Vec<(String, String)>,
    months: Vec<i64>,
    days: Vec<i64>,
}

fn form_choices(t: &Tr, c: &Choices) -> FormChoices {
    FormChoices {
        frequencies: ["daily", "weekly", "monthly", "quarterly", "semiannual", "annual"]
            .iter()
            .map(|f| (f.to_string(), t.t(&format!("freq-{f}"))))
            .collect(),
        decisions: duties::DECISIONS.iter().map(|d| (d.to_string(), t.t(&format!("duty-decision-{d}")))).collect(),
        roles: c
            .roles
            .iter()
            .map(|r| (r.0.clone(), if t.lang == Lang::En { r.2.clone() } else { r.1.clone() }))
            .collect(),
        people: c.people.clone(),
        evidence: duties::EVIDENCE_KINDS.iter().map(|e| (e.to_string(), t.t(&format!("duty-evidence-{e}")))).collect(),
        registers: c.registers.clone(),
        months: (1..=12).collect(),
        days: (1..=31).collect(),
    }
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

fn edit_of(form: &FormData, base: Option<DutyEdit>) -> DutyEdit {
    let num = |k: &str, d: u8| form.get(k).trim().parse::<u8>().unwrap_or(d);
    let decision = opt(form.get("decision")).unwrap_or_else(|| "scheduled".into());
    let schedule = if decision == "scheduled" {
        Frequency::from_key(form.get("frequency")).map(|f| Schedule {
            frequency: f,
            day: num("day", 31),
            month: num("month", 3),
            fiscal_year_start: num("fiscal_year_start", 4),
        })
    } else {
        None
    };
    let full = form.get("full") == "1";
    match base {
        Some(b) if !full => DutyEdit { decision, schedule, ..b },
        _ => DutyEdit {
            title: form.get("title").to_string(),
            control_id: opt(form.get("control")),
            decision,
            schedule,
            owner_role: opt(form.get("owner_role")),
            assignee_id: opt(form.get("assignee_id")),
            evidence: opt(form.get("evidence")).unwrap_or_else(|| "note".into()),
            register_key: opt(form.get("register_key")).filter(|_| form.get("evidence") == "record"),
            active: form.get("active") == "1",
        },
    }
}

#[derive(Template)]
#[template(path = "duty.html")]
struct DutyPage {
    layout: Layout,
    duty: DutyView,
    history: Vec<OccView>,
    can_manage: bool,
    form: FormView,
    choices: FormChoices,
    action: String,
}

/// `GET /duties/{id}`: the duty, its settings and its history.
pub async fn duty(State(state): State<AppState>, Extension(ctx): Extension<Ctx>, Path(id): Path<String>) -> PageResult {
    let a = actor(&ctx)?;
    let t = ctx.tr();
    let (d, occ) = duties::history(&state.db, a, &id, today(&state)).await.map_err(fail(&ctx))?;
    let choices = duties::choices(&state.db, a).await.map_err(fail(&ctx))?;
    let today = today(&state).to_string();
    Ok(render(&DutyPage {
        layout: Layout::new(&ctx),
        duty: duty_view(&t, &choices, &d),
        // Future open occurrences are the schedule, not history.
        history: occ
            .into_iter()
            .filter(|o| o.occurrence.state != "open" || o.occurrence.due <= today)
            .map(|o| occ_view(&t, o.occurrence, o.status))
            .collect(),
        can_manage: a.grants.has(Permission::DutiesManage),
        form: FormView::of(Some(&d)),
        choices: form_choices(&t, &choices),
        action: format!("/duties/{}", d.id),
    }))
}

/// `POST /duties/{id}`: changes a duty (the full form, or `decision` and schedule alone).
pub async fn update(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<FormData>,
) -> PageResult {
    csrf(&ctx, &form)?;
    let a = actor(&ctx)?;
    let (d, _) = duties::history(&state.db, a, &id, today(&state)).await.map_err(fail(&ctx))?;
    let e = edit_of(&form, Some(DutyEdit::of(&d)));
    duties::update(&state.db, a, &id, e, today(&state), state.now()).await.map_err(fail(&ctx))?;
    let back = opt(form.get("back")).filter(|b| b.starts_with("/duties")).unwrap_or_else(|| format!("/duties/{id}"));
    Ok(Redirect::to(&back).into_response())
}

/// `POST /duties`: a duty added by hand.
pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<FormData>,
) -> PageResult {
    csrf(&ctx, &form)?;
    let d = duties::create(&state.db, actor(&ctx)?, edit_of(&form, None), today(&state), state.now())
        .await
        .map_err(fail(&ctx))?;
    Ok(Redirect::to(&format!("/duties/{}", d.id)).into_response())
}

/// `POST /duties/offer`: creates duties for the current regulation's recurring items.
pub async fn offer(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<FormData>,
) -> PageResult {
    csrf(&ctx, &form)?;
    duties::offer_from_regulation(&state.db, actor(&ctx)?, today(&state), state.now()).await.map_err(fail(&ctx))?;
    Ok(Redirect::to("/duties/all").into_response())
}

struct Group {
    label: String,
    duties: Vec<(DutyView, String)>,
}

#[derive(Template)]
#[template(path = "duties_all.html")]
struct AllPage {
    layout: Layout,
    by_role: bool,
    groups: Vec<Group>,
    undecided: usize,
    can_manage: bool,
    form: FormView,
    choices: FormChoices,
    action: String,
}

/// Grouping of the list.
#[derive(Deserialize, Default)]
pub struct ByQuery {
    by: Option<String>,
}

/// `GET /duties/all`: every duty by control (`?by=role`: by owner role), with its next due
/// date; managers add duties here.
pub async fn all(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ByQuery>,
) -> PageResult {
    let a = actor(&ctx)?;
    let t = ctx.tr();
    let by_role = q.by.as_deref() == Some("role");
    let list = duties::list(&state.db, a, today(&state)).await.map_err(fail(&ctx))?;
    let choices = duties::choices(&state.db, a).await.map_err(fail(&ctx))?;
    let undecided = list.iter().filter(|d| d.duty.decision == "undecided").count();
    let mut groups: Vec<Group> = Vec::new();
    let mut sorted = list;
    if by_role {
        sorted.sort_by(|x, y| {
            (owner_label(&t, &choices, &x.duty), &x.duty.control_id)
                .cmp(&(owner_label(&t, &choices, &y.duty), &y.duty.control_id))
        });
    }
    for d in sorted {
        let label = if by_role {
            owner_label(&t, &choices, &d.duty)
        } else {
            d.duty.control_id.clone().unwrap_or_else(|| t.t("duty-no-control"))
        };
        let view = (duty_view(&t, &choices, &d.duty), d.next_due.unwrap_or_default());
        match groups.last_mut() {
            Some(g) if g.label == label => g.duties.push(view),
            _ => groups.push(Group { label, duties: vec![view] }),
        }
    }
    Ok(render(&AllPage {
        layout: Layout::new(&ctx),
        by_role,
        groups,
        undecided,
        can_manage: a.grants.has(Permission::DutiesManage),
        form: FormView::of(None),
        choices: form_choices(&t, &choices),
        action: "/duties".into(),
    }))
}

#[derive(Template)]
#[template(path = "duties_decisions.html")]
struct DecisionsPage {
    layout: Layout,
    duties: Vec<DutyView>,
    choices: FormChoices,
    can_manage: bool,
}

/// `GET /duties/decisions`: "定期的に" items without an interval, each with a decision form.
pub async fn decisions(State(state): State<AppState>, Extension(ctx): Extension<Ctx>) -> PageResult {
    let a = actor(&ctx)?;
    let t = ctx.tr();
    let list = duties::list(&state.db, a, today(&state)).await.map_err(fail(&ctx))?;
    let choices = duties::choices(&state.db, a).await.map_err(fail(&ctx))?;
    Ok(render(&DecisionsPage {
        layout: Layout::new(&ctx),
        duties: list
            .iter()
            .filter(|d| d.duty.decision == "undecided")
            .map(|d| duty_view(&t, &choices, &d.duty))
            .collect(),
        choices: form_choices(&t, &choices),
        can_manage: a.grants.has(Permission::DutiesManage),
    }))
}

struct HeatRowView {
    id: String,
    title: String,
    control: String,
    frequency: String,
    cells: Vec<(&'static str, String, u32)>,
}

#[derive(Template)]
#[template(path = "duties_heatmap.html")]
struct HeatPage {
    layout: Layout,
    fy: i16,
    months: Vec<String>,
    rows: Vec<HeatRowView>,
    legend: Vec<(&'static str, String)>,
}

/// Which fiscal year.
#[derive(Deserialize, Default)]
pub struct FyQuery {
    fy: Option<i16>,
}

/// `GET /duties/heatmap?fy=2026`: duty × month of a fiscal year.
pub async fn heatmap(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<FyQuery>,
) -> PageResult {
    let a = actor(&ctx)?;
    let t = ctx.tr();
    let today = today(&state);
    let fy = q.fy.unwrap_or_else(|| mamori_domain::schedule::fiscal_year(today, 4));
    let h = duties::heatmap(&state.db, a, fy, today).await.map_err(fail(&ctx))?;
    let states = [
        OccurrenceState::DoneOnTime,
        OccurrenceState::DoneLate,
        OccurrenceState::Skipped,
        OccurrenceState::Missed,
        OccurrenceState::NotYetDue,
    ];
    Ok(render(&HeatPage {
        layout: Layout::new(&ctx),
        fy,
        months: h.months.iter().map(|(y, m)| format!("{y}-{m:02}")).collect(),
        rows: h
            .rows
            .iter()
            .map(|r| HeatRowView {
                id: r.duty_id.clone(),
                title: r.title.clone(),
                control: r.control_id.clone().unwrap_or_default(),
                frequency: r.frequency.as_deref().map(|f| t.t(&format!("freq-{f}"))).unwrap_or_default(),
                cells: r
                    .cells
                    .iter()
                    .map(|c| match c.state {
                        Some(s) => (state_key(s), t.t(&format!("occ-{}", state_key(s))), c.count),
                        None => ("none", String::new(), 0),
                    })
                    .collect(),
            })
            .collect(),
        legend: states.iter().map(|s| (state_key(*s), t.t(&format!("occ-{}", state_key(*s))))).collect(),
    }))
}

#[derive(Template)]
#[template(path = "duties_calendar.html")]
struct CalendarPage {
    layout: Layout,
    url: Option<String>,
}

/// `GET /duties/calendar`: how to subscribe; the URL is shown once, when issued.
pub async fn calendar(Extension(ctx): Extension<Ctx>) -> PageResult {
    actor(&ctx)?;
    Ok(render(&CalendarPage { layout: Layout::new(&ctx), url: None }))
}

/// `POST /duties/calendar`: issues a new private URL (the old one stops working).
pub async fn calendar_rotate(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: axum::http::HeaderMap,
    Form(form): Form<FormData>,
) -> PageResult {
    csrf(&ctx, &form)?;
    let token = mamori_app::calendar::rotate(&state.db, actor(&ctx)?, state.now()).await.map_err(fail(&ctx))?;
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    Ok(render(&CalendarPage {
        layout: Layout::new(&ctx),
        url: Some(format!("{scheme}://{host}/calendar/{token}.ics")),
    }))
}

struct MailView {
    id: String,
    created: String,
    kind: String,
    recipient: String,
    subject: String,
    attempts: i64,
    sent: String,
    error: String,
}

#[derive(Template)]
#[template(path = "mail_outbox.html")]
struct OutboxPage {
    layout: Layout,
    mails: Vec<MailView>,
    failing: usize,
}

/// `GET /admin/mail`: the reminder outbox, failures first.
pub async fn outbox(State(state): State<AppState>, Extension(ctx): Extension<Ctx>) -> PageResult {
    let a = actor(&ctx)?;
    let t = ctx.tr();
    let mut list = mamori_app::reminders::outbox(&state.db, a, 500).await.map_err(fail(&ctx))?;
    list.sort_by_key(|m| (m.last_error.is_none() || m.sent_at.is_some(), std::cmp::Reverse(m.created_at)));
    let mails: Vec<MailView> = list
        .into_iter()
        .map(|m| MailView {
            created: tokyo_time(m.created_at),
            kind: t.t(&format!("mail-kind-{}", m.kind)),
            sent: m.sent_at.map(tokyo_time).unwrap_or_default(),
            error: if m.sent_at.is_some() { String::new() } else { m.last_error.unwrap_or_default() },
            id: m.id,
            recipient: m.recipient,
            subject: m.subject,
            attempts: m.attempts,
        })
        .collect();
    let failing = mails.iter().filter(|m| !m.error.is_empty()).count();
    Ok(render(&OutboxPage { layout: Layout::new(&ctx), mails, failing }))
}

/// `POST /admin/mail/{id}/retry`.
pub async fn outbox_retry(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<FormData>,
) -> PageResult {
    csrf(&ctx, &form)?;
    mamori_app::reminders::retry(&state.db, actor(&ctx)?, &id, state.now()).await.map_err(|e| match e {
        AppError::NotFound => PageError::new(&ctx, AppError::Conflict),
        e => PageError::new(&ctx, e),
    })?;
    Ok(Redirect::to("/admin/mail").into_response())
}
