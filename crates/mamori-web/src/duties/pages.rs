//! Pages of recurring duties (定期業務): my duties (due soon and overdue), one occurrence with
//! its completion and skip forms, all duties by control or by role, one duty with its settings
//! and history, the decision list of undecided items, the fiscal-year heat map, and the private
//! calendar URL.

use super::views::duty_data;
use super::views::*;
use crate::ctx::Ctx;
use crate::error::WebResult;
use crate::extract::{CsrfForm, Session};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::upload::{self};
use crate::views::{Layout, render};
use crate::{FormData, tokyo_time};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::duties::{self, Choices, Completion, DutyEdit};
use mamori_app::users::Person;
use mamori_domain::permission::Permission;
use mamori_domain::schedule::{Frequency, OccurrenceState, Schedule};
use serde::Deserialize;
use std::collections::BTreeMap;

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

fn freq_label(t: &Tr, d: &DutyData) -> String {
    match (d.decision.as_str(), &d.frequency) {
        ("scheduled", Some(f)) => t.t(&format!("freq-{f}")),
        ("event", _) if d.anchor.is_some() => t.t(&format!("duty-anchor-{}", d.anchor.as_deref().unwrap_or_default())),
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

fn owner_label(t: &Tr, choices: &Choices, d: &DutyData) -> String {
    match &d.assignee_id {
        Some(a) => choices.people.iter().find(|p| &p.0 == a).map(|p| p.1.clone()).unwrap_or_else(|| a.clone()),
        None => role_label(t, choices, d.owner_role.as_deref()),
    }
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
pub async fn mine(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<ScopeQuery>) -> WebResult {
    let a = &s.actor;
    let t = ctx.tr();
    let can_manage = a.grants.has(Permission::DutiesManage);
    let all = can_manage && q.scope.as_deref() == Some("all");
    let limit = if q.full.is_some() { usize::MAX } else { FIRST_ITEMS };
    let soon = duties::due_soon(&state.db, a, all, state.today(), 30, limit).await?;
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

/// The records the occurrences name, by their reference: the register's name and the row's
/// title for rows the reader may read.
async fn record_labels(
    state: &AppState,
    a: &mamori_app::Actor,
    refs: impl Iterator<Item = &str>,
) -> Result<BTreeMap<String, String>, AppError> {
    let mut out = BTreeMap::new();
    for r in refs {
        if !out.contains_key(r)
            && let Some(l) = mamori_app::registers::records::label(&state.db, a, r).await?
        {
            out.insert(r.to_string(), l);
        }
    }
    Ok(out)
}

fn occ_view(t: &Tr, people: &[Person], labels: &BTreeMap<String, String>, v: duties::OccurrenceView) -> OccView {
    let (o, s) = (v.occurrence, v.status);
    // A record is named, never shown as `<register>/<id>`.
    let record_label = o.record_ref.as_deref().map(|r| match labels.get(r) {
        Some(l) => l.clone(),
        None if r.starts_with("requests/") => t.t("duty-record-request"),
        None => t.t("duty-record-hidden"),
    });
    OccView {
        state: state_key(s),
        state_label: t.t(&format!("occ-{}", state_key(s))),
        open: o.state == "open",
        evidence: o.evidence.as_deref().and_then(|e| serde_json::from_str(e).ok()).unwrap_or_default(),
        done_at: o.done_at.map(tokyo_time).unwrap_or_default(),
        id: o.id,
        due: o.due,
        done_by: o.done_by.as_deref().map(|who| mamori_app::users::name_of(people, who)).unwrap_or_default(),
        done_on: o.done_on.unwrap_or_default(),
        note: o.note.unwrap_or_default(),
        skip_reason: o.skip_reason.unwrap_or_default(),
        record_href: o
            .record_ref
            .as_deref()
            .and_then(|r| r.split_once('/'))
            .map(
                |(k, id)| if k == "requests" { format!("/requests/{id}") } else { format!("/registers/{k}/rows/{id}") },
            )
            .unwrap_or_default(),
        record_ref: record_label.unwrap_or_default(),
    }
}

/// Where a duty came from, for a reader: the regulation's sentence; a duty a register's
/// template brings (`register:KEY:TEMPLATE`) says so in words; one added by hand, nothing.
fn source_label(t: &Tr, source: &str) -> String {
    if source.starts_with("manual:") {
        String::new()
    } else if source.starts_with("register:") {
        t.t("duty-source-register")
    } else {
        source.to_string()
    }
}

fn duty_view(t: &Tr, choices: &Choices, d: &DutyData) -> DutyView {
    DutyView {
        id: d.id.clone(),
        title: d.title.clone(),
        control: d.control_id.clone().unwrap_or_default(),
        frequency: freq_label(t, d),
        owner: owner_label(t, choices, d),
        evidence: d.evidence.clone(),
        evidence_label: t.t(&format!("duty-evidence-{}", d.evidence)),
        register_key: d.register_key.clone().unwrap_or_default(),
        register_name: String::new(),
        source_text: source_label(t, &d.source_text),
        context: d.context.clone(),
        confirmed: d.confirmed,
        lead_days: d.lead_days.map(|l| l.to_string()).unwrap_or_default(),
    }
}

/// `GET /duties/occurrences/{id}`.
pub async fn occurrence(State(state): State<AppState>, ctx: Ctx, s: Session, Path(id): Path<String>) -> WebResult {
    occurrence_page(&state, &ctx, &s, &id, None).await
}

async fn occurrence_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    id: &str,
    sent: Option<CompletionForm>,
) -> WebResult {
    let a = &s.actor;
    let t = ctx.tr();
    let (o, d) = duties::occurrence(&state.db, a, id, state.today()).await?;
    let choices = duties::choices(&state.db, a).await?;
    let today = state.today().to_string();
    let failed = sent.is_some();
    let sent = sent.unwrap_or_else(|| CompletionForm { done_on: today.clone(), ..Default::default() });
    let labels = record_labels(state, a, o.occurrence.record_ref.as_deref().into_iter()).await?;
    // A duty kept as a register's rows is completed by picking one of them.
    let records = match d.register_key.as_deref().filter(|_| d.evidence == "record") {
        Some(key) => mamori_app::registers::records::pickable(&state.db, a, key).await?,
        None => Vec::new(),
    };
    let mut duty = duty_view(&t, &choices, &duty_data!(d));
    if !duty.register_key.is_empty() {
        duty.register_name = mamori_app::registers::definition(&state.db, a, &duty.register_key)
            .await
            .map(|r| r.name)
            .unwrap_or_default();
    }
    let page = render(&OccurrencePage {
        layout: Layout::new(ctx),
        occ: occ_view(&t, &mamori_app::users::people(&state.db, a).await?, &labels, o),
        records,
        duty,
        sent: CompletionForm { today, ..sent },
    });
    Ok(if failed { (StatusCode::UNPROCESSABLE_ENTITY, page).into_response() } else { page.into_response() })
}

/// `POST /duties/occurrences/{id}/complete` (multipart: `csrf` first, then `note`,
/// `record_ref` and any number of `file` fields).
pub async fn complete(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    mp: Multipart,
) -> WebResult {
    let (form, files) = upload::receive_form(&state, &ctx, &s.actor, mp).await?;
    let t = ctx.tr();
    let sent = |errors: Vec<(String, String)>| CompletionForm {
        note: form.get("note").to_string(),
        record_ref: form.get("record_ref").to_string(),
        done_on: form.get("done_on").to_string(),
        today: String::new(),
        errors,
    };
    let done_on = match opt(form.get("done_on")).map(|d| d.parse()) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => {
            let errors = vec![("done_on".to_string(), t.t("field-not-date"))];
            return occurrence_page(&state, &ctx, &s, &id, Some(sent(errors))).await;
        }
    };
    let done = Completion {
        note: form.get("note").to_string(),
        evidence: files.into_iter().map(|f| f.sha256).collect(),
        record_ref: Some(form.get("record_ref").to_string()),
        done_on,
    };
    match duties::complete(&state.db, &s.actor, &id, done, state.today(), state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/duties/occurrences/{id}?done=1")).into_response()),
        // A missing piece of evidence or an impossible day: the form again, values kept.
        Err(AppError::Validation(v)) => occurrence_page(&state, &ctx, &s, &id, Some(sent(refusal(&t, v)))).await,
        Err(e) => Err(e.into()),
    }
}

/// `POST /duties/occurrences/{id}/skip`.
pub async fn skip(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    duties::skip(&state.db, &s.actor, &id, form.get("reason"), state.now()).await?;
    Ok(Redirect::to(&format!("/duties/occurrences/{id}")).into_response())
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
        request_types: c.request_types.clone(),
        anchors: duties::ANCHORS.iter().map(|a| (a.to_string(), t.t(&format!("duty-anchor-{a}")))).collect(),
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
        Some(b) if !full => DutyEdit { decision, schedule, anchor: opt(form.get("anchor")).or(b.anchor.clone()), ..b },
        _ => DutyEdit {
            title: form.get("title").to_string(),
            control_id: opt(form.get("control")),
            decision,
            schedule,
            owner_role: opt(form.get("owner_role")),
            assignee_id: opt(form.get("assignee_id")),
            evidence: opt(form.get("evidence")).unwrap_or_else(|| "note".into()),
            register_key: opt(form.get("register_key")).filter(|_| form.get("evidence") == "record"),
            request_type: opt(form.get("request_type")).filter(|_| form.get("evidence") == "request"),
            anchor: opt(form.get("anchor")),
            // An unreadable number is kept as out of range so the form reports it.
            lead_days: opt(form.get("lead_days")).map(|l| l.parse::<i64>().unwrap_or(-1)),
            active: form.get("active") == "1",
        },
    }
}

/// `GET /duties/{id}`: the duty, its settings and its history.
pub async fn duty(State(state): State<AppState>, ctx: Ctx, s: Session, Path(id): Path<String>) -> WebResult {
    duty_page(&state, &ctx, &s, &id, None).await
}

/// The problems of a refused duty form, each at its field, in the reader's language.
fn refusal(t: &Tr, v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.into_iter().map(|(f, k)| (f, t.t(&k))).collect()
}

async fn duty_page(state: &AppState, ctx: &Ctx, s: &Session, id: &str, sent: Option<FormView>) -> WebResult {
    let a = &s.actor;
    let t = ctx.tr();
    let (d, occ) = duties::history(&state.db, a, id, state.today()).await?;
    let choices = duties::choices(&state.db, a).await?;
    let today = state.today().to_string();
    let d = duty_data!(d);
    let people = mamori_app::users::people(&state.db, a).await?;
    let labels = record_labels(state, a, occ.iter().filter_map(|o| o.occurrence.record_ref.as_deref())).await?;
    let failed = sent.is_some();
    let page = render(&DutyPage {
        layout: Layout::new(ctx),
        duty: duty_view(&t, &choices, &d),
        // Future open occurrences are the schedule, not history.
        history: occ
            .into_iter()
            .filter(|o| o.occurrence.state != "open" || o.occurrence.due <= today)
            .map(|o| occ_view(&t, &people, &labels, o))
            .collect(),
        can_manage: a.grants.has(Permission::DutiesManage),
        form: sent.unwrap_or_else(|| FormView::of(Some(&d))),
        choices: form_choices(&t, &choices),
        action: format!("/duties/{}", d.id),
    });
    Ok(if failed { (StatusCode::UNPROCESSABLE_ENTITY, page).into_response() } else { page.into_response() })
}

/// `POST /duties/{id}`: changes a duty (the full form, or `decision` and schedule alone); a
/// refused change comes back on the duty's page with the values sent and each problem at its
/// field.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let a = &s.actor;
    let (d, _) = duties::history(&state.db, a, &id, state.today()).await?;
    let e = edit_of(&form, Some(DutyEdit::of(&d)));
    match duties::update(&state.db, a, &id, e, state.today(), state.now()).await {
        Ok(_) => {}
        Err(AppError::Validation(v)) => {
            let sent = FormView::sent(&form, FormView::of(Some(&duty_data!(d))), refusal(&ctx.tr(), v));
            return duty_page(&state, &ctx, &s, &id, Some(sent)).await;
        }
        Err(e) => return Err(e.into()),
    }
    let back = opt(form.get("back")).filter(|b| b.starts_with("/duties")).unwrap_or_else(|| format!("/duties/{id}"));
    Ok(Redirect::to(&back).into_response())
}

/// `POST /duties`: a duty added by hand; a refused one comes back on the list with the values
/// sent and each problem at its field.
pub async fn create(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    match duties::create(&state.db, &s.actor, edit_of(&form, None), state.today(), state.now()).await {
        Ok(d) => Ok(Redirect::to(&format!("/duties/{}", d.id)).into_response()),
        Err(AppError::Validation(v)) => {
            let sent = FormView::sent(&form, FormView::of(None), refusal(&ctx.tr(), v));
            all_page(&state, &ctx, &s, false, Some(sent)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /duties/offer`: offers duties for the current regulation's recurring items (they
/// wait for confirmation on the list).
pub async fn offer(State(state): State<AppState>, s: Session, _: CsrfForm) -> WebResult {
    duties::offer_from_regulation(&state.db, &s.actor, state.today(), state.now()).await?;
    Ok(Redirect::to("/duties/all#pending").into_response())
}

/// `POST /duties/confirm`: confirms the offered duties ticked (`id`, repeated), or all of them
/// (`all=1`), so that they are scheduled from today.
pub async fn confirm(State(state): State<AppState>, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let ids = form.all("id");
    if form.get("all") == "1" || !ids.is_empty() {
        let ids = if form.get("all") == "1" { Vec::new() } else { ids };
        let today = state.today();
        duties::confirm(&state.db, &s.actor, &ids, today, today, state.now()).await?;
        return Ok(Redirect::to("/duties/all?confirmed=1").into_response());
    }
    Ok(Redirect::to("/duties/all#pending").into_response())
}

/// Grouping of the list.
#[derive(Deserialize, Default)]
pub struct ByQuery {
    by: Option<String>,
}

/// `GET /duties/all`: every duty by control (`?by=role`: by owner role), with its next due
/// date; managers add duties here.
pub async fn all(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<ByQuery>) -> WebResult {
    all_page(&state, &ctx, &s, q.by.as_deref() == Some("role"), None).await
}

async fn all_page(state: &AppState, ctx: &Ctx, s: &Session, by_role: bool, sent: Option<FormView>) -> WebResult {
    let a = &s.actor;
    let t = ctx.tr();
    let list = duties::list(&state.db, a, state.today()).await?;
    let choices = duties::choices(&state.db, a).await?;
    let undecided = list.iter().filter(|d| d.duty.decision == "undecided").count();
    let mut groups: Vec<Group> = Vec::new();
    let (offered, confirmed): (Vec<_>, Vec<_>) = list.into_iter().partition(|d| d.duty.confirmed_at.is_none());
    let mut pending: Vec<DutyView> = offered.iter().map(|d| duty_view(&t, &choices, &duty_data!(d.duty))).collect();
    pending.sort_by(|x, y| {
        mamori_app::open_items::control_order(&x.control).cmp(&mamori_app::open_items::control_order(&y.control))
    });
    let mut sorted: Vec<(DutyData, Option<String>)> =
        confirmed.into_iter().map(|d| (duty_data!(d.duty), d.next_due)).collect();
    // Control numbers in their order: 5.9 before 5.10.
    let order = |d: &DutyData| d.control_id.as_deref().map(mamori_app::open_items::control_order).unwrap_or_default();
    if by_role {
        sorted.sort_by_cached_key(|x| (owner_label(&t, &choices, &x.0), order(&x.0)));
    } else {
        sorted.sort_by_cached_key(|x| order(&x.0));
    }
    for (d, next_due) in sorted {
        let label = if by_role {
            owner_label(&t, &choices, &d)
        } else {
            d.control_id.clone().unwrap_or_else(|| t.t("duty-no-control"))
        };
        let view = (duty_view(&t, &choices, &d), next_due.unwrap_or_default());
        match groups.last_mut() {
            Some(g) if g.label == label => g.duties.push(view),
            _ => groups.push(Group { label, duties: vec![view] }),
        }
    }
    let failed = sent.is_some();
    let page = render(&AllPage {
        layout: Layout::new(ctx),
        pending,
        by_role,
        groups,
        undecided,
        can_manage: a.grants.has(Permission::DutiesManage),
        form: sent.unwrap_or_else(|| FormView::of(None)),
        choices: form_choices(&t, &choices),
        action: "/duties".into(),
    });
    Ok(if failed { (StatusCode::UNPROCESSABLE_ENTITY, page).into_response() } else { page.into_response() })
}

/// `GET /duties/decisions`: "定期的に" items without an interval, each with a decision form.
pub async fn decisions(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    let a = &s.actor;
    let t = ctx.tr();
    let list = duties::list(&state.db, a, state.today()).await?;
    let choices = duties::choices(&state.db, a).await?;
    Ok(render(&DecisionsPage {
        layout: Layout::new(&ctx),
        duties: list
            .iter()
            .filter(|d| d.duty.decision == "undecided")
            .map(|d| duty_view(&t, &choices, &duty_data!(d.duty)))
            .collect(),
        choices: form_choices(&t, &choices),
        can_manage: a.grants.has(Permission::DutiesManage),
    }))
}

/// Which fiscal year.
#[derive(Deserialize, Default)]
pub struct FyQuery {
    fy: Option<i16>,
}

/// `GET /duties/heatmap?fy=2026`: duty × month of a fiscal year.
pub async fn heatmap(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<FyQuery>) -> WebResult {
    let a = &s.actor;
    let t = ctx.tr();
    let today = state.today();
    let fy = q.fy.unwrap_or_else(|| mamori_domain::schedule::fiscal_year(today, 4));
    let h = duties::heatmap(&state.db, a, fy, today).await?;
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

/// `GET /duties/calendar`: how to subscribe; the URL is shown once, when issued.
pub async fn calendar(ctx: Ctx, _: Session) -> WebResult {
    Ok(render(&CalendarPage { layout: Layout::new(&ctx), url: None }))
}

/// `POST /duties/calendar`: issues a new private URL (the old one stops working).
pub async fn calendar_rotate(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    headers: axum::http::HeaderMap,
    _: CsrfForm,
) -> WebResult {
    let token = mamori_app::calendar::rotate(&state.db, &s.actor, state.now()).await?;
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    Ok(render(&CalendarPage {
        layout: Layout::new(&ctx),
        url: Some(format!("{scheme}://{host}/calendar/{token}.ics")),
    }))
}
