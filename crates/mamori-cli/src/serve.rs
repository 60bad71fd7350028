//! `mamori serve`: the web server, its background work (session sweep; daily duty
//! materialisation and Microsoft 365 retention purge; the daily certificate check; reminder
//! rounds; signed audit checkpoints) and graceful shutdown (with a last checkpoint).

use crate::config;
use crate::context::{Ctx, DATA_DIR};
use anyhow::{Context, Result};
use mamori_app::now_ms;
use mamori_store::Db;
use std::path::{Path, PathBuf};

/// `mamori serve [--port N] [--bind ADDR]`.
pub async fn run(ctx: &Ctx, port: Option<u16>, bind: Option<String>) -> Result<i32> {
    let db = ctx.open_db(DATA_DIR).await?;
    let key = ctx.audit_key_path(DATA_DIR);
    serve(db, &ctx.settings, bind, port, &ctx.dir_for(DATA_DIR).join("evidence"), key).await?;
    Ok(0)
}

/// Resolves on Ctrl-C or (Unix) SIGTERM. The SIGTERM handler is installed when this is
/// called, not when the future is first polled: a SIGTERM that arrives right after "serving
/// on" is printed must shut the server down gracefully, not kill it.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let term = async move {
            match term {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    }
}

/// Listens on the flag's (else the configured) address, starts the background work and serves
/// until a shutdown signal; then closes the database.
pub async fn serve(
    db: Db,
    settings: &config::Settings,
    bind: Option<String>,
    port: Option<u16>,
    evidence_dir: &Path,
    audit_key: Option<PathBuf>,
) -> Result<()> {
    let bind = bind.unwrap_or_else(|| settings.bind.clone());
    let port = port.unwrap_or(settings.port);
    mamori_app::cache::set_budget_mb(usize::try_from(settings.cache_budget_mb).unwrap_or(usize::MAX));
    let addr = format!("{bind}:{port}");
    let listener = tokio::net::TcpListener::bind(&addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let shutdown = shutdown_signal();
    eprintln!("mamori: serving on http://{}", listener.local_addr().map(|a| a.to_string()).unwrap_or(addr));
    let absolute_ms = i64::from(settings.session_absolute_hours) * 60 * 60 * 1000;
    let state = mamori_web::AppState::new(
        db.clone(),
        mamori_web::WebConfig {
            secure_cookies: settings.secure_cookies,
            login_burst: settings.login_burst,
            login_per_minute: settings.login_per_minute,
            evidence_dir: evidence_dir.to_path_buf(),
            evidence_max_bytes: 20 * 1024 * 1024,
            audit_key_file: audit_key.clone(),
            base_url: settings.base_url.clone(),
            session_absolute_ms: absolute_ms,
        },
    );
    spawn_session_sweeper(db.clone(), absolute_ms);
    spawn_worker(db.clone(), settings);
    spawn_checkpointer(db.clone(), audit_key.clone(), settings.audit_checkpoint_minutes);
    mamori_web::serve(listener, state, shutdown).await.context("server failed")?;
    if let Some(path) = &audit_key {
        checkpoint_round(&db, path).await;
    }
    db.close().await;
    Ok(())
}

/// Expired sessions (idle, or older than the absolute lifetime) are removed every ten minutes.
fn spawn_session_sweeper(db: Db, absolute_ms: i64) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(600)).await;
            if let Ok(mut c) = db.conn().await
                && let Err(e) = {
                    let now = now_ms();
                    mamori_store::rows::delete_expired_sessions(&mut c.ex(), now, now - absolute_ms).await
                }
            {
                tracing::warn!(error = %e, "session sweep failed");
            }
        }
    });
}

/// Duties are materialised daily (with the Microsoft 365 retention purge; once per organisation
/// per day across servers: `mamori_app::daily`) and reminders queued and sent every few minutes.
fn spawn_worker(db: Db, settings: &config::Settings) {
    let smtp = settings.smtp.clone();
    let every = std::time::Duration::from_secs(settings.reminder_interval_secs.max(10));
    tokio::spawn(async move {
        let text = mamori_web::i18n::Tr { lang: mamori_web::i18n::Lang::Ja };
        loop {
            let now = now_ms();
            let today = mamori_app::tokyo_date(now);
            let orgs = match db.conn().await {
                Ok(mut c) => mamori_store::rows::list_orgs(&mut c.ex()).await.unwrap_or_default(),
                Err(_) => Vec::new(),
            };
            for o in orgs {
                // Once per organisation per day across every server on this database.
                match mamori_app::daily::run_if_claimed(&db, &o.id, today, now).await {
                    Ok(Some(done)) => {
                        tracing::info!(org = %o.slug, day = %today, purged = done.purged_events, "daily job ran")
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, org = %o.slug, "daily job failed"),
                }
                spawn_certificate_check(db.clone(), o.id.clone(), o.slug.clone(), today, now);
            }
            if let Some(smtp) = &smtp {
                match mamori_app::reminders::run_once(&db, smtp, &text, now).await {
                    Ok((queued, r)) if queued + r.sent + r.failed > 0 => {
                        tracing::info!(queued, sent = r.sent, failed = r.failed, "reminder round")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "reminder round failed"),
                }
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// The organisation's daily certificate check (8.24), on its own task (a host may take up to
/// the check's time limit); once per organisation per day across servers (its own claim).
fn spawn_certificate_check(db: Db, org_id: String, slug: String, today: jiff::civil::Date, now: i64) {
    tokio::spawn(async move {
        match mamori_app::certificates::run_daily_if_claimed(&db, &org_id, today, now).await {
            Ok(Some(done)) => {
                let bad = done.iter().filter(|c| c.outcome != "ok").count();
                tracing::info!(org = %slug, checked = done.len(), needing_attention = bad, "certificate check ran")
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, org = %slug, "certificate check failed"),
        }
    });
}

/// Signs a checkpoint of every organisation's chain head that moved since its last one (the
/// key file is created on first need). A broken trail is logged as an error and not signed.
pub async fn checkpoint_round(db: &Db, key_path: &Path) {
    let key = match mamori_app::audit::load_or_create_key(key_path) {
        Ok(k) => k,
        Err(e) => {
            tracing::warn!(error = %e, "audit checkpoint: the signing key is unavailable");
            return;
        }
    };
    match mamori_app::audit::checkpoint_all(db, &key, now_ms()).await {
        Ok(outcomes) => {
            for (org, o) in outcomes {
                match o {
                    mamori_app::audit::CheckpointOutcome::Written(cp) => {
                        tracing::info!(org = %org, seq = cp.seq, key = %cp.key_id, "audit checkpoint signed")
                    }
                    mamori_app::audit::CheckpointOutcome::Unchanged(_) => {}
                    mamori_app::audit::CheckpointOutcome::Refused(e) => {
                        tracing::error!(org = %org, seq = e.first_seq(), error = %e, "audit trail broken: checkpoint not signed")
                    }
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "audit checkpoint failed"),
    }
}

/// Audit checkpoints at start and every `minutes` (only where the head moved). Without a key
/// file (PostgreSQL with neither `audit_key_file` nor a data directory) none are written.
fn spawn_checkpointer(db: Db, key_path: Option<PathBuf>, minutes: u64) {
    let Some(path) = key_path else {
        tracing::warn!(
            "no audit signing key file (set audit_key_file or a data directory): audit checkpoints are not written"
        );
        return;
    };
    let every = std::time::Duration::from_secs(minutes.max(1) * 60);
    tokio::spawn(async move {
        loop {
            checkpoint_round(&db, &path).await;
            tokio::time::sleep(every).await;
        }
    });
}
