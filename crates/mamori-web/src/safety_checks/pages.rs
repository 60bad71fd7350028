//! The 対策本部's pages: the checks with the form to start one (a refused form comes back, 422,
//! with the values kept and the problem at its field), a check's tally — counts by status and
//! can-work, by role, the answers, the non-responders by name with their mailings —, re-sending
//! to the non-responders and closing.

use super::views::*;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::state::AppState;
use crate::tokyo_time;
use crate::views::{Done, Layout, Tried, render};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::safety_checks::{self as sc, CheckView};
use mamori_domain::safety::Counts;

async fn list_page(state: &AppState, ctx: &Ctx, s: &Session, form: Tried, done: Option<&str>) -> WebResult {
    let t = ctx.tr();
    let checks = sc::list(&state.db, &s.actor)
        .await?
        .into_iter()
        .map(|v| CheckLine {
            id: v.check.id.clone(),
            title: v.check.title.clone(),
            drill: v.check.drill == 1,
            sent_at: tokyo_time(v.check.created_at),
            open: v.check.state == "open",
            responded_label: t
                .tnums("safety-responded-of", [("responded", v.tally.all.responded), ("sent", v.tally.all.sent)]),
        })
        .collect();
    let status = if form.failed() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ListPage { layout: Layout::new(ctx).with_done("safety", done), checks, form };
    Ok((status, render(&page)).into_response())
}

/// `GET /safety-checks`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<Done>) -> WebResult {
    list_page(&state, &ctx, &s, Tried::default(), q.done.as_deref()).await
}

/// `POST /safety-checks` (`title`, `kind`: drill | real): sends the check and shows its tally
/// with the sender's own link (shown once).
pub async fn create(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let drill = form.get("kind") != "real";
    match sc::send(&state.db, &s.actor, &super::mailing(&state), form.get("title"), drill, state.now()).await {
        Ok(sent) => {
            let own = sent.own_token.as_deref().map(|t| link(&state, t)).unwrap_or_default();
            let v = sc::get(&state.db, &s.actor, &sent.check.id).await?;
            let mut layout = Layout::new(&ctx);
            layout.flash = Some(ctx.tr().tn("safety-sent", "count", sent.sent as i64));
            Ok(render(&tally_page(&ctx, layout, &v, own)).into_response())
        }
        Err(e @ AppError::Validation(_)) => {
            let t = ctx.tr();
            let f = Tried::new(&t, "start", &form, &e, String::new());
            list_page(&state, &ctx, &s, f, None).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// A personal link as the person opens it (absolute when the server knows its address).
pub fn link(state: &AppState, token: &str) -> String {
    let base = state.config.base_url.as_deref().unwrap_or("").trim_end_matches('/');
    format!("{base}/s/{token}")
}

fn counts(group: String, c: &Counts) -> CountLine {
    CountLine {
        group,
        sent: c.sent,
        responded: c.responded,
        safe: c.by_status.safe,
        minor: c.by_status.minor_injury,
        serious: c.by_status.serious_injury,
        can_work: c.can_work.yes,
        cannot_work: c.can_work.no,
    }
}

fn tally_page(ctx: &Ctx, layout: Layout, v: &CheckView, own_link: String) -> TallyPage {
    let t = ctx.tr();
    let answers = v
        .recipients
        .iter()
        .filter_map(|r| {
            let status = r.row.status.clone()?;
            Some(AnswerLine {
                name: r.row.display_name.clone(),
                status: t.t(&format!("safety-status-{status}")),
                status_key: status.replace('_', "-"),
                can_work: t.t(if r.row.can_work == Some(1) { "safety-can-work-yes" } else { "safety-can-work-no" }),
                comment: r.row.comment.clone().unwrap_or_default(),
                answered_at: r.row.answered_at.map(tokyo_time).unwrap_or_default(),
            })
        })
        .collect();
    TallyPage {
        layout,
        id: v.check.id.clone(),
        title: v.check.title.clone(),
        drill: v.check.drill == 1,
        open: v.check.state == "open",
        sent_at: tokyo_time(v.check.created_at),
        closed_at: v.check.closed_at.map(tokyo_time).unwrap_or_default(),
        total: counts(t.t("safety-everyone"), &v.tally.all),
        groups: v
            .tally
            .by_group
            .iter()
            .map(|(g, c)| counts(if g.is_empty() { t.t("safety-no-role") } else { g.clone() }, c))
            .collect(),
        answers,
        waiting: v
            .tally
            .non_responders
            .iter()
            .map(|n| WaitingLine { name: n.name.clone(), sent_count: n.sent_count })
            .collect(),
        bcp_href: v
            .check
            .bcp_row_id
            .as_deref()
            .map(|id| format!("/registers/{}/rows/{id}", sc::BCP_REGISTER))
            .unwrap_or_default(),
        own_link,
    }
}

/// `GET /safety-checks/{id}`: the tally.
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> WebResult {
    let v = sc::get(&state.db, &s.actor, &id).await?;
    let layout = Layout::new(&ctx).with_done("safety", q.done.as_deref());
    Ok(render(&tally_page(&ctx, layout, &v, String::new())).into_response())
}

/// `GET` of a form-only path: back to the tally (of a check of the organisation only).
pub async fn back(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    sc::get(&state.db, &s.actor, &id).await?;
    Ok(Redirect::to(&format!("/safety-checks/{id}")).into_response())
}

async fn refused(state: &AppState, ctx: &Ctx, s: &Session, id: &str, key: &str) -> WebResult {
    let v = sc::get(&state.db, &s.actor, id).await?;
    let mut layout = Layout::new(ctx);
    layout.error = Some(ctx.tr().t(key));
    Ok((StatusCode::CONFLICT, render(&tally_page(ctx, layout, &v, String::new()))).into_response())
}

/// `POST /safety-checks/{id}/resend`: a fresh link to every non-responder.
pub async fn resend(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    match sc::resend(&state.db, &s.actor, &super::mailing(&state), &id, state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/safety-checks/{id}?done=resent")).into_response()),
        Err(AppError::Conflict) => refused(&state, &ctx, &s, &id, "safety-closed-already").await,
        Err(e) => Err(e.into()),
    }
}

/// `POST /safety-checks/{id}/close`: no more answers; a drill is recorded in bcp_records.
pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    match sc::close(&state.db, &s.actor, &id, state.today(), state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/safety-checks/{id}?done=closed")).into_response()),
        Err(AppError::Conflict) => refused(&state, &ctx, &s, &id, "safety-closed-already").await,
        Err(e) => Err(e.into()),
    }
}
