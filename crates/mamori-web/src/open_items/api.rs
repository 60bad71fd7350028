//! `/api/v1/open-items`.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use crate::tokyo_time;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use mamori_app::open_items::{self, OpenItemEdit, OpenItemView};
use serde::Deserialize;
use serde_json::{Value, json};

/// The contract's form of an item: `{id, control, text, kind, owner, due, resolved_at}` (owner
/// by name, `resolved_at` in JST), with `owner_id`, `resolution` and `resolved_by` added.
fn contract(v: &OpenItemView) -> Value {
    let i = &v.item;
    json!({
        "id": i.id, "control": i.control_id, "text": i.text, "kind": i.kind,
        "owner": v.owner_name, "owner_id": i.owner_id, "due": i.due,
        "resolved_at": i.resolved_at.map(tokyo_time), "resolved_by": i.resolved_by, "resolution": i.resolution,
    })
}

/// `GET /api/v1/open-items`.
pub async fn list(State(state): State<AppState>, s: Session) -> WebResult {
    let list = open_items::list(&state.db, &s.actor).await?;
    Ok(Json(list.iter().map(contract).collect::<Vec<_>>()).into_response())
}

/// `GET /api/v1/open-items/{id}`.
pub async fn one(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    Ok(Json(contract(&open_items::get(&state.db, &s.actor, &id).await?)).into_response())
}

/// The body of `PUT /api/v1/open-items/{id}`: absent fields keep their values.
#[derive(Deserialize)]
pub struct UpdateBody {
    owner_id: Option<String>,
    due: Option<String>,
    resolution: Option<String>,
}

/// `PUT /api/v1/open-items/{id} {owner_id?, due?, resolution?}` → the item.
pub async fn update(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<UpdateBody>,
) -> WebResult {
    let cur = open_items::get(&state.db, &s.actor, &id).await?;
    let e = OpenItemEdit {
        owner_id: b.owner_id.or(cur.item.owner_id),
        due: b.due.or(cur.item.due),
        resolution: b.resolution,
    };
    open_items::update(&state.db, &s.actor, &id, e, state.today(), state.now()).await?;
    Ok(Json(contract(&open_items::get(&state.db, &s.actor, &id).await?)).into_response())
}
