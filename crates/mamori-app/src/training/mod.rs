//! Training with tests (6.3 情報セキュリティの意識向上、教育及び訓練, 7.3): courses with their
//! materials (controlled documents, evidence files, links) and a question pool; the yearly plan
//! that assigns a course to the people of the staff directory ([`plan`], with the public
//! [`plan::assign`] other capabilities use — the targeted-mail drill assigns its clickers);
//! attempts drawn from the pool, scored against the pass mark and retaken until passed, and the
//! offline record of a paper session ([`attempts`]); the reminder mails ([`reminders`]).
//!
//! Need-to-know: every member reads the active courses and their materials, takes a course as
//! the person of the directory linked to their login, and reads only their own attempts.
//! `training.manage` (経営責任者, 情報セキュリティ管理者) edits courses and their pools (with the
//! answers), makes the plan, records offline sessions and reads everyone's progress and scores.
//! The fiscal year starts in April (the calendar year it starts in names it).

pub mod attempts;
pub mod plan;
pub mod reminders;

use crate::checks::Problems;
use crate::error::internal;
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::permission::Permission;
use mamori_domain::training::{self as rules, Material, Question};
use mamori_store::Db;
use mamori_store::rows::{self, CourseRow};
use serde::{Deserialize, Deserializer, Serialize};

/// The month the fiscal year starts in.
pub const FY_START: u8 = 4;

/// The key of the shipped starter course.
pub const STARTER_KEY: &str = "basics";

/// The fiscal year of a day.
pub fn fiscal_year(d: Date) -> i16 {
    mamori_domain::schedule::fiscal_year(d, FY_START)
}

/// Whether the actor manages training (courses, the plan, offline records, everyone's scores).
pub fn may_manage(actor: &Actor) -> bool {
    actor.grants.has(Permission::TrainingManage)
}

/// A course as every member may see it (no questions, no answers).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CourseView {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// What it covers.
    pub description: String,
    /// Materials to read first.
    pub materials: Vec<Material>,
    /// Questions per attempt.
    pub per_attempt: u32,
    /// Pass mark in percent.
    pub pass_mark: u32,
    /// Offered.
    pub active: bool,
    /// Questions in the pool.
    pub pool_size: usize,
    /// Loaded from the shipped starter course.
    pub starter: bool,
}

pub(crate) fn pool_of(c: &CourseRow) -> Result<Vec<Question>, AppError> {
    serde_json::from_str(&c.pool_json).map_err(internal)
}

fn view(c: &CourseRow) -> Result<CourseView, AppError> {
    Ok(CourseView {
        id: c.id.clone(),
        title: c.title.clone(),
        description: c.description.clone(),
        materials: serde_json::from_str(&c.materials_json).map_err(internal)?,
        per_attempt: u32::try_from(c.per_attempt).unwrap_or(0),
        pass_mark: u32::try_from(c.pass_mark).unwrap_or(0),
        active: c.active == 1,
        pool_size: pool_of(c)?.len(),
        starter: c.starter_key.is_some(),
    })
}

/// What the audit trail keeps of a course: its words and numbers, the pool by its questions'
/// ids and topics (never a raw JSON text).
#[derive(Serialize)]
struct Audited<'a> {
    title: &'a str,
    description: &'a str,
    materials: Vec<String>,
    questions: Vec<String>,
    per_attempt: i64,
    pass_mark: i64,
    active: bool,
}

fn audited(c: &CourseRow) -> Audited<'_> {
    let materials: Vec<Material> = serde_json::from_str(&c.materials_json).unwrap_or_default();
    let pool: Vec<Question> = serde_json::from_str(&c.pool_json).unwrap_or_default();
    Audited {
        title: &c.title,
        description: &c.description,
        materials: materials.into_iter().map(|m| m.label).collect(),
        questions: pool.into_iter().map(|q| format!("{} {}", q.id, q.text)).collect(),
        per_attempt: c.per_attempt,
        pass_mark: c.pass_mark,
        active: c.active == 1,
    }
}

/// Reads a number field sent as a JSON number or as text (as typed in a form).
pub fn num_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        I(i64),
        S(String),
    }
    Ok(match Option::<N>::deserialize(d)? {
        Some(N::I(i)) => i.to_string(),
        Some(N::S(s)) => s,
        None => String::new(),
    })
}

/// What a form or the API gives for a course (numbers as typed; the API may send numbers).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct CourseInput {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Materials.
    pub materials: Vec<Material>,
    /// The question pool (a question without an id gets one).
    pub questions: Vec<Question>,
    /// Questions per attempt.
    #[serde(deserialize_with = "num_text")]
    pub per_attempt: String,
    /// Pass mark in percent.
    #[serde(deserialize_with = "num_text")]
    pub pass_mark: String,
    /// Offered.
    pub active: bool,
}

impl CourseInput {
    /// The input a stored course gives (the edit form's starting values).
    pub fn of(c: &CourseRow) -> Result<CourseInput, AppError> {
        Ok(CourseInput {
            title: c.title.clone(),
            description: c.description.clone(),
            materials: serde_json::from_str(&c.materials_json).map_err(internal)?,
            questions: pool_of(c)?,
            per_attempt: c.per_attempt.to_string(),
            pass_mark: c.pass_mark.to_string(),
            active: c.active == 1,
        })
    }
}

/// Reads a number typed with half- or full-width digits.
pub fn parse_number(s: &str) -> Option<i64> {
    let ascii: String = s
        .trim()
        .chars()
        .map(|c| if ('０'..='９').contains(&c) { char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c) } else { c })
        .collect();
    ascii.parse().ok()
}

/// Checks a course (every problem at its field) → the course as stored.
async fn checked(db: &Db, actor: &Actor, i: &CourseInput) -> Result<rules::Course, AppError> {
    let mut p: Problems = Vec::new();
    let mut number = |field: &str, v: &str| -> u32 {
        match parse_number(v) {
            Some(n) => u32::try_from(n).unwrap_or(u32::MAX),
            None => {
                p.push((field.into(), if v.trim().is_empty() { "field-required" } else { "field-not-integer" }.into()));
                0
            }
        }
    };
    let per_attempt = number("per_attempt", &i.per_attempt);
    let pass_mark = number("pass_mark", &i.pass_mark);
    let mut questions: Vec<Question> = i
        .questions
        .iter()
        .map(|q| Question {
            id: q.id.trim().to_string(),
            topic: q.topic.trim().to_string(),
            text: q.text.trim().to_string(),
            choices: q.choices.iter().map(|c| c.trim().to_string()).collect(),
            correct: q.correct,
            explanation: q.explanation.trim().to_string(),
        })
        .collect();
    // New questions get the next free ids q01, q02 …
    let mut next = 1;
    for k in 0..questions.len() {
        if questions[k].id.is_empty() {
            while questions.iter().any(|q| q.id == format!("q{next:02}")) {
                next += 1;
            }
            questions[k].id = format!("q{next:02}");
        }
    }
    let course = rules::Course {
        title: i.title.trim().to_string(),
        description: i.description.trim().to_string(),
        materials: i
            .materials
            .iter()
            .map(|m| Material {
                kind: m.kind.trim().to_string(),
                reference: m.reference.trim().to_string(),
                label: m.label.trim().to_string(),
            })
            .collect(),
        questions,
        per_attempt,
        pass_mark,
    };
    // A number refused as typed is not refused again for its range.
    for (f, k) in rules::check(&course) {
        if !p.iter().any(|(g, _)| *g == f) {
            p.push((f, k));
        }
    }
    {
        let mut c = db.conn().await?;
        for (k, m) in course.materials.iter().enumerate().take(rules::MAX_MATERIALS) {
            let known = match m.kind.as_str() {
                "document" => rows::document(&mut c.ex(), &actor.org_id, &m.reference).await?.is_some(),
                "file" => rows::evidence(&mut c.ex(), &actor.org_id, &m.reference).await?.is_some(),
                _ => true,
            };
            if !known && !m.reference.is_empty() {
                p.push((format!("materials.{k}.ref"), "training-material-unknown".into()));
            }
        }
    }
    crate::checks::done(p)?;
    Ok(course)
}

/// The courses the actor may see: every course for `training.manage`, the active ones for
/// everyone else, by title.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<CourseView>, AppError> {
    actor.require(Permission::DashboardView)?;
    let all = {
        let mut c = db.conn().await?;
        rows::courses(&mut c.ex(), &actor.org_id).await?
    };
    let manage = may_manage(actor);
    all.iter().filter(|c| manage || c.active == 1).map(view).collect()
}

/// The stored course (not found for a member when inactive).
pub(crate) async fn row_for(db: &Db, actor: &Actor, id: &str) -> Result<CourseRow, AppError> {
    actor.require(Permission::DashboardView)?;
    let mut c = db.conn().await?;
    let row = rows::course(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)?;
    if row.active != 1 && !may_manage(actor) {
        return Err(AppError::NotFound);
    }
    Ok(row)
}

/// One course as the actor may see it.
pub async fn get(db: &Db, actor: &Actor, id: &str) -> Result<CourseView, AppError> {
    view(&row_for(db, actor, id).await?)
}

/// The course as the edit form shows it, with its pool and answers (`training.manage`).
pub async fn editable(db: &Db, actor: &Actor, id: &str) -> Result<CourseInput, AppError> {
    actor.require(Permission::TrainingManage)?;
    CourseInput::of(&row_for(db, actor, id).await?)
}

fn store(actor: &Actor, c: &rules::Course, active: bool, now: i64) -> Result<CourseRow, AppError> {
    Ok(CourseRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        title: c.title.clone(),
        description: c.description.clone(),
        materials_json: serde_json::to_string(&c.materials).map_err(internal)?,
        pool_json: serde_json::to_string(&c.questions).map_err(internal)?,
        per_attempt: i64::from(c.per_attempt),
        pass_mark: i64::from(c.pass_mark),
        active: i64::from(active),
        starter_key: None,
        created_by: actor.label.clone(),
        created_at: now,
        updated_at: now,
    })
}

/// Creates a course (`training.manage`); `Validation` with every problem at its field.
pub async fn create(db: &Db, actor: &Actor, input: &CourseInput, now: i64) -> Result<CourseView, AppError> {
    actor.require(Permission::TrainingManage)?;
    let course = checked(db, actor, input).await?;
    let row = store(actor, &course, input.active, now)?;
    let mut tx = db.begin().await?;
    rows::insert_course(&mut tx.ex(), &row).await?;
    crate::audit::created(&mut tx, actor, "training_course", &row.id, &audited(&row), now).await?;
    tx.commit().await?;
    view(&row)
}

/// Changes a course (`training.manage`); attempts already made keep the questions they were
/// given.
pub async fn update(db: &Db, actor: &Actor, id: &str, input: &CourseInput, now: i64) -> Result<CourseView, AppError> {
    actor.require(Permission::TrainingManage)?;
    let before = row_for(db, actor, id).await?;
    let course = checked(db, actor, input).await?;
    let fresh = store(actor, &course, input.active, now)?;
    let after = CourseRow {
        id: before.id.clone(),
        created_at: before.created_at,
        created_by: before.created_by.clone(),
        starter_key: before.starter_key.clone(),
        ..fresh
    };
    let mut tx = db.begin().await?;
    rows::update_course(&mut tx.ex(), &after).await?;
    crate::audit::updated(&mut tx, actor, "training_course", id, &audited(&before), &audited(&after), now).await?;
    tx.commit().await?;
    view(&after)
}

/// Loads the starter course 情報セキュリティ基礎教育 for the organisation (`training.manage`),
/// once: `Conflict` when it was loaded before.
pub async fn load_starter(db: &Db, actor: &Actor, now: i64) -> Result<CourseView, AppError> {
    actor.require(Permission::TrainingManage)?;
    if starter_loaded(db, actor).await? {
        return Err(AppError::Conflict);
    }
    let s = rules::starter();
    let mut row = store(actor, &s, true, now)?;
    row.starter_key = Some(STARTER_KEY.into());
    let mut tx = db.begin().await?;
    rows::insert_course(&mut tx.ex(), &row).await?;
    crate::audit::created(&mut tx, actor, "training_course", &row.id, &audited(&row), now).await?;
    tx.commit().await?;
    view(&row)
}

/// Whether the starter course was loaded.
pub async fn starter_loaded(db: &Db, actor: &Actor) -> Result<bool, AppError> {
    let mut c = db.conn().await?;
    Ok(rows::courses(&mut c.ex(), &actor.org_id).await?.iter().any(|c| c.starter_key.as_deref() == Some(STARTER_KEY)))
}
