//! Registers API: the registers, rows (list, read, create, update, soft delete, restore) and a
//! row's history.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

/// `GET /api/v1/registers` → `[ { "key", "name", "controls", "rows", … } ]`.
pub async fn registers(State(state): State<AppState>, s: Session) -> WebResult {
    let list = mamori_app::registers::list(&state.db, &s.actor, state.now()).await?;
    Ok(Json(list).into_response())
}

/// `GET /api/v1/registers/{key}/rows?q=&sort=&page=&per_page=&deleted=`.
pub async fn register_rows(
    State(state): State<AppState>,
    s: Session,
    Path(key): Path<String>,
    Query(pq): Query<mamori_app::registers::PageQuery>,
) -> WebResult {
    Ok(Json(mamori_app::registers::page(&state.db, &s.actor, &key, &pq).await?).into_response())
}

/// `GET /api/v1/registers/{key}/rows/{id}`.
pub async fn register_row(
    State(state): State<AppState>,
    s: Session,
    Path((key, id)): Path<(String, String)>,
) -> WebResult {
    Ok(Json(mamori_app::registers::get(&state.db, &s.actor, &key, &id).await?).into_response())
}

/// `GET /api/v1/registers/{key}/rows/{id}/history`.
pub async fn register_history(
    State(state): State<AppState>,
    s: Session,
    Path((key, id)): Path<(String, String)>,
) -> WebResult {
    Ok(Json(mamori_app::registers::history(&state.db, &s.actor, &key, &id).await?).into_response())
}

/// Body of row writes: the values by field key (strings are parsed by field type), and the label.
#[derive(Deserialize)]
pub struct RowBody {
    #[serde(default)]
    values: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    label: Option<String>,
    /// Who may see the row while it is 極秘 (`role:KEY` / `user:LOGIN`); absent: unchanged
    /// (none named on a new row: 経営責任者 and 情報セキュリティ管理者).
    #[serde(default)]
    restricted_to: Option<Vec<String>>,
}

/// `POST /api/v1/registers/{key}/rows` → 201 with the row; 422 listing every field problem.
pub async fn register_create(
    State(state): State<AppState>,
    s: Session,
    Path(key): Path<String>,
    JsonBody(b): JsonBody<RowBody>,
) -> WebResult {
    let r = mamori_app::registers::create_restricted(
        &state.db,
        &s.actor,
        &key,
        &b.values,
        b.label.as_deref(),
        b.restricted_to.as_deref(),
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

/// `PUT /api/v1/registers/{key}/rows/{id}`.
pub async fn register_update(
    State(state): State<AppState>,
    s: Session,
    Path((key, id)): Path<(String, String)>,
    JsonBody(b): JsonBody<RowBody>,
) -> WebResult {
    let r = mamori_app::registers::update_restricted(
        &state.db,
        &s.actor,
        &key,
        &id,
        &b.values,
        b.label.as_deref(),
        b.restricted_to.as_deref(),
        state.now(),
    )
    .await?;
    Ok(Json(r).into_response())
}

/// Body of `DELETE /api/v1/registers/{key}/rows/{id}`.
#[derive(Deserialize)]
pub struct DeleteBody {
    reason: String,
}

/// `DELETE /api/v1/registers/{key}/rows/{id}` with `{ "reason" }`: soft delete.
pub async fn register_delete(
    State(state): State<AppState>,
    s: Session,
    Path((key, id)): Path<(String, String)>,
    JsonBody(b): JsonBody<DeleteBody>,
) -> WebResult {
    Ok(Json(mamori_app::registers::delete(&state.db, &s.actor, &key, &id, &b.reason, state.now()).await?)
        .into_response())
}

/// `POST /api/v1/registers/{key}/rows/{id}/restore`.
pub async fn register_restore(
    State(state): State<AppState>,
    s: Session,
    Path((key, id)): Path<(String, String)>,
) -> WebResult {
    Ok(Json(mamori_app::registers::restore(&state.db, &s.actor, &key, &id, state.now()).await?).into_response())
}

/// Body of `PUT /api/v1/registers/{key}/access`.
#[derive(Deserialize)]
pub struct AccessBody {
    view_roles: Vec<String>,
    edit_roles: Vec<String>,
}

/// `PUT /api/v1/registers/{key}/access` `{view_roles, edit_roles}` → the definition with its
/// roles (`registers.design`); 422 when a role is unknown, a list is empty or the caller would
/// lose read access.
pub async fn register_access(
    State(state): State<AppState>,
    s: Session,
    Path(key): Path<String>,
    JsonBody(b): JsonBody<AccessBody>,
) -> WebResult {
    Ok(Json(
        mamori_app::registers::set_access(&state.db, &s.actor, &key, b.view_roles, b.edit_roles, state.now()).await?,
    )
    .into_response())
}
