//! `cargo bench -p mamori-web --bench duties`
//!
//! The duty dashboard (`GET /duties`, my duties: overdue and due within 30 days) with 100,000
//! occurrences in an SQLite database: 400 duties (20 daily, 80 weekly, 300 monthly) with six
//! years of completed history (one missed occurrence per duty in the last two months), owned
//! by five roles in turn. Over HTTP on 127.0.0.1 under 32 concurrent clients; target p99 < 20 ms.
//! Baseline: `GET /healthz` under the same load. Three variants:
//! - repeated: one administrator's `GET /duties` again and again (snapshot cache hits);
//! - varied: six people of different roles, each asking for their own duties, and the two
//!   managers also for everyone's (`?scope=all`), drawn per request;
//! - after writes: the varied load while another task completes an open occurrence every
//!   50 ms (each completion bumps `duty_version`, so the snapshot is rebuilt).
//!
//! Each variant reports the hit rate of the duty snapshot.
//!
//! Prints the figures and exits non-zero when the target (judged on the varied and
//! after-write variants) is missed. `MAMORI_BENCH_SMOKE=1`: 20 duties with one year of
//! history, a few requests, target not enforced.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{cache_report, client, clients, load, load_as, requests_per_client, smoke};
use mamori_app::duties::{self, DutyEdit};
use mamori_domain::schedule::{self, Frequency, Schedule};
use mamori_store::Db;
use mamori_store::rows::{self, OccurrenceRow};
use std::time::{Duration, Instant};

const TARGET: usize = 100_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = std::env::temp_dir().join(format!("mamori-bench-duties-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or(());
    let db = Db::open_sqlite_dir(&dir).await.unwrap_or_else(|e| panic!("{e}"));
    db.migrate().await.unwrap_or_else(|e| panic!("{e}"));
    let now = mamori_app::now_ms();
    let today = mamori_app::tokyo_date(now);
    let (actor, token) = common::admin_session(&db, &["system_admin", "security_manager"], now).await;

    let roles = ["top_management", "security_manager", "system_admin", "internal_auditor", "employee"];
    let t = Instant::now();
    let mut ids = Vec::new();
    let (n_duties, years) = if smoke() { (20usize, 1) } else { (400usize, 6) };
    for i in 0..n_duties {
        let (frequency, day) = match i {
            0..20 => (Frequency::Daily, 31),
            20..100 => (Frequency::Weekly, u8::try_from(i % 5 + 1).unwrap()),
            _ => (Frequency::Monthly, u8::try_from(i % 28 + 1).unwrap()),
        };
        let s = Schedule { frequency, day, month: 3, fiscal_year_start: 4 };
        let e = DutyEdit {
            title: format!("定期業務 {i:03}"),
            control_id: Some(format!("8.{}", i % 34 + 1)),
            decision: "scheduled".into(),
            schedule: Some(s),
            owner_role: Some(roles[i % 5].into()),
            assignee_id: None,
            evidence: "note".into(),
            register_key: None,
            request_type: None,
            anchor: None,
            lead_days: None,
            active: true,
        };
        let d = duties::create(&db, &actor, e, today, now).await.unwrap_or_else(|e| panic!("{e}"));
        ids.push((d.id, s));
    }
    // Six years of history, done on the due date, except one missed per duty recently.
    let from = today.checked_sub(jiff::Span::new().years(years)).unwrap();
    let yesterday = today.yesterday().unwrap();
    let recent = today.checked_sub(jiff::Span::new().days(60)).unwrap();
    let mut tx = db.begin().await.unwrap();
    for (id, s) in &ids {
        let mut missed = false;
        for due in schedule::occurrences(s, from, yesterday).into_iter().rev() {
            let open = !missed && due >= recent && due.day() % 2 == 0;
            missed |= open;
            let o = OccurrenceRow {
                id: mamori_app::new_id(),
                org_id: actor.org_id.clone(),
                duty_id: id.clone(),
                due: due.to_string(),
                state: if open { "open" } else { "done" }.into(),
                done_by: (!open).then(|| "admin".into()),
                done_on: (!open).then(|| due.to_string()),
                done_at: (!open).then_some(now),
                note: (!open).then(|| "実施済み".into()),
                evidence: Some("[]".into()),
                skip_reason: None,
                record_ref: None,
            };
            rows::insert_occurrence(&mut tx.ex(), &o).await.unwrap();
        }
    }
    tx.commit().await.unwrap();
    let total = {
        let mut c = db.conn().await.unwrap();
        rows::occurrences_between(&mut c.ex(), &actor.org_id, "0000-01-01", "9999-12-31").await.unwrap().len()
    };
    assert!(total >= TARGET || smoke(), "{total} occurrences");
    let setup = t.elapsed();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let state = mamori_web::AppState::new(db.clone(), mamori_web::WebConfig::default());
    tokio::spawn(mamori_web::serve(listener, state, std::future::pending()));
    let cookie = format!("mamori_session={token}");
    let _ = load(addr, &cookie, |_, _| "/healthz".to_string()).await;
    let first = client(addr, vec!["/duties".to_string()], cookie.clone()).await;
    assert_eq!(first.len(), 1);
    let (h50, h99, hrps) = load(addr, &cookie, |_, _| "/healthz".to_string()).await;

    // Repeated: the administrator's dashboard.
    mamori_app::cache_stats::reset();
    let rep = load(addr, &cookie, |_, _| "/duties".to_string()).await;
    let rep_cache = cache_report();

    // Varied: people of each role (and the administrator), their own duties or everyone's.
    let mut cookies = vec![cookie.clone()];
    for (i, r) in roles.iter().enumerate() {
        let token = common::user_session(&db, &actor, &format!("user{i}"), &[r], now).await;
        cookies.push(format!("mamori_session={token}"));
    }
    // Client c speaks for person c % 6; managers (the administrator, 情報セキュリティ管理者)
    // also ask for everyone's duties.
    let varied = |seed: usize| {
        move |c: usize, i: usize| {
            let person = c % 6;
            let manager = person == 0 || person == 2;
            if manager && (i * 7 + c + seed).is_multiple_of(3) {
                "/duties?scope=all".to_string()
            } else {
                "/duties".to_string()
            }
        }
    };
    mamori_app::cache_stats::reset();
    let var = load_as(addr, &cookies, varied(0)).await;
    let var_cache = cache_report();

    // After writes: an open occurrence is completed every 50 ms.
    let open: Vec<String> = {
        let mut c = db.conn().await.unwrap();
        rows::open_occurrences_until(&mut c.ex(), &actor.org_id, &today.to_string())
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.id)
            .collect()
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (db, actor, stop) = (db.clone(), actor.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0usize;
            for id in open {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let done =
                    duties::Completion {
                        note: "実施済み".into(), evidence: vec![], record_ref: None, done_on: None
                    };
                duties::complete(&db, &actor, &id, done, today, mamori_app::now_ms())
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                n += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            n
        })
    };
    mamori_app::cache_stats::reset();
    let aw = load_as(addr, &cookies, varied(1)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.await.unwrap_or(0);
    let aw_cache = cache_report();

    let items = {
        let l = duties::due_soon(&db, &actor, false, today, 30, 0).await.unwrap();
        l.total
    };
    println!(
        "duties benchmark: {total} occurrences of {} duties, SQLite, {} build, 2 worker threads (setup {setup:?})",
        ids.len(),
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    println!(
        "dashboard: {} clients x {}; baseline GET /healthz p50 {h50:?} p99 {h99:?} ({hrps:.0} req/s); the administrator's GET /duties has {items} items",
        clients(),
        requests_per_client()
    );
    let line = |name: &str, (p50, p99, rps): (Duration, Duration, f64), cache: &str| {
        println!(
            "  {name}: p50 {p50:?} p99 {p99:?} ({rps:.0} req/s) = {:.1} x baseline p99; {cache}",
            p99.as_secs_f64() / h99.as_secs_f64().max(1e-9)
        );
    };
    line("repeated (one person)", rep, &rep_cache);
    line("varied (six people, own and everyone's)", var, &var_cache);
    line(&format!("varied after writes ({writes} completions during the run)"), aw, &aw_cache);
    let ok = var.1 < Duration::from_millis(20) && aw.1 < Duration::from_millis(20);
    println!("  target p99 < 20 ms on varied and after writes: {}", if ok { "met" } else { "MISSED" });
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    std::process::exit(i32::from(!ok && !smoke()));
}
