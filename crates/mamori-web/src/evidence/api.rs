//! `POST /api/v1/evidence`: one file streamed into the evidence store.

use crate::error::WebResult;
use crate::extract::Session;
use crate::state::AppState;
use crate::upload;
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::AppError;

/// `POST /api/v1/evidence` (multipart `file`) → 201 `{ "sha256", "size", "content_type", "original_name", … }`.
pub async fn evidence_upload(State(state): State<AppState>, s: Session, mp: Multipart) -> WebResult {
    let Some((up, name)) = upload::api_file(&state, &s.actor, mp).await? else {
        return Err(AppError::Validation(vec![("file".into(), "field-required".into())]).into());
    };
    let row = up.finish(&state.db, &s.actor, &name, state.now()).await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}
