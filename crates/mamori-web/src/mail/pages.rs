//! `/admin/mail`: the reminder mail outbox for administrators, failures first, with retry.

use super::views::*;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::state::AppState;
use crate::tokyo_time;
use crate::views::{Layout, render};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;

/// `GET /admin/mail`: the reminder outbox, failures first.
pub async fn outbox(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    let a = &s.actor;
    let t = ctx.tr();
    let mut list = mamori_app::reminders::outbox(&state.db, a, 500).await?;
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
pub async fn outbox_retry(State(state): State<AppState>, s: Session, Path(id): Path<String>, _: CsrfForm) -> WebResult {
    mamori_app::reminders::retry(&state.db, &s.actor, &id, state.now()).await.map_err(|e| match e {
        AppError::NotFound => WebError::from(AppError::Conflict),
        e => WebError::from(e),
    })?;
    Ok(Redirect::to("/admin/mail").into_response())
}
