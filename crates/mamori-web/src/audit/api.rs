//! `GET /api/v1/audit`: the audit rows with the chain's verification.

use crate::error::WebResult;
use crate::extract::Session;
use crate::state::AppState;
use crate::tokyo_time;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use mamori_app::audit;
use serde::Deserialize;
use serde_json::json;

/// `GET /api/v1/audit?limit=&offset=`.
#[derive(Deserialize)]
pub struct AuditQuery {
    limit: Option<i64>,
    offset: Option<i64>,
}

/// The organisation's audit rows, newest first, with the chain's verification.
pub async fn audit_list(State(state): State<AppState>, s: Session, Query(q): Query<AuditQuery>) -> WebResult {
    let (rows, total) = audit::list(&state.db, &s.actor, q.limit.unwrap_or(100), q.offset.unwrap_or(0)).await?;
    let items: Vec<_> = rows
        .into_iter()
        .map(|r| {
            json!({
                "seq": r.seq, "at_ms": r.at_ms, "at": tokyo_time(r.at_ms), "actor_id": r.actor_id, "actor": r.actor_label,
                "action": r.action, "object_type": r.object_type, "object_id": r.object_id,
                "before": r.before_json.and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok()),
                "after": r.after_json.and_then(|a| serde_json::from_str::<serde_json::Value>(&a).ok()),
                "prev_hash": r.prev_hash, "hash": r.hash,
            })
        })
        .collect();
    let verified = audit::verify_org(&state.db, &s.org.id).await?;
    Ok(Json(json!({
        "total": total,
        "items": items,
        "chain": match verified { Ok(n) => json!({ "ok": true, "rows": n }), Err(e) => json!({ "ok": false, "error": e.to_string() }) },
    }))
    .into_response())
}
