//! Documents API: the SoA (read, edit a row, approve) and the document list.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;

/// `GET /api/v1/soa` → `{ "document": {…}, "controls": [ { "id", "title", "applicable", "reason",
/// "status", "health", "documents", "records", … } ] }` (the approved version, else the draft;
/// `health` is the computed state `{ state, reasons }` beside the confirmed `status`, null for
/// a control the current regulation does not have or a reader without `regulation.view`).
///
/// Served from the organisation's cached serialisation while its data version is unchanged,
/// compressed, with an `ETag` ([`crate::answers`]). Health follows the date as well as the
/// data (an occurrence becomes missed overnight) and the reader's permission, so the cached
/// answer is kept per day and per with/without health.
pub async fn soa(State(state): State<AppState>, s: Session, headers: axum::http::HeaderMap) -> WebResult {
    // Permission first: the cached answer must not answer someone who may not read it.
    s.actor.require(mamori_domain::permission::Permission::DocumentsView)?;
    let version = mamori_app::cache::data_version(&state.db, &s.actor).await?;
    let with_health = s.actor.grants.has(mamori_domain::permission::Permission::RegulationView);
    let route = format!("soa?day={}&health={with_health}", state.today());
    crate::answers::json(&headers, &s.actor.org_id, &route, version, || async {
        let v = mamori_app::documents::soa(&state.db, &s.actor, true).await?;
        let health = crate::regulation::health::all_if_permitted(&state.db, &s.actor, state.today()).await?;
        Ok(soa_json(&v, &health))
    })
    .await
}

async fn soa_response(state: &AppState, s: &Session, v: &mamori_app::documents::SoaView) -> WebResult {
    let health = crate::regulation::health::all_if_permitted(&state.db, &s.actor, state.today()).await?;
    Ok(Json(soa_json(v, &health)).into_response())
}

fn soa_json(
    v: &mamori_app::documents::SoaView,
    health: &std::collections::BTreeMap<String, mamori_domain::health::Health>,
) -> serde_json::Value {
    json!({
        "document": {
            "number": v.doc_number, "title": v.title, "edition": v.edition, "status": v.status,
            "version_no": v.version_no, "approved_by": v.approved_by, "approved_date": v.approved_date,
            "label": v.label, "regulation_approved": v.regulation_approved, "missing_reasons": v.missing_reasons,
        },
        "controls": v.rows.iter().map(|r| json!({
            "id": r.id, "title": r.title, "applicable": r.applicable, "reason": r.reason_display(),
            "reasons": r.reasons, "reason_text": r.reason_text, "status": r.status, "health": health.get(&r.id),
            "documents": r.documents, "records": r.records, "duties": r.duties, "approvals": r.approvals,
        })).collect::<Vec<_>>(),
    })
}

/// Body of `PUT /api/v1/soa/rows/{id}`.
#[derive(Deserialize)]
pub struct SoaRowBody {
    #[serde(default)]
    reasons: Vec<mamori_domain::soa::InclusionReason>,
    #[serde(default)]
    reason_text: String,
    status: Option<mamori_domain::soa::ImplStatus>,
    documents: Option<Vec<String>>,
}

/// `PUT /api/v1/soa/rows/{id}`: edits one row of the SoA draft.
pub async fn soa_row(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<SoaRowBody>,
) -> WebResult {
    let edit = mamori_app::documents::RowEdit {
        reasons: b.reasons,
        reason_text: b.reason_text,
        status: b.status,
        documents: b.documents,
    };
    let v = mamori_app::documents::soa_edit_row(&state.db, &s.actor, &id, edit, state.now()).await?;
    soa_response(&state, &s, &v).await
}

/// `POST /api/v1/soa/approve`: 403 `separation_of_duties` for an author, 409 `blocked` while a
/// reason is missing.
pub async fn soa_approve(State(state): State<AppState>, s: Session) -> WebResult {
    let v = mamori_app::documents::soa_approve(&state.db, &s.actor, state.now()).await?;
    soa_response(&state, &s, &v).await
}

/// `GET /api/v1/documents`.
pub async fn documents(State(state): State<AppState>, s: Session) -> WebResult {
    let docs = mamori_app::documents::list(&state.db, &s.actor).await?;
    Ok(Json(
        docs.iter()
            .map(|d| {
                json!({
                    "id": d.doc.id, "kind": d.doc.kind, "number": d.doc.doc_number, "title": d.doc.title,
                    "issuer": d.doc.issuer, "approver_role": d.doc.approver_role, "label": d.doc.confidentiality,
                    "approver_roles": mamori_app::documents::required_roles(&d.doc), "parent_id": d.doc.parent_id,
                    "versions": d.versions.iter().map(|v| json!({
                        "id": v.id, "version_no": v.version_no, "edition": v.edition, "status": v.status,
                        "author": v.author_label, "approver": v.approver_label, "revised_date": v.revised_date,
                        "change_summary": v.change_summary, "published": v.published_at.is_some(),
                        "approvals": mamori_app::documents::approvals_of(v).iter()
                            .map(|a| json!({"role": a.role, "by": a.label})).collect::<Vec<_>>(),
                        "file": v.file_sha256.as_ref().map(|h| json!({"sha256": h, "name": v.file_name, "type": v.file_type})),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}
