//! `cargo bench -p mamori-web --bench registers`
//!
//! With 10,000 assets in an SQLite database:
//! 1. import of the 10,000-row CSV (target < 2 s), baseline: reading the same file's grid;
//! 2. xlsx export of the register (target < 1 s), baseline: the CSV export of the same table;
//! 3. a filtered and sorted page of 100 rows over HTTP on 127.0.0.1 under 32 concurrent clients
//!    (target p99 < 20 ms), baseline: `GET /healthz` under the same load.
//!
//! Prints the figures and exits non-zero when a target is missed.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{CLIENTS, REQUESTS_PER_CLIENT, client, load};
use mamori_app::registers;
use mamori_store::Db;
use std::time::{Duration, Instant};

const ROWS: usize = 10_000;

fn csv() -> Vec<u8> {
    let mut s = String::from("情報資産名称,業務分類,管理部署,機密性,完全性,可用性,脅威,脆弱性,個人情報の種類\r\n");
    let mut x: u64 = 42;
    let mut next = || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 33) % 3 + 1
    };
    let areas = ["営業", "総務", "経理", "開発", "人事"];
    for i in 0..ROWS {
        let pi = if i % 7 == 0 { "個人情報" } else { "" };
        s.push_str(&format!(
            "資産{i:05},{},{}部,{},{},{},{},{},{pi}\r\n",
            areas[i % 5],
            areas[(i / 5) % 5],
            next(),
            next(),
            next(),
            next(),
            next()
        ));
    }
    s.into_bytes()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = std::env::temp_dir().join(format!("mamori-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or(());
    let db = Db::open_sqlite_dir(&dir).await.unwrap_or_else(|e| panic!("{e}"));
    db.migrate().await.unwrap_or_else(|e| panic!("{e}"));
    let now = mamori_app::now_ms();
    let (actor, token) = common::admin_session(&db, &["system_admin"], now).await;

    // 1. Import.
    let file = csv();
    let t = Instant::now();
    let grid = registers::read_grid("assets.csv", &file).unwrap_or_else(|e| panic!("{e}"));
    let base_import = t.elapsed();
    assert_eq!(grid.len(), ROWS + 1);
    let t = Instant::now();
    let report =
        registers::import(&db, &actor, "assets", "assets.csv", &file, now).await.unwrap_or_else(|e| panic!("{e:?}"));
    let import = t.elapsed();
    assert_eq!(report.created, ROWS);

    // 2. Export.
    let table = registers::table(&db, &actor, "assets").await.unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    let csv_out = mamori_app::export::csv(&table);
    let base_export = t.elapsed();
    let t = Instant::now();
    let table2 = registers::table(&db, &actor, "assets").await.unwrap_or_else(|e| panic!("{e}"));
    let xlsx = mamori_app::export::xlsx(&table2).unwrap_or_else(|e| panic!("{e}"));
    let export = t.elapsed();
    assert!(xlsx.len() > 100_000 && csv_out.len() > 100_000);

    // 3. Pages over HTTP.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let state = mamori_web::AppState::new(db.clone(), mamori_web::WebConfig::default());
    tokio::spawn(mamori_web::serve(listener, state, std::future::pending()));
    let cookie = format!("mamori_session={token}");
    // Warm-up: connections, and the register's in-memory index (built once after a write).
    let _ = load(addr, &cookie, |_, _| "/healthz".to_string()).await;
    let _ = client(addr, vec!["/api/v1/registers/assets/rows?sort=-risk".to_string()], cookie.clone()).await;
    let (h50, h99, hrps) = load(addr, &cookie, |_, _| "/healthz".to_string()).await;
    let (p50, p99, prps) = load(addr, &cookie, |c, i| {
        let page = (c + i) % 20 + 1;
        format!("/api/v1/registers/assets/rows?q=%E5%96%B6%E6%A5%AD&sort=-risk&page={page}&per_page=100")
    })
    .await;

    println!("registers benchmark: {ROWS} assets, SQLite, release build, 2 worker threads");
    println!(
        "import:  baseline (read the CSV grid) {base_import:?}; import {import:?} = {:.1} x baseline; target < 2 s: {}",
        import.as_secs_f64() / base_import.as_secs_f64().max(1e-9),
        if import < Duration::from_secs(2) { "met" } else { "MISSED" }
    );
    println!(
        "export:  baseline (CSV) {base_export:?}; xlsx {export:?} = {:.1} x baseline; target < 1 s: {}",
        export.as_secs_f64() / base_export.as_secs_f64().max(1e-9),
        if export < Duration::from_secs(1) { "met" } else { "MISSED" }
    );
    println!(
        "pages:   baseline GET /healthz p50 {h50:?} p99 {h99:?} ({hrps:.0} req/s); filtered+sorted page of 100: p50 {p50:?} p99 {p99:?} ({prps:.0} req/s) = {:.1} x baseline p99; {CLIENTS} clients x {REQUESTS_PER_CLIENT}; target p99 < 20 ms: {}",
        p99.as_secs_f64() / h99.as_secs_f64().max(1e-9),
        if p99 < Duration::from_millis(20) { "met" } else { "MISSED" }
    );
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    let missed =
        import >= Duration::from_secs(2) || export >= Duration::from_secs(1) || p99 >= Duration::from_millis(20);
    std::process::exit(i32::from(missed));
}
