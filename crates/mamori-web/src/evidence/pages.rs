//! `GET /evidence/{sha256}`: a stored evidence file, as a sandboxed attachment.

use crate::error::WebResult;
use crate::extract::Session;
use crate::respond::urlencode;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;

/// `GET /evidence/{sha256}`: the stored file, as an attachment with safe headers.
pub async fn evidence(State(state): State<AppState>, s: Session, Path(sha): Path<String>) -> WebResult {
    use axum::http::{HeaderValue, header};
    // Only for someone who may see a record referencing the file (404 otherwise, no oracle).
    let (row, bytes) = state.evidence.open(&state.db, &s.actor, &sha).await?;
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    // Only types that browsers cannot execute are named; everything is an attachment.
    let ctype =
        if row.content_type.starts_with("text/") { "text/plain; charset=utf-8" } else { row.content_type.as_str() };
    if let Ok(v) = HeaderValue::from_str(ctype) {
        h.insert(header::CONTENT_TYPE, v);
    }
    let encoded = urlencode(&row.original_name);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"evidence\"; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert("x-evidence-sha256", HeaderValue::from_str(&row.sha256).unwrap_or(HeaderValue::from_static("")));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok(r)
}
