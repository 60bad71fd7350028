//! Nonconformity and corrective action (10.2) for every source. The report is a row of the
//! 是正処置報告書 register (`corrective_actions`: nonconformity, correction, root cause, action,
//! owner, due date, effectiveness, closed); the `nonconformity` table holds its source, the
//! control it names and its life, ruled by `mamori_domain::nonconformity::decide`: the owner
//! (or a manager) records the action, a manager other than the person who acted checks
//! effectiveness, and only an effective check closes it.
//!
//! Who may: raising and checking are for 経営責任者 and 情報セキュリティ管理者; the owner also
//! records the action. Reading follows the register (`registers.view`; every employee reads
//! the 是正処置報告書): a nonconformity raised from an incident names the incident by number
//! only.

use crate::audit::{self, Entry};
use crate::{Actor, AppError, registers};

pub mod missed;
use jiff::civil::Date;
use mamori_domain::audit::AuditAction;
use mamori_domain::nonconformity::{self as rules, Facts, Refusal, Source, State, Step};
use mamori_domain::permission::{Permission, ROLE_SECURITY_MANAGER, ROLE_TOP_MANAGEMENT};
use mamori_store::Db;
use mamori_store::rows::{self, NonconformityRow};
use serde::Serialize;
use serde_json::{Map, Value};

/// The register holding the reports.
pub const REGISTER: &str = "corrective_actions";

/// Whether the actor manages nonconformities (経営責任者 or 情報セキュリティ管理者).
pub fn is_manager(actor: &Actor) -> bool {
    actor.role_keys.iter().any(|r| r == ROLE_TOP_MANAGEMENT || r == ROLE_SECURITY_MANAGER)
}

/// The report number people see (NC-0001).
pub fn number_label(n: i64) -> String {
    format!("NC-{n:04}")
}

/// A new nonconformity.
#[derive(Debug, Clone)]
pub struct NewNonconformity {
    /// Where it comes from.
    pub source: Source,
    /// The incident, finding or duty it came from.
    pub source_ref: Option<String>,
    /// The Annex A control it names.
    pub control_id: Option<String>,
    /// 不適合の内容.
    pub text: String,
    /// Owner (a user id of the organisation).
    pub owner_id: String,
    /// 期限.
    pub due: Date,
}

/// A nonconformity with its report.
#[derive(Debug, Clone, Serialize)]
pub struct NonconformityView {
    /// The life.
    #[serde(flatten)]
    pub record: NonconformityRow,
    /// The report's values (the register row).
    pub report: Map<String, Value>,
}

fn refusal(r: Refusal) -> AppError {
    match r {
        Refusal::Forbidden => AppError::Forbidden,
        Refusal::SeparationOfDuties => AppError::SeparationOfDuties,
        Refusal::WrongState => AppError::Conflict,
        Refusal::Missing(fields) => {
            AppError::Validation(fields.into_iter().map(|f| (f.to_string(), "field-required".to_string())).collect())
        }
    }
}

/// Raises a nonconformity (経営責任者 and 情報セキュリティ管理者): its report row and its
/// record, in one transaction.
pub async fn raise(db: &Db, actor: &Actor, n: NewNonconformity, now: i64) -> Result<NonconformityView, AppError> {
    if !is_manager(actor) {
        return Err(AppError::Forbidden);
    }
    let p = prepare(db, actor, n, now).await?;
    let mut tx = db.begin().await?;
    apply(&mut tx, actor, &p, now).await?;
    tx.commit().await?;
    get(db, actor, &p.record.id).await
}

/// A validated nonconformity, ready to be written in a caller's transaction.
pub(crate) struct Prepared {
    /// The record (its id is the report row's).
    pub record: NonconformityRow,
    report: registers::Prepared,
}

/// Validates a nonconformity for a use case that checked its own permission (an internal
/// audit's finding, recorded by its auditor): every problem at its field.
pub(crate) async fn prepare(db: &Db, actor: &Actor, n: NewNonconformity, now: i64) -> Result<Prepared, AppError> {
    let mut problems = Vec::new();
    crate::checks::text(&mut problems, "nonconformity", &n.text, crate::checks::MAX_TEXT, true);
    if let Some(c) = &n.control_id
        && mamori_regulation::catalogue::control(c).is_none()
    {
        problems.push(("control_id".to_string(), "field-unknown-control".to_string()));
    }
    let (owner, number) = {
        let mut c = db.conn().await?;
        (
            rows::user_by_id(&mut c.ex(), &actor.org_id, &n.owner_id).await?.filter(|u| u.disabled == 0),
            rows::next_nonconformity_number(&mut c.ex(), &actor.org_id).await?,
        )
    };
    if n.owner_id.trim().is_empty() {
        problems.push(("owner_id".to_string(), "field-choose-person".to_string()));
    } else if owner.is_none() {
        problems.push(("owner_id".to_string(), "field-unknown-person".to_string()));
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let owner = owner.ok_or(AppError::NotFound)?;
    let mut v = Map::new();
    v.insert("report_no".into(), Value::from(number_label(number)));
    v.insert("source".into(), Value::from(n.source.register_choice()));
    v.insert("nonconformity".into(), Value::from(n.text.trim()));
    v.insert("owner".into(), Value::from(owner.display_name.clone()));
    v.insert("due".into(), Value::from(n.due.to_string()));
    let p = registers::prepare_create(db, actor, REGISTER, &v, None, now).await?;
    let record = NonconformityRow {
        id: p.row.id.clone(),
        org_id: actor.org_id.clone(),
        number,
        source: n.source.key().to_string(),
        source_ref: n.source_ref,
        control_id: n.control_id,
        state: State::Open.key().to_string(),
        owner_id: Some(owner.id),
        acted_by: None,
        acted_at: None,
        checked_by: None,
        checked_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    Ok(Prepared { record, report: p })
}

/// Writes a prepared nonconformity (report row, record, audit rows) in the caller's
/// transaction.
pub(crate) async fn apply(tx: &mut mamori_store::Tx, actor: &Actor, p: &Prepared, now: i64) -> Result<(), AppError> {
    let record = &p.record;
    registers::apply(tx, actor, &p.report, now).await?;
    rows::insert_nonconformity(&mut tx.ex(), record).await?;
    audit::append(
        tx,
        Entry::by(
            actor,
            AuditAction::Create,
            "nonconformity",
            Some(&record.id),
            None,
            Some(serde_json::json!({"number": number_label(record.number), "source": record.source, "control": record.control_id})),
        ),
        now,
    )
    .await
}

async fn step(
    db: &Db,
    actor: &Actor,
    id: &str,
    s: Step<'_>,
    patch: Map<String, Value>,
    now: i64,
) -> Result<NonconformityView, AppError> {
    actor.require(Permission::RegistersView)?;
    let me = actor.user_id.as_deref().ok_or(AppError::Forbidden)?;
    let mut long = Vec::new();
    for (field, v) in &patch {
        if v.as_str().is_some_and(|t| t.chars().count() > crate::checks::MAX_TEXT) {
            crate::checks::problem(&mut long, field, "field-too-long");
        }
    }
    crate::checks::done(long)?;
    let before = {
        let mut c = db.conn().await?;
        rows::nonconformity(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)?
    };
    let state = State::from_key(&before.state).ok_or_else(|| AppError::Internal("unknown state".into()))?;
    let facts = Facts {
        state,
        owner_id: before.owner_id.as_deref(),
        acted_by: before.acted_by.as_deref(),
        user_id: me,
        manager: is_manager(actor),
    };
    let next = rules::decide(&facts, &s).map_err(refusal)?;
    let mut after = NonconformityRow {
        state: next.key().to_string(),
        version: before.version + 1,
        updated_at: now,
        ..before.clone()
    };
    match s {
        Step::RecordAction { .. } => {
            after.acted_by = Some(me.to_string());
            after.acted_at = Some(now);
        }
        Step::Check { .. } => {
            after.checked_by = Some(me.to_string());
            after.checked_at = Some(now);
            if next == State::Open {
                // Not effective: the action is to be taken again.
                after.acted_by = None;
                after.acted_at = None;
            }
        }
    }
    let p = registers::prepare_patch(db, actor, REGISTER, id, &patch, now).await?;
    let mut tx = db.begin().await?;
    if rows::update_nonconformity(&mut tx.ex(), &after).await? == 0 {
        return Err(AppError::Conflict);
    }
    registers::apply(&mut tx, actor, &p, now).await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "nonconformity",
            Some(id),
            Some(serde_json::json!({"state": before.state})),
            Some(serde_json::json!({"number": number_label(before.number), "state": after.state})),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// Records the correction, the root cause and the corrective action (the owner or a manager).
pub async fn record_action(
    db: &Db,
    actor: &Actor,
    id: &str,
    correction: &str,
    root_cause: &str,
    action: &str,
    now: i64,
) -> Result<NonconformityView, AppError> {
    let mut patch = Map::new();
    patch.insert("correction".into(), Value::from(correction.trim()));
    patch.insert("root_cause".into(), Value::from(root_cause.trim()));
    patch.insert("action".into(), Value::from(action.trim()));
    step(db, actor, id, Step::RecordAction { correction, root_cause, action }, patch, now).await
}

/// Checks effectiveness (a manager other than the person who acted): effective closes it,
/// not effective reopens it.
pub async fn check(
    db: &Db,
    actor: &Actor,
    id: &str,
    effective: bool,
    text: &str,
    today: Date,
    now: i64,
) -> Result<NonconformityView, AppError> {
    let mut patch = Map::new();
    patch.insert("effectiveness".into(), Value::from(text.trim()));
    patch.insert("reviewed_on".into(), Value::from(today.to_string()));
    patch.insert("closed".into(), Value::from(effective));
    step(db, actor, id, Step::Check { effective, text }, patch, now).await
}

/// One nonconformity with its report.
pub async fn get(db: &Db, actor: &Actor, id: &str) -> Result<NonconformityView, AppError> {
    actor.require(Permission::RegistersView)?;
    let record = {
        let mut c = db.conn().await?;
        rows::nonconformity(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)?
    };
    let row = registers::get(db, actor, REGISTER, id).await?;
    Ok(NonconformityView { record, report: row.values })
}

/// Every nonconformity of the organisation, by number (records only).
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<NonconformityRow>, AppError> {
    actor.require(Permission::RegistersView)?;
    let mut c = db.conn().await?;
    Ok(rows::nonconformities(&mut c.ex(), &actor.org_id).await?)
}

/// Every nonconformity with its report, by number.
pub async fn overview(db: &Db, actor: &Actor) -> Result<Vec<NonconformityView>, AppError> {
    actor.require(Permission::RegistersView)?;
    let mut c = db.conn().await?;
    let records = rows::nonconformities(&mut c.ex(), &actor.org_id).await?;
    let reports = rows::register_rows_all(&mut c.ex(), &actor.org_id, REGISTER, false).await?;
    Ok(records
        .into_iter()
        .map(|record| {
            let report = reports
                .iter()
                .find(|r| r.id == record.id)
                .and_then(|r| serde_json::from_str::<Map<String, Value>>(&r.values_json).ok())
                .unwrap_or_default();
            NonconformityView { record, report }
        })
        .collect())
}

/// The record a nonconformity came from, for a link: (`incident`|`internal_audit`|`duty`, its
/// id, its number — the incident's or the audit's — or the duty's title). None for a finding without a record.
pub async fn origin(
    db: &Db,
    actor: &Actor,
    n: &NonconformityRow,
) -> Result<Option<(String, String, String)>, AppError> {
    actor.require(Permission::RegistersView)?;
    let Some(r) = n.source_ref.as_deref() else { return Ok(None) };
    // A drill or test: named by its subject, for readers of its register (read before the
    // connection below is taken).
    if Source::from_key(&n.source) == Some(Source::ContinuityTest) {
        return match registers::get(db, actor, mamori_domain::bcp::DRILLS_REGISTER, r).await {
            Ok(row) => Ok(Some((
                "continuity_test".into(),
                row.id,
                row.values.get("subject").and_then(Value::as_str).unwrap_or_default().to_string(),
            ))),
            Err(AppError::NotFound | AppError::Forbidden) => Ok(None),
            Err(e) => Err(e),
        };
    }
    let mut c = db.conn().await?;
    let org = actor.org_id.as_str();
    Ok(match Source::from_key(&n.source) {
        Some(Source::Incident) => {
            rows::incident(&mut c.ex(), org, r).await?.map(|i| ("incident".into(), i.id, i.number.to_string()))
        }
        Some(Source::InternalAudit) => match rows::audit_finding(&mut c.ex(), org, r).await? {
            Some(f) => rows::internal_audit(&mut c.ex(), org, &f.audit_id)
                .await?
                .map(|a| ("internal_audit".into(), a.id, a.number.to_string())),
            None => None,
        },
        Some(Source::MissedDuty) => rows::duty(&mut c.ex(), org, r).await?.map(|d| ("duty".into(), d.id, d.title)),
        _ => None,
    })
}
