//! The requests contract and pages: request types, submission, transitions with separation of
//! duties, the register row, and the dashboard counts.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

async fn with_csrf(mut c: Client) -> Client {
    let token = c.get("/api/v1/me").await.json()["csrf_token"].as_str().unwrap().to_string();
    c.headers.push(("x-csrf-token".into(), token));
    c
}

async fn requests_contract_and_pages(w: World) {
    let mut a = with_csrf(w.logged_in("admin").await).await;
    let types = a.get("/api/v1/request-types").await;
    assert_eq!(types.status, StatusCode::OK);
    let types = types.json();
    let media = types.as_array().unwrap().iter().find(|t| t["key"] == "media_takeout").expect("media_takeout").clone();
    assert_eq!(media["controls"], json!(["7.10"]));
    assert_eq!(media["approver_roles"], json!(["security_manager", "top_management"]));
    for f in media["fields"].as_array().unwrap() {
        for k in ["key", "label", "type", "required", "choices"] {
            assert!(f.get(k).is_some(), "{k} in {f}");
        }
        assert!(f["required"].is_boolean());
    }
    assert_eq!(types.as_array().unwrap().len(), 19);
    // 8.32 (2): the change request's category, with the regulation's Japanese labels, decides
    // whether 経営責任者 alone approves.
    let cr = types.as_array().unwrap().iter().find(|t| t["key"] == "change_request").unwrap();
    let category = cr["fields"].as_array().unwrap().iter().find(|f| f["key"] == "category").unwrap();
    assert_eq!(category["required"], true);
    assert_eq!(
        category["choices"],
        json!(["クライアント PC の OS 変更", "外部ネットワークとの接続", "委託先データセンターの変更", "その他の変更"])
    );
    assert_eq!(cr["approver_roles_when"][0]["field"], "category");
    assert_eq!(cr["approver_roles_when"][0]["roles"], json!(["top_management"]));
    let form = a.get("/requests/new/change_request").await;
    assert_eq!(form.status, StatusCode::OK);
    for label in
        ["変更の区分", "<option value=\"外部ネットワークとの接続\"", "委託先データセンターの変更", "その他の変更"]
    {
        assert!(form.body.contains(label), "{label}");
    }
    assert!(!form.body.contains("external_network") && !form.body.contains("approver_roles_when"));
    let r = a
        .post_json(
            "/api/v1/registers/media_ledger/rows",
            json!({"values": {"media_id": "USB-01", "kind": "USB メモリ"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The medium is a reference to 媒体管理台帳, with the values it may take now.
    let types = a.get("/api/v1/request-types").await.json();
    let mt = types.as_array().unwrap().iter().find(|t| t["key"] == "media_takeout").unwrap();
    let media = mt["fields"].as_array().unwrap().iter().find(|f| f["key"] == "media").unwrap();
    assert_eq!(media["type"], "reference");
    assert_eq!(media["register"], "media_ledger");
    assert_eq!(media["choices"], json!(["USB-01"]));

    // The employee requests a media take-out and cannot approve it.
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    let mut e = with_csrf(e).await;
    let bad = e.post_json("/api/v1/requests", json!({"type": "media_takeout", "fields": {"media": "USB-01"}})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["error"]["rows"].as_array().unwrap().len(), 3);
    let r = e
        .post_json(
            "/api/v1/requests",
            json!({"type": "media_takeout", "fields": {"media": "USB-01", "purpose": "顧客先での説明", "taken_on": "2025-12-28", "due_on": "2026-01-06"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["state"], "submitted");
    let own =
        e.post_json(&format!("/api/v1/requests/{id}/transitions"), json!({"action": "approve", "comment": ""})).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    assert_eq!(own.json()["error"]["code"], "separation_of_duties");

    // The administrator (経営責任者) sees it waiting on the dashboard and approves it.
    let dash = a.get("/").await;
    assert!(dash.body.contains("承認待ち 1 件"), "{}", dash.body);
    let waiting = a.get("/requests?scope=waiting").await;
    assert!(waiting.body.contains(&format!("/requests/{id}")));
    let ok = a
        .post_json(&format!("/api/v1/requests/{id}/transitions"), json!({"action": "approve", "comment": "承認"}))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["state"], "approved");
    let record = ok.json()["record_ref"].as_str().unwrap().to_string();
    let (key, row) = record.split_once('/').unwrap();
    let row = a.get(&format!("/api/v1/registers/{key}/rows/{row}")).await.json();
    assert_eq!(row["values"]["taken_by"], "emp");
    // A role that may not act gets 403 forbidden; an action that does not apply, 409.
    let again = a.post_json(&format!("/api/v1/requests/{id}/transitions"), json!({"action": "approve"})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let bad = e.post_json(&format!("/api/v1/requests/{id}/transitions"), json!({"action": "complete"})).await;
    assert_eq!(bad.json()["error"]["code"], "separation_of_duties");

    // The detail page shows the timeline and the register row; the return closes it.
    let page = a.get(&format!("/requests/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"request-record\""));
    assert!(page.body.contains("id=\"action-complete\""));
    let b = "----mamori-req";
    let csrf = Client::csrf_in(&page.body);
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\n返却を確認\r\n--{b}\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\ncomplete\r\n--{b}--\r\n"
    );
    let r = a
        .send("POST", &format!("/requests/{id}/transitions"), Some(&format!("multipart/form-data; boundary={b}")), body)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let done = a.get(&format!("/api/v1/requests/{id}")).await.json();
    assert_eq!(done["state"], "completed");
    let actions: Vec<&str> =
        done["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["submit", "approve", "complete"]);

    // New-request form: every field problem in place.
    let form = e.get("/requests/new/media_takeout").await;
    assert_eq!(form.status, StatusCode::OK);
    let r = e
        .post_form("/requests/new/media_takeout", &[("csrf", &Client::csrf_in(&form.body)), ("media", "USB-01")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"request-errors\""));
    // Each problem at its field; the medium is a picker of 媒体管理台帳 and stays picked.
    for field in ["purpose", "taken_on", "due_on"] {
        assert!(r.body.contains(&format!("id=\"error-{field}\"")), "{field}: {}", r.body);
    }
    assert!(r.body.contains("<select name=\"media\""));
    assert!(r.body.contains("<option value=\"USB-01\" selected>USB-01 USB メモリ</option>"), "{}", r.body);
    // A return date before the take-out date, at its field, the rest kept.
    let r = e
        .post_form(
            "/requests/new/media_takeout",
            &[
                ("csrf", &Client::csrf_in(&form.body)),
                ("media", "USB-01"),
                ("purpose", "展示会"),
                ("taken_on", "2026-01-10"),
                ("due_on", "2026-01-09"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let at = r.body.split("id=\"error-due_on\">").nth(1).unwrap_or_default();
    assert!(at.starts_with("開始の日付（持出日など）より前の日付です"), "{}", r.body);
    assert!(r.body.contains("展示会") && r.body.contains("value=\"2026-01-10\""));
    // An employee does not see others' requests, nor the list of all.
    let mine = e.get("/api/v1/requests?scope=all").await;
    assert_eq!(mine.status, StatusCode::FORBIDDEN);
    // Changing the approver is for administrators.
    let r = e
        .send(
            "PUT",
            "/api/v1/request-types/software_install/roles",
            Some("application/json"),
            json!({"approver_roles": ["employee"]}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = a
        .send(
            "PUT",
            "/api/v1/request-types/software_install/roles",
            Some("application/json"),
            json!({"approver_roles": ["top_management"]}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

on_both_engines!(requests_contract_and_pages);
