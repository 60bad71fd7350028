//! Backup and restore through the binary (a backup taken while the server writes, `backup
//! verify`, `restore` into an empty target of the other engine and the refusals), crash safety
//! (SIGKILL during a stream of writes) and two servers on one PostgreSQL database.

use crate::support::{Backend, Env, Server, m365_fixture};
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every command of these tests runs at this date (the test clock).
const TODAY: &str = "2026-11-25";

fn cmd(env: &Env, args: &[&str]) -> std::process::Command {
    let mut c = env.cmd();
    c.env("MAMORI_TEST_NOW", TODAY).args(args);
    c
}

fn run(env: &Env, args: &[&str]) -> crate::support::Out {
    crate::support::output(cmd(env, args))
}

/// One HTTP/1.1 request with a session cookie: (status, body).
fn call(port: u16, method: &str, path: &str, json: Option<&str>, cookie: &str) -> std::io::Result<(u16, String)> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = json.unwrap_or("");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: {cookie}\r\n");
    if json.is_some() {
        req.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    if status == 0 {
        return Err(std::io::Error::other("no response"));
    }
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

/// Logs in; the session cookie (`mamori_session=…`).
fn login(server: &Server, login_id: &str) -> String {
    let body = serde_json::json!({ "login_id": login_id, "password": "Initial123" }).to_string();
    let r = server.http("POST", "/api/v1/session", Some(&body)).unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    let c = r.all("set-cookie").into_iter().find(|c| c.starts_with("mamori_session=")).unwrap().to_string();
    c.split(';').next().unwrap().to_string()
}

/// An organisation with the regulation, an employee, a security manager and a top manager
/// (initial passwords already changed), one medium.
fn setup(env: &Env) {
    run(env, &["org", "add", "--slug", "acme", "--name", "アクメ"]).ok();
    let seed = crate::support::seed_regulation();
    run(env, &["regulation", "import", seed.to_str().unwrap()]).ok();
    for (login, role) in [("emp", "employee"), ("kanri", "security_manager"), ("boss", "top_management")] {
        run(
            env,
            &[
                "user",
                "add",
                "--login-id",
                login,
                "--role",
                role,
                "--password",
                "Initial123",
                "--email",
                &format!("{login}@example.jp"),
            ],
        )
        .ok();
    }
    env.sql("UPDATE app_user SET must_change_password = 0");
    let csv = env.write("seed.csv", "管理番号,種別\nUSB-01,USB メモリ\n");
    run(env, &["register", "import", "media_ledger", csv.to_str().unwrap()]).ok();
}

fn serve(env: &Env, extra: &[(&str, String)]) -> Server {
    let mut c = cmd(env, &["serve", "--port", "0"]);
    for (k, v) in extra {
        c.env(k, v);
    }
    Server::start(c)
}

/// The media IDs (管理番号) in the media register, through `register export`.
fn media_ids(env: &Env) -> Vec<String> {
    let out = env.path("media-export.csv");
    run(env, &["register", "export", "media_ledger", "--format", "csv", "--output", out.to_str().unwrap()]).ok();
    let text = std::fs::read_to_string(&out).unwrap();
    text.lines().skip(3).filter_map(|l| l.split(',').nth(1).map(str::to_string)).collect()
}

/// Writes register rows (and every fifth time a request) until told to stop or the server
/// stops answering; returns the acknowledged media IDs and request ids.
/// The register rows are written by the security manager, the requests by an employee.
fn writer(
    port: u16,
    cookies: (String, String),
    prefix: &'static str,
    stop: Arc<AtomicBool>,
) -> (Vec<String>, Vec<String>) {
    let (cookie, requester) = cookies;
    let (mut rows, mut requests) = (Vec::new(), Vec::new());
    for n in 0.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let id = format!("{prefix}-{n}");
        let body = serde_json::json!({"values": {"media_id": id, "kind": "USB メモリ"}}).to_string();
        match call(port, "POST", "/api/v1/registers/media_ledger/rows", Some(&body), &cookie) {
            Ok((201, _)) => rows.push(id),
            Ok((s, b)) => panic!("row {id}: {s} {b}"),
            Err(_) => break,
        }
        if n % 5 == 0 {
            let body = serde_json::json!({"type": "media_takeout", "fields": {
                "media": "USB-01", "purpose": format!("説明 {n}"), "destination": "A 社",
                "taken_on": TODAY, "due_on": "2026-11-27"}})
            .to_string();
            match call(port, "POST", "/api/v1/requests", Some(&body), &requester) {
                Ok((201, b)) => {
                    let v: serde_json::Value = serde_json::from_str(&b).unwrap();
                    requests.push(v["id"].as_str().unwrap().to_string());
                }
                Ok((s, b)) => panic!("request: {s} {b}"),
                Err(_) => break,
            }
        }
    }
    (rows, requests)
}

#[test]
fn backup_while_serving_then_verify_and_restore_into_the_other_engine() {
    for env in Env::both() {
        setup(&env);
        let fixture = m365_fixture("purview_classic.csv");
        run(&env, &["m365", "import", fixture.to_str().unwrap()]).ok();
        let server = serve(&env, &[]);
        let cookies = (login(&server, "kanri"), login(&server, "emp"));
        let stop = Arc::new(AtomicBool::new(false));
        let w = {
            let (port, stop) = (server.port, stop.clone());
            std::thread::spawn(move || writer(port, cookies, "B", stop))
        };
        std::thread::sleep(Duration::from_millis(300));
        let archive = env.path("mamori-backup.zip");
        let out = run(&env, &["backup", "--output", archive.to_str().unwrap()]).ok();
        assert!(out.stdout.contains("evidence files") && out.stdout.contains("manifest sha256: "), "{out:?}");
        stop.store(true, Ordering::SeqCst);
        let (rows, _) = w.join().unwrap();
        assert!(!rows.is_empty());
        assert_eq!(server.terminate(), 0);

        let v = crate::support::output({
            let mut c = env.bare();
            c.args(["backup", "verify", archive.to_str().unwrap()]);
            c
        })
        .ok();
        assert!(v.stdout.contains("audit chain acme: ok") && v.stdout.ends_with("ok\n"), "{v:?}");

        // Into the other engine (SQLite from PostgreSQL; PostgreSQL from SQLite).
        let target = match env.backend {
            Backend::Sqlite => Env::pg().unwrap(),
            Backend::Pg(_) => Env::sqlite(),
        };
        let r = run(&target, &["restore", archive.to_str().unwrap()]).ok();
        assert!(r.stdout.contains("audit chain acme: ok"), "{r:?}");
        run(&target, &["audit", "verify"]).ok();
        let restored = media_ids(&target);
        assert!(restored.contains(&"USB-01".to_string()));
        assert!(restored.iter().all(|m| media_ids(&env).contains(m)), "a snapshot of the source");
        let evidence = match target.backend {
            Backend::Sqlite => target.data_dir().join("evidence"),
            // The evidence store of a PostgreSQL installation: the default data directory.
            Backend::Pg(_) => target.path("mamori-data").join("evidence"),
        };
        assert!(std::fs::read_dir(&evidence).map(|d| d.count()).unwrap_or(0) > 0, "the import's file");
        // A second restore is refused: the target is not empty.
        let again = run(&target, &["restore", archive.to_str().unwrap()]).code(1);
        assert!(again.stderr.contains("not empty"), "{again:?}");

        // An altered evidence file inside the archive is named.
        let mut bytes = std::fs::read(&archive).unwrap();
        let needle = std::fs::read(&fixture).unwrap();
        let needle = &needle[needle.len() / 2..needle.len() / 2 + 16];
        let at = bytes.windows(needle.len()).position(|w| w == needle).expect("stored evidence bytes");
        bytes[at] ^= 0x20;
        let bad = env.write("bad.zip", &bytes);
        let v = run(&env, &["backup", "verify", bad.to_str().unwrap()]).code(1);
        assert!(v.stderr.contains("member evidence/"), "{v:?}");
        let fresh = Env::sqlite();
        let r = run(&fresh, &["restore", bad.to_str().unwrap()]).code(1);
        assert!(r.stderr.contains("member evidence/"), "{r:?}");
        // Usage errors.
        let u = run(&env, &["backup"]).code(2);
        assert!(u.stderr.contains("--output"), "{u:?}");
        let u = run(&env, &["backup", "--output", "x.zip", "--complete-duty"]).code(2);
        assert!(u.stderr.contains("--as"), "{u:?}");
    }
}

#[test]
fn backup_completes_the_backup_duty() {
    let env = Env::sqlite();
    setup(&env);
    run(&env, &["duties", "list"]).ok();
    run(&env, &["duties", "confirm", "--from", "2026-04-01"]).ok();
    let archive = env.path("b.zip");
    let out = run(&env, &["backup", "--output", archive.to_str().unwrap(), "--complete-duty", "--as", "boss"]).ok();
    assert!(out.stdout.contains("backup duty (8.13) due 2026-11-30 completed by boss"), "{out:?}");
    let occ = run(&env, &["duties", "occurrences", "--from", "2026-11-30", "--to", "2026-11-30"]).ok().json();
    let done = occ.as_array().unwrap().iter().filter(|o| o["status"] != "not_yet_due" && o["state"] == "done").count();
    assert_eq!(done, 1, "{occ:#}");
    // Nothing left to complete this month: the backup is kept, the exit code says so.
    let again =
        run(&env, &["backup", "--output", archive.to_str().unwrap(), "--complete-duty", "--as", "boss"]).code(1);
    assert!(again.stderr.contains("backup duty was not completed"), "{again:?}");
}

/// Kills the server with SIGKILL during a stream of API writes and CLI imports, restarts it
/// and checks every acknowledged write, the audit chain and (SQLite) the file's integrity.
fn crash(env: &Env) {
    setup(env);
    let server = serve(env, &[]);
    let cookies = (login(&server, "kanri"), login(&server, "emp"));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = ["K", "L"]
        .into_iter()
        .map(|p| {
            let (port, stop, cookies) = (server.port, stop.clone(), cookies.clone());
            std::thread::spawn(move || writer(port, cookies, p, stop))
        })
        .collect();
    let imported = Arc::new(Mutex::new(Vec::new()));
    let importer = {
        let (stop, imported) = (stop.clone(), imported.clone());
        let cmd_of = |args: &[&str]| cmd(env, args);
        let file = env.path("stream.csv");
        let mut commands = Vec::new();
        for k in 0..50 {
            commands.push((k, cmd_of(&["register", "import", "media_ledger", file.to_str().unwrap()])));
        }
        std::thread::spawn(move || {
            for (k, mut c) in commands {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let ids: Vec<String> = (0..20).map(|j| format!("I{k}-{j}")).collect();
                let mut csv = String::from("管理番号,種別\n");
                for id in &ids {
                    csv.push_str(&format!("{id},USB メモリ\n"));
                }
                std::fs::write(&file, csv).unwrap();
                if c.output().unwrap().status.success() {
                    imported.lock().unwrap().extend(ids);
                }
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while imported.lock().unwrap().len() < 40 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    server.kill_now();
    stop.store(true, Ordering::SeqCst);
    let mut acked_rows = Vec::new();
    let mut acked_requests = Vec::new();
    for w in writers {
        let (r, q) = w.join().unwrap();
        acked_rows.extend(r);
        acked_requests.extend(q);
    }
    importer.join().unwrap();
    acked_rows.extend(imported.lock().unwrap().iter().cloned());
    assert!(acked_rows.len() > 40 && !acked_requests.is_empty(), "{} rows", acked_rows.len());

    let server = serve(env, &[]);
    let cookie = login(&server, "emp");
    for id in &acked_requests {
        let (s, b) = call(server.port, "GET", &format!("/api/v1/requests/{id}"), None, &cookie).unwrap();
        assert_eq!(s, 200, "acknowledged request {id} lost: {b}");
    }
    assert_eq!(server.terminate(), 0);
    let present = media_ids(env);
    let lost: Vec<&String> = acked_rows.iter().filter(|id| !present.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged rows lost: {lost:?}");
    run(env, &["audit", "verify"]).ok();
    if matches!(env.backend, Backend::Sqlite) {
        assert_eq!(env.sql_value("PRAGMA integrity_check"), "ok");
    }
}

#[test]
fn sigkill_during_writes_loses_no_acknowledged_write_sqlite() {
    crash(&Env::sqlite());
}

#[test]
fn sigkill_during_writes_loses_no_acknowledged_write_postgres() {
    crash(&Env::pg().unwrap());
}

/// A minimal SMTP sink on 127.0.0.1: (port, received messages as (recipients, data)).
/// Messages received: (recipients, data without the Date and Message-ID headers).
type Mails = Arc<Mutex<Vec<(String, String)>>>;

fn smtp_sink() -> (u16, Mails) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let store = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            let store = store.clone();
            std::thread::spawn(move || {
                let mut w = stream.try_clone().unwrap();
                let mut lines = BufReader::new(stream).lines();
                let _ = w.write_all(b"220 sink ESMTP\r\n");
                let mut to = String::new();
                while let Some(Ok(line)) = lines.next() {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        to.push_str(&line[8..]);
                        b"250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        let _ = w.write_all(b"354 go ahead\r\n");
                        let mut data = String::new();
                        for l in lines.by_ref() {
                            let Ok(l) = l else { break };
                            if l == "." {
                                break;
                            }
                            // The date and the message id differ between two sends of one mail.
                            let lower = l.to_ascii_lowercase();
                            if !lower.starts_with("date:") && !lower.starts_with("message-id:") {
                                data.push_str(&l);
                                data.push('\n');
                            }
                        }
                        store.lock().unwrap().push((std::mem::take(&mut to), data));
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n");
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    if w.write_all(reply).is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, got)
}

#[test]
fn two_servers_on_one_postgres_database() {
    let env = Env::pg().unwrap();
    setup(&env);
    run(&env, &["duties", "list"]).ok();
    run(&env, &["duties", "confirm", "--from", "2026-04-01"]).ok();
    let (smtp_port, mails) = smtp_sink();
    let settings = [
        ("MAMORI_SMTP_HOST", "127.0.0.1".to_string()),
        ("MAMORI_SMTP_PORT", smtp_port.to_string()),
        ("MAMORI_SMTP_SECURITY", "none".to_string()),
        ("MAMORI_SMTP_FROM", "ISMS <isms@example.jp>".to_string()),
        ("MAMORI_REMINDER_INTERVAL_SECONDS", "10".to_string()),
        ("MAMORI_LOG", "info,sqlx=warn".to_string()),
    ];
    let a = serve(&env, &settings);
    let b = serve(&env, &settings);
    let cookie = login(&a, "kanri");
    // B's list is cached; a write through A is seen by B (the data version moves).
    let list = |s: &Server| call(s.port, "GET", "/api/v1/registers/media_ledger/rows?per_page=100", None, &cookie);
    let (s, before) = list(&b).unwrap();
    assert_eq!(s, 200, "{before}");
    assert!(!before.contains("TWO-1"));
    let body = serde_json::json!({"values": {"media_id": "TWO-1", "kind": "USB メモリ"}}).to_string();
    assert_eq!(call(a.port, "POST", "/api/v1/registers/media_ledger/rows", Some(&body), &cookie).unwrap().0, 201);
    let (_, after) = list(&b).unwrap();
    assert!(after.contains("TWO-1"), "B sees A's write: {after}");
    let body = serde_json::json!({"values": {"media_id": "TWO-2", "kind": "USB メモリ"}}).to_string();
    assert_eq!(call(b.port, "POST", "/api/v1/registers/media_ledger/rows", Some(&body), &cookie).unwrap().0, 201);
    assert!(list(&a).unwrap().1.contains("TWO-2"), "and A sees B's");

    // Both workers run rounds (every 10 s): each reminder is mailed once.
    let deadline = Instant::now() + Duration::from_secs(30);
    while mails.lock().unwrap().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(22));
    let got = mails.lock().unwrap().clone();
    assert!(!got.is_empty(), "reminders were sent");
    let mut unique = got.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), got.len(), "a reminder mailed twice");
    let sent: i64 =
        env.sql_value("SELECT CAST(COUNT(*) AS TEXT) FROM mail_outbox WHERE sent_at IS NOT NULL").parse().unwrap();
    assert_eq!(sent, i64::try_from(got.len()).unwrap());

    // The daily job ran once for the organisation, on one of the two.
    let daily = |s: &Server| s.stderr_so_far().iter().filter(|l| l.contains("daily job ran")).count();
    assert_eq!(daily(&a) + daily(&b), 1);
    assert_eq!(a.terminate(), 0);
    assert_eq!(b.terminate(), 0);
}
