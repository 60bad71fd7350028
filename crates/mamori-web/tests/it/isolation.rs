//! Organisations are isolated on every route that takes an id: one record of every kind is
//! made in organisation A, then every such route of the router is tried with A's ids as every
//! role of organisation B (and as a B user holding every role). The answer must be the one a
//! made-up id gets — 404 where the role may use the route, never a success, and never a 403
//! that a made-up id would not get (which would confirm that the record exists) — and must
//! not contain A's text. Nothing of A may change (its audit trail does not grow).
//!
//! The routes are read from the router's source (every `.route("…")` in `src/`), so a new
//! route is covered without being listed here; a new kind of path parameter fails the test
//! until it is given values below.

use crate::client::{Client, T0, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_app::{Actor, org, users};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");
/// Text that only organisation A's records contain.
const SECRET: &str = "ACME機密";

/// Every route path of the router, from the source of its `routes()` functions.
fn route_paths() -> BTreeSet<String> {
    crate::route_matrix::routes().into_iter().map(|(_, path)| path).collect()
}

/// Every UUID in a text.
fn uuids(text: &str, out: &mut BTreeSet<String>) {
    let b = text.as_bytes();
    for i in 0..b.len().saturating_sub(35) {
        let c = &text.as_bytes()[i..i + 36];
        let shape = c.iter().enumerate().all(|(j, ch)| {
            if [8, 13, 18, 23].contains(&j) { *ch == b'-' } else { ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase() }
        });
        let bounded = (i == 0 || !b[i - 1].is_ascii_hexdigit()) && b.get(i + 36).is_none_or(|x| !x.is_ascii_hexdigit());
        if shape && bounded {
            out.insert(text[i..i + 36].to_string());
        }
    }
}

async fn with_csrf(mut c: Client) -> Client {
    let token = c.get("/api/v1/me").await.json()["csrf_token"].as_str().unwrap().to_string();
    c.headers.push(("x-csrf-token".into(), token));
    c
}

fn multipart(csrf: &str, name: &str, body: &str) -> (String, String) {
    let b = "----mamori-iso";
    (
        format!("multipart/form-data; boundary={b}"),
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n{SECRET}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n{body}\r\n--{b}--\r\n"
        ),
    )
}

/// Organisation A's records of every kind; returns the values its ids can take per parameter.
async fn records_of_a(w: &World) -> (BTreeMap<&'static str, BTreeSet<String>>, Client) {
    let mut a = with_csrf(w.logged_in("admin").await).await;
    let csrf = a.headers[0].1.clone();
    let r =
        a.send_bytes("POST", "/api/v1/regulation?name=seed.txt", Some("application/octet-stream"), SEED.into()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(a.post_json("/api/v1/duties/offer", json!({})).await.status, StatusCode::OK);
    assert_eq!(a.post_json("/api/v1/duties/confirm", json!({"from": "2025-04-01"})).await.status, StatusCode::OK);
    let r = a
        .post_json(
            "/api/v1/registers/assets/rows",
            json!({"values": {"name": format!("{SECRET} 顧客名簿"), "confidentiality": 3, "integrity": 2, "availability": 2, "threat": 2, "vulnerability": 2}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = a
        .post_json(
            "/api/v1/registers/media_ledger/rows",
            json!({"values": {"media_id": "USB-ACME", "kind": "USB メモリ"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = a
        .post_json(
            "/api/v1/requests",
            json!({"type": "media_takeout", "fields": {"media": "USB-ACME", "purpose": SECRET, "taken_on": "2026-01-05", "due_on": "2026-01-06"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = a
        .post_json(
            "/api/v1/incidents",
            json!({"title": format!("{SECRET} の漏えい"), "description": SECRET, "occurred_at": "2026-01-01 09:00"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let incident = r.json()["id"].as_str().unwrap().to_string();
    let r = a
        .post_form(
            &format!("/incidents/{incident}/assess"),
            &[("csrf", &csrf), ("decision", "incident"), ("variant", "internal"), ("reason", SECRET)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (ct, body) = multipart(&csrf, "acme.txt", SECRET);
    let r = a.send("POST", &format!("/incidents/{incident}/evidence"), Some(&ct), body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let spray: String = (0..5)
        .map(|i| json!({"Id": format!("iso-{i}"), "CreationTime": format!("2026-01-05T01:0{i}:00"), "Operation": "UserLoginFailed", "RecordType": 15, "UserId": format!("u{i}@acme.example"), "ClientIP": "203.0.113.9"}).to_string() + "\n")
        .collect();
    let (ct, body) = multipart(&csrf, "audit.jsonl", &spray);
    let r = a.send("POST", "/m365/import", Some(&ct), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = a
        .post_json(
            "/api/v1/users",
            json!({"login_id": "acme-only", "display_name": format!("{SECRET} 花子"), "roles": ["employee"], "password": "Initial123"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cal = a.post_json("/api/v1/me/calendar", json!({})).await.json()["path"].as_str().unwrap().to_string();

    // A mail in A's outbox (mail is queued only with SMTP configured, so directly).
    let a_org = org::resolve(&w.db, Some("acme")).await.unwrap();
    let mut tx = w.db.begin().await.unwrap();
    let mail = mamori_app::outbox::Mail {
        dedupe_key: "iso-mail".into(),
        kind: "incident",
        recipient: "admin@example.jp".into(),
        subject: SECRET.into(),
        body: SECRET.into(),
    };
    assert!(mamori_app::outbox::queue(&mut tx, &a_org.id, mail, T0).await.unwrap());
    tx.commit().await.unwrap();

    // A targeted-mail drill of A, sent (its people and allowed domain first).
    let cli = Actor::cli(&a_org.id);
    mamori_app::drills::set_domains(&w.db, &cli, "example.jp", T0).await.unwrap();
    let p = mamori_app::people::PersonInput {
        name: format!("{SECRET} 訓練対象"),
        email: "target@example.jp".into(),
        kind: "employee".into(),
        ..Default::default()
    };
    let p = mamori_app::people::create(&w.db, &cli, &p, T0).await.unwrap();
    let drill = mamori_app::drills::CampaignInput {
        name: format!("{SECRET} 訓練"),
        template: "parcel".into(),
        report_address: "security@example.jp".into(),
        follow_up: String::new(),
        people: vec![p.id],
    };
    let drill = mamori_app::drills::create(&w.db, &cli, &drill, jiff::civil::date(2026, 1, 1), T0).await.unwrap();
    mamori_app::drills::send(&w.db, &cli, None, &drill.id, T0).await.unwrap();

    // Every id A's administrator can see anywhere.
    let mut ids = BTreeSet::new();
    for page in [
        "/api/v1/duties",
        "/api/v1/duties/occurrences?from=2025-04-01&to=2027-03-31",
        "/api/v1/documents",
        "/api/v1/registers/assets/rows",
        "/api/v1/requests?scope=all",
        "/incidents",
        "/m365/findings",
        "/admin/mail",
        "/documents",
        "/api/v1/drills",
    ] {
        let r = a.get(page).await;
        assert_eq!(r.status, StatusCode::OK, "{page}: {}", r.body);
        // A few of each listing's ids (each listing holds one or two kinds of record).
        let mut found = BTreeSet::new();
        uuids(&r.body, &mut found);
        assert!(!found.is_empty(), "{page} lists ids of A");
        // Ids are time-ordered: the first and the last few cover a listing's kinds.
        let n = found.len();
        ids.extend(found.into_iter().enumerate().filter(|(i, _)| *i < 4 || i + 4 >= n).map(|(_, id)| id));
    }
    let mut hashes = BTreeSet::new();
    let page = a.get(&format!("/incidents/{incident}")).await;
    for (i, _) in page.body.match_indices("/evidence/") {
        let h: String = page.body[i + 10..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
        if h.len() == 64 {
            hashes.insert(h);
        }
    }
    ids.insert(incident);
    assert!(!hashes.is_empty(), "the incident's evidence file is linked from its page");
    assert!(ids.len() > 20, "ids of every kind were collected: {}", ids.len());
    let mut values: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    values.insert("id", ids);
    values.insert("sha256", hashes);
    values.insert("login_id", ["acme-only".to_string()].into());
    // `/calendar/{file}` is a capability URL: its secret token is the access (no session), so it
    // answers anyone holding it, whichever organisation they belong to. Only a made-up token
    // is checked here (404 for everyone).
    let token = cal.trim_start_matches("/calendar/").to_string();
    values.insert("file", [made_up("file", &token)].into());
    (values, a)
}

/// Values of parameters that name no record of A (the same in every organisation).
fn fixed(param: &str) -> Option<&'static str> {
    match param {
        "key" => Some("assets"),
        "step" => Some("assess"),
        // A pledge kind (the same two in every organisation).
        "kind" => Some("joiner"),
        "field" => Some("attachment"),
        // A questionnaire of the supplier named by `{id}` (none exists: the supplier is A's).
        "qid" => Some("00000000-0000-7000-8000-000000000000"),
        // A file sent with that questionnaire's answers.
        "fid" => Some("00000000-0000-7000-8000-000000000001"),
        // An imported questionnaire template (keys are per organisation: B has none of A's).
        "template" => Some("org-0123456789abcdef"),
        // A questionnaire link: the token is the access, answered the same for everyone.
        "token" => Some("0000000000000000000000000000000000000000000000000000000000000000"),
        _ => None,
    }
}

/// A made-up value of the same shape as a value of A.
fn made_up(param: &str, v: &str) -> String {
    match param {
        "sha256" => "0".repeat(64),
        "login_id" => "nobody-here".into(),
        "file" => format!("{}.ics", "f".repeat(v.trim_end_matches(".ics").len())),
        _ => "00000000-0000-7000-8000-000000000000".into(),
    }
}

async fn b_user(w: &World, org_id: &str, login: &str, roles: &[&str]) -> Client {
    let cli = Actor::cli(org_id);
    let u = users::NewUser {
        login_id: login.into(),
        display_name: login.into(),
        email: String::new(),
        password: "Initial123".into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    };
    users::create(&w.db, &cli, u, T0).await.unwrap();
    let mut c = w.client();
    let r = c.post_json("/api/v1/session", json!({"login_id": login, "password": "Initial123"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = c
        .post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Other2026x"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    with_csrf(c).await
}

async fn send(c: &mut Client, method: &str, path: &str) -> (StatusCode, String) {
    let r = if method == "GET" {
        c.get(path).await
    } else if path.starts_with("/api/") {
        c.send(method, path, Some("application/json"), "{}".into()).await
    } else {
        let token = c.headers[0].1.clone();
        c.send(method, path, Some("application/x-www-form-urlencoded"), format!("csrf={token}")).await
    };
    (r.status, r.body)
}

async fn every_route_with_an_id_answers_as_for_a_made_up_id(w: World) {
    let (values, mut a) = records_of_a(&w).await;
    let audit_before = a.get("/api/v1/audit?limit=1").await.json()["total"].clone();

    let b = org::create(&w.db, "other", "他社株式会社", T0).await.unwrap();
    let roles = ["top_management", "security_manager", "system_admin", "internal_auditor", "employee"];
    let mut clients = Vec::new();
    for r in roles {
        clients.push((r.to_string(), b_user(&w, &b.id, &format!("b-{r}"), &[r]).await));
    }
    clients.push(("every role".into(), b_user(&w, &b.id, "b-all", &roles).await));

    let mut checked = 0;
    let mut routes_with_params = 0;
    for route in route_paths() {
        let params: Vec<&str> = route.split('{').skip(1).map(|s| s.split('}').next().unwrap()).collect();
        if params.is_empty() {
            continue;
        }
        routes_with_params += 1;
        // Concrete paths: each parameter naming a record of A takes each of A's values, the
        // others their fixed value; the baseline takes a made-up value instead of A's.
        let mut concrete: Vec<(String, String)> = vec![(route.clone(), route.clone())];
        let mut names_a_record = false;
        for p in &params {
            let slot = format!("{{{p}}}");
            let mut next = Vec::new();
            if let Some(vs) = values.get(p) {
                names_a_record = true;
                for (path, base) in &concrete {
                    for v in vs {
                        next.push((path.replacen(&slot, v, 1), base.replacen(&slot, &made_up(p, v), 1)));
                    }
                }
            } else if let Some(v) = fixed(p) {
                for (path, base) in &concrete {
                    next.push((path.replacen(&slot, v, 1), base.replacen(&slot, v, 1)));
                }
            } else {
                panic!("route {route}: give the parameter {{{p}}} values in tests/it/isolation.rs");
            }
            concrete = next;
        }
        if !names_a_record {
            continue;
        }
        for (who, c) in clients.iter_mut() {
            let methods: &[&str] = if who == "every role" { &["GET", "POST", "PUT", "DELETE"] } else { &["GET"] };
            for m in methods {
                let mut baseline: BTreeMap<String, StatusCode> = BTreeMap::new();
                for (path, base) in &concrete {
                    let expected = match baseline.get(base) {
                        Some(s) => *s,
                        None => {
                            let s = send(c, m, base).await.0;
                            baseline.insert(base.clone(), s);
                            s
                        }
                    };
                    let (status, body) = send(c, m, path).await;
                    assert_eq!(
                        status,
                        expected,
                        "{m} {path} as {who} of B answers {status}, a made-up id gets {expected}: {}",
                        body.chars().take(300).collect::<String>()
                    );
                    assert!(!status.is_success() && !status.is_redirection(), "{m} {path} as {who} of B: {status}");
                    assert!(!body.contains(SECRET), "{m} {path} as {who} of B shows A's text");
                    // Refused before any lookup (the role's permission, the method, a missing
                    // query parameter) — the same for a made-up id — or not found.
                    let before_lookup =
                        [StatusCode::FORBIDDEN, StatusCode::METHOD_NOT_ALLOWED, StatusCode::BAD_REQUEST];
                    if *m == "GET" && !before_lookup.contains(&status) {
                        assert_eq!(status, StatusCode::NOT_FOUND, "GET {path} as {who} of B");
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(routes_with_params >= 50, "routes with parameters found in the source: {routes_with_params}");
    assert!(checked > 1000, "requests checked: {checked}");
    eprintln!("isolation: {routes_with_params} routes with parameters, {checked} requests checked");
    let audit_after = a.get("/api/v1/audit?limit=1").await.json()["total"].clone();
    assert_eq!(audit_before, audit_after, "nothing of A changed");
}

on_both_engines!(every_route_with_an_id_answers_as_for_a_made_up_id);
