//! `cargo bench -p mamori-web --bench orgs` (PostgreSQL: `MAMORI_TEST_PG_URL`)
//!
//! Many organisations in one PostgreSQL database. A generator creates organisations with a
//! small company's data each, and a mixed load of real page and API requests is sent, first
//! against a database holding one organisation (the baseline, same run, same server), then
//! spread over all organisations. Target: the mix's p99 over all organisations stays within
//! 20 % of the one-organisation p99, with the cache inside its budget.
//!
//! Sizes (environment): `MAMORI_BENCH_ORGS` (default 1,000), `MAMORI_BENCH_ASSETS` assets per
//! organisation (default 500). Every organisation gets the seed regulation (so controls and
//! the SoA exist) and its assets through the register import; an administrator session.
//! Not generated yet (see BENCHMARKS.md): duties with two years of occurrences, requests,
//! incidents and Microsoft 365 events.
//!
//! The mix per request (organisation drawn uniformly): 40 % a varied register list page, 20 %
//! `GET /api/v1/controls`, 10 % `GET /api/v1/soa`, 15 % the dashboard `/`, 15 % `/duties`.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{clients, requests_per_client, rss_mb, smoke, usage_report};
use mamori_app::{Actor, registers};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SEED: &str = include_str!("../../../examples/seed-regulation.txt");

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn assets_csv(n: usize, salt: usize) -> Vec<u8> {
    let mut s = String::from("情報資産名称,業務分類,管理部署,機密性,完全性,可用性,脅威,脆弱性,個人情報の種類\r\n");
    let areas = ["営業", "総務", "経理", "開発", "人事"];
    for i in 0..n {
        let v = |k: usize| (i * 7 + salt + k) % 3 + 1;
        let pi = if i % 7 == 0 { "個人情報" } else { "" };
        s.push_str(&format!(
            "資産{i:05},{},{}部,{},{},{},{},{},{pi}\r\n",
            areas[i % 5],
            areas[(i / 5) % 5],
            v(0),
            v(1),
            v(2),
            v(3),
            v(4)
        ));
    }
    s.into_bytes()
}

/// One organisation with its data and an administrator's session cookie.
async fn make_org(db: &mamori_store::Db, i: usize, assets: usize, now: i64) -> (Actor, String) {
    let slug = format!("org{i:04}");
    let o = mamori_app::org::create(db, &slug, &slug, now).await.unwrap_or_else(|e| panic!("{e}"));
    let cli = Actor::cli(&o.id);
    let login = format!("admin-{slug}");
    mamori_app::users::create(
        db,
        &cli,
        mamori_app::users::NewUser {
            login_id: login.clone(),
            display_name: login.clone(),
            email: String::new(),
            password: "Initial123".into(),
            roles: vec!["system_admin".into(), "security_manager".into()],
        },
        now,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let s = mamori_app::session::login(
        db,
        mamori_app::session::LoginRequest {
            organization: Some(slug.clone()),
            login_id: login,
            password: "Initial123".into(),
            totp: None,
        },
        now,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let info = mamori_app::session::lookup(db, &s.token, now).await.ok().flatten().unwrap_or_else(|| panic!("session"));
    let s = mamori_app::session::change_password(db, &info, "Initial123", "Bench12345", now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    mamori_app::regulation::import_text(db, &cli, "seed.txt", SEED, now).await.unwrap_or_else(|e| panic!("{e}"));
    let csv = assets_csv(assets, i);
    registers::import(db, &cli, "assets", "assets.csv", &csv, now).await.unwrap_or_else(|e| panic!("{e:?}"));
    (cli, format!("mamori_session={}", s.token))
}

/// One keep-alive connection sending (path, cookie) pairs; latencies.
async fn client(addr: std::net::SocketAddr, reqs: Vec<(String, String)>) -> Vec<Duration> {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap_or_else(|e| panic!("{e}"));
    let mut buf = vec![0u8; 1 << 21];
    let mut out = Vec::new();
    for (p, cookie) in reqs {
        let t = Instant::now();
        s.write_all(format!("GET {p} HTTP/1.1\r\nHost: bench\r\nCookie: {cookie}\r\n\r\n").as_bytes()).await.unwrap();
        let mut have = 0;
        let (end, len) = loop {
            let n = s.read(&mut buf[have..]).await.unwrap();
            assert!(n > 0, "closed");
            have += n;
            if let Some(pos) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..pos]).to_lowercase();
                assert!(head.starts_with("http/1.1 200"), "{p}: {head}");
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                break (pos + 4, len);
            }
        };
        while have < end + len {
            let n = s.read(&mut buf[have..]).await.unwrap();
            assert!(n > 0, "closed");
            have += n;
        }
        out.push(t.elapsed());
    }
    out
}

fn mix(c: usize, i: usize, seed: u64, n_orgs: usize) -> (usize, String) {
    let mut x = (c as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (i as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9)
        ^ seed.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    x = x.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    x ^= x >> 29;
    let org = (x % n_orgs as u64) as usize;
    let terms = ["", "営業", "総務", "資産0", "資産01", "資産2", "個人情報", "部"];
    let sorts = ["name", "risk", "importance", "confidentiality", "department"];
    let path = match (x >> 12) % 20 {
        0..=7 => {
            let term = terms[((x >> 20) % terms.len() as u64) as usize];
            let sort = sorts[((x >> 28) % sorts.len() as u64) as usize];
            let q: String = term.bytes().map(|b| format!("%{b:02X}")).collect();
            format!("/api/v1/registers/assets/rows?q={q}&sort=-{sort}&page=1&per_page=100")
        }
        8..=11 => "/api/v1/controls".to_string(),
        12..=13 => "/api/v1/soa".to_string(),
        14..=16 => "/".to_string(),
        _ => "/duties".to_string(),
    };
    (org, path)
}

async fn run_mix(addr: std::net::SocketAddr, cookies: &[String], seed: u64) -> (Duration, Duration, f64) {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients() {
        let reqs: Vec<(String, String)> = (0..requests_per_client())
            .map(|i| {
                let (org, path) = mix(c, i, seed, cookies.len());
                (path, cookies[org].clone())
            })
            .collect();
        tasks.push(tokio::spawn(client(addr, reqs)));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    let n = all.len().max(1);
    (all[n / 2], all[(n * 99 / 100).min(n - 1)], n as f64 / secs)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let orgs = env_num("MAMORI_BENCH_ORGS", if smoke() { 3 } else { 1_000 });
    let assets = env_num("MAMORI_BENCH_ASSETS", if smoke() { 20 } else { 500 });
    let Some(t) = mamori_store::testing::fresh_db(mamori_store::Engine::Postgres).await else {
        println!("orgs benchmark: MAMORI_TEST_PG_URL is not set; skipped");
        std::process::exit(i32::from(!smoke()));
    };
    let db = t.db().clone();
    let now = mamori_app::now_ms();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let state = mamori_web::AppState::new(db.clone(), mamori_web::WebConfig::default());
    tokio::spawn(mamori_web::serve(listener, state, std::future::pending()));

    // Baseline: the database holds one organisation.
    let mut cookies = vec![make_org(&db, 0, assets, now).await.1];
    let _ = run_mix(addr, &cookies, 1).await; // warm-up: indexes, answers, connections
    mamori_app::cache_stats::reset();
    let one = run_mix(addr, &cookies, 2).await;
    let one_cache = common::cache_report();

    // Generate the rest.
    let t0 = Instant::now();
    for i in 1..orgs {
        cookies.push(make_org(&db, i, assets, now).await.1);
        if i % 100 == 0 {
            eprintln!("{i} organisations in {:?}", t0.elapsed());
        }
    }
    let generated = t0.elapsed();
    let size: i64 = match &db {
        mamori_store::Db::Pg(p) => mamori_store::sqlx::query_scalar("SELECT pg_database_size(current_database())")
            .fetch_one(p)
            .await
            .unwrap_or(0),
        mamori_store::Db::Sqlite(_) => 0,
    };
    mamori_app::cache::reset_peak();
    mamori_app::cache_stats::reset();
    // Warm-up: every organisation's pages once (as a day's first visits would), so that both
    // runs measure the steady state; what no longer fits the budget is evicted and rebuilt.
    let warm: Vec<(String, String)> = cookies
        .iter()
        .flat_map(|c| {
            ["/api/v1/registers/assets/rows?sort=-risk&per_page=100", "/api/v1/controls", "/api/v1/soa", "/", "/duties"]
                .into_iter()
                .map(move |p| (p.to_string(), c.clone()))
        })
        .collect();
    // Twice: an organisation's first dashboard visit of the day materialises its duties (a
    // write, which moves the versions the caches built before it were keyed by).
    let per = warm.len().div_ceil(clients());
    for _ in 0..2 {
        let tasks: Vec<_> = warm.chunks(per.max(1)).map(|ch| tokio::spawn(client(addr, ch.to_vec()))).collect();
        for t in tasks {
            let _ = t.await;
        }
    }
    let many = run_mix(addr, &cookies, 4).await;
    let many_cache = common::cache_report();
    let ratio = many.1.as_secs_f64() / one.1.as_secs_f64().max(1e-9);
    let (_, hwm) = rss_mb();
    let budget_ok = mamori_app::cache::usage().peak_bytes <= mamori_app::cache::budget_bytes();
    println!(
        "orgs benchmark: PostgreSQL, {orgs} organisations x {assets} assets + seed regulation; generated in {generated:?}; database {:.0} MB",
        size as f64 / 1e6
    );
    println!("  mix, 1 organisation (baseline): p50 {:?} p99 {:?} ({:.0} req/s); {one_cache}", one.0, one.1, one.2);
    println!("  mix over {orgs} organisations: p50 {:?} p99 {:?} ({:.0} req/s); {many_cache}", many.0, many.1, many.2);
    let ok = ratio <= 1.2;
    println!("  p99 ratio {ratio:.2}; target <= 1.20: {}", if ok { "met" } else { "MISSED" });
    println!(
        "  memory: peak RSS {hwm:.0} MiB; {}; inside the budget: {}",
        usage_report(),
        if budget_ok { "met" } else { "MISSED" }
    );
    t.cleanup().await;
    let missed = !(ok && budget_ok);
    std::process::exit(i32::from(missed && !smoke()));
}
