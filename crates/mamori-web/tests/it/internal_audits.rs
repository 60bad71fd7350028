//! The internal-audit API (9.2): plan → 201, auditor independence → 422 naming the control and
//! the reason, the checklist, a finding with its corrective action, need-to-know.

use crate::client::World;
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

async fn internal_audit_contract(w: World) {
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
    let org = mamori_app::org::resolve(&w.db, Some("acme")).await.unwrap();
    let u = mamori_app::users::NewUser {
        login_id: "kansa".into(),
        display_name: "監査 花子".into(),
        email: "kansa@example.jp".into(),
        password: "Initial123".into(),
        roles: vec!["internal_auditor".into()],
    };
    mamori_app::users::create(&w.db, &mamori_app::Actor::cli(&org.id), u, 0).await.unwrap();

    // 経営責任者 approves 8.2's privileged-ID requests: not independent of 8.2.
    let r = a
        .post_json(
            "/api/v1/internal-audits",
            json!({"title": "内部監査", "scope_controls": ["8.2"], "auditors": ["admin"], "planned_on": "2025-12-10"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let e = r.json()["error"].clone();
    assert_eq!(e["code"], "auditor_independence");
    let c = e["conflicts"].as_array().unwrap();
    assert!(c.iter().any(|c| c["control"] == "8.2" && c["reason"] == "approver" && c["auditor"] == "admin"), "{e}");
    assert!(c[0]["message"].as_str().unwrap().contains("8.2"));

    let r = a
        .post_json(
            "/api/v1/internal-audits",
            json!({"title": "内部監査", "scope_controls": ["5.9"], "auditors": ["kansa"], "planned_on": "2025-12-10"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let list = a.get(&format!("/api/v1/internal-audits/{id}/checklist")).await.json();
    let items = list.as_array().unwrap();
    assert!(items.iter().any(|i| i["control"] == "5.9" && i["source"] == "regulation"));
    assert!(items.iter().any(|i| i["control"] == "9.2" && i["source"] == "isms_clause"));
    for i in items {
        assert!(i["item"].as_str().is_some_and(|s| !s.is_empty()));
    }

    // The auditor records a minor nonconformity: it carries its corrective action.
    let mut k = w.client();
    let r = k.post_json("/api/v1/session", json!({"login_id": "kansa", "password": "Initial123"})).await;
    assert_eq!(r.status, StatusCode::OK);
    k.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Kansa12345"})).await;
    let r = k
        .post_json(
            &format!("/api/v1/internal-audits/{id}/findings"),
            json!({"control": "5.9", "grade": "minor_nc", "text": "目録の見直し記録がない"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.json()["corrective_action_id"].is_string());
    let r = k
        .post_json(
            &format!("/api/v1/internal-audits/{id}/findings"),
            json!({"control": "5.9", "grade": "observation", "text": "良好"}),
        )
        .await;
    assert!(r.json()["corrective_action_id"].is_null());
    let f = a.get(&format!("/api/v1/internal-audits/{id}/findings")).await.json();
    assert_eq!(f.as_array().unwrap().len(), 2);

    // Employees do not read internal audits.
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    assert_eq!(e.get("/api/v1/internal-audits").await.status, StatusCode::FORBIDDEN);
}

on_both_engines!(internal_audit_contract);
