//! Recurring duties and their materialised occurrences, and the organisation's duty data version
//! that every write bumps.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_i64, fetch_optional};

/// A recurring duty.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct DutyRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// What is to be done.
    pub title: String,
    /// Annex A control.
    pub control_id: Option<String>,
    /// scheduled, undecided, event, audit, review.
    pub decision: String,
    /// Frequency key when scheduled.
    pub frequency: Option<String>,
    /// Day anchor.
    pub anchor_day: i64,
    /// Month anchor.
    pub anchor_month: i64,
    /// Fiscal year start month.
    pub fiscal_year_start: i64,
    /// The date from which the current schedule applies (earlier occurrences are history).
    pub schedule_from: String,
    /// Owner role key.
    pub owner_role: Option<String>,
    /// The regulation's sentence.
    pub source_text: String,
    /// none, note, file.
    pub evidence: String,
    /// 1 while in use.
    pub active: i64,
    /// Created.
    pub created_at: i64,
    /// Changed.
    pub updated_at: i64,
    /// A named assignee (user id); otherwise anyone holding the owner role.
    pub assignee_id: Option<String>,
    /// The register whose row completes the duty (evidence `record`).
    pub register_key: Option<String>,
    /// The sub-heading of the regulation the duty came from ('' when none).
    pub context: String,
    /// The event the duty is anchored to (`at_internal_audit` …), or none for a calendar duty.
    pub anchor: Option<String>,
    /// The request type whose completed request completes the duty (evidence `request`).
    pub request_type: Option<String>,
    /// Days before the due date that the owner is reminded (none: the server's setting).
    pub lead_days: Option<i64>,
    /// When the organisation confirmed the duty; none while it is only offered.
    pub confirmed_at: Option<i64>,
    /// The supplier the duty was generated for (its kind's recurring checks).
    pub supplier_id: Option<String>,
}

/// An occurrence of a duty.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct OccurrenceRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Duty.
    pub duty_id: String,
    /// Due date.
    pub due: String,
    /// open, done, skipped.
    pub state: String,
    /// Who completed it.
    pub done_by: Option<String>,
    /// On which day.
    pub done_on: Option<String>,
    /// When.
    pub done_at: Option<i64>,
    /// Note.
    pub note: Option<String>,
    /// Evidence (JSON array of SHA-256).
    pub evidence: Option<String>,
    /// Why skipped.
    pub skip_reason: Option<String>,
    /// The register row it produced, as `register_key/row_id`.
    pub record_ref: Option<String>,
}

impl OccurrenceRow {
    /// An open occurrence of `duty_id` due on `due` (YYYY-MM-DD).
    pub fn open(id: String, org_id: &str, duty_id: String, due: String) -> OccurrenceRow {
        OccurrenceRow {
            id,
            org_id: org_id.to_string(),
            duty_id,
            due,
            state: "open".into(),
            done_by: None,
            done_on: None,
            done_at: None,
            note: None,
            evidence: None,
            skip_reason: None,
            record_ref: None,
        }
    }
}

const DUTY_COLS: &str = "id, org_id, title, control_id, decision, frequency, anchor_day, anchor_month, fiscal_year_start, schedule_from, owner_role, source_text, evidence, active, created_at, updated_at, assignee_id, register_key, context, anchor, request_type, lead_days, confirmed_at, supplier_id";
const OCC_COLS: &str =
    "id, org_id, duty_id, due, state, done_by, done_on, done_at, note, evidence, skip_reason, record_ref";

/// Inserts a duty unless one with the same control and source text exists; true when inserted.
pub async fn insert_duty(ex: &mut Ex<'_>, d: &DutyRow) -> Result<bool, StoreError> {
    Ok(exec!(
        ex,
        sql(&[
            "INSERT INTO duty (",
            DUTY_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24) ON CONFLICT DO NOTHING"
        ]),
        &d.id,
        &d.org_id,
        &d.title,
        &d.control_id,
        &d.decision,
        &d.frequency,
        d.anchor_day,
        d.anchor_month,
        d.fiscal_year_start,
        &d.schedule_from,
        &d.owner_role,
        &d.source_text,
        &d.evidence,
        d.active,
        d.created_at,
        d.updated_at,
        &d.assignee_id,
        &d.register_key,
        &d.context,
        &d.anchor,
        &d.request_type,
        d.lead_days,
        d.confirmed_at,
        &d.supplier_id
    )? == 1)
}

/// The organisation's duties.
pub async fn duties(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<DutyRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        DutyRow,
        sql(&["SELECT ", DUTY_COLS, " FROM duty WHERE org_id = $1 ORDER BY control_id, created_at"]),
        org_id
    )?)
}

/// Changes a duty's settings if it was last changed at `seen` (an optimistic check); the number
/// of rows changed (0: someone changed it meanwhile).
pub async fn update_duty_schedule(ex: &mut Ex<'_>, d: &DutyRow, seen: i64) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE duty SET decision = $1, frequency = $2, anchor_day = $3, anchor_month = $4, fiscal_year_start = $5, owner_role = $6, \
         evidence = $7, updated_at = $8, schedule_from = $9, title = $10, assignee_id = $11, register_key = $12, active = $13, \
         anchor = $14, request_type = $15, lead_days = $16, confirmed_at = $17 WHERE org_id = $18 AND id = $19 AND updated_at = $20",
        &d.decision,
        &d.frequency,
        d.anchor_day,
        d.anchor_month,
        d.fiscal_year_start,
        &d.owner_role,
        &d.evidence,
        d.updated_at,
        &d.schedule_from,
        &d.title,
        &d.assignee_id,
        &d.register_key,
        d.active,
        &d.anchor,
        &d.request_type,
        d.lead_days,
        d.confirmed_at,
        &d.org_id,
        &d.id,
        seen
    )?)
}

/// Adds an occurrence unless the duty already has one on that date.
pub async fn insert_occurrence(ex: &mut Ex<'_>, o: &OccurrenceRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO duty_occurrence (",
            OCC_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (duty_id, due) DO NOTHING"
        ]),
        &o.id,
        &o.org_id,
        &o.duty_id,
        &o.due,
        &o.state,
        &o.done_by,
        &o.done_on,
        o.done_at,
        &o.note,
        &o.evidence,
        &o.skip_reason,
        &o.record_ref
    )?;
    Ok(())
}

/// Removes a duty's open occurrences due on or after a date (a schedule change; done and
/// skipped occurrences are history and stay).
pub async fn delete_open_occurrences_from(
    ex: &mut Ex<'_>,
    org_id: &str,
    duty_id: &str,
    from: &str,
) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "DELETE FROM duty_occurrence WHERE org_id = $1 AND duty_id = $2 AND state = 'open' AND due >= $3",
        org_id,
        duty_id,
        from
    )?)
}

/// Occurrences due in `[from, to]` (ISO dates compare as text).
pub async fn occurrences_between(
    ex: &mut Ex<'_>,
    org_id: &str,
    from: &str,
    to: &str,
) -> Result<Vec<OccurrenceRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        OccurrenceRow,
        sql(&[
            "SELECT ",
            OCC_COLS,
            " FROM duty_occurrence WHERE org_id = $1 AND due >= $2 AND due <= $3 ORDER BY due, duty_id"
        ]),
        org_id,
        from,
        to
    )?)
}

/// One occurrence.
pub async fn occurrence(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<OccurrenceRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        OccurrenceRow,
        sql(&["SELECT ", OCC_COLS, " FROM duty_occurrence WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// Records completion or skipping of an open occurrence; 0 when it was not open.
pub async fn close_occurrence(ex: &mut Ex<'_>, o: &OccurrenceRow) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE duty_occurrence SET state = $1, done_by = $2, done_on = $3, done_at = $4, note = $5, evidence = $6, skip_reason = $7, \
         record_ref = $8 WHERE org_id = $9 AND id = $10 AND state = 'open'",
        &o.state,
        &o.done_by,
        &o.done_on,
        o.done_at,
        &o.note,
        &o.evidence,
        &o.skip_reason,
        &o.record_ref,
        &o.org_id,
        &o.id
    )?)
}

/// Open occurrences due on or before a date (overdue and coming up), oldest first.
pub async fn open_occurrences_until(ex: &mut Ex<'_>, org_id: &str, to: &str) -> Result<Vec<OccurrenceRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        OccurrenceRow,
        sql(&[
            "SELECT ",
            OCC_COLS,
            " FROM duty_occurrence WHERE org_id = $1 AND state = 'open' AND due <= $2 ORDER BY due, duty_id"
        ]),
        org_id,
        to
    )?)
}

/// Every occurrence of one duty, newest first.
pub async fn occurrences_of_duty(
    ex: &mut Ex<'_>,
    org_id: &str,
    duty_id: &str,
) -> Result<Vec<OccurrenceRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        OccurrenceRow,
        sql(&["SELECT ", OCC_COLS, " FROM duty_occurrence WHERE org_id = $1 AND duty_id = $2 ORDER BY due DESC"]),
        org_id,
        duty_id
    )?)
}

/// One duty.
pub async fn duty(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<DutyRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        DutyRow,
        sql(&["SELECT ", DUTY_COLS, " FROM duty WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// The latest materialised due date of each duty of an organisation.
pub async fn last_due_per_duty(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct L {
        duty_id: String,
        last: String,
    }
    Ok(fetch_all!(
        ex,
        L,
        "SELECT duty_id, MAX(due) AS last FROM duty_occurrence WHERE org_id = $1 GROUP BY duty_id",
        org_id
    )?
    .into_iter()
    .map(|l| (l.duty_id, l.last))
    .collect())
}

/// Bumps the organisation's duty data version (in the writing transaction).
pub async fn bump_duty_version(ex: &mut Ex<'_>, org_id: &str) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO duty_version (org_id, version) VALUES ($1, 1) \
         ON CONFLICT (org_id) DO UPDATE SET version = duty_version.version + 1",
        org_id
    )?;
    Ok(())
}

/// The organisation's duty data version (0 before any change).
pub async fn duty_version(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COALESCE(MAX(version), 0) FROM duty_version WHERE org_id = $1", org_id)?)
}
