//! The certificate-check page: for the readers of 証明書・ドメイン管理台帳 (anyone else: 404), its
//! button for the register's editors (an internal auditor reads without it), the result in
//! Japanese after a check (a closed port: 確認できず — 接続できません), and the link from the
//! register's page.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_app::{Actor, registers, users};
use serde_json::json;

const T0: i64 = 1_767_225_600_000;

async fn the_page_shows_the_check_to_the_register_readers(w: World) {
    let org = mamori_app::org::resolve(&w.db, Some("acme")).await.unwrap();
    let cli = Actor::cli(&org.id);
    let closed = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let row = json!({"name": "社内ポータル", "kind": "サーバー証明書（TLS）", "expires_on": "2026-09-30",
        "check_host": format!("127.0.0.1:{closed}")});
    registers::create(&w.db, &cli, "certificates", row.as_object().unwrap(), None, T0).await.unwrap();
    let u = users::NewUser {
        login_id: "auditor".into(),
        display_name: "監査 花子".into(),
        email: "auditor@example.jp".into(),
        password: "Initial123".into(),
        roles: vec!["internal_auditor".into()],
    };
    users::create(&w.db, &cli, u, T0).await.unwrap();

    let mut admin = w.logged_in("admin").await;
    let register = admin.get("/registers/certificates").await;
    assert!(register.body.contains("href=\"/certificates/check\""), "linked from the register");
    let page = admin.get("/certificates/check").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("証明書の自動確認") && page.body.contains("社内ポータル"));
    assert!(page.body.contains("未確認") && page.body.contains("id=\"cert-check-run\""));
    let csrf = Client::csrf_in(&page.body);
    let r = admin.post_form("/certificates/check", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/certificates/check?done=checked");
    let page = admin.get("/certificates/check?done=checked").await;
    assert!(page.body.contains("確認しました。"), "{}", page.body);
    assert!(page.body.contains("確認できず: 接続できません"), "{}", page.body);
    assert!(page.body.contains(&format!("127.0.0.1:{closed}")));
    assert!(!page.body.contains("Connection refused") && !page.body.contains("os error"), "no technical text");
    let api = admin.get("/api/v1/certificates/checks").await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.json()["rows"][0]["latest"]["findings"], json!(["unreachable"]));

    // A reader who may not edit the register: the results, no button, no check.
    let mut auditor = w.logged_in("auditor").await;
    auditor
        .post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Auditor99"}))
        .await;
    let page = auditor.get("/certificates/check").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("社内ポータル") && !page.body.contains("cert-check-run"));
    let csrf = Client::csrf_in(&page.body);
    let r = auditor.post_form("/certificates/check", &[("csrf", &csrf)]).await;
    assert!(matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", r.status);

    // Not a reader of the register: nothing there.
    let mut emp = w.logged_in("emp").await;
    emp.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    assert_eq!(emp.get("/certificates/check").await.status, StatusCode::NOT_FOUND);
    assert_eq!(emp.get("/api/v1/certificates/checks").await.status, StatusCode::NOT_FOUND);
    let r = emp.post_json("/api/v1/certificates/checks", json!({})).await;
    assert!(matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", r.status);
}
on_both_engines!(the_page_shows_the_check_to_the_register_readers);
