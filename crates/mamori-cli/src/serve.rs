//! `mamori serve`: the web server, its background work (session sweep; daily duty
//! materialisation and Microsoft 365 retention purge; reminder rounds) and graceful shutdown.

use crate::config;
use crate::context::{Ctx, DATA_DIR};
use anyhow::{Context, Result};
use mamori_app::now_ms;
use mamori_store::Db;
use std::path::Path;

/// `mamori serve [--port N] [--bind ADDR]`.
pub async fn run(ctx: &Ctx, port: Option<u16>, bind: Option<String>) -> Result<i32> {
    let db = ctx.open_db(DATA_DIR).await?;
    serve(db, &ctx.settings, bind, port, &ctx.dir_for(DATA_DIR).join("evidence")).await?;
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
) -> Result<()> {
    let bind = bind.unwrap_or_else(|| settings.bind.clone());
    let port = port.unwrap_or(settings.port);
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
            base_url: settings.base_url.clone(),
            session_absolute_ms: absolute_ms,
        },
    );
    spawn_session_sweeper(db.clone(), absolute_ms);
    spawn_worker(db.clone(), settings);
    mamori_web::serve(listener, state, shutdown).await.context("server failed")?;
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

/// Duties are materialised daily (with the Microsoft 365 retention purge) and reminders queued
/// and sent every few minutes.
fn spawn_worker(db: Db, settings: &config::Settings) {
    let smtp = settings.smtp.clone();
    let every = std::time::Duration::from_secs(settings.reminder_interval_secs.max(10));
    tokio::spawn(async move {
        let text = mamori_web::i18n::Tr { lang: mamori_web::i18n::Lang::Ja };
        let mut purged_on: Option<jiff::civil::Date> = None;
        loop {
            let now = now_ms();
            let today = mamori_app::tokyo_date(now);
            let purge_today = purged_on != Some(today);
            purged_on = Some(today);
            let orgs = match db.conn().await {
                Ok(mut c) => mamori_store::rows::list_orgs(&mut c.ex()).await.unwrap_or_default(),
                Err(_) => Vec::new(),
            };
            for o in orgs {
                if let Err(e) = mamori_app::duties::ensure_materialized(&db, &o.id, today).await {
                    tracing::warn!(error = %e, org = %o.slug, "materialising duties failed");
                }
                if purge_today {
                    // The Microsoft 365 retention setting (kept forever unless set).
                    let a = mamori_app::Actor::cli(&o.id);
                    match mamori_app::m365::purge(&db, &a, today, now).await {
                        Ok(Some(p)) if p.events > 0 => {
                            tracing::info!(events = p.events, org = %o.slug, "retention purge")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, org = %o.slug, "retention purge failed"),
                    }
                }
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
