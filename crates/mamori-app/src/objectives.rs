//! Information-security objectives (6.2) and their measurements (9.1): a title, how it is
//! measured (測定方法), a target with its unit and direction (≥ or ≤), an owner and a due date;
//! measurements over time; whether the latest meets the target (`mamori_domain::objective`).
//! Some measures are computed from the system's own records (`duty_completion_rate`,
//! `incidents_closed_in_time`): "record today's value" stores the computed value.
//!
//! Who may: objectives are communicated (6.2 d), so everyone holding `objectives.view` (every
//! seeded role) reads them, owners and measurements included; `objectives.manage`
//! (経営責任者, 情報セキュリティ管理者) sets them and records measurements.

use crate::audit;
use crate::{Actor, AppError, new_id, tokyo_date};
use jiff::civil::Date;
use mamori_domain::objective::{self as rules, Direction, IncidentSpan, Metric, Status};
use mamori_domain::permission::Permission;
use mamori_domain::schedule;
use mamori_store::Db;
use mamori_store::rows::{self, MeasurementRow, ObjectiveRow};
use serde::Serialize;

/// Longest title or unit.
pub const MAX_TITLE: usize = 200;
/// Longest unit.
pub const MAX_UNIT: usize = 20;
/// Longest measure description or note.
pub const MAX_TEXT: usize = 2000;

/// The objective number people see (OBJ-01).
pub fn number_label(n: i64) -> String {
    format!("OBJ-{n:02}")
}

/// How the system describes a computed measure (the objective's 測定方法 when none is typed).
pub fn metric_description(m: Metric) -> &'static str {
    match m {
        Metric::DutyCompletionRate => "今年度の定期業務のうち、期限を迎えたものに対する期限内の実施の割合（%）",
        Metric::IncidentsClosedInTime => "今年度のインシデントのうち、報告から 30 日以内に終結したものの割合（%）",
    }
}

/// A new objective, as typed (every field checked by [`create`]).
#[derive(Debug, Clone, Default)]
pub struct NewObjective {
    /// Title.
    pub title: String,
    /// 測定方法 (may be empty for a computed measure).
    pub measure: String,
    /// The computed measure's key, or empty (measured by hand).
    pub metric: String,
    /// Target (a number as typed).
    pub target: String,
    /// Unit (% for a computed measure).
    pub unit: String,
    /// at_least, at_most.
    pub direction: String,
    /// Owner (user id).
    pub owner_id: String,
    /// Due date (`YYYY-MM-DD`).
    pub due_on: String,
}

/// A measurement as read.
#[derive(Debug, Clone, Serialize)]
pub struct MeasurementView {
    /// The measurement.
    #[serde(flatten)]
    pub row: MeasurementRow,
    /// Who recorded it, by name.
    pub recorded_by_name: String,
}

/// An objective with its history and status.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectiveView {
    /// The objective.
    #[serde(flatten)]
    pub objective: ObjectiveRow,
    /// The owner's name.
    pub owner_name: String,
    /// Measurements, oldest first.
    pub measurements: Vec<MeasurementView>,
    /// Whether the latest measurement meets the target.
    pub status: Status,
}

impl ObjectiveView {
    /// The latest measurement (by day measured).
    pub fn latest(&self) -> Option<&MeasurementView> {
        self.measurements.last()
    }
}

type Problems = Vec<(String, String)>;

fn problem(p: &mut Problems, field: &str, key: &str) {
    p.push((field.to_string(), key.to_string()));
}

fn text(p: &mut Problems, field: &str, v: &str, max: usize, required: bool) -> String {
    let v = v.trim();
    if required && v.is_empty() {
        problem(p, field, "field-required");
    } else if v.chars().count() > max {
        problem(p, field, "field-too-long");
    }
    v.to_string()
}

fn date(p: &mut Problems, field: &str, v: &str) -> Option<Date> {
    match v.trim() {
        "" => {
            problem(p, field, "field-required");
            None
        }
        s => s.parse().map_err(|_| problem(p, field, "field-invalid-date")).ok(),
    }
}

fn number(p: &mut Problems, field: &str, v: &str) -> Option<i64> {
    if v.trim().is_empty() {
        problem(p, field, "field-required");
        return None;
    }
    let n = rules::parse_milli(v);
    if n.is_none() {
        problem(p, field, "field-not-number");
    }
    n
}

/// Sets an objective. Every problem at its field.
pub async fn create(db: &Db, actor: &Actor, n: NewObjective, now: i64) -> Result<ObjectiveRow, AppError> {
    actor.require(Permission::ObjectivesManage)?;
    let me = actor.user_id.clone().unwrap_or_else(|| actor.label.clone());
    let mut p = Problems::new();
    let title = text(&mut p, "title", &n.title, MAX_TITLE, true);
    let metric = match n.metric.trim() {
        "" => None,
        k => {
            let m = Metric::from_key(k);
            if m.is_none() {
                problem(&mut p, "metric", "field-not-a-choice");
            }
            m
        }
    };
    let mut measure = text(&mut p, "measure", &n.measure, MAX_TEXT, metric.is_none());
    if measure.is_empty()
        && let Some(m) = metric
    {
        measure = metric_description(m).to_string();
    }
    let target = number(&mut p, "target", &n.target);
    let mut unit = text(&mut p, "unit", &n.unit, MAX_UNIT, metric.is_none());
    if metric.is_some() {
        unit = "%".to_string();
    }
    let direction = Direction::from_key(n.direction.trim());
    if direction.is_none() {
        problem(
            &mut p,
            "direction",
            if n.direction.trim().is_empty() { "field-required" } else { "field-not-a-choice" },
        );
    }
    let owner = {
        let mut c = db.conn().await?;
        rows::user_by_id(&mut c.ex(), &actor.org_id, n.owner_id.trim()).await?.filter(|u| u.disabled == 0)
    };
    if owner.is_none() {
        problem(
            &mut p,
            "owner_id",
            if n.owner_id.trim().is_empty() { "field-required" } else { "field-unknown-person" },
        );
    }
    let due = date(&mut p, "due_on", &n.due_on);
    let (Some(target), Some(direction), Some(owner), Some(due), true) = (target, direction, owner, due, p.is_empty())
    else {
        return Err(AppError::Validation(p));
    };
    let mut tx = db.begin().await?;
    tx.lock_org(&actor.org_id).await?;
    let row = ObjectiveRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        number: rows::next_objective_number(&mut tx.ex(), &actor.org_id).await?,
        title,
        measure,
        metric: metric.map(|m| m.key().to_string()),
        target_milli: target,
        unit,
        direction: direction.key().to_string(),
        owner_id: owner.id,
        due_on: due.to_string(),
        created_by: me,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    rows::insert_objective(&mut tx.ex(), &row).await?;
    audit::created(
        &mut tx,
        actor,
        "objective",
        &row.id,
        &serde_json::json!({"number": number_label(row.number), "title": row.title, "metric": row.metric,
            "target_milli": row.target_milli, "direction": row.direction, "due_on": row.due_on}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

fn views(objectives: Vec<ObjectiveRow>, all: Vec<MeasurementRow>, users: &[rows::UserRow]) -> Vec<ObjectiveView> {
    let name = |id: &str| users.iter().find(|u| u.id == id).map(|u| u.display_name.clone()).unwrap_or_default();
    objectives
        .into_iter()
        .map(|o| {
            let measurements: Vec<MeasurementView> = all
                .iter()
                .filter(|m| m.objective_id == o.id)
                .map(|m| MeasurementView { recorded_by_name: name(&m.recorded_by), row: m.clone() })
                .collect();
            let direction = Direction::from_key(&o.direction).unwrap_or(Direction::AtLeast);
            let status = rules::status(direction, o.target_milli, measurements.last().map(|m| m.row.value_milli));
            ObjectiveView { owner_name: name(&o.owner_id), objective: o, measurements, status }
        })
        .collect()
}

/// Every objective with its measurements and status, in number order.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<ObjectiveView>, AppError> {
    actor.require(Permission::ObjectivesView)?;
    let mut c = db.conn().await?;
    let objectives = rows::objectives(&mut c.ex(), &actor.org_id).await?;
    let all = rows::measurements(&mut c.ex(), &actor.org_id).await?;
    let users = rows::list_users(&mut c.ex(), &actor.org_id).await?;
    Ok(views(objectives, all, &users))
}

/// One objective.
pub async fn get(db: &Db, actor: &Actor, id: &str) -> Result<ObjectiveView, AppError> {
    list(db, actor).await?.into_iter().find(|o| o.objective.id == id).ok_or(AppError::NotFound)
}

/// The objectives as of `day` for the management review (no permission: the review's use
/// case checks its own): each with the measurements taken by then.
pub(crate) async fn as_of(c: &mut mamori_store::Conn, org_id: &str, day: &str) -> Result<Vec<ObjectiveView>, AppError> {
    let objectives: Vec<ObjectiveRow> = rows::objectives(&mut c.ex(), org_id)
        .await?
        .into_iter()
        .filter(|o| tokyo_date(o.created_at).to_string().as_str() <= day)
        .collect();
    let all: Vec<MeasurementRow> =
        rows::measurements(&mut c.ex(), org_id).await?.into_iter().filter(|m| m.measured_on.as_str() <= day).collect();
    let users = rows::list_users(&mut c.ex(), org_id).await?;
    Ok(views(objectives, all, &users))
}

#[allow(clippy::too_many_arguments)]
async fn insert_measurement(
    db: &Db,
    actor: &Actor,
    o: &ObjectiveRow,
    measured_on: Date,
    value: i64,
    note: String,
    computed: bool,
    now: i64,
) -> Result<MeasurementRow, AppError> {
    let m = MeasurementRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        objective_id: o.id.clone(),
        measured_on: measured_on.to_string(),
        value_milli: value,
        note,
        computed: i64::from(computed),
        recorded_by: actor.user_id.clone().unwrap_or_else(|| actor.label.clone()),
        created_at: now,
    };
    let mut tx = db.begin().await?;
    rows::insert_measurement(&mut tx.ex(), &m).await?;
    audit::created(
        &mut tx,
        actor,
        "objective_measurement",
        &m.id,
        &serde_json::json!({"objective": number_label(o.number), "measured_on": m.measured_on,
            "value_milli": m.value_milli, "computed": computed}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

async fn objective_row(db: &Db, actor: &Actor, id: &str) -> Result<ObjectiveRow, AppError> {
    let mut c = db.conn().await?;
    rows::objective(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)
}

/// Records a measurement typed by a person (not after `today`). Every problem at its field.
#[allow(clippy::too_many_arguments)]
pub async fn record_measurement(
    db: &Db,
    actor: &Actor,
    id: &str,
    measured_on: &str,
    value: &str,
    note: &str,
    today: Date,
    now: i64,
) -> Result<MeasurementRow, AppError> {
    actor.require(Permission::ObjectivesManage)?;
    let o = objective_row(db, actor, id).await?;
    let mut p = Problems::new();
    let on = date(&mut p, "measured_on", measured_on);
    if on.is_some_and(|d| d > today) {
        problem(&mut p, "measured_on", "objective-future-date");
    }
    let v = number(&mut p, "value", value);
    let note = text(&mut p, "note", note, MAX_TEXT, false);
    let (Some(on), Some(v), true) = (on, v, p.is_empty()) else {
        return Err(AppError::Validation(p));
    };
    insert_measurement(db, actor, &o, on, v, note, false, now).await
}

/// The value of a computed measure as of `today` (`None` while nothing was due).
pub async fn compute(db: &Db, actor: &Actor, metric: Metric, today: Date) -> Result<Option<i64>, AppError> {
    actor.require(Permission::ObjectivesView)?;
    crate::duties::ensure_materialized(db, &actor.org_id, today).await?;
    let mut c = db.conn().await?;
    let org = actor.org_id.as_str();
    let duties = rows::duties(&mut c.ex(), org).await?;
    let start = duties
        .iter()
        .find(|d| d.decision == "scheduled")
        .and_then(|d| u8::try_from(d.fiscal_year_start).ok())
        .unwrap_or(4);
    let first = schedule::fiscal_year_start_date(schedule::fiscal_year(today, start), start);
    match metric {
        Metric::DutyCompletionRate => {
            let active: Vec<&str> =
                duties.iter().filter(|d| d.decision == "scheduled" && d.active != 0).map(|d| d.id.as_str()).collect();
            let states: Vec<schedule::OccurrenceState> =
                rows::occurrences_between(&mut c.ex(), org, &first.to_string(), &today.to_string())
                    .await?
                    .iter()
                    .filter(|o| active.contains(&o.duty_id.as_str()))
                    .filter_map(|o| {
                        let due = o.due.parse().ok()?;
                        let done = o.done_on.as_deref().and_then(|d| d.parse().ok());
                        Some(schedule::state(due, done, o.state == "skipped", today))
                    })
                    .collect();
            Ok(rules::duty_completion_rate(&states))
        }
        Metric::IncidentsClosedInTime => {
            let mut spans = Vec::new();
            for i in rows::incidents(&mut c.ex(), org).await? {
                let reported = tokyo_date(i.created_at);
                if reported < first || reported > today || i.state == "not_incident" {
                    continue;
                }
                let closed_on = if i.state == "closed" {
                    let events = rows::incident_events(&mut c.ex(), org, &i.id).await?;
                    events.iter().rev().find(|e| e.kind == "close").map(|e| tokyo_date(e.at_ms))
                } else {
                    None
                };
                spans.push(IncidentSpan { reported_on: reported, closed_on });
            }
            Ok(rules::incidents_closed_in_time(&spans, today))
        }
    }
}

/// Records today's value of a computed objective. `Conflict` for an objective measured by
/// hand; a validation problem at `value` while nothing was due to compute it from.
pub async fn record_computed(
    db: &Db,
    actor: &Actor,
    id: &str,
    today: Date,
    now: i64,
) -> Result<MeasurementRow, AppError> {
    actor.require(Permission::ObjectivesManage)?;
    let o = objective_row(db, actor, id).await?;
    let metric = o.metric.as_deref().and_then(Metric::from_key).ok_or(AppError::Conflict)?;
    let Some(v) = compute(db, actor, metric, today).await? else {
        return Err(AppError::Validation(vec![("value".into(), "objective-nothing-to-compute".into())]));
    };
    insert_measurement(db, actor, &o, today, v, "システムの記録から算出".into(), true, now).await
}

/// The people who may own an objective: active users of the organisation, (id, name).
pub async fn owners(db: &Db, actor: &Actor) -> Result<Vec<(String, String)>, AppError> {
    actor.require(Permission::ObjectivesManage)?;
    let mut c = db.conn().await?;
    Ok(rows::list_users(&mut c.ex(), &actor.org_id)
        .await?
        .into_iter()
        .filter(|u| u.disabled == 0)
        .map(|u| (u.id, u.display_name))
        .collect())
}
