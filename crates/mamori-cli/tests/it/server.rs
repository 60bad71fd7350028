//! `demo` and `serve`: started on port 0, polled on `/healthz`, logged into, stopped with SIGTERM.

use crate::support::{Env, Server, output};

fn login(server: &Server, login_id: &str, password: &str) -> crate::support::Response {
    let body = serde_json::json!({ "login_id": login_id, "password": password }).to_string();
    server.http("POST", "/api/v1/session", Some(&body)).unwrap()
}

fn session_cookie(r: &crate::support::Response) -> String {
    r.all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("mamori_session="))
        .unwrap_or_else(|| panic!("no session cookie: {r:?}"))
        .to_string()
}

#[test]
fn demo_prints_the_login_line_once_and_serves() {
    let env = Env::sqlite();
    // No --data-dir: ./mamori-demo in the working directory.
    let server = Server::start({
        let mut c = env.bare();
        c.args(["demo", "--port", "0", "--bind", "127.0.0.1"]);
        c
    });
    let line = server.stdout_line().expect("the login line");
    let password = line.strip_prefix("login: admin password: ").unwrap_or_else(|| panic!("{line:?}")).to_string();
    assert!(password.len() >= 8);
    let r = login(&server, "admin", &password);
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body.contains("\"must_change_password\":true"), "{r:?}");
    assert_eq!(login(&server, "admin", "wrong-password1").status, 401);
    assert_eq!(server.terminate(), 0, "graceful shutdown");
    assert!(env.path("mamori-demo").join("mamori.db").is_file());

    // The demo data: administrator, seed regulation, duties, three media.
    let demo = |args: &[&str]| {
        output({
            let mut c = env.bare();
            c.arg("--data-dir").arg(env.path("mamori-demo")).args(args);
            c
        })
        .ok()
    };
    let users = demo(&["user", "list", "--format", "json"]).json();
    assert_eq!(users[0]["login_id"], "admin");
    assert_eq!(users[0]["roles"], serde_json::json!(["top_management", "system_admin"]));
    assert_eq!(demo(&["regulation", "versions"]).stdout.lines().count(), 1);
    let registers = demo(&["register", "list"]).json();
    let media = registers.as_array().unwrap().iter().find(|r| r["key"] == "media_ledger").unwrap().clone();
    assert_eq!(media["rows"], 3);
    // The ISMS year: a security manager and an internal auditor; the completed internal audit's
    // minor nonconformity is a corrective action report.
    let logins: Vec<&str> = users.as_array().unwrap().iter().filter_map(|u| u["login_id"].as_str()).collect();
    assert_eq!(logins, ["admin", "kanri", "kansa"]);
    let ca = registers.as_array().unwrap().iter().find(|r| r["key"] == "corrective_actions").unwrap().clone();
    // …and the drill whose problem opened one (5.29 VII.).
    assert_eq!(ca["rows"], 2, "{ca}");
    // The regulation's suppliers and the outsourced developer, each with its recurring checks.
    let sup = registers.as_array().unwrap().iter().find(|r| r["key"] == "suppliers").unwrap().clone();
    assert_eq!(sup["rows"], 5, "{sup}");
    // The outsourced development (8.30): its plan and the milestones of its one progress report.
    let rows_of = |k: &str| registers.as_array().unwrap().iter().find(|r| r["key"] == k).unwrap()["rows"].clone();
    assert_eq!((rows_of("development_plan"), rows_of("development_progress")), (5.into(), 3.into()));
    // The staff directory (issue 17): two members signed the pledge in mamori, each signature
    // a row of 秘密保持誓約書〔対従業員〕; the disciplinary register is listed (empty).
    assert_eq!(rows_of("employee_pledges"), serde_json::json!(2));
    assert_eq!(rows_of("disciplinary_actions"), serde_json::json!(0));
    // The demo's duties are confirmed from its first day: nothing is overdue then, and every
    // calendar duty has its next due date.
    let duties = demo(&["duties", "list"]).json();
    assert!(duties.as_array().unwrap().iter().all(|d| d["confirmed"] == true), "{duties:#}");
    assert!(duties.as_array().unwrap().iter().filter(|d| d["supplier_id"].is_string()).count() >= 4, "supplier duties");
    let occ = demo(&["duties", "occurrences", "--from", "2000-01-01", "--to", "2100-12-31"]).json();
    let occ = occ.as_array().unwrap();
    assert!(!occ.is_empty());
    assert!(occ.iter().all(|o| o["state"] != "overdue"), "a fresh demo has nothing overdue");

    // Second run: no new login line, the same data.
    let server = Server::start({
        let mut c = env.bare();
        c.args(["demo", "--port", "0"]);
        c
    });
    assert_eq!(login(&server, "admin", &password).status, 200);
    assert_eq!(server.stdout_so_far(), Vec::<String>::new());
    assert_eq!(server.terminate(), 0);
}

#[test]
fn serve_on_both_engines() {
    for env in Env::both() {
        env.org("acme");
        env.run(&["user", "add", "--login-id", "sato", "--role", "employee", "--password", "Initial123"]).ok();
        let server = Server::start({
            let mut c = env.cmd();
            c.args(["serve", "--port", "0"]);
            c
        });
        let r = server.http("GET", "/healthz", None).unwrap();
        assert_eq!(r.status, 200);
        let r = login(&server, "sato", "Initial123");
        assert_eq!(r.status, 200, "{r:?}");
        assert!(!session_cookie(&r).contains("Secure"), "secure_cookies defaults to false");
        assert_eq!(server.stdout_so_far(), Vec::<String>::new(), "serve prints nothing on stdout");
        assert_eq!(server.terminate(), 0, "graceful shutdown");
        if matches!(env.backend, crate::support::Backend::Sqlite) {
            assert!(env.data_dir().join("mamori.db").is_file());
            // The worker signed the chain head at start, and again at shutdown after the login.
            assert!(env.data_dir().join("audit-signing.key").is_file());
            let out = env.run(&["audit", "verify"]).ok();
            let line = out.stdout.lines().next().unwrap_or_default().to_string();
            let (rows, cp) = line
                .strip_prefix("acme (acme 株式会社): ok, ")
                .and_then(|r| r.split_once(" rows; latest checkpoint: seq "))
                .map(|(n, rest)| (n.to_string(), rest.split(' ').next().unwrap_or_default().to_string()))
                .unwrap_or_else(|| panic!("unexpected {line:?}"));
            assert_eq!(rows, cp, "the shutdown checkpoint covers the last row: {line}");
        }
    }
}

#[test]
fn serve_fails_when_the_port_is_taken() {
    let env = Env::sqlite();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = env.run(&["serve", "--port", &port]).code(2);
    assert!(out.stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")), "{out:?}");
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn port_flag_beats_environment_beats_file() {
    let env = Env::sqlite();
    env.run(&["migrate"]).ok();
    let (file_port, env_port) = (free_port(), free_port());
    let file = env.write("mamori.toml", format!("port = {file_port}\nbind = \"127.0.0.1\"\n"));
    let start = |env_port: Option<u16>, flag: Option<&str>| {
        let mut c = env.cmd();
        c.arg("--config").arg(&file).arg("serve");
        if let Some(p) = env_port {
            c.env("MAMORI_PORT", p.to_string());
        }
        if let Some(p) = flag {
            c.args(["--port", p]);
        }
        Server::start(c)
    };
    let s = start(None, None);
    assert_eq!(s.port, file_port);
    assert_eq!(s.terminate(), 0);
    let s = start(Some(env_port), None);
    assert_eq!(s.port, env_port);
    assert_eq!(s.terminate(), 0);
    let s = start(Some(env_port), Some("0"));
    assert!(s.port != env_port && s.port != file_port);
    assert_eq!(s.terminate(), 0);
}

#[test]
fn secure_cookies_from_environment_and_file() {
    let env = Env::sqlite();
    env.org("acme");
    env.run(&["user", "add", "--login-id", "sato", "--role", "employee", "--password", "Initial123"]).ok();
    let secure_file = env.write("secure.toml", "secure_cookies = true\n");
    let cookie_with = |file: Option<&std::path::Path>, var: Option<&str>| {
        let mut c = env.cmd();
        if let Some(f) = file {
            c.arg("--config").arg(f);
        }
        if let Some(v) = var {
            c.env("MAMORI_SECURE_COOKIES", v);
        }
        c.args(["serve", "--port", "0"]);
        let server = Server::start(c);
        let r = login(&server, "sato", "Initial123");
        assert_eq!(r.status, 200, "{r:?}");
        let cookie = session_cookie(&r);
        assert_eq!(server.terminate(), 0);
        cookie
    };
    assert!(!cookie_with(None, None).contains("; Secure"));
    assert!(cookie_with(None, Some("true")).contains("; Secure"));
    assert!(cookie_with(Some(&secure_file), None).contains("; Secure"));
    assert!(!cookie_with(Some(&secure_file), Some("false")).contains("; Secure"), "environment beats file");
}
