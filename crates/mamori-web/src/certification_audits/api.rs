//! `/api/v1/certification-audits` and `/api/v1/certificates`.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::certification_audits::{self as ca, NewAudit, NewCertificate, NewFinding};
use serde::Deserialize;
use serde_json::{Value, json};

/// The contract's form of an audit (the web crate names no store row type).
macro_rules! contract {
    ($a:expr) => {{
        let a = $a;
        json!({
            "id": a.id, "number": a.number, "kind": a.kind, "body": a.body, "lead_auditor": a.lead_auditor,
            "auditors": a.auditors, "starts_on": a.starts_on, "ends_on": a.ends_on, "state": a.state,
        })
    }};
}

/// Body of `POST /api/v1/certification-audits`.
#[derive(Deserialize)]
pub struct AuditBody {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    lead_auditor: String,
    #[serde(default)]
    auditors: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
}

/// `POST /api/v1/certification-audits {kind, body, lead_auditor, auditors?, starts_on,
/// ends_on?}` → 201 `{id, number}`; 422 naming every field.
pub async fn record(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<AuditBody>) -> WebResult {
    let a = NewAudit {
        kind: b.kind,
        body: b.body,
        lead_auditor: b.lead_auditor,
        auditors: b.auditors,
        starts_on: b.starts_on,
        ends_on: b.ends_on,
    };
    let row = ca::record(&state.db, &s.actor, a, state.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": row.id, "number": row.number }))).into_response())
}

/// `GET /api/v1/certification-audits`.
pub async fn list(State(state): State<AppState>, s: Session) -> WebResult {
    Ok(Json(ca::list(&state.db, &s.actor).await?.iter().map(|a| contract!(a)).collect::<Vec<_>>()).into_response())
}

/// `GET /api/v1/certification-audits/{id}` → the audit with its `findings`.
pub async fn one(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    let a = ca::get(&state.db, &s.actor, &id).await?;
    let findings: Vec<Value> = ca::findings(&state.db, &s.actor, &id)
        .await?
        .into_iter()
        .map(|f| {
            let f0 = f.finding;
            json!({"id": f0.id, "grade": f0.grade, "text": f0.text, "reference": f0.reference,
                "control": f0.control_id, "corrective_action_id": f0.nonconformity_id,
                "corrective_action": f.corrective_action})
        })
        .collect();
    let mut v = contract!(&a);
    v["findings"] = Value::from(findings);
    Ok(Json(v).into_response())
}

/// Body of `POST /api/v1/certification-audits/{id}/findings`.
#[derive(Deserialize)]
pub struct FindingBody {
    #[serde(default)]
    grade: String,
    #[serde(default)]
    text: String,
    reference: Option<String>,
    control: Option<String>,
    due: Option<String>,
}

/// `POST /api/v1/certification-audits/{id}/findings {grade, text, reference?, control?, due?}`
/// → 201 `{id, corrective_action_id}` (non-null for `major_nc` and `minor_nc`).
pub async fn add_finding(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<FindingBody>,
) -> WebResult {
    let f = NewFinding { grade: b.grade, text: b.text, reference: b.reference, control: b.control, due: b.due };
    let row = ca::add_finding(&state.db, &s.actor, &id, f, state.today(), state.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": row.id, "corrective_action_id": row.nonconformity_id })))
        .into_response())
}

/// Body of `POST /api/v1/certificates`.
#[derive(Deserialize)]
pub struct CertificateBody {
    #[serde(default)]
    number: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    expires_on: String,
}

/// `POST /api/v1/certificates {number, body, scope, issued_on, expires_on}` → 201 `{id}`.
pub async fn add_certificate(
    State(state): State<AppState>,
    s: Session,
    JsonBody(b): JsonBody<CertificateBody>,
) -> WebResult {
    let n = NewCertificate {
        number: b.number,
        body: b.body,
        scope: b.scope,
        issued_on: b.issued_on,
        expires_on: b.expires_on,
    };
    let row = ca::add_certificate(&state.db, &s.actor, n, state.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": row.id }))).into_response())
}

/// `GET /api/v1/certificates` → `[{id, number, body, scope, issued_on, expires_on, days_left,
/// current}]`.
pub async fn certificates(State(state): State<AppState>, s: Session) -> WebResult {
    let list = ca::certificates(&state.db, &s.actor, state.today()).await?;
    Ok(Json(
        list.into_iter()
            .map(|c| {
                let x = c.certificate;
                json!({"id": x.id, "number": x.number, "body": x.body, "scope": x.scope, "issued_on": x.issued_on,
                    "expires_on": x.expires_on, "days_left": c.days_left, "current": c.current})
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}
