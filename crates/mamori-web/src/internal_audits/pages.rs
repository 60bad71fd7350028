//! The internal audit pages: the programme (list and plan form, with auditor independence
//! explained at the auditors field), one audit with its checklist, evidence samples, findings,
//! report and approval, and the report's export.

use super::views::{AuditRow, CheckRow, DetailPage, FindingRow, ListPage, SampleRow};
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult, message};
use crate::extract::{CsrfForm, Session};
use crate::respond::{Format, download};
use crate::state::AppState;
use crate::tokyo_time;
use crate::views::{Layout, Tried, render};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use jiff::ToSpan;
use mamori_app::AppError;
use mamori_app::internal_audits::{self as ia, NewAudit, report, sample};
use mamori_domain::internal_audit::Grade;
use mamori_domain::permission::{Permission, ROLE_TOP_MANAGEMENT};
use serde::Deserialize;

fn ids(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

async fn control_titles(state: &AppState, s: &Session) -> Vec<(String, String)> {
    mamori_app::regulation::current(&state.db, &s.actor)
        .await
        .ok()
        .flatten()
        .map(|r| r.controls.iter().map(|c| (c.id.clone(), c.title.clone())).collect())
        .unwrap_or_default()
}

async fn list_page(state: &AppState, ctx: &Ctx, s: &Session, tried: Tried, conflicts: Vec<String>) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let people = mamori_app::users::people(&state.db, a).await?;
    let name = |id: &str| people.iter().find(|p| p.id == id).map(|p| p.name.clone()).unwrap_or_default();
    let audits = ia::list(&state.db, a)
        .await?
        .into_iter()
        .map(|x| AuditRow {
            scope: ids(&x.scope_json).join("、"),
            auditors: ids(&x.auditors_json).iter().map(|u| name(u)).collect::<Vec<_>>().join("、"),
            state_label: t.t(&format!("ia-state-{}", x.state)),
            id: x.id,
            number: x.number,
            title: x.title,
            planned_on: x.planned_on,
            state: x.state,
        })
        .collect();
    let status = tried.status();
    let page = ListPage {
        layout: Layout::new(ctx),
        audits,
        may_plan: a.grants.has(Permission::InternalAuditsManage),
        controls: control_titles(state, s).await,
        people: people.into_iter().filter(|p| p.active).map(|p| (p.login_id, p.name)).collect(),
        conflicts,
        tried,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /internal-audits`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    list_page(&state, &ctx, &s, Tried::default(), Vec::new()).await
}

/// `POST /internal-audits`: `title`, `planned_on`, `scope` (several), `auditors` (login IDs).
pub async fn plan(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let t = ctx.tr();
    let result = match form.get("planned_on").parse() {
        Ok(planned_on) => {
            let n = NewAudit {
                title: form.get("title").to_string(),
                scope: form.all("scope"),
                auditors: form.all("auditors"),
                planned_on,
            };
            ia::plan(&state.db, &s.actor, n, state.now()).await
        }
        Err(_) => Err(AppError::Validation(vec![("planned_on".into(), "field-invalid-date".into())])),
    };
    match result {
        Ok(row) => Ok(Redirect::to(&format!("/internal-audits/{}?done=planned", row.id)).into_response()),
        Err(AppError::AuditorIndependence(list)) => {
            let people = mamori_app::users::people(&state.db, &s.actor).await?;
            let name =
                |login: &str| people.iter().find(|p| p.login_id == login).map(|p| p.name.clone()).unwrap_or_default();
            let lines = list
                .iter()
                .map(|c| {
                    t.ta(
                        &format!("audit-conflict-{}", c.reason.replace('_', "-")),
                        &[("auditor", &name(&c.auditor)), ("control", &c.control)],
                    )
                })
                .collect();
            let e = AppError::Forbidden;
            let tried = Tried::new(&t, "plan", &form, &e, t.t("error-auditor-independence"));
            list_page(&state, &ctx, &s, tried, lines).await
        }
        Err(e @ AppError::Validation(_)) => {
            let tried = Tried::new(&t, "plan", &form, &e, String::new());
            list_page(&state, &ctx, &s, tried, Vec::new()).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// Which control's samples to show.
#[derive(Deserialize, Default)]
pub struct SampleQuery {
    sample: Option<String>,
    done: Option<String>,
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    id: &str,
    sample_of: Option<String>,
    done: Option<&str>,
    tried: Tried,
) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let x = ia::get(&state.db, a, id).await?;
    let people = mamori_app::users::people(&state.db, a).await?;
    let name = |id: &str| people.iter().find(|p| p.id == id).map(|p| p.name.clone()).unwrap_or_default();
    let titles = control_titles(state, s).await;
    let title_of = |c: &str| titles.iter().find(|x| x.0 == c).map(|x| x.1.clone()).unwrap_or_default();
    let scope_ids = ids(&x.scope_json);
    let auditor_ids = ids(&x.auditors_json);
    let me = a.user_id.clone().unwrap_or_default();
    let is_auditor = auditor_ids.contains(&me);
    let top = a.role_keys.iter().any(|r| r == ROLE_TOP_MANAGEMENT);
    let checklist = ia::checklist(&state.db, a, id)
        .await?
        .into_iter()
        .map(|c| CheckRow {
            sampled: scope_ids.contains(&c.control),
            source: t.t(&format!("ia-source-{}", c.source.replace('_', "-"))),
            control: c.control,
            item: c.item,
        })
        .collect();
    let ncs = mamori_app::nonconformities::list(&state.db, a).await.unwrap_or_default();
    let findings = ia::findings(&state.db, a, id)
        .await?
        .into_iter()
        .map(|f| FindingRow {
            grade_label: report::grade_ja(&f.grade).to_string(),
            nc_number: f
                .nonconformity_id
                .as_deref()
                .and_then(|n| ncs.iter().find(|x| x.id == n))
                .map(|n| mamori_app::nonconformities::number_label(n.number))
                .unwrap_or_default(),
            nc_id: f.nonconformity_id.unwrap_or_default(),
            control: f.control_id,
            grade: f.grade,
            text: f.text,
        })
        .collect();
    let (sample_control, samples) = match sample_of.filter(|c| scope_ids.contains(c)) {
        Some(c) => {
            let list = sample::samples(&state.db, a, id, &c, state.now()).await?;
            let rows = list
                .into_iter()
                .map(|x| SampleRow {
                    kind: t.t(&format!("ia-sample-{}", x.kind.replace('_', "-"))),
                    href: match x.kind {
                        "duty_occurrence" => format!("/duties/occurrences/{}", x.id),
                        "request" => format!("/requests/{}", x.id),
                        _ => format!("/registers/{}", x.id),
                    },
                    when: if x.kind == "register" { t.t1("ia-sample-rows", "count", &x.when) } else { x.when },
                    title: x.title,
                })
                .collect();
            (c, rows)
        }
        None => (String::new(), Vec::new()),
    };
    let approved_line = match (&x.approved_by, x.approved_at) {
        (Some(by), Some(at)) => format!("{} {}", tokyo_time(at), name(by)),
        _ => String::new(),
    };
    let status = tried.status();
    let page = DetailPage {
        layout: Layout::new(ctx).with_done("ia", done),
        id: x.id.clone(),
        number: x.number,
        title: x.title.clone(),
        planned_on: x.planned_on.clone(),
        scope: scope_ids.iter().map(|c| (c.clone(), title_of(c))).collect(),
        auditors: auditor_ids.iter().map(|u| name(u)).collect::<Vec<_>>().join("、"),
        state_label: t.t(&format!("ia-state-{}", x.state)),
        state: x.state.clone(),
        checklist,
        findings,
        report: x.report.clone().unwrap_or_default(),
        approved_line,
        is_auditor: is_auditor && a.grants.has(Permission::InternalAuditsManage),
        may_approve: top && !is_auditor && x.state == "reported",
        approve_blocked: top && is_auditor && x.state == "reported",
        grades: [Grade::MajorNc, Grade::MinorNc, Grade::Observation, Grade::Opportunity]
            .into_iter()
            .map(|g| (g.key().to_string(), report::grade_ja(g.key()).to_string()))
            .collect(),
        default_due: state.today().checked_add(60.days()).map(|d| d.to_string()).unwrap_or_default(),
        sample_control,
        samples,
        tried,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /internal-audits/{id}` (`?sample=CONTROL` shows records to sample for that control).
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<SampleQuery>,
) -> WebResult {
    detail_page(&state, &ctx, &s, &id, q.sample, q.done.as_deref(), Tried::default()).await
}

/// `POST /internal-audits/{id}/findings` (`control`, `grade`, `text`, `due`), `…/report`
/// (`report`) and `…/approve`.
pub async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path((id, step)): Path<(String, String)>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let (db, a, now) = (&state.db, &s.actor, state.now());
    let result = match step.as_str() {
        "findings" => {
            let grade = match form.get("grade") {
                "major_nc" => Some(Grade::MajorNc),
                "minor_nc" => Some(Grade::MinorNc),
                "observation" => Some(Grade::Observation),
                "opportunity" => Some(Grade::Opportunity),
                _ => None,
            };
            match (grade, form.get("due").parse()) {
                (Some(g), Ok(due)) => {
                    ia::add_finding(db, a, &id, form.get("control"), g, form.get("text"), due, now).await.map(|_| ())
                }
                (g, d) => {
                    let mut v = Vec::new();
                    if g.is_none() {
                        v.push(("grade".to_string(), "field-not-a-choice".to_string()));
                    }
                    if d.is_err() {
                        v.push(("due".to_string(), "field-invalid-date".to_string()));
                    }
                    Err(AppError::Validation(v))
                }
            }
        }
        "report" => ia::report(db, a, &id, form.get("report"), now).await.map(|_| ()),
        "approve" => ia::approve(db, a, &id, now).await.map(|_| ()),
        _ => Err(AppError::NotFound),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/internal-audits/{id}?done={step}")).into_response()),
        Err(
            e @ (AppError::Validation(_) | AppError::SeparationOfDuties | AppError::Conflict | AppError::Forbidden),
        ) => {
            let t = ctx.tr();
            let m = match &e {
                AppError::SeparationOfDuties => t.t("ia-approve-blocked"),
                AppError::Conflict => t.t("ia-changed-meanwhile"),
                AppError::Forbidden => t.t("ia-auditors-only"),
                _ => message(&ctx, &e),
            };
            detail_page(&state, &ctx, &s, &id, None, None, Tried::new(&t, &step, &form, &e, m)).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `GET /internal-audits/{id}/{step}` (a reload after a refused form): the audit.
pub async fn back(State(state): State<AppState>, s: Session, Path((id, _)): Path<(String, String)>) -> WebResult {
    ia::get(&state.db, &s.actor, &id).await?;
    Ok(Redirect::to(&format!("/internal-audits/{id}")).into_response())
}

/// `GET /internal-audits/{id}/export?format=pdf|xlsx|csv`: the audit report.
pub async fn export(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Query(f): Query<Format>,
) -> WebResult {
    let table = report::report_table(&state.db, &s.actor, &id).await?;
    let name = format!("内部監査報告書_{}", table.doc_number);
    let bytes = mamori_app::export::render_export_async(table, f.format.clone()).await?;
    Ok(download(bytes, &f.format, &name))
}
