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
    // 21 MB of short lines (one endless line would break the 4 MB line cap instead).
    for _ in 0..21 * 1024 {
        body.extend_from_slice(&[b'x'; 1023]);
        body.push(b'\n');
    }
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
    assert!(r.body.contains("監査ログ（AuditData JSON）"), "the format in words");
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
    assert!(r.body.contains("管理センターのユーザー一覧（CSV）"), "the format in words: {}", r.body);
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

/// A file sent as `.` or `..` is imported under a name of its own (it named a directory, and
/// the page answered 500); a file beyond a cap (a gzip whose one line expands past 4 MB) is
/// refused on the form, naming the limit, and stores nothing.
async fn odd_names_and_capped_files(w: World) {
    use std::io::Write;
    let mut a = w.logged_in("admin").await;
    let b = "----mamori-odd";
    let ct = format!("multipart/form-data; boundary={b}");
    let part = |csrf: &str, name: &str, file: &[u8]| {
        let mut body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
        body
    };
    for (i, name) in [".", ".."].into_iter().enumerate() {
        let csrf = Client::csrf_in(&a.get("/m365").await.body);
        let line = json!({"Id": format!("dot-{i}"), "CreationTime": "2026-01-05T01:00:00", "Operation": "UserLoggedIn", "RecordType": 15, "UserId": "a@example.jp", "ClientIP": "203.0.113.9"});
        let r =
            a.send_bytes("POST", "/m365/import", Some(&ct), part(&csrf, name, format!("{line}\n").as_bytes())).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", &r.body[..r.body.len().min(3000)]);
        assert!(r.body.contains("<dd id=\"import-new\">1</dd>"), "{name}");
    }

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(b"CreationDate,UserIds,Operations,AuditData\n2026-01-05,a,b,\"").unwrap();
    for _ in 0..5 * 1024 {
        gz.write_all(&[b'x'; 1024]).unwrap();
    }
    let bomb = gz.finish().unwrap();
    let csrf = Client::csrf_in(&a.get("/m365").await.body);
    let r = a.send_bytes("POST", "/m365/import", Some(&ct), part(&csrf, "audit.csv.gz", &bomb)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("1 行の大きさが上限（4 MB）を超えています。"), "{}", &r.body[..r.body.len().min(4000)]);
    assert!(r.body.contains("name=\"file\""), "the form is shown again");
    let list = a.get("/m365").await.body;
    assert!(!list.contains("audit.csv.gz"), "nothing was stored");
}

/// A client that goes away mid-upload (the request's future is dropped) leaves no temporary
/// file behind, on the Microsoft 365 import page and in the evidence API.
async fn an_interrupted_upload_leaves_no_temporary_file(w: World) {
    use axum::body::Body;
    use futures_util::StreamExt;
    use tower::ServiceExt;
    let dir = std::env::temp_dir().join(format!("mamori-interrupted-{}", mamori_app::new_id()));
    let w = w.with_config(mamori_web::WebConfig { evidence_dir: dir.clone(), ..Default::default() });
    let mut a = w.logged_in("admin").await;
    let csrf = Client::csrf_in(&a.get("/m365").await.body);
    let token = a.get("/api/v1/me").await.json()["csrf_token"].as_str().unwrap().to_string();
    let b = "----mamori-cut";
    let head = |csrf: &str| {
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"audit.csv\"\r\n\r\nCreationDate,UserIds,Operations,AuditData\n{}",
            "2026-01-05,a,b,{}\n".repeat(2000)
        )
    };
    let cookies: Vec<String> = a.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
    for (path, body_head) in [("/m365/import", head(&csrf)), ("/api/v1/evidence", head(&csrf))] {
        // The first part of the body arrives; the rest never does.
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from(body_head))])
            .chain(futures_util::stream::pending());
        let req = axum::http::Request::builder()
            .method("POST")
            .uri(path)
            .header("cookie", cookies.join("; "))
            .header("x-csrf-token", &token)
            .header("content-type", format!("multipart/form-data; boundary={b}"))
            .body(Body::from_stream(chunks))
            .unwrap();
        let cut = tokio::time::timeout(std::time::Duration::from_millis(700), w.app.clone().oneshot(req)).await;
        assert!(cut.is_err(), "{path}: the request was still waiting for its body");
        let left: Vec<_> = walk(&dir.join("tmp"));
        assert!(left.is_empty(), "{path}: temporary files left: {left:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.push(p.clone());
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

on_both_engines!(
    large_exports_reach_the_importer,
    upload_and_confirm_a_spray,
    odd_names_and_capped_files,
    an_interrupted_upload_leaves_no_temporary_file
);
