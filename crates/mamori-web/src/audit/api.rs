//! `GET /api/v1/audit`: the audit rows with the chain's verification.

use super::describe::{Vocabulary, describe};
use super::filter::FilterQuery;
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

/// `GET /api/v1/audit?limit=&offset=` and the log's filter (`actor`, `kind`, `action`,
/// `record`, `from`, `to`; see [`FilterQuery`]).
#[derive(Deserialize)]
pub struct AuditQuery {
    limit: Option<i64>,
    offset: Option<i64>,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    record: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The organisation's audit rows, newest first, with the chain's verification.
pub async fn audit_list(
    State(state): State<AppState>,
    ctx: crate::ctx::Ctx,
    s: Session,
    Query(q): Query<AuditQuery>,
) -> WebResult {
    let filter = FilterQuery {
        actor: q.actor,
        kind: q.kind,
        action: q.action,
        record: q.record,
        from: q.from,
        to: q.to,
        page: None,
    }
    .read()
    .map_err(mamori_app::AppError::Validation)?;
    let (rows, total) =
        audit::search(&state.db, &s.actor, &filter, q.limit.unwrap_or(100), q.offset.unwrap_or(0)).await?;
    let t = ctx.tr();
    let words = Vocabulary::new(&t, audit::vocabulary(&state.db, &s.actor).await?);
    let items: Vec<_> = rows
        .into_iter()
        .map(|r| {
            let d = describe(&t, &words, &r);
            json!({
                "description": { "actor": d.actor, "action": d.action, "object": d.object, "detail": d.detail },
                "seq": r.seq, "at_ms": r.at_ms, "at": tokyo_time(r.at_ms), "actor_id": r.actor_id, "actor": r.actor_label,
                "action": r.action, "object_type": r.object_type, "object_id": r.object_id,
                "before": r.before_json.and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok()),
                "after": r.after_json.and_then(|a| serde_json::from_str::<serde_json::Value>(&a).ok()),
                "prev_hash": r.prev_hash, "hash": r.hash,
            })
        })
        .collect();
    let anchor = super::pages::anchor(&state);
    let trusted = anchor.public_key;
    let verified = audit::verify_org_with(&state.db, &s.org.id, audit::Trust::Anchored(&anchor)).await?;
    let checkpoint = audit::latest_checkpoint(&state.db, &s.actor, trusted).await?.map(|(cp, result)| {
        json!({
            "seq": cp.seq, "signed_at": tokyo_time(cp.signed_at_ms), "key_id": cp.key_id, "ok": result.is_ok(),
            "problem": result.err().map(|e| json!({ "code": e.key(), "seq": e.first_seq(), "message": super::pages::problem(&t, &e) })),
        })
    });
    Ok(Json(json!({
        "total": total,
        "items": items,
        "chain": match verified {
            Ok(n) => json!({ "ok": true, "rows": n }),
            Err(e) => json!({ "ok": false, "code": e.key(), "seq": e.first_seq(), "error": e.to_string(), "message": super::pages::problem(&t, &e) }),
        },
        "checkpoint": checkpoint,
    }))
    .into_response())
}
