//! Incidents: reports, their response log, evidence with chain of custody, and need-to-know access.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_i64, fetch_optional};

/// An information-security event or incident.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct IncidentRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Number within the organisation.
    pub number: i64,
    /// Short title.
    pub title: String,
    /// What happened (the report).
    pub description: String,
    /// When it happened (as reported).
    pub occurred_at: String,
    /// Reporter.
    pub reporter_id: String,
    /// Reporter's login ID.
    pub reporter_label: String,
    /// reported, not_incident, open, closed.
    pub state: String,
    /// 5.24 I.: customer_site or internal.
    pub variant: Option<String>,
    /// The assessment (why it is, or is not, an incident).
    pub assessment: Option<String>,
    /// Decision on disclosure.
    pub disclosure: Option<String>,
    /// Decision on reporting to authorities.
    pub authorities: Option<String>,
    /// Lessons learned (5.27).
    pub lessons: Option<String>,
    /// The corrective action raised from it: `corrective_actions/row_id`.
    pub corrective_ref: Option<String>,
    /// Optimistic concurrency.
    pub version: i64,
    /// Created.
    pub created_at: i64,
    /// Changed.
    pub updated_at: i64,
}

const INC_COLS: &str = "id, org_id, number, title, description, occurred_at, reporter_id, reporter_label, state, variant, assessment, disclosure, authorities, lessons, corrective_ref, version, created_at, updated_at";

/// The next incident number.
pub async fn next_incident_number(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(fetch_i64!(ex, "SELECT COALESCE(MAX(number), 0) + 1 FROM incident WHERE org_id = $1", org_id)?)
}

/// Inserts an incident.
pub async fn insert_incident(ex: &mut Ex<'_>, i: &IncidentRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO incident (",
            INC_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
        ]),
        &i.id,
        &i.org_id,
        i.number,
        &i.title,
        &i.description,
        &i.occurred_at,
        &i.reporter_id,
        &i.reporter_label,
        &i.state,
        &i.variant,
        &i.assessment,
        &i.disclosure,
        &i.authorities,
        &i.lessons,
        &i.corrective_ref,
        i.version,
        i.created_at,
        i.updated_at
    )?;
    Ok(())
}

/// Writes an incident if its version is still `version - 1`; 0 otherwise.
pub async fn update_incident(ex: &mut Ex<'_>, i: &IncidentRow) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE incident SET state = $1, variant = $2, assessment = $3, disclosure = $4, authorities = $5, lessons = $6, \
         corrective_ref = $7, version = $8, updated_at = $9 WHERE org_id = $10 AND id = $11 AND version = $12",
        &i.state,
        &i.variant,
        &i.assessment,
        &i.disclosure,
        &i.authorities,
        &i.lessons,
        &i.corrective_ref,
        i.version,
        i.updated_at,
        &i.org_id,
        &i.id,
        i.version - 1
    )?)
}

/// One incident.
pub async fn incident(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<IncidentRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        IncidentRow,
        sql(&["SELECT ", INC_COLS, " FROM incident WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// The organisation's incidents, newest first.
pub async fn incidents(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<IncidentRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        IncidentRow,
        sql(&["SELECT ", INC_COLS, " FROM incident WHERE org_id = $1 ORDER BY number DESC"]),
        org_id
    )?)
}

/// An entry of an incident's response log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct IncidentEventRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Incident.
    pub incident_id: String,
    /// Order.
    pub seq: i64,
    /// report, assess, log, notify, evidence, custody, access, decision, close.
    pub kind: String,
    /// The evidence item it concerns (custody).
    pub evidence_id: Option<String>,
    /// Actor.
    pub actor_id: Option<String>,
    /// Actor's login ID.
    pub actor_label: String,
    /// What was done or said.
    pub text: String,
    /// When.
    pub at_ms: i64,
}

/// Appends to an incident's log (seq = the next number).
pub async fn insert_incident_event(ex: &mut Ex<'_>, e: &IncidentEventRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO incident_event (id, org_id, incident_id, seq, kind, evidence_id, actor_id, actor_label, text, at_ms) \
         VALUES ($1, $2, $3, (SELECT COALESCE(MAX(seq), 0) + 1 FROM incident_event WHERE incident_id = $3), $4, $5, $6, $7, $8, $9)",
        &e.id,
        &e.org_id,
        &e.incident_id,
        &e.kind,
        &e.evidence_id,
        &e.actor_id,
        &e.actor_label,
        &e.text,
        e.at_ms
    )?;
    Ok(())
}

/// An incident's log, oldest first.
pub async fn incident_events(
    ex: &mut Ex<'_>,
    org_id: &str,
    incident_id: &str,
) -> Result<Vec<IncidentEventRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        IncidentEventRow,
        "SELECT id, org_id, incident_id, seq, kind, evidence_id, actor_id, actor_label, text, at_ms FROM incident_event \
         WHERE org_id = $1 AND incident_id = $2 ORDER BY seq",
        org_id,
        incident_id
    )?)
}

/// An evidence item of an incident (5.28).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct IncidentEvidenceRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Incident.
    pub incident_id: String,
    /// The stored file (hashed at intake).
    pub sha256: String,
    /// File name.
    pub name: String,
    /// What it is and where it came from.
    pub description: String,
    /// Who holds it now.
    pub holder: String,
    /// Taken in at.
    pub taken_at: i64,
    /// Taken in by.
    pub taken_by: String,
}

/// Records an evidence item.
pub async fn insert_incident_evidence(ex: &mut Ex<'_>, e: &IncidentEvidenceRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO incident_evidence (id, org_id, incident_id, sha256, name, description, holder, taken_at, taken_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &e.id,
        &e.org_id,
        &e.incident_id,
        &e.sha256,
        &e.name,
        &e.description,
        &e.holder,
        e.taken_at,
        &e.taken_by
    )?;
    Ok(())
}

/// Changes who holds an evidence item.
pub async fn set_evidence_holder(ex: &mut Ex<'_>, org_id: &str, id: &str, holder: &str) -> Result<u64, StoreError> {
    Ok(exec!(ex, "UPDATE incident_evidence SET holder = $1 WHERE org_id = $2 AND id = $3", holder, org_id, id)?)
}

/// An incident's evidence items.
pub async fn incident_evidence(
    ex: &mut Ex<'_>,
    org_id: &str,
    incident_id: &str,
) -> Result<Vec<IncidentEvidenceRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        IncidentEvidenceRow,
        "SELECT id, org_id, incident_id, sha256, name, description, holder, taken_at, taken_by FROM incident_evidence \
         WHERE org_id = $1 AND incident_id = $2 ORDER BY taken_at, id",
        org_id,
        incident_id
    )?)
}

/// Grants a person need-to-know access to an incident.
pub async fn grant_incident_access(
    ex: &mut Ex<'_>,
    org_id: &str,
    incident_id: &str,
    user_id: &str,
    granted_by: &str,
    now: i64,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO incident_access (org_id, incident_id, user_id, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (incident_id, user_id) DO NOTHING",
        org_id,
        incident_id,
        user_id,
        granted_by,
        now
    )?;
    Ok(())
}

/// User ids with need-to-know access to an incident.
pub async fn incident_access(ex: &mut Ex<'_>, org_id: &str, incident_id: &str) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct U {
        user_id: String,
    }
    Ok(fetch_all!(
        ex,
        U,
        "SELECT user_id FROM incident_access WHERE org_id = $1 AND incident_id = $2 ORDER BY granted_at",
        org_id,
        incident_id
    )?
    .into_iter()
    .map(|u| u.user_id)
    .collect())
}

/// Incidents whose evidence includes the file `sha256`.
pub async fn incidents_with_evidence(ex: &mut Ex<'_>, org_id: &str, sha256: &str) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct I {
        incident_id: String,
    }
    Ok(fetch_all!(
        ex,
        I,
        "SELECT incident_id FROM incident_evidence WHERE org_id = $1 AND sha256 = $2",
        org_id,
        sha256
    )?
    .into_iter()
    .map(|i| i.incident_id)
    .collect())
}

/// Incidents a person was given need-to-know access to.
pub async fn incidents_granted_to(ex: &mut Ex<'_>, org_id: &str, user_id: &str) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct I {
        incident_id: String,
    }
    Ok(fetch_all!(
        ex,
        I,
        "SELECT incident_id FROM incident_access WHERE org_id = $1 AND user_id = $2",
        org_id,
        user_id
    )?
    .into_iter()
    .map(|i| i.incident_id)
    .collect())
}
