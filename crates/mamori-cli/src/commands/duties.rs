//! `mamori duties`: the recurring duties (定期業務) offered from the regulation and their
//! occurrences, as JSON.

use crate::args::DutiesCommand;
use crate::context::{Ctx, DATA_DIR, actor, app_err};
use anyhow::{Context, Result, bail};
use mamori_app::now_ms;

/// `mamori duties …`: offers any new duties from the current regulation first (they are
/// scheduled once confirmed: `mamori duties confirm`).
pub async fn run(c: DutiesCommand, ctx: &Ctx) -> Result<i32> {
    let db = ctx.open_db(DATA_DIR).await?;
    let today = mamori_app::tokyo_date(now_ms());
    let (org, format) = match &c {
        DutiesCommand::List { org, format } | DutiesCommand::Occurrences { org, format, .. } => {
            (org.clone(), format.clone())
        }
        DutiesCommand::Confirm { org, .. } => (org.clone(), "json".to_string()),
    };
    if format != "json" {
        bail!("unknown format {format:?} (json)");
    }
    let a = actor(&db, org.as_deref()).await?;
    mamori_app::duties::offer_from_regulation(&db, &a, today, now_ms()).await.map_err(app_err)?;
    match c {
        DutiesCommand::Confirm { ids, from, .. } => {
            let from = match from {
                Some(f) => f.parse().with_context(|| format!("not a date (YYYY-MM-DD): {f}"))?,
                None => today,
            };
            let n = mamori_app::duties::confirm(&db, &a, &ids, from, today, now_ms()).await.map_err(app_err)?;
            println!("{}", serde_json::json!({ "confirmed": n }));
        }
        DutiesCommand::List { .. } => {
            let list = mamori_app::duties::list(&db, &a, today).await.map_err(app_err)?;
            let out: Vec<serde_json::Value> = list.iter().map(|d| d.contract()).collect();
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        DutiesCommand::Occurrences { from, to, .. } => {
            let (fy_first, fy_last) = mamori_app::duties::fiscal_year_range(today).map_err(app_err)?;
            let parse = |s: Option<String>, default: jiff::civil::Date| -> Result<jiff::civil::Date> {
                match s {
                    Some(s) => s.parse().with_context(|| format!("not a date (YYYY-MM-DD): {s}")),
                    None => Ok(default),
                }
            };
            let from = parse(from, fy_first)?;
            let to = parse(to, fy_last)?;
            let occ = mamori_app::duties::occurrences(&db, &a, from, to, today).await.map_err(app_err)?;
            let people = mamori_app::users::people(&db, &a).await.map_err(app_err)?;
            let out: Vec<serde_json::Value> = occ.iter().map(|o| o.contract_named(&people)).collect();
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
    }
    Ok(0)
}
