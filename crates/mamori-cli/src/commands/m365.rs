//! `mamori m365`: Microsoft 365 exports — import (each file kept as evidence), detections over
//! the stored events, retention purge, event search; JSON on stdout.

use crate::args::M365Command;
use crate::context::{Ctx, DATA_DIR, actor, app_err};
use anyhow::{Context, Result, bail};
use mamori_app::now_ms;
use mamori_store::Db;
use std::path::{Path, PathBuf};

/// `mamori m365 …`.
pub async fn run(c: M365Command, ctx: &Ctx) -> Result<i32> {
    let data = ctx.dir_for(DATA_DIR);
    let db = ctx.open_db(DATA_DIR).await?;
    let code = match c {
        M365Command::Import { files, org, format } => import(&db, &data, &files, org.as_deref(), &format).await?,
        M365Command::Purge { org } => purge(&db, org.as_deref()).await?,
        M365Command::Detect { org, since, format } => detect(&db, org.as_deref(), since, &format).await?,
        M365Command::Events { org, user, operation, ip, workload, from, to, limit, format } => {
            if format != "json" {
                bail!("unknown format {format:?} (json)");
            }
            let q = mamori_app::m365::EventQuery {
                user: user.unwrap_or_default(),
                operation: operation.unwrap_or_default(),
                ip: ip.unwrap_or_default(),
                workload: workload.unwrap_or_default(),
                from: from.unwrap_or_default(),
                to: to.unwrap_or_default(),
                limit,
            };
            events(&db, org.as_deref(), &q).await?
        }
    };
    db.close().await;
    Ok(code)
}

/// Imports every file; a file that is not a Microsoft 365 export is reported and makes the
/// exit code 1 (the others are still imported).
async fn import(db: &Db, data: &Path, files: &[PathBuf], org: Option<&str>, format: &str) -> Result<i32> {
    if format != "json" {
        bail!("unknown format {format:?} (json)");
    }
    let a = actor(db, org).await?;
    let store = mamori_app::evidence::EvidenceStore { dir: data.join("evidence"), max_bytes: 20 * 1024 * 1024 };
    let mut out = Vec::new();
    let mut failed = false;
    for f in files {
        match mamori_app::m365::import_file(db, &a, &store, f, now_ms()).await {
            Ok(r) => {
                for (line, reason) in &r.rejections {
                    eprintln!("{}: line {line}: {reason}", f.display());
                }
                out.push(serde_json::json!({
                    "path": r.path, "format": r.format, "sha256": r.sha256, "read": r.read,
                    "new": r.new, "duplicate": r.duplicate, "rejected": r.rejected,
                }));
            }
            Err(e) => {
                failed = true;
                eprintln!("{}", app_err(e));
            }
        }
    }
    println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "files": out }))?);
    Ok(i32::from(failed))
}

/// Applies the retention setting now and prints what it deleted.
async fn purge(db: &Db, org: Option<&str>) -> Result<i32> {
    let a = actor(db, org).await?;
    let now = now_ms();
    let purged = mamori_app::m365::purge(db, &a, mamori_app::tokyo_date(now), now).await.map_err(app_err)?;
    println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "purged": purged }))?);
    Ok(0)
}

/// Runs the detections over the stored events (from `since` when given).
async fn detect(db: &Db, org: Option<&str>, since: Option<String>, format: &str) -> Result<i32> {
    if format != "json" {
        bail!("unknown format {format:?} (json)");
    }
    let a = actor(db, org).await?;
    let since = match since {
        Some(s) => {
            Some(s.parse::<jiff::civil::Date>().with_context(|| format!("--since: not a date (YYYY-MM-DD): {s}"))?)
        }
        None => None,
    };
    let hits = mamori_app::m365::detect(db, &a, since).await.map_err(app_err)?;
    println!("{}", serde_json::to_string_pretty(&hits)?);
    Ok(0)
}

/// Prints the stored events matching `q`, each with its original `audit_data`.
async fn events(db: &Db, org: Option<&str>, q: &mamori_app::m365::EventQuery) -> Result<i32> {
    let a = actor(db, org).await?;
    let list = mamori_app::m365::events(db, &a, q).await.map_err(app_err)?;
    let out: Vec<serde_json::Value> = list
        .iter()
        .map(|e| {
            serde_json::json!({
                "id": e.audit_id, "time": e.at, "operation": e.operation, "user": e.user_id,
                "ip": e.ip, "workload": e.workload, "record_type": e.record_type, "result": e.result,
                "audit_data": serde_json::from_str::<serde_json::Value>(&e.raw).unwrap_or(serde_json::Value::Null),
            })
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(0)
}
