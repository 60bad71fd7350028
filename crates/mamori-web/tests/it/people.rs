//! The staff directory over HTTP on both engines: the API contract (`/api/v1/people`,
//! `/api/v1/people/{id}`, the leave and its checklist, `/api/v1/me/tasks`), need-to-know (an
//! employee reads names, not e-mail addresses, and changes nothing), the pages (a refusal comes
//! back with 422, what was typed and the problem at its field; kinds in Japanese), the pledge
//! gate of account requests (409 `pledge_missing`, on the page at the person field), and a
//! leaver's checklist settled from the page.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

async fn signed_in(w: &World, login: &str) -> Client {
    let mut c = w.logged_in(login).await;
    if login != "admin" {
        let r = c
            .post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Shokika-2026"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    c
}

async fn put_json(c: &mut Client, path: &str, v: serde_json::Value) -> crate::client::Resp {
    c.send("PUT", path, Some("application/json"), v.to_string()).await
}

async fn the_directory_over_http(w: World) {
    let mut admin = signed_in(&w, "admin").await;
    let mut emp = signed_in(&w, "emp").await;

    let r = admin
        .post_json(
            "/api/v1/people",
            json!({"name": "鈴木 花子", "email": "suzuki@example.jp", "kind": "employee",
            "department": "営業部", "joined_on": "2025-04-01", "login_id": "emp"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let p = r.json();
    let id = p["id"].as_str().unwrap().to_string();
    for k in ["id", "name", "email", "kind", "department", "joined_on", "left_on", "login_id"] {
        assert!(p.get(k).is_some(), "{k} in {p}");
    }
    assert_eq!(
        (p["kind"].as_str(), p["login_id"].as_str(), p["left_on"].is_null()),
        (Some("employee"), Some("emp"), true)
    );

    // Every problem at its field.
    let r = admin.post_json("/api/v1/people", json!({"kind": "intern", "email": "x"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["name", "email", "kind"]);

    // Need-to-know: the employee reads the name and department, not the e-mail address.
    let r = emp.get("/api/v1/people").await;
    assert_eq!(r.status, StatusCode::OK);
    let list = r.json();
    assert_eq!(list[0]["department"], "営業部");
    assert!(list[0]["email"].is_null() && list[0]["joined_on"].is_null() && list[0]["login_id"].is_null(), "{list}");
    let r = emp.post_json("/api/v1/people", json!({"name": "x", "kind": "employee"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = put_json(&mut emp, &format!("/api/v1/people/{id}"), json!({"name": "x", "kind": "employee"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let html = emp.get(&format!("/people/{id}")).await.body;
    assert!(html.contains("鈴木 花子") && html.contains("社員") && !html.contains("suzuki@example.jp"));
    assert!(!html.contains("person-form"), "no edit form for an employee");
    assert!(html.contains("/requests/new/account?kind=%E7%99%BA%E8%A1%8C&amp;person=%E9%88%B4%E6%9C%A8"), "{html}");

    // PUT replaces the person.
    let r = put_json(
        &mut admin,
        &format!("/api/v1/people/{id}"),
        json!({"name": "鈴木 花子", "email": "suzuki@example.jp",
        "kind": "part_time", "department": "総務部", "login_id": "emp"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(admin.get(&format!("/api/v1/people/{id}")).await.json()["department"], "総務部");

    // Pages: the list with kinds in Japanese, filtered; the new-person form refused in place.
    let html = admin.get("/people?kind=part_time").await.body;
    assert!(html.contains("パート・アルバイト") && html.contains("鈴木 花子"), "{html}");
    let html = admin.get("/people?kind=officer").await.body;
    assert!(!html.contains("鈴木 花子"));
    let html = admin.get("/people/new").await.body;
    let csrf = Client::csrf_in(&html);
    let r = admin
        .post_form(
            "/people",
            &[
                ("csrf", &csrf),
                ("name", "山田 一郎"),
                ("kind", "contractor"),
                ("email", "壊れた"),
                ("department", "開発部"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("山田 一郎")
            && r.body.contains("開発部")
            && r.body.contains("メールアドレスの形式が正しくありません"),
        "{}",
        r.body
    );
    let r = admin.post_form("/people", &[("csrf", &csrf), ("name", "山田 一郎"), ("kind", "contractor")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = admin.get(r.location()).await.body;
    assert!(page.contains("契約社員・派遣"));
    // The edit form refused in place (a leave date before the joining date).
    let r = admin
        .post_form(
            &format!("/people/{id}"),
            &[
                ("csrf", &csrf),
                ("name", "鈴木 花子"),
                ("kind", "employee"),
                ("joined_on", "2025-04-01"),
                ("left_on", "2024-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("入社日・契約開始日より前の日付です") && r.body.contains("2024-01-01"));

    // The audit trail names the new kind of record in words.
    let r = admin.get("/audit").await;
    assert!(r.body.contains("社員名簿の人"), "audit page describes the person");

    // My tasks.
    let t = emp.get("/api/v1/me/tasks").await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    let t = t.json();
    assert_eq!(t["pledges"]["signed"], false);
    assert_eq!(t["pledges"]["person"]["name"], "鈴木 花子");
    for k in ["acknowledgements", "trainings", "duties", "requests"] {
        assert!(t[k].is_array(), "{k}: {t}");
    }
}
on_both_engines!(the_directory_over_http);

async fn the_pledge_gate_and_the_leaver(w: World) {
    let mut admin = signed_in(&w, "admin").await;
    let mut emp = signed_in(&w, "emp").await;
    let r = admin
        .post_json(
            "/api/v1/people",
            json!({"name": "新人 太郎", "email": "shinjin@example.jp", "kind": "employee", "department": "営業部"}),
        )
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let request = json!({"type": "account", "fields": {"kind": "発行", "system": "電子メール", "person": id, "on": "2026-01-10"}});

    let r = emp.post_json("/api/v1/requests", request.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "pledge_missing");
    let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(msg.contains("新人 太郎") && msg.contains("秘密保持誓約書"), "{msg}");

    // The page form comes back with the problem at the person field and the values kept.
    let html = emp.get("/requests/new/account").await.body;
    let csrf = Client::csrf_in(&html);
    let r = emp
        .post_form(
            "/requests/new/account",
            &[
                ("csrf", &csrf),
                ("kind", "発行"),
                ("system", "電子メール"),
                ("person", "新人 太郎"),
                ("on", "2026-01-10"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("利用者: ")
            && r.body.contains("まだ記録されていません")
            && r.body.contains("value=\"新人 太郎\""),
        "{}",
        r.body
    );

    // After the signed pledge is recorded, the account may be requested.
    let row = json!({"values": {"person": "新人 太郎", "version": "第1版", "signed_on": "2026-01-05"}});
    let r = admin.post_json("/api/v1/registers/employee_pledges/rows", row).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = emp.post_json("/api/v1/requests", request).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // The leave: a checklist with a removal request per account.
    let r = emp.post_json(&format!("/api/v1/people/{id}/leave"), json!({"left_on": "2026-03-31"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = admin.post_json(&format!("/api/v1/people/{id}/leave"), json!({"left_on": "2026-03-31"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let c = r.json()["checklist"].clone();
    assert!(c["id"].is_string());
    let keys: Vec<&str> = c["items"].as_array().unwrap().iter().map(|i| i["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["account:email", "account:m365", "leaver_pledge"]);
    assert!(c["items"].as_array().unwrap().iter().all(|i| i["state"] == "open" && i["label"].is_string()));
    let mine = admin.get("/api/v1/requests?scope=mine").await.json();
    assert_eq!(mine.as_array().unwrap().iter().filter(|r| r["fields"]["kind"] == "削除").count(), 2);

    // The page shows the checklist; a waiver without its reason comes back in place.
    let html = admin.get(&format!("/people/{id}")).await.body;
    assert!(
        html.contains("退職時の秘密保持誓約書の受領")
            && html.contains("未了")
            && html.contains("アカウント削除の申請 R-"),
        "{html}"
    );
    let csrf = Client::csrf_in(&html);
    let r = admin
        .post_form(
            &format!("/people/{id}/checklist/leaver_pledge"),
            &[("csrf", &csrf), ("state", "waived"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("必須項目です"));
    for k in ["account:email", "account:m365"] {
        let r = admin.post_form(&format!("/people/{id}/checklist/{k}"), &[("csrf", &csrf), ("state", "done")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let open = admin.get(&format!("/people/{id}")).await.body;
    assert!(open.contains("未完了"));
    let r = admin
        .post_json(
            &format!("/api/v1/people/{id}/checklist/leaver_pledge"),
            json!({"state": "waived", "reason": "郵送で受領予定"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["checklist"]["state"], "closed");
    let html = admin.get(&format!("/people/{id}")).await.body;
    assert!(html.contains("対象外（郵送で受領予定）") && html.contains("完了"));
}
on_both_engines!(the_pledge_gate_and_the_leaver);
