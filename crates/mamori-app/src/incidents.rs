//! Information-security events and incidents (5.24–5.28, 6.8), and corrective actions (是正処置,
//! ISO/IEC 27001 10.2).
//!
//! Anyone logged in may report an event (6.8). 経営責任者 assesses it (5.25): not an incident
//! (closed with the reason) or an incident, with the variant of 5.24 I. (customer site or
//! internal). An incident has a response log, need-to-know notifications, evidence items with a
//! chain of custody (5.28), decisions on disclosure and on reporting to authorities, closure with
//! lessons learned (5.27), and may raise a corrective action in the 是正処置報告書 register.
//!
//! Access: the log and the evidence are for 経営責任者, 情報セキュリティ管理者 and the people they
//! add; a reporter without access sees their report and its assessment only. Roles, not
//! permissions, decide this, so a system administrator holding every permission is not let in.

use crate::audit::{self, Entry};
use crate::outbox::Mail;
use crate::{Actor, AppError, new_id, registers};
use jiff::civil::Date;
use mamori_domain::audit::AuditAction;
use mamori_domain::permission::{Permission, ROLE_SECURITY_MANAGER, ROLE_TOP_MANAGEMENT};
use mamori_store::Db;
use mamori_store::rows::{self, IncidentEventRow, IncidentEvidenceRow, IncidentRow};
use serde::Serialize;
use serde_json::{Map, Value};

/// Variants of an incident (5.24 I.).
pub const VARIANTS: [&str; 2] = ["customer_site", "internal"];

/// The incident's number as people see it (INC-0003): what the audit trail names an incident
/// by, never its title, description or evidence names (the trail is read by システム管理者 and
/// 内部監査員, who have no need-to-know access).
pub fn number_label(n: i64) -> String {
    format!("INC-{n:04}")
}

/// The neutral audit content of a change to incident `number` (ids and numbers only).
fn neutral(number: i64, what: &str) -> Value {
    serde_json::json!({ "incident": number_label(number), "summary": format!("インシデント {} {what}", number_label(number)) })
}

fn is_manager(actor: &Actor) -> bool {
    actor.role_keys.iter().any(|r| r == ROLE_TOP_MANAGEMENT || r == ROLE_SECURITY_MANAGER)
}

fn uid(actor: &Actor) -> Result<&str, AppError> {
    actor.user_id.as_deref().ok_or(AppError::Forbidden)
}

async fn load(db: &Db, actor: &Actor, id: &str) -> Result<IncidentRow, AppError> {
    let mut c = db.conn().await?;
    rows::incident(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)
}

async fn has_access(db: &Db, actor: &Actor, id: &str) -> Result<bool, AppError> {
    if is_manager(actor) {
        return Ok(true);
    }
    let Some(me) = actor.user_id.as_deref() else { return Ok(false) };
    let mut c = db.conn().await?;
    Ok(rows::incident_access(&mut c.ex(), &actor.org_id, id).await?.iter().any(|u| u == me))
}

fn event(
    actor: &Actor,
    incident_id: &str,
    kind: &str,
    evidence_id: Option<&str>,
    text: &str,
    now: i64,
) -> IncidentEventRow {
    IncidentEventRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        incident_id: incident_id.to_string(),
        seq: 0,
        kind: kind.to_string(),
        evidence_id: evidence_id.map(str::to_string),
        actor_id: actor.user_id.clone(),
        actor_label: actor.label.clone(),
        text: text.trim().to_string(),
        at_ms: now,
    }
}

fn required(field: &str, v: &str) -> Result<(), AppError> {
    if v.trim().is_empty() { Err(AppError::Validation(vec![(field.into(), "field-required".into())])) } else { Ok(()) }
}

/// Writes a change to an incident with its log entry and audit row, in one transaction.
async fn save(
    db: &Db,
    actor: &Actor,
    before: &IncidentRow,
    after: Option<IncidentRow>,
    ev: IncidentEventRow,
    now: i64,
) -> Result<IncidentRow, AppError> {
    let mut tx = db.begin().await?;
    let result = match after {
        Some(mut a) => {
            a.version = before.version + 1;
            a.updated_at = now;
            if rows::update_incident(&mut tx.ex(), &a).await? == 0 {
                return Err(AppError::Conflict);
            }
            a
        }
        None => before.clone(),
    };
    rows::insert_incident_event(&mut tx.ex(), &ev).await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "incident",
            Some(&before.id),
            Some(serde_json::json!({"state": before.state})),
            Some({
                let mut v = neutral(before.number, "を更新");
                if let Some(o) = v.as_object_mut() {
                    o.insert("state".into(), Value::from(result.state.clone()));
                    o.insert("kind".into(), Value::from(ev.kind.clone()));
                    o.insert("evidence_id".into(), serde_json::json!(ev.evidence_id));
                }
                v
            }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(result)
}

/// Reports an information-security event (6.8). Anyone logged in may.
pub async fn report(
    db: &Db,
    actor: &Actor,
    title: &str,
    description: &str,
    occurred_at: &str,
    now: i64,
) -> Result<IncidentRow, AppError> {
    let me = uid(actor)?.to_string();
    let mut errors = Vec::new();
    for (f, v) in [("title", title), ("description", description), ("occurred_at", occurred_at)] {
        if v.trim().is_empty() {
            errors.push((f.to_string(), "field-required".to_string()));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut tx = db.begin().await?;
    let i = IncidentRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        number: rows::next_incident_number(&mut tx.ex(), &actor.org_id).await?,
        title: title.trim().chars().take(200).collect(),
        description: description.trim().to_string(),
        occurred_at: occurred_at.trim().to_string(),
        reporter_id: me,
        reporter_label: actor.label.clone(),
        state: "reported".into(),
        variant: None,
        assessment: None,
        disclosure: None,
        authorities: None,
        lessons: None,
        corrective_ref: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    rows::insert_incident(&mut tx.ex(), &i).await?;
    rows::insert_incident_event(&mut tx.ex(), &event(actor, &i.id, "report", None, &i.description, now)).await?;
    audit::append(
        &mut tx,
        Entry::by(actor, AuditAction::Create, "incident", Some(&i.id), None, Some(neutral(i.number, "を報告"))),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(i)
}

/// 経営責任者 assesses a report (5.25): an incident of `variant`, or not an incident (closed,
/// with the reason).
pub async fn assess(
    db: &Db,
    actor: &Actor,
    id: &str,
    incident: bool,
    variant: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<IncidentRow, AppError> {
    if !actor.role_keys.iter().any(|r| r == ROLE_TOP_MANAGEMENT) {
        return Err(AppError::Forbidden);
    }
    required("reason", reason)?;
    let before = load(db, actor, id).await?;
    if before.state != "reported" {
        return Err(AppError::Conflict);
    }
    let variant = match (incident, variant) {
        (true, Some(v)) if VARIANTS.contains(&v) => Some(v.to_string()),
        (true, _) => return Err(AppError::Validation(vec![("variant".into(), "field-not-a-choice".into())])),
        (false, _) => None,
    };
    let after = IncidentRow {
        state: if incident { "open" } else { "not_incident" }.into(),
        variant,
        assessment: Some(reason.trim().to_string()),
        ..before.clone()
    };
    save(db, actor, &before, Some(after), event(actor, id, "assess", None, reason, now), now).await
}

async fn open_with_access(db: &Db, actor: &Actor, id: &str) -> Result<IncidentRow, AppError> {
    if !has_access(db, actor, id).await? {
        return Err(AppError::Forbidden);
    }
    let i = load(db, actor, id).await?;
    if i.state != "open" {
        return Err(AppError::Conflict);
    }
    Ok(i)
}

/// Adds an entry to the response log.
pub async fn log(db: &Db, actor: &Actor, id: &str, text: &str, now: i64) -> Result<(), AppError> {
    required("text", text)?;
    let i = open_with_access(db, actor, id).await?;
    save(db, actor, &i, None, event(actor, id, "log", None, text, now), now).await?;
    Ok(())
}

/// Gives a person need-to-know access (managers only), recorded in the log.
pub async fn grant(db: &Db, actor: &Actor, id: &str, user_id: &str, now: i64) -> Result<(), AppError> {
    if !is_manager(actor) {
        return Err(AppError::Forbidden);
    }
    let i = load(db, actor, id).await?;
    let user = {
        let mut c = db.conn().await?;
        rows::user_by_id(&mut c.ex(), &actor.org_id, user_id).await?.ok_or(AppError::NotFound)?
    };
    let mut tx = db.begin().await?;
    rows::grant_incident_access(&mut tx.ex(), &actor.org_id, id, user_id, &actor.label, now).await?;
    rows::insert_incident_event(&mut tx.ex(), &event(actor, &i.id, "access", None, &user.login_id, now)).await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "incident_access",
            Some(id),
            None,
            Some(serde_json::json!({"user": user.login_id})),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Notifies people on a need-to-know basis: each gets access and a mail (queued in the
/// reminder outbox, sent by the worker when SMTP is configured). The subject carries the
/// incident number only.
pub async fn notify(
    db: &Db,
    actor: &Actor,
    id: &str,
    user_ids: &[String],
    subject: &str,
    body: &str,
    now: i64,
) -> Result<usize, AppError> {
    if !is_manager(actor) {
        return Err(AppError::Forbidden);
    }
    let i = load(db, actor, id).await?;
    let users: Vec<rows::UserRow> = {
        let mut c = db.conn().await?;
        let all = rows::list_users(&mut c.ex(), &actor.org_id).await?;
        all.into_iter().filter(|u| user_ids.contains(&u.id)).collect()
    };
    if users.is_empty() {
        return Err(AppError::Validation(vec![("users".into(), "field-required".into())]));
    }
    let mut tx = db.begin().await?;
    for u in &users {
        rows::grant_incident_access(&mut tx.ex(), &actor.org_id, id, &u.id, &actor.label, now).await?;
        if u.email.contains('@') {
            let mail = Mail {
                dedupe_key: format!("incident:{}:{}:{}", i.id, now, u.id),
                kind: "incident",
                recipient: u.email.clone(),
                subject: subject.to_string(),
                body: body.to_string(),
            };
            crate::outbox::queue(&mut tx, &actor.org_id, mail, now).await?;
        }
    }
    let names: Vec<&str> = users.iter().map(|u| u.login_id.as_str()).collect();
    rows::insert_incident_event(&mut tx.ex(), &event(actor, id, "notify", None, &names.join(", "), now)).await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "incident",
            Some(id),
            None,
            Some({
                let mut v = neutral(i.number, "の関係者に通知");
                if let Some(o) = v.as_object_mut() {
                    o.insert("notified".into(), serde_json::json!(names));
                }
                v
            }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(users.len())
}

/// Takes in an evidence item (5.28): a file already in the evidence store (hashed while it was
/// uploaded), with a description; the intake starts its chain of custody.
pub async fn add_evidence(
    db: &Db,
    actor: &Actor,
    id: &str,
    sha256: &str,
    name: &str,
    description: &str,
    now: i64,
) -> Result<IncidentEvidenceRow, AppError> {
    required("description", description)?;
    let i = open_with_access(db, actor, id).await?;
    {
        let mut c = db.conn().await?;
        if !rows::evidence_hashes(&mut c.ex(), &actor.org_id).await?.iter().any(|h| h == sha256) {
            return Err(AppError::Validation(vec![("file".into(), "field-unknown-file".into())]));
        }
    }
    let e = IncidentEvidenceRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        incident_id: i.id.clone(),
        sha256: sha256.to_string(),
        name: name.to_string(),
        description: description.trim().to_string(),
        holder: actor.label.clone(),
        taken_at: now,
        taken_by: actor.label.clone(),
    };
    let mut tx = db.begin().await?;
    rows::insert_incident_evidence(&mut tx.ex(), &e).await?;
    let text = format!("intake sha256:{} {}", e.sha256, e.description);
    rows::insert_incident_event(&mut tx.ex(), &event(actor, id, "custody", Some(&e.id), &text, now)).await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Create,
            "incident_evidence",
            Some(&e.id),
            None,
            Some(neutral(i.number, "に証拠を受領")),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(e)
}

/// Records a hand-over of an evidence item (who holds it now, and why).
pub async fn hand_over(
    db: &Db,
    actor: &Actor,
    id: &str,
    evidence_id: &str,
    to: &str,
    note: &str,
    now: i64,
) -> Result<(), AppError> {
    required("holder", to)?;
    let i = open_with_access(db, actor, id).await?;
    // Only this incident's evidence changes hands here.
    let mine = {
        let mut c = db.conn().await?;
        rows::incident_evidence(&mut c.ex(), &actor.org_id, &i.id).await?.iter().any(|e| e.id == evidence_id)
    };
    if !mine {
        return Err(AppError::Validation(vec![("evidence".into(), "incident-evidence-not-of-incident".into())]));
    }
    let mut tx = db.begin().await?;
    if rows::set_evidence_holder(&mut tx.ex(), &actor.org_id, evidence_id, to.trim()).await? == 0 {
        return Err(AppError::NotFound);
    }
    let text = format!("→ {} {}", to.trim(), note.trim());
    rows::insert_incident_event(&mut tx.ex(), &event(actor, &i.id, "custody", Some(evidence_id), &text, now)).await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "incident_evidence",
            Some(evidence_id),
            None,
            Some(neutral(i.number, "の証拠の保管者を変更")),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records the decisions on disclosure and on reporting to authorities (managers; legal advice
/// is required before either, 5.24 III/IV).
pub async fn decide(
    db: &Db,
    actor: &Actor,
    id: &str,
    disclosure: &str,
    authorities: &str,
    now: i64,
) -> Result<IncidentRow, AppError> {
    if !is_manager(actor) {
        return Err(AppError::Forbidden);
    }
    required("disclosure", disclosure)?;
    required("authorities", authorities)?;
    let before = open_with_access(db, actor, id).await?;
    let after = IncidentRow {
        disclosure: Some(disclosure.trim().to_string()),
        authorities: Some(authorities.trim().to_string()),
        ..before.clone()
    };
    let text = format!("{} / {}", disclosure.trim(), authorities.trim());
    save(db, actor, &before, Some(after), event(actor, id, "decision", None, &text, now), now).await
}

/// Closes an incident with its lessons learned (5.27; they go to the management review).
pub async fn close(db: &Db, actor: &Actor, id: &str, lessons: &str, now: i64) -> Result<IncidentRow, AppError> {
    if !is_manager(actor) {
        return Err(AppError::Forbidden);
    }
    required("lessons", lessons)?;
    let before = open_with_access(db, actor, id).await?;
    let after = IncidentRow { state: "closed".into(), lessons: Some(lessons.trim().to_string()), ..before.clone() };
    save(db, actor, &before, Some(after), event(actor, id, "close", None, lessons, now), now).await
}

/// Raises a nonconformity with its corrective action (是正処置報告書) from an incident (10.2):
/// its report is a row of the `corrective_actions` register naming the incident by number only
/// (every employee reads that register), and it follows the nonconformity's life (action,
/// then an effectiveness check by another manager). Owner: `owner_id`, else the manager who
/// raises it.
pub async fn raise_corrective(
    db: &Db,
    actor: &Actor,
    id: &str,
    due: Date,
    owner_id: Option<&str>,
    now: i64,
) -> Result<String, AppError> {
    if !is_manager(actor) {
        return Err(AppError::Forbidden);
    }
    let before = load(db, actor, id).await?;
    if before.state != "open" && before.state != "closed" {
        return Err(AppError::Conflict);
    }
    if before.corrective_ref.is_some() {
        return Err(AppError::Conflict);
    }
    let n = crate::nonconformities::NewNonconformity {
        source: mamori_domain::nonconformity::Source::Incident,
        source_ref: Some(before.id.clone()),
        control_id: None,
        text: format!(
            "インシデント {} に起因する是正処置（詳細はインシデント記録を参照）",
            number_label(before.number)
        ),
        owner_id: match owner_id.filter(|o| !o.is_empty()) {
            Some(o) => o.to_string(),
            None => actor.user_id.clone().ok_or(AppError::Forbidden)?,
        },
        due,
    };
    let p = crate::nonconformities::prepare(db, actor, n, now).await?;
    let label = crate::nonconformities::number_label(p.record.number);
    let reference = format!("corrective_actions/{}", p.record.id);
    let after = IncidentRow {
        corrective_ref: Some(reference.clone()),
        version: before.version + 1,
        updated_at: now,
        ..before.clone()
    };
    let mut tx = db.begin().await?;
    if rows::update_incident(&mut tx.ex(), &after).await? == 0 {
        return Err(AppError::Conflict);
    }
    crate::nonconformities::apply(&mut tx, actor, &p, now).await?;
    rows::insert_incident_event(&mut tx.ex(), &event(actor, id, "corrective", None, &label, now)).await?;
    tx.commit().await?;
    Ok(reference)
}

/// An incident as its viewer may see it.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    /// The incident (without its decisions and lessons for a reporter without access).
    #[serde(flatten)]
    pub incident: IncidentRow,
    /// The log: everything with access; the report and the assessment otherwise.
    pub events: Vec<IncidentEventRow>,
    /// Evidence items, only with access.
    pub evidence: Option<Vec<IncidentEvidenceRow>>,
    /// People with need-to-know access (user ids), only with access.
    pub access: Option<Vec<String>>,
    /// The viewer may manage it (assess as 経営責任者, decide, close, notify).
    pub can_manage: bool,
    /// The viewer may assess it.
    pub can_assess: bool,
}

/// One incident: its reporter sees the report and its assessment; 経営責任者,
/// 情報セキュリティ管理者 and the people they added see everything.
pub async fn get(db: &Db, actor: &Actor, id: &str) -> Result<IncidentView, AppError> {
    let mut i = load(db, actor, id).await?;
    let access = has_access(db, actor, id).await?;
    let mine = actor.user_id.as_deref() == Some(i.reporter_id.as_str());
    if !access && !mine {
        return Err(AppError::Forbidden);
    }
    let mut c = db.conn().await?;
    let mut events = rows::incident_events(&mut c.ex(), &actor.org_id, id).await?;
    let (evidence, people) = if access {
        (
            Some(rows::incident_evidence(&mut c.ex(), &actor.org_id, id).await?),
            Some(rows::incident_access(&mut c.ex(), &actor.org_id, id).await?),
        )
    } else {
        events.retain(|e| e.kind == "report" || e.kind == "assess");
        i.disclosure = None;
        i.authorities = None;
        i.lessons = None;
        (None, None)
    };
    Ok(IncidentView {
        can_manage: is_manager(actor),
        can_assess: actor.role_keys.iter().any(|r| r == ROLE_TOP_MANAGEMENT) && i.state == "reported",
        incident: i,
        events,
        evidence,
        access: people,
    })
}

/// The evidence items of an incident (403 without access).
pub async fn evidence(db: &Db, actor: &Actor, id: &str) -> Result<Vec<IncidentEvidenceRow>, AppError> {
    if !has_access(db, actor, id).await? {
        return Err(AppError::Forbidden);
    }
    load(db, actor, id).await?;
    let mut c = db.conn().await?;
    Ok(rows::incident_evidence(&mut c.ex(), &actor.org_id, id).await?)
}

/// Incidents the viewer may see: all for managers; those they were added to; their own reports.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<IncidentRow>, AppError> {
    let me = uid(actor)?.to_string();
    let mut c = db.conn().await?;
    let all = rows::incidents(&mut c.ex(), &actor.org_id).await?;
    if is_manager(actor) {
        return Ok(all);
    }
    let granted = rows::incidents_granted_to(&mut c.ex(), &actor.org_id, &me).await?;
    Ok(all.into_iter().filter(|i| i.reporter_id == me || granted.contains(&i.id)).collect())
}

/// A corrective action past its due date and not closed.
#[derive(Debug, Clone, Serialize)]
pub struct OverdueAction {
    /// Register row id.
    pub row_id: String,
    /// 報告書番号.
    pub report_no: String,
    /// Due date.
    pub due: String,
    /// Owner.
    pub owner: String,
}

/// Corrective actions (rows of 是正処置報告書) due before `today` and not closed.
pub async fn overdue_corrective(db: &Db, actor: &Actor, today: Date) -> Result<Vec<OverdueAction>, AppError> {
    actor.require(Permission::RegistersView)?;
    // Only what the reader may read of the register (its view roles, 極秘 rows).
    match registers::definition(db, actor, "corrective_actions").await {
        Err(AppError::NotFound) => return Ok(vec![]),
        other => other?,
    };
    let rows: Vec<rows::RegisterRowRow> = {
        let mut c = db.conn().await?;
        rows::register_rows_all(&mut c.ex(), &actor.org_id, "corrective_actions", false).await?
    };
    let rows = rows
        .into_iter()
        .filter(|r| registers::access::row_visible(actor, &r.label, &registers::access::restriction(&r.restricted_to)));
    let today = today.to_string();
    let text = |v: &Map<String, Value>, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    Ok(rows
        .filter_map(|r| {
            let v: Map<String, Value> = serde_json::from_str(&r.values_json).ok()?;
            let due = text(&v, "due");
            let closed = matches!(v.get("closed"), Some(Value::Bool(true))) || text(&v, "closed") == "はい";
            (!due.is_empty() && due < today && !closed).then(|| OverdueAction {
                row_id: r.id,
                report_no: text(&v, "report_no"),
                owner: text(&v, "owner"),
                due,
            })
        })
        .collect())
}

/// Whether the actor has access to one of `incident_ids` (the incident part of "who may read
/// evidence X": a file taken in as incident evidence is for those with access).
pub async fn may_see_any(db: &Db, actor: &Actor, incident_ids: &[String]) -> Result<bool, AppError> {
    for id in incident_ids {
        if has_access(db, actor, id).await? {
            return Ok(true);
        }
    }
    Ok(false)
}
