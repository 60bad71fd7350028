//! `cargo bench -p mamori-web --bench answers`
//!
//! The large fixed answers, served from their cached serialisation ([`mamori_web::answers`])
//! with the seed regulation imported on SQLite, under 32 keep-alive clients:
//! `GET /api/v1/controls` (about 139 KB of JSON), `GET /api/v1/soa`, `GET /api/v1/catalogue`,
//! each plain, with `Accept-Encoding: br, gzip`, and revalidated with `If-None-Match` (304).
//! Target: p99 < 10 ms for each. Baseline: `GET /healthz` under the same load, same session.
//! Reports the answer cache's hit rate. `MAMORI_BENCH_SMOKE=1`: a few requests, targets not
//! enforced.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{cache_report, client_with, load_with, smoke, usage_report};
use mamori_store::Db;
use std::time::Duration;

const SEED: &str = include_str!("../../../examples/seed-regulation.txt");

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = std::env::temp_dir().join(format!("mamori-bench-answers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or(());
    let db = Db::open_sqlite_dir(&dir).await.unwrap_or_else(|e| panic!("{e}"));
    db.migrate().await.unwrap_or_else(|e| panic!("{e}"));
    let now = mamori_app::now_ms();
    let (actor, token) = common::admin_session(&db, &["system_admin"], now).await;
    mamori_app::regulation::import_text(&db, &actor, "seed.txt", SEED, now).await.unwrap_or_else(|e| panic!("{e}"));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let state = mamori_web::AppState::new(db.clone(), mamori_web::WebConfig::default());
    tokio::spawn(mamori_web::serve(listener, state, std::future::pending()));
    let cookie = format!("mamori_session={token}");
    let none: Vec<(String, String)> = vec![];
    let _ = load_with(addr, &cookie, &none, |_, _| "/healthz".to_string()).await;
    let (h50, h99, hrps) = load_with(addr, &cookie, &none, |_, _| "/healthz".to_string()).await;
    println!(
        "answers benchmark: seed regulation (93 controls), SQLite, {} build, 2 worker threads",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    println!("baseline GET /healthz p50 {h50:?} p99 {h99:?} ({hrps:.0} req/s)");
    let mut ok = true;
    for path in ["/api/v1/controls", "/api/v1/soa", "/api/v1/catalogue"] {
        // Warm-up (first build of the answer), and its ETag and sizes.
        let first = client_with(addr, vec![path.to_string()], cookie.clone(), none.clone()).await;
        let etag = first.etag.clone().unwrap_or_default();
        let br = client_with(
            addr,
            vec![path.to_string()],
            cookie.clone(),
            vec![("Accept-Encoding".into(), "br, gzip".into())],
        )
        .await;
        println!("{path}: {} bytes, {} bytes with brotli", first.body_bytes, br.body_bytes);
        mamori_app::cache_stats::reset();
        for (name, headers) in [
            ("plain", none.clone()),
            ("br/gzip", vec![("Accept-Encoding".to_string(), "br, gzip".to_string())]),
            ("If-None-Match (304)", vec![("If-None-Match".to_string(), etag.clone())]),
        ] {
            let (p50, p99, rps) = load_with(addr, &cookie, &headers, |_, _| path.to_string()).await;
            let met = p99 < Duration::from_millis(10);
            ok &= met;
            println!(
                "  {name}: p50 {p50:?} p99 {p99:?} ({rps:.0} req/s) = {:.1} x baseline p99; target p99 < 10 ms: {}",
                p99.as_secs_f64() / h99.as_secs_f64().max(1e-9),
                if met { "met" } else { "MISSED" }
            );
        }
        println!("  {}", cache_report());
    }
    println!("memory: {}", usage_report());
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    std::process::exit(i32::from(!ok && !smoke()));
}
