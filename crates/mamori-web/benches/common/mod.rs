//! Shared parts of the HTTP benchmarks: a logged-in administrator and a keep-alive load
//! generator measuring each request's latency.
#![allow(dead_code, clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use mamori_app::session::{LoginRequest, change_password, login, lookup};
use mamori_app::{Actor, org, users};
use mamori_store::Db;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Concurrent clients.
pub const CLIENTS: usize = 32;
/// Requests each client sends.
pub const REQUESTS_PER_CLIENT: usize = 60;

/// `MAMORI_BENCH_SMOKE=1` (set by `scripts/test`): a tiny run that only shows the benchmark
/// works; its figures mean nothing and its targets are not enforced.
pub fn smoke() -> bool {
    std::env::var_os("MAMORI_BENCH_SMOKE").is_some()
}

/// Concurrent clients of this run.
pub fn clients() -> usize {
    if smoke() { 4 } else { CLIENTS }
}

/// Requests per client of this run.
pub fn requests_per_client() -> usize {
    if smoke() { 5 } else { REQUESTS_PER_CLIENT }
}

/// The cache counters since the last reset, as "name: hits/total (rate)".
pub fn cache_report() -> String {
    mamori_app::cache_stats::all()
        .iter()
        .filter_map(|c| {
            let (h, m) = c.get();
            (h + m > 0).then(|| format!("{} {h}/{} hits ({:.0} %)", c.name, h + m, 100.0 * h as f64 / (h + m) as f64))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Creates the organisation `bench` and its administrator with `roles`, logs in and changes
/// the initial password; returns the actor and the session token.
pub async fn admin_session(db: &Db, roles: &[&str], now: i64) -> (Actor, String) {
    let o = org::create(db, "bench", "ベンチ", now).await.unwrap_or_else(|e| panic!("{e}"));
    let cli = Actor::cli(&o.id);
    users::create(
        db,
        &cli,
        users::NewUser {
            login_id: "admin".into(),
            display_name: "admin".into(),
            email: String::new(),
            password: "Initial123".into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        },
        now,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let s = login(
        db,
        LoginRequest { organization: None, login_id: "admin".into(), password: "Initial123".into(), totp: None },
        now,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let info = lookup(db, &s.token, now).await.ok().flatten().unwrap_or_else(|| panic!("session"));
    let s = change_password(db, &info, "Initial123", "Bench12345", now).await.unwrap_or_else(|e| panic!("{e}"));
    let actor = lookup(db, &s.token, now).await.ok().flatten().unwrap_or_else(|| panic!("session")).actor;
    (actor, s.token)
}

/// Adds a user with `roles` to the organisation of `admin`, logs them in and changes the
/// initial password; returns the session token.
pub async fn user_session(db: &Db, admin: &Actor, login_id: &str, roles: &[&str], now: i64) -> String {
    // Set up from the command line, as an operator would (only a 経営責任者 may grant 経営責任者).
    users::create(
        db,
        &Actor::cli(&admin.org_id),
        users::NewUser {
            login_id: login_id.into(),
            display_name: login_id.into(),
            email: String::new(),
            password: "Initial123".into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        },
        now,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let s = login(
        db,
        LoginRequest { organization: None, login_id: login_id.into(), password: "Initial123".into(), totp: None },
        now,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let info = lookup(db, &s.token, now).await.ok().flatten().unwrap_or_else(|| panic!("session"));
    change_password(db, &info, "Initial123", "Bench12345", now).await.unwrap_or_else(|e| panic!("{e}")).token
}

/// The process's resident memory now and at its peak (VmRSS, VmHWM), in MiB (Linux).
pub fn rss_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The budgeted cache's usage as "entries, MiB of budget (peak)".
pub fn usage_report() -> String {
    let u = mamori_app::cache::usage();
    let mb = |b: usize| b as f64 / (1024.0 * 1024.0);
    format!(
        "cache {} entries, {:.1} MiB (peak {:.1} MiB) of a {:.0} MiB budget, {} evictions",
        u.entries,
        mb(u.bytes),
        mb(u.peak_bytes),
        mb(u.budget_bytes),
        u.evictions
    )
}

/// One keep-alive HTTP/1.1 connection; returns each request's latency.
pub async fn client(addr: std::net::SocketAddr, paths: Vec<String>, cookie: String) -> Vec<Duration> {
    client_with(addr, paths, cookie, vec![]).await.latencies
}

/// What one client saw.
#[derive(Default)]
pub struct Seen {
    /// Each request's latency.
    pub latencies: Vec<Duration>,
    /// The last answer's ETag.
    pub etag: Option<String>,
    /// The last answer's body length.
    pub body_bytes: usize,
}

/// One keep-alive HTTP/1.1 connection sending `headers` with every request (200 and 304
/// are accepted).
pub async fn client_with(
    addr: std::net::SocketAddr,
    paths: Vec<String>,
    cookie: String,
    headers: Vec<(String, String)>,
) -> Seen {
    let mut seen = Seen::default();
    let Ok(mut s) = tokio::net::TcpStream::connect(addr).await else { return seen };
    let mut buf = vec![0u8; 1 << 20];
    let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    for p in paths {
        let req = format!("GET {p} HTTP/1.1\r\nHost: bench\r\nCookie: {cookie}\r\n{extra}\r\n");
        let t = Instant::now();
        if s.write_all(req.as_bytes()).await.is_err() {
            break;
        }
        // Read headers, then Content-Length bytes.
        let mut have = 0usize;
        let (header_end, len) = loop {
            let Ok(n) = s.read(&mut buf[have..]).await else { return seen };
            if n == 0 {
                return seen;
            }
            have += n;
            if let Some(pos) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..pos]).to_lowercase();
                let status_ok = head.starts_with("http/1.1 200") || head.starts_with("http/1.1 304");
                assert!(status_ok, "{head}");
                seen.etag = head.lines().find_map(|l| l.strip_prefix("etag:")).map(|v| v.trim().to_string());
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                break (pos + 4, len);
            }
        };
        while have < header_end + len {
            let Ok(n) = s.read(&mut buf[have..]).await else { return seen };
            if n == 0 {
                return seen;
            }
            have += n;
        }
        seen.body_bytes = len;
        seen.latencies.push(t.elapsed());
    }
    seen
}

/// Runs the load with one session, sending `headers` with every request.
pub async fn load_with(
    addr: std::net::SocketAddr,
    cookie: &str,
    headers: &[(String, String)],
    path: impl Fn(usize, usize) -> String,
) -> (Duration, Duration, f64) {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients() {
        let paths: Vec<String> = (0..requests_per_client()).map(|i| path(c, i)).collect();
        tasks.push(tokio::spawn(client_with(addr, paths, cookie.to_string(), headers.to_vec())));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map(|s| s.latencies).unwrap_or_default());
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    let n = all.len().max(1);
    assert_eq!(all.len(), clients() * requests_per_client(), "every request answered");
    (all[n / 2], all[(n * 99 / 100).min(n - 1)], n as f64 / secs)
}

/// Runs the load with one session: (p50, p99, requests per second).
pub async fn load(
    addr: std::net::SocketAddr,
    cookie: &str,
    path: impl Fn(usize, usize) -> String,
) -> (Duration, Duration, f64) {
    load_as(addr, &[cookie.to_string()], path).await
}

/// Runs the load with client `c` using session `cookies[c % len]`.
pub async fn load_as(
    addr: std::net::SocketAddr,
    cookies: &[String],
    path: impl Fn(usize, usize) -> String,
) -> (Duration, Duration, f64) {
    load_n(addr, cookies, clients(), path).await
}

/// Runs the load with `n` clients (each sending the same number of requests), client `c`
/// using session `cookies[c % len]`.
pub async fn load_n(
    addr: std::net::SocketAddr,
    cookies: &[String],
    n_clients: usize,
    path: impl Fn(usize, usize) -> String,
) -> (Duration, Duration, f64) {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..n_clients {
        let paths: Vec<String> = (0..requests_per_client()).map(|i| path(c, i)).collect();
        tasks.push(tokio::spawn(client(addr, paths, cookies[c % cookies.len()].clone())));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    let n = all.len().max(1);
    assert_eq!(all.len(), n_clients * requests_per_client(), "every request answered");
    (all[n / 2], all[(n * 99 / 100).min(n - 1)], n as f64 / secs)
}
