//! The SoA API contract and exports over HTTP.

use crate::client::World;
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

async fn soa_contract(w: World) {
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
    let v = a.get("/api/v1/soa").await.json();
    assert_eq!(v["document"]["status"], "draft");
    let controls = v["controls"].as_array().unwrap();
    assert_eq!(controls.len(), 93);
    let c817 = controls.iter().find(|c| c["id"] == "8.17").unwrap();
    assert_eq!(c817["applicable"], false);
    assert_eq!(c817["reason"], "PC は OS の設定により自動的に同期している。");
    for key in ["id", "title", "applicable", "reason", "status", "documents", "records"] {
        assert!(controls[0].get(key).is_some(), "{key}");
    }

    let r = a
        .send(
            "PUT",
            "/api/v1/soa/rows/5.1",
            Some("application/json"),
            json!({"reasons": ["risk_treatment"], "status": "partial"}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["controls"][0]["reason"], "リスク対応");
    let r = a.post_json("/api/v1/soa/approve", json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "blocked while reasons are missing");
    assert_eq!(r.json()["error"]["code"], "blocked");
    let page = a.get("/soa").await;
    let csrf = crate::client::Client::csrf_in(&page.body);
    a.post_form("/soa/fill", &[("csrf", &csrf), ("reason", "best_practice")]).await;
    let r = a.post_json("/api/v1/soa/approve", json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], "separation_of_duties");

    // Exports over HTTP.
    let x = a.get("/soa/export?format=xlsx").await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.headers.get("content-type").unwrap().to_str().unwrap().contains("spreadsheetml"));
    assert!(x.headers.get("content-disposition").unwrap().to_str().unwrap().contains("filename*=UTF-8''"));
    let c = a.get("/soa/export?format=csv").await;
    assert!(c.body.starts_with('\u{feff}'));
    assert!(c.body.contains("適用宣言書【案】"));
    assert_eq!(a.get("/soa/export?format=doc").await.status, StatusCode::UNPROCESSABLE_ENTITY);

    // An employee reads the SoA but cannot change it.
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    assert_eq!(e.get("/api/v1/soa").await.status, StatusCode::OK);
    let r = e.send("PUT", "/api/v1/soa/rows/5.1", Some("application/json"), json!({"reasons": []}).to_string()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!e.get("/soa").await.body.contains("name=\"reason_text\""), "no edit forms for readers");
}

/// A refused SoA action stays on the SoA page: the approval refused while reasons are missing
/// names them (with links) and says what to do, the author's own approval says who approves,
/// and a refused row edit keeps what was typed with the problem at its field.
async fn refusals_stay_on_the_soa(w: World) {
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
    let page = a.get("/soa").await;
    let csrf = crate::client::Client::csrf_in(&page.body);
    let r = a.post_form("/soa/approve", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("id=\"soa-refusal\""), "{}", r.body);
    assert!(r.body.contains("理由が未入力の管理策が 85 件あります: 5.1, 5.2"), "the count and the controls");
    assert!(r.body.contains("<a href=\"#soa-5.1\">5.1</a>"));
    assert!(r.body.contains("未記入の適用理由をまとめて設定"), "what to do next");
    assert!(r.body.contains("id=\"soa-5.1\""), "the SoA itself, not an error page");

    // A reason text too long: the row keeps the reasons, text and status sent.
    let long = "長".repeat(501);
    let r = a
        .post_form(
            "/soa/rows/5.2",
            &[("csrf", &csrf), ("reasons", "legal_contractual"), ("reason_text", &long), ("status", "partial")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("5.2 を保存できませんでした"), "{}", r.body);
    assert!(r.body.contains("id=\"soa-error-reason_text\""));
    assert!(r.body.contains("500 文字以内"));
    let row = r.body.split("id=\"soa-5.2\"").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains(&format!("value=\"{long}\"")), "the text kept");
    assert!(row.contains("value=\"legal_contractual\" checked"), "the reason kept");
    assert!(row.contains("value=\"partial\" selected"), "the status kept");
    assert_eq!(a.get("/api/v1/soa").await.json()["controls"][1]["reason"], "", "nothing was saved");

    // The author approving: refused in place, saying who approves.
    a.post_form("/soa/fill", &[("csrf", &csrf), ("reason", "best_practice")]).await;
    let r = a.post_form("/soa/approve", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("別の経営責任者に承認を依頼してください"), "{}", r.body);
    assert!(r.body.contains("id=\"soa-5.1\""));
}

/// Issue 16: the documents the regulation names are documents (not registers to create), and
/// the jointly approved BCP shows its partial approval.
async fn named_documents_and_the_partial_approval(w: World) {
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
    let docs = a.get("/api/v1/documents").await.json();
    let bcp = docs.as_array().unwrap().iter().find(|d| d["title"] == "事業継続計画").expect("the BCP").clone();
    assert_eq!(bcp["approver_roles"], json!(["top_management", "security_manager"]));
    let id = bcp["id"].as_str().unwrap().to_string();
    // The records page links the named documents and offers no register for them.
    let page = a.get("/regulation/records").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("value=\"情報セキュリティマニュアル\""), "no register offered");
    assert!(!page.body.contains("value=\"情報セキュリティ運用ルール\""), "no register offered");
    // Written by someone else (the command line), approved first by 経営責任者.
    let org_id = mamori_app::org::resolve(&w.db, Some("acme")).await.unwrap().id;
    let cli = mamori_app::Actor::cli(&org_id);
    mamori_app::documents::save_draft(&w.db, &cli, &id, "重要業務の継続", "制定", 1).await.unwrap();
    let page = a.get(&format!("/documents/{id}")).await;
    assert!(page.body.contains("経営責任者・情報セキュリティ管理者"), "both approver roles named");
    let csrf = crate::client::Client::csrf_in(&page.body);
    let r = a.post_form(&format!("/documents/{id}/approve"), &[("csrf", &csrf)]).await;
    assert_eq!(r.location(), format!("/documents/{id}?done=partial"));
    let page = a.get(&format!("/documents/{id}?done=partial")).await;
    assert!(page.body.contains("承認 1/2: 経営責任者 admin 太郎"), "by name: {}", page.body);
    assert!(page.body.contains("承認を記録しました"));
    assert!(!page.body.contains("top_management"));
    assert!(!page.body.contains("id=\"approve\""), "their role's approval is given: no button");
    // Approving twice (a stale page) is said on the document's page, not an error page.
    let r = a.post_form(&format!("/documents/{id}/approve"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("あなたはこの版をすでに承認しています"), "{}", r.body);
    assert!(r.body.contains("承認 1/2"), "the document's own page");

    // A file version: a text file is refused at the file form with the summary kept; a docx becomes
    // the draft's content and downloads for an employee (documents.view).
    let rule = docs.as_array().unwrap().iter().find(|d| d["title"] == "情報セキュリティ運用ルール").unwrap().clone();
    let rid = rule["id"].as_str().unwrap().to_string();
    let page = a.get(&format!("/documents/{rid}")).await;
    assert!(page.body.contains("action=\"/documents/{rid}/file\"".replace("{rid}", &rid).as_str()));
    let csrf = crate::client::Client::csrf_in(&page.body);
    let b = "----mamori-doc";
    let upload = |name: &str, bytes: &str| {
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"change_summary\"\r\n\r\n制定（ファイル）\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n{bytes}\r\n--{b}--\r\n"
        )
    };
    let ct = format!("multipart/form-data; boundary={b}");
    let r = a.send("POST", &format!("/documents/{rid}/file"), Some(&ct), upload("メモ.txt", "text")).await;
    assert_eq!(r.status, StatusCode::OK, "re-rendered");
    assert!(r.body.contains("id=\"file-error\""), "{}", r.body);
    assert!(r.body.contains("docx、xlsx、PDF のいずれかを選んでください。"));
    assert!(r.body.contains("value=\"制定（ファイル）\""), "the summary is kept");
    let r = a
        .send("POST", &format!("/documents/{rid}/file"), Some(&ct), upload("運用ルール.docx", "PK\u{3}\u{4}docx"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = a.get(&format!("/documents/{rid}")).await;
    assert!(page.body.contains("id=\"draft-file\""));
    let href = page
        .body
        .split("id=\"draft-file\"")
        .nth(1)
        .unwrap()
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(href.starts_with("/evidence/"), "{href}");
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    assert_eq!(e.get(&href).await.status, StatusCode::NOT_FOUND, "a draft's file is not for every reader");
    assert_eq!(a.get(&href).await.status, StatusCode::OK, "the documents' editors read it");
}

on_both_engines!(refusals_stay_on_the_soa, named_documents_and_the_partial_approval, soa_contract);
