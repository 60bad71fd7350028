//! Pages of incidents (5.24–5.28, 6.8): the short report form anyone logged in may use, the
//! list (restricted), and the detail with the assessment, response log, evidence with its
//! chain of custody, need-to-know notifications, decisions and closure.

use super::views::*;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::state::AppState;
use crate::tokyo_time;
use crate::upload::{self};
use crate::views::{Layout, render};
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect};
use mamori_app::incidents;

fn number(n: i64) -> String {
    format!("INC-{n:04}")
}

/// `GET /incidents`: the incidents the viewer may see, and overdue corrective actions.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    let a = &s.actor;
    let t = ctx.tr();
    let list = incidents::list(&state.db, a).await?;
    let today = state.today();
    let overdue = if a.grants.has(mamori_domain::permission::Permission::RegistersView) {
        incidents::overdue_corrective(&state.db, a, today).await?
    } else {
        Vec::new()
    };
    Ok(render(&ListPage {
        layout: Layout::new(&ctx),
        rows: list
            .into_iter()
            .map(|i| Row {
                number: number(i.number),
                state_label: t.t(&format!("inc-state-{}", i.state)),
                id: i.id,
                title: i.title,
                state: i.state,
                reporter: i.reporter_label,
                created: tokyo_time(i.created_at),
            })
            .collect(),
        overdue: overdue.into_iter().map(|o| (o.row_id, o.report_no, o.due, o.owner)).collect(),
    }))
}

/// `GET /incidents/new`: the short report form.
pub async fn new_form(ctx: Ctx, _: Session) -> WebResult {
    Ok(render(&NewPage { layout: Layout::new(&ctx) }))
}

/// `POST /incidents`: reports an event.
pub async fn create(State(state): State<AppState>, ctx: Ctx, CsrfForm(form): CsrfForm) -> WebResult {
    // An open route: the form's token is checked before the session, as on every incident form.
    let i = incidents::report(
        &state.db,
        &ctx.session()?.actor,
        form.get("title"),
        form.get("description"),
        form.get("occurred_at"),
        state.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/incidents/{}", i.id)).into_response())
}

/// `GET /incidents/{id}`.
pub async fn detail(State(state): State<AppState>, ctx: Ctx, s: Session, Path(id): Path<String>) -> WebResult {
    let a = &s.actor;
    let t = ctx.tr();
    let v = incidents::get(&state.db, a, &id).await?;
    let access = v.access.clone().unwrap_or_default();
    let people = if v.can_manage {
        mamori_app::duties::choices(&state.db, a)
            .await?
            .people
            .into_iter()
            .map(|(pid, name)| {
                let has = access.contains(&pid);
                (pid, name, has)
            })
            .collect()
    } else {
        Vec::new()
    };
    let i = &v.incident;
    Ok(render(&DetailPage {
        layout: Layout::new(&ctx),
        id: i.id.clone(),
        number: number(i.number),
        title: i.title.clone(),
        description: i.description.clone(),
        occurred_at: i.occurred_at.clone(),
        reporter: i.reporter_label.clone(),
        state: i.state.clone(),
        state_label: t.t(&format!("inc-state-{}", i.state)),
        variant: i.variant.as_deref().map(|x| t.t(&format!("inc-variant-{x}"))).unwrap_or_default(),
        assessment: i.assessment.clone().unwrap_or_default(),
        disclosure: i.disclosure.clone().unwrap_or_default(),
        authorities: i.authorities.clone().unwrap_or_default(),
        lessons: i.lessons.clone().unwrap_or_default(),
        corrective_href: i
            .corrective_ref
            .as_deref()
            .and_then(|r| r.split_once('/'))
            .map(|(_, rid)| format!("/nonconformities/{rid}"))
            .unwrap_or_default(),
        can_assess: v.can_assess,
        can_manage: v.can_manage,
        has_access: v.evidence.is_some(),
        events: v
            .events
            .iter()
            .map(|e| EventView {
                at: tokyo_time(e.at_ms),
                kind: t.t(&format!("inc-event-{}", e.kind)),
                actor: e.actor_label.clone(),
                text: e.text.clone(),
            })
            .collect(),
        evidence: v
            .evidence
            .iter()
            .flatten()
            .map(|e| EvidenceView {
                id: e.id.clone(),
                sha256: e.sha256.clone(),
                name: e.name.clone(),
                description: e.description.clone(),
                holder: e.holder.clone(),
                taken: format!("{} {}", tokyo_time(e.taken_at), e.taken_by),
            })
            .collect(),
        people,
    }))
}

/// `POST /incidents/{id}/{step}`: assess, log, handover, notify, decide, close, corrective.
pub async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, step)): Path<(String, String)>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    // An open route: the form's token is checked before the session.
    let s = ctx.session()?;
    let a = &s.actor;
    let (db, now) = (&state.db, state.now());
    let f = |k: &str| form.get(k).to_string();
    let result = match step.as_str() {
        "assess" => {
            let incident = f("decision") == "incident";
            incidents::assess(
                db,
                a,
                &id,
                incident,
                Some(form.get("variant")).filter(|v| !v.is_empty()),
                form.get("reason"),
                now,
            )
            .await
            .map(|_| ())
        }
        "log" => incidents::log(db, a, &id, form.get("text"), now).await,
        "handover" => {
            incidents::hand_over(db, a, &id, form.get("evidence_id"), form.get("holder"), form.get("note"), now).await
        }
        "notify" => {
            let t = ctx.tr();
            let i = incidents::get(db, a, &id).await?.incident;
            let subject = t.t1("inc-mail-subject", "number", &number(i.number));
            let body = format!("{}\n\n{}\n", f("message"), t.t("mail-footer"));
            incidents::notify(db, a, &id, &form.all("users"), &subject, &body, now).await.map(|_| ())
        }
        "decide" => {
            incidents::decide(db, a, &id, form.get("disclosure"), form.get("authorities"), now).await.map(|_| ())
        }
        "close" => incidents::close(db, a, &id, form.get("lessons"), now).await.map(|_| ()),
        "corrective" => {
            let due = form.get("due").parse().map_err(|_| {
                WebError::from(mamori_app::AppError::Validation(vec![("due".into(), "field-invalid-date".into())]))
            })?;
            incidents::raise_corrective(db, a, &id, due, Some(form.get("owner_id")), now).await.map(|_| ())
        }
        _ => Err(mamori_app::AppError::NotFound),
    };
    result?;
    Ok(Redirect::to(&format!("/incidents/{id}")).into_response())
}

/// `POST /incidents/{id}/evidence` (multipart: `csrf` first, then `description` and `file`).
pub async fn add_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    mp: Multipart,
) -> WebResult {
    let (form, files) = upload::receive_form(&state, &ctx, &s.actor, mp).await?;
    let a = &s.actor;
    let Some(file) = files.into_iter().next() else {
        return Err(WebError::from(mamori_app::AppError::Validation(vec![("file".into(), "field-required".into())])));
    };
    incidents::add_evidence(&state.db, a, &id, &file.sha256, &file.original_name, form.get("description"), state.now())
        .await?;
    Ok(Redirect::to(&format!("/incidents/{id}")).into_response())
}
