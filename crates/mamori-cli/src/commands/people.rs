//! `mamori people`: import the staff directory from xlsx or CSV (all rows or none; every
//! problem named by file, row and column in Japanese) and export it (it imports again).

use crate::args::PeopleCommand;
use crate::context::{Ctx, DATA_DIR, actor, app_err};
use anyhow::{Context, Result};
use mamori_app::people::import;
use mamori_app::{AppError, now_ms};
use std::io::Read;

/// `mamori people …`; a refused import prints every problem (or the limit) and exits 1.
pub async fn run(c: PeopleCommand, ctx: &Ctx) -> Result<i32> {
    let db = ctx.open_db(DATA_DIR).await?;
    let ja = mamori_web::i18n::Tr { lang: mamori_web::i18n::Lang::Ja };
    match c {
        PeopleCommand::Import { file, org } => {
            let a = actor(&db, org.as_deref()).await?;
            // Never more than the cap is read (a larger file is refused naming it).
            let f = std::fs::File::open(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut bytes = Vec::new();
            f.take(import::MAX_FILE_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            match import::import(&db, &a, &name, &bytes, now_ms()).await {
                Ok(r) => {
                    for (what, lines) in [("追加", &r.created), ("更新", &r.updated)] {
                        for l in lines {
                            println!("{name}: {} 行目 {what}: {}", l.row, l.name);
                        }
                    }
                    println!(
                        "{name}: 追加 {} 人、更新 {} 人、変更なし {} 行",
                        r.created.len(),
                        r.updated.len(),
                        r.unchanged
                    );
                }
                Err(AppError::Rows(rows)) => {
                    for r in &rows {
                        let message = ja.t(&r.message);
                        let row = r.row.to_string();
                        let args =
                            [("file", name.as_str()), ("row", &row), ("column", &r.column), ("message", &message)];
                        eprintln!("{}", ja.ta("qt-problem-row", &args));
                    }
                    eprintln!("{name}: {} 件の問題があるため、取り込みませんでした", rows.len());
                    return Ok(1);
                }
                Err(AppError::TooLarge { file, key, limit, .. }) => {
                    eprintln!("{file}: {}", ja.tn(key, "limit", i64::try_from(limit).unwrap_or(i64::MAX)));
                    return Ok(1);
                }
                Err(e) => return Err(app_err(e)),
            }
        }
        PeopleCommand::Export { format, output, org } => {
            if format != "xlsx" && format != "csv" {
                anyhow::bail!("--format must be xlsx or csv");
            }
            let a = actor(&db, org.as_deref()).await?;
            let table = import::table(&db, &a).await.map_err(app_err)?;
            let bytes = mamori_app::export::render_export(&table, &format).map_err(app_err)?;
            std::fs::write(&output, bytes).with_context(|| format!("cannot write {}", output.display()))?;
            println!("wrote {} ({} people)", output.display(), table.rows.len());
        }
    }
    Ok(0)
}
