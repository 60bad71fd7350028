//! The nonconformity pages: the list (with the raise form and the duties missed repeatedly) and
//! one nonconformity with its action and effectiveness check. A refused form comes back on
//! the same page with what was typed and every problem at its field.

use super::views::{DetailPage, ListPage, MissedRow, NcRow};
use crate::FormData;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult, message};
use crate::extract::{CsrfForm, Session};
use crate::state::AppState;
use crate::tokyo_time;
use crate::views::{Done, Layout, Tried, render};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use jiff::ToSpan;
use mamori_app::AppError;
use mamori_app::nonconformities::{self as nc, NewNonconformity, missed};
use mamori_app::users::Person;
use mamori_domain::nonconformity::Source;
use mamori_domain::permission::Permission;
use serde_json::Value;

fn is_manager(s: &Session) -> bool {
    nc::is_manager(&s.actor)
}

fn text(v: &serde_json::Map<String, Value>, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn name_of(people: &[Person], id: Option<&str>) -> String {
    id.and_then(|id| people.iter().find(|p| p.id == id)).map(|p| p.name.clone()).unwrap_or_default()
}

async fn list_page(state: &AppState, ctx: &Ctx, s: &Session, tried: Tried) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let today = state.today();
    let people = mamori_app::users::people(&state.db, a).await?;
    let rows: Vec<NcRow> = nc::overview(&state.db, a)
        .await?
        .into_iter()
        .map(|v| {
            let r = &v.record;
            let due = text(&v.report, "due");
            NcRow {
                id: r.id.clone(),
                number: nc::number_label(r.number),
                source: t.t(&format!("nc-source-{}", r.source)),
                control: r.control_id.clone().unwrap_or_default(),
                text: text(&v.report, "nonconformity"),
                owner: name_of(&people, r.owner_id.as_deref()),
                overdue: r.state == "open" && due.parse::<jiff::civil::Date>().is_ok_and(|d| d < today),
                due,
                state: r.state.clone(),
                state_label: t.t(&format!("nc-state-{}", r.state)),
            }
        })
        .collect();
    let may_raise = is_manager(s);
    let missed = if may_raise {
        missed::candidates(&state.db, a, today)
            .await?
            .into_iter()
            .map(|m| MissedRow {
                duty_id: m.duty_id,
                title: m.title,
                control: m.control_id.unwrap_or_default(),
                missed: m.missed,
            })
            .collect()
    } else {
        Vec::new()
    };
    let status = tried.status();
    let page = ListPage {
        layout: Layout::new(ctx),
        open_count: rows.iter().filter(|r| r.state != "closed").count(),
        rows,
        may_raise,
        sources: [Source::Finding, Source::InternalAudit, Source::CertificationAudit, Source::Incident]
            .into_iter()
            .map(|k| (k.key().to_string(), t.t(&format!("nc-source-{}", k.key()))))
            .collect(),
        people: people.into_iter().filter(|p| p.active).map(|p| (p.id, p.name)).collect(),
        missed,
        default_due: today.checked_add(30.days()).map(|d| d.to_string()).unwrap_or_default(),
        tried,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /nonconformities`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    list_page(&state, &ctx, &s, Tried::default()).await
}

fn new_from(form: &FormData) -> Result<NewNonconformity, AppError> {
    let mut problems = Vec::new();
    let source =
        Source::from_key(form.get("source")).filter(|s| !matches!(s, Source::MissedDuty | Source::ContinuityTest));
    if source.is_none() {
        problems.push(("source".to_string(), "field-not-a-choice".to_string()));
    }
    let due = form.get("due").parse();
    if due.is_err() {
        problems.push(("due".to_string(), "field-invalid-date".to_string()));
    }
    if let (Some(source), Ok(due)) = (source, due)
        && problems.is_empty()
    {
        let control = form.get("control").trim();
        return Ok(NewNonconformity {
            source,
            source_ref: None,
            control_id: Some(control.to_string()).filter(|c| !c.is_empty()),
            text: form.get("text").to_string(),
            owner_id: form.get("owner_id").to_string(),
            due,
        });
    }
    Err(AppError::Validation(problems))
}

/// `POST /nonconformities`: `source`, `control`, `text`, `owner_id`, `due`.
pub async fn raise(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let result = match new_from(&form) {
        Ok(n) => nc::raise(&state.db, &s.actor, n, state.now()).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => Ok(Redirect::to(&format!("/nonconformities/{}?done=raised", v.record.id)).into_response()),
        Err(e @ (AppError::Validation(_) | AppError::Forbidden)) => {
            let m = message(&ctx, &e);
            list_page(&state, &ctx, &s, Tried::new(&ctx.tr(), "raise", &form, &e, m)).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /nonconformities/missed/{duty}`.
pub async fn raise_missed(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    match missed::raise_for_duty(&state.db, &s.actor, &id, state.today(), state.now()).await {
        Ok(v) => Ok(Redirect::to(&format!("/nonconformities/{}?done=raised", v.record.id)).into_response()),
        Err(e @ (AppError::Conflict | AppError::Forbidden | AppError::Validation(_))) => {
            let m = ctx.tr().t("nc-missed-gone");
            list_page(&state, &ctx, &s, Tried::new(&ctx.tr(), "missed", &form, &e, m)).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    id: &str,
    done: Option<&str>,
    tried: Tried,
) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let v = nc::get(&state.db, a, id).await?;
    let people = mamori_app::users::people(&state.db, a).await?;
    let r = &v.record;
    let origin = nc::origin(&state.db, a, r).await?.map(|(kind, oid, label)| {
        let (href, label) = match kind.as_str() {
            "incident" => {
                let n = label.parse().map(mamori_app::incidents::number_label).unwrap_or(label);
                (format!("/incidents/{oid}"), t.t1("nc-origin-incident", "number", &n))
            }
            "internal_audit" => (
                if a.grants.has(Permission::InternalAuditsView) {
                    format!("/internal-audits/{oid}")
                } else {
                    String::new()
                },
                t.t1("nc-origin-internal-audit", "number", &label),
            ),
            "continuity_test" => (
                format!("/registers/{}/rows/{oid}", mamori_app::continuity::drills::REGISTER),
                t.t1("nc-origin-continuity-test", "title", &label),
            ),
            _ => (
                if a.grants.has(Permission::DutiesView) { format!("/duties/{oid}") } else { String::new() },
                t.t1("nc-origin-duty", "title", &label),
            ),
        };
        (href, label)
    });
    let control = r.control_id.clone().unwrap_or_default();
    let control_title = match r.control_id.as_deref() {
        Some(c) => mamori_app::regulation::current(&state.db, a)
            .await
            .ok()
            .flatten()
            .and_then(|reg| reg.control(c).map(|x| x.title.clone()))
            .unwrap_or_default(),
        None => String::new(),
    };
    let me = a.user_id.as_deref();
    let manager = is_manager(s);
    let line = |who: Option<&str>, at: Option<i64>| match at {
        Some(at) => format!("{} {}", tokyo_time(at), name_of(&people, who)),
        None => String::new(),
    };
    let status = tried.status();
    let page = DetailPage {
        layout: Layout::new(ctx).with_done("nc", done),
        id: r.id.clone(),
        number: nc::number_label(r.number),
        source: t.t(&format!("nc-source-{}", r.source)),
        origin,
        control,
        control_title,
        state: r.state.clone(),
        state_label: t.t(&format!("nc-state-{}", r.state)),
        text: text(&v.report, "nonconformity"),
        owner: name_of(&people, r.owner_id.as_deref()),
        due: text(&v.report, "due"),
        correction: text(&v.report, "correction"),
        root_cause: text(&v.report, "root_cause"),
        action: text(&v.report, "action"),
        effectiveness: text(&v.report, "effectiveness"),
        acted_line: line(r.acted_by.as_deref(), r.acted_at),
        checked_line: line(r.checked_by.as_deref(), r.checked_at),
        may_act: r.state == "open" && (manager || (me.is_some() && r.owner_id.as_deref() == me)),
        may_check: r.state == "acted" && manager,
        acted_by_me: me.is_some() && r.acted_by.as_deref() == me,
        tried,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /nonconformities/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> WebResult {
    detail_page(&state, &ctx, &s, &id, q.done.as_deref(), Tried::default()).await
}

/// `GET /nonconformities/{id}/{step}` (a reload after a refused form): the nonconformity.
pub async fn back(State(state): State<AppState>, s: Session, Path((id, _)): Path<(String, String)>) -> WebResult {
    mamori_app::nonconformities::get(&state.db, &s.actor, &id).await?;
    Ok(Redirect::to(&format!("/nonconformities/{id}")).into_response())
}

/// `POST /nonconformities/{id}/action` (`correction`, `root_cause`, `action`) and
/// `POST /nonconformities/{id}/check` (`effective` = yes|no, `text`).
pub async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path((id, step)): Path<(String, String)>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let (db, a, now) = (&state.db, &s.actor, state.now());
    let result = match step.as_str() {
        "action" => {
            nc::record_action(db, a, &id, form.get("correction"), form.get("root_cause"), form.get("action"), now).await
        }
        "check" => match form.get("effective") {
            "yes" | "no" => {
                let effective = form.get("effective") == "yes";
                nc::check(db, a, &id, effective, form.get("text"), state.today(), now).await
            }
            _ => Err(AppError::Validation(vec![("effective".into(), "field-required".into())])),
        },
        _ => Err(AppError::NotFound),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/nonconformities/{id}?done={step}")).into_response()),
        Err(
            e @ (AppError::Validation(_) | AppError::SeparationOfDuties | AppError::Conflict | AppError::Forbidden),
        ) => {
            let t = ctx.tr();
            let m = match &e {
                AppError::SeparationOfDuties => t.t("nc-check-by-other"),
                AppError::Conflict => t.t("nc-changed-meanwhile"),
                _ => message(&ctx, &e),
            };
            detail_page(&state, &ctx, &s, &id, None, Tried::new(&t, &step, &form, &e, m)).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}
