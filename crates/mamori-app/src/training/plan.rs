//! The yearly plan of a course: who is assigned for a fiscal year (by the plan, by hand, or as
//! a drill's follow-up), with a due date; the progress — who passed (date, score), who has not
//! finished, who is overdue —; and the row of 教育・訓練計画表 (`training_plan`) mamori keeps for
//! each planned course and year (研修名, 対象者, 予定日, 実施日 = the latest pass, 参加者数 =
//! the people passed, 教材), written through the register engine with its history and audit
//! row. mamori remembers the id of the row it created and only ever changes that one; a row
//! deleted by hand is not brought back, and fields a person fills in (講師, 有効性の評価) are
//! kept.

use super::{CourseView, fiscal_year, may_manage, row_for};
use crate::checks::{self, Problems};
use crate::{Actor, AppError, new_id, registers};
use jiff::civil::Date;
use mamori_domain::people as people_rules;
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::{self, AssignmentRow, AttemptRow, PersonRow, TrainingPlanRow};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The register the plan is kept in (教育・訓練計画表).
pub const REGISTER: &str = "training_plan";

/// Why a person is assigned a course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The yearly plan.
    Plan,
    /// Added by hand.
    ByHand,
    /// The follow-up of a drill (a targeted-mail drill's clickers).
    Drill,
}

impl Reason {
    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            Reason::Plan => "plan",
            Reason::ByHand => "by_hand",
            Reason::Drill => "drill",
        }
    }
}

fn active_on(p: &PersonRow, day: Date) -> bool {
    p.left_on.as_deref().is_none_or(|d| d > day.to_string().as_str())
}

/// Assigns a course for a fiscal year to people of the directory, due on `due_on`, for
/// `reason`. For other capabilities too: the targeted-mail drill assigns the people who clicked
/// with [`Reason::Drill`].
///
/// - Needs `training.manage` (経営責任者, 情報セキュリティ管理者); the course must exist in the
///   actor's organisation (`NotFound` otherwise), as must every person (`Validation` at
///   `person_id` when one is unknown, nothing written).
/// - A person assigned the course for that year already keeps their assignment (its reason and
///   due date); the answer is how many were newly assigned.
/// - Each new assignment writes an audit row (`training_assignment`), all in one transaction.
/// - The assigned people get the reminder mails (see [`super::reminders`]) and see the course
///   in `GET /api/v1/me/tasks` until they pass.
#[allow(clippy::too_many_arguments)]
pub async fn assign(
    db: &Db,
    actor: &Actor,
    course_id: &str,
    fiscal_year: i16,
    person_ids: &[String],
    reason: Reason,
    due_on: Date,
    now: i64,
) -> Result<usize, AppError> {
    actor.require(Permission::TrainingManage)?;
    row_for(db, actor, course_id).await?;
    let people = {
        let mut c = db.conn().await?;
        rows::people(&mut c.ex(), &actor.org_id).await?
    };
    if person_ids.iter().any(|id| !people.iter().any(|p| &p.id == id)) {
        return Err(AppError::Validation(vec![("person_id".into(), "field-unknown-person".into())]));
    }
    let mut tx = db.begin().await?;
    let n = assign_in(&mut tx, actor, course_id, fiscal_year, person_ids, reason, due_on, now).await?;
    tx.commit().await?;
    Ok(n)
}

/// A joiner (6.3, #17 2): a person added to the directory is assigned every course of this
/// fiscal year's plans (the plan's audience being everyone in scope), due on the plan's date or,
/// when that has passed, 30 days from `today`. Done as `actor` when they hold `training.manage`,
/// else as the system (the plan was decided by a manager). Returns how many were assigned.
pub async fn join(db: &Db, actor: &Actor, person_id: &str, today: Date, now: i64) -> Result<usize, AppError> {
    let year = fiscal_year(today);
    let (plans, person) = {
        let mut c = db.conn().await?;
        (
            rows::training_plans(&mut c.ex(), &actor.org_id).await?,
            rows::person(&mut c.ex(), &actor.org_id, person_id).await?,
        )
    };
    let Some(person) = person.filter(|p| active_on(p, today)) else { return Ok(0) };
    let system = Actor::cli(&actor.org_id);
    let by = if actor.grants.has(Permission::TrainingManage) { actor } else { &system };
    let soon = today.checked_add(jiff::Span::new().days(30)).map_err(crate::error::internal)?;
    let mut n = 0;
    for plan in plans.iter().filter(|p| p.fiscal_year == i64::from(year)) {
        let due = plan.due_on.parse::<Date>().ok().filter(|d| *d >= today).unwrap_or(soon);
        let mut tx = db.begin().await?;
        n += assign_in(&mut tx, by, &plan.course_id, year, std::slice::from_ref(&person.id), Reason::Plan, due, now)
            .await?;
        tx.commit().await?;
    }
    Ok(n)
}

#[allow(clippy::too_many_arguments)]
async fn assign_in(
    tx: &mut mamori_store::Tx,
    actor: &Actor,
    course_id: &str,
    fiscal_year: i16,
    person_ids: &[String],
    reason: Reason,
    due_on: Date,
    now: i64,
) -> Result<usize, AppError> {
    let mut n = 0;
    for pid in person_ids {
        let a = AssignmentRow {
            id: new_id(),
            org_id: actor.org_id.clone(),
            course_id: course_id.to_string(),
            fiscal_year: i64::from(fiscal_year),
            person_id: pid.clone(),
            reason: reason.key().into(),
            due_on: due_on.to_string(),
            created_by: actor.label.clone(),
            created_at: now,
        };
        if rows::insert_assignment(&mut tx.ex(), &a).await? {
            crate::audit::created(tx, actor, "training_assignment", &a.id, &a, now).await?;
            n += 1;
        }
    }
    Ok(n)
}

/// What the form adding one person by hand gives.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct AddInput {
    /// The person.
    pub person_id: String,
    /// Fiscal year (empty: this one).
    #[serde(deserialize_with = "super::num_text")]
    pub fiscal_year: String,
    /// Due date (YYYY-MM-DD).
    pub due_on: String,
}

/// Assigns one person by hand (`training.manage`; [`Reason::ByHand`]), every problem at its
/// field; answers how many were newly assigned (0 when they were assigned for that year
/// already).
pub async fn add_person(
    db: &Db,
    actor: &Actor,
    course_id: &str,
    input: &AddInput,
    today: Date,
    now: i64,
) -> Result<usize, AppError> {
    actor.require(Permission::TrainingManage)?;
    row_for(db, actor, course_id).await?;
    let mut p: Problems = Vec::new();
    let person = {
        let mut c = db.conn().await?;
        rows::person(&mut c.ex(), &actor.org_id, input.person_id.trim()).await?
    };
    if input.person_id.trim().is_empty() {
        checks::problem(&mut p, "person_id", "field-required");
    } else if person.is_none() {
        checks::problem(&mut p, "person_id", "field-unknown-person");
    }
    let year = match super::parse_number(&input.fiscal_year) {
        Some(y) if (2000..=2100).contains(&y) => y as i16,
        Some(_) => {
            checks::problem(&mut p, "fiscal_year", "training-year-range");
            0
        }
        None if input.fiscal_year.trim().is_empty() => fiscal_year(today),
        None => {
            checks::problem(&mut p, "fiscal_year", "field-not-integer");
            0
        }
    };
    let due: Option<Date> = input.due_on.trim().parse().ok().filter(|_| people_rules::is_date(input.due_on.trim()));
    if input.due_on.trim().is_empty() {
        checks::problem(&mut p, "due_on", "field-required");
    } else if due.is_none() {
        checks::problem(&mut p, "due_on", "field-not-date");
    }
    checks::done(p)?;
    let (Some(person), Some(due)) = (person, due) else { return Err(AppError::NotFound) };
    assign(db, actor, course_id, year, &[person.id], Reason::ByHand, due, now).await
}

/// What the plan form or the API gives: the fiscal year, the due date and, optionally, the
/// department and kind of person it is for (empty: every active person).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct PlanInput {
    /// Fiscal year (e.g. `2026` for 2026-04 … 2027-03; empty: this one).
    #[serde(deserialize_with = "super::num_text")]
    pub fiscal_year: String,
    /// Due date (YYYY-MM-DD).
    pub due_on: String,
    /// Department (empty: any).
    pub department: String,
    /// Kind of person (empty: any).
    pub kind: String,
}

/// What making a plan did.
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    /// The plan.
    pub plan: TrainingPlanRow,
    /// People newly assigned.
    pub assigned: usize,
}

/// The Japanese labels of the kinds of person (the register's 対象者 is shown as is).
fn kind_ja(k: &str) -> &'static str {
    match k {
        "employee" => "社員",
        "officer" => "役員",
        "part_time" => "パート・アルバイト",
        "contractor" => "契約社員・派遣",
        "outsourced" => "委託先要員",
        _ => "",
    }
}

fn audience(department: &str, kind: &str) -> String {
    match (department.is_empty(), kind.is_empty()) {
        (true, true) => "在籍者全員".into(),
        (false, true) => format!("{department}の在籍者"),
        (true, false) => format!("在籍する{}", kind_ja(kind)),
        (false, false) => format!("{department}の{}", kind_ja(kind)),
    }
}

/// Makes (or extends) the plan of a course for a fiscal year (`training.manage`): every active
/// person of the directory (of the department and kind, when given) is assigned with the due
/// date, and the 教育・訓練計画表 row is created (or brought up to date, when mamori created it
/// before). Made again, it assigns whoever joined since and moves the due date of everyone the
/// plan assigned (people assigned by hand or by a drill keep theirs).
pub async fn make(
    db: &Db,
    actor: &Actor,
    course_id: &str,
    input: &PlanInput,
    today: Date,
    now: i64,
) -> Result<Planned, AppError> {
    actor.require(Permission::TrainingManage)?;
    let course = row_for(db, actor, course_id).await?;
    let mut p: Problems = Vec::new();
    let year = match super::parse_number(&input.fiscal_year) {
        Some(y) if (2000..=2100).contains(&y) => y as i16,
        Some(_) => {
            checks::problem(&mut p, "fiscal_year", "training-year-range");
            0
        }
        None if input.fiscal_year.trim().is_empty() => fiscal_year(today),
        None => {
            checks::problem(&mut p, "fiscal_year", "field-not-integer");
            0
        }
    };
    let due: Option<Date> = input.due_on.trim().parse().ok().filter(|_| people_rules::is_date(input.due_on.trim()));
    if input.due_on.trim().is_empty() {
        checks::problem(&mut p, "due_on", "field-required");
    } else if due.is_none() {
        checks::problem(&mut p, "due_on", "field-not-date");
    }
    let department = checks::text(&mut p, "department", &input.department, checks::MAX_TITLE, false);
    let kind = input.kind.trim().to_string();
    if !kind.is_empty() && !people_rules::is_kind(&kind) {
        checks::problem(&mut p, "kind", "field-not-a-choice");
    }
    checks::done(p)?;
    let due = due.ok_or(AppError::Validation(vec![("due_on".into(), "field-not-date".into())]))?;
    let people = {
        let mut c = db.conn().await?;
        rows::people(&mut c.ex(), &actor.org_id).await?
    };
    let ids: Vec<String> = people
        .iter()
        .filter(|p| active_on(p, today))
        .filter(|p| department.is_empty() || p.department == department)
        .filter(|p| kind.is_empty() || p.kind == kind)
        .map(|p| p.id.clone())
        .collect();
    let existing = {
        let mut c = db.conn().await?;
        rows::training_plan(&mut c.ex(), &actor.org_id, course_id, i64::from(year)).await?
    };
    let who = audience(&department, &kind);
    let values = register_values(&course, year, &who, due, None, None)?;
    // The register row: a new one the first time; later only mamori's own row, if it is live.
    let prepared = match existing.as_ref().and_then(|e| e.register_row_id.clone()) {
        None => Some(registers::prepare_create(db, actor, REGISTER, &values, None, now).await?),
        Some(row_id) => {
            let patch = obj(json!({"title": values.get("title"), "audience": who, "planned_on": due.to_string(),
                                   "materials": values.get("materials")}));
            match registers::prepare_patch(db, actor, REGISTER, &row_id, &patch, now).await {
                Ok(p) => Some(p),
                Err(AppError::NotFound) => None,
                Err(e) => return Err(e),
            }
        }
    };
    let mut tx = db.begin().await?;
    if let Some(p) = &prepared {
        registers::apply(&mut tx, actor, p, now).await?;
    }
    let plan = match existing {
        Some(before) => {
            let after = TrainingPlanRow {
                due_on: due.to_string(),
                audience: who.clone(),
                register_row_id: before.register_row_id.clone().or_else(|| prepared.as_ref().map(|p| p.row.id.clone())),
                updated_at: now,
                ..before.clone()
            };
            rows::update_training_plan(&mut tx.ex(), &after).await?;
            rows::move_plan_due(&mut tx.ex(), &actor.org_id, course_id, i64::from(year), &after.due_on).await?;
            crate::audit::updated(&mut tx, actor, "training_plan", &after.id, &before, &after, now).await?;
            after
        }
        None => {
            let plan = TrainingPlanRow {
                id: new_id(),
                org_id: actor.org_id.clone(),
                course_id: course_id.to_string(),
                fiscal_year: i64::from(year),
                due_on: due.to_string(),
                audience: who.clone(),
                register_row_id: prepared.as_ref().map(|p| p.row.id.clone()),
                created_by: actor.label.clone(),
                created_at: now,
                updated_at: now,
            };
            rows::insert_training_plan(&mut tx.ex(), &plan).await?;
            crate::audit::created(&mut tx, actor, "training_plan", &plan.id, &plan, now).await?;
            plan
        }
    };
    let assigned = assign_in(&mut tx, actor, course_id, year, &ids, Reason::Plan, due, now).await?;
    tx.commit().await?;
    refresh_register(db, actor, course_id, year, now).await?;
    Ok(Planned { plan, assigned })
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn register_values(
    course: &rows::CourseRow,
    year: i16,
    audience: &str,
    due: Date,
    delivered: Option<&str>,
    attendees: Option<usize>,
) -> Result<Map<String, Value>, AppError> {
    let materials: Vec<mamori_domain::training::Material> =
        serde_json::from_str(&course.materials_json).map_err(crate::error::internal)?;
    let labels: Vec<String> = materials.into_iter().map(|m| m.label).collect();
    let mut v = obj(json!({
        "title": format!("{}（{}年度）", course.title, year),
        "audience": audience,
        "planned_on": due.to_string(),
        "materials": if labels.is_empty() { "mamori の確認テスト".to_string() } else { labels.join("、") },
    }));
    if let Some(d) = delivered {
        v.insert("delivered_on".into(), Value::from(d));
    }
    if let Some(n) = attendees {
        v.insert("attendees".into(), Value::from(n as i64));
    }
    Ok(v)
}

/// The day an attempt was taken (an offline session's date, else the Tokyo date it was
/// submitted).
pub(crate) fn taken_on(a: &AttemptRow) -> Option<String> {
    a.taken_on.clone().or_else(|| a.finished_at.map(|t| crate::tokyo_date(t).to_string()))
}

/// Brings mamori's row of 教育・訓練計画表 for a course and year up to date: 実施日 the latest
/// pass, 参加者数 the people passed. Nothing when there is no plan, mamori never made the row,
/// or the row was deleted by hand.
pub(crate) async fn refresh_register(
    db: &Db,
    actor: &Actor,
    course_id: &str,
    year: i16,
    now: i64,
) -> Result<(), AppError> {
    let (plan, attempts) = {
        let mut c = db.conn().await?;
        let plan = rows::training_plan(&mut c.ex(), &actor.org_id, course_id, i64::from(year)).await?;
        let attempts = rows::attempts_of_course(&mut c.ex(), &actor.org_id, course_id, i64::from(year)).await?;
        (plan, attempts)
    };
    let Some(row_id) = plan.and_then(|p| p.register_row_id) else { return Ok(()) };
    let mut passed: BTreeMap<&str, String> = BTreeMap::new();
    for a in attempts.iter().filter(|a| a.passed == 1) {
        if let Some(d) = taken_on(a) {
            let e = passed.entry(a.person_id.as_str()).or_insert_with(|| d.clone());
            if d > *e {
                *e = d;
            }
        }
    }
    let latest = passed.values().max().cloned();
    let mut patch = obj(json!({"attendees": passed.len() as i64}));
    patch.insert("delivered_on".into(), Value::from(latest.unwrap_or_default()));
    let p = match registers::prepare_patch(db, actor, REGISTER, &row_id, &patch, now).await {
        Ok(p) => p,
        Err(AppError::NotFound) => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut tx = db.begin().await?;
    registers::apply(&mut tx, actor, &p, now).await?;
    tx.commit().await?;
    Ok(())
}

/// One person's line of the progress.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProgressRow {
    /// Person.
    pub person_id: String,
    /// Name.
    pub name: String,
    /// Department.
    pub department: String,
    /// Why assigned (`plan`, `by_hand`, `drill`; none when taken without an assignment).
    pub reason: Option<String>,
    /// Due date.
    pub due_on: Option<String>,
    /// Attempts made (submitted).
    pub attempts: usize,
    /// The day of the first pass.
    pub passed_on: Option<String>,
    /// The score of that pass.
    pub passed_percent: Option<u32>,
    /// The latest score.
    pub last_percent: Option<u32>,
    /// `passed`, `failed` (tried, not passed), `not_started`.
    pub status: String,
    /// Not passed and the due date is past.
    pub overdue: bool,
}

/// The progress of a course in a fiscal year (`training.manage`).
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    /// The course.
    pub course: CourseView,
    /// Fiscal year.
    pub fiscal_year: i16,
    /// The plan, if one was made.
    pub plan: Option<TrainingPlanRow>,
    /// Assigned people and whoever else took it, by name.
    pub rows: Vec<ProgressRow>,
    /// People assigned.
    pub assigned: usize,
    /// Assigned people who passed.
    pub passed: usize,
    /// Assigned people who have not passed.
    pub not_finished: usize,
    /// Of those, past their due date.
    pub overdue: usize,
}

/// Who is assigned, who passed (date, score), who has not finished and who is overdue.
pub async fn progress(db: &Db, actor: &Actor, course_id: &str, year: i16, today: Date) -> Result<Progress, AppError> {
    actor.require(Permission::TrainingManage)?;
    let course = row_for(db, actor, course_id).await?;
    let (plan, assignments, attempts, people) = {
        let mut c = db.conn().await?;
        let org = actor.org_id.as_str();
        (
            rows::training_plan(&mut c.ex(), org, course_id, i64::from(year)).await?,
            rows::assignments_of_course(&mut c.ex(), org, course_id, i64::from(year)).await?,
            rows::attempts_of_course(&mut c.ex(), org, course_id, i64::from(year)).await?,
            rows::people(&mut c.ex(), org).await?,
        )
    };
    let mut ids: Vec<&str> = assignments.iter().map(|a| a.person_id.as_str()).collect();
    ids.extend(attempts.iter().filter(|a| a.finished_at.is_some()).map(|a| a.person_id.as_str()));
    ids.sort_unstable();
    ids.dedup();
    let mut out: Vec<ProgressRow> = ids
        .into_iter()
        .filter_map(|pid| {
            let p = people.iter().find(|p| p.id == pid)?;
            let a = assignments.iter().find(|a| a.person_id == pid);
            let done: Vec<&AttemptRow> =
                attempts.iter().filter(|t| t.person_id == pid && t.finished_at.is_some()).collect();
            let pass = done.iter().find(|t| t.passed == 1);
            let status = if pass.is_some() {
                "passed"
            } else if done.is_empty() {
                "not_started"
            } else {
                "failed"
            };
            let overdue = pass.is_none() && a.is_some_and(|a| a.due_on < today.to_string());
            Some(ProgressRow {
                person_id: p.id.clone(),
                name: p.name.clone(),
                department: p.department.clone(),
                reason: a.map(|a| a.reason.clone()),
                due_on: a.map(|a| a.due_on.clone()),
                attempts: done.len(),
                passed_on: pass.and_then(|t| taken_on(t)),
                passed_percent: pass.map(|t| u32::try_from(t.percent).unwrap_or(0)),
                last_percent: done.last().map(|t| u32::try_from(t.percent).unwrap_or(0)),
                status: status.into(),
                overdue,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.person_id.cmp(&b.person_id)));
    let assigned_rows = || out.iter().filter(|r| r.reason.is_some());
    let assigned = assigned_rows().count();
    let passed = assigned_rows().filter(|r| r.status == "passed").count();
    let overdue = assigned_rows().filter(|r| r.overdue).count();
    Ok(Progress {
        course: super::view(&course)?,
        fiscal_year: year,
        plan,
        assigned,
        passed,
        not_finished: assigned - passed,
        overdue,
        rows: out,
    })
}

/// The plans made, newest year first, with each course's title (`training.manage`).
pub async fn plans(db: &Db, actor: &Actor) -> Result<Vec<(TrainingPlanRow, String)>, AppError> {
    actor.require(Permission::TrainingManage)?;
    let mut c = db.conn().await?;
    let courses = rows::courses(&mut c.ex(), &actor.org_id).await?;
    Ok(rows::training_plans(&mut c.ex(), &actor.org_id)
        .await?
        .into_iter()
        .filter_map(|p| {
            let title = courses.iter().find(|c| c.id == p.course_id)?.title.clone();
            Some((p, title))
        })
        .collect())
}

/// Whether the actor reads the progress (a shorthand for pages).
pub fn may_read_progress(actor: &Actor) -> bool {
    may_manage(actor)
}
