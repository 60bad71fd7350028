//! 安否確認 over HTTP: the contract routes, the public answer page without a session (refused
//! answers kept at their fields, answering again replacing the answer, wrong tokens 404, a
//! closed check 410), the tally page and need-to-know.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_app::Actor;
use serde_json::json;

/// The links in the outbox's safety-check mails: (recipient, subject, body, path).
async fn links(w: &World) -> Vec<(String, String, String, String)> {
    let org = {
        let mut c = w.db.conn().await.unwrap();
        mamori_store::rows::list_orgs(&mut c.ex()).await.unwrap().into_iter().find(|o| o.slug == "acme").unwrap()
    };
    let mails = mamori_app::reminders::outbox(&w.db, &Actor::cli(&org.id), 100).await.unwrap();
    mails
        .into_iter()
        .filter(|m| m.kind == "safety_check")
        .map(|m| {
            let at = m.body.find("/s/").unwrap();
            let path: String = m.body[at..].chars().take(3 + 64).collect();
            (m.recipient, m.subject, m.body, path)
        })
        .collect()
}

async fn safety_checks_over_http(w: World) {
    let mut a = w.logged_in("admin").await;
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    // Need-to-know: an employee neither sends nor reads the tally, nor sees the menu entry.
    assert_eq!(
        e.post_json("/api/v1/safety-checks", json!({"title": "x", "drill": true})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_ne!(e.get("/safety-checks").await.status, StatusCode::OK);
    assert!(!e.get("/").await.body.contains("href=\"/safety-checks\""));
    assert!(a.get("/").await.body.contains("href=\"/safety-checks\""));

    // A blank title is refused at its field, on the page with what was typed.
    let r = a.post_json("/api/v1/safety-checks", json!({"title": " ", "drill": true})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let p = a.get("/safety-checks").await;
    let csrf = Client::csrf_in(&p.body);
    let r = a.post_form("/safety-checks", &[("csrf", &csrf), ("title", ""), ("kind", "real")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"real\" checked") && r.body.contains("field-error"), "{}", r.body);

    let r = a.post_json("/api/v1/safety-checks", json!({"title": "年次安否確認訓練", "drill": true})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let c = r.json();
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(c["sent"], 2);
    let links = links(&w).await;
    assert_eq!(links.len(), 2);
    for (_, subject, body, path) in &links {
        assert!(subject.starts_with("【訓練】") && subject.contains("安否確認"), "{subject}");
        assert!(body.contains("171") && body.contains("https://www.web171.jp/"), "{body}");
        assert!(path.len() == 67 && path[3..].bytes().all(|b| b.is_ascii_hexdigit()), "{path}");
    }
    let emp_link = links.iter().find(|l| l.0 == "emp@example.jp").unwrap().3.clone();

    // The person, without a session, on the public page.
    let mut p = w.client();
    let page = p.get(&emp_link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("【訓練】") && page.body.contains("emp 太郎") && page.body.contains("web171"));
    assert!(page.body.contains("「171」"), "the fallback channels on the page");
    let csrf = Client::csrf_in(&page.body);
    let r = p.post_form(&emp_link, &[("csrf", &csrf), ("can_work", "no"), ("comment", "足を捻挫")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("足を捻挫</textarea>") && r.body.contains("value=\"no\" checked"), "typed values kept");
    assert!(r.body.contains("必須"), "{}", r.body);
    let long = "あ".repeat(501);
    let r =
        p.post_form(&emp_link, &[("csrf", &csrf), ("status", "safe"), ("can_work", "yes"), ("comment", &long)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the comment is capped");
    let r = p
        .post_form(
            &emp_link,
            &[("csrf", &csrf), ("status", "minor_injury"), ("can_work", "no"), ("comment", "足を捻挫")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("回答を受け付けました"));
    let t = a.get(&format!("/api/v1/safety-checks/{id}")).await.json();
    assert_eq!((t["sent"].as_i64(), t["responded"].as_i64()), (Some(2), Some(1)));
    assert_eq!(t["by_status"], json!({"safe": 0, "minor_injury": 1, "serious_injury": 0}));
    assert_eq!(t["can_work"], json!({"yes": 0, "no": 1}));
    assert_eq!(t["non_responders"][0]["name"], "admin 太郎");
    // Answering again replaces the answer; the page holds it.
    let again = p.get(&emp_link).await;
    assert!(again.body.contains("value=\"minor_injury\" checked") && again.body.contains("回答済みです"));
    let r = p.post_form(&emp_link, &[("csrf", &csrf), ("status", "safe"), ("can_work", "yes"), ("comment", "")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let t = a.get(&format!("/api/v1/safety-checks/{id}")).await.json();
    assert_eq!(t["responded"], 1);
    assert_eq!(t["by_status"], json!({"safe": 1, "minor_injury": 0, "serious_injury": 0}));

    // Wrong tokens are unknown.
    assert_eq!(p.get(&format!("/s/{}", "0".repeat(64))).await.status, StatusCode::NOT_FOUND);
    assert_eq!(p.get("/s/nope").await.status, StatusCode::NOT_FOUND);
    let r = p.post_form(&format!("/s/{}", "a".repeat(64)), &[("csrf", &csrf), ("status", "safe")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The tally page: names and Japanese words, never keys.
    let page = a.get(&format!("/safety-checks/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("emp 太郎") && page.body.contains("無事") && page.body.contains("出社可"));
    assert!(!page.body.contains(">safe<") && !page.body.contains("minor_injury<"));
    assert!(page.body.contains("id=\"safety-waiting\"") && page.body.contains("admin 太郎"));
    // Re-send, then close through the forms.
    let csrf = Client::csrf_in(&page.body);
    let r = a.post_form(&format!("/safety-checks/{id}/resend"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let t = a.get(&format!("/api/v1/safety-checks/{id}")).await.json();
    assert_eq!(t["non_responders"][0]["sent_count"], 2);
    let r = a.post_form(&format!("/safety-checks/{id}/close"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let t = a.get(&format!("/api/v1/safety-checks/{id}")).await.json();
    assert!(t["state"] == "closed" && t["bcp_row_id"].is_string());
    assert_eq!(p.get(&emp_link).await.status, StatusCode::GONE);
    assert_eq!(a.post_json(&format!("/api/v1/safety-checks/{id}/close"), json!({})).await.status, StatusCode::CONFLICT);
    let list = a.get("/safety-checks").await;
    assert!(list.body.contains("【訓練】年次安否確認訓練") && list.body.contains("2 名中 1 名が回答"));
}

on_both_engines!(safety_checks_over_http);
