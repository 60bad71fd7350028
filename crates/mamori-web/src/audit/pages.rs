//! The audit log page (privileged roles only, 8.15 (5)) with the chain's verification.

use super::views::*;
use crate::ctx::Ctx;
use crate::error::WebResult;
use crate::extract::Session;
use crate::state::AppState;
use crate::tokyo_time;
use crate::views::{Layout, render};
use axum::extract::{Query, State};
use mamori_app::audit;
use serde::Deserialize;

/// `GET /audit?page=N`.
#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

/// The audit log (privileged roles only, 8.15 (5)).
pub async fn audit_log(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<PageQuery>) -> WebResult {
    const PER_PAGE: i64 = 50;
    let page = q.page.unwrap_or(0).max(0);
    let (rows, total) = audit::list(&state.db, &s.actor, PER_PAGE, page * PER_PAGE).await?;
    let t = ctx.tr();
    let verified = audit::verify_org(&state.db, &s.org.id).await?;
    let (chain_ok, chain_message) = match verified {
        Ok(n) => (true, t.tn("audit-chain-ok", "count", i64::try_from(n).unwrap_or(i64::MAX))),
        Err(e) => (false, t.t1("audit-chain-broken", "detail", &e.to_string())),
    };
    let rows = rows
        .into_iter()
        .map(|r| AuditRowView {
            seq: r.seq,
            at: tokyo_time(r.at_ms),
            actor: r.actor_label,
            action: t.t(&format!("action-{}", r.action)),
            object: format!("{} {}", r.object_type, r.object_id.unwrap_or_default()),
            before: r.before_json,
            after: r.after_json,
        })
        .collect();
    Ok(render(&AuditPage {
        layout: Layout::new(&ctx),
        rows,
        chain_ok,
        chain_message,
        newer: (page > 0).then(|| page - 1),
        older: ((page + 1) * PER_PAGE < total).then_some(page + 1),
    }))
}
