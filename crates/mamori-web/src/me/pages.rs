//! わたしの ISMS and `GET /api/v1/me/tasks`.

use super::views::{Item, MePage, PledgeItem};
use crate::ctx::Ctx;
use crate::error::WebResult;
use crate::extract::Session;
use crate::pledges::pages::{kind_label, standing_label};
use crate::state::AppState;
use crate::views::{Layout, render};
use axum::Json;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use mamori_app::me;
use mamori_domain::permission::Permission;
use std::collections::HashMap;

/// `GET /me[?signed=1]`: the member's own page.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Query(q): Query<HashMap<String, String>>,
) -> WebResult {
    let t = ctx.tr();
    let today = state.today();
    let m = me::mine(&state.db, &s.actor, today).await?;
    let pledges = m
        .pledges
        .iter()
        .filter(|p| p.standing != "no_document")
        .map(|p| PledgeItem {
            kind: p.kind.to_string(),
            title: p.title.clone().unwrap_or_else(|| kind_label(&t, p.kind)),
            edition: p.edition.clone().unwrap_or_default(),
            standing: standing_label(&t, p.standing),
            to_sign: p.standing == "missing" || p.standing == "outdated",
            signature_id: p.latest.as_ref().map(|g| g.id.clone()).unwrap_or_default(),
            signed_on: p.latest.as_ref().map(|g| g.signed_on.clone()).unwrap_or_default(),
        })
        .collect();
    let acknowledgements = m
        .acknowledgements
        .iter()
        .map(|a| Item {
            href: format!("/documents/{}", a.document_id),
            text: format!("{} {}", a.doc_number, a.title),
            note: a.edition.clone(),
            late: false,
        })
        .collect();
    let today_s = today.to_string();
    let duties = m
        .duties
        .iter()
        .map(|d| Item {
            href: format!("/duties/occurrences/{}", d.occurrence.occurrence.id),
            text: d.title.clone(),
            note: t.t1("me-due", "due", &d.occurrence.occurrence.due),
            late: d.occurrence.occurrence.due < today_s,
        })
        .collect();
    let requests = m
        .requests
        .iter()
        .map(|r| Item {
            href: format!("/requests/{}", r.request.id),
            text: format!("{} {}", mamori_app::requests::number_label(r.request.number), r.request.title),
            note: t.t(&format!("req-state-{}", r.request.state)),
            late: false,
        })
        .collect();
    let trainings = m
        .trainings
        .iter()
        .map(|c| Item {
            href: format!("/training/{}", c.course_id),
            text: c.title.clone(),
            note: format!(
                "{}（{}）",
                t.t1("me-due", "due", &c.due_on),
                crate::training::pages::reason_label(&t, &c.reason)
            ),
            late: c.overdue,
        })
        .collect();
    let page = MePage {
        layout: Layout::new(&ctx),
        name: m.person.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        signed_now: q.get("signed").is_some_and(|v| v == "1"),
        pledges,
        acknowledgements,
        duties,
        requests,
        trainings,
        may_duties: s.actor.grants.has(Permission::DutiesView),
        may_requests: s.actor.grants.has(Permission::RequestsUse),
    };
    Ok(render(&page))
}

/// `GET /api/v1/me/tasks` → `{pledges, acknowledgements, trainings, duties, requests}`.
pub async fn tasks(State(state): State<AppState>, s: Session) -> WebResult {
    Ok(Json(me::tasks(&state.db, &s.actor, state.today()).await?).into_response())
}
