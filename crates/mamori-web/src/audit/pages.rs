//! The audit log page (privileged roles only, 8.15 (5)) with the chain's verification.

use super::describe::{Vocabulary, describe};
use super::views::*;
use crate::ctx::Ctx;
use crate::error::WebResult;
use crate::extract::Session;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::tokyo_time;
use crate::views::{Layout, render};
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use mamori_app::audit;
use mamori_domain::audit::{ChainError, Checkpoint};
use serde::Deserialize;

/// `GET /audit?page=N`.
#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

/// The audit log (privileged roles only, 8.15 (5)).
pub async fn audit_log(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<PageQuery>) -> WebResult {
    const PER_PAGE: i64 = 50;
    let page = q.page.unwrap_or(0).max(0);
    let (rows, total) = audit::list(&state.db, &s.actor, PER_PAGE, page * PER_PAGE).await?;
    let t = ctx.tr();
    let anchor = anchor(&state);
    let trusted = anchor.public_key;
    let verified = audit::verify_org_with(&state.db, &s.org.id, audit::Trust::Anchored(&anchor)).await?;
    let (chain_ok, chain_message) = match verified {
        Ok(n) => (true, t.tn("audit-chain-ok", "count", i64::try_from(n).unwrap_or(i64::MAX))),
        Err(e) => (false, t.t1("audit-chain-broken", "detail", &problem(&t, &e))),
    };
    let checkpoint = audit::latest_checkpoint(&state.db, &s.actor, trusted)
        .await?
        .map(|(cp, result)| checkpoint_view(&t, &cp, &result));
    let words = Vocabulary::new(&t, audit::vocabulary(&state.db, &s.actor).await?);
    let rows = rows
        .into_iter()
        .map(|r| {
            let d = describe(&t, &words, &r);
            AuditRowView {
                seq: r.seq,
                at: tokyo_time(r.at_ms),
                actor: d.actor,
                action: d.action,
                object: d.object,
                detail: d.detail,
            }
        })
        .collect();
    Ok(render(&AuditPage {
        layout: Layout::new(&ctx),
        rows,
        chain_ok,
        chain_message,
        checkpoint,
        newer: (page > 0).then(|| page - 1),
        older: ((page + 1) * PER_PAGE < total).then_some(page + 1),
    }))
}

/// The installation's anchor (the signing key's public key and the heads file beside it),
/// when a key file is configured and readable.
pub fn anchor(state: &AppState) -> audit::Anchor {
    let Some(path) = state.config.audit_key_file.as_deref() else {
        return audit::Anchor::default();
    };
    audit::load_anchor(path).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "audit signing key unreadable");
        audit::Anchor::default()
    })
}

/// A verification failure in the reader's language, naming the entry number.
pub fn problem(t: &Tr, e: &ChainError) -> String {
    let upto = match e {
        ChainError::Rehashed { seq, .. } | ChainError::Truncated { checkpoint_seq: seq, .. } => *seq,
        other => other.first_seq(),
    };
    t.ta(&format!("audit-problem-{}", e.key()), &[("number", &e.first_seq().to_string()), ("limit", &upto.to_string())])
}

/// The newest checkpoint as a sentence: when (JST), up to which entry, the key's short
/// fingerprint; and the result of checking it.
fn checkpoint_view(t: &Tr, cp: &Checkpoint, result: &Result<(), ChainError>) -> CheckpointView {
    CheckpointView {
        summary: checkpoint_summary(t, cp),
        ok: result.is_ok(),
        result: match result {
            Ok(()) => t.t("audit-checkpoint-valid"),
            Err(e) => t.t1("audit-checkpoint-invalid", "detail", &problem(t, e)),
        },
    }
}

/// "signed at … up to entry N (key …)".
pub fn checkpoint_summary(t: &Tr, cp: &Checkpoint) -> String {
    let short: String = cp.key_id.chars().take(8).collect();
    t.ta(
        "audit-checkpoint-summary",
        &[("date", &tokyo_time(cp.signed_at_ms)), ("number", &cp.seq.to_string()), ("id", &short)],
    )
}

/// `GET /audit/export.csv`: the whole trail as CSV (formula-neutralised), with the latest
/// checkpoint and the result of verifying the trail in the footer.
pub async fn audit_export(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    let t = ctx.tr();
    let rows = audit::all_rows(&state.db, &s.actor).await?;
    let anchor = anchor(&state);
    let trusted = anchor.public_key;
    let verified = audit::verify_org_with(&state.db, &s.org.id, audit::Trust::Anchored(&anchor)).await?;
    let latest = audit::latest_checkpoint(&state.db, &s.actor, trusted).await?;
    let header =
        vec![t.t1("audit-export-title", "org", &s.org.name), t.t1("audit-export-at", "date", &tokyo_time(state.now()))];
    let columns: Vec<String> = ["audit-seq", "audit-at", "audit-actor", "audit-action", "audit-object", "audit-detail"]
        .iter()
        .map(|k| t.t(k))
        .collect();
    let words = Vocabulary::new(&t, audit::vocabulary(&state.db, &s.actor).await?);
    let body = rows.into_iter().map(|r| {
        let d = describe(&t, &words, &r);
        vec![r.seq.to_string(), tokyo_time(r.at_ms), d.actor, d.action, d.object, d.detail]
    });
    let mut footer = vec![match verified {
        Ok(n) => t.tn("audit-chain-ok", "count", i64::try_from(n).unwrap_or(i64::MAX)),
        Err(e) => t.t1("audit-chain-broken", "detail", &problem(&t, &e)),
    }];
    match latest {
        Some((cp, result)) => {
            footer.push(t.t1("audit-export-checkpoint", "detail", &checkpoint_summary(&t, &cp)));
            footer.push(match result {
                Ok(()) => t.t("audit-checkpoint-valid"),
                Err(e) => t.t1("audit-checkpoint-invalid", "detail", &problem(&t, &e)),
            });
        }
        None => footer.push(t.t("audit-checkpoint-none")),
    }
    let bytes = mamori_app::export::csv_sections(&header, &columns, body, &footer);
    Ok(crate::respond::download(bytes, "csv", &t.t("audit-title")).into_response())
}
