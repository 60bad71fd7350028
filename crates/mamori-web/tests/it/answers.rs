//! Cached serialised answers (`/api/v1/controls`, `/api/v1/soa`, `/api/v1/catalogue`): ETag
//! revalidation, compression, a new answer after a change, one organisation's answer never
//! served to another, and the cache-stats API.

use crate::client::{Client, T0, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_app::{Actor, org, users};
use serde_json::json;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

fn etag(r: &crate::client::Resp) -> String {
    r.headers.get("etag").and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("no ETag")).to_string()
}

async fn get_with(c: &mut Client, path: &str, headers: &[(&str, &str)]) -> crate::client::Resp {
    c.headers = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let r = c.get(path).await;
    c.headers.clear();
    r
}

async fn answers_revalidate_compress_and_change_with_the_data(w: World) {
    let mut a = w.logged_in("admin").await;
    let r = a
        .send_bytes(
            "POST",
            "/api/v1/regulation?name=seed.txt",
            Some("application/octet-stream"),
            format!("{SEED}\n").into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);

    for path in ["/api/v1/controls", "/api/v1/soa", "/api/v1/catalogue", "/api/v1/controls?applicable=no"] {
        let first = a.get(path).await;
        assert_eq!(first.status, StatusCode::OK, "{path}");
        assert!(first.headers.get("content-encoding").is_none(), "{path}: identity unless asked");
        let tag = etag(&first);
        // The same answer again (a cache hit) carries the same ETag and body.
        let again = a.get(path).await;
        assert_eq!((etag(&again), again.body.len()), (tag.clone(), first.body.len()), "{path}");
        // Revalidation: 304 without a body; a weak or listed validator matches too.
        for inm in [tag.clone(), format!("W/{tag}"), format!("\"other\", {tag}")] {
            let r = get_with(&mut a, path, &[("if-none-match", &inm)]).await;
            assert_eq!(r.status, StatusCode::NOT_MODIFIED, "{path} {inm}");
            assert!(r.body.is_empty());
            assert_eq!(etag(&r), tag);
        }
        let r = get_with(&mut a, path, &[("if-none-match", "\"stale\"")]).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: another ETag gets the body");
        // Compression: brotli preferred, gzip otherwise, none when refused.
        let br = get_with(&mut a, path, &[("accept-encoding", "gzip, deflate, br")]).await;
        assert_eq!(br.headers.get("content-encoding").map(|v| v.to_str().unwrap()), Some("br"), "{path}");
        let gz = get_with(&mut a, path, &[("accept-encoding", "gzip, br;q=0")]).await;
        assert_eq!(gz.headers.get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"), "{path}");
        let len = |r: &crate::client::Resp| {
            r.headers.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok()).unwrap()
        };
        assert!(len(&br) * 4 < first.body.len() && len(&gz) * 3 < first.body.len(), "{path}: compressed");
        let none = get_with(&mut a, path, &[("accept-encoding", "identity")]).await;
        assert!(none.headers.get("content-encoding").is_none());
        assert!(none.headers.get("vary").unwrap().to_str().unwrap().contains("accept-encoding"));
    }

    // A change of the SoA: its old ETag no longer matches, and the new body shows the change.
    let old = a.get("/api/v1/soa").await;
    let old_tag = etag(&old);
    assert_ne!(old.json()["controls"][0]["status"], "partial");
    let r = a
        .send(
            "PUT",
            "/api/v1/soa/rows/5.1",
            Some("application/json"),
            json!({"reasons": ["risk_treatment"], "status": "partial"}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = get_with(&mut a, "/api/v1/soa", &[("if-none-match", &old_tag)]).await;
    assert_eq!(r.status, StatusCode::OK, "changed: the body again");
    assert_ne!(etag(&r), old_tag);
    assert_eq!(r.json()["controls"][0]["status"], "partial");
    // A new regulation version: the controls answer names it.
    let old = a.get("/api/v1/controls").await;
    assert_eq!(old.json()["version"]["version_no"], 1);
    let r = a
        .send_bytes(
            "POST",
            "/api/v1/regulation?name=seed.txt",
            Some("application/octet-stream"),
            SEED.as_bytes().into(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = get_with(&mut a, "/api/v1/controls", &[("if-none-match", &etag(&old))]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["version"]["version_no"], 2);

    // Another organisation never gets this one's cached answer, nor its ETag's 304.
    let b = org::create(&w.db, "other", "他社株式会社", T0).await.unwrap();
    users::create(
        &w.db,
        &Actor::cli(&b.id),
        users::NewUser {
            login_id: "b-admin".into(),
            display_name: "b".into(),
            email: String::new(),
            password: "Initial123".into(),
            roles: vec!["system_admin".into()],
        },
        T0,
    )
    .await
    .unwrap();
    let mut bc = w.client();
    let r = bc.post_json("/api/v1/session", json!({"login_id": "b-admin", "password": "Initial123"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    bc.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Other2026x"})).await;
    let a_controls = a.get("/api/v1/controls").await;
    let r = get_with(&mut bc, "/api/v1/controls", &[("if-none-match", &etag(&a_controls))]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["controls"], json!([]), "B has imported no regulation");

    // The cache statistics: settings managers only.
    let stats = a.get("/api/v1/cache").await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.body);
    let v = stats.json();
    let answers = v["caches"].as_array().unwrap().iter().find(|c| c["name"] == "serialised answers").unwrap().clone();
    assert!(answers["hits"].as_u64().unwrap() > 0 && answers["misses"].as_u64().unwrap() > 0, "{answers}");
    assert!(v["usage"]["bytes"].as_u64().unwrap() > 0);
    assert!(v["usage"]["bytes"].as_u64().unwrap() <= v["usage"]["budget_bytes"].as_u64().unwrap());
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    assert_eq!(e.get("/api/v1/cache").await.status, StatusCode::FORBIDDEN);
}

on_both_engines!(answers_revalidate_compress_and_change_with_the_data);
