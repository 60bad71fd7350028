//! Regulation API: the Annex A catalogue, the current controls (with the page's filters), one
//! control, and `POST /api/v1/regulation` (import as the next version).

use crate::error::{WebError, WebResult};
use crate::extract::Session;
use crate::state::AppState;
use crate::tokyo_time;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mamori_app::AppError;
use serde::Deserialize;
use serde_json::json;

/// `GET /api/v1/catalogue`: the Annex A catalogue with attributes (the same for every
/// organisation and version: serialised and compressed once, with an ETag).
pub async fn catalogue(headers: HeaderMap) -> Response {
    static ANSWER: std::sync::LazyLock<crate::answers::Answer> = std::sync::LazyLock::new(|| {
        let body = serde_json::to_vec(&mamori_regulation::catalogue::controls()).unwrap_or_default();
        crate::answers::Answer::new(0, "application/json", body)
    });
    ANSWER.respond(&headers)
}

/// `GET /api/v1/controls`: the current regulation version's controls (with the filters of
/// the controls page: `theme`, `applicable=yes|no`, `attr=family:key`, `role`, `has`).
///
/// Served from the organisation's cached serialisation (per query string) while its data
/// version is unchanged, compressed, with an `ETag` ([`crate::answers`]).
pub async fn controls(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Query(f): Query<super::pages::ControlFilter>,
) -> WebResult {
    // Permission first: the cached answer must not answer someone who may not read it.
    s.actor.require(mamori_domain::permission::Permission::RegulationView)?;
    let version = mamori_app::cache::data_version(&state.db, &s.actor).await?;
    let route = format!("controls?{}", uri.query().unwrap_or(""));
    crate::answers::json(&headers, &s.actor.org_id, &route, version, || async {
        let cur = mamori_app::regulation::current(&state.db, &s.actor).await?;
        let Some(cur) = cur else { return Ok(json!({ "version": null, "controls": [] })) };
        let controls: Vec<_> = cur.controls.iter().filter(|c| super::pages::filter_control(c, &f)).collect();
        Ok(json!({
            "version": {
                "version_no": cur.version.version_no, "number": cur.version.doc_number, "title": cur.version.title,
                "edition": cur.version.edition, "date": cur.version.doc_date, "imported_at": tokyo_time(cur.version.imported_at),
            },
            "controls": controls,
        }))
    })
    .await
}

/// `GET /api/v1/controls/{id}` → `{ control, catalogue, health: { state, reasons: [{ key, numbers }] } }`.
pub async fn control(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    let cur = mamori_app::regulation::current(&state.db, &s.actor).await?.ok_or(AppError::NotFound);
    let cur = cur?;
    let c = cur.control(&id).ok_or(AppError::NotFound)?;
    let health = mamori_app::health::of_control(&state.db, &s.actor, &id, state.today()).await?;
    Ok(Json(json!({ "control": c, "catalogue": mamori_regulation::catalogue::control(&id), "health": health }))
        .into_response())
}

/// Query of `POST /api/v1/regulation`.
#[derive(Deserialize)]
pub struct ImportQuery {
    name: Option<String>,
}

/// `POST /api/v1/regulation?name=FILE` with the file as the body
/// (`application/octet-stream`): imports it as the next version → 201.
pub async fn regulation_import(
    State(state): State<AppState>,
    s: Session,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> WebResult {
    let name = q.name.unwrap_or_else(|| "upload".into());
    let text = mamori_app::regulation_file::text_of_upload_async(name.clone(), body.to_vec())
        .await
        .map_err(|e| WebError::from(e.into_app()))?;
    let imported = mamori_app::regulation::import_text(&state.db, &s.actor, &name, &text, state.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "version_no": imported.version.version_no,
            "controls": imported.controls,
            "diagnostics": imported.diagnostics,
        })),
    )
        .into_response())
}
