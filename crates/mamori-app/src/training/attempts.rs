//! Attempts: a person starts one (the questions drawn from the pool with a seed of their
//! person id, the fiscal year and the attempt number, avoiding the questions of their previous
//! attempt, so a retake and another year ask another set), answers every question and submits
//! (scored against the pass mark; immutable from then on), and retakes until they pass. An
//! open attempt is resumed rather than drawn again. Only the person of the directory linked to
//! the login takes a course; a manager records a paper (offline) session for anyone. A person
//! reads their own attempts; `training.manage` reads everyone's.

use super::plan::{refresh_register, taken_on};
use super::{fiscal_year, may_manage, pool_of, row_for};
use crate::checks::{self, Problems};
use crate::error::internal;
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::permission::Permission;
use mamori_domain::training::{self as rules, Question};
use mamori_store::Db;
use mamori_store::rows::{self, AttemptRow, PersonRow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A question as shown in an attempt: the right choice and the explanation only once it is
/// submitted.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Asked {
    /// Question id.
    pub id: String,
    /// Topic.
    pub topic: String,
    /// Question.
    pub text: String,
    /// Choices.
    pub choices: Vec<String>,
    /// The choice given (after submission).
    pub chosen: Option<usize>,
    /// The right choice (after submission).
    pub correct: Option<usize>,
    /// Why (after submission).
    pub explanation: Option<String>,
}

/// An attempt as its person (or a manager) sees it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AttemptView {
    /// Id.
    pub id: String,
    /// Course.
    pub course_id: String,
    /// Course title.
    pub course_title: String,
    /// Fiscal year.
    pub fiscal_year: i16,
    /// 1, 2, …
    pub attempt_no: u32,
    /// Person.
    pub person_id: String,
    /// Their name.
    pub person_name: String,
    /// `online` or `offline`.
    pub mode: String,
    /// Submitted.
    pub finished: bool,
    /// The questions (none for an offline record).
    pub questions: Vec<Asked>,
    /// Right answers.
    pub correct: u32,
    /// Questions asked.
    pub total: u32,
    /// Percent.
    pub percent: u32,
    /// Passed.
    pub passed: bool,
    /// The course's pass mark.
    pub pass_mark: u32,
    /// The day taken (YYYY-MM-DD, Tokyo).
    pub taken_on: Option<String>,
}

fn view(a: &AttemptRow, title: &str, pass_mark: i64, person: &str) -> Result<AttemptView, AppError> {
    let qs: Vec<Question> = serde_json::from_str(&a.questions_json).map_err(internal)?;
    let answers: Vec<Option<usize>> = serde_json::from_str(&a.answers_json).unwrap_or_default();
    let finished = a.finished_at.is_some();
    let questions = qs
        .into_iter()
        .enumerate()
        .map(|(i, q)| Asked {
            chosen: if finished { answers.get(i).copied().flatten() } else { None },
            correct: finished.then_some(q.correct),
            explanation: finished.then(|| q.explanation.clone()),
            id: q.id,
            topic: q.topic,
            text: q.text,
            choices: q.choices,
        })
        .collect();
    Ok(AttemptView {
        id: a.id.clone(),
        course_id: a.course_id.clone(),
        course_title: title.to_string(),
        fiscal_year: i16::try_from(a.fiscal_year).unwrap_or(0),
        attempt_no: u32::try_from(a.attempt_no).unwrap_or(0),
        person_id: a.person_id.clone(),
        person_name: person.to_string(),
        mode: a.mode.clone(),
        finished,
        questions,
        correct: u32::try_from(a.correct).unwrap_or(0),
        total: u32::try_from(a.total).unwrap_or(0),
        percent: u32::try_from(a.percent).unwrap_or(0),
        passed: a.passed == 1,
        pass_mark: u32::try_from(pass_mark).unwrap_or(0),
        taken_on: taken_on(a),
    })
}

/// The person of the directory linked to the actor's login (`Validation` saying so when none:
/// a course is taken as a person of the staff directory).
async fn me(db: &Db, actor: &Actor) -> Result<PersonRow, AppError> {
    crate::people::of_actor(db, actor)
        .await?
        .ok_or_else(|| AppError::Validation(vec![("person".into(), "training-no-person".into())]))
}

/// Starts an attempt at a course for the fiscal year of `today` as the actor's own person of
/// the directory, or resumes the open one. `Conflict` when they passed the course this year.
pub async fn start(db: &Db, actor: &Actor, course_id: &str, today: Date, now: i64) -> Result<AttemptView, AppError> {
    let course = row_for(db, actor, course_id).await?;
    if course.active != 1 {
        return Err(AppError::NotFound);
    }
    let person = me(db, actor).await?;
    let year = fiscal_year(today);
    let mine = {
        let mut c = db.conn().await?;
        rows::attempts_of_person(&mut c.ex(), &actor.org_id, course_id, &person.id).await?
    };
    let this_year: Vec<&AttemptRow> = mine.iter().filter(|a| a.fiscal_year == i64::from(year)).collect();
    if this_year.iter().any(|a| a.passed == 1) {
        return Err(AppError::Conflict);
    }
    if let Some(open) = this_year.iter().find(|a| a.finished_at.is_none()) {
        return view(open, &course.title, course.pass_mark, &person.name);
    }
    let attempt_no = this_year.iter().map(|a| a.attempt_no).max().unwrap_or(0) + 1;
    let pool = pool_of(&course)?;
    // The previous attempt's questions (this year's or an earlier year's) are asked again only
    // when the pool has too few others.
    let avoid: Vec<String> = mine
        .iter()
        .filter(|a| a.mode == "online")
        .max_by_key(|a| (a.fiscal_year, a.attempt_no))
        .and_then(|a| serde_json::from_str::<Vec<Question>>(&a.questions_json).ok())
        .map(|qs| qs.into_iter().map(|q| q.id).collect())
        .unwrap_or_default();
    let seed = rules::seed_of(&person.id, year, u32::try_from(attempt_no).unwrap_or(0));
    let n = usize::try_from(course.per_attempt).unwrap_or(0);
    let drawn: Vec<Question> =
        rules::draw_avoiding(&pool, n, seed, &avoid).into_iter().filter_map(|i| pool.get(i).cloned()).collect();
    let a = AttemptRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        course_id: course_id.to_string(),
        fiscal_year: i64::from(year),
        person_id: person.id.clone(),
        attempt_no,
        mode: "online".into(),
        questions_json: serde_json::to_string(&drawn).map_err(internal)?,
        answers_json: "[]".into(),
        correct: 0,
        total: drawn.len() as i64,
        percent: 0,
        passed: 0,
        taken_on: None,
        recorded_by: actor.label.clone(),
        started_at: now,
        finished_at: None,
    };
    let mut tx = db.begin().await?;
    rows::insert_attempt(&mut tx.ex(), &a).await?;
    crate::audit::created(&mut tx, actor, "training_attempt", &a.id, &audited(&a, &course.title, &person.name), now)
        .await?;
    tx.commit().await?;
    view(&a, &course.title, course.pass_mark, &person.name)
}

/// What the audit trail keeps of an attempt (never the questions' text as JSON).
#[derive(Serialize)]
struct Audited<'a> {
    title: &'a str,
    person: &'a str,
    fiscal_year: i64,
    attempt_no: i64,
    mode: &'a str,
    correct: i64,
    total: i64,
    percent: i64,
    passed: bool,
    taken_on: Option<String>,
}

fn audited<'a>(a: &'a AttemptRow, title: &'a str, person: &'a str) -> Audited<'a> {
    Audited {
        title,
        person,
        fiscal_year: a.fiscal_year,
        attempt_no: a.attempt_no,
        mode: &a.mode,
        correct: a.correct,
        total: a.total,
        percent: a.percent,
        passed: a.passed == 1,
        taken_on: taken_on(a),
    }
}

/// An attempt, with its course's title and pass mark and its person's name; `NotFound` unless
/// it is the actor's own or the actor manages training.
async fn load(db: &Db, actor: &Actor, id: &str) -> Result<(AttemptRow, rows::CourseRow, PersonRow), AppError> {
    actor.require(Permission::DashboardView)?;
    let (a, course, person) = {
        let mut c = db.conn().await?;
        let a = rows::attempt(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)?;
        let course = rows::course(&mut c.ex(), &actor.org_id, &a.course_id).await?.ok_or(AppError::NotFound)?;
        let person = rows::person(&mut c.ex(), &actor.org_id, &a.person_id).await?.ok_or(AppError::NotFound)?;
        (a, course, person)
    };
    if !may_manage(actor) {
        let mine = crate::people::of_actor(db, actor).await?;
        if mine.is_none_or(|p| p.id != a.person_id) {
            return Err(AppError::NotFound);
        }
    }
    Ok((a, course, person))
}

/// One attempt (the actor's own, or anyone's for `training.manage`).
pub async fn get(db: &Db, actor: &Actor, id: &str) -> Result<AttemptView, AppError> {
    let (a, course, person) = load(db, actor, id).await?;
    view(&a, &course.title, course.pass_mark, &person.name)
}

/// Submits the answers of the actor's own open attempt: `answers` maps a question id to the
/// chosen choice (0-based). Every question must be answered (`Validation` at `answers.ID`
/// otherwise, nothing stored); `Conflict` when it was submitted before (attempts are
/// immutable). 教育・訓練計画表 follows a pass.
pub async fn submit(
    db: &Db,
    actor: &Actor,
    id: &str,
    answers: &BTreeMap<String, usize>,
    now: i64,
) -> Result<AttemptView, AppError> {
    let (a, course, person) = load(db, actor, id).await?;
    // Only the person answers for themselves, even a manager.
    let mine = crate::people::of_actor(db, actor).await?;
    if mine.is_none_or(|p| p.id != a.person_id) {
        return Err(AppError::Forbidden);
    }
    if a.finished_at.is_some() {
        return Err(AppError::Conflict);
    }
    let qs: Vec<Question> = serde_json::from_str(&a.questions_json).map_err(internal)?;
    let mut p: Problems = Vec::new();
    let given: Vec<Option<usize>> = qs
        .iter()
        .map(|q| {
            let v = answers.get(&q.id).copied().filter(|&c| c < q.choices.len());
            if v.is_none() {
                checks::problem(&mut p, &format!("answers.{}", q.id), "training-answer-required");
            }
            v
        })
        .collect();
    checks::done(p)?;
    let s = rules::score(&qs, &given, u32::try_from(course.pass_mark).unwrap_or(100));
    let after = AttemptRow {
        answers_json: serde_json::to_string(&given).map_err(internal)?,
        correct: i64::from(s.correct),
        total: i64::from(s.total),
        percent: i64::from(s.percent),
        passed: i64::from(s.passed),
        finished_at: Some(now),
        ..a.clone()
    };
    let mut tx = db.begin().await?;
    if rows::finish_attempt(&mut tx.ex(), &after).await? == 0 {
        return Err(AppError::Conflict);
    }
    crate::audit::updated(
        &mut tx,
        actor,
        "training_attempt",
        &a.id,
        &audited(&a, &course.title, &person.name),
        &audited(&after, &course.title, &person.name),
        now,
    )
    .await?;
    tx.commit().await?;
    if s.passed {
        refresh_register(db, actor, &a.course_id, i16::try_from(a.fiscal_year).unwrap_or(0), now).await?;
    }
    view(&after, &course.title, course.pass_mark, &person.name)
}

/// What a manager records of a paper (offline) session.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct OfflineInput {
    /// The person.
    pub person_id: String,
    /// The day of the session (YYYY-MM-DD).
    pub taken_on: String,
    /// The score in percent.
    #[serde(deserialize_with = "super::num_text")]
    pub percent: String,
}

/// Records a paper session of a course for a person (`training.manage`): the day and the score;
/// passed when the score reaches the course's pass mark. Counts for the fiscal year of its day.
pub async fn record_offline(
    db: &Db,
    actor: &Actor,
    course_id: &str,
    input: &OfflineInput,
    now: i64,
) -> Result<AttemptView, AppError> {
    actor.require(Permission::TrainingManage)?;
    let course = row_for(db, actor, course_id).await?;
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
    let day = input.taken_on.trim();
    if day.is_empty() {
        checks::problem(&mut p, "taken_on", "field-required");
    } else if !mamori_domain::people::is_date(day) {
        checks::problem(&mut p, "taken_on", "field-not-date");
    } else if day > crate::tokyo_date(now).to_string().as_str() {
        checks::problem(&mut p, "taken_on", "training-date-future");
    }
    let percent = match super::parse_number(&input.percent) {
        Some(n) if (0..=100).contains(&n) => n,
        Some(_) => {
            checks::problem(&mut p, "percent", "training-percent-range");
            0
        }
        None => {
            let k = if input.percent.trim().is_empty() { "field-required" } else { "field-not-integer" };
            checks::problem(&mut p, "percent", k);
            0
        }
    };
    checks::done(p)?;
    let person = person.ok_or(AppError::NotFound)?;
    let date: Date = day.parse().map_err(internal)?;
    let year = fiscal_year(date);
    let no = {
        let mut c = db.conn().await?;
        rows::attempts_of_person(&mut c.ex(), &actor.org_id, course_id, &person.id)
            .await?
            .iter()
            .filter(|a| a.fiscal_year == i64::from(year))
            .map(|a| a.attempt_no)
            .max()
            .unwrap_or(0)
            + 1
    };
    let a = AttemptRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        course_id: course_id.to_string(),
        fiscal_year: i64::from(year),
        person_id: person.id.clone(),
        attempt_no: no,
        mode: "offline".into(),
        questions_json: "[]".into(),
        answers_json: "[]".into(),
        correct: 0,
        total: 0,
        percent,
        passed: i64::from(rules::passes(
            u32::try_from(percent).unwrap_or(0),
            u32::try_from(course.pass_mark).unwrap_or(100),
        )),
        taken_on: Some(day.to_string()),
        recorded_by: actor.label.clone(),
        started_at: now,
        finished_at: Some(now),
    };
    let mut tx = db.begin().await?;
    rows::insert_attempt(&mut tx.ex(), &a).await?;
    crate::audit::created(&mut tx, actor, "training_attempt", &a.id, &audited(&a, &course.title, &person.name), now)
        .await?;
    tx.commit().await?;
    if a.passed == 1 {
        refresh_register(db, actor, course_id, year, now).await?;
    }
    view(&a, &course.title, course.pass_mark, &person.name)
}

/// One submitted attempt in a list.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AttemptLine {
    /// Id.
    pub id: String,
    /// Fiscal year.
    pub fiscal_year: i16,
    /// Number.
    pub attempt_no: u32,
    /// `online` or `offline`.
    pub mode: String,
    /// The day taken.
    pub taken_on: Option<String>,
    /// Percent.
    pub percent: u32,
    /// Passed.
    pub passed: bool,
}

/// The actor's standing in a course this fiscal year.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct MyStatus {
    /// The actor's person of the directory (none: their login is not linked to one).
    pub person_id: Option<String>,
    /// Fiscal year.
    pub fiscal_year: i16,
    /// Assigned this year: (due date, reason).
    pub assigned: Option<(String, String)>,
    /// Passed this year: the day and the score.
    pub passed: Option<(String, u32)>,
    /// The open attempt to resume.
    pub open_attempt: Option<String>,
    /// Their submitted attempts, every year, newest first.
    pub attempts: Vec<AttemptLine>,
    /// Past due and not passed.
    pub overdue: bool,
}

/// The actor's own standing in a course for the fiscal year of `today`.
pub async fn mine(db: &Db, actor: &Actor, course_id: &str, today: Date) -> Result<MyStatus, AppError> {
    row_for(db, actor, course_id).await?;
    let year = fiscal_year(today);
    let Some(person) = crate::people::of_actor(db, actor).await? else {
        return Ok(MyStatus { fiscal_year: year, ..MyStatus::default() });
    };
    let (attempts, assignments) = {
        let mut c = db.conn().await?;
        (
            rows::attempts_of_person(&mut c.ex(), &actor.org_id, course_id, &person.id).await?,
            rows::assignments_of_person(&mut c.ex(), &actor.org_id, &person.id).await?,
        )
    };
    let assigned = assignments
        .iter()
        .find(|a| a.course_id == course_id && a.fiscal_year == i64::from(year))
        .map(|a| (a.due_on.clone(), a.reason.clone()));
    let this_year = |a: &&AttemptRow| a.fiscal_year == i64::from(year);
    let passed = attempts
        .iter()
        .filter(this_year)
        .find(|a| a.passed == 1)
        .map(|a| (taken_on(a).unwrap_or_default(), u32::try_from(a.percent).unwrap_or(0)));
    let open_attempt = attempts.iter().filter(this_year).find(|a| a.finished_at.is_none()).map(|a| a.id.clone());
    let mut lines: Vec<AttemptLine> = attempts
        .iter()
        .filter(|a| a.finished_at.is_some())
        .map(|a| AttemptLine {
            id: a.id.clone(),
            fiscal_year: i16::try_from(a.fiscal_year).unwrap_or(0),
            attempt_no: u32::try_from(a.attempt_no).unwrap_or(0),
            mode: a.mode.clone(),
            taken_on: taken_on(a),
            percent: u32::try_from(a.percent).unwrap_or(0),
            passed: a.passed == 1,
        })
        .collect();
    lines.reverse();
    let overdue = passed.is_none() && assigned.as_ref().is_some_and(|(d, _)| d.as_str() < today.to_string().as_str());
    Ok(MyStatus {
        person_id: Some(person.id),
        fiscal_year: year,
        assigned,
        passed,
        open_attempt,
        attempts: lines,
        overdue,
    })
}

/// A course assigned to the actor this fiscal year and not passed (for わたしの ISMS).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pending {
    /// Course.
    pub course_id: String,
    /// Title.
    pub title: String,
    /// Fiscal year.
    pub fiscal_year: i16,
    /// Due date.
    pub due_on: String,
    /// Past due.
    pub overdue: bool,
    /// Why assigned.
    pub reason: String,
}

/// The active courses assigned to the actor's person for the fiscal year of `today` that they
/// have not passed, by due date.
pub async fn pending_for(db: &Db, actor: &Actor, today: Date) -> Result<Vec<Pending>, AppError> {
    let Some(person) = crate::people::of_actor(db, actor).await? else { return Ok(Vec::new()) };
    pending_of_person(db, &actor.org_id, &person.id, today).await
}

/// The same for person `person_id` of organisation `org_id` (a joiner's onboarding; the caller
/// decides who may read it).
pub async fn pending_of_person(db: &Db, org_id: &str, person_id: &str, today: Date) -> Result<Vec<Pending>, AppError> {
    let year = i64::from(fiscal_year(today));
    let mut c = db.conn().await?;
    let courses = rows::courses(&mut c.ex(), org_id).await?;
    let mut out = Vec::new();
    for a in rows::assignments_of_person(&mut c.ex(), org_id, person_id).await? {
        if a.fiscal_year != year {
            continue;
        }
        let Some(course) = courses.iter().find(|c| c.id == a.course_id && c.active == 1) else { continue };
        let passed = rows::attempts_of_person(&mut c.ex(), org_id, &a.course_id, person_id)
            .await?
            .iter()
            .any(|t| t.fiscal_year == year && t.passed == 1);
        if !passed {
            out.push(Pending {
                course_id: a.course_id.clone(),
                title: course.title.clone(),
                fiscal_year: i16::try_from(a.fiscal_year).unwrap_or(0),
                overdue: a.due_on < today.to_string(),
                due_on: a.due_on,
                reason: a.reason,
            });
        }
    }
    out.sort_by(|a, b| a.due_on.cmp(&b.due_on).then(a.title.cmp(&b.title)));
    Ok(out)
}
