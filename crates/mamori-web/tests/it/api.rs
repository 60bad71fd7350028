//! The API contract of the foundation issue.

use crate::client::World;
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

async fn session_me_and_forced_password_change(w: World) {
    let mut c = w.client();
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    let r = c.post_json("/api/v1/session", json!({"login_id": "admin", "password": "Initial123"})).await;
    assert_eq!(r.status, StatusCode::OK);
    let cookie = r.headers.get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.starts_with("mamori_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");

    let me = c.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    let v = me.json();
    assert_eq!(v["login_id"], "admin");
    assert_eq!(v["display_name"], "admin 太郎");
    assert_eq!(v["organization"], "acme");
    assert_eq!(v["roles"], json!(["top_management", "system_admin"]));
    assert_eq!(v["must_change_password"], true);
    assert_eq!(v["today"], "2026-01-01", "the server's date in Japan, from its clock");

    // Everything else is refused while the change is pending.
    let r = c.get("/api/v1/users").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], "password_change_required");

    let r =
        c.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "admin"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = r.json();
    assert_eq!(e["error"]["code"], "password_policy");
    assert_eq!(e["error"]["violations"], json!(["too_short", "no_digit", "equals_login_id"]));
    assert!(e["error"]["message"].as_str().unwrap().contains("8 文字以上"), "{e}");

    let r = c
        .post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Admin1234"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(c.get("/api/v1/me").await.json()["must_change_password"], false);
    assert_eq!(c.get("/api/v1/users").await.status, StatusCode::OK);

    let r = c.send("DELETE", "/api/v1/session", Some("application/json"), String::new()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
}

async fn lockout_contract(w: World) {
    let mut c = w.client();
    for _ in 0..3 {
        let r = c.post_json("/api/v1/session", json!({"login_id": "emp", "password": "wrong-pass1"})).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        assert_eq!(r.json()["error"]["code"], "invalid_credentials");
    }
    let r = c.post_json("/api/v1/session", json!({"login_id": "emp", "password": "Initial123"})).await;
    assert_eq!(r.status, StatusCode::LOCKED);
    assert_eq!(r.json()["error"]["code"], "account_locked");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("ロック"));

    // An employee may not unlock; an administrator may.
    let mut admin = w.logged_in("admin").await;
    let r = admin.send("POST", "/api/v1/users/emp/unlock", Some("application/json"), String::new()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["locked"], false);
    let r = c.post_json("/api/v1/session", json!({"login_id": "emp", "password": "Initial123"})).await;
    assert_eq!(r.status, StatusCode::OK);
}

async fn employee_is_refused_privileged_routes(w: World) {
    let mut emp = w.logged_in("emp").await;
    // Pending change first.
    let r = emp
        .post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    for (m, p) in [("POST", "/api/v1/users/admin/unlock"), ("GET", "/api/v1/users"), ("GET", "/api/v1/audit")] {
        let r = emp.send(m, p, Some("application/json"), "{}".into()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{m} {p}");
        assert_eq!(r.json()["error"]["code"], "forbidden", "{m} {p}");
    }
    let r = emp.get("/api/v1/no-such-thing").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "not_found");
}

async fn users_and_audit_api(w: World) {
    let mut a = w.logged_in("admin").await;
    let r = a
        .post_json(
            "/api/v1/users",
            json!({"login_id": "suzuki", "display_name": "鈴木 花子", "email": "s@example.jp", "password": "Hanako2026", "roles": ["security_manager"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["must_change_password"], true);
    let r = a
        .post_json(
            "/api/v1/users",
            json!({"login_id": "suzuki", "display_name": "x", "password": "Hanako2026", "roles": ["employee"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = a.post_json("/api/v1/users", json!({"login_id": "x"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["code"], "validation");

    let r = a
        .send("PUT", "/api/v1/users/suzuki/roles", Some("application/json"), json!({"roles": ["employee"]}).to_string())
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["roles"], json!(["employee"]));

    let r = a.send("POST", "/api/v1/users/suzuki/password-reset", Some("application/json"), "{}".into()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let pw = r.json()["password"].as_str().unwrap().to_string();
    let mut s = w.client();
    let r = s.post_json("/api/v1/session", json!({"login_id": "suzuki", "password": pw})).await;
    assert_eq!(r.json()["must_change_password"], true);

    let r = a.get("/api/v1/audit?limit=5").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["chain"]["ok"], true);
    assert_eq!(v["items"].as_array().unwrap().len(), 5);
    assert_eq!(v["items"][0]["action"], "login_success");
    assert_eq!(v["items"][1]["action"], "password_reset");
    assert!(v["items"][1]["after"]["must_change_password"].as_bool().unwrap());
    assert!(!v["items"][1].to_string().contains("argon2"), "hashes never reach the audit trail");
}

async fn cross_site_form_posts_to_the_api_are_refused(w: World) {
    let mut a = w.logged_in("admin").await;
    for ct in ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", "json", "/"] {
        let r = a.send("POST", "/api/v1/users/emp/unlock", Some(ct), String::new()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{ct}");
    }
    // No Content-Type at all: a no-preflight `fetch` of an untyped body.
    let r = a.send("POST", "/api/v1/users/emp/unlock", None, String::new()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = a.send("DELETE", "/api/v1/session", None, String::new()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(a.get("/api/v1/me").await.status, StatusCode::OK, "the session survived");
    // Sent as JSON (which needs a preflight across sites) the same request is accepted.
    let r = a.send("POST", "/api/v1/users/emp/unlock", Some("application/json"), String::new()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn attempt(c: &mut crate::client::Client, i: usize) -> crate::client::Resp {
    c.post_json("/api/v1/session", json!({"login_id": format!("nobody{i}"), "password": "x"})).await
}

async fn login_is_rate_limited_per_client(w: World) {
    let mut a = w.client();
    a.peer = Some("192.0.2.1:40000".parse().unwrap());
    let mut limited_at = None;
    for i in 0..15 {
        let r = attempt(&mut a, i).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(r.json()["error"]["code"], "rate_limited");
            limited_at = Some(i);
            break;
        }
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    }
    assert_eq!(limited_at, Some(10), "the first 10 attempts of one address pass, the 11th is refused");
    // Another address (another port of the same host counts as the same client) is not limited.
    let mut same_host = w.client();
    same_host.peer = Some("192.0.2.1:40001".parse().unwrap());
    let r = attempt(&mut same_host, 99).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the key is the address, not the connection");
    let mut b = w.client();
    b.peer = Some("192.0.2.2:40000".parse().unwrap());
    for i in 0..10 {
        let r = attempt(&mut b, 100 + i).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i} of a second address: {}", r.body);
    }
    let r = attempt(&mut a, 200).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the first address stays limited");
}

async fn healthz_and_headers(w: World) {
    let mut c = w.client();
    let r = c.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline")
    );
    assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(r.headers.get("referrer-policy").unwrap(), "same-origin");
    assert!(r.headers.get("x-request-id").is_some());
    let js = c.get("/static/vendor/htmx.min.js").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.body.contains("htmx"));
}

/// Nobody changes their own roles (API: 403 `self_role_change`; page: the users page again with
/// the reason); 経営責任者 is granted only by a 経営責任者.
async fn own_roles_and_top_management_grants(w: World) {
    let mut a = w.logged_in("admin").await;
    let token = a.get("/api/v1/me").await.json()["csrf_token"].as_str().unwrap().to_string();
    a.headers.push(("x-csrf-token".into(), token));
    let r = a
        .send("PUT", "/api/v1/users/admin/roles", Some("application/json"), json!({"roles": ["employee"]}).to_string())
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "self_role_change");
    let page = a.get("/users").await;
    let csrf = crate::client::Client::csrf_in(&page.body);
    let r = a.post_form("/users/admin/roles", &[("csrf", &csrf), ("roles", "employee")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("自分自身のロールは変更できません"), "{}", r.body);
    assert!(r.body.contains("emp 太郎"), "the users page is shown again");
    // A system administrator without 経営責任者 cannot make anyone one.
    let r = a
        .post_json("/api/v1/users", json!({"login_id": "sys2", "display_name": "情シス 次郎", "roles": ["system_admin"], "password": "Initial123"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut sys = w.client();
    sys.post_json("/api/v1/session", json!({"login_id": "sys2", "password": "Initial123"})).await;
    sys.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Sysadmin99"})).await;
    let token = sys.get("/api/v1/me").await.json()["csrf_token"].as_str().unwrap().to_string();
    sys.headers.push(("x-csrf-token".into(), token));
    let r = sys
        .send(
            "PUT",
            "/api/v1/users/emp/roles",
            Some("application/json"),
            json!({"roles": ["top_management"]}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "role_grant_forbidden");
    let r = a
        .send(
            "PUT",
            "/api/v1/users/emp/roles",
            Some("application/json"),
            json!({"roles": ["top_management"]}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "the 経営責任者 may: {}", r.body);
}

on_both_engines!(
    own_roles_and_top_management_grants,
    session_me_and_forced_password_change,
    lockout_contract,
    employee_is_refused_privileged_routes,
    users_and_audit_api,
    cross_site_form_posts_to_the_api_are_refused,
    login_is_rate_limited_per_client,
    healthz_and_headers,
);

async fn lockout_threshold_is_a_setting(w: World) {
    let mut a = w.logged_in("admin").await;
    let r = a
        .send(
            "PUT",
            "/api/v1/organization/settings",
            Some("application/json"),
            json!({"lockout_threshold": 11}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = a
        .send(
            "PUT",
            "/api/v1/organization/settings",
            Some("application/json"),
            json!({"lockout_threshold": 5}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let mut c = w.client();
    for _ in 0..4 {
        let r = c.post_json("/api/v1/session", json!({"login_id": "emp", "password": "nope-nope1"})).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = c.post_json("/api/v1/session", json!({"login_id": "emp", "password": "Initial123"})).await;
    assert_eq!(r.status, StatusCode::OK, "four failures do not lock at threshold 5");
    let mut e = w.logged_in("emp").await;
    let r = e
        .send(
            "PUT",
            "/api/v1/organization/settings",
            Some("application/json"),
            json!({"lockout_threshold": 3}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

on_both_engines!(lockout_threshold_is_a_setting);
