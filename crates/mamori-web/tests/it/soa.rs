//! The SoA API contract and exports over HTTP.

use crate::client::World;
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

async fn soa_contract(w: World) {
    let mut a = w.logged_in("admin").await;
    let r = a
        .send_bytes(
            "POST",
            "/api/v1/regulation?name=seed.txt",
            Some("application/octet-stream"),
            SEED.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let v = a.get("/api/v1/soa").await.json();
    assert_eq!(v["document"]["status"], "draft");
    let controls = v["controls"].as_array().unwrap();
    assert_eq!(controls.len(), 93);
    let c817 = controls.iter().find(|c| c["id"] == "8.17").unwrap();
    assert_eq!(c817["applicable"], false);
    assert_eq!(c817["reason"], "PC は OS の設定により自動的に同期している。");
    for key in ["id", "title", "applicable", "reason", "status", "documents", "records"] {
        assert!(controls[0].get(key).is_some(), "{key}");
    }

    let r = a
        .send(
            "PUT",
            "/api/v1/soa/rows/5.1",
            Some("application/json"),
            json!({"reasons": ["risk_treatment"], "status": "partial"}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["controls"][0]["reason"], "リスク対応");
    let r = a.post_json("/api/v1/soa/approve", json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "blocked while reasons are missing");
    assert_eq!(r.json()["error"]["code"], "blocked");
    let page = a.get("/soa").await;
    let csrf = crate::client::Client::csrf_in(&page.body);
    a.post_form("/soa/fill", &[("csrf", &csrf), ("reason", "best_practice")]).await;
    let r = a.post_json("/api/v1/soa/approve", json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], "separation_of_duties");

    // Exports over HTTP.
    let x = a.get("/soa/export?format=xlsx").await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.headers.get("content-type").unwrap().to_str().unwrap().contains("spreadsheetml"));
    assert!(x.headers.get("content-disposition").unwrap().to_str().unwrap().contains("filename*=UTF-8''"));
    let c = a.get("/soa/export?format=csv").await;
    assert!(c.body.starts_with('\u{feff}'));
    assert!(c.body.contains("適用宣言書【案】"));
    assert_eq!(a.get("/soa/export?format=doc").await.status, StatusCode::UNPROCESSABLE_ENTITY);

    // An employee reads the SoA but cannot change it.
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    assert_eq!(e.get("/api/v1/soa").await.status, StatusCode::OK);
    let r = e.send("PUT", "/api/v1/soa/rows/5.1", Some("application/json"), json!({"reasons": []}).to_string()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!e.get("/soa").await.body.contains("name=\"reason_text\""), "no edit forms for readers");
}

on_both_engines!(soa_contract);
