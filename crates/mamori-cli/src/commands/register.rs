//! `mamori register`: list the registers (台帳・記録), export one, import one (all rows or none).

use crate::args::RegisterCommand;
use crate::context::{Ctx, DATA_DIR, actor, app_err};
use anyhow::{Context, Result, bail};
use mamori_app::{AppError, now_ms};

/// `mamori register …`; an invalid import prints every (row, column, message) and exits 1.
pub async fn run(c: RegisterCommand, ctx: &Ctx) -> Result<i32> {
    let db = ctx.open_db(DATA_DIR).await?;
    match c {
        RegisterCommand::List { org, format } => {
            let a = actor(&db, org.as_deref()).await?;
            let list = mamori_app::registers::list(&db, &a, now_ms()).await.map_err(app_err)?;
            if format != "json" {
                bail!("unknown format {format:?} (json)");
            }
            let out: Vec<serde_json::Value> = list
                .iter()
                .map(|s| serde_json::json!({"key": s.def.key, "name": s.def.name, "controls": s.def.controls, "rows": s.rows, "label": s.def.label}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        RegisterCommand::Export { key, format, output, org } => {
            let a = actor(&db, org.as_deref()).await?;
            let table = mamori_app::registers::table(&db, &a, &key).await.map_err(app_err)?;
            let bytes = mamori_app::documents::render_export(&table, &format).map_err(app_err)?;
            std::fs::write(&output, bytes).with_context(|| format!("cannot write {}", output.display()))?;
            println!("wrote {} ({} rows)", output.display(), table.rows.len());
        }
        RegisterCommand::Import { key, file, org } => {
            let a = actor(&db, org.as_deref()).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let name = file.display().to_string();
            match mamori_app::registers::import(&db, &a, &key, &name, &bytes, now_ms()).await {
                Ok(r) => println!(
                    "{}: {} added, {} updated, {} unchanged",
                    file.display(),
                    r.created,
                    r.updated,
                    r.unchanged
                ),
                Err(AppError::Rows(problems)) => {
                    for p in &problems {
                        eprintln!("{}: row {}, column {}: {}", file.display(), p.row, p.column, p.message);
                    }
                    eprintln!("{}: {} problems; nothing was imported", file.display(), problems.len());
                    return Ok(1);
                }
                Err(e) => return Err(app_err(e)),
            }
        }
    }
    Ok(0)
}
