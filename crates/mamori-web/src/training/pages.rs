//! The training pages. A refused form (a course, a plan, an attempt with unanswered questions,
//! an offline record) comes back with 422, what was typed and each problem at its field.

use super::views::{
    AskedLine, AttemptLine, AttemptPage, CourseLine, CoursePage, EditPage, ListPage, MaterialLine, MaterialRow,
    PlanLine, ProgressLine, ProgressPage, QuestionRow,
};
use crate::FormData;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::views::{Layout, Tried, render};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::training::{self, CourseInput, attempts, plan};
use mamori_domain::people::KINDS;
use mamori_domain::training::{CHOICES, MATERIAL_KINDS, MAX_MATERIALS, MAX_QUESTIONS, Material, Question};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Blank rows offered after the filled ones.
const BLANK_QUESTIONS: usize = 3;
const BLANK_MATERIALS: usize = 2;

fn kinds(t: &Tr) -> Vec<(String, String)> {
    KINDS.iter().map(|k| (k.to_string(), t.t(&format!("people-kind-{}", k.replace('_', "-"))))).collect()
}

fn material_kinds(t: &Tr) -> Vec<(String, String)> {
    MATERIAL_KINDS.iter().map(|k| (k.to_string(), t.t(&format!("training-material-{k}")))).collect()
}

/// A reason of assignment in words.
pub fn reason_label(t: &Tr, key: &str) -> String {
    t.t(&format!("training-reason-{key}"))
}

fn href(m: &Material) -> String {
    match m.kind.as_str() {
        "document" => format!("/documents/{}", m.reference),
        "file" => format!("/evidence/{}", m.reference),
        _ => m.reference.clone(),
    }
}

fn conflict_message(t: &Tr, e: &AppError, key: &str) -> Option<String> {
    matches!(e, AppError::Conflict).then(|| t.t(key))
}

/// `GET /training`: the courses with my standing this year; for managers the plans, the
/// starter-course button and the new-course link.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    list_page(&state, &ctx, &s, None).await
}

async fn list_page(state: &AppState, ctx: &Ctx, s: &Session, error: Option<String>) -> WebResult {
    let t = ctx.tr();
    let today = state.today();
    let pending = attempts::pending_for(&state.db, &s.actor, today).await?;
    let mut courses = Vec::new();
    for c in training::list(&state.db, &s.actor).await? {
        let me = attempts::mine(&state.db, &s.actor, &c.id, today).await?;
        let status = match (&me.passed, &me.assigned) {
            (Some((d, p)), _) => t.t2("training-status-passed", ("date", d), ("percent", &p.to_string())),
            (None, Some(_)) if me.attempts.iter().any(|a| a.fiscal_year == me.fiscal_year) => {
                t.t("training-status-failed")
            }
            (None, Some(_)) => t.t("training-status-not-started"),
            (None, None) => t.t("training-status-not-assigned"),
        };
        let p = pending.iter().find(|p| p.course_id == c.id);
        courses.push(CourseLine {
            due: me.assigned.as_ref().map(|a| a.0.clone()).unwrap_or_default(),
            overdue: p.is_some_and(|p| p.overdue),
            id: c.id,
            title: c.title,
            active: c.active,
            pool_size: c.pool_size,
            status,
        });
    }
    let may_manage = training::may_manage(&s.actor);
    let plans = if may_manage {
        plan::plans(&state.db, &s.actor)
            .await?
            .into_iter()
            .map(|(p, title)| PlanLine {
                course_id: p.course_id,
                title,
                fiscal_year: p.fiscal_year,
                due_on: p.due_on,
                audience: p.audience,
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut layout = Layout::new(ctx);
    let status = if error.is_some() { axum::http::StatusCode::CONFLICT } else { axum::http::StatusCode::OK };
    layout.error = error;
    let page = ListPage {
        layout,
        courses,
        may_manage,
        starter_loaded: may_manage && training::starter_loaded(&state.db, &s.actor).await?,
        plans,
    };
    Ok((status, render(&page)).into_response())
}

/// `POST /training/starter`: loads the starter course (once).
pub async fn starter(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(_): CsrfForm) -> WebResult {
    match training::load_starter(&state.db, &s.actor, state.now()).await {
        Ok(c) => Ok(Redirect::to(&format!("/training/{}", c.id)).into_response()),
        Err(e @ AppError::Conflict) => {
            let msg = conflict_message(&ctx.tr(), &e, "training-starter-loaded");
            list_page(&state, &ctx, &s, msg).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

async fn course_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    id: &str,
    plan_form: Option<Tried>,
    error: Option<String>,
) -> WebResult {
    let t = ctx.tr();
    let today = state.today();
    let c = training::get(&state.db, &s.actor, id).await?;
    let me = attempts::mine(&state.db, &s.actor, id, today).await?;
    let may_manage = training::may_manage(&s.actor);
    let departments = if may_manage {
        let mut d: Vec<String> = mamori_app::people::list(&state.db, &s.actor, &Default::default(), today)
            .await?
            .into_iter()
            .filter(|p| p.active)
            .map(|p| p.department)
            .filter(|d| !d.is_empty())
            .collect();
        d.sort();
        d.dedup();
        d
    } else {
        Vec::new()
    };
    let plan = plan_form.unwrap_or_else(|| Tried {
        values: vec![("fiscal_year".into(), me.fiscal_year.to_string())],
        ..Tried::default()
    });
    let status = if error.is_some() { axum::http::StatusCode::CONFLICT } else { plan.status() };
    let mut layout = Layout::new(ctx);
    layout.error = error;
    let page = CoursePage {
        layout,
        id: c.id,
        title: c.title,
        description: c.description,
        active: c.active,
        per_attempt: c.per_attempt,
        pass_mark: c.pass_mark,
        pool_size: c.pool_size,
        rules_text: t
            .tnums("training-rules", [("count", i64::from(c.per_attempt)), ("percent", i64::from(c.pass_mark))]),
        assigned_text: me
            .assigned
            .as_ref()
            .map(|(d, r)| t.t2("training-assigned-due", ("due", d), ("title", &reason_label(&t, r))))
            .unwrap_or_default(),
        result_text: match &me.passed {
            Some((d, p)) => t.t2("training-status-passed", ("date", d), ("percent", &p.to_string())),
            None => t.t("training-status-open"),
        },
        materials: c
            .materials
            .iter()
            .map(|m| MaterialLine {
                kind: t.t(&format!("training-material-{}", m.kind)),
                label: m.label.clone(),
                href: href(m),
            })
            .collect(),
        has_person: me.person_id.is_some(),
        fiscal_year: me.fiscal_year,
        assigned: me.assigned.as_ref().map(|(d, r)| (d.clone(), reason_label(&t, r))),
        passed: me.passed.clone(),
        overdue: me.overdue,
        open_attempt: me.open_attempt.clone(),
        attempts: me
            .attempts
            .iter()
            .map(|a| AttemptLine {
                id: a.id.clone(),
                fiscal_year: a.fiscal_year,
                attempt_no: a.attempt_no,
                mode: t.t(&format!("training-mode-{}", a.mode)),
                taken_on: a.taken_on.clone().unwrap_or_default(),
                percent: a.percent,
                passed: a.passed,
            })
            .collect(),
        may_manage,
        plan,
        kinds: kinds(&t),
        departments,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /training/{id}`: the course, its materials, my standing and 受講する.
pub async fn course(State(state): State<AppState>, ctx: Ctx, s: Session, Path(id): Path<String>) -> WebResult {
    course_page(&state, &ctx, &s, &id, None, None).await
}

/// `GET /training/{id}/attempts` or `/plan` (a reload after a post): back to the course.
pub async fn back(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    let c = training::get(&state.db, &s.actor, &id).await?;
    Ok(Redirect::to(&format!("/training/{}", c.id)).into_response())
}

/// `POST /training/{id}/attempts`: starts (or resumes) my attempt.
pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    match attempts::start(&state.db, &s.actor, &id, state.today(), state.now()).await {
        Ok(a) => Ok(Redirect::to(&format!("/training/attempts/{}", a.id)).into_response()),
        Err(e @ AppError::Conflict) => {
            let msg = conflict_message(&ctx.tr(), &e, "training-already-passed");
            course_page(&state, &ctx, &s, &id, None, msg).await
        }
        Err(AppError::Validation(_)) => {
            let msg = Some(ctx.tr().t("training-no-person"));
            course_page(&state, &ctx, &s, &id, None, msg).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /training/{id}/plan`: makes the plan of a fiscal year.
pub async fn make_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let input = plan::PlanInput {
        fiscal_year: form.get("fiscal_year").into(),
        due_on: form.get("due_on").into(),
        department: form.get("department").into(),
        kind: form.get("kind").into(),
    };
    match plan::make(&state.db, &s.actor, &id, &input, state.today(), state.now()).await {
        Ok(p) => Ok(Redirect::to(&format!("/training/{id}/progress?year={}", p.plan.fiscal_year)).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let tried = Tried::new(&ctx.tr(), "plan", &form, &e, String::new());
            course_page(&state, &ctx, &s, &id, Some(tried), None).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

fn asked_lines(
    v: &attempts::AttemptView,
    chosen: &BTreeMap<String, usize>,
    errors: &[(String, String)],
) -> Vec<AskedLine> {
    v.questions
        .iter()
        .enumerate()
        .map(|(n, q)| {
            let pick = if v.finished { q.chosen } else { chosen.get(&q.id).copied() };
            AskedLine {
                id: q.id.clone(),
                number: n + 1,
                topic: q.topic.clone(),
                text: q.text.clone(),
                choices: q
                    .choices
                    .iter()
                    .enumerate()
                    .map(|(j, c)| (j, c.clone(), pick == Some(j), q.correct == Some(j)))
                    .collect(),
                right: q.correct.is_some() && q.correct == q.chosen,
                explanation: q.explanation.clone().unwrap_or_default(),
                error: errors
                    .iter()
                    .filter(|(f, _)| *f == format!("answers.{}", q.id))
                    .map(|(_, m)| m.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
            }
        })
        .collect()
}

async fn attempt_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    id: &str,
    chosen: &BTreeMap<String, usize>,
    errors: Vec<(String, String)>,
) -> WebResult {
    let v = attempts::get(&state.db, &s.actor, id).await?;
    let own = mamori_app::people::of_actor(&state.db, &s.actor).await?.is_some_and(|p| p.id == v.person_id);
    let refused = !errors.is_empty();
    let t = ctx.tr();
    let score_text = if v.mode == "offline" {
        t.t2(
            "training-offline-score",
            ("date", v.taken_on.as_deref().unwrap_or_default()),
            ("percent", &v.percent.to_string()),
        )
    } else {
        t.tnums(
            "training-score-line",
            [("done", i64::from(v.correct)), ("total", i64::from(v.total)), ("percent", i64::from(v.percent))],
        )
    };
    let help_text =
        t.tnums("training-answer-help", [("count", v.questions.len() as i64), ("percent", i64::from(v.pass_mark))]);
    let page = AttemptPage {
        layout: Layout::new(ctx),
        score_text,
        help_text,
        questions: asked_lines(&v, chosen, &errors),
        id: v.id,
        course_id: v.course_id,
        course_title: v.course_title,
        person_name: v.person_name,
        fiscal_year: v.fiscal_year,
        attempt_no: v.attempt_no,
        offline: v.mode == "offline",
        finished: v.finished,
        correct: v.correct,
        total: v.total,
        percent: v.percent,
        passed: v.passed,
        pass_mark: v.pass_mark,
        taken_on: v.taken_on.unwrap_or_default(),
        own,
        refused,
    };
    let status = if refused { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    Ok((status, render(&page)).into_response())
}

/// `GET /training/attempts/{id}`: the questions, or the result with the explanations.
pub async fn attempt(State(state): State<AppState>, ctx: Ctx, s: Session, Path(id): Path<String>) -> WebResult {
    attempt_page(&state, &ctx, &s, &id, &BTreeMap::new(), Vec::new()).await
}

/// The answers of an attempt form (`answers.ID` = the choice's index).
pub fn answers_of(form: &FormData) -> BTreeMap<String, usize> {
    form.0.iter().filter_map(|(k, v)| Some((k.strip_prefix("answers.")?.to_string(), v.trim().parse().ok()?))).collect()
}

/// `POST /training/attempts/{id}`: submits the answers.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let answers = answers_of(&form);
    match attempts::submit(&state.db, &s.actor, &id, &answers, state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/training/attempts/{id}#result")).into_response()),
        Err(AppError::Validation(v)) => {
            let t = ctx.tr();
            let errors = v.into_iter().map(|(f, k)| (f, t.t(&k))).collect();
            attempt_page(&state, &ctx, &s, &id, &answers, errors).await
        }
        // Sent twice (a second tab): the result as submitted the first time.
        Err(AppError::Conflict) => Ok(Redirect::to(&format!("/training/attempts/{id}#result")).into_response()),
        Err(e) => Err(WebError::from(e)),
    }
}

/// The course form's input: filled rows only; a question's right choice counted among its
/// non-blank choices (a blank one chosen is no choice).
pub fn course_input(form: &FormData) -> CourseInput {
    let mut materials = Vec::new();
    for i in 0..MAX_MATERIALS + BLANK_MATERIALS + 5 {
        let f = |k: &str| form.get(&format!("materials.{i}.{k}")).trim().to_string();
        let (reference, label) = (f("ref"), f("label"));
        if reference.is_empty() && label.is_empty() {
            continue;
        }
        materials.push(Material { kind: f("kind"), reference, label });
    }
    let mut questions = Vec::new();
    for i in 0..MAX_QUESTIONS + BLANK_QUESTIONS + 5 {
        let f = |k: &str| form.get(&format!("questions.{i}.{k}")).to_string();
        let typed: Vec<String> = (0..CHOICES.1).map(|j| f(&format!("choice.{j}")).trim().to_string()).collect();
        let (text, explanation, topic) = (f("text"), f("explanation"), f("topic"));
        if text.trim().is_empty() && explanation.trim().is_empty() && typed.iter().all(String::is_empty) {
            continue;
        }
        let picked: Option<usize> = f("correct").trim().parse().ok();
        let correct = match picked {
            Some(j) if typed.get(j).is_some_and(|c| !c.is_empty()) => {
                typed[..j].iter().filter(|c| !c.is_empty()).count()
            }
            _ => usize::MAX,
        };
        questions.push(Question {
            id: f("id").trim().to_string(),
            topic,
            text,
            choices: typed.into_iter().filter(|c| !c.is_empty()).collect(),
            correct,
            explanation,
        });
    }
    CourseInput {
        title: form.get("title").into(),
        description: form.get("description").into(),
        materials,
        questions,
        per_attempt: form.get("per_attempt").into(),
        pass_mark: form.get("pass_mark").into(),
        active: form.get("active") == "1",
    }
}

fn errors_at(errors: &[(String, String)], prefix: &str) -> String {
    errors
        .iter()
        .filter(|(f, _)| f == prefix || f.starts_with(&format!("{prefix}.")))
        .map(|(_, m)| m.clone())
        .collect::<Vec<_>>()
        .join(" ")
}

fn edit_page(
    ctx: &Ctx,
    id: Option<String>,
    title: String,
    i: &CourseInput,
    errors: Vec<(String, String)>,
) -> WebResult {
    let t = ctx.tr();
    let mut materials: Vec<MaterialRow> = i
        .materials
        .iter()
        .enumerate()
        .map(|(k, m)| MaterialRow {
            i: k,
            kind: m.kind.clone(),
            reference: m.reference.clone(),
            label: m.label.clone(),
            error: errors_at(&errors, &format!("materials.{k}")),
        })
        .collect();
    for k in materials.len()..(materials.len() + BLANK_MATERIALS).min(MAX_MATERIALS) {
        materials.push(MaterialRow {
            i: k,
            kind: "link".into(),
            reference: String::new(),
            label: String::new(),
            error: String::new(),
        });
    }
    let mut questions: Vec<QuestionRow> = i
        .questions
        .iter()
        .enumerate()
        .map(|(k, q)| {
            let mut choices: Vec<(String, bool)> =
                q.choices.iter().enumerate().map(|(j, c)| (c.clone(), j == q.correct)).collect();
            choices.resize(CHOICES.1.max(choices.len()), (String::new(), false));
            QuestionRow {
                i: k,
                id: q.id.clone(),
                topic: q.topic.clone(),
                text: q.text.clone(),
                choices,
                explanation: q.explanation.clone(),
                error: errors_at(&errors, &format!("questions.{k}")),
            }
        })
        .collect();
    for k in questions.len()..(questions.len() + BLANK_QUESTIONS).min(MAX_QUESTIONS) {
        questions.push(QuestionRow {
            i: k,
            id: String::new(),
            topic: String::new(),
            text: String::new(),
            choices: vec![(String::new(), false); CHOICES.1],
            explanation: String::new(),
            error: String::new(),
        });
    }
    let refused = !errors.is_empty();
    let mut tried = Tried {
        values: vec![
            ("title".into(), i.title.clone()),
            ("description".into(), i.description.clone()),
            ("per_attempt".into(), i.per_attempt.clone()),
            ("pass_mark".into(), i.pass_mark.clone()),
            ("active".into(), if i.active { "1".into() } else { String::new() }),
        ],
        errors,
        ..Tried::default()
    };
    if refused {
        tried.form = "course".into();
        // The pool as a whole (none, too many) is told at the questions.
        let pool = errors_at(&tried.errors, "questions");
        if !pool.is_empty() && !tried.errors.iter().any(|(f, _)| f.starts_with("questions.")) {
            tried.errors.push(("pool".into(), pool));
        }
    }
    let page = EditPage {
        layout: Layout::new(ctx),
        id,
        title,
        tried,
        materials,
        questions,
        material_kinds: material_kinds(&t),
    };
    Ok((page.tried.status(), render(&page)).into_response())
}

fn message_errors(t: &Tr, e: &AppError) -> Vec<(String, String)> {
    match e {
        AppError::Validation(v) => v.iter().map(|(f, k)| (f.clone(), t.t(k))).collect(),
        _ => Vec::new(),
    }
}

/// `GET /training/new`: the course form (for `training.manage`).
pub async fn new_form(ctx: Ctx, s: Session) -> WebResult {
    if !training::may_manage(&s.actor) {
        return Err(WebError::from(AppError::Forbidden));
    }
    let i = CourseInput { per_attempt: "10".into(), pass_mark: "80".into(), active: true, ..CourseInput::default() };
    edit_page(&ctx, None, ctx.tr().t("training-new"), &i, Vec::new())
}

/// `POST /training`: creates a course.
pub async fn create(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let i = course_input(&form);
    match training::create(&state.db, &s.actor, &i, state.now()).await {
        Ok(c) => Ok(Redirect::to(&format!("/training/{}", c.id)).into_response()),
        Err(e @ AppError::Validation(_)) => {
            edit_page(&ctx, None, ctx.tr().t("training-new"), &i, message_errors(&ctx.tr(), &e))
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `GET /training/{id}/edit`: the course form with its pool (for `training.manage`).
pub async fn edit_form(State(state): State<AppState>, ctx: Ctx, s: Session, Path(id): Path<String>) -> WebResult {
    let i = training::editable(&state.db, &s.actor, &id).await?;
    let title = i.title.clone();
    edit_page(&ctx, Some(id), title, &i, Vec::new())
}

/// `POST /training/{id}/edit`: saves the course.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let i = course_input(&form);
    match training::update(&state.db, &s.actor, &id, &i, state.now()).await {
        Ok(c) => Ok(Redirect::to(&format!("/training/{}", c.id)).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let title = training::get(&state.db, &s.actor, &id).await?.title;
            edit_page(&ctx, Some(id), title, &i, message_errors(&ctx.tr(), &e))
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `?year=` of the progress page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct YearQuery {
    /// Fiscal year (this one when absent or not a year).
    pub year: String,
}

/// The fiscal year asked for, else this one.
pub fn year_of(q: &YearQuery, today: jiff::civil::Date) -> i16 {
    training::parse_number(&q.year)
        .filter(|y| (2000..=2100).contains(y))
        .and_then(|y| i16::try_from(y).ok())
        .unwrap_or_else(|| training::fiscal_year(today))
}

async fn progress_page(state: &AppState, ctx: &Ctx, s: &Session, id: &str, year: i16, offline: Tried) -> WebResult {
    let t = ctx.tr();
    let today = state.today();
    let p = plan::progress(&state.db, &s.actor, id, year, today).await?;
    let people = mamori_app::people::list(&state.db, &s.actor, &Default::default(), today)
        .await?
        .into_iter()
        .filter(|p| p.active)
        .map(|p| (p.id, p.name))
        .collect();
    let this = training::fiscal_year(today);
    let page = ProgressPage {
        layout: Layout::new(ctx),
        id: p.course.id.clone(),
        title: p.course.title.clone(),
        fiscal_year: year,
        years: vec![this + 1, this, this - 1, this - 2],
        plan_due: p.plan.as_ref().map(|p| p.due_on.clone()).unwrap_or_default(),
        plan_audience: p.plan.as_ref().map(|p| p.audience.clone()).unwrap_or_default(),
        assigned: p.assigned,
        passed: p.passed,
        not_finished: p.not_finished,
        overdue: p.overdue,
        facts_text: p
            .plan
            .as_ref()
            .map(|pl| t.t2("training-plan-facts", ("title", &pl.audience), ("due", &pl.due_on)))
            .unwrap_or_default(),
        counts_text: t.tnums(
            "training-counts",
            [
                ("total", p.assigned as i64),
                ("done", p.passed as i64),
                ("count", p.not_finished as i64),
                ("new", p.overdue as i64),
            ],
        ),
        rows: p
            .rows
            .iter()
            .map(|r| ProgressLine {
                name: r.name.clone(),
                department: r.department.clone(),
                reason: r.reason.as_deref().map(|k| reason_label(&t, k)).unwrap_or_else(|| t.t("training-reason-none")),
                due_on: r.due_on.clone().unwrap_or_default(),
                attempts: r.attempts,
                passed_on: r.passed_on.clone().unwrap_or_default(),
                percent: r.passed_percent.or(r.last_percent).map(|p| p.to_string()).unwrap_or_default(),
                status: t.t(&format!("training-progress-{}", r.status.replace('_', "-"))),
                passed: r.status == "passed",
                overdue: r.overdue,
            })
            .collect(),
        people,
        pass_mark: p.course.pass_mark,
        offline,
    };
    Ok((page.offline.status(), render(&page)).into_response())
}

/// `GET /training/{id}/progress?year=`: who is assigned, passed, not finished, overdue.
pub async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<YearQuery>,
) -> WebResult {
    let year = year_of(&q, state.today());
    progress_page(&state, &ctx, &s, &id, year, Tried::default()).await
}

/// `POST /training/{id}/offline`: records a paper session.
pub async fn offline(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let input = attempts::OfflineInput {
        person_id: form.get("person_id").into(),
        taken_on: form.get("taken_on").into(),
        percent: form.get("percent").into(),
    };
    match attempts::record_offline(&state.db, &s.actor, &id, &input, state.now()).await {
        Ok(a) => Ok(Redirect::to(&format!("/training/{id}/progress?year={}", a.fiscal_year)).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let tried = Tried::new(&ctx.tr(), "offline", &form, &e, String::new());
            let year = training::fiscal_year(state.today());
            progress_page(&state, &ctx, &s, &id, year, tried).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /training/{id}/assign`: assigns one person by hand.
pub async fn add_person(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let input = plan::AddInput {
        person_id: form.get("person_id").into(),
        fiscal_year: form.get("fiscal_year").into(),
        due_on: form.get("due_on").into(),
    };
    match plan::add_person(&state.db, &s.actor, &id, &input, state.today(), state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/training/{id}/progress?year={}", form.get("fiscal_year"))).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let tried = Tried::new(&ctx.tr(), "assign", &form, &e, String::new());
            let year = year_of(&YearQuery { year: form.get("fiscal_year").into() }, state.today());
            progress_page(&state, &ctx, &s, &id, year, tried).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `GET /training/{id}/offline`: back to the progress.
pub async fn back_to_progress(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    let c = training::get(&state.db, &s.actor, &id).await?;
    Ok(Redirect::to(&format!("/training/{}/progress", c.id)).into_response())
}
