//! The drill's follow-up (#17 6): the people who clicked a campaign's link are assigned a
//! training course for the fiscal year of `today`, due in 30 days, with the reason "drill"
//! (`training::plan::assign`, `Reason::Drill`). Needs `drills.manage` (who clicked) and
//! `training.manage` (assigning); someone already assigned the course that year keeps their
//! assignment. The course is the one chosen, by default the one whose title the campaign's
//! follow-up names.

use crate::training::{self, plan};
use crate::{Actor, AppError};
use jiff::civil::Date;
use mamori_domain::permission::Permission;
use mamori_store::Db;

/// The course a campaign's free-text follow-up names (an active course whose title it
/// contains or that contains it), if any.
pub async fn course_named(db: &Db, actor: &Actor, follow_up: &str) -> Result<Option<String>, AppError> {
    let f = follow_up.trim();
    if f.is_empty() || !actor.grants.has(Permission::TrainingManage) {
        return Ok(None);
    }
    Ok(training::list(db, actor)
        .await?
        .into_iter()
        .find(|c| c.active && (c.title.contains(f) || f.contains(c.title.as_str())))
        .map(|c| c.id))
}

/// Assigns `course_id` to the campaign's clickers; returns how many were newly assigned.
pub async fn assign(
    db: &Db,
    actor: &Actor,
    campaign_id: &str,
    course_id: &str,
    today: Date,
    now: i64,
) -> Result<usize, AppError> {
    actor.require(Permission::TrainingManage)?;
    let people = super::clickers(db, actor, campaign_id).await?;
    if people.is_empty() {
        return Ok(0);
    }
    let due = today.checked_add(jiff::Span::new().days(30)).map_err(crate::error::internal)?;
    plan::assign(db, actor, course_id, training::fiscal_year(today), &people, plan::Reason::Drill, due, now).await
}
