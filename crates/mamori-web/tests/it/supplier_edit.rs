//! A supplier edited on its own page (a refusal keeps what was typed, the kind is shown and not
//! offered), its title free of form markup, and the supplier register's generic forms closed
//! (they would skip its requirements and checks): no add, import or delete there, on the page
//! or the API, and a link to the supplier's page instead.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

async fn a_supplier_edited_on_its_own_page(w: World) {
    let mut a = w.logged_in("admin").await;
    let r = a
        .post_json(
            "/api/v1/suppliers",
            json!({"name": "さくらインターネット", "kind": "mail_hosting", "services": "メール", "criticality": "中"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let page = format!("/suppliers/{id}");

    let p = a.get(&page).await;
    assert!(p.body.contains("<title>さくらインターネット"), "the title holds the name only");
    assert!(!p.body[..p.body.find("</title>").unwrap()].contains("<form"), "no form inside the title");
    assert!(p.body.contains(&format!("href=\"{page}/edit\"")));

    let f = a.get(&format!("{page}/edit")).await;
    assert_eq!(f.status, StatusCode::OK);
    assert!(f.body.contains("value=\"メール\"") && f.body.contains("メール・ホスティング"), "stored values shown");
    assert!(!f.body.contains("name=\"kind\""), "the kind is not offered");
    let csrf = Client::csrf_in(&f.body);
    let refused = a
        .post_form(
            &format!("{page}/edit"),
            &[
                ("csrf", &csrf),
                ("name", "さくらインターネット"),
                ("services", "メール、レンタルサーバ"),
                ("criticality", "高"),
                ("contract_start", "2026-04-01"),
                ("contract_end", "2026-03-31"),
                ("contact_email", "not-an-address"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("value=\"メール、レンタルサーバ\""), "typed values kept");
    assert!(refused.body.contains("value=\"not-an-address\""));
    assert_eq!(refused.body.matches("class=\"field-error\"").count(), 2, "{}", refused.body);
    let csrf = Client::csrf_in(&refused.body);
    let ok = a
        .post_form(
            &format!("{page}/edit"),
            &[
                ("csrf", &csrf),
                ("name", "さくらインターネット"),
                ("services", "メール、レンタルサーバ"),
                ("criticality", "高"),
                ("contact_email", "support@sakura.example"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let s = a.get(&format!("/api/v1/suppliers/{id}")).await.json();
    assert_eq!((s["services"].as_str(), s["criticality"].as_str()), (Some("メール、レンタルサーバ"), Some("高")));
    assert_eq!(s["kind"], "mail_hosting");
    assert_eq!(s["duties"].as_array().unwrap().len(), 2, "its checks unchanged");

    // The register's own pages send suppliers to their page.
    let reg = a.get("/registers/suppliers").await;
    assert!(reg.body.contains("id=\"managed-at\"") && reg.body.contains("href=\"/suppliers\""));
    assert!(!reg.body.contains("id=\"add-row\"") && !reg.body.contains("id=\"import\""));
    let row = a.get(&format!("/registers/suppliers/rows/{id}")).await;
    assert!(row.body.contains(&format!("href=\"/suppliers/{id}\"")));
    assert!(!row.body.contains("/delete\""), "no generic deletion");
    let del = a
        .send(
            "DELETE",
            &format!("/api/v1/registers/suppliers/rows/{id}"),
            Some("application/json"),
            json!({"reason": "不要"}).to_string(),
        )
        .await;
    assert_eq!(del.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", del.body);
    assert!(del.body.contains("register-managed") || del.body.contains("専用のページ"), "{}", del.body);
    let add = a
        .post_json("/api/v1/registers/suppliers/rows", json!({"values": {"name": "X", "kind": "その他", "services": "x", "criticality": "低", "status": "利用中"}}))
        .await;
    assert_eq!(add.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", add.body);
    assert!(add.body.contains("register-managed") || add.body.contains("専用のページ"), "{}", add.body);
    let s = a.get(&format!("/api/v1/suppliers/{id}")).await;
    assert_eq!(s.status, StatusCode::OK, "still there");
}
on_both_engines!(a_supplier_edited_on_its_own_page);
