//! Microsoft 365 pages: upload an export, read its counts, see the password-spray finding,
//! confirm it into an incident; employees are kept out.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

fn spray() -> String {
    let mut s = String::new();
    for (i, u) in ["a", "b", "c", "d", "e"].iter().enumerate() {
        s.push_str(&json!({"Id": format!("w-{i}"), "CreationTime": format!("2026-01-05T01:0{i}:00"), "Operation": "UserLoginFailed", "RecordType": 15, "UserId": format!("{u}@example.jp"), "ClientIP": "203.0.113.7"}).to_string());
        s.push('\n');
    }
    s
}

/// The import page takes exports larger than the 20 MB every other upload is limited to (it
/// streams them to disk); the regulation import still refuses them.
async fn large_exports_reach_the_importer(w: World) {
    let mut a = w.logged_in("admin").await;
    let csrf = Client::csrf_in(&a.get("/m365").await.body);
    let b = "----mamori-big";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n\r\n"
    )
    .into_bytes();
    body.resize(body.len() + 21 * 1024 * 1024, b'x');
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={b}");
    // As a browser sends it: with its length announced.
    a.headers.push(("content-length".into(), body.len().to_string()));
    let r = a.send_bytes("POST", "/m365/import", Some(&ct), body.clone()).await;
    assert_ne!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("Microsoft 365"), "the importer itself answers: {}", &r.body[..r.body.len().min(2000)]);
    let r = a.send_bytes("POST", "/regulation/import", Some(&ct), body).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

async fn upload_and_confirm_a_spray(w: World) {
    let mut a = w.logged_in("admin").await;
    let page = a.get("/m365").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = Client::csrf_in(&page.body);
    let b = "----mamori-m365";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"audit.jsonl\"\r\n\r\n{}\r\n--{b}--\r\n",
        spray()
    );
    let r = a.send("POST", "/m365/import", Some(&format!("multipart/form-data; boundary={b}")), body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"import-report\""));
    assert!(r.body.contains("auditdata_json"));
    assert!(r.body.contains("<dd id=\"import-new\">5</dd>"), "{}", r.body);
    // The same file again: everything is a duplicate.
    let r = a.send("POST", "/m365/import", Some(&format!("multipart/form-data; boundary={b}")), body).await;
    assert!(r.body.contains("<dd id=\"import-duplicate\">5</dd>"));
    let events = a.get("/m365/events?ip=203.0.113.7").await;
    assert_eq!(events.body.matches("UserLoginFailed").count(), 5);

    let inbox = a.get("/m365/findings").await;
    assert!(inbox.body.contains("data-rule=\"password_spray\""), "{}", inbox.body);
    let id = inbox.body.split("id=\"finding-").nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = a
        .post_form(
            &format!("/m365/findings/{id}"),
            &[("csrf", &csrf), ("decision", "confirm"), ("reason", "海外 IP からの攻撃"), ("incident", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let inbox = a.get("/m365/findings").await;
    assert!(inbox.body.contains("finding-confirmed"));
    assert!(inbox.body.contains("class=\"finding-incident\""));

    // The access review page lists the accounts of an admin center export.
    let users = "Display name,DirSyncEnabled,User principal name,Object Id,When created,Soft deletion time stamp,Block credential,Licenses\r\nVendor,False,vendor@partner.example,oid,2024-01-01 00:00:00Z,,False,Unlicensed\r\n";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"users.csv\"\r\n\r\n{users}\r\n--{b}--\r\n"
    );
    let r = a.send("POST", "/m365/import", Some(&format!("multipart/form-data; boundary={b}")), body).await;
    assert!(r.body.contains("admin_users_csv"), "{}", r.body);
    let review = a.get("/m365/accounts").await;
    assert!(review.body.contains("data-upn=\"vendor@partner.example\""));
    assert!(review.body.contains("該当する利用者がいない"));
    let r = a
        .post_form(
            "/m365/accounts",
            &[("csrf", &csrf), ("upn", "vendor@partner.example"), ("decision", "disable"), ("note", "保守終了")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(a.get("/m365/accounts").await.body.contains("保守終了"));

    // Employees have no access.
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    assert_eq!(e.get("/m365").await.status, StatusCode::FORBIDDEN);
}

on_both_engines!(large_exports_reach_the_importer, upload_and_confirm_a_spray);
