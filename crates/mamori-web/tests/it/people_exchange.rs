//! The directory's import and export over HTTP on both engines (the page: every problem with
//! the file, row, column and what to do, nothing stored, 更新 shown; the API: 422 rows, 413
//! `too_large` naming the limit; the export re-imports unchanged; need-to-know), a person's
//! links on their page (for `people.manage` only), the directory's people in a register's
//! person picker, and a leaver's Microsoft 365 item flagged on the checklist and the directory.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_app::Actor;
use serde_json::json;

const T0: i64 = 1_767_225_600_000;

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

/// Posts a file to the import page (the form's token first).
async fn upload(c: &mut Client, name: &str, body: &str) -> crate::client::Resp {
    let html = c.get("/people").await.body;
    let csrf = Client::csrf_in(&html);
    let b = "XPPLBOUNDARY";
    let sent = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n{body}\r\n--{b}--\r\n"
    );
    c.send("POST", "/people/import", Some(&format!("multipart/form-data; boundary={b}")), sent).await
}

async fn count(c: &mut Client) -> usize {
    c.get("/api/v1/people").await.json().as_array().unwrap().len()
}

async fn the_directory_imports_and_exports_over_http(w: World) {
    let mut admin = signed_in(&w, "admin").await;
    let mut emp = signed_in(&w, "emp").await;
    let html = admin.get("/people").await.body;
    assert!(html.contains("id=\"import-form\"") && html.contains("/people/export?format=xlsx"), "{html}");
    let html = emp.get("/people").await.body;
    assert!(!html.contains("import-form") && !html.contains("/people/export"));

    // Every problem with the file, row, column and what to do; nothing stored.
    let bad = "氏名,区分,ログインID\r\n山田 太郎,社員,\r\n花子,インターン,nobody\r\n";
    let r = upload(&mut admin, "bad.csv", bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("<td>bad.csv</td><td>3</td><td>区分</td><td>選択肢にない値です。</td>")
            && r.body.contains("区分は 社員（従業員）")
            && r.body.contains("何も取り込んでいません"),
        "{}",
        r.body
    );
    assert_eq!(count(&mut admin).await, 0);

    // A good file: each person added, listed by name.
    let good = "氏名,区分,メールアドレス,部署,ログインID\r\n山田 太郎,社員,yamada@example.jp,営業部,emp\r\n委託 花子,委託先,,,\r\n";
    let r = upload(&mut admin, "good.csv", good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("山田 太郎") && r.body.contains("委託 花子") && r.body.contains("追加"), "{}", r.body);
    assert_eq!(count(&mut admin).await, 2);

    // The export (ID included) imports again unchanged through the API; a change is 更新.
    let r = admin.get("/api/v1/people/export?format=csv").await;
    assert_eq!(r.status, StatusCode::OK);
    let exported = r.body.clone();
    assert!(exported.contains("ID,氏名,メールアドレス,区分") && exported.contains("委託先要員"), "{exported}");
    let r = admin
        .send("POST", "/api/v1/people/import?name=people.csv", Some("application/octet-stream"), exported.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.json()["created"].as_array().unwrap().len(), r.json()["updated"].as_array().unwrap().len()), (0, 0));
    assert_eq!(r.json()["unchanged"], 2);
    let r = upload(&mut admin, "people.csv", &exported.replace("営業部", "総務部")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<td>更新</td>") && r.body.contains("山田 太郎"), "{}", r.body);
    assert!(admin.get("/api/v1/people?department=総務部").await.body.contains("山田 太郎"));
    let r = admin.get("/people/export?format=xlsx").await;
    assert_eq!(r.status, StatusCode::OK);

    // The API names every problem (422) and a broken limit (413 too_large), storing nothing.
    let r =
        admin.send("POST", "/api/v1/people/import?name=bad.csv", Some("application/octet-stream"), bad.into()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let rows = r.json()["error"]["rows"].clone();
    assert_eq!((rows[0]["row"].as_u64(), rows[0]["column"].as_str()), (Some(3), Some("区分")), "{rows}");
    let mut many = String::from("氏名,区分\r\n");
    for n in 0..=mamori_app::registers::MAX_IMPORT_ROWS {
        many.push_str(&format!("人{n},社員\r\n"));
    }
    let r =
        admin.send("POST", "/api/v1/people/import?name=many.csv", Some("application/octet-stream"), many.clone()).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "too_large");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("50000"), "{}", r.body);
    let r = upload(&mut admin, "many.csv", &many).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("many.csv") && r.body.contains("行数が上限（50000 行）"), "{}", r.body);
    assert_eq!(count(&mut admin).await, 2);
    let r = admin.get("/api/v1/people/export?format=pdf").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Need-to-know: an employee neither imports nor exports.
    let r = emp.send("POST", "/api/v1/people/import?name=x.csv", Some("application/octet-stream"), good.into()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(emp.get("/api/v1/people/export?format=csv").await.status, StatusCode::FORBIDDEN);
    assert_eq!(upload(&mut emp, "x.csv", good).await.status, StatusCode::FORBIDDEN);
}
on_both_engines!(the_directory_imports_and_exports_over_http);

async fn links_pickers_and_the_flagged_leaver(w: World) {
    let mut admin = signed_in(&w, "admin").await;
    let mut emp = signed_in(&w, "emp").await;
    let r = admin
        .post_json(
            "/api/v1/people",
            json!({"name": "鈴木 花子", "email": "suzuki@example.jp", "kind": "employee", "login_id": "emp"}),
        )
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = admin
        .post_json("/api/v1/people", json!({"name": "委託 三郎", "email": "saburo@example.jp", "kind": "outsourced"}))
        .await;
    let saburo = r.json()["id"].as_str().unwrap().to_string();

    // The register forms offer the directory's people; a row names the person without a login.
    let html = admin.get("/registers/media_ledger/new").await.body;
    assert!(html.contains("委託 三郎"), "the directory's people are offered");
    let row = json!({"values": {"media_id": "USB-09", "kind": "USB メモリ", "custodian": "委託 三郎"}});
    let r = admin.post_json("/api/v1/registers/media_ledger/rows", row).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let row = json!({"values": {"media_id": "USB-10", "kind": "USB メモリ", "custodian": "emp"}});
    let media =
        admin.post_json("/api/v1/registers/media_ledger/rows", row).await.json()["id"].as_str().unwrap().to_string();

    // The person's page: their login and records, for people.manage only.
    let html = admin.get(&format!("/people/{id}")).await.body;
    assert!(
        html.contains("id=\"links\"")
            && html.contains("emp 太郎")
            && html.contains("従業員")
            && html.contains(&format!("/registers/media_ledger/rows/{media}"))
            && html.contains("USB-10")
            && !html.contains("USB-09")
            && html.contains("まだ取り込まれていません"),
        "{html}"
    );
    let html = emp.get(&format!("/people/{id}")).await.body;
    assert!(!html.contains("id=\"links\"") && !html.contains("USB-10") && !html.contains("suzuki@example.jp"));

    // A leaver whose Microsoft 365 account can still sign in after the leave date: flagged on
    // the checklist and on the directory.
    let dir = std::env::temp_dir().join(format!("mamori-ppl-web-{}", mamori_app::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = mamori_app::evidence::EvidenceStore { dir: dir.join("evidence"), max_bytes: 1 << 20 };
    let header = "Display name,DirSyncEnabled,User principal name,Object Id,First name,Last name,When created,Soft deletion time stamp,Title,Department,Preferred data location,City,CountryOrRegion,Office,StateOrProvince,Usage location,Last dirsync time,Block credential,Licenses,Password never expires,Last password change time stamp,Mobile Phone,Phone number,Postal code,Preferred language,Street address,Fax,Proxy addresses";
    let line = "委託 三郎,False,saburo@example.jp,15e91f38-0000-0000-0000-000000000007,,,2023-04-01 00:00:00Z,,,,,,,,,JP,,False,Microsoft 365 Business Standard,False,2025-04-01 00:00:00Z,,,,,,,SMTP:saburo@example.jp";
    let file = dir.join("users.csv");
    std::fs::write(&file, format!("{header}\n{line}\n")).unwrap();
    let org = mamori_app::org::resolve(&w.db, Some("acme")).await.unwrap();
    let cli = Actor::cli(&org.id);
    mamori_app::m365::import_file(&w.db, &cli, &store, &file, T0).await.unwrap();
    // The leave contract is kept: {checklist: {id, items: [{key, label, state}]}}.
    let r = admin.post_json(&format!("/api/v1/people/{saburo}/leave"), json!({"left_on": "2025-12-31"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let c = r.json()["checklist"].clone();
    assert!(c["id"].is_string());
    let item = c["items"].as_array().unwrap().iter().find(|i| i["key"] == "m365_account").cloned().unwrap();
    assert_eq!(
        (item["state"].as_str(), item["label"].as_str()),
        (Some("open"), Some("Microsoft 365 アカウントの無効化の確認"))
    );
    mamori_app::m365::import_file(&w.db, &cli, &store, &file, T0 + 1).await.unwrap();
    let html = admin.get(&format!("/people/{saburo}")).await.body;
    assert!(html.contains("要確認：退職日を過ぎても Microsoft 365 にサインインできます"), "{html}");
    assert!(html.contains("サインインできる"), "the account on the links");
    let list = admin.get("/people").await.body;
    assert!(list.contains("id=\"people-flagged\"") && list.contains(&format!("/people/{saburo}#checklist")), "{list}");
    assert!(!emp.get("/people").await.body.contains("people-flagged"), "not for an employee");
    let home = admin.get("/").await.body;
    assert!(home.contains("id=\"card-leavers\"") && home.contains("委託 三郎: 要確認"), "{home}");
    assert!(!emp.get("/").await.body.contains("card-leavers"));
}
on_both_engines!(links_pickers_and_the_flagged_leaver);
