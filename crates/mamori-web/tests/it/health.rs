//! Control health (9.1) over HTTP: the control and SoA contracts, the control page in
//! Japanese, the SoA's computed state beside 実施状況, the dashboard card.

use crate::client::World;
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

async fn control_health_contract_and_pages(w: World) {
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
    // A new SoA: applicable rows start 未評価, excluded ones 未実施.
    let soa = a.get("/api/v1/soa").await.json();
    let row = |soa: &serde_json::Value, id: &str| {
        soa["controls"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap().clone()
    };
    assert_eq!(row(&soa, "5.1")["status"], "not_evaluated");
    assert_eq!(row(&soa, "8.17")["status"], "not_implemented");
    // Before any duty, a control with nothing to look at is not evaluated.
    let controls = a.get("/api/v1/controls").await.json();
    let bare = controls["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["applicable"] == true
                && ["recurring", "recurring_unspecified", "draft_notes"]
                    .iter()
                    .all(|k| c[k].as_array().unwrap().is_empty())
        })
        .expect("a control without duties or open items")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v = a.get(&format!("/api/v1/controls/{bare}")).await.json();
    assert_eq!(v["health"]["state"], "not_evaluated");
    assert_eq!(v["health"]["reasons"][0]["key"], "no_duties");

    // Duties confirmed from the fiscal year's start; today is 2026-01-01, so the monthly
    // backups since April are past due and not done.
    assert_eq!(a.post_json("/api/v1/duties/offer", json!({})).await.status, StatusCode::OK);
    let r = a.post_json("/api/v1/duties/confirm", json!({"from": "2025-04-01"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = a.get("/api/v1/controls/8.13").await.json();
    assert_eq!(v["health"]["state"], "deficient", "{v}");
    assert_eq!(v["health"]["reasons"][0]["key"], "missed");
    assert!(v["health"]["reasons"][0]["numbers"]["count"].as_i64().unwrap() >= 9, "April to December");
    let soa = a.get("/api/v1/soa").await.json();
    assert_eq!(row(&soa, "8.13")["health"]["state"], "deficient");
    assert_eq!(row(&soa, "8.13")["status"], "not_evaluated", "the confirmed status is not overwritten");
    assert_eq!(row(&soa, "8.17")["health"]["state"], "not_evaluated");

    // The control page in Japanese: the state and its reason as sentences, no keys.
    let page = a.get("/controls/8.13").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"health\""));
    assert!(page.body.contains("不備"));
    assert!(page.body.contains("期限を過ぎて未実施の業務が"), "the reason in Japanese");
    for key in ["deficient", "missed", "health-reason"] {
        assert!(!page.body.contains(key), "{key} leaks into the page");
    }
    let page = a.get(&format!("/controls/{bare}")).await;
    assert!(page.body.contains("未評価"));
    // The SoA page shows the computed state beside 実施状況.
    let page = a.get("/soa").await;
    assert!(page.body.contains("記録上の状態"));
    let row_html = &page.body[page.body.find("id=\"soa-8.13\"").unwrap()..];
    let row_html = &row_html[..row_html.find("</tr>").unwrap()];
    assert!(row_html.contains("不備") && row_html.contains("未評価"), "{row_html}");
    // The dashboard lists the controls needing attention.
    let page = a.get("/").await;
    let card = &page.body[page.body.find("id=\"card-health\"").unwrap()..];
    let card = &card[..card.find("</section>").unwrap()];
    assert!(card.contains("注意が必要な管理策"));
    assert!(card.contains("/controls/8.13#health") && card.contains("不備"), "{card}");
    assert!(!card.contains(&format!("/controls/{bare}#")), "a control not evaluated is not listed");
}

on_both_engines!(control_health_contract_and_pages);
