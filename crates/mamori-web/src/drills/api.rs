//! `/api/v1/drills`: campaigns and their results (`drills.manage`). A person refused by the
//! allow list is a 422 field `targets.<person id>` whose `label` is the person's name.

use crate::ctx::Ctx;
use crate::error::{WebResult, message};
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::AppError;
use mamori_app::drills::{self, CampaignInput};

/// A 422 naming each refused person by name.
fn refused(ctx: &Ctx, e: &AppError, names: &[(String, String)]) -> WebResult {
    let t = ctx.tr();
    let AppError::Validation(problems) = e else { return Err(AppError::Internal("not a validation".into()).into()) };
    let fields: Vec<serde_json::Value> = problems
        .iter()
        .map(|(f, k)| {
            let label = match f.strip_prefix("targets.") {
                Some(pid) => names.iter().find(|(id, _)| id == pid).map(|(_, n)| n.clone()),
                None => crate::error::field_label(&t, f),
            };
            serde_json::json!({"field": f, "label": label, "message": t.t(k)})
        })
        .collect();
    let body = serde_json::json!({"error": {"code": e.code(), "message": message(ctx, e), "fields": fields}});
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
}

/// `GET /api/v1/drills` → `[{id, name, state, totals, by_department, people, …}]`, newest first.
pub async fn list(State(state): State<AppState>, s: Session) -> WebResult {
    let list = drills::list(&state.db, &s.actor).await?;
    Ok(Json(list.iter().map(drills::CampaignView::contract).collect::<Vec<_>>()).into_response())
}

/// `POST /api/v1/drills {name, template, report_address, follow_up, people: [person id]}` →
/// 201 the draft campaign.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    JsonBody(b): JsonBody<CampaignInput>,
) -> WebResult {
    match drills::create(&state.db, &s.actor, &b, state.today(), state.now()).await {
        Ok(c) => {
            Ok((StatusCode::CREATED, Json(drills::get(&state.db, &s.actor, &c.id).await?.contract())).into_response())
        }
        Err(e @ AppError::Validation(_)) => {
            let names: Vec<(String, String)> = drills::candidates(&state.db, &s.actor, state.today())
                .await?
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect();
            refused(&ctx, &e, &names)
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /api/v1/drills/{id}` → the results: `totals` and `by_department` (`targets`, `sent`,
/// `clicked`, `reported`, `click_rate`, `report_rate` in percent), `people` (`name`,
/// `department`, `clicked_at`, `click_count`, `reported_at`, `outcome`).
pub async fn one(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(drills::get(&state.db, &s.actor, &id).await?.contract()).into_response())
}

/// `POST /api/v1/drills/{id}/send` → `{sent}`; 409 unless a draft, 422 naming a person whose
/// address is no longer allowed.
pub async fn send(State(state): State<AppState>, ctx: Ctx, s: Session, Path(id): Path<String>) -> WebResult {
    match drills::send(&state.db, &s.actor, state.config.base_url.as_deref(), &id, state.now()).await {
        Ok(x) => {
            Ok(Json(serde_json::json!({"id": x.campaign.id, "state": x.campaign.state, "sent": x.sent}))
                .into_response())
        }
        Err(e @ AppError::Validation(_)) => {
            let v = drills::get(&state.db, &s.actor, &id).await?;
            let names: Vec<(String, String)> = v.targets.into_iter().map(|t| (t.person_id, t.name)).collect();
            refused(&ctx, &e, &names)
        }
        Err(e) => Err(e.into()),
    }
}
