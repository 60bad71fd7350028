//! The onboarding page. A refused screening record or paper pledge comes back with 422, what
//! was typed kept and each problem at its field (the scan must be chosen again: a browser never
//! keeps a file input).

use super::views::{AccountRow, OnboardingPage, PledgeRow, ScreeningRow, SignatureRow, StepRow};
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::pledges::pages::{kind_label, standing_label};
use crate::state::AppState;
use crate::upload;
use crate::views::{Layout, Tried, render};
use axum::extract::multipart::Multipart;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use mamori_app::onboarding::{self, ScreeningInput};
use mamori_app::{AppError, people, pledges};
use mamori_domain::pledge::Kind;

async fn page(state: &AppState, ctx: &Ctx, s: &Session, id: &str, tried: Tried) -> WebResult {
    let t = ctx.tr();
    let ob = onboarding::of(&state.db, &s.actor, id, state.today()).await?;
    let person = people::row(&state.db, &s.actor, id).await?;
    let steps = ob
        .steps
        .iter()
        .map(|st| StepRow {
            key: st.key.to_string(),
            label: t.t(&format!("onboarding-step-{}", st.key)),
            state: t.t(&format!("onboarding-state-{}", st.state.replace('_', "-"))),
            done: st.state != "open",
            detail: match (st.key, st.state) {
                ("policies", "open") => t.tn("onboarding-policies-left", "count", st.count as i64),
                ("training", "open") if st.count > 0 => t.tn("onboarding-training-left", "count", st.count as i64),
                ("screening", "done") | ("accounts", "done") if st.count > 0 => {
                    t.tn(&format!("onboarding-{}-count", st.key), "count", st.count as i64)
                }
                _ => String::new(),
            },
        })
        .collect();
    let screenings = ob
        .screenings
        .iter()
        .map(|r| ScreeningRow {
            checked_on: r.checked_on.clone(),
            checks: r.checks.clone(),
            result: r.result.clone(),
            checked_by: r.checked_by.clone(),
            notes: r.notes.clone(),
        })
        .collect();
    let pledges = ob
        .pledges
        .iter()
        .map(|p| PledgeRow {
            pledge: p.title.clone().unwrap_or_else(|| kind_label(&t, p.kind)),
            edition: p.edition.clone().unwrap_or_default(),
            standing: standing_label(&t, p.standing),
        })
        .collect();
    let signatures = ob
        .signatures
        .iter()
        .rev()
        .map(|g| SignatureRow {
            id: g.id.clone(),
            pledge: kind_label(&t, &g.kind),
            edition: g.edition.clone(),
            signed_on: g.signed_on.clone(),
            method: t.t(&format!("pledge-method-{}", g.method)),
        })
        .collect();
    let accounts = ob
        .accounts
        .iter()
        .map(|a| AccountRow {
            id: a.id.clone(),
            number: a.number.clone(),
            kind: a.kind.clone(),
            system: a.system.clone(),
            state: t.t(&format!("req-state-{}", a.state)),
        })
        .collect();
    let status = tried.status();
    let page = OnboardingPage {
        layout: Layout::new(ctx),
        id: person.id.clone(),
        name: person.name.clone(),
        complete: ob.complete,
        steps,
        screenings,
        pledges,
        signatures,
        accounts,
        kinds: Kind::ALL.iter().map(|k| (k.key().to_string(), kind_label(&t, k.key()))).collect(),
        tried,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /people/{id}/onboarding`.
pub async fn show(State(state): State<AppState>, ctx: Ctx, s: Session, Path(id): Path<String>) -> WebResult {
    page(&state, &ctx, &s, &id, Tried::default()).await
}

/// `GET /people/{id}/screening` and `/pledges/paper` (a reload): back to the page (404 for a
/// person of another organisation, as the page).
pub async fn back(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    let p = people::row(&state.db, &s.actor, &id).await?;
    Ok(Redirect::to(&format!("/people/{}/onboarding", p.id)).into_response())
}

/// `POST /people/{id}/screening`: records a screening check.
pub async fn screening(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let input = ScreeningInput {
        checked_on: form.get("checked_on").into(),
        checks: form.get("checks").into(),
        result: form.get("result").into(),
        checked_by: form.get("checked_by").into(),
        notes: form.get("notes").into(),
    };
    match onboarding::record_screening(&state.db, &s.actor, &id, &input, state.today(), state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}/onboarding#screening")).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let tried = Tried::new(&ctx.tr(), "screening", &form, &e, String::new());
            page(&state, &ctx, &s, &id, tried).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /people/{id}/pledges/paper` (multipart: `csrf` first, `kind`, `signed_on`, `file`):
/// records a paper pledge with its scan.
pub async fn paper(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    mp: Multipart,
) -> WebResult {
    let (form, files) = upload::receive_form(&state, &ctx, &s.actor, mp).await?;
    let kind = Kind::parse(form.get("kind"));
    let sha = files.first().map(|f| f.sha256.clone()).unwrap_or_default();
    let r = match kind {
        Some(k) => pledges::record_paper(&state.db, &s.actor, &id, k, form.get("signed_on"), None, &sha, state.now())
            .await
            .map(|_| ()),
        None => Err(AppError::Validation(vec![("kind".into(), "field-not-a-choice".into())])),
    };
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/people/{id}/onboarding#pledges")).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let tried = Tried::new(&ctx.tr(), "paper", &form, &e, String::new());
            page(&state, &ctx, &s, &id, tried).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}
