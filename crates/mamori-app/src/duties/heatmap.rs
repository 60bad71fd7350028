//! The heat map of a fiscal year: one row per duty, one cell per month.

use super::occurrences::ensure_materialized;
use crate::error::internal;
use crate::{Actor, AppError};
use jiff::civil::Date;
use mamori_domain::duty::{self as rules, HeatCell, Outcome};
use mamori_domain::permission::Permission;
use mamori_domain::schedule::{self};
use mamori_store::Db;
use mamori_store::rows::{self};
use serde::Serialize;
use std::collections::HashMap;

/// One duty's row of the heat map.
#[derive(Debug, Clone, Serialize)]
pub struct HeatRow {
    /// Duty id.
    pub duty_id: String,
    /// Title.
    pub title: String,
    /// Control.
    pub control_id: Option<String>,
    /// Frequency key.
    pub frequency: Option<String>,
    /// Owner role.
    pub owner_role: Option<String>,
    /// The fiscal year's months, in order.
    pub cells: [HeatCell; 12],
}

/// The heat map of a fiscal year: every duty with an occurrence in it × its twelve months.
#[derive(Debug, Clone, Serialize)]
pub struct HeatMap {
    /// The fiscal year (the calendar year it starts in).
    pub fiscal_year: i16,
    /// First month.
    pub fiscal_year_start: u8,
    /// (year, month) of each column.
    pub months: [(i16, i8); 12],
    /// Rows, by control.
    pub rows: Vec<HeatRow>,
}

/// The heat map for fiscal year `fy` as of `today` (the organisation's fiscal year start is
/// the one its duties use; April when there are none).
pub async fn heatmap(db: &Db, actor: &Actor, fy: i16, today: Date) -> Result<HeatMap, AppError> {
    actor.require(Permission::DutiesView)?;
    ensure_materialized(db, &actor.org_id, today).await?;
    let mut c = db.conn().await?;
    let duties = rows::duties(&mut c.ex(), &actor.org_id).await?;
    let start = duties
        .iter()
        .find(|d| d.decision == "scheduled")
        .and_then(|d| u8::try_from(d.fiscal_year_start).ok())
        .unwrap_or(4);
    let months = rules::fiscal_months(fy, start);
    let first = schedule::fiscal_year_start_date(fy, start);
    let last = schedule::fiscal_year_start_date(fy + 1, start).yesterday().map_err(internal)?;
    let occ = rows::occurrences_between(&mut c.ex(), &actor.org_id, &first.to_string(), &last.to_string()).await?;
    let mut by_duty: HashMap<&str, Vec<Outcome>> = HashMap::new();
    for o in &occ {
        let Ok(due) = o.due.parse::<Date>() else { continue };
        by_duty.entry(o.duty_id.as_str()).or_default().push(Outcome {
            due,
            done_on: o.done_on.as_deref().and_then(|d| d.parse().ok()),
            skipped: o.state == "skipped",
        });
    }
    let rows = duties
        .iter()
        .filter_map(|d| {
            let outcomes = by_duty.get(d.id.as_str())?;
            Some(HeatRow {
                duty_id: d.id.clone(),
                title: d.title.clone(),
                control_id: d.control_id.clone(),
                frequency: d.frequency.clone(),
                owner_role: d.owner_role.clone(),
                cells: rules::heat_row(fy, start, outcomes, today),
            })
        })
        .collect();
    Ok(HeatMap { fiscal_year: fy, fiscal_year_start: start, months, rows })
}
