//! The certificate-check page and its button.

use super::views::{CheckLine, CheckPage};
use crate::ctx::Ctx;
use crate::error::WebResult;
use crate::extract::{CsrfForm, Session};
use crate::state::AppState;
use crate::tokyo_time;
use crate::views::{Done, Layout, render};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use mamori_app::certificates::{self, RowStatus};

fn line(t: &crate::i18n::Tr, r: RowStatus) -> CheckLine {
    let registered = r.expires_on.unwrap_or_default();
    match r.latest {
        None => CheckLine {
            row_id: r.row_id,
            name: r.name,
            host: r.host,
            registered,
            found: String::new(),
            issuer: String::new(),
            subject: String::new(),
            outcome: t.t("cert-outcome-none"),
            findings: String::new(),
            checked_at: String::new(),
            attention: true,
            differs: false,
        },
        Some(c) => CheckLine {
            row_id: r.row_id,
            name: r.name,
            host: c.host,
            registered,
            found: c.not_after_date.unwrap_or_default(),
            issuer: c.issuer.unwrap_or_default(),
            subject: c.subject.unwrap_or_default(),
            outcome: t.t(&format!("cert-outcome-{}", c.outcome)),
            differs: c.findings.iter().any(|f| f == "expiry_differs"),
            findings: c.findings.iter().map(|f| t.t(&format!("cert-finding-{f}"))).collect::<Vec<_>>().join("、"),
            checked_at: tokyo_time(c.checked_at),
            attention: c.outcome != "ok",
        },
    }
}

/// `GET /certificates/check`: the hosts of 証明書・ドメイン管理台帳 and what was last found.
pub async fn show(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<Done>) -> WebResult {
    let t = ctx.tr();
    let o = certificates::overview(&state.db, &s.actor).await?;
    Ok(render(&CheckPage {
        layout: Layout::new(&ctx).with_done("certcheck", q.done.as_deref()),
        rows: o.rows.into_iter().map(|r| line(&t, r)).collect(),
        may_run: o.may_run,
    }))
}

/// `POST /certificates/check`: checks every row with a host now (each within 10 seconds).
pub async fn run(State(state): State<AppState>, s: Session, CsrfForm(_form): CsrfForm) -> WebResult {
    certificates::check_now(&state.db, &s.actor, state.now()).await?;
    Ok(Redirect::to("/certificates/check?done=checked").into_response())
}
