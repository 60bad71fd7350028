//! Suppliers over HTTP: the API contract (`kind`, `requirements`, duties naming the supplier),
//! the add form refused with what was typed, a requirement confirmed on the page, need-to-know.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

async fn suppliers_contract_and_pages(w: World) {
    let mut a = w.logged_in("admin").await;
    let r = a
        .post_json(
            "/api/v1/suppliers",
            json!({"name": "Microsoft", "kind": "rocket", "services": "M365", "criticality": "高"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = a
        .post_json(
            "/api/v1/suppliers",
            json!({"name": "Microsoft", "kind": "cloud_service", "services": "Microsoft 365 Business", "criticality": "高", "contact_email": "support@example.com"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s = r.json();
    let id = s["id"].as_str().unwrap().to_string();
    assert_eq!(
        (s["name"].as_str(), s["kind"].as_str(), s["criticality"].as_str()),
        (Some("Microsoft"), Some("cloud_service"), Some("高"))
    );
    assert_eq!(s["contact_email"], "support@example.com");
    let reqs = s["requirements"].as_array().unwrap();
    assert!(
        reqs.len() >= 7
            && reqs.iter().all(|r| r["state"] == "unconfirmed" && r["label"].is_string() && r["key"].is_string())
    );
    let duties = a.get("/api/v1/duties").await.json();
    let mine: Vec<_> = duties.as_array().unwrap().iter().filter(|d| d["supplier_id"] == id.as_str()).collect();
    assert!(
        mine.iter().any(|d| d["frequency"] == "monthly") && mine.iter().any(|d| d["frequency"] == "annual"),
        "{mine:?}"
    );

    let r = a
        .post_json(&format!("/api/v1/suppliers/{id}/requirements/confidentiality"), json!({"state": "confirmed"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = a
        .post_json(
            &format!("/api/v1/suppliers/{id}/requirements/confidentiality"),
            json!({"state": "confirmed", "evidence": "製品条項 第 5 条"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["requirements"][0]["state"], "confirmed");
    let r = a
        .send(
            "PUT",
            &format!("/api/v1/suppliers/{id}"),
            Some("application/json"),
            json!({"contact_name": "営業窓口"}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(a.get(&format!("/api/v1/suppliers/{id}")).await.json()["name"], "Microsoft");

    // The add form refused keeps what was typed, each problem at its field.
    let p = a.get("/suppliers").await;
    let csrf = Client::csrf_in(&p.body);
    let r = a
        .post_form(
            "/suppliers",
            &[
                ("csrf", &csrf),
                ("name", "さくらインターネット"),
                ("kind", "mail_hosting"),
                ("services", ""),
                ("criticality", "中"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("value=\"さくらインターネット\"") && r.body.contains("value=\"mail_hosting\" selected"));
    assert!(r.body.contains("必須項目です"), "{}", r.body);
    // A requirement confirmed on the page, with its evidence refused first.
    let page = format!("/suppliers/{id}");
    let p = a.get(&page).await;
    assert!(p.body.contains("サービス稼働状況") && p.body.contains("未確認"), "duties and requirements are shown");
    let csrf = Client::csrf_in(&p.body);
    let r = a
        .post_form(
            &format!("{page}/requirements/incident_notification"),
            &[("csrf", &csrf), ("state", "confirmed"), ("evidence", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("必須項目です"));
    let r = a
        .post_form(
            &format!("{page}/requirements/incident_notification"),
            &[("csrf", &csrf), ("state", "confirmed"), ("evidence", "DPA 第 8 条（72 時間以内）")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let p = a.get(&format!("{page}?done=requirement")).await;
    assert!(p.body.contains("要求事項の確認を記録しました") && p.body.contains("DPA 第 8 条"));

    // Employees do not read suppliers (contracts and contacts are need-to-know).
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    assert_ne!(e.get("/api/v1/suppliers").await.status, StatusCode::OK);
    assert_ne!(e.get(&page).await.status, StatusCode::OK);
}

on_both_engines!(suppliers_contract_and_pages);
