//! `/api/v1/objectives` and `/api/v1/context-documents`.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::objectives::{self as ob, NewObjective, ObjectiveView};
use mamori_domain::objective::format_milli;
use serde::Deserialize;
use serde_json::{Value, json};

fn contract(o: &ObjectiveView) -> Value {
    let x = &o.objective;
    json!({
        "id": x.id, "number": x.number, "title": x.title, "measure": x.measure, "metric": x.metric,
        "target": format_milli(x.target_milli), "unit": x.unit, "direction": x.direction, "owner_id": x.owner_id,
        "owner": o.owner_name, "due_on": x.due_on, "status": o.status.key(),
        "measurements": o.measurements.iter().map(|m| json!({
            "id": m.row.id, "measured_on": m.row.measured_on, "value": format_milli(m.row.value_milli),
            "note": m.row.note, "computed": m.row.computed == 1, "recorded_by": m.recorded_by_name,
        })).collect::<Vec<_>>(),
    })
}

/// `GET /api/v1/objectives` → every objective with `status` (met, not_met, not_measured) and
/// its `measurements`.
pub async fn list(State(state): State<AppState>, s: Session) -> WebResult {
    Ok(Json(ob::list(&state.db, &s.actor).await?.iter().map(contract).collect::<Vec<_>>()).into_response())
}

/// Body of `POST /api/v1/objectives`.
#[derive(Deserialize)]
pub struct ObjectiveBody {
    #[serde(default)]
    title: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    metric: Option<String>,
    #[serde(default)]
    target: Value,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    due_on: String,
}

fn number_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// `POST /api/v1/objectives {title, measure, metric?, target, unit, direction: at_least|at_most,
/// owner_id, due_on}` → 201 `{id, number}`.
pub async fn create(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<ObjectiveBody>) -> WebResult {
    let n = NewObjective {
        title: b.title,
        measure: b.measure,
        metric: b.metric.unwrap_or_default(),
        target: number_text(&b.target),
        unit: b.unit,
        direction: b.direction,
        owner_id: b.owner_id,
        due_on: b.due_on,
    };
    let row = ob::create(&state.db, &s.actor, n, state.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": row.id, "number": row.number }))).into_response())
}

/// Body of `POST /api/v1/objectives/{id}/measurements`.
#[derive(Deserialize)]
pub struct MeasurementBody {
    #[serde(default)]
    computed: bool,
    #[serde(default)]
    measured_on: String,
    #[serde(default)]
    value: Value,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/objectives/{id}/measurements {measured_on, value, note?}` or `{computed: true}`
/// (today's value of a computed measure) → 201 `{id, value}`.
pub async fn measure(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<MeasurementBody>,
) -> WebResult {
    let (db, a) = (&state.db, &s.actor);
    let m = if b.computed {
        ob::record_computed(db, a, &id, state.today(), state.now()).await?
    } else {
        ob::record_measurement(db, a, &id, &b.measured_on, &number_text(&b.value), &b.note, state.today(), state.now())
            .await?
    };
    Ok((StatusCode::CREATED, Json(json!({ "id": m.id, "value": format_milli(m.value_milli) }))).into_response())
}

/// `POST /api/v1/context-documents` → 200 `{created, documents: [{id, number, title}]}`
/// (idempotent: `created` is 0 once they exist).
pub async fn context_documents(State(state): State<AppState>, s: Session) -> WebResult {
    let created = mamori_app::context::ensure_documents(&state.db, &s.actor, state.now()).await?;
    let docs = mamori_app::context::documents(&state.db, &s.actor).await?;
    Ok(Json(json!({
        "created": created,
        "documents": docs.iter().map(|d| json!({"id": d.doc.id, "number": d.doc.doc_number, "title": d.doc.title}))
            .collect::<Vec<_>>(),
    }))
    .into_response())
}
