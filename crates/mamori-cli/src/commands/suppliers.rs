//! `mamori suppliers`: questionnaire templates — import one from an xlsx check sheet (all
//! questions or none; every problem named by file, row and column in Japanese), export one, list
//! them.

use crate::args::SuppliersCommand;
use crate::context::{Ctx, DATA_DIR, actor, app_err};
use anyhow::{Context, Result};
use mamori_app::suppliers::templates;
use mamori_app::{AppError, now_ms};
use std::io::Read;

/// `mamori suppliers …`; a refused import prints every problem and exits 1.
pub async fn run(c: SuppliersCommand, ctx: &Ctx) -> Result<i32> {
    let db = ctx.open_db(DATA_DIR).await?;
    let ja = mamori_web::i18n::Tr { lang: mamori_web::i18n::Lang::Ja };
    match c {
        SuppliersCommand::Import { file, title, org } => {
            let a = actor(&db, org.as_deref()).await?;
            // Never more than the cap is read (a larger file is refused naming it).
            let f = std::fs::File::open(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut bytes = Vec::new();
            f.take(templates::MAX_FILE_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            match templates::import(&db, &a, &name, &bytes, title.as_deref(), now_ms()).await {
                Ok(t) => {
                    println!("{}", serde_json::json!({"key": t.key, "title": t.title, "questions": t.questions}));
                }
                Err(e @ AppError::Rows(_)) => {
                    let AppError::Rows(rows) = &e else { return Ok(1) };
                    for r in rows {
                        let message = ja.t(&r.message);
                        let line = if r.row > 0 {
                            ja.ta(
                                "qt-problem-row",
                                &[
                                    ("file", &name),
                                    ("row", &r.row.to_string()),
                                    ("column", &r.column),
                                    ("message", &message),
                                ],
                            )
                        } else {
                            ja.ta("qt-problem-file", &[("file", &name), ("column", &r.column), ("message", &message)])
                        };
                        eprintln!("{line}");
                    }
                    eprintln!("{name}: {} 件の問題があるため、取り込みませんでした", rows.len());
                    return Ok(1);
                }
                Err(e @ AppError::TooLarge { .. }) => {
                    let AppError::TooLarge { file, key, limit, .. } = &e else { return Ok(1) };
                    eprintln!("{file}: {}", ja.tn(key, "limit", i64::try_from(*limit).unwrap_or(i64::MAX)));
                    return Ok(1);
                }
                Err(e) => return Err(app_err(e)),
            }
        }
        SuppliersCommand::Export { template, output, org } => {
            let a = actor(&db, org.as_deref()).await?;
            let table = templates::table(&db, &a, &template).await.map_err(app_err)?;
            let bytes = mamori_app::export::render_export(&table, "xlsx").map_err(app_err)?;
            std::fs::write(&output, bytes).with_context(|| format!("cannot write {}", output.display()))?;
            println!("wrote {} ({} questions)", output.display(), table.rows.len());
        }
        SuppliersCommand::Templates { org } => {
            let a = actor(&db, org.as_deref()).await?;
            let list = templates::list(&db, &a).await.map_err(app_err)?;
            let out: Vec<serde_json::Value> = list
                .iter()
                .map(|t| serde_json::json!({"key": t.key, "title": t.title, "questions": t.questions, "shipped": t.shipped}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
    }
    Ok(0)
}
