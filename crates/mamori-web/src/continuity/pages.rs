//! The business-continuity page `/bcp`: the plan in force, its draft with the joint approval,
//! the edit form (a refusal comes back with 422, everything typed kept and each problem at its
//! field), the printable PDF, and the drills and tests with their corrective actions.

use super::views::{BcpPage, CellView, PlanView, SectionView, TestView};
use crate::ctx::Ctx;
use crate::error::{WebResult, message, status};
use crate::extract::{CsrfForm, Session};
use crate::i18n::{Lang, Tr};
use crate::respond::download;
use crate::state::AppState;
use crate::views::{Done, Layout, render};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_app::continuity::{self, BcpView, drills, print};
use mamori_app::documents::{approvals_of, required_roles};
use mamori_app::{AppError, tokyo_date, users};
use mamori_domain::bcp::{self, Plan, SECTIONS, TEXTS, Verdict};
use mamori_domain::permission::{Permission, default_role_permissions};

/// What a refused action brings back to the page.
#[derive(Default)]
struct Refused {
    /// The plan as read, its problems and what was typed in a number field, and the change
    /// summary.
    form: Option<(bcp::FormRead, String)>,
    approve: Option<String>,
    /// (drill or test row, message, owner chosen, due typed).
    test: Option<(String, String, String, String)>,
}

fn role_name(lang: Lang, key: &str) -> String {
    default_role_permissions()
        .into_iter()
        .find(|r| r.key == key)
        .map(|r| if lang == Lang::En { r.name_en } else { r.name_ja }.to_string())
        .unwrap_or_default()
}

/// The plan's parts as the page shows them; `blank` empty rows are added to each list of the
/// edit form so a row can be added without script.
fn plan_view(t: &Tr, p: &Plan, problems: &[bcp::Problem], typed: &[(String, String)], blank: usize) -> PlanView {
    let error = |name: &str| problems.iter().find(|(f, _)| f == name).map(|(_, k)| t.t(k));
    let texts = TEXTS
        .iter()
        .map(|(k, multi)| CellView {
            name: (*k).to_string(),
            label: t.t(&format!("bcp-text-{k}")),
            value: p.text(k).to_string(),
            multi: *multi,
            error: error(k),
        })
        .collect();
    let sections = SECTIONS
        .iter()
        .map(|s| {
            let n = p.rows(s.key) + blank;
            SectionView {
                key: s.key.to_string(),
                title: t.t(&format!("bcp-section-{}", s.key)),
                columns: s.columns.iter().map(|(c, _)| t.t(&format!("bcp-col-{}-{c}", s.key))).collect(),
                rows: (0..n)
                    .map(|i| {
                        s.columns
                            .iter()
                            .map(|(c, multi)| {
                                let name = format!("{}.{i}.{c}", s.key);
                                CellView {
                                    label: t.t(&format!("bcp-col-{}-{c}", s.key)),
                                    value: typed
                                        .iter()
                                        .find(|(f, _)| *f == name)
                                        .map(|(_, v)| v.clone())
                                        .unwrap_or_else(|| p.cell(s.key, i, c)),
                                    multi: *multi,
                                    error: error(&name),
                                    name,
                                }
                            })
                            .collect()
                    })
                    .collect(),
            }
        })
        .collect();
    PlanView { texts, sections }
}

fn approvals_line(lang: Lang, approvals: &[mamori_app::documents::Approval]) -> Vec<String> {
    approvals.iter().map(|a| format!("{} {} {}", role_name(lang, &a.role), a.label, tokyo_date(a.at))).collect()
}

async fn page(state: &AppState, ctx: &Ctx, s: &Session, refused: Refused) -> Result<BcpPage, AppError> {
    let t = ctx.tr();
    let a = &s.actor;
    let view = continuity::load(&state.db, a).await?;
    let BcpView { doc, approved, draft, working, .. } = &view;
    let required = doc.as_ref().map(|d| required_roles(&d.doc)).unwrap_or_else(|| {
        vec![
            mamori_domain::permission::ROLE_TOP_MANAGEMENT.to_string(),
            mamori_domain::permission::ROLE_SECURITY_MANAGER.to_string(),
        ]
    });
    // The documents' own rule decides (joint approval: an author only after someone who did
    // not write the draft), so the button is offered only to whom it will accept.
    let approval = draft.as_ref().filter(|(_, p)| p.is_some()).map(|(v, _)| {
        let mut authors = continuity::authors(v);
        authors.push(v.author_id.clone());
        mamori_domain::document::check_joint_approval(
            mamori_domain::document::VersionStatus::Draft,
            &authors,
            a.user_id.as_deref().unwrap_or(""),
            &a.role_keys,
            &required,
            &approvals_of(v),
        )
    });
    let may_approve = matches!(approval, Some(Ok(_)));
    let approve_note = match approval {
        Some(Err(mamori_domain::document::ApprovalRefusal::OwnVersion)) => Some(t.t("bcp-approve-after-other")),
        _ => None,
    };
    let partial_approval =
        draft.as_ref().map(|(v, _)| approvals_line(ctx.lang, &approvals_of(v))).filter(|l| !l.is_empty()).map(|l| {
            t.ta(
                "doc-partial-approval",
                &[("done", &l.len().to_string()), ("total", &required.len().to_string()), ("who", &l.join("、"))],
            )
        });
    let (read, summary) = match refused.form {
        Some(x) => x,
        None => (
            bcp::FormRead { plan: working.clone(), problems: Vec::new(), typed: Vec::new() },
            draft.as_ref().map(|(v, _)| v.change_summary.clone()).unwrap_or_default(),
        ),
    };
    let problems = &read.problems;
    let summary_error = problems.iter().find(|(f, _)| f == "change_summary").map(|(_, k)| t.t(k));
    let form_error = (!problems.is_empty()).then(|| t.t1("bcp-form-problems", "count", &problems.len().to_string()));
    let tested = drills::list(&state.db, a).await?;
    let people = if tested.may_raise {
        users::people(&state.db, a).await?.into_iter().filter(|p| p.active).map(|p| (p.id, p.name)).collect()
    } else {
        Vec::new()
    };
    let default_due = state.today().checked_add(jiff::ToSpan::days(30)).map(|d| d.to_string()).unwrap_or_default();
    let tests = tested
        .records
        .iter()
        .map(|r| {
            let times = match (r.target_minutes, r.actual_minutes) {
                (None, None) => String::new(),
                (target, actual) => t.ta(
                    "bcp-test-times",
                    &[
                        ("target", &target.map(|n| n.to_string()).unwrap_or_else(|| "—".into())),
                        ("actual", &actual.map(|n| n.to_string()).unwrap_or_else(|| "—".into())),
                    ],
                ),
            };
            let (verdict_class, verdict) = match r.verdict {
                Verdict::Within => ("ok", t.t("bcp-verdict-within")),
                Verdict::Over => ("warn", t.t("bcp-verdict-over")),
                Verdict::Unknown => ("", String::new()),
            };
            TestView {
                id: r.id.clone(),
                href: format!("/registers/{}/rows/{}", drills::REGISTER, r.id),
                tested_on: r.tested_on.clone(),
                subject: r.subject.clone(),
                kind: r.kind.clone(),
                medium: r.medium.clone(),
                times,
                verdict_class: verdict_class.to_string(),
                verdict,
                result: r.result.clone(),
                problems: r.problems.clone(),
                corrective: r.corrective.as_ref().map(|(id, n)| (format!("/nonconformities/{id}"), n.clone())),
                may_raise: tested.may_raise && r.corrective.is_none() && !r.problems.is_empty(),
                error: refused.test.as_ref().filter(|x| x.0 == r.id).map(|x| x.1.clone()),
                owner: refused.test.as_ref().filter(|x| x.0 == r.id).map(|x| x.2.clone()).unwrap_or_default(),
                due: refused
                    .test
                    .as_ref()
                    .filter(|x| x.0 == r.id)
                    .map(|x| x.3.clone())
                    .unwrap_or_else(|| default_due.clone()),
            }
        })
        .collect();
    let current = match (doc, approved) {
        (Some(d), Some((v, _))) => format!("{} · {}", d.doc.doc_number, v.edition),
        _ => String::new(),
    };
    Ok(BcpPage {
        title: doc.as_ref().map(|d| d.doc.title.clone()).unwrap_or_else(|| bcp::DEFAULT_TITLE.to_string()),
        current,
        doc_href: doc.as_ref().map(|d| format!("/documents/{}", d.doc.id)).unwrap_or_default(),
        approved_by: approved.as_ref().map(|(v, _)| approvals_line(ctx.lang, &approvals_of(v))).unwrap_or_default(),
        approved: approved.as_ref().and_then(|(_, p)| p.as_ref()).map(|p| plan_view(&t, p, &[], &[], 0)),
        draft_edition: draft.as_ref().map(|(v, _)| v.edition.clone()).unwrap_or_default(),
        partial_approval,
        approver_roles: required.iter().map(|r| role_name(ctx.lang, r)).collect::<Vec<_>>().join("・"),
        may_approve,
        approve_note,
        draft_summary: draft.as_ref().map(|(v, _)| v.change_summary.clone()).unwrap_or_default(),
        draft_author: draft.as_ref().map(|(v, _)| v.author_label.clone()).unwrap_or_default(),
        approve_error: refused.approve,
        may_print: view.printable().is_some(),
        can_edit: a.grants.has(Permission::DocumentsEdit),
        form: plan_view(&t, &read.plan, problems, &read.typed, 3),
        change_summary: summary,
        summary_error,
        form_error,
        may_read_tests: tested.may_read,
        may_record_test: tested.may_record,
        tests,
        people,
        layout: Layout::new(ctx),
    })
}

async fn respond(state: &AppState, ctx: &Ctx, s: &Session, code: StatusCode, refused: Refused) -> WebResult {
    let p = page(state, ctx, s, refused).await?;
    Ok((code, render(&p)).into_response())
}

/// `GET /bcp`.
pub async fn show(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<Done>) -> WebResult {
    let mut p = page(&state, &ctx, &s, Refused::default()).await?;
    p.layout = p.layout.with_done("bcp", q.done.as_deref());
    Ok(render(&p))
}

/// `POST /bcp`: saves the plan as the draft (`documents.edit`).
pub async fn save(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let previous = continuity::load(&state.db, &s.actor).await?.working;
    let summary = form.get("change_summary").trim().to_string();
    let mut read = bcp::from_form(|k| Some(form.get(k)), &previous);
    if !read.problems.is_empty() {
        if summary.is_empty() {
            read.problems.push(("change_summary".into(), "field-required".into()));
        }
        let refused = Refused { form: Some((read, summary)), ..Refused::default() };
        return respond(&state, &ctx, &s, StatusCode::UNPROCESSABLE_ENTITY, refused).await;
    }
    match continuity::save(&state.db, &s.actor, &read.plan, &summary, state.now()).await {
        Ok(_) => Ok(Redirect::to("/bcp?done=saved#draft").into_response()),
        Err(AppError::Validation(problems)) => {
            let refused = Refused { form: Some((bcp::FormRead { problems, ..read }, summary)), ..Refused::default() };
            respond(&state, &ctx, &s, StatusCode::UNPROCESSABLE_ENTITY, refused).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /bcp/approve`: one of the joint approvals.
pub async fn approve(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(_): CsrfForm) -> WebResult {
    match continuity::approve(&state.db, &s.actor, state.now()).await {
        Ok(true) => Ok(Redirect::to("/bcp?done=approved").into_response()),
        Ok(false) => Ok(Redirect::to("/bcp?done=partial#draft").into_response()),
        Err(
            e @ (AppError::SeparationOfDuties | AppError::Forbidden | AppError::Validation(_) | AppError::Conflict),
        ) => {
            let t = ctx.tr();
            let m = match &e {
                AppError::Validation(v) => v.iter().map(|(_, k)| t.t(k)).collect::<Vec<_>>().join(" "),
                _ => message(&ctx, &e),
            };
            respond(&state, &ctx, &s, status(&e), Refused { approve: Some(m), ..Refused::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `?draft=1`: the draft waiting for approval.
#[derive(serde::Deserialize)]
pub struct Which {
    #[serde(default)]
    draft: Option<String>,
}

/// `GET /bcp/print[?draft=1]`: the plan as one PDF (the version in force, else the draft as 案;
/// `draft=1` the draft, for its approvers to read).
pub async fn print_pdf(State(state): State<AppState>, s: Session, Query(w): Query<Which>) -> WebResult {
    let mut view = continuity::load(&state.db, &s.actor).await?;
    if w.draft.as_deref() == Some("1") {
        view.approved = None;
    }
    let number = view.doc.as_ref().map(|d| d.doc.doc_number.clone()).unwrap_or_default();
    let bytes = print::pdf(&view).await?;
    Ok(download(bytes, "pdf", &format!("{}_{number}", bcp::DEFAULT_TITLE)))
}

/// `POST /bcp/tests/{id}/corrective` (`owner_id`, `due`): opens the corrective action for a
/// drill's or test's problems; a refusal stays on the page at that record.
pub async fn corrective(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let t = ctx.tr();
    let kept = |m: String| Some((id.clone(), m, form.get("owner_id").to_string(), form.get("due").to_string()));
    let due = match form.get("due").trim().parse::<jiff::civil::Date>() {
        Ok(d) => d,
        Err(_) => {
            let refused = Refused { test: kept(t.t("field-not-date")), ..Refused::default() };
            return respond(&state, &ctx, &s, StatusCode::UNPROCESSABLE_ENTITY, refused).await;
        }
    };
    match drills::raise_corrective(&state.db, &s.actor, &id, form.get("owner_id"), due, state.now()).await {
        Ok(nc) => Ok(Redirect::to(&format!("/nonconformities/{}", nc.record.id)).into_response()),
        Err(e @ (AppError::Validation(_) | AppError::Conflict)) => {
            let m = match &e {
                AppError::Validation(v) => v.iter().map(|(_, k)| t.t(k)).collect::<Vec<_>>().join(" "),
                _ => t.t("bcp-corrective-exists"),
            };
            respond(&state, &ctx, &s, status(&e), Refused { test: kept(m), ..Refused::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}
