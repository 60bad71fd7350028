//! `mamori regulation`: parse a 管理策規程 (no database), import it as the next version, list
//! the versions, extend the parser's dictionary.

use crate::args::RegulationCommand;
use crate::context::{Ctx, DATA_DIR, actor, app_err};
use anyhow::{Result, anyhow, bail};
use mamori_app::{AppError, now_ms};
use std::path::Path;

/// `mamori regulation parse FILE`: JSON on stdout, diagnostics on stderr. Pure: no database,
/// no configuration.
pub fn parse(file: &Path, format: &str) -> Result<i32> {
    if format != "json" {
        bail!("unknown format {format:?} (json)");
    }
    let reg = mamori_app::regulation_file::parse_file(file, &mamori_regulation::Dictionaries::default())?;
    for d in &reg.diagnostics {
        eprintln!("{}:{}: {}", file.display(), d.line, d.message);
    }
    println!("{}", serde_json::to_string_pretty(&reg)?);
    Ok(0)
}

/// `mamori regulation …`.
pub async fn run(c: RegulationCommand, ctx: &Ctx) -> Result<i32> {
    if let RegulationCommand::Parse { file, format } = &c {
        return parse(file, format);
    }
    let db = ctx.open_db(DATA_DIR).await?;
    match c {
        RegulationCommand::Parse { .. } => {}
        RegulationCommand::Import { file, org } => {
            let a = actor(&db, org.as_deref()).await?;
            let bytes = mamori_app::regulation_file::read_capped(&file)?;
            let text = mamori_app::regulation_file::text_of(&file, &bytes)?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let imported =
                mamori_app::regulation::import_text(&db, &a, &name, &text, now_ms()).await.map_err(|e| match e {
                    AppError::NotARegulation(m) => anyhow!("{}: {m}", file.display()),
                    other => app_err(other),
                })?;
            for d in &imported.diagnostics {
                eprintln!("{}:{}: {}", file.display(), d.line, d.message);
            }
            println!(
                "imported {} as version {} ({} controls, {} diagnostics)",
                file.display(),
                imported.version.version_no,
                imported.controls,
                imported.diagnostics.len()
            );
        }
        RegulationCommand::Versions { org } => {
            let a = actor(&db, org.as_deref()).await?;
            for v in mamori_app::regulation::versions(&db, &a).await.map_err(app_err)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    v.version_no,
                    v.doc_number.unwrap_or_default(),
                    v.edition.unwrap_or_default(),
                    v.doc_date.unwrap_or_default(),
                    v.source_name
                );
            }
        }
        RegulationCommand::DictionaryAdd { org, kind, name, aliases } => {
            let a = actor(&db, org.as_deref()).await?;
            mamori_app::regulation::add_dictionary_entry(&db, &a, &kind, &name, aliases, now_ms())
                .await
                .map_err(app_err)?;
            println!("{kind} {name} added");
        }
    }
    Ok(0)
}
