//! Due dates kept in registers (a certificate's expiry): a register template's `due_date`
//! rule (`mamori_domain::register_duty`) makes each live row whose date is within its lead time
//! a due occurrence of a duty generated for that row (`source_text`
//! `register-date:<register>:<row id>`, decision `event`, evidence `record` of the register,
//! the row's lead time as the duty's reminder lead time). Run inside [`super::materialize`], so
//! `mamori duties occurrences`, the reminders, the heat map and control health see it. A row
//! whose date moves (renewed) drops its open occurrences from today on and brings the new one;
//! done and missed ones stay as history.

use crate::error::internal;
use crate::{AppError, new_id};
use jiff::civil::Date;
use mamori_domain::register::{self, RegisterDef};
use mamori_domain::register_duty;
use mamori_store::Tx;
use mamori_store::rows::{self, DutyRow, OccurrenceRow};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The source text of the duty generated for a row.
pub fn source_of(register_key: &str, row_id: &str) -> String {
    format!("register-date:{register_key}:{row_id}")
}

/// Brings the occurrences of every register date rule up to `today` (in the caller's
/// transaction). `duties` and `last` (the latest due date per duty) are read before it.
pub(super) async fn sync(
    tx: &mut Tx,
    org_id: &str,
    today: Date,
    duties: &[DutyRow],
    last: &HashMap<String, String>,
) -> Result<(), AppError> {
    let defs = rows::register_defs(&mut tx.ex(), org_id).await?;
    // Generated on the day: the start of `today` in Tokyo (time stays a parameter).
    let stamp = today.to_datetime(jiff::civil::Time::midnight()).in_tz("Asia/Tokyo").map_err(internal)?;
    let stamp = stamp.timestamp().as_millisecond();
    let by_source: HashMap<&str, &DutyRow> = duties.iter().map(|d| (d.source_text.as_str(), d)).collect();
    for d in defs {
        let Ok(def) = serde_json::from_str::<RegisterDef>(&d.def_json) else { continue };
        let def = register::with_access(def);
        let Some(rule) = def.duties.as_ref().and_then(|x| x.due_date.clone()) else { continue };
        let live = rows::register_rows_all(&mut tx.ex(), org_id, &def.key, false).await?;
        let mut seen = Vec::new();
        for row in &live {
            let values: Map<String, Value> = serde_json::from_str(&row.values_json).unwrap_or_default();
            let source = source_of(&def.key, &row.id);
            let existing = by_source.get(source.as_str()).copied();
            let latest = existing.and_then(|e| last.get(&e.id)).cloned();
            seen.push(source.clone());
            let Some((due, lead)) = register_duty::row_due(&rule, &values, today) else {
                // Not (or no longer) due: a renewal far off, or ended.
                if let (Some(e), Some(l)) = (existing, &latest)
                    && l.as_str() >= today.to_string().as_str()
                {
                    rows::delete_open_occurrences_from(&mut tx.ex(), org_id, &e.id, &today.to_string()).await?;
                }
                continue;
            };
            let due = due.to_string();
            let duty_id = match existing {
                Some(e) => e.id.clone(),
                None => {
                    let name = def
                        .fields
                        .first()
                        .and_then(|f| values.get(&f.key))
                        .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
                        .unwrap_or_default();
                    let duty = DutyRow {
                        id: new_id(),
                        org_id: org_id.to_string(),
                        title: format!("{}: {name}", rule.title).chars().take(200).collect(),
                        control_id: Some(rule.control.clone()),
                        decision: "event".into(),
                        frequency: None,
                        anchor_day: 31,
                        anchor_month: 3,
                        fiscal_year_start: 4,
                        schedule_from: today.to_string(),
                        owner_role: Some(rule.owner_role.clone()),
                        source_text: source.clone(),
                        evidence: "record".into(),
                        active: 1,
                        created_at: stamp,
                        updated_at: stamp,
                        assignee_id: None,
                        register_key: Some(def.key.clone()),
                        context: String::new(),
                        anchor: None,
                        request_type: None,
                        lead_days: Some(lead),
                        confirmed_at: Some(stamp),
                        supplier_id: None,
                    };
                    rows::insert_duty(&mut tx.ex(), &duty).await?;
                    duty.id
                }
            };
            if latest.as_deref() == Some(due.as_str()) {
                continue;
            }
            if latest.as_deref().is_some_and(|l| l >= today.to_string().as_str()) {
                rows::delete_open_occurrences_from(&mut tx.ex(), org_id, &duty_id, &today.to_string()).await?;
            }
            rows::insert_occurrence(&mut tx.ex(), &OccurrenceRow::open(new_id(), org_id, duty_id, due)).await?;
        }
        // A deleted row's duty keeps its history but nothing new is due.
        let prefix = source_of(&def.key, "");
        for e in duties.iter().filter(|e| e.source_text.starts_with(&prefix) && !seen.contains(&e.source_text)) {
            rows::delete_open_occurrences_from(&mut tx.ex(), org_id, &e.id, &today.to_string()).await?;
        }
    }
    Ok(())
}
