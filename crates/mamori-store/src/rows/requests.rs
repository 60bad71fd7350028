//! Requests: the organisation's request types, requests with an optimistic version, and their
//! timeline of transitions.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_i64, fetch_optional};

/// A request type of an organisation (the JSON of the domain's workflow request type).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RequestTypeRow {
    /// Organisation.
    pub org_id: String,
    /// Key.
    pub key: String,
    /// Definition.
    pub def_json: String,
    /// Changed.
    pub updated_at: i64,
}

/// Inserts or replaces a request type.
pub async fn upsert_request_type(ex: &mut Ex<'_>, r: &RequestTypeRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO request_type (org_id, key, def_json, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, key) DO UPDATE SET def_json = $3, updated_at = $4",
        &r.org_id,
        &r.key,
        &r.def_json,
        r.updated_at
    )?;
    Ok(())
}

/// Inserts a request type unless the organisation has it.
pub async fn insert_request_type(ex: &mut Ex<'_>, r: &RequestTypeRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO request_type (org_id, key, def_json, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, key) DO NOTHING",
        &r.org_id,
        &r.key,
        &r.def_json,
        r.updated_at
    )?;
    Ok(())
}

/// The organisation's request types.
pub async fn request_types(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<RequestTypeRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RequestTypeRow,
        "SELECT org_id, key, def_json, updated_at FROM request_type WHERE org_id = $1 ORDER BY key",
        org_id
    )?)
}

/// A request.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct RequestRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Number within the organisation (申請番号).
    pub number: i64,
    /// Request type.
    pub type_key: String,
    /// Short title.
    pub title: String,
    /// Workflow state.
    pub state: String,
    /// Field values (JSON object).
    pub fields_json: String,
    /// Requester.
    pub requester_id: String,
    /// Requester's login ID.
    pub requester_label: String,
    /// Who approved (login ID).
    pub approver_label: Option<String>,
    /// After-the-fact approval deadline (emergency changes), `YYYY-MM-DD`.
    pub deadline: Option<String>,
    /// The register row it wrote: `register_key/row_id`.
    pub record_ref: Option<String>,
    /// Optimistic concurrency.
    pub version: i64,
    /// Created.
    pub created_at: i64,
    /// Changed.
    pub updated_at: i64,
}

const REQ_COLS: &str = "id, org_id, number, type_key, title, state, fields_json, requester_id, requester_label, approver_label, deadline, record_ref, version, created_at, updated_at";

/// The next request number of an organisation (call inside the writing transaction).
pub async fn next_request_number(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COALESCE(MAX(number), 0) + 1 FROM request WHERE org_id = $1", org_id)?)
}

/// Inserts a request.
pub async fn insert_request(ex: &mut Ex<'_>, r: &RequestRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO request (",
            REQ_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ]),
        &r.id,
        &r.org_id,
        r.number,
        &r.type_key,
        &r.title,
        &r.state,
        &r.fields_json,
        &r.requester_id,
        &r.requester_label,
        &r.approver_label,
        &r.deadline,
        &r.record_ref,
        r.version,
        r.created_at,
        r.updated_at
    )?;
    Ok(())
}

/// Writes a request's new state if its version is still `version - 1`; 0 otherwise.
pub async fn update_request(ex: &mut Ex<'_>, r: &RequestRow) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE request SET state = $1, fields_json = $2, approver_label = $3, deadline = $4, record_ref = $5, \
         version = $6, updated_at = $7 WHERE org_id = $8 AND id = $9 AND version = $10",
        &r.state,
        &r.fields_json,
        &r.approver_label,
        &r.deadline,
        &r.record_ref,
        r.version,
        r.updated_at,
        &r.org_id,
        &r.id,
        r.version - 1
    )?)
}

/// One request.
pub async fn request(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<RequestRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        RequestRow,
        sql(&["SELECT ", REQ_COLS, " FROM request WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// The organisation's requests, newest first.
pub async fn requests(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<RequestRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RequestRow,
        sql(&["SELECT ", REQ_COLS, " FROM request WHERE org_id = $1 ORDER BY number DESC"]),
        org_id
    )?)
}

/// A transition in a request's timeline.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct RequestEventRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Request.
    pub request_id: String,
    /// Order within the request.
    pub seq: i64,
    /// Action (submit, approve …).
    pub action: String,
    /// State before.
    pub from_state: Option<String>,
    /// State after.
    pub to_state: String,
    /// Actor's user id.
    pub actor_id: Option<String>,
    /// Actor's login ID.
    pub actor_label: String,
    /// Comment.
    pub comment: String,
    /// Attachments (JSON array of SHA-256).
    pub files_json: String,
    /// When.
    pub at_ms: i64,
}

/// Appends to a request's timeline.
pub async fn insert_request_event(ex: &mut Ex<'_>, e: &RequestEventRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO request_event (id, org_id, request_id, seq, action, from_state, to_state, actor_id, actor_label, comment, files_json, at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &e.id,
        &e.org_id,
        &e.request_id,
        e.seq,
        &e.action,
        &e.from_state,
        &e.to_state,
        &e.actor_id,
        &e.actor_label,
        &e.comment,
        &e.files_json,
        e.at_ms
    )?;
    Ok(())
}

/// A request's timeline, oldest first.
pub async fn request_events(
    ex: &mut Ex<'_>,
    org_id: &str,
    request_id: &str,
) -> Result<Vec<RequestEventRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RequestEventRow,
        "SELECT id, org_id, request_id, seq, action, from_state, to_state, actor_id, actor_label, comment, files_json, at_ms \
         FROM request_event WHERE org_id = $1 AND request_id = $2 ORDER BY seq",
        org_id,
        request_id
    )?)
}

/// Transitions of every request of an organisation since `since` (epoch ms), oldest first.
pub async fn request_events_since(
    ex: &mut Ex<'_>,
    org_id: &str,
    since: i64,
) -> Result<Vec<RequestEventRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        RequestEventRow,
        "SELECT id, org_id, request_id, seq, action, from_state, to_state, actor_id, actor_label, comment, files_json, at_ms \
         FROM request_event WHERE org_id = $1 AND at_ms >= $2 ORDER BY at_ms, seq",
        org_id,
        since
    )?)
}
