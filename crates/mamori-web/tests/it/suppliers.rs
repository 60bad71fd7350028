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

    // Ending the use: refused in place without the confirmations, then ended.
    let p = a.get(&page).await;
    let csrf = Client::csrf_in(&p.body);
    let r = a
        .post_form(&format!("{page}/end"), &[("csrf", &csrf), ("disposal", "消去証明書を受領"), ("accounts", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("消去証明書を受領</textarea>") && r.body.contains("必須項目です"));
    let r = a
        .post_json(
            &format!("/api/v1/suppliers/{id}/end"),
            json!({"disposal": "消去証明書を受領", "accounts": "全アカウント削除"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "終了");
    assert!(!a.get(&page).await.body.contains("id=\"end-form\""), "an ended supplier has no end form");

    // Employees do not read suppliers (contracts and contacts are need-to-know).
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    assert_ne!(e.get("/api/v1/suppliers").await.status, StatusCode::OK);
    assert_ne!(e.get(&page).await.status, StatusCode::OK);
}

on_both_engines!(suppliers_contract_and_pages);

/// A supplier answers its questionnaire through the link without a session; the sender reads
/// the score; a wrong token, an answered link and another organisation are refused.
async fn a_questionnaire_over_http(w: World) {
    let mut a = w.logged_in("admin").await;
    let s = a
        .post_json(
            "/api/v1/suppliers",
            json!({"name": "さくらインターネット", "kind": "mail_hosting", "services": "メール", "criticality": "中"}),
        )
        .await
        .json();
    let id = s["id"].as_str().unwrap().to_string();
    let r = a.post_json(&format!("/api/v1/suppliers/{id}/questionnaires"), json!({"template": "standard"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let q = r.json();
    let (qid, url) = (q["id"].as_str().unwrap().to_string(), q["url"].as_str().unwrap().to_string());
    assert!(url.starts_with("/q/") && url.len() == 3 + 64, "{url}");

    // The supplier, without a session.
    let mut sup = w.client();
    let form = sup.get(&url).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("アクメ株式会社") && form.body.contains("さくらインターネット") && form.body.contains("q32")
    );
    let csrf = Client::csrf_in(&form.body);
    let mut pairs: Vec<(String, String)> =
        vec![("csrf".into(), csrf.clone()), ("respondent".into(), "佐藤（技術部）".into())];
    for i in 1..=32 {
        let answer = if i == 3 { "no" } else { "yes" };
        pairs.push((format!("a_q{i:02}"), answer.into()));
    }
    pairs.push(("c_q03".into(), "取得予定".into()));
    let mut partial = pairs.clone();
    partial.retain(|(k, _)| k != "a_q05");
    let refs = |p: &[(String, String)]| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>();
    let body = |p: &[(String, String)]| {
        refs(p).iter().map(|(k, v)| format!("{k}={}", mamori_web::pages::urlencode(v))).collect::<Vec<_>>().join("&")
    };
    let r = sup.send("POST", &url, Some("application/x-www-form-urlencoded"), body(&partial)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("未回答の質問が 1 件あります") && r.body.contains("value=\"取得予定\""),
        "answers are kept"
    );
    let r = sup.send("POST", &url, Some("application/x-www-form-urlencoded"), body(&pairs)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("ご回答ありがとうございました"));
    assert_eq!(sup.get(&url).await.status, StatusCode::GONE, "answered once");
    assert_eq!(sup.get(&format!("/q/{}", "0".repeat(64))).await.status, StatusCode::NOT_FOUND);

    let v = a.get(&format!("/api/v1/suppliers/{id}/questionnaires/{qid}")).await.json();
    assert_eq!(v["state"], "answered");
    assert_eq!(v["score"]["deviations"], json!(["q03"]));
    assert_eq!(v["score"]["percent"], 96);
    assert_eq!(v["answers"]["q03"]["comment"], "取得予定");
    let page = a.get(&format!("/suppliers/{id}/questionnaires/{qid}")).await;
    assert!(
        page.body.contains("data-deviation=\"1\"")
            && page.body.contains("佐藤（技術部）")
            && !page.body.contains(">no<")
    );
    let x = a.get(&format!("/suppliers/{id}/questionnaires/{qid}/export?format=xlsx")).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.body.starts_with("PK"), "an xlsx file");
    let csv = a.get(&format!("/suppliers/{id}/questionnaires/{qid}/export?format=csv")).await.body;
    assert!(
        csv.contains("取得予定") && csv.contains("要確認") && csv.contains("いいえ") && !csv.contains(",no,"),
        "{csv}"
    );
    let sp = a.get(&format!("/suppliers/{id}")).await;
    assert!(sp.body.contains("回答済み") && sp.body.contains("96 点"));

    // Another organisation's administrator reads nothing of it.
    let other = mamori_app::org::create(&w.db, "other", "他社", 0).await.unwrap();
    let u = mamori_app::users::NewUser {
        login_id: "oadmin".into(),
        display_name: "他社 管理者".into(),
        email: "o@example.jp".into(),
        password: "Initial123".into(),
        roles: vec!["top_management".into()],
    };
    mamori_app::users::create(&w.db, &mamori_app::Actor::cli(&other.id), u, 0).await.unwrap();
    let mut o = w.client();
    o.post_json("/api/v1/session", json!({"organization": "other", "login_id": "oadmin", "password": "Initial123"}))
        .await;
    o.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Other2026x"})).await;
    assert_eq!(o.get(&format!("/api/v1/suppliers/{id}/questionnaires/{qid}")).await.status, StatusCode::NOT_FOUND);
}

on_both_engines!(a_questionnaire_over_http);
