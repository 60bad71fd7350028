//! Training with tests: courses, the yearly plan, assignments and attempts. Migration 0028.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_optional};

/// A course.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct CourseRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Materials as JSON (`[{kind, ref, label}]`).
    pub materials_json: String,
    /// The question pool as JSON.
    pub pool_json: String,
    /// Questions per attempt.
    pub per_attempt: i64,
    /// Pass mark in percent.
    pub pass_mark: i64,
    /// 1 when offered.
    pub active: i64,
    /// The shipped course it was loaded from.
    pub starter_key: Option<String>,
    /// Who created it (a label).
    pub created_by: String,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

const C_COLS: &str = "id, org_id, title, description, materials_json, pool_json, per_attempt, pass_mark, active, \
                      starter_key, created_by, created_at, updated_at";

/// Inserts a course (`Conflict` when the starter was loaded before).
pub async fn insert_course(ex: &mut Ex<'_>, c: &CourseRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO training_course (",
            C_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ]),
        &c.id,
        &c.org_id,
        &c.title,
        &c.description,
        &c.materials_json,
        &c.pool_json,
        c.per_attempt,
        c.pass_mark,
        c.active,
        &c.starter_key,
        &c.created_by,
        c.created_at,
        c.updated_at
    )?;
    Ok(())
}

/// Replaces a course's fields.
pub async fn update_course(ex: &mut Ex<'_>, c: &CourseRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE training_course SET title = $3, description = $4, materials_json = $5, pool_json = $6, \
         per_attempt = $7, pass_mark = $8, active = $9, updated_at = $10 WHERE org_id = $1 AND id = $2",
        &c.org_id,
        &c.id,
        &c.title,
        &c.description,
        &c.materials_json,
        &c.pool_json,
        c.per_attempt,
        c.pass_mark,
        c.active,
        c.updated_at
    )?;
    Ok(())
}

/// One course.
pub async fn course(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<CourseRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        CourseRow,
        sql(&["SELECT ", C_COLS, " FROM training_course WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// The organisation's courses by title.
pub async fn courses(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<CourseRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        CourseRow,
        sql(&["SELECT ", C_COLS, " FROM training_course WHERE org_id = $1 ORDER BY title, id"]),
        org_id
    )?)
}

/// The plan of a course for a fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct TrainingPlanRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Course.
    pub course_id: String,
    /// Fiscal year (the calendar year it starts in).
    pub fiscal_year: i64,
    /// Due date (YYYY-MM-DD).
    pub due_on: String,
    /// Who it is for, as shown.
    pub audience: String,
    /// The 教育・訓練計画表 row mamori keeps.
    pub register_row_id: Option<String>,
    /// Who made it (a label).
    pub created_by: String,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

const P_COLS: &str =
    "id, org_id, course_id, fiscal_year, due_on, audience, register_row_id, created_by, created_at, updated_at";

/// Inserts a plan.
pub async fn insert_training_plan(ex: &mut Ex<'_>, p: &TrainingPlanRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO training_plan (", P_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"]),
        &p.id,
        &p.org_id,
        &p.course_id,
        p.fiscal_year,
        &p.due_on,
        &p.audience,
        &p.register_row_id,
        &p.created_by,
        p.created_at,
        p.updated_at
    )?;
    Ok(())
}

/// Changes a plan's due date, audience and register row.
pub async fn update_training_plan(ex: &mut Ex<'_>, p: &TrainingPlanRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE training_plan SET due_on = $3, audience = $4, register_row_id = $5, updated_at = $6 \
         WHERE org_id = $1 AND id = $2",
        &p.org_id,
        &p.id,
        &p.due_on,
        &p.audience,
        &p.register_row_id,
        p.updated_at
    )?;
    Ok(())
}

/// The plan of a course for a fiscal year.
pub async fn training_plan(
    ex: &mut Ex<'_>,
    org_id: &str,
    course_id: &str,
    fiscal_year: i64,
) -> Result<Option<TrainingPlanRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        TrainingPlanRow,
        sql(&["SELECT ", P_COLS, " FROM training_plan WHERE org_id = $1 AND course_id = $2 AND fiscal_year = $3"]),
        org_id,
        course_id,
        fiscal_year
    )?)
}

/// Every plan of the organisation, newest year first.
pub async fn training_plans(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<TrainingPlanRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        TrainingPlanRow,
        sql(&["SELECT ", P_COLS, " FROM training_plan WHERE org_id = $1 ORDER BY fiscal_year DESC, due_on, id"]),
        org_id
    )?)
}

/// A person assigned a course for a fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct AssignmentRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Course.
    pub course_id: String,
    /// Fiscal year.
    pub fiscal_year: i64,
    /// Person.
    pub person_id: String,
    /// `plan`, `by_hand` or `drill`.
    pub reason: String,
    /// Due date (YYYY-MM-DD).
    pub due_on: String,
    /// Who assigned (a label).
    pub created_by: String,
    /// When.
    pub created_at: i64,
}

const A_COLS: &str = "id, org_id, course_id, fiscal_year, person_id, reason, due_on, created_by, created_at";

/// Inserts an assignment unless the person is assigned the course for that year already
/// (returns whether it was written).
pub async fn insert_assignment(ex: &mut Ex<'_>, a: &AssignmentRow) -> Result<bool, StoreError> {
    let n = exec!(
        ex,
        sql(&[
            "INSERT INTO training_assignment (",
            A_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (org_id, course_id, fiscal_year, person_id) DO NOTHING"
        ]),
        &a.id,
        &a.org_id,
        &a.course_id,
        a.fiscal_year,
        &a.person_id,
        &a.reason,
        &a.due_on,
        &a.created_by,
        a.created_at
    )?;
    Ok(n > 0)
}

/// The assignments of a course for a fiscal year.
pub async fn assignments_of_course(
    ex: &mut Ex<'_>,
    org_id: &str,
    course_id: &str,
    fiscal_year: i64,
) -> Result<Vec<AssignmentRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AssignmentRow,
        sql(&[
            "SELECT ",
            A_COLS,
            " FROM training_assignment WHERE org_id = $1 AND course_id = $2 AND fiscal_year = $3 ORDER BY created_at, id"
        ]),
        org_id,
        course_id,
        fiscal_year
    )?)
}

/// A person's assignments, newest year first.
pub async fn assignments_of_person(
    ex: &mut Ex<'_>,
    org_id: &str,
    person_id: &str,
) -> Result<Vec<AssignmentRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AssignmentRow,
        sql(&[
            "SELECT ",
            A_COLS,
            " FROM training_assignment WHERE org_id = $1 AND person_id = $2 ORDER BY fiscal_year DESC, due_on, id"
        ]),
        org_id,
        person_id
    )?)
}

/// Every assignment of the organisation for the fiscal years from `from_year` on.
pub async fn assignments_since(
    ex: &mut Ex<'_>,
    org_id: &str,
    from_year: i64,
) -> Result<Vec<AssignmentRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AssignmentRow,
        sql(&[
            "SELECT ",
            A_COLS,
            " FROM training_assignment WHERE org_id = $1 AND fiscal_year >= $2 ORDER BY due_on, id"
        ]),
        org_id,
        from_year
    )?)
}

/// One attempt.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct AttemptRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Course.
    pub course_id: String,
    /// Fiscal year.
    pub fiscal_year: i64,
    /// Person.
    pub person_id: String,
    /// 1, 2, … within the person's course and year.
    pub attempt_no: i64,
    /// `online` or `offline`.
    pub mode: String,
    /// The drawn questions as given (JSON).
    pub questions_json: String,
    /// The answers (JSON list of choice indices or null).
    pub answers_json: String,
    /// Right answers.
    pub correct: i64,
    /// Questions asked.
    pub total: i64,
    /// Percent.
    pub percent: i64,
    /// 1 when passed.
    pub passed: i64,
    /// The day of an offline session (YYYY-MM-DD).
    pub taken_on: Option<String>,
    /// Who recorded it (a label).
    pub recorded_by: String,
    /// Started.
    pub started_at: i64,
    /// Submitted (null while open).
    pub finished_at: Option<i64>,
}

const T_COLS: &str = "id, org_id, course_id, fiscal_year, person_id, attempt_no, mode, questions_json, answers_json, \
                      correct, total, percent, passed, taken_on, recorded_by, started_at, finished_at";

/// Inserts an attempt (`Conflict` when its number is taken: two starts at once).
pub async fn insert_attempt(ex: &mut Ex<'_>, a: &AttemptRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO training_attempt (",
            T_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        ]),
        &a.id,
        &a.org_id,
        &a.course_id,
        a.fiscal_year,
        &a.person_id,
        a.attempt_no,
        &a.mode,
        &a.questions_json,
        &a.answers_json,
        a.correct,
        a.total,
        a.percent,
        a.passed,
        &a.taken_on,
        &a.recorded_by,
        a.started_at,
        a.finished_at
    )?;
    Ok(())
}

/// Submits an open attempt (returns 0 when it was submitted before: attempts are immutable).
pub async fn finish_attempt(ex: &mut Ex<'_>, a: &AttemptRow) -> Result<u64, StoreError> {
    let n = exec!(
        ex,
        "UPDATE training_attempt SET answers_json = $3, correct = $4, total = $5, percent = $6, passed = $7, \
         taken_on = $8, finished_at = $9 WHERE org_id = $1 AND id = $2 AND finished_at IS NULL",
        &a.org_id,
        &a.id,
        &a.answers_json,
        a.correct,
        a.total,
        a.percent,
        a.passed,
        &a.taken_on,
        a.finished_at
    )?;
    Ok(n)
}

/// One attempt.
pub async fn attempt(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<AttemptRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        AttemptRow,
        sql(&["SELECT ", T_COLS, " FROM training_attempt WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// A person's attempts at a course, every year, in order.
pub async fn attempts_of_person(
    ex: &mut Ex<'_>,
    org_id: &str,
    course_id: &str,
    person_id: &str,
) -> Result<Vec<AttemptRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AttemptRow,
        sql(&[
            "SELECT ",
            T_COLS,
            " FROM training_attempt WHERE org_id = $1 AND course_id = $2 AND person_id = $3 \
             ORDER BY fiscal_year, attempt_no, id"
        ]),
        org_id,
        course_id,
        person_id
    )?)
}

/// Every attempt at a course in a fiscal year.
pub async fn attempts_of_course(
    ex: &mut Ex<'_>,
    org_id: &str,
    course_id: &str,
    fiscal_year: i64,
) -> Result<Vec<AttemptRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AttemptRow,
        sql(&[
            "SELECT ",
            T_COLS,
            " FROM training_attempt WHERE org_id = $1 AND course_id = $2 AND fiscal_year = $3 \
             ORDER BY person_id, attempt_no, id"
        ]),
        org_id,
        course_id,
        fiscal_year
    )?)
}

/// Every passed attempt of the organisation from `from_year` on.
pub async fn passed_attempts_since(
    ex: &mut Ex<'_>,
    org_id: &str,
    from_year: i64,
) -> Result<Vec<AttemptRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        AttemptRow,
        sql(&[
            "SELECT ",
            T_COLS,
            " FROM training_attempt WHERE org_id = $1 AND fiscal_year >= $2 AND passed = 1 ORDER BY id"
        ]),
        org_id,
        from_year
    )?)
}

/// Moves the due date of a course's assignments made by its plan for a fiscal year (those
/// added by hand or by a drill keep theirs).
pub async fn move_plan_due(
    ex: &mut Ex<'_>,
    org_id: &str,
    course_id: &str,
    fiscal_year: i64,
    due_on: &str,
) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE training_assignment SET due_on = $4 \
         WHERE org_id = $1 AND course_id = $2 AND fiscal_year = $3 AND reason = 'plan'",
        org_id,
        course_id,
        fiscal_year,
        due_on
    )?)
}
