//! Questionnaire templates and files over HTTP: the 質問票のひな形 page (a refused upload comes
//! back on the page with the title kept and each problem naming the file, the row and the
//! column; an accepted one is listed and sent from the supplier page), the API import, and the
//! public form answered with files without a session (a refused file keeps the answers; the
//! accepted file is listed and downloaded by the register's readers only).

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_app::export::{Cell, Table};
use serde_json::json;

/// A check sheet as an xlsx (the export's writer; the header lands on row 4).
fn sheet(rows: &[[&str; 4]]) -> Vec<u8> {
    let t = Table {
        sheet: "質問票".into(),
        title: "自社チェックシート".into(),
        doc_number: "-".into(),
        edition: "-".into(),
        label: "社外秘".into(),
        columns: ["区分", "質問", "期待する回答", "関連する要求事項"].iter().map(|c| (c.to_string(), 10.0)).collect(),
        rows: rows.iter().map(|r| r.iter().map(|c| Cell::Text(c.to_string())).collect()).collect(),
    };
    mamori_app::export::xlsx(&t).unwrap()
}

const B: &str = "----mamori-qt";

/// A multipart body: text parts, then file parts (field, file name, bytes).
fn multipart(texts: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in texts {
        out.extend_from_slice(
            format!("--{B}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    for (k, name, bytes) in files {
        out.extend_from_slice(
            format!("--{B}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{B}--\r\n").as_bytes());
    out
}

fn ct() -> String {
    format!("multipart/form-data; boundary={B}")
}

async fn the_templates_page_refuses_on_the_page_and_sends_what_it_imported(w: World) {
    let mut a = w.logged_in("admin").await;
    let list = a.get("/suppliers").await;
    assert!(list.body.contains("href=\"/questionnaire-templates\""), "linked from the suppliers list");
    let page = a.get("/questionnaire-templates").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("質問票のひな形") && page.body.contains("情報セキュリティに関するチェックシート"));
    assert!(page.body.contains("<td>32</td>"), "the shipped template with its question count");
    let csrf = Client::csrf_in(&page.body);

    let bad = sheet(&[["1. 体制", "方針はありますか。", "はい", ""], ["", "責任者はいますか。", "たぶん", ""]]);
    let body = multipart(&[("csrf", &csrf), ("title", "取引先チェック 2026")], &[("file", "check.xlsx", &bad)]);
    let r = a.send_bytes("POST", "/questionnaire-templates", Some(&ct()), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"template-import-form\""), "still on the page");
    assert!(r.body.contains("value=\"取引先チェック 2026\""), "the title typed is kept");
    assert!(
        r.body.contains("check.xlsx: 6 行目「期待する回答」: 「はい」か「いいえ」を入力してください。"),
        "the file, the row and the column: {}",
        r.body
    );
    assert!(!a.get("/questionnaire-templates").await.body.contains("取引先チェック 2026"), "nothing stored");
    let body = multipart(&[("csrf", &csrf), ("title", "")], &[("file", "notes.xlsx", b"plain text")]);
    let r = a.send_bytes("POST", "/questionnaire-templates", Some(&ct()), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("notes.xlsx:「ファイル」: Excel ファイル（.xlsx）ではありません。"), "{}", r.body);

    let good =
        sheet(&[["1. 体制", "方針はありますか。", "はい", "秘密保持"], ["", "再委託していますか。", "いいえ", ""]]);
    let body = multipart(&[("csrf", &csrf), ("title", "取引先チェック 2026")], &[("file", "check.xlsx", &good)]);
    let r = a.send_bytes("POST", "/questionnaire-templates", Some(&ct()), body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = a.get(r.location()).await;
    assert!(page.body.contains("ひな形を取り込みました") && page.body.contains("取引先チェック 2026"));
    let api = a.get("/api/v1/questionnaire-templates").await.json();
    let mine = api.as_array().unwrap().iter().find(|t| t["title"] == "取引先チェック 2026").unwrap().clone();
    assert_eq!((mine["questions"].as_i64(), mine["shipped"].as_bool()), (Some(2), Some(false)));
    let key = mine["key"].as_str().unwrap().to_string();
    let x = a.get(&format!("/questionnaire-templates/{key}/export")).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.body.starts_with("PK"));

    // The API: refused naming the file and each row; accepted as 201.
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let r = a.send_bytes("POST", "/api/v1/questionnaire-templates?name=api.xlsx", Some(xlsx), bad.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let e = r.json();
    assert_eq!(e["error"]["file"], "api.xlsx");
    assert_eq!(e["error"]["rows"][0]["row"], 6);
    assert_eq!(e["error"]["rows"][0]["column"], "期待する回答");
    let r = a.send_bytes("POST", "/api/v1/questionnaire-templates?name=api.xlsx&title=API", Some(xlsx), good).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Sent from the supplier page and through the API by its key.
    let s = a
        .post_json(
            "/api/v1/suppliers",
            json!({"name": "保守会社", "kind": "maintenance", "services": "保守", "criticality": "中"}),
        )
        .await
        .json();
    let id = s["id"].as_str().unwrap().to_string();
    let sp = a.get(&format!("/suppliers/{id}")).await;
    assert!(sp.body.contains(&format!("<option value=\"{key}\">取引先チェック 2026（2）</option>")), "{}", sp.body);
    assert!(sp.body.contains("id=\"next-reevaluation\""), "the next re-evaluation is shown");
    let r = a.post_json(&format!("/api/v1/suppliers/{id}/questionnaires"), json!({"template": key})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let url = r.json()["url"].as_str().unwrap().to_string();
    let form = w.client().get(&url).await;
    assert!(form.body.contains("再委託していますか。") && !form.body.contains("q32"));
}

on_both_engines!(the_templates_page_refuses_on_the_page_and_sends_what_it_imported);

async fn a_supplier_answers_with_files_without_an_account(w: World) {
    let mut a = w.logged_in("admin").await;
    let s = a
        .post_json(
            "/api/v1/suppliers",
            json!({"name": "さくらインターネット", "kind": "mail_hosting", "services": "メール", "criticality": "中"}),
        )
        .await
        .json();
    let id = s["id"].as_str().unwrap().to_string();
    let q =
        a.post_json(&format!("/api/v1/suppliers/{id}/questionnaires"), json!({"template": "standard"})).await.json();
    let (qid, url) = (q["id"].as_str().unwrap().to_string(), q["url"].as_str().unwrap().to_string());

    let mut sup = w.client();
    let form = sup.get(&url).await;
    assert!(form.body.contains("enctype=\"multipart/form-data\"") && form.body.contains("name=\"f_q01\""));
    let csrf = Client::csrf_in(&form.body);
    let mut texts: Vec<(String, String)> = vec![("csrf".into(), csrf), ("respondent".into(), "佐藤（技術部）".into())];
    for i in 1..=32 {
        texts.push((format!("a_q{i:02}"), "yes".into()));
    }
    texts.push(("c_q03".into(), "取得予定".into()));
    let t: Vec<(&str, &str)> = texts.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    // A program named as a PDF is refused; the answers are kept; nothing is recorded.
    let body = multipart(&t, &[("f_q01", "policy.pdf", b"MZ\x90\x00binary")]);
    let r = sup.send_bytes("POST", &url, Some(&ct()), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"file-error-q01\"") && r.body.contains("この種類のファイルは添付できません"));
    assert!(r.body.contains("value=\"取得予定\"") && r.body.contains("value=\"佐藤（技術部）\""), "answers kept");
    assert_eq!(a.get(&format!("/api/v1/suppliers/{id}/questionnaires/{qid}")).await.json()["state"], "sent");

    let body = multipart(
        &t,
        &[("f_q01", "方針.pdf", b"%PDF-1.4 policy"), ("files", "補足.txt", "補足です".as_bytes()), ("f_q02", "", b"")],
    );
    let r = sup.send_bytes("POST", &url, Some(&ct()), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("ご回答ありがとうございました"));

    let v = a.get(&format!("/api/v1/suppliers/{id}/questionnaires/{qid}")).await.json();
    assert_eq!(v["state"], "answered");
    let page = a.get(&format!("/suppliers/{id}/questionnaires/{qid}")).await;
    assert!(page.body.contains(">方針.pdf</a>") && page.body.contains(">補足.txt</a>"), "listed with links");
    let href = page.body.split("href=\"").find(|s| s.contains("/files/") && s.contains("方針.pdf")).unwrap();
    let href = href.split('"').next().unwrap().to_string();
    let f = a.get(&href).await;
    assert_eq!(f.status, StatusCode::OK);
    assert_eq!(f.body, "%PDF-1.4 policy");
    assert!(f.headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let csv = a.get(&format!("/suppliers/{id}/questionnaires/{qid}/export?format=csv")).await.body;
    assert!(csv.contains("方針.pdf") && csv.contains("補足.txt"), "named in the export");
    // An employee is not among the supplier register's readers.
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    assert_eq!(e.get(&href).await.status, StatusCode::NOT_FOUND);
}

on_both_engines!(a_supplier_answers_with_files_without_an_account);
