//! Pages of document control: the document list, one document with its 改訂履歴, approval,
//! publication and acknowledgement, the SoA editor, and the exports.

use super::views::*;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::respond::{Format, download, urlencode};
use crate::state::AppState;
use crate::tokyo_time;
use crate::views::{Layout, render};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::documents::{self, DocDetail, RowEdit};
use mamori_domain::document::DocKind;
use mamori_domain::permission::Permission;
use mamori_domain::soa::{ImplStatus, InclusionReason};
use serde::Deserialize;

/// `?done=` messages.
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
    id: Option<String>,
}

fn status_label(t: &crate::i18n::Tr, s: &str) -> String {
    t.t(&format!("status-{s}"))
}

/// `GET /soa`.
pub async fn soa(State(state): State<AppState>, ctx: Ctx, s: Session, Query(d): Query<Done>) -> WebResult {
    let t = ctx.tr();
    let flash = match d.done.as_deref() {
        Some("row") => Some(t.t1("soa-saved", "id", d.id.as_deref().unwrap_or(""))),
        Some("approved") => Some(t.t("soa-approved")),
        _ => None,
    };
    soa_page(&state, &ctx, &s, flash, None).await
}

/// A refused SoA action, shown on the SoA page itself: what happened and what to do next, the
/// controls concerned as links, and a refused row's values with each problem at its field.
pub struct SoaRefusal {
    status: StatusCode,
    message: String,
    missing: Vec<String>,
    row: Option<SentRow>,
}

/// A row's edit as it was sent.
pub struct SentRow {
    id: String,
    reasons: Vec<String>,
    reason_text: String,
    status: String,
    /// (field, message).
    errors: Vec<(String, String)>,
}

async fn soa_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    flash: Option<String>,
    refused: Option<SoaRefusal>,
) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let v = documents::soa(&state.db, a, false).await?;
    let health = crate::regulation::health::all_if_permitted(&state.db, a, state.today()).await?;
    let mut layout = Layout::new(ctx);
    layout.flash = flash;
    let sent = refused.as_ref().and_then(|r| r.row.as_ref());
    let rows = v
        .rows
        .iter()
        .map(|r| {
            let mine = sent.filter(|x| x.id == r.id);
            let error_at = |field: &str| {
                mine.map(|x| {
                    x.errors.iter().filter(|e| e.0 == field).map(|e| e.1.clone()).collect::<Vec<_>>().join(" ")
                })
                .unwrap_or_default()
            };
            SoaRowView {
                id: r.id.clone(),
                title: r.title.clone(),
                applicable: r.applicable,
                missing: v.missing_reasons.contains(&r.id),
                reason_checks: InclusionReason::ALL
                    .iter()
                    .map(|x| {
                        let checked = match mine {
                            Some(m) => m.reasons.iter().any(|k| k == x.key()),
                            None => r.reasons.contains(x),
                        };
                        (x.key().to_string(), t.t(&format!("reason-{}", x.key())), checked)
                    })
                    .collect(),
                reason_text: mine.map(|m| m.reason_text.clone()).unwrap_or_else(|| r.reason_text.clone()),
                reason_display: r.reason_display(),
                status_options: ImplStatus::ALL
                    .iter()
                    .map(|s| {
                        let selected = match mine {
                            Some(m) => m.status == s.key(),
                            None => *s == r.status,
                        };
                        (s.key().to_string(), t.t(&format!("impl-{}", s.key())), selected)
                    })
                    .collect(),
                status_label: t.t(&format!("impl-{}", r.status.key())),
                health: health.get(&r.id).filter(|_| r.applicable).map(|h| crate::regulation::health::view(&t, h)),
                documents: r.documents.clone(),
                records: r.records.clone(),
                duties: i64::try_from(r.duties.len()).unwrap_or(0),
                approvals: i64::try_from(r.approvals.len()).unwrap_or(0),
                reasons_error: error_at("reasons"),
                text_error: error_at("reason_text"),
                refused: mine.is_some(),
            }
        })
        .collect();
    let status = refused.as_ref().map(|r| r.status).unwrap_or(StatusCode::OK);
    let page = render(&SoaPage {
        layout,
        approved: v.status == "approved",
        missing_count: i64::try_from(v.missing_reasons.len()).unwrap_or(0),
        can_edit: a.grants.has(Permission::DocumentsEdit),
        reasons: InclusionReason::ALL
            .iter()
            .map(|x| (x.key().to_string(), t.t(&format!("reason-{}", x.key()))))
            .collect(),
        rows,
        refusal: refused.as_ref().map(|r| r.message.clone()).unwrap_or_default(),
        refusal_links: refused.map(|r| r.missing).unwrap_or_default(),
        v,
    });
    Ok(if status == StatusCode::OK { page.into_response() } else { (status, page).into_response() })
}

/// `POST /soa/rows/{id}`: a refused edit comes back on the SoA with what was typed.
pub async fn soa_row(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let edit = RowEdit {
        reasons: form.all("reasons").iter().filter_map(|k| InclusionReason::from_key(k)).collect(),
        reason_text: form.get("reason_text").to_string(),
        status: ImplStatus::from_key(form.get("status")),
        documents: None,
    };
    match documents::soa_edit_row(&state.db, &s.actor, &id, edit, state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/soa?done=row&id={}#soa-{}", urlencode(&id), id)).into_response()),
        Err(AppError::Validation(v)) => {
            let t = ctx.tr();
            let row = SentRow {
                id: id.clone(),
                reasons: form.all("reasons").iter().map(|x| x.to_string()).collect(),
                reason_text: form.get("reason_text").to_string(),
                status: form.get("status").to_string(),
                errors: v.into_iter().map(|(f, k)| (f, t.t(&k))).collect(),
            };
            let refusal = SoaRefusal {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: t.t1("soa-row-refused", "id", &id),
                missing: Vec::new(),
                row: Some(row),
            };
            soa_page(&state, &ctx, &s, None, Some(refusal)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /soa/fill`.
pub async fn soa_fill(State(state): State<AppState>, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let reason = InclusionReason::from_key(form.get("reason"))
        .ok_or_else(|| WebError::from(AppError::Validation(vec![("reason".into(), "field-required".into())])))?;
    documents::soa_fill_missing(&state.db, &s.actor, reason, state.now()).await?;
    Ok(Redirect::to("/soa").into_response())
}

/// `POST /soa/approve`: a refusal (reasons missing, the author approving) comes back on the SoA
/// saying what to do next.
pub async fn soa_approve(State(state): State<AppState>, ctx: Ctx, s: Session, _: CsrfForm) -> WebResult {
    let t = ctx.tr();
    let (status, message, missing) = match documents::soa_approve(&state.db, &s.actor, state.now()).await {
        Ok(_) => return Ok(Redirect::to("/soa?done=approved").into_response()),
        Err(AppError::Blocked(ids)) => {
            let missing: Vec<String> = ids.split(", ").filter(|x| !x.is_empty()).map(str::to_string).collect();
            let count = i64::try_from(missing.len()).unwrap_or(0).to_string();
            // The first ten in the sentence; every one as a link below it.
            let mut ids = missing.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
            if missing.len() > 10 {
                ids.push_str(" …");
            }
            let m = t.ta("soa-refused-missing", &[("count", &count), ("ids", &ids)]);
            (StatusCode::CONFLICT, m, missing)
        }
        Err(AppError::SeparationOfDuties) => (StatusCode::FORBIDDEN, t.t("soa-refused-sod"), Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let refusal = SoaRefusal { status, message: format!("{} {message}", t.t("soa-refused")), missing, row: None };
    soa_page(&state, &ctx, &s, None, Some(refusal)).await
}

/// `GET /soa/export?format=xlsx|csv|pdf`.
pub async fn soa_export(State(state): State<AppState>, s: Session, Query(f): Query<Format>) -> WebResult {
    let v = documents::soa(&state.db, &s.actor, true).await?;
    let bytes = documents::render_export_async(documents::soa_table(&v), f.format.clone()).await?;
    Ok(download(bytes, &f.format, &format!("適用宣言書_{}_{}", v.doc_number, v.edition)))
}

/// `GET /documents`.
pub async fn documents_list(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let docs = documents::list(&state.db, a).await?;
    let rows = docs
        .iter()
        .map(|d| {
            let v = d.approved().or(d.draft());
            DocRow {
                href: if d.doc.kind == DocKind::Soa.key() { "/soa".into() } else { format!("/documents/{}", d.doc.id) },
                number: d.doc.doc_number.clone(),
                title: d.doc.title.clone(),
                kind: t.t(&format!("kind-{}", d.doc.kind)),
                edition: v.map(|v| v.edition.clone()).unwrap_or_default(),
                status: v.map(|v| status_label(&t, &v.status)).unwrap_or_default(),
                approver: v.and_then(|v| v.approver_label.clone()).unwrap_or_default(),
            }
        })
        .collect();
    Ok(render(&DocumentsPage {
        layout: Layout::new(&ctx),
        docs: rows,
        can_edit: a.grants.has(Permission::DocumentsEdit),
        kinds: [DocKind::Policy, DocKind::Manual, DocKind::External]
            .iter()
            .map(|k| (k.key().to_string(), t.t(&format!("kind-{}", k.key()))))
            .collect(),
    }))
}

/// `POST /documents`.
pub async fn documents_create(State(state): State<AppState>, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let kind = DocKind::from_key(form.get("kind")).unwrap_or(DocKind::Policy);
    let issuer = Some(form.get("issuer").trim().to_string()).filter(|s| !s.is_empty());
    let d = documents::create(
        &state.db,
        &s.actor,
        documents::NewDocument {
            kind,
            number: form.get("number").to_string(),
            title: form.get("title").to_string(),
            issuer,
            body: form.get("body").to_string(),
            enacted_date: None,
        },
        state.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/documents/{}", d.doc.id)).into_response())
}

/// `GET /documents/export?format=`.
pub async fn documents_export(State(state): State<AppState>, s: Session, Query(f): Query<Format>) -> WebResult {
    let docs = documents::list(&state.db, &s.actor).await?;
    let bytes = documents::render_export_async(documents::list_table(&docs), f.format.clone()).await?;
    Ok(download(bytes, &f.format, "文書一覧"))
}

async fn document_view(
    state: &AppState,
    ctx: &Ctx,
    s: &mamori_app::session::SessionInfo,
    detail: DocDetail,
    flash: Option<String>,
) -> Result<DocumentPage, WebError> {
    let t = ctx.tr();
    let a = &s.actor;
    let kind = DocKind::from_key(&detail.doc.kind).unwrap_or(DocKind::Policy);
    let [approved, draft] = [detail.approved(), detail.draft()].map(|v| {
        v.map(|v| VersionView {
            id: v.id.clone(),
            edition: v.edition.clone(),
            author_label: v.author_label.clone(),
            change_summary: v.change_summary.clone(),
            body: v.body.clone(),
            published_at: v.published_at,
        })
    });
    let roles = mamori_app::users::roles(&state.db, a).await?;
    let role_name = |key: &str| {
        roles
            .iter()
            .find(|r| r.0 == key)
            .map(|r| if ctx.lang == crate::i18n::Lang::En { r.2.clone() } else { r.1.clone() })
            .unwrap_or_else(|| key.to_string())
    };
    // Joint approval (5.29 I.): 「承認 1/2: 経営責任者 山田」 while a draft waits for the rest.
    let required = documents::required_roles(&detail.doc);
    let partial_approval = detail.draft().map(documents::approvals_of).filter(|a| !a.is_empty()).map(|done| {
        let who = done.iter().map(|a| format!("{} {}", role_name(&a.role), a.label)).collect::<Vec<_>>().join("、");
        let (n, total) = (done.len().to_string(), required.len().to_string());
        t.ta("doc-partial-approval", &[("done", &n), ("total", &total), ("who", &who)])
    });
    let given: Vec<String> =
        detail.draft().map(documents::approvals_of).unwrap_or_default().into_iter().map(|x| x.role).collect();
    let may_approve = required.iter().any(|r| !given.contains(r) && a.role_keys.contains(r));
    let mut ack_rows = Vec::new();
    let mut can_ack = false;
    let mut acked = false;
    if let Some(v) = detail.approved().filter(|v| v.published_at.is_some()) {
        let status = documents::ack_status(&state.db, a, v).await?;
        let me = s.user.login_id.clone();
        if let Some(mine) = status.iter().find(|r| r.0 == me) {
            can_ack = mine.2.is_none();
            acked = mine.2.is_some();
        }
        if a.grants.has(Permission::DocumentsEdit) {
            ack_rows = status.into_iter().map(|(l, n, at)| (l, n, at.map(tokyo_time))).collect();
        }
    }
    let mut changes = Vec::new();
    if kind == DocKind::Regulation && draft.is_some() {
        let versions = mamori_app::regulation::versions(&state.db, a).await?;
        let no_of = |id: &str| versions.iter().find(|v| v.id == id).map(|v| v.version_no);
        let to = draft.as_ref().and_then(|d| no_of(&d.body));
        let from = approved.as_ref().and_then(|v| no_of(&v.body)).or(to.map(|n| n - 1)).filter(|n| *n >= 1);
        if let (Some(from), Some(to)) = (from, to) {
            for c in mamori_app::regulation::changes(&state.db, a, from, to).await? {
                let mut parts = vec![format!("{} {} ({})", c.id, c.title, c.kind)];
                if let Some((b, af)) = c.applicability {
                    parts.push(format!("適用 {} → {}", if b { "○" } else { "×" }, if af { "○" } else { "×" }));
                }
                parts.extend(c.procedure_added.iter().map(|p| format!("+ {p}")));
                parts.extend(c.procedure_removed.iter().map(|p| format!("- {p}")));
                parts.extend(c.records_added.iter().map(|p| format!("+【{p}】")));
                parts.extend(c.records_removed.iter().map(|p| format!("-【{p}】")));
                parts.extend(c.intervals_added.iter().map(|p| format!("+ {p}")));
                parts.extend(c.intervals_removed.iter().map(|p| format!("- {p}")));
                changes.push(parts.join(" / "));
            }
        }
    }
    let mut history: Vec<_> = detail
        .versions
        .iter()
        .map(|v| {
            (
                v.edition.clone(),
                v.revised_date.clone().unwrap_or_default(),
                v.change_summary.clone(),
                v.approver_label.clone().unwrap_or_default(),
                status_label(&t, &v.status),
            )
        })
        .collect();
    history.reverse();
    let mut layout = Layout::new(ctx);
    layout.flash = flash;
    Ok(DocumentPage {
        file_error: None,
        file_summary: String::new(),
        // The file a version holds: (download path, file name).
        draft_file: detail.draft().and_then(|v| {
            v.file_sha256.as_ref().map(|h| (format!("/evidence/{h}"), v.file_name.clone().unwrap_or_default()))
        }),
        approved_file: detail.approved().and_then(|v| {
            v.file_sha256.as_ref().map(|h| (format!("/evidence/{h}"), v.file_name.clone().unwrap_or_default()))
        }),
        layout,
        kind: t.t(&format!("kind-{}", detail.doc.kind)),
        approver_role: required.iter().map(|r| role_name(r)).collect::<Vec<_>>().join("・"),
        partial_approval,
        may_approve,
        is_regulation: kind == DocKind::Regulation,
        is_soa: kind == DocKind::Soa,
        // The business-continuity plan kept as data is shown and edited on its own page.
        is_bcp: mamori_domain::bcp::is_plan_title(&detail.doc.title)
            && [approved.as_ref(), draft.as_ref()]
                .into_iter()
                .flatten()
                .any(|v| mamori_domain::bcp::Plan::from_body(&v.body).is_some()),
        approved_body: approved
            .as_ref()
            .filter(|v| mamori_domain::bcp::Plan::from_body(&v.body).is_none())
            .map(|v| v.body.lines().map(str::to_string).collect())
            .unwrap_or_default(),
        published: approved.as_ref().and_then(|v| v.published_at).map(tokyo_time),
        approved,
        draft,
        can_ack,
        acked,
        can_edit: a.grants.has(Permission::DocumentsEdit),
        ack_rows,
        roles: roles.iter().map(|r| (r.0.clone(), role_name(&r.0))).collect(),
        changes,
        history,
        doc: DocView {
            id: detail.doc.id,
            title: detail.doc.title,
            doc_number: detail.doc.doc_number,
            issuer: detail.doc.issuer,
            confidentiality: detail.doc.confidentiality,
        },
    })
}

async fn document_page(
    state: &AppState,
    ctx: &Ctx,
    s: &mamori_app::session::SessionInfo,
    detail: DocDetail,
    flash: Option<String>,
) -> WebResult {
    Ok(render(&document_view(state, ctx, s, detail, flash).await?))
}

/// `GET /documents/{id}`.
pub async fn document(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    Query(d): Query<Done>,
) -> WebResult {
    let t = ctx.tr();
    let detail = documents::get(&state.db, &s.actor, &id).await?;
    let flash = match d.done.as_deref() {
        Some("approved") => Some(t.t("doc-approved")),
        Some("partial") => Some(t.t("doc-approval-recorded")),
        Some("ack") => Some(t.t("ack-done")),
        _ => None,
    };
    document_page(&state, &ctx, &s, detail, flash).await
}

/// `POST /documents/{id}/draft`.
pub async fn document_draft(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    documents::save_draft(&state.db, &s.actor, &id, form.get("body"), form.get("change_summary"), state.now()).await?;
    Ok(Redirect::to(&format!("/documents/{id}#draft")).into_response())
}

/// `POST /documents/{id}/file` (multipart: `csrf` first, `change_summary`, one `file`): a
/// docx, xlsx or PDF becomes the draft's content; a refusal re-renders the page with the
/// problem at the file form.
pub async fn document_file(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    mp: axum::extract::Multipart,
) -> WebResult {
    let (form, files) = match crate::upload::receive_form(&state, &ctx, &s.actor, mp).await {
        Ok(x) => x,
        // A file the evidence store refuses (its kind, emptiness or size): the page again, the
        // problem at the file form in the reader's language.
        Err(crate::upload::Refused::App(
            e @ (AppError::Blocked(_)
            | AppError::FileRefused { .. }
            | AppError::TooLarge { .. }
            | AppError::Validation(_)),
        )) => {
            let t = ctx.tr();
            let detail = documents::get(&state.db, &s.actor, &id).await?;
            let mut page = document_view(&state, &ctx, &s, detail, None).await?;
            page.file_error = Some(match e {
                AppError::TooLarge { .. } => crate::error::message(&ctx, &e),
                _ => t.t("doc-file-refused"),
            });
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let sha = files.first().map(|f| f.sha256.clone()).unwrap_or_default();
    match documents::save_file(&state.db, &s.actor, &id, &sha, form.get("change_summary"), state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/documents/{id}#draft")).into_response()),
        Err(AppError::Validation(problems)) => {
            let t = ctx.tr();
            let detail = documents::get(&state.db, &s.actor, &id).await?;
            let msg = problems
                .iter()
                .map(|(f, k)| format!("{}: {}", t.t(&format!("doc-field-{f}")), t.t(k)))
                .collect::<Vec<_>>()
                .join(" ");
            let mut page = document_view(&state, &ctx, &s, detail, None).await?;
            page.file_error = Some(msg);
            page.file_summary = form.get("change_summary").to_string();
            Ok(render(&page))
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /documents/{id}/approve`.
pub async fn document_approve(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    _: CsrfForm,
) -> WebResult {
    match documents::approve(&state.db, &s.actor, &id, state.now()).await {
        Ok(v) => {
            let done = if v.status == "approved" { "approved" } else { "partial" };
            Ok(Redirect::to(&format!("/documents/{id}?done={done}")).into_response())
        }
        // An expected refusal (own version, approved already, wrong role, a missing SoA reason)
        // is said on the document's own page.
        Err(
            e @ (AppError::SeparationOfDuties
            | AppError::Forbidden
            | AppError::Validation(_)
            | AppError::Blocked(_)
            | AppError::Conflict),
        ) => {
            let t = ctx.tr();
            let status = crate::error::status(&e);
            let msg = match &e {
                AppError::Validation(v) => v.iter().map(|(_, k)| t.t(k)).collect::<Vec<_>>().join(" "),
                _ => crate::error::message(&ctx, &e),
            };
            let detail = documents::get(&state.db, &s.actor, &id).await?;
            let mut page = document_view(&state, &ctx, &s, detail, None).await?;
            page.layout.error = Some(msg);
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /documents/{id}/publish`.
pub async fn document_publish(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let roles = if form.get("everyone") == "1" { Vec::new() } else { form.all("roles") };
    documents::publish(&state.db, &s.actor, &id, roles, state.now()).await?;
    Ok(Redirect::to(&format!("/documents/{id}")).into_response())
}

/// `POST /documents/{id}/ack`.
pub async fn document_ack(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    match documents::acknowledge(&state.db, &s.actor, form.get("version_id"), state.now()).await {
        Ok(()) | Err(AppError::Conflict) => Ok(Redirect::to(&format!("/documents/{id}?done=ack")).into_response()),
        Err(e) => Err(WebError::from(e)),
    }
}

/// `GET /documents/{id}/history?format=`.
pub async fn document_history(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Query(f): Query<Format>,
) -> WebResult {
    let detail = documents::get(&state.db, &s.actor, &id).await?;
    let bytes = documents::render_export_async(documents::history_table(&detail), f.format.clone()).await?;
    Ok(download(bytes, &f.format, &format!("改訂履歴_{}", detail.doc.doc_number)))
}
