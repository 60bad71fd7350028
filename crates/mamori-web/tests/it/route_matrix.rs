//! The route × role matrix: every route of the router (read from the source of the
//! capabilities' `routes()`, method by method) is tried anonymously and as each of the five
//! roles, and the answer — let through to its handler, or refused by the guard — must be the
//! one written in `route_matrix.tsv`. A new route without a line there fails the suite, and so
//! does a route whose guard changed.
//!
//! `+` = reached its handler (any answer but 401, 403 or the login redirect), `-` = refused.
//! To review a change, run with `MAMORI_WRITE_ROUTE_MATRIX=1`: the observed table is written
//! next to this file (and the test still fails), so `git diff` shows every changed decision.

use crate::client::{Client, T0, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_app::{Actor, users};
use serde_json::json;
use std::collections::BTreeSet;

const TABLE: &str = include_str!("route_matrix.tsv");
const ROLES: [&str; 5] = ["top_management", "security_manager", "system_admin", "internal_auditor", "employee"];
const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// Every (method, path) of the router, from the `.route("…", get(…).post(…))` calls in `src/`.
pub fn routes() -> BTreeSet<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut BTreeSet<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for (i, _) in text.match_indices(".route(") {
                    let rest = text[i + 7..].trim_start();
                    let Some(q) = rest.strip_prefix('"') else { continue };
                    let path = q[..q.find('"').unwrap()].to_string();
                    // The method router: up to the `)` closing `.route(`.
                    let mut depth = 1;
                    let mut end = rest.len();
                    for (j, c) in rest.char_indices() {
                        match c {
                            '(' => depth += 1,
                            ')' => {
                                depth -= 1;
                                if depth == 0 {
                                    end = j;
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    let call = &rest[..end];
                    let mut found = false;
                    for m in METHODS {
                        for (k, _) in call.match_indices(&format!("{m}(")) {
                            let before = call[..k].chars().next_back();
                            if before.is_none_or(|b| !(b.is_alphanumeric() || b == '_')) {
                                out.insert((m.to_uppercase(), path.clone()));
                                found = true;
                            }
                        }
                    }
                    assert!(found, "{}: no method found for route {path}", p.display());
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out
}

/// A value for each kind of path parameter (a made-up record: the guard answers before any
/// lookup, so the record need not exist).
fn value(param: &str) -> &'static str {
    match param {
        "key" => "assets",
        "step" => "assess",
        "field" => "attachment",
        "sha256" => "0000000000000000000000000000000000000000000000000000000000000000",
        "login_id" => "nobody-here",
        "file" => "ffffffffffffffffffffffffffffffff.ics",
        _ => "00000000-0000-7000-8000-000000000000",
    }
}

fn concrete(path: &str) -> String {
    let mut out = path.to_string();
    while let Some(i) = out.find('{') {
        let j = out[i..].find('}').unwrap() + i;
        let v = value(&out[i + 1..j]);
        out.replace_range(i..=j, v);
    }
    out
}

async fn user(w: &World, org_id: &str, role: &str) -> Client {
    let login = format!("m-{role}");
    let u = users::NewUser {
        login_id: login.clone(),
        display_name: login.clone(),
        email: String::new(),
        password: "Initial123".into(),
        roles: vec![role.to_string()],
    };
    users::create(&w.db, &Actor::cli(org_id), u, T0).await.unwrap();
    let mut c = w.client();
    let r = c.post_json("/api/v1/session", json!({"login_id": login, "password": "Initial123"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = c
        .post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Other2026x"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    c
}

/// Whether the guard let the request through.
async fn reached(c: &mut Client, method: &str, path: &str, csrf: &str) -> bool {
    // The login form's token is the double-submit cookie's, shown on the login page.
    let login_csrf;
    let csrf = if method == "POST" && path == "/login" {
        let page = c.get("/login").await.body;
        login_csrf = if page.contains("name=\"csrf\"") { Client::csrf_in(&page) } else { csrf.to_string() };
        login_csrf.as_str()
    } else {
        csrf
    };
    let r = if method == "GET" {
        c.get(path).await
    } else if path.starts_with("/api/") {
        c.send(method, path, Some("application/json"), "{}".into()).await
    } else if path == "/login" {
        let body = format!("csrf={csrf}&login_id=nobody-here&password=wrong-pass1");
        c.send(method, path, Some("application/x-www-form-urlencoded"), body).await
    } else {
        c.send(method, path, Some("application/x-www-form-urlencoded"), format!("csrf={csrf}")).await
    };
    // Wrong credentials are the login handler's own answer, not a refusal of the route.
    if r.status == StatusCode::UNAUTHORIZED && method == "POST" && (path == "/login" || path == "/api/v1/session") {
        return true;
    }
    // Logging out answers with the login page, as the guard does: it is open to everyone
    // (without a session it just shows the login page).
    let to_login = r.status.is_redirection() && r.location().starts_with("/login") && path != "/logout";
    !(r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::FORBIDDEN || to_login)
}

/// Routes that end the session run last for each client.
fn ends_session(method: &str, path: &str) -> bool {
    path == "/logout" || (method == "DELETE" && path == "/api/v1/session")
}

async fn every_route_answers_each_role_as_the_table_says(w: World) {
    let org_id = mamori_app::org::resolve(&w.db, Some("acme")).await.unwrap().id;
    let mut routes: Vec<(String, String)> = routes().into_iter().collect();
    routes.sort_by_key(|(m, p)| ends_session(m, p));
    assert!(routes.len() >= 140, "routes found in the source: {}", routes.len());

    let mut anonymous = w.client();
    anonymous.peer = Some("192.0.2.200:40000".parse().unwrap());
    let mut clients: Vec<(String, Client, String)> = vec![("anonymous".into(), anonymous, String::new())];
    for role in ROLES {
        let mut c = user(&w, &org_id, role).await;
        // Each client its own address, so the login rate limit of one is not another's.
        c.peer = Some(format!("192.0.2.{}:40000", clients.len()).parse().unwrap());
        let csrf = c.get("/api/v1/me").await.json()["csrf_token"].as_str().unwrap().to_string();
        clients.push((role.to_string(), c, csrf));
    }
    let mut observed = String::from(
        "#method\tpath\tanonymous\ttop_management\tsecurity_manager\tsystem_admin\tinternal_auditor\temployee\n",
    );
    for (m, p) in &routes {
        let path = concrete(p);
        let mut line = format!("{m}\t{p}");
        for (_, c, csrf) in clients.iter_mut() {
            line.push('\t');
            line.push(if reached(c, m, &path, csrf).await { '+' } else { '-' });
        }
        observed.push_str(&line);
        observed.push('\n');
    }
    // Compare line by line, in the table's order (sorted).
    let sort = |t: &str| -> Vec<String> {
        let mut v: Vec<String> =
            t.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(String::from).collect();
        v.sort();
        v
    };
    let (want, got) = (sort(TABLE), sort(&observed));
    if want != got {
        if std::env::var("MAMORI_WRITE_ROUTE_MATRIX").is_ok() {
            let mut text = String::from(
                "#method\tpath\tanonymous\ttop_management\tsecurity_manager\tsystem_admin\tinternal_auditor\temployee\n",
            );
            for l in &got {
                text.push_str(l);
                text.push('\n');
            }
            std::fs::write(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/route_matrix.tsv"), text)
                .unwrap();
        }
        let missing: Vec<&String> = got.iter().filter(|l| !want.contains(l)).collect();
        let stale: Vec<&String> = want.iter().filter(|l| !got.contains(l)).collect();
        panic!(
            "the route × role matrix differs from route_matrix.tsv\nobserved, not in the table:\n{}\nin the table, not observed:\n{}",
            missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"),
            stale.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
        );
    }
}

on_both_engines!(every_route_answers_each_role_as_the_table_says);
