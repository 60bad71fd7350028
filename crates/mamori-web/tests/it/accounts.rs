//! Issue 14, accounts: the disable/enable and MFA contracts, the login page's second step, the
//! MFA requirement's gate, HSTS and Secure cookies for an https base URL, the one-time reset
//! notice and the regulation's lockout value on the users page.

use crate::client::{Client, T0, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_domain::totp;
use mamori_web::{AppState, WebConfig, router};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The code of the step after the world's clock (the clock starts at T0 + 1 s and ticks 1 ms a
/// reading, so it stays in T0's step; the next step is inside the ±1 window and not used yet).
fn next_code(key: &[u8]) -> String {
    totp::code_at(key, T0 + 30_000)
}

/// Logs in `login` with its initial password and changes it to `new`.
async fn with_password(w: &World, login: &str, new: &str) -> Client {
    let mut c = w.client();
    let r = c.post_json("/api/v1/session", json!({"login_id": login, "password": "Initial123"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = c.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": new})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    c
}

async fn disable_and_enable_contract(w: World) {
    let mut admin = w.logged_in("admin").await;
    let mut emp = with_password(&w, "emp", "Employee12").await;
    assert_eq!(emp.get("/api/v1/me").await.status, StatusCode::OK);
    // Not for an employee; not for oneself.
    let r = emp.post_json("/api/v1/users/admin/disable", json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = admin.post_json("/api/v1/users/admin/disable", json!({})).await;
    assert_eq!((r.status, r.json()["error"]["code"].clone()), (StatusCode::FORBIDDEN, json!("self_disable")));

    let r = admin.post_json("/api/v1/users/emp/disable", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["disabled"], true);
    assert_eq!(emp.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED, "the session ended");

    let mut c = w.client();
    let r = c.post_json("/api/v1/session", json!({"login_id": "emp", "password": "wrong-pass1"})).await;
    assert_eq!((r.status, r.json()["error"]["code"].clone()), (StatusCode::UNAUTHORIZED, json!("invalid_credentials")));
    let r = c.post_json("/api/v1/session", json!({"login_id": "emp", "password": "Employee12"})).await;
    assert_eq!((r.status, r.json()["error"]["code"].clone()), (StatusCode::FORBIDDEN, json!("account_disabled")));

    // The login page says so in Japanese, keeping the login ID.
    let page = c.get("/login").await;
    let csrf = Client::csrf_in(&page.body);
    let r = c.post_form("/login", &[("csrf", &csrf), ("login_id", "emp"), ("password", "Employee12")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("このアカウントは無効です"), "{}", r.body);
    assert!(r.body.contains("value=\"emp\""));

    // The users page shows the state and an enable button; enabling from the page works.
    let page = admin.get("/users").await;
    assert!(page.body.contains("action=\"/users/emp/enable\""), "{}", page.body);
    let csrf = Client::csrf_in(&page.body);
    let r = admin.post_form("/users/emp/enable", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c.post_json("/api/v1/session", json!({"login_id": "emp", "password": "Employee12"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The page refuses one's own account with the reason on the users page.
    let r = admin.post_form("/users/admin/disable", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("自分のアカウント"), "{}", r.body);
    let r = admin.post_json("/api/v1/users/emp/enable", json!({})).await;
    assert_eq!(r.json()["disabled"], false);
}

async fn mfa_contract(w: World) {
    let mut emp = with_password(&w, "emp", "Employee12").await;
    let r = emp.post_json("/api/v1/me/mfa/totp", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    let secret = v["secret"].as_str().unwrap().to_string();
    assert!(v["otpauth_url"].as_str().unwrap().starts_with("otpauth://totp/mamori:acme%3Aemp?secret="), "{v}");
    let key = totp::base32_decode(&secret).unwrap();
    let now_code = totp::code_at(&key, T0 + 1000);
    let bad = if now_code == "000000" { "111111" } else { "000000" };
    let r = emp.post_json("/api/v1/me/mfa/totp/confirm", json!({"code": bad})).await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("invalid_code"))
    );
    let r = emp.post_json("/api/v1/me/mfa/totp/confirm", json!({"code": now_code})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes: Vec<String> =
        r.json()["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(emp.get("/api/v1/me").await.json()["mfa_enrolled"], true);
    // Replacing the enrolled secret needs the password.
    let r = emp.post_json("/api/v1/me/mfa/totp", json!({})).await;
    assert_eq!(r.json()["error"]["code"], "wrong_current_password", "{}", r.body);
    let r = emp.post_json("/api/v1/me/mfa/totp", json!({"password": "Employee12"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_ne!(r.json()["secret"].as_str().unwrap(), secret, "a new pending secret");
    let mut admin = w.logged_in("admin").await;
    let list = admin.get("/api/v1/users").await.json();
    let flags: Vec<(String, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["login_id"].as_str().unwrap().to_string(), u["mfa_enrolled"].as_bool().unwrap()))
        .collect();
    assert_eq!(flags, vec![("admin".to_string(), false), ("emp".to_string(), true)]);
    assert!(admin.get("/users").await.body.contains("多要素認証あり"));
    // An employee may not remove it; an administrator may (and then the password alone works).
    assert_eq!(emp.post_json("/api/v1/users/emp/mfa-reset", json!({})).await.status, StatusCode::FORBIDDEN);

    let mut c = w.client();
    let r = c.post_json("/api/v1/session", json!({"login_id": "emp", "password": "Employee12"})).await;
    assert_eq!((r.status, r.json()["error"]["code"].clone()), (StatusCode::UNAUTHORIZED, json!("mfa_required")));
    let r = c.post_json("/api/v1/session", json!({"login_id": "emp", "password": "Employee12", "totp": bad})).await;
    assert_eq!((r.status, r.json()["error"]["code"].clone()), (StatusCode::UNAUTHORIZED, json!("invalid_credentials")));
    let r = c
        .post_json("/api/v1/session", json!({"login_id": "emp", "password": "wrong-pass1", "totp": next_code(&key)}))
        .await;
    assert_eq!(r.json()["error"]["code"], "invalid_credentials");
    let r = c
        .post_json("/api/v1/session", json!({"login_id": "emp", "password": "Employee12", "totp": next_code(&key)}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Not twice.
    let mut d = w.client();
    let r = d
        .post_json("/api/v1/session", json!({"login_id": "emp", "password": "Employee12", "totp": next_code(&key)}))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // A recovery code once (the counter was reset by the success above).
    let r =
        d.post_json("/api/v1/session", json!({"login_id": "emp", "password": "Employee12", "totp": codes[3]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut e = w.client();
    let r =
        e.post_json("/api/v1/session", json!({"login_id": "emp", "password": "Employee12", "totp": codes[3]})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // The login page's second step keeps the login ID and asks for the code.
    let mut p = w.client();
    // Another client address: this test has used up the local address's login burst.
    p.peer = Some("192.0.2.7:40000".parse().unwrap());
    let page = p.get("/login").await;
    let csrf = Client::csrf_in(&page.body);
    let r = p.post_form("/login", &[("csrf", &csrf), ("login_id", "emp"), ("password", "Employee12")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("name=\"totp\"") && r.body.contains("value=\"emp\""), "{}", r.body);
    assert!(r.body.contains("6 桁のコード"), "{}", r.body);
    let r = p
        .post_form("/login", &[("csrf", &csrf), ("login_id", "emp"), ("password", "Employee12"), ("totp", &codes[4])])
        .await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/"), "{}", r.body);
    let r = admin.post_json("/api/v1/users/emp/mfa-reset", json!({})).await;
    assert_eq!((r.status, r.json()["mfa_enrolled"].clone()), (StatusCode::OK, json!(false)), "{}", r.body);
    let r = p.post_json("/api/v1/session", json!({"login_id": "emp", "password": "Employee12"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn mfa_requirement_sends_privileged_users_to_enrolment(w: World) {
    let mut admin = w.logged_in("admin").await;
    let mut emp = with_password(&w, "emp", "Employee12").await;
    let r = emp
        .send("PUT", "/api/v1/organization/mfa", Some("application/json"), json!({"required": true}).to_string())
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = admin.get("/users").await;
    assert!(page.body.contains("action=\"/settings/mfa\""), "the setting is on the users page");
    let r = admin
        .send("PUT", "/api/v1/organization/mfa", Some("application/json"), json!({"required": true}).to_string())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["mfa_required"], true);
    // The administrator (経営責任者) may now only enrol; the employee is not concerned.
    let r = admin.get("/api/v1/users").await;
    assert_eq!((r.status, r.json()["error"]["code"].clone()), (StatusCode::FORBIDDEN, json!("mfa_enrolment_required")));
    let r = admin.get("/users").await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/mfa"));
    assert_eq!(emp.get("/api/v1/me").await.status, StatusCode::OK);
    assert_eq!(emp.get("/").await.status, StatusCode::OK);

    // Enrolment through the page: a server-rendered QR code and the secret in groups.
    let page = admin.get("/mfa").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("必須"), "{}", page.body);
    let csrf = Client::csrf_in(&page.body);
    let page = admin.post_form("/mfa/start", &[("csrf", &csrf)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<svg"), "{}", page.body);
    let start = page.body.find("class=\"secret\">").unwrap() + 15;
    let grouped: String = page.body[start..].chars().take_while(|c| *c != '<').collect();
    assert!(grouped.contains(' '), "{grouped}");
    let key = totp::base32_decode(&grouped).unwrap();
    let wrong = if totp::code_at(&key, T0 + 1000) == "000000" { "111111" } else { "000000" };
    let r = admin.post_form("/mfa/confirm", &[("csrf", &csrf), ("code", wrong)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("<svg") && r.body.contains("aria-invalid"), "the same QR code with the problem");
    let r = admin.post_form("/mfa/confirm", &[("csrf", &csrf), ("code", &totp::code_at(&key, T0 + 1000))]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body.matches("<li><code>").count(), 10, "{}", r.body);
    assert_eq!(admin.get("/api/v1/users").await.status, StatusCode::OK, "enrolled: free again");
    // Shown once: the page does not show them again.
    assert_eq!(admin.get("/mfa").await.body.matches("<li><code>").count(), 0);
}

/// An https base URL: cookies are Secure and responses carry HSTS; plain http: neither.
async fn https_base_url_means_secure_cookies_and_hsts(w: World) {
    let mut plain = w.client();
    let r = plain.get("/login").await;
    assert!(r.headers.get("strict-transport-security").is_none());
    assert!(!r.headers.get("set-cookie").unwrap().to_str().unwrap().contains("Secure"));

    let config = WebConfig { base_url: Some("https://isms.example.jp".into()), ..WebConfig::default() };
    let state = AppState::with_clock(w.db.clone(), config, Arc::new(|| T0 + 1000));
    let mut c = Client { app: router(state), jar: BTreeMap::new(), accept_language: None, headers: vec![], peer: None };
    let r = c.get("/login").await;
    assert_eq!(r.headers.get("strict-transport-security").unwrap(), "max-age=31536000");
    let r = c.post_json("/api/v1/session", json!({"login_id": "emp", "password": "Initial123"})).await;
    let cookie = r.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("mamori_session=") && cookie.contains("; Secure"), "{cookie}");
}

/// The configured absolute lifetime ends a session however active it is.
async fn absolute_session_lifetime_is_configured(w: World) {
    let now = Arc::new(std::sync::atomic::AtomicI64::new(T0 + 1000));
    let clock = now.clone();
    let config = WebConfig { session_absolute_ms: 2 * 60 * 60 * 1000, ..WebConfig::default() };
    let state =
        AppState::with_clock(w.db.clone(), config, Arc::new(move || clock.load(std::sync::atomic::Ordering::SeqCst)));
    let mut c = Client { app: router(state), jar: BTreeMap::new(), accept_language: None, headers: vec![], peer: None };
    let r = c.post_json("/api/v1/session", json!({"login_id": "emp", "password": "Initial123"})).await;
    assert_eq!(r.status, StatusCode::OK);
    for minutes in [30, 60, 90, 119] {
        now.store(T0 + 1000 + minutes * 60_000, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::OK, "{minutes} min");
    }
    now.store(T0 + 1000 + 120 * 60_000, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
}

/// The reset password is shown once with its expiry and the change rule; the API names the
/// expiry in Japan time; the users page shows the regulation's lockout value; login IDs ignore
/// case.
async fn reset_notice_lockout_value_and_case_insensitive_login(w: World) {
    let mut admin = w.logged_in("admin").await;
    let page = admin.get("/users").await;
    assert!(page.body.contains("規程 8.5 の値: 3 回"), "{}", page.body);
    let csrf = Client::csrf_in(&page.body);
    let r = admin.post_form("/users/emp/reset-password", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("今回だけ表示") && r.body.contains("2026-01-02 09:00"), "{}", r.body);
    assert!(!admin.get("/users").await.body.contains("今回だけ表示"), "never shown again");
    let r = admin.post_json("/api/v1/users/emp/password-reset", json!({})).await;
    assert_eq!(r.json()["expires_at"], "2026-01-02T09:00:01+09:00");

    let r = admin
        .post_json(
            "/api/v1/users",
            json!({"login_id": "EMP", "display_name": "x", "password": "Initial123", "roles": ["employee"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let mut c = w.client();
    let r = c.post_json("/api/v1/session", json!({"login_id": "ADMIN", "password": "Admin1234"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

on_both_engines!(
    disable_and_enable_contract,
    mfa_contract,
    mfa_requirement_sends_privileged_users_to_enrolment,
    https_base_url_means_secure_cookies_and_hsts,
    absolute_session_lifetime_is_configured,
    reset_notice_lockout_value_and_case_insensitive_login,
);
