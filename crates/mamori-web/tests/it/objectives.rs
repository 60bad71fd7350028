//! Objectives over HTTP: the API contract (an objective → 201, a measurement → 201, the list
//! with its status), the page every employee reads in Japanese, a refused form re-rendered
//! (422) with the values kept and each problem at its field, and the context documents
//! created once.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

async fn objectives_contract_and_page(w: World) {
    let mut a = w.logged_in("admin").await;
    let mut emp = w.logged_in("emp").await;
    let r = emp
        .post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee12"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let users = a.get("/api/v1/users").await.json();
    let owner =
        users.as_array().unwrap().iter().find(|u| u["login_id"] == "emp").unwrap()["id"].as_str().unwrap().to_string();

    let r = emp.post_json("/api/v1/objectives", json!({"title": "x"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "employees read, managers set");
    let r = a.post_json("/api/v1/objectives", json!({"title": "", "target": "多い", "direction": "up"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> =
        r.json()["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().into()).collect();
    assert_eq!(fields, ["title", "measure", "target", "unit", "direction", "owner_id", "due_on"]);
    let r = a
        .post_json(
            "/api/v1/objectives",
            json!({"title": "標的型メール訓練の開封率", "measure": "開封した従業員の割合", "target": 10, "unit": "%",
                "direction": "at_most", "owner_id": owner, "due_on": "2026-03-31"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = a
        .post_json(
            &format!("/api/v1/objectives/{id}/measurements"),
            json!({"measured_on": "2025-12-20", "value": "12.5"}),
        )
        .await;
    assert_eq!((r.status, r.json()["value"].as_str()), (StatusCode::CREATED, Some("12.5")));
    let r = a.post_json(&format!("/api/v1/objectives/{id}/measurements"), json!({"computed": true})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "measured by hand");
    let r = a
        .post_json(
            "/api/v1/objectives",
            json!({"title": "定期業務の期限内実施", "metric": "duty_completion_rate", "target": "95",
                "direction": "at_least", "owner_id": owner, "due_on": "2026-03-31"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let list = emp.get("/api/v1/objectives").await.json();
    assert_eq!((list[0]["status"].as_str(), list[0]["target"].as_str()), (Some("not_met"), Some("10")));
    assert_eq!(list[0]["measurements"][0]["recorded_by"], "admin 太郎");
    assert_eq!((list[1]["status"].as_str(), list[1]["unit"].as_str()), (Some("not_measured"), Some("%")));

    // The page: every employee reads it, in Japanese; no form for them.
    let page = emp.get("/objectives").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("OBJ-01 標的型メール訓練の開封率") && page.body.contains("未達"), "{}", page.body);
    assert!(page.body.contains("≤ 10%") && page.body.contains("12.5%（2025-12-20）") && page.body.contains("emp 太郎"));
    assert!(
        !page.body.contains("not_met")
            && !page.body.contains("at_most\"")
            && !page.body.contains("id=\"objective-form\"")
    );
    assert!(page.body.contains("href=\"/objectives\""), "in every employee's menu");

    // A refused measurement comes back at its objective with the values kept.
    let html = a.get("/objectives").await.body;
    let csrf = Client::csrf_in(&html);
    let r = a
        .post_form(
            &format!("/objectives/{id}/measurements"),
            &[("csrf", &csrf), ("measured_on", "2099-01-01"), ("value", "約8"), ("note", "下期の訓練")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("今日より後の日付は記録できません。") && r.body.contains("数値で入力してください。"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"約8\"") && r.body.contains("value=\"下期の訓練\""));
    let r = a
        .post_form("/objectives", &[("csrf", &csrf), ("title", "新しい目標"), ("target", ""), ("direction", "at_most")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"新しい目標\"") && r.body.contains("value=\"at_most\" selected"), "{}", r.body);
    let r = a
        .post_form(
            &format!("/objectives/{id}/measurements"),
            &[("csrf", &csrf), ("measured_on", "2026-01-01"), ("value", "8")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(a.get("/api/v1/objectives").await.json()[0]["status"], "met", "8 ≤ 10");

    // The context documents: created once, shown in the documents list.
    assert_eq!(emp.post_json("/api/v1/context-documents", json!({})).await.status, StatusCode::FORBIDDEN);
    let r = a.post_json("/api/v1/context-documents", json!({})).await;
    assert_eq!((r.status, r.json()["created"].as_i64()), (StatusCode::OK, Some(3)), "{}", r.body);
    assert_eq!(a.post_json("/api/v1/context-documents", json!({})).await.json()["created"], 0);
    let docs = a.get("/documents").await.body;
    assert!(docs.contains("組織の状況（内部及び外部の課題）") && docs.contains("ISMS の適用範囲"));
    let page = a.get("/objectives").await.body;
    assert!(page.contains("ISMS-CTX-02 利害関係者及びその要求事項 初版（案）"), "{page}");
}

on_both_engines!(objectives_contract_and_page);
