//! 標的型メール訓練 over HTTP: the allowed domains and a campaign form refusing a person outside
//! them (422, the person named at their line, values kept; the API naming the person), a
//! campaign sent through the API and delivered to a local SMTP server, the link read from the
//! delivered mail opened without a session (click recorded, lesson shown), an unknown link
//! saying nothing, 「不審メールを報告」 by an employee, the results page in Japanese per person and
//! department, need-to-know (an employee reads no results), and the outbox page marking drill
//! mails without their token.

use crate::client::{Client, T0, World};
use crate::on_both_engines;
use crate::smtp_sink::{Received, Sink};
use axum::http::StatusCode;
use mamori_app::reminders::{self, Security, SmtpConfig};
use mamori_web::state::WebConfig;
use serde_json::json;

const BASE: &str = "https://isms.example.jp";

fn cfg(sink: &Sink) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port: sink.port,
        security: Security::None,
        username: None,
        password: None,
        from: "mamori <isms@example.jp>".into(),
        base_url: Some(BASE.into()),
        days_before: 7,
    }
}

fn path_in(m: &Received) -> String {
    let body = m.body();
    let at = body.find(&format!("{BASE}/drill/t/")).unwrap_or_else(|| panic!("no link in {body}"));
    let rest = &body[at + BASE.len()..];
    rest.chars().take("/drill/t/".len() + 64).collect()
}

async fn person(a: &mut Client, name: &str, email: &str, department: &str, login: &str) -> String {
    let r = a
        .post_json(
            "/api/v1/people",
            json!({"name": name, "email": email, "kind": "employee", "department": department, "login_id": login}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

async fn drills_over_http(w: World) {
    let w = w.with_config(WebConfig { base_url: Some(BASE.into()), ..WebConfig::default() });
    let mut a = w.logged_in("admin").await;
    let mut e = w.logged_in("emp").await;
    let r = e
        .post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let emp = person(&mut a, "従業 太郎", "emp@example.jp", "営業部", "emp").await;
    let other = person(&mut a, "総務 花子", "soumu@example.jp", "総務部", "").await;
    let outsider = person(&mut a, "外部 次郎", "jiro@gmail.com", "総務部", "").await;

    // The menu: drills for the managers, the report page for everyone.
    let home = e.get("/").await.body;
    assert!(home.contains("href=\"/drill/report\"") && !home.contains("href=\"/drills\""));
    assert!(a.get("/").await.body.contains("href=\"/drills\""));

    // The allowed domains; a public suffix refused at its field with what was typed.
    let page = a.get("/drills").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("宅配便の不在通知") && page.body.contains("（個人用リンク）"), "template preview");
    let csrf = Client::csrf_in(&page.body);
    let r = a.post_form("/drills/domains", &[("csrf", &csrf), ("domains", "co.jp")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(">co.jp</textarea>") && r.body.contains("field-error"), "{}", r.body);
    let r = a.post_form("/drills/domains", &[("csrf", &csrf), ("domains", "example.jp")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // A person outside the allow list: 422, named at their line, the values kept.
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "第1回 訓練"),
        ("template", "invoice"),
        ("report_address", "security@example.jp"),
        ("follow_up", "標的型メール対策研修"),
        ("people", emp.as_str()),
        ("people", outsider.as_str()),
    ];
    let r = a.post_form("/drills", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("外部 次郎: 許可ドメイン以外のアドレスです"), "{}", r.body);
    assert!(r.body.contains("value=\"第1回 訓練\"") && r.body.contains(&format!("value=\"{emp}\" checked")));
    assert!(r.body.contains("value=\"invoice\" checked"));
    let r = a
        .post_json(
            "/api/v1/drills",
            json!({"name": "x", "template": "invoice", "report_address": "security@example.jp", "people": [outsider]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let f = &r.json()["error"]["fields"][0];
    assert_eq!(
        (f["field"].as_str(), f["label"].as_str()),
        (Some(format!("targets.{outsider}").as_str()), Some("外部 次郎"))
    );
    assert!(a.get("/api/v1/drills").await.json().as_array().unwrap().is_empty(), "nothing stored");

    // A campaign through the API, sent.
    let r = a
        .post_json(
            "/api/v1/drills",
            json!({"name": "第1回 訓練", "template": "password", "report_address": "security@example.jp",
                   "follow_up": "標的型メール対策研修", "people": [emp, other]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["state"], "draft");
    let r = a.post_json(&format!("/api/v1/drills/{id}/send"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["sent"], 2);
    assert_eq!(a.post_json(&format!("/api/v1/drills/{id}/send"), json!({})).await.status, StatusCode::CONFLICT);

    // The outbox page marks drill mails and never shows a link.
    let outbox = a.get("/admin/mail").await.body;
    assert!(outbox.contains("訓練メール") && !outbox.contains("/drill/t/"), "{outbox}");

    // Delivered to the local SMTP server.
    let sink = Sink::start(0).await;
    let org = mamori_app::org::resolve(&w.db, Some("acme")).await.unwrap();
    let sent = reminders::send_due(&w.db, &cfg(&sink), T0 + 86_400_000).await.unwrap();
    assert!(sent.sent >= 2, "{sent:?}");
    let mails = sink.messages();
    let to_emp = mails.iter().find(|m| m.to.join(",") == "<emp@example.jp>").unwrap();
    assert!(to_emp.header("Subject").unwrap().contains("パスワードの有効期限"));
    assert!(to_emp.header("From").unwrap().contains("ヘルプデスク"));
    let link = path_in(to_emp);
    let token = link.trim_start_matches("/drill/t/").to_string();
    assert_eq!(token.len(), 64);
    let outbox = a.get("/admin/mail").await.body;
    assert!(!outbox.contains(&token), "the outbox never shows the token");
    let stored = reminders::outbox(&w.db, &mamori_app::Actor::cli(&org.id), 100).await.unwrap();
    assert!(stored.iter().all(|m| !m.body.contains(&token)), "the delivered body lost its token");

    // The link, without a session: the click is recorded and the lesson shown.
    let mut anon = w.client();
    let lesson = anon.get(&link).await;
    assert_eq!(lesson.status, StatusCode::OK);
    assert!(lesson.body.contains("これは標的型メール訓練でした"), "{}", lesson.body);
    assert!(lesson.body.contains("security@example.jp") && lesson.body.contains("パスワードの有効期限切れ"));
    // An unknown link: a neutral page, nothing of the organisation or any drill.
    let unknown = anon.get(&format!("/drill/t/{}", "a".repeat(64))).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(!unknown.body.contains("アクメ") && !unknown.body.contains("訓練"), "{}", unknown.body);
    assert_eq!(anon.get("/drill/t/short").await.status, StatusCode::NOT_FOUND);

    // The employee reports the mail; a blank subject comes back at its field.
    let page = e.get("/drill/report").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf_e = Client::csrf_in(&page.body);
    let r = e.post_form("/drill/report", &[("csrf", &csrf_e), ("subject", ""), ("note", "リンク先が変")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("リンク先が変</textarea>") && r.body.contains("field-error"));
    let r = e
        .post_form(
            "/drill/report",
            &[("csrf", &csrf_e), ("subject", "パスワードの有効期限が本日で切れます"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("報告ありがとうございました"));

    // Need-to-know: the employee reads no results.
    assert_eq!(e.get(&format!("/api/v1/drills/{id}")).await.status, StatusCode::FORBIDDEN);
    assert_ne!(e.get(&format!("/drills/{id}")).await.status, StatusCode::OK);
    assert_eq!(e.get("/api/v1/drills").await.status, StatusCode::FORBIDDEN);

    // The results: per person and department, in Japanese, no token.
    let r = a.get(&format!("/api/v1/drills/{id}")).await.json();
    assert_eq!((r["totals"]["clicked"].as_i64(), r["totals"]["reported"].as_i64()), (Some(1), Some(1)));
    assert_eq!(r["totals"]["click_rate"], json!(50.0));
    let sales = r["by_department"].as_array().unwrap().iter().find(|d| d["department"] == "営業部").unwrap().clone();
    assert_eq!((sales["click_rate"].clone(), sales["report_rate"].clone()), (json!(100.0), json!(100.0)));
    let page = a.get(&format!("/drills/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("クリック後に報告した") && page.body.contains("反応なし"), "{}", page.body);
    assert!(page.body.contains("営業部") && page.body.contains("総務部") && page.body.contains("50.0%"));
    assert!(page.body.contains("標的型メール対策研修") && page.body.contains("実施中"));
    assert!(!page.body.contains(&token) && !page.body.contains("clicked_and_reported"));
    // The report is listed for the managers, counted for the drill.
    let list = a.get("/drills").await.body;
    assert!(list.contains("<td>emp 太郎</td>"), "the reporter by name");
    assert!(list.contains("パスワードの有効期限が本日で切れます"));

    // Closing: later clicks show the lesson but are not counted.
    let csrf = Client::csrf_in(&page.body);
    let r = a.post_form(&format!("/drills/{id}/close"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(anon.get(&link).await.status, StatusCode::OK);
    let r = a.get(&format!("/api/v1/drills/{id}")).await.json();
    assert_eq!((r["state"].as_str(), r["totals"]["clicked"].as_i64()), (Some("closed"), Some(1)));
    let p = r["people"].as_array().unwrap().iter().find(|p| p["name"] == "従業 太郎").unwrap().clone();
    assert_eq!(p["click_count"], 1, "no click recorded after closing");
}

on_both_engines!(drills_over_http);
