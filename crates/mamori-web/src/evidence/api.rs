//! `POST /api/v1/evidence`: one file streamed into the evidence store.

use crate::error::{WebError, WebResult};
use crate::extract::Session;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::AppError;

/// `POST /api/v1/evidence` (multipart `file`) → 201 `{ "sha256", "size", "content_type", "original_name", … }`.
pub async fn evidence_upload(State(state): State<AppState>, s: Session, mut mp: axum::extract::Multipart) -> WebResult {
    while let Ok(Some(mut field)) = mp.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("upload").to_string();
        let mut up = state.evidence.begin(&s.actor).await?;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => up.write(&chunk).await?,
                Ok(None) => break,
                Err(e) => return Err(WebError::from(AppError::Blocked(e.body_text()))),
            }
        }
        let row = up.finish(&state.db, &s.actor, &name, state.now()).await?;
        return Ok((StatusCode::CREATED, Json(row)).into_response());
    }
    Err(WebError::from(AppError::Validation(vec![("file".into(), "field-required".into())])))
}
