//! Requests API: request types (and who approves them), submission, list, detail and
//! transitions.

use crate::error::WebResult;
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;

/// One field of a request type in the contract: a reference field says its register and the
/// values it may take now (`options`: the referenced rows the reader may read).
fn field_json(f: &mamori_domain::register::FieldDef, options: Option<&Vec<(String, String)>>) -> serde_json::Value {
    let ty = serde_json::to_value(f.ty).unwrap_or_default();
    let choices = match options {
        Some(o) => json!(o.iter().map(|x| x.0.clone()).collect::<Vec<_>>()),
        None if f.choices.is_empty() => serde_json::Value::Null,
        None => json!(f.choices),
    };
    let mut v = json!({
        "key": f.key, "label": f.label, "label_en": f.label_en, "type": ty, "required": f.required,
        "choices": choices,
    });
    if let Some(r) = &f.reference {
        v["register"] = json!(r);
    }
    v
}

/// `GET /api/v1/request-types` → `[{key, name, controls, approver_roles, fields: [{key, label,
/// type, required, choices, register}]}]` (a reference field: `"type": "reference"`, its
/// `register` and the current values as `choices`).
pub async fn request_types(State(state): State<AppState>, s: Session) -> WebResult {
    let types = mamori_app::requests::types(&state.db, &s.actor).await?;
    let mut options = Vec::with_capacity(types.len());
    for t in &types {
        options.push(mamori_app::requests::reference_options(&state.db, &s.actor, t).await?);
    }
    let out: Vec<serde_json::Value> = types
        .iter()
        .zip(&options)
        .map(|(t, o)| {
            json!({
                "key": t.key, "name": t.name, "name_en": t.name_en, "controls": t.controls,
                "approver_roles": t.approver_roles, "approver_roles_when": t.approver_roles_when,
                "completer_roles": t.completer_roles, "approver_note": t.approver_note, "workflow": t.workflow,
                "register": t.register.as_ref().map(|r| r.register.clone()),
                "fields": t.fields.iter().map(|f| field_json(f, o.get(&f.key))).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(out).into_response())
}

/// Body of `PUT /api/v1/request-types/{key}/roles`.
#[derive(Deserialize)]
pub struct TypeRolesBody {
    approver_roles: Vec<String>,
    #[serde(default)]
    completer_roles: Vec<String>,
}

/// `PUT /api/v1/request-types/{key}/roles`: who approves and completes (settings.manage).
pub async fn request_type_roles(
    State(state): State<AppState>,
    s: Session,
    Path(key): Path<String>,
    JsonBody(b): JsonBody<TypeRolesBody>,
) -> WebResult {
    let t =
        mamori_app::requests::set_roles(&state.db, &s.actor, &key, b.approver_roles, b.completer_roles, state.now())
            .await?;
    Ok(Json(json!({"key": t.key, "approver_roles": t.approver_roles, "completer_roles": t.completer_roles}))
        .into_response())
}

/// Body of `POST /api/v1/requests`.
#[derive(Deserialize)]
pub struct NewRequestBody {
    #[serde(rename = "type")]
    type_key: String,
    #[serde(default)]
    fields: serde_json::Map<String, serde_json::Value>,
}

/// `POST /api/v1/requests` `{type, fields}` → 201 `{id, state, number}`; 422 naming every
/// field problem.
pub async fn request_create(
    State(state): State<AppState>,
    s: Session,
    JsonBody(b): JsonBody<NewRequestBody>,
) -> WebResult {
    let r =
        mamori_app::requests::create(&state.db, &s.actor, &b.type_key, &b.fields, state.today(), state.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": r.id, "state": r.state, "number": mamori_app::requests::number_label(r.number)})),
    )
        .into_response())
}

/// Which requests.
#[derive(Deserialize)]
pub struct ScopeQuery {
    scope: Option<String>,
}

/// `GET /api/v1/requests?scope=mine|waiting|all` (default mine; all needs audit.view).
pub async fn requests_list(State(state): State<AppState>, s: Session, Query(q): Query<ScopeQuery>) -> WebResult {
    use mamori_app::requests::Scope;
    let scope = match q.scope.as_deref() {
        Some("waiting") => Scope::Waiting,
        Some("all") => Scope::All,
        _ => Scope::Mine,
    };
    let list = mamori_app::requests::list(&state.db, &s.actor, scope, state.today()).await?;
    Ok(Json(list).into_response())
}

/// `GET /api/v1/requests/{id}` → the request with its `timeline`.
pub async fn request_get(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    let (v, timeline) = mamori_app::requests::get(&state.db, &s.actor, &id, state.today()).await?;
    let mut out = serde_json::to_value(&v).unwrap_or_default();
    out["timeline"] = json!(timeline);
    Ok(Json(out).into_response())
}

/// Body of `POST /api/v1/requests/{id}/transitions`.
#[derive(Deserialize)]
pub struct TransitionBody {
    action: String,
    #[serde(default)]
    comment: String,
    /// SHA-256 of files uploaded through `POST /api/v1/evidence`.
    #[serde(default)]
    files: Vec<String>,
}

/// `POST /api/v1/requests/{id}/transitions` `{action, comment}` → 200 `{id, state, …}`; 403
/// `separation_of_duties` when the requester approves their own request; 403 `forbidden` when
/// the role may not act; 409 when the action does not apply to the state.
pub async fn request_transition(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<TransitionBody>,
) -> WebResult {
    let r = mamori_app::requests::transition(
        &state.db,
        &s.actor,
        &id,
        &b.action,
        &b.comment,
        b.files,
        state.today(),
        state.now(),
    )
    .await?;
    Ok(Json(json!({"id": r.id, "state": r.state, "record_ref": r.record_ref, "deadline": r.deadline})).into_response())
}
