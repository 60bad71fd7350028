//! Completing an occurrence with its evidence (a note, files or a register row) and
//! skipping one with a reason.

use super::{audit_and_bump, load, may_act};
use crate::error::internal;
use crate::{Actor, AppError};
use jiff::civil::Date;
use mamori_store::Db;
use mamori_store::rows::{self, OccurrenceRow};

pub(super) async fn close(
    db: &Db,
    actor: &Actor,
    before: OccurrenceRow,
    after: OccurrenceRow,
    now: i64,
) -> Result<OccurrenceRow, AppError> {
    let mut tx = db.begin().await?;
    if rows::close_occurrence(&mut tx.ex(), &after).await? == 0 {
        return Err(AppError::Conflict);
    }
    audit_and_bump(&mut tx, actor, "duty_occurrence", &after.id, Some(&before), &after, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// What completes an occurrence.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    /// Note (what was done, where the record is).
    pub note: String,
    /// Stored evidence files (SHA-256).
    pub evidence: Vec<String>,
    /// The register row it produced: `register_key/row_id`.
    pub record_ref: Option<String>,
    /// The day the work was done (default: today); not after today, nor more than a year
    /// before the due date.
    pub done_on: Option<Date>,
}

/// Completes an open occurrence. The duty's evidence rule applies: `note` needs a note (or a
/// file), `file` needs at least one stored evidence file, `record` needs a live row of the
/// duty's register.
pub async fn complete(
    db: &Db,
    actor: &Actor,
    occurrence_id: &str,
    done: Completion,
    today: Date,
    now: i64,
) -> Result<OccurrenceRow, AppError> {
    let (o, d) = load(db, actor, occurrence_id).await?;
    may_act(actor, &d)?;
    let done_on = done.done_on.unwrap_or(today);
    // Every problem at once, each at its field: the date, then the evidence.
    let mut problems: Vec<(String, String)> = Vec::new();
    if done_on > today {
        problems.push(("done_on".into(), "duty-done-on-future".into()));
    } else if let Ok(due) = o.due.parse::<Date>()
        && due.checked_sub(jiff::Span::new().days(366)).is_ok_and(|earliest| done_on < earliest)
    {
        problems.push(("done_on".into(), "duty-done-on-too-early".into()));
    }
    let note = done.note.trim().to_string();
    let record_ref = done.record_ref.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    let missing = match d.evidence.as_str() {
        "file" => done.evidence.is_empty(),
        "note" => note.is_empty() && done.evidence.is_empty(),
        "record" | "request" => record_ref.is_none(),
        _ => false,
    };
    if missing {
        let field = if matches!(d.evidence.as_str(), "record" | "request") { "record_ref" } else { "evidence" };
        problems.push((field.into(), "duty-evidence-required".into()));
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let mut c = db.conn().await?;
    if !done.evidence.is_empty() {
        let known = rows::evidence_hashes(&mut c.ex(), &actor.org_id).await?;
        if done.evidence.iter().any(|h| !known.contains(h)) {
            return Err(AppError::Validation(vec![("evidence".into(), "field-unknown-file".into())]));
        }
        drop(c);
        crate::evidence::require_readable(db, actor, [("evidence".to_string(), done.evidence.clone())]).await?;
        c = db.conn().await?;
    }
    if let Some(r) = &record_ref
        && d.evidence == "request"
    {
        // A completed (or approved) request of the duty's type, e.g. `requests/<id>`.
        let id = r.strip_prefix("requests/").unwrap_or(r);
        let req = rows::request(&mut c.ex(), &actor.org_id, id).await?;
        if !req.is_some_and(|q| {
            Some(&q.type_key) == d.request_type.as_ref() && matches!(q.state.as_str(), "completed" | "approved")
        }) {
            return Err(AppError::Validation(vec![("record_ref".into(), "duty-request-unknown".into())]));
        }
    } else if let Some(r) = &record_ref {
        let (key, id) = r.split_once('/').unwrap_or(("", r.as_str()));
        let row = rows::register_row(&mut c.ex(), &actor.org_id, id).await?;
        let wanted = d.register_key.as_deref().unwrap_or(key);
        if !row.is_some_and(|row| row.register_key == key && key == wanted && row.deleted == 0) {
            return Err(AppError::Validation(vec![("record_ref".into(), "duty-record-unknown".into())]));
        }
    }
    drop(c);
    let after = OccurrenceRow {
        state: "done".into(),
        done_by: Some(actor.label.clone()),
        done_on: Some(done_on.to_string()),
        done_at: Some(now),
        note: Some(note).filter(|n| !n.is_empty()),
        evidence: Some(serde_json::to_string(&done.evidence).map_err(internal)?),
        record_ref,
        ..o.clone()
    };
    close(db, actor, o, after, now).await
}

/// Skips an open occurrence with a reason (visible to auditors).
pub async fn skip(
    db: &Db,
    actor: &Actor,
    occurrence_id: &str,
    reason: &str,
    now: i64,
) -> Result<OccurrenceRow, AppError> {
    if reason.trim().is_empty() {
        return Err(AppError::Validation(vec![("reason".into(), "field-required".into())]));
    }
    let (o, d) = load(db, actor, occurrence_id).await?;
    may_act(actor, &d)?;
    let after = OccurrenceRow {
        state: "skipped".into(),
        done_by: Some(actor.label.clone()),
        done_at: Some(now),
        skip_reason: Some(reason.trim().to_string()),
        ..o.clone()
    };
    close(db, actor, o, after, now).await
}
