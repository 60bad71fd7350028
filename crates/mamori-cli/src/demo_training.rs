//! The demo's training (6.3): the starter course 情報セキュリティ基礎教育 loaded, and this fiscal
//! year's plan assigning it to whoever is in the staff directory then (none is fine: the plan
//! and its 教育・訓練計画表 row are still made), due in 60 days. Call it after the demo's people
//! are added.

use crate::context::app_err;
use anyhow::Result;
use jiff::ToSpan;
use jiff::civil::Date;
use mamori_app::Actor;
use mamori_app::training::{self, plan};

/// Loads the starter course and plans it for the fiscal year of `today`.
pub async fn add(db: &mamori_store::Db, admin: &Actor, today: Date, now: i64) -> Result<()> {
    let course = training::load_starter(db, admin, now).await.map_err(app_err)?;
    let due = today.checked_add(60.days())?;
    let input = plan::PlanInput {
        fiscal_year: training::fiscal_year(today).to_string(),
        due_on: due.to_string(),
        ..plan::PlanInput::default()
    };
    plan::make(db, admin, &course.id, &input, today, now).await.map_err(app_err)?;
    Ok(())
}
