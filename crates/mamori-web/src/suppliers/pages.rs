//! The supplier pages: the list with the form to add one (its requirements and duties come with
//! it), and a supplier with its requirements to confirm (each its own form), its duties, the
//! checks done and the regulation's notes waiting for it. Refused forms come back with what was
//! typed and the problems at their fields.

use super::views::{
    AnswerRow, AnswersPage, CheckRow, DetailPage, DutyRow, ListPage, QuestionnaireRow, RequirementRow, SupplierRow,
};
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::state::AppState;
use crate::tokyo_time;
use crate::views::{Done, Layout, Tried, render};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use mamori_app::suppliers::{self, questionnaires, requirements};
use mamori_app::{AppError, registers};
use mamori_domain::permission::Permission;
use mamori_domain::supplier::{ReqState, catalogue};
use serde_json::{Map, Value};

/// The fields of the add form, in the register's order.
pub(super) const FIELDS: [&str; 12] = [
    "name",
    "kind",
    "services",
    "information",
    "classification",
    "criticality",
    "contract",
    "contract_start",
    "contract_end",
    "contact_name",
    "contact_email",
    "security_clauses",
];

pub(super) fn text(v: &Map<String, Value>, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

pub(super) async fn may_edit(state: &AppState, s: &Session) -> bool {
    match registers::definition(&state.db, &s.actor, suppliers::REGISTER).await {
        Ok(def) => registers::access::may_edit(&s.actor, &def) && s.actor.grants.has(Permission::DutiesManage),
        Err(_) => false,
    }
}

async fn list_page(state: &AppState, ctx: &Ctx, s: &Session, tried: Tried) -> WebResult {
    let t = ctx.tr();
    let total = catalogue().requirements.len();
    let rows = suppliers::list(&state.db, &s.actor, state.today())
        .await?
        .into_iter()
        .map(|x| SupplierRow {
            confirmed: t.tnums(
                "sup-confirmed-of",
                [
                    (
                        "done",
                        x.requirements
                            .iter()
                            .filter(|r| ReqState::from_key(&r.state).is_some_and(|s| s.settled()))
                            .count() as i64,
                    ),
                    ("total", total as i64),
                ],
            ),
            settled: x.settled,
            name: text(&x.values, "name"),
            kind: text(&x.values, "kind"),
            services: text(&x.values, "services"),
            criticality: text(&x.values, "criticality"),
            status: text(&x.values, "status"),
            id: x.id,
        })
        .collect();
    let status = tried.status();
    let page = ListPage {
        layout: Layout::new(ctx),
        rows,
        may_add: may_edit(state, s).await,
        kinds: catalogue().kinds.iter().map(|k| (k.key.clone(), k.label.clone())).collect(),
        tried,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /suppliers`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    list_page(&state, &ctx, &s, Tried::default()).await
}

/// `POST /suppliers`: the register's fields.
pub async fn create(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let mut input = Map::new();
    for f in FIELDS {
        let v = form.get(f).trim();
        if !v.is_empty() {
            input.insert(f.to_string(), Value::from(v));
        }
    }
    match suppliers::create(&state.db, &s.actor, input, state.today(), state.now()).await {
        Ok(x) => Ok(Redirect::to(&format!("/suppliers/{}?done=created", x.id)).into_response()),
        Err(e @ (AppError::Validation(_) | AppError::Rows(_))) => {
            let t = ctx.tr();
            list_page(&state, &ctx, &s, Tried::new(&t, "add", &form, &e, String::new())).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// A just-issued link to show once: (URL, mailed to).
type Issued = Option<(String, String)>;

fn score_label(t: &crate::i18n::Tr, percent: i64, deviations: usize) -> String {
    t.tnums("sup-q-score-value", [("percent", percent), ("deviations", deviations as i64)])
}

pub(super) async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    id: &str,
    done: Option<&str>,
    tried: Tried,
    issued: Issued,
) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let x = suppliers::get(&state.db, a, id, state.today()).await?;
    let def = registers::definition(&state.db, a, suppliers::REGISTER).await?;
    let people = mamori_app::users::people(&state.db, a).await?;
    let name = |id: Option<&str>| {
        // Duty records name who did them by login ID, requirements by user id.
        id.and_then(|id| people.iter().find(|p| p.id == id || p.login_id == id))
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let facts = def
        .fields
        .iter()
        .filter(|f| f.key != "name")
        .map(|f| (f.label.clone(), text(&x.values, &f.key)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let requirements = x
        .requirements
        .iter()
        .map(|r| {
            let mine = tried.is(&r.key);
            RequirementRow {
                state_label: t.t(&format!("sup-req-{}", r.state.replace('_', "-"))),
                state: if mine { tried.v("state").to_string() } else { r.state.clone() },
                evidence: if mine { tried.v("evidence").to_string() } else { r.evidence.clone() },
                confirmed_line: match r.confirmed_at {
                    Some(at) => format!("{} {}", tokyo_time(at), name(r.confirmed_by.as_deref())),
                    None => String::new(),
                },
                error: if mine {
                    format!("{} {}", tried.error("evidence"), tried.error("state")).trim().to_string()
                } else {
                    String::new()
                },
                key: r.key.clone(),
                label: r.label.clone(),
            }
        })
        .collect();
    let status = tried.status();
    let page = DetailPage {
        layout: Layout::new(ctx).with_done("sup", done),
        name: text(&x.values, "name"),
        facts,
        requirements,
        settled: x.settled,
        states: ReqState::ALL
            .iter()
            .map(|s| (s.key().to_string(), t.t(&format!("sup-req-{}", s.key().replace('_', "-")))))
            .collect(),
        duties: x
            .duties
            .iter()
            .map(|d| DutyRow {
                id: d.id.clone(),
                title: d.title.clone(),
                frequency: t.t(&format!("freq-{}", d.frequency.as_deref().unwrap_or("annual"))),
            })
            .collect(),
        checks: x
            .checks
            .iter()
            .map(|c| CheckRow {
                title: c.title.clone(),
                done_on: c.done_on.clone(),
                note: c.note.clone(),
                by: name(c.done_by.as_deref()),
            })
            .collect(),
        open_items: x
            .open_items
            .iter()
            .map(|o| (o.control_id.clone(), o.text.clone(), o.resolved_at.is_some()))
            .collect(),
        may_edit: may_edit(state, s).await,
        in_use: x.values.get("status").and_then(Value::as_str) != Some("終了"),
        questionnaires: questionnaires::list(&state.db, a, &x.id, state.today())
            .await?
            .into_iter()
            .map(|v| QuestionnaireRow {
                sent: tokyo_time(v.row.sent_at),
                state_label: t.t(&format!("sup-q-state-{}", v.row.state)),
                score: v.score.map(|sc| score_label(&t, sc.percent, sc.deviations.len())).unwrap_or_default(),
                respondent: v.row.respondent.clone().unwrap_or_default(),
                auto: super::files::auto_label(&t, v.row.reeval_due.as_deref(), v.row.mailed_to.as_deref()),
                state: v.row.state,
                id: v.row.id,
            })
            .collect(),
        development: super::development::section(&t, &x, &tried, &state.today().to_string()),
        sent_link: issued.as_ref().map(|i| i.0.clone()),
        mailed_to: issued.map(|i| i.1).unwrap_or_default(),
        templates: super::files::template_choices(state, a).await?,
        next_reevaluation: mamori_app::suppliers::reevaluation::next_due(&state.db, a, &x.id, state.today())
            .await?
            .unwrap_or_default(),
        id: x.id,
        tried,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /suppliers/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> WebResult {
    detail_page(&state, &ctx, &s, &id, q.done.as_deref(), Tried::default(), None).await
}

/// `POST /suppliers/{id}/requirements/{key}`: `state`, `evidence`.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path((id, key)): Path<(String, String)>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let r = requirements::confirm(
        &state.db,
        &s.actor,
        &id,
        &key,
        form.get("state"),
        form.get("evidence"),
        state.today(),
        state.now(),
    )
    .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/suppliers/{id}?done=requirement#req-{key}")).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let t = ctx.tr();
            detail_page(&state, &ctx, &s, &id, None, Tried::new(&t, &key, &form, &e, String::new()), None).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `GET /suppliers/{id}/requirements/{key}` (a reload after a refused form): the supplier.
pub async fn back(state: State<AppState>, s: Session, Path((id, _)): Path<(String, String)>) -> WebResult {
    back_to_supplier(state, s, Path(id)).await
}

/// `GET /suppliers/{id}/questionnaires` (a reload after sending one): the supplier (the link is
/// not shown again).
pub async fn back_to_supplier(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    suppliers::get(&state.db, &s.actor, &id, state.today()).await?;
    Ok(Redirect::to(&format!("/suppliers/{id}")).into_response())
}

/// The link of a questionnaire as the supplier opens it (absolute when the server knows its
/// public address).
pub fn link(state: &AppState, token: &str) -> String {
    let base = state.config.base_url.as_deref().unwrap_or("").trim_end_matches('/');
    format!("{base}/q/{token}")
}

/// `POST /suppliers/{id}/questionnaires` (`template`): issues the link, mails it to the contact
/// when the server knows its public address, and shows it once on the supplier's page.
pub async fn send_questionnaire(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let t = ctx.tr();
    let template = Some(form.get("template")).filter(|x| !x.is_empty()).unwrap_or("standard");
    let (row, token) = questionnaires::send(&state.db, &s.actor, &id, template, state.today(), state.now()).await?;
    let url = link(&state, &token);
    let supplier = suppliers::get(&state.db, &s.actor, &id, state.today()).await?;
    let email = text(&supplier.values, "contact_email");
    let mut mailed = String::new();
    if state.config.base_url.is_some() && email.contains('@') {
        let org = s.org.name.clone();
        let when = tokyo_time(row.expires_at);
        let subject = t.t1("q-mail-subject", "organisation", &org);
        let body = t.ta(
            "q-mail-body",
            &[("organisation", &org), ("supplier", supplier.name()), ("when", &when), ("url", &url)],
        );
        questionnaires::mail_link(&state.db, &s.actor, &row.id, &email, subject, body, state.now()).await?;
        mailed = email;
    }
    detail_page(&state, &ctx, &s, &id, None, Tried::default(), Some((url, mailed))).await
}

/// `GET /suppliers/{id}/questionnaires/{qid}`: the answers, each against the expected one.
pub async fn answers(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path((id, qid)): Path<(String, String)>,
) -> WebResult {
    let t = ctx.tr();
    let v = questionnaires::one(&state.db, &s.actor, &id, &qid, state.today()).await?;
    let supplier = suppliers::get(&state.db, &s.actor, &id, state.today()).await?;
    let template = v.template.clone().ok_or(AppError::NotFound)?;
    let files_of = |key: Option<&str>| -> Vec<(String, String)> {
        v.files.iter().filter(|f| f.question_key.as_deref() == key).map(|f| (f.id.clone(), f.name.clone())).collect()
    };
    let label = |a: &str| if a.is_empty() { String::new() } else { t.t(&format!("q-answer-{a}")) };
    let rows = template
        .questions()
        .map(|x| {
            let a = v.answers.get(&x.key);
            let given = a.map(|a| a.answer.clone()).unwrap_or_default();
            AnswerRow {
                key: x.key.clone(),
                text: x.text.clone(),
                deviation: !given.is_empty() && given != "na" && given != x.expected,
                answer: label(&given),
                expected: label(&x.expected),
                comment: a.map(|a| a.comment.clone()).unwrap_or_default(),
                files: files_of(Some(&x.key)),
            }
        })
        .collect();
    Ok(render(&AnswersPage {
        layout: Layout::new(&ctx),
        id: qid,
        supplier_id: id,
        supplier: supplier.name().to_string(),
        title: template.title.clone(),
        state_label: t.t(&format!("sup-q-state-{}", v.row.state)),
        score: v.score.map(|sc| score_label(&t, sc.percent, sc.deviations.len())).unwrap_or_default(),
        respondent: v.row.respondent.clone().unwrap_or_default(),
        answered: v.row.answered_at.map(tokyo_time).unwrap_or_default(),
        files: files_of(None),
        rows,
    })
    .into_response())
}

/// `POST /suppliers/{id}/end` (`disposal`, `accounts`): ends the use of the supplier.
pub async fn end(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let r = suppliers::end(
        &state.db,
        &s.actor,
        &id,
        form.get("disposal"),
        form.get("accounts"),
        state.today(),
        state.now(),
    )
    .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/suppliers/{id}?done=ended")).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let t = ctx.tr();
            detail_page(&state, &ctx, &s, &id, None, Tried::new(&t, "end", &form, &e, String::new()), None).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `GET /suppliers/{id}/questionnaires/{qid}/export?format=xlsx|csv|pdf`: the answers.
pub async fn answers_export(
    State(state): State<AppState>,
    s: Session,
    Path((id, qid)): Path<(String, String)>,
    Query(f): Query<crate::respond::Format>,
) -> WebResult {
    let table = questionnaires::answers_table(&state.db, &s.actor, &id, &qid, state.today()).await?;
    let name = format!("質問票回答_{}", table.doc_number);
    let bytes = mamori_app::export::render_export_async(table, f.format.clone()).await?;
    Ok(crate::respond::download(bytes, &f.format, &name))
}
