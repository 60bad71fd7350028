//! The management-review API (9.3): 201 with inputs a–g and their sources, outputs, approval.

use crate::client::World;
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

async fn management_review_contract(w: World) {
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
    assert_eq!(a.post_json("/api/v1/duties/offer", json!({})).await.status, StatusCode::OK);
    a.post_json("/api/v1/duties/confirm", json!({"from": "2025-04-01"})).await;
    let r = a.post_json("/api/v1/management-reviews", json!({"held_on": "いつか"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = a.post_json("/api/v1/management-reviews", json!({"held_on": "2026-01-01"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json();
    let id = v["id"].as_str().unwrap().to_string();
    for k in ["a", "b", "c", "d1", "d2", "d3", "d4", "e", "f", "g"] {
        assert!(v["inputs"][k].is_array(), "input {k}");
    }
    let d2 = v["inputs"]["d2"].as_array().unwrap();
    assert!(d2.iter().any(|i| i["source"]["type"] == "control" && i["source"]["id"] == "8.13"), "{d2:?}");
    assert!(v["inputs"]["g"].as_array().unwrap().iter().any(|i| i["source"]["type"] == "duty"));

    let org = mamori_app::org::resolve(&w.db, Some("acme")).await.unwrap();
    let users = mamori_app::users::list(&w.db, &mamori_app::Actor::cli(&org.id)).await.unwrap();
    let my_id = users.iter().find(|u| u.login_id == "admin").unwrap().id.clone();
    let r = a
        .post_json(
            &format!("/api/v1/management-reviews/{id}/outputs"),
            json!({"decisions": ["方針を維持する"], "actions": [{"text": "代行者を定める", "owner_id": my_id, "due": "2026-03-31"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = a.post_json(&format!("/api/v1/management-reviews/{id}/approve"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["state"], "approved");
    let r = a
        .send(
            "PUT",
            &format!("/api/v1/management-reviews/{id}/inputs"),
            Some("application/json"),
            v["inputs"].to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "approved minutes are not edited");

    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    assert_eq!(e.get("/api/v1/management-reviews").await.status, StatusCode::FORBIDDEN);
}

on_both_engines!(management_review_contract);
