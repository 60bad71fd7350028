//! `mamori backup --output FILE [--complete-duty --as LOGIN]`, `mamori backup verify FILE` and
//! `mamori restore FILE`: one archive with every table, the evidence files and a manifest
//! (`mamori_app::backup`). Exit 1 naming what failed (an altered member, a non-empty target,
//! a broken audit chain); 2 for other errors.

use crate::args::{BackupArgs, BackupCommand};
use crate::context::{Ctx, DATA_DIR, app_err};
use anyhow::{Result, bail};
use mamori_app::backup::{self, BackupError, RestoreReport};
use mamori_app::now_ms;
use std::path::Path;

/// `mamori backup …`.
pub async fn run(a: BackupArgs, ctx: &Ctx) -> Result<i32> {
    if let Some(BackupCommand::Verify { file }) = a.command {
        return verify(&file).await;
    }
    let Some(output) = a.output else {
        bail!("name the archive to write with --output FILE (or check one with `backup verify FILE`)");
    };
    if a.complete_duty && a.as_login.is_none() {
        bail!("--complete-duty needs --as LOGIN: the person completing the backup duty");
    }
    let db = ctx.open_db(DATA_DIR).await?;
    let evidence_dir = ctx.dir_for(DATA_DIR).join("evidence");
    let now = now_ms();
    let key = ctx.audit_key_path(DATA_DIR);
    let done = match backup::create(&db, &evidence_dir, key.as_deref(), &output, now).await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("mamori: backup failed: {e}");
            return Ok(1);
        }
    };
    let rows: i64 = done.manifest.tables.iter().map(|t| t.rows).sum();
    println!(
        "backup written to {}: {} tables, {rows} rows, {} evidence files",
        output.display(),
        done.manifest.tables.len(),
        done.manifest.evidence.len()
    );
    println!("manifest sha256: {}", done.manifest_sha256);
    if a.complete_duty
        && let Some(login) = a.as_login
    {
        let store = mamori_app::evidence::EvidenceStore { dir: evidence_dir, max_bytes: 20 * 1024 * 1024 };
        let name = output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let today = mamori_app::tokyo_date(now);
        match backup::complete_duty(&db, &store, a.org.as_deref(), &login, &done, &name, today, now).await {
            Ok(o) => println!("backup duty ({}) due {} completed by {login}", backup::BACKUP_CONTROL, o.due),
            Err(e) => {
                eprintln!("mamori: the backup is written, but the backup duty was not completed: {:#}", app_err(e));
                return Ok(1);
            }
        }
    }
    db.close().await;
    Ok(0)
}

fn print_report(r: &RestoreReport) -> i32 {
    for (org, n) in &r.chains {
        println!("audit chain {org}: ok ({n} rows)");
    }
    for p in &r.problems {
        eprintln!("mamori: {p}");
    }
    i32::from(!r.problems.is_empty())
}

fn failed(what: &str, e: &BackupError) -> i32 {
    eprintln!("mamori: {what} failed: {e}");
    1
}

/// `mamori backup verify FILE`.
async fn verify(file: &Path) -> Result<i32> {
    match backup::verify(file, &std::env::temp_dir()).await {
        Ok((m, r)) => {
            println!(
                "backup {} ({} from {}, schema {}): {} tables, {} rows, {} evidence files",
                file.display(),
                m.engine,
                m.created_at,
                m.schema_level,
                r.tables,
                r.rows,
                r.evidence
            );
            let code = print_report(&r);
            if code == 0 {
                println!("ok");
            }
            Ok(code)
        }
        Err(e) => Ok(failed("backup verify", &e)),
    }
}

/// `mamori restore FILE` into the target of `--data-dir` / `--database-url`.
pub async fn restore(file: &Path, ctx: &Ctx) -> Result<i32> {
    let db = ctx.open_db(DATA_DIR).await?;
    let evidence_dir = ctx.dir_for(DATA_DIR).join("evidence");
    let key = ctx.audit_key_path(DATA_DIR);
    let result = backup::restore(&db, &evidence_dir, key.as_deref(), file).await;
    db.close().await;
    match result {
        Ok(r) => {
            println!(
                "restored {}: {} tables, {} rows, {} evidence files",
                file.display(),
                r.tables,
                r.rows,
                r.evidence
            );
            if let (true, Some(k)) = (r.key_restored, &key) {
                println!("audit signing key restored to {}", k.display());
            }
            let code = print_report(&r);
            if code == 0 {
                println!("ok");
            }
            Ok(code)
        }
        Err(e) => Ok(failed("restore", &e)),
    }
}
