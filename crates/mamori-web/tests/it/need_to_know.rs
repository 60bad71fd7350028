//! Need-to-know through HTTP: the NDA register and its files are out of an employee's reach
//! (lists, pages, API, export, downloads), a 極秘 row is invisible to a role not named, evidence
//! downloads need a record the reader may see (404 otherwise), and administrators set a
//! register's view and edit roles on the designer page and through the API.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_app::{Actor, users};
use serde_json::json;
use sha2::Digest;

fn multipart(b: &str, csrf: Option<&str>, name: &str, content: &str) -> (String, String) {
    let mut body = String::new();
    if let Some(csrf) = csrf {
        body.push_str(&format!("--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"));
    }
    body.push_str(&format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n{content}\r\n--{b}--\r\n"
    ));
    (format!("multipart/form-data; boundary={b}"), body)
}

async fn employee(w: &World) -> Client {
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    e
}

async fn add_user(w: &World, login: &str, role: &str) -> Client {
    let org = mamori_app::org::resolve(&w.db, Some("acme")).await.unwrap();
    let cli = Actor::cli(&org.id);
    users::create(
        &w.db,
        &cli,
        users::NewUser {
            login_id: login.into(),
            display_name: format!("{login} 花子"),
            email: format!("{login}@example.jp"),
            password: "Initial123".into(),
            roles: vec![role.into()],
        },
        0,
    )
    .await
    .unwrap();
    let mut c = w.logged_in(login).await;
    c.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Changed99x"})).await;
    c
}

async fn nda_rows_and_files_are_out_of_an_employees_reach(w: World) {
    let mut a = w.logged_in("admin").await;
    let r = a
        .post_json(
            "/api/v1/registers/nda_contracts/rows",
            json!({"values": {"party": "株式会社アクメ商事", "version": "第2版", "signed_on": "2026-01-05"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let page = a.get(&format!("/registers/nda_contracts/rows/{id}")).await;
    let (ct, body) = multipart("----ntk", Some(&Client::csrf_in(&page.body)), "nda-acme.txt", "秘密保持契約 本文");
    let r = a.send("POST", &format!("/registers/nda_contracts/rows/{id}/files/file"), Some(&ct), body).await;
    assert!(r.status.is_redirection(), "{}: {}", r.status, r.body);
    let row = a.get(&format!("/api/v1/registers/nda_contracts/rows/{id}")).await.json();
    let sha = row["values"]["file"][0].as_str().unwrap().to_string();
    assert_eq!(a.get(&format!("/evidence/{sha}")).await.status, StatusCode::OK);

    let mut e = employee(&w).await;
    let list = e.get("/api/v1/registers").await.json();
    assert!(!list.as_array().unwrap().iter().any(|r| r["key"] == "nda_contracts"));
    let page = e.get("/registers").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("秘密保持契約書") && !page.body.contains("/registers/nda_contracts"));
    for path in [
        "/registers/nda_contracts".to_string(),
        "/api/v1/registers/nda_contracts/rows".to_string(),
        format!("/api/v1/registers/nda_contracts/rows/{id}"),
        format!("/api/v1/registers/nda_contracts/rows/{id}/history"),
        format!("/registers/nda_contracts/rows/{id}"),
        format!("/registers/nda_contracts/rows/{id}/history"),
        "/registers/nda_contracts/export?format=csv".to_string(),
        "/registers/nda_contracts/export?format=xlsx".to_string(),
        format!("/evidence/{sha}"),
    ] {
        let r = e.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!r.body.contains("アクメ商事"), "{path}");
    }
    let api = e.get(&format!("/api/v1/evidence/{sha}")).await;
    assert_ne!(api.status, StatusCode::OK);
}
on_both_engines!(nda_rows_and_files_are_out_of_an_employees_reach);

async fn a_secret_row_is_invisible_to_a_role_not_named(w: World) {
    let mut e2 = add_user(&w, "emp2", "employee").await;
    let mut a = w.logged_in("admin").await;
    for (media, label) in [("USB-01", "社外秘"), ("USB-99", "極秘")] {
        let r = a
            .post_json(
                "/api/v1/registers/media_ledger/rows",
                json!({"values": {"media_id": media, "kind": "USB メモリ"}, "label": label, "restricted_to": ["role:top_management", "user:emp2"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let mut e = employee(&w).await;
    let rows = e.get("/api/v1/registers/media_ledger/rows").await.json();
    assert_eq!(rows["total"], 1);
    assert!(!rows.to_string().contains("USB-99"));
    let rows = e.get("/api/v1/registers/media_ledger/rows?q=USB-99").await.json();
    assert_eq!(rows["total"], 0);
    let list = e.get("/api/v1/registers").await.json();
    let count = list.as_array().unwrap().iter().find(|r| r["key"] == "media_ledger").unwrap()["rows"].clone();
    assert_eq!(count, 1);
    let csv = e.get("/registers/media_ledger/export?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("USB-01") && !csv.body.contains("USB-99"));
    let page = e.get("/registers/media_ledger").await;
    assert!(!page.body.contains("USB-99"));
    // emp2 is named.
    assert_eq!(e2.get("/api/v1/registers/media_ledger/rows").await.json()["total"], 2);
    assert!(e2.get("/registers/media_ledger/export?format=csv").await.body.contains("USB-99"));
    // The row's restriction is on its page, as role names and people.
    let rows = a.get("/api/v1/registers/media_ledger/rows?q=USB-99").await.json();
    let id = rows["rows"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(e.get(&format!("/api/v1/registers/media_ledger/rows/{id}")).await.status, StatusCode::NOT_FOUND);
    let page = a.get(&format!("/registers/media_ledger/rows/{id}")).await;
    assert!(page.body.contains("value=\"role:top_management\" checked"));
    assert!(page.body.contains("value=\"user:emp2\" checked"));
    // A restriction leaving the writer out is refused at its field, with the values kept.
    let csrf = Client::csrf_in(&page.body);
    let r = a
        .post_form(
            &format!("/registers/media_ledger/rows/{id}"),
            &[
                ("csrf", &csrf),
                ("media_id", "USB-98"),
                ("kind", "USB メモリ"),
                ("__label", "極秘"),
                ("__restricted", "role:employee"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("value=\"USB-98\""));
    assert!(r.body.contains("あなた自身が閲覧できなくなります"));
}
on_both_engines!(a_secret_row_is_invisible_to_a_role_not_named);

async fn an_employee_cannot_download_sign_in_exports_or_others_attachments(w: World) {
    let mut a = w.logged_in("admin").await;
    // A Microsoft 365 export, kept as evidence of the import.
    let export = "{\"CreationTime\":\"2026-01-05T01:00:00\",\"Id\":\"a1\",\"Operation\":\"UserLoginFailed\",\"UserId\":\"taro@example.jp\",\"ClientIP\":\"203.0.113.7\",\"Workload\":\"AzureActiveDirectory\",\"RecordType\":15,\"ResultStatus\":\"Failed\"}\n";
    let (ct, body) = multipart("----m365", Some(&Client::csrf_in(&a.get("/m365").await.body)), "signins.jsonl", export);
    let r = a.send("POST", "/m365/import", Some(&ct), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let m365_sha = mamori_domain::hex::encode(&sha2::Sha256::digest(export.as_bytes()));
    assert_eq!(a.get(&format!("/evidence/{m365_sha}")).await.status, StatusCode::OK);

    // A file attached to emp2's request by 経営責任者 when approving it.
    let mut e2 = add_user(&w, "emp2", "employee").await;
    let r = e2
        .post_json(
            "/api/v1/requests",
            json!({"type": "network_use", "fields": {"kind": "ネットワーク", "service": "客先 Wi-Fi", "purpose": "打合せ"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let req = r.json()["id"].as_str().unwrap().to_string();
    let token = a.get("/api/v1/me").await.json()["csrf_token"].as_str().unwrap().to_string();
    a.headers.push(("x-csrf-token".into(), token));
    let (ct, body) = multipart("----att", None, "承認条件.txt", "客先 Wi-Fi の利用条件");
    let r = a.send("POST", "/api/v1/evidence", Some(&ct), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let att = r.json()["sha256"].as_str().unwrap().to_string();
    let r = a
        .post_json(
            &format!("/api/v1/requests/{req}/transitions"),
            json!({"action": "approve", "comment": "条件付き", "files": [att]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(e2.get(&format!("/evidence/{att}")).await.status, StatusCode::OK, "the requester");

    let mut e = employee(&w).await;
    assert_eq!(e.get(&format!("/evidence/{m365_sha}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(e.get(&format!("/evidence/{att}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(e.get(&format!("/evidence/{}", "a".repeat(64))).await.status, StatusCode::NOT_FOUND);
}
on_both_engines!(an_employee_cannot_download_sign_in_exports_or_others_attachments);

async fn administrators_set_a_registers_roles(w: World) {
    let mut a = w.logged_in("admin").await;
    let page = a.get("/registers/media_ledger/design").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("閲覧・編集できる役割") && page.body.contains("従業員"));
    // Employees no longer read the media ledger.
    let csrf = Client::csrf_in(&page.body);
    let r = a
        .post_form(
            "/registers/media_ledger/access",
            &[
                ("csrf", &csrf),
                ("view_roles", "top_management"),
                ("view_roles", "security_manager"),
                ("edit_roles", "top_management"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut e = employee(&w).await;
    assert_eq!(e.get("/api/v1/registers/media_ledger/rows").await.status, StatusCode::NOT_FOUND);
    // A list leaving the administrator out is refused on the page, at the roles.
    let r = a
        .post_form(
            "/registers/media_ledger/access",
            &[("csrf", &csrf), ("view_roles", "employee"), ("edit_roles", "employee")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("あなた自身が閲覧できなくなります"));
    // The API: back to everyone, the change in the audit trail.
    let r = a
        .send(
            "PUT",
            "/api/v1/registers/media_ledger/access",
            Some("application/json"),
            json!({"view_roles": ["top_management", "security_manager", "system_admin", "internal_auditor", "employee"], "edit_roles": ["top_management"]}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["view_roles"].as_array().unwrap().len(), 5);
    let r = a
        .send(
            "PUT",
            "/api/v1/registers/media_ledger/access",
            Some("application/json"),
            json!({"view_roles": ["boss"], "edit_roles": []}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e.get("/api/v1/registers/media_ledger/rows").await.status, StatusCode::OK);
    let r = e
        .send(
            "PUT",
            "/api/v1/registers/media_ledger/access",
            Some("application/json"),
            json!({"view_roles": ["employee"], "edit_roles": ["employee"]}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let audit = a.get("/api/v1/audit?limit=500").await.body;
    assert!(audit.contains("register_def"));
}
on_both_engines!(administrators_set_a_registers_roles);
