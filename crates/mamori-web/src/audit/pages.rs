//! The audit log page (privileged roles only, 8.15 (5)) with the chain's verification.

use super::describe::{Vocabulary, describe};
use super::export::{Format, Source, export};
use super::filter::FilterQuery;
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

/// The audit log (privileged roles only, 8.15 (5)), narrowed by the filter: who, which kind of
/// record, which action, which record, which period. A filter that cannot be read comes back
/// with every problem at its field (422) and the values kept.
pub async fn audit_log(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<FilterQuery>) -> WebResult {
    audit_page(&state, &ctx, &s, &q, Vec::new()).await
}

/// The page; `refused` are problems of an export of this filter (catalogue keys at fields).
async fn audit_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    q: &FilterQuery,
    refused: Vec<(String, String)>,
) -> WebResult {
    const PER_PAGE: i64 = 50;
    let page = q.page.unwrap_or(0).max(0);
    let t = ctx.tr();
    let (filter, problems) = match q.read() {
        Ok(f) => (Some(f), refused),
        Err(p) => (None, p),
    };
    let (rows, total) = match &filter {
        Some(f) => audit::search(&state.db, &s.actor, f, PER_PAGE, page * PER_PAGE).await?,
        None => (Vec::new(), 0),
    };
    let anchor = anchor(state);
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
    let kinds = audit::kinds(&state.db, &s.actor).await?;
    let rows: Vec<AuditRowView> = rows
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
                history: r.object_id.as_ref().map(|id| {
                    format!(
                        "/audit?kind={}&record={}",
                        crate::respond::urlencode(&r.object_type),
                        crate::respond::urlencode(id)
                    )
                }),
            }
        })
        .collect();
    let record = (!q.record.trim().is_empty())
        .then(|| rows.first().map(|r| r.object.clone()).unwrap_or_else(|| t.t("audit-filter-record-unknown")));
    let choices = FilterChoices::new(&t, &words, &kinds);
    let query = q.query();
    let amp = if query.is_empty() { String::new() } else { format!("&{query}") };
    let tried = q.tried(&t, &problems);
    let status = tried.status();
    let mut r = render(&AuditPage {
        layout: Layout::new(ctx),
        rows,
        chain_ok,
        chain_message,
        checkpoint,
        count: (filter.is_some() && q.any()).then(|| t.tn("audit-filter-count", "count", total)),
        record,
        choices,
        tried,
        query: if query.is_empty() { String::new() } else { format!("?{query}") },
        newer: (page > 0).then(|| format!("/audit?page={}{amp}", page - 1)),
        older: ((page + 1) * PER_PAGE < total).then(|| format!("/audit?page={}{amp}", page + 1)),
    });
    *r.status_mut() = status;
    Ok(r)
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

/// `GET /audit/export.csv` and `GET /audit/export.xlsx`: the trail (or what the filter keeps)
/// in words, with the chain's verification and the latest checkpoint below the rows. A filter
/// that cannot be read, or a period too long for one file, comes back on the log's page.
pub async fn audit_export_csv(state: State<AppState>, ctx: Ctx, s: Session, q: Query<FilterQuery>) -> WebResult {
    audit_export(state, ctx, s, q, Format::Csv).await
}

/// `GET /audit/export.xlsx`: as [`audit_export_csv`], as an Excel workbook.
pub async fn audit_export_xlsx(state: State<AppState>, ctx: Ctx, s: Session, q: Query<FilterQuery>) -> WebResult {
    audit_export(state, ctx, s, q, Format::Xlsx).await
}

async fn audit_export(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Query(q): Query<FilterQuery>,
    format: Format,
) -> WebResult {
    let t = ctx.tr();
    let filter = match q.read() {
        Ok(f) => f,
        Err(_) => return audit_page(&state, &ctx, &s, &q, Vec::new()).await,
    };
    let anchor = anchor(&state);
    let some = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let src = Source { org_name: &s.org.name, anchor: &anchor, now: state.now(), period: (some(&q.from), some(&q.to)) };
    match export(&state.db, &s.actor, &t, &filter, format, &src).await {
        Ok((bytes, _)) => Ok(crate::respond::download(bytes, format.ext(), &t.t("audit-title")).into_response()),
        Err(mamori_app::AppError::Validation(p)) => audit_page(&state, &ctx, &s, &q, p).await,
        Err(e) => Err(e.into()),
    }
}
