//! `mamori audit verify`: every organisation's hash chain against its signed checkpoints; exit 1
//! naming the organisation and the first missing or altered seq. `mamori audit checkpoint`:
//! signs every organisation's chain head with the key file (created on first use).

use crate::args::AuditCommand;
use crate::context::{Ctx, DATA_DIR, app_err};
use anyhow::{Result, anyhow};
use mamori_app::audit::{self, CheckpointOutcome, Trust};
use mamori_domain::audit::Checkpoint;

/// One line describing a checkpoint.
fn describe(cp: &Checkpoint) -> String {
    format!("seq {} signed {} JST, key {}", cp.seq, mamori_web::tokyo_time(cp.signed_at_ms), cp.key_id)
}

/// `mamori audit …`.
pub async fn run(c: AuditCommand, ctx: &Ctx) -> Result<i32> {
    match c {
        AuditCommand::Verify => {
            let db = ctx.open_db(DATA_DIR).await?;
            let anchor = match ctx.audit_key_path(DATA_DIR) {
                Some(path) => {
                    let a = audit::load_anchor(&path).map_err(app_err)?;
                    if a.public_key.is_none() {
                        eprintln!(
                            "mamori: note: no audit signing key at {}: checkpoints cannot be checked",
                            path.display()
                        );
                    }
                    a
                }
                None => {
                    eprintln!(
                        "mamori: note: no audit signing key configured (audit_key_file): checkpoints cannot be checked"
                    );
                    audit::Anchor::default()
                }
            };
            let (mut broken, mut rows) = (false, 0u64);
            let all = audit::verify_all_with(&db, Trust::Anchored(&anchor)).await.map_err(app_err)?;
            for v in &all {
                let who = format!("{} ({})", v.org_slug, v.org_name);
                match &v.result {
                    Ok(n) => {
                        rows += n;
                        let latest = v.latest.as_ref().map_or_else(|| "no checkpoint yet".to_string(), describe);
                        println!("{who}: ok, {n} rows; latest checkpoint: {latest}");
                    }
                    Err(e) => {
                        broken = true;
                        println!("{who}: BROKEN at seq {}: {e}", e.first_seq());
                        eprintln!(
                            "mamori: the audit trail of organisation {who} is broken: first missing or altered seq {}",
                            e.first_seq()
                        );
                    }
                }
            }
            if !broken {
                println!("verified {} organisations, {rows} rows", all.len());
            }
            Ok(i32::from(broken))
        }
        AuditCommand::Export { format, output, from, to, org } => export(ctx, &format, &output, from, to, org).await,
        AuditCommand::Checkpoint => {
            let path = ctx.audit_key_path(DATA_DIR).ok_or_else(|| {
                anyhow!(
                    "no audit signing key file: with --database-url, set audit_key_file (MAMORI_AUDIT_KEY_FILE, \
                     --audit-key-file) or --data-dir"
                )
            })?;
            let key = audit::load_or_create_key(&path).map_err(app_err)?;
            let db = ctx.open_db(DATA_DIR).await?;
            let mut refused = false;
            for (slug, outcome) in audit::checkpoint_all(&db, &key, mamori_app::now_ms()).await.map_err(app_err)? {
                match outcome {
                    CheckpointOutcome::Written(cp) => println!("{slug}: checkpoint {}", describe(&cp)),
                    CheckpointOutcome::Unchanged(cp) => {
                        println!("{slug}: unchanged since checkpoint {}", describe(&cp))
                    }
                    CheckpointOutcome::Refused(e) => {
                        refused = true;
                        println!("{slug}: NOT SIGNED, the trail is broken at seq {}: {e}", e.first_seq());
                    }
                }
            }
            Ok(i32::from(refused))
        }
    }
}

/// After a successful import: signs the heads that moved, when a key file is known. Failures
/// are logged, not fatal (the import is committed; the server's worker signs later).
pub async fn checkpoint_after_import(ctx: &Ctx) {
    let Some(path) = ctx.audit_key_path(DATA_DIR) else { return };
    let key = match audit::load_or_create_key(&path) {
        Ok(k) => k,
        Err(e) => {
            tracing::warn!(error = %e, "audit checkpoint after the import skipped");
            return;
        }
    };
    let db = match ctx.open_db(DATA_DIR).await {
        Ok(db) => db,
        Err(e) => {
            tracing::warn!(error = %e, "audit checkpoint after the import skipped");
            return;
        }
    };
    match audit::checkpoint_all(&db, &key, mamori_app::now_ms()).await {
        Ok(outcomes) => {
            for (org, o) in outcomes {
                if let CheckpointOutcome::Refused(e) = o {
                    tracing::error!(org = %org, seq = e.first_seq(), error = %e, "audit trail broken: checkpoint not signed");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "audit checkpoint after the import failed"),
    }
    db.close().await;
}

/// `mamori audit export`: the organisation's audit log (or a period of it) as CSV or xlsx, as
/// the page exports it, in Japanese.
async fn export(
    ctx: &Ctx,
    format: &str,
    output: &std::path::Path,
    from: Option<String>,
    to: Option<String>,
    org: Option<String>,
) -> Result<i32> {
    use mamori_web::audit::export::{Format, Source, export};
    use mamori_web::audit::filter::FilterQuery;
    let Some(f) = Format::parse(format) else {
        return Err(anyhow!("--format: {format:?} is not a format of the audit export; use csv or xlsx"));
    };
    let q = FilterQuery {
        from: from.clone().unwrap_or_default(),
        to: to.clone().unwrap_or_default(),
        ..FilterQuery::default()
    };
    let filter = q.read().map_err(|problems| {
        let said: Vec<String> = problems
            .iter()
            .map(|(field, key)| match key.as_str() {
                "field-not-date" => format!("--{field}: not a date (YYYY-MM-DD)"),
                "audit-filter-to-before-from" => "--to: the last day is before --from".to_string(),
                _ => format!("--{field}: too long"),
            })
            .collect();
        anyhow!(said.join("; "))
    })?;
    let db = ctx.open_db(DATA_DIR).await?;
    let actor = crate::context::actor(&db, org.as_deref()).await?;
    let org_row = mamori_app::org::resolve(&db, org.as_deref()).await.map_err(app_err)?;
    let anchor = match ctx.audit_key_path(DATA_DIR) {
        Some(path) => audit::load_anchor(&path).map_err(app_err)?,
        None => audit::Anchor::default(),
    };
    let t = mamori_web::i18n::Tr { lang: mamori_web::i18n::Lang::Ja };
    let src = Source { org_name: &org_row.name, anchor: &anchor, now: mamori_app::now_ms(), period: (from, to) };
    let (bytes, rows) = match export(&db, &actor, &t, &filter, f, &src).await {
        Ok(x) => x,
        Err(mamori_app::AppError::Validation(_)) => {
            return Err(anyhow!(
                "more than {} audit entries in the period: choose a shorter one with --from and --to",
                audit::EXPORT_MAX_ROWS
            ));
        }
        Err(e) => return Err(app_err(e)),
    };
    std::fs::write(output, bytes).map_err(|e| anyhow!("cannot write {}: {e}", output.display()))?;
    println!("wrote {} ({rows} entries)", output.display());
    Ok(0)
}
