//! The managers' drill pages. A refused form (the allowed domains, a new campaign — a person
//! outside the allow list is named at their line of the picker —) comes back with 422, what
//! was typed and each problem at its field; sending a campaign whose addresses are no longer
//! allowed comes back to its page with the names and reasons.

use super::views::*;
use crate::FormData;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::tokyo_time;
use crate::views::{Done, Layout, Tried, render};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::drills::{self, CampaignInput, CampaignView, report};
use mamori_domain::drill::{self as rules, Counts, format_rate};

fn state_label(t: &Tr, key: &str) -> String {
    t.t(&format!("drill-state-{key}"))
}

/// What a refusal says of a person (`targets.<id>` problems).
fn refusal_label(t: &Tr, r: rules::Refusal) -> String {
    t.t(r.key())
}

pub(crate) fn input_of(form: &FormData) -> CampaignInput {
    CampaignInput {
        name: form.get("name").into(),
        template: form.get("template").into(),
        report_address: form.get("report_address").into(),
        follow_up: form.get("follow_up").into(),
        people: form.all("people"),
    }
}

async fn list_page(state: &AppState, ctx: &Ctx, s: &Session, form: Tried, done: Option<&str>) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let domains = if form.is("domains") {
        form.v("domains").to_string()
    } else {
        drills::domains(&state.db, a).await?.join("\n")
    };
    let base = state.config.base_url.as_deref().unwrap_or("").trim_end_matches('/');
    let sample_link = format!("{base}{}{}", rules::LINK_PATH, t.t("drill-preview-token"));
    let templates = rules::templates()
        .iter()
        .map(|x| TemplateLine {
            key: x.key.clone(),
            title: x.title.clone(),
            sender_name: x.sender_name.clone(),
            subject: x.subject.clone(),
            body: rules::render(&x.body, &t.t("drill-preview-name"), &sample_link),
        })
        .collect();
    let mut groups: Vec<PickGroup> = Vec::new();
    for c in drills::candidates(&state.db, a, state.today()).await? {
        let line = PickLine {
            error: form.error(&format!("targets.{}", c.id)),
            chosen: form.chose("people", &c.id),
            refusal: c.refusal.map(|r| refusal_label(&t, r)).unwrap_or_default(),
            id: c.id,
            name: c.name,
            email: c.email,
        };
        let department = if c.department.is_empty() { t.t("drill-no-department") } else { c.department };
        match groups.last_mut() {
            Some(g) if g.department == department => g.people.push(line),
            _ => groups.push(PickGroup { department, people: vec![line] }),
        }
    }
    let campaigns = drills::list(&state.db, a)
        .await?
        .into_iter()
        .map(|v| CampaignLine {
            state: state_label(&t, &v.campaign.state),
            created: tokyo_time(v.campaign.created_at),
            sent: v.tally.all.sent,
            click_rate: format_rate(v.tally.all.click_rate()),
            report_rate: format_rate(v.tally.all.report_rate()),
            template: v.template_title,
            id: v.campaign.id,
            name: v.campaign.name,
        })
        .collect();
    let reports = report::list(&state.db, a)
        .await?
        .into_iter()
        .map(|r| ReportLine {
            at: tokyo_time(r.row.created_at),
            reporter: r.reporter,
            campaign: r.campaign.unwrap_or_else(|| t.t("drill-report-general")),
            subject: r.row.subject,
            note: r.row.note,
        })
        .collect();
    let status = if form.failed() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ListPage {
        layout: Layout::new(ctx).with_done("drills", done),
        domains,
        templates,
        groups,
        campaigns,
        reports,
        form,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /drills`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<Done>) -> WebResult {
    list_page(&state, &ctx, &s, Tried::default(), q.done.as_deref()).await
}

/// `GET /drills/domains`: back to the list.
pub async fn to_list() -> WebResult {
    Ok(Redirect::to("/drills").into_response())
}

/// `POST /drills` (`name`, `template`, `report_address`, `follow_up`, `people`…): a draft
/// campaign.
pub async fn create(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    match drills::create(&state.db, &s.actor, &input_of(&form), state.today(), state.now()).await {
        Ok(c) => Ok(Redirect::to(&format!("/drills/{}?done=created", c.id)).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let f = Tried::new(&ctx.tr(), "campaign", &form, &e, String::new());
            list_page(&state, &ctx, &s, f, None).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /drills/domains` (`domains`): the allowed drill domains.
pub async fn domains(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    match drills::set_domains(&state.db, &s.actor, form.get("domains"), state.now()).await {
        Ok(_) => Ok(Redirect::to("/drills?done=domains").into_response()),
        Err(e @ AppError::Validation(_)) => {
            let f = Tried::new(&ctx.tr(), "domains", &form, &e, String::new());
            list_page(&state, &ctx, &s, f, None).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

fn counts(group: String, c: &Counts) -> CountLine {
    CountLine {
        group,
        targets: c.targets,
        sent: c.sent,
        clicked: c.clicked,
        reported: c.reported,
        click_rate: format_rate(c.click_rate()),
        report_rate: format_rate(c.report_rate()),
    }
}

fn when(ms: Option<i64>) -> String {
    ms.map(tokyo_time).unwrap_or_default()
}

fn detail_page(ctx: &Ctx, layout: Layout, v: &CampaignView) -> DetailPage {
    let t = ctx.tr();
    let c = &v.campaign;
    DetailPage {
        layout,
        id: c.id.clone(),
        name: c.name.clone(),
        template: v.template_title.clone(),
        sender_name: c.sender_name.clone(),
        subject: c.subject.clone(),
        report_address: c.report_address.clone(),
        follow_up: c.follow_up.clone(),
        state_key: c.state.clone(),
        state: state_label(&t, &c.state),
        created: tokyo_time(c.created_at),
        sent_at: when(c.sent_at),
        closed_at: when(c.closed_at),
        total: counts(t.t("drill-everyone"), &v.tally.all),
        departments: v
            .tally
            .by_department
            .iter()
            .map(|(d, x)| counts(if d.is_empty() { t.t("drill-no-department") } else { d.clone() }, x))
            .collect(),
        people: v
            .targets
            .iter()
            .map(|p| PersonLine {
                name: p.name.clone(),
                department: p.department.clone(),
                outcome: t.t(&format!("drill-outcome-{}", p.outcome.key().replace('_', "-"))),
                outcome_key: p.outcome.key().replace('_', "-"),
                clicked_at: when(p.clicked_at),
                click_count: p.click_count,
                reported_at: when(p.reported_at),
            })
            .collect(),
        not_reported: v
            .targets
            .iter()
            .filter(|p| p.sent_at.is_some() && p.reported_at.is_none())
            .map(|p| (p.person_id.clone(), p.name.clone()))
            .collect(),
        clickers: v.targets.iter().filter(|p| p.clicked_at.is_some()).map(|p| p.name.clone()).collect(),
        courses: Vec::new(),
    }
}

/// The courses the clickers may be assigned (`training.manage`), the one the follow-up names
/// chosen.
async fn follow_up_courses(
    state: &AppState,
    s: &Session,
    v: &CampaignView,
) -> Result<Vec<(String, String, bool)>, AppError> {
    if !s.actor.grants.has(mamori_domain::permission::Permission::TrainingManage) {
        return Ok(Vec::new());
    }
    let named = drills::follow_up::course_named(&state.db, &s.actor, &v.campaign.follow_up).await?;
    Ok(mamori_app::training::list(&state.db, &s.actor)
        .await?
        .into_iter()
        .filter(|c| c.active)
        .map(|c| {
            let chosen = named.as_deref() == Some(c.id.as_str());
            (c.id, c.title, chosen)
        })
        .collect())
}

/// `POST /drills/{id}/follow-up` (`course_id`): the clickers assigned the course.
pub async fn follow_up(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    drills::follow_up::assign(&state.db, &s.actor, &id, form.get("course_id"), state.today(), state.now()).await?;
    Ok(Redirect::to(&format!("/drills/{id}?done=assigned")).into_response())
}

/// `GET /drills/{id}`: the results.
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> WebResult {
    let v = drills::get(&state.db, &s.actor, &id).await?;
    let layout = Layout::new(&ctx).with_done("drills", q.done.as_deref());
    let mut page = detail_page(&ctx, layout, &v);
    page.courses = follow_up_courses(&state, &s, &v).await?;
    Ok(render(&page).into_response())
}

/// `GET` of a form-only path: back to the campaign (of the organisation only).
pub async fn back(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    drills::get(&state.db, &s.actor, &id).await?;
    Ok(Redirect::to(&format!("/drills/{id}")).into_response())
}

/// The campaign's page again with a message (409 or 422).
async fn refused(state: &AppState, ctx: &Ctx, s: &Session, id: &str, status: StatusCode, message: String) -> WebResult {
    let v = drills::get(&state.db, &s.actor, id).await?;
    let mut layout = Layout::new(ctx);
    layout.error = Some(message);
    Ok((status, render(&detail_page(ctx, layout, &v))).into_response())
}

/// Problems at `targets.<person id>` in words: 「名前: 理由」.
pub(crate) fn named_problems(t: &Tr, v: &CampaignView, problems: &[(String, String)]) -> String {
    problems
        .iter()
        .map(|(f, k)| match f.strip_prefix("targets.") {
            Some(pid) => {
                let name = v.targets.iter().find(|x| x.person_id == pid).map(|x| x.name.as_str()).unwrap_or("");
                format!("{name}: {}", t.t(k))
            }
            None => t.t(k),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `POST /drills/{id}/send`: one mail per person through the outbox.
pub async fn send(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    let t = ctx.tr();
    match drills::send(&state.db, &s.actor, state.config.base_url.as_deref(), &id, state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/drills/{id}?done=sent")).into_response()),
        Err(AppError::Conflict) => refused(&state, &ctx, &s, &id, StatusCode::CONFLICT, t.t("drill-not-draft")).await,
        Err(AppError::Validation(p)) => {
            let v = drills::get(&state.db, &s.actor, &id).await?;
            let m = format!("{} {}", t.t("drill-send-refused"), named_problems(&t, &v, &p));
            refused(&state, &ctx, &s, &id, StatusCode::UNPROCESSABLE_ENTITY, m).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /drills/{id}/close`: results frozen.
pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    match drills::close(&state.db, &s.actor, &id, state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/drills/{id}?done=closed")).into_response()),
        Err(AppError::Conflict) => {
            refused(&state, &ctx, &s, &id, StatusCode::CONFLICT, ctx.tr().t("drill-not-open")).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /drills/{id}/reported` (`person`): a report received at the report address.
pub async fn reported(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    match report::record_for(&state.db, &s.actor, &id, form.get("person"), state.now()).await {
        Ok(()) => Ok(Redirect::to(&format!("/drills/{id}?done=reported")).into_response()),
        Err(AppError::Conflict) => {
            refused(&state, &ctx, &s, &id, StatusCode::CONFLICT, ctx.tr().t("drill-not-open")).await
        }
        Err(AppError::NotFound) => {
            // The campaign exists (checked first): the person is not one mailed in it.
            drills::get(&state.db, &s.actor, &id).await?;
            refused(&state, &ctx, &s, &id, StatusCode::UNPROCESSABLE_ENTITY, ctx.tr().t("drill-person-not-mailed"))
                .await
        }
        Err(e) => Err(e.into()),
    }
}
