//! Register API contract and pages.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

async fn register_api_contract(w: World) {
    let mut a = w.logged_in("admin").await;
    let list = a.get("/api/v1/registers").await.json();
    assert_eq!(list.as_array().unwrap().len(), 32);
    assert!(list.as_array().unwrap().iter().any(|r| r["key"] == "assets" && r["rows"] == 0));

    let r = a
        .post_json(
            "/api/v1/registers/assets/rows",
            json!({"values": {"name": "顧客名簿", "confidentiality": 3, "integrity": 2, "availability": 2, "threat": 2, "vulnerability": 2}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let row = r.json();
    assert_eq!(row["values"]["risk"], 6);
    let id = row["id"].as_str().unwrap().to_string();

    let r = a.post_json("/api/v1/registers/assets/rows", json!({"values": {"name": "x", "confidentiality": 9}})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = r.json();
    assert_eq!(e["error"]["code"], "validation");
    let fields: Vec<&str> =
        e["error"]["rows"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["confidentiality", "integrity", "availability"]);

    for i in 0..5 {
        a.post_json(
            "/api/v1/registers/assets/rows",
            json!({"values": {"name": format!("資産{i}"), "confidentiality": 1, "integrity": 1, "availability": 1}}),
        )
        .await;
    }
    let p = a.get("/api/v1/registers/assets/rows?q=%E8%B3%87%E7%94%A3&sort=-name&page=2&per_page=2").await.json();
    assert_eq!(p["total"], 5);
    assert_eq!(p["rows"].as_array().unwrap().len(), 2);
    assert_eq!(p["rows"][0]["values"]["name"], "資産2");

    let r = a.send("PUT", &format!("/api/v1/registers/assets/rows/{id}"), Some("application/json"), json!({"values": {"name": "顧客名簿", "confidentiality": 1, "integrity": 1, "availability": 1}, "label": "極秘"}).to_string()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["label"], "極秘");
    let r = a
        .send(
            "DELETE",
            &format!("/api/v1/registers/assets/rows/{id}"),
            Some("application/json"),
            json!({"reason": "廃棄"}).to_string(),
        )
        .await;
    assert_eq!(r.json()["deleted"], true);
    let h = a.get(&format!("/api/v1/registers/assets/rows/{id}/history")).await.json();
    assert_eq!(h.as_array().unwrap().len(), 3);
    let r = a.post_json(&format!("/api/v1/registers/assets/rows/{id}/restore"), json!({})).await;
    assert_eq!(r.json()["deleted"], false);
    // The history page and the row page name the row by its title, never by its id.
    let page = a.get(&format!("/registers/assets/rows/{id}/history")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("<a href=\"/registers/assets/rows/{id}\" id=\"row-title\">顧客名簿</a>")),
        "{}",
        page.body
    );
    let visible = |html: &str| html.split('<').map(|p| p.split_once('>').map_or(p, |x| x.1)).collect::<String>();
    assert!(!visible(&page.body).contains(&id), "no id in the history's visible text");
    let page = a.get(&format!("/registers/assets/rows/{id}")).await;
    assert!(page.body.contains("id=\"row-title\">顧客名簿</small>"), "{}", page.body);
    assert!(!visible(&page.body).contains(&id), "no id in the row page's visible text");
    assert_eq!(a.get("/api/v1/registers/nope/rows").await.status, StatusCode::NOT_FOUND);

    // An employee reads but cannot write; the risk assessment is not for employees at all.
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    assert_eq!(e.get("/api/v1/registers/media_ledger/rows").await.status, StatusCode::OK);
    assert_eq!(e.get("/api/v1/registers/assets/rows").await.status, StatusCode::NOT_FOUND);
    let r = e.post_json("/api/v1/registers/media_ledger/rows", json!({"values": {"media_id": "y"}})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn register_pages(w: World) {
    let mut a = w.logged_in("admin").await;
    let page = a.get("/registers/assets/new").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = Client::csrf_in(&page.body);
    let r = a.post_form("/registers/assets", &[("csrf", &csrf), ("name", "見積書"), ("confidentiality", "x")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"見積書\""), "what was typed is kept");
    assert!(r.body.contains("整数で入力してください。") && r.body.contains("必須項目です。"));
    let r = a
        .post_form(
            "/registers/assets",
            &[
                ("csrf", &csrf),
                ("name", "見積書"),
                ("confidentiality", "2"),
                ("integrity", "2"),
                ("availability", "1"),
                ("threat", "3"),
                ("vulnerability", "3"),
                ("personal_info", "個人情報"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let row = a.get(r.location()).await;
    assert!(row.body.contains("<output name=\"risk\">9</output>"), "importance 3 (personal data) × likelihood 3");
    let list = a.get("/registers/assets").await;
    assert!(list.body.contains("見積書") && list.body.contains("1 件"));
    let heat = a.get("/registers/assets/heatmap").await;
    assert!(heat.body.contains("data-count=\"1\""));
    let csv = a.get("/registers/assets/export?format=csv").await;
    assert!(csv.body.starts_with('\u{feff}') && csv.body.contains("見積書"));
    // The same in Shift_JIS for older Excel (issue 15): no BOM, a .csv file, Japanese intact.
    let page = a.get("/registers/assets").await;
    assert!(page.body.contains("/registers/assets/export?format=csv-sjis"), "offered on the page");
    let sjis = a.get("/registers/assets/export?format=csv-sjis").await;
    assert_eq!(sjis.headers["content-type"], "text/csv; charset=Shift_JIS");
    assert!(sjis.headers["content-disposition"].to_str().unwrap().contains(".csv"));
    assert!(!sjis.bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    let (text, _, errors) = encoding_rs::SHIFT_JIS.decode(&sjis.bytes);
    assert!(!errors && text.contains("見積書") && !text.contains('?'), "{text}");
    assert_eq!(text.lines().count(), csv.body.lines().count(), "the same rows as the UTF-8 file");
    assert_eq!(a.get("/registers").await.status, StatusCode::OK);
}

on_both_engines!(register_api_contract, register_pages);

async fn evidence_upload_and_safe_download(w: World) {
    let mut a = w.logged_in("admin").await;
    let boundary = "----mamori-evidence";
    let upload = |body: String| (format!("multipart/form-data; boundary={boundary}"), body);
    let (ct, first) = upload(format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n\r\n%PDF\r\n--{boundary}--\r\n"
    ));
    // Without the session's token in X-CSRF-Token a multipart POST is refused (CSRF).
    assert_eq!(a.send("POST", "/api/v1/evidence", Some(&ct), first).await.status, StatusCode::FORBIDDEN);
    let token = a.get("/api/v1/me").await.json()["csrf_token"].as_str().unwrap().to_string();
    a.headers.push(("x-csrf-token".into(), token));
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"署名済み.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 signed\r\n--{boundary}--\r\n"
    );
    let r = a.send("POST", "/api/v1/evidence", Some(&format!("multipart/form-data; boundary={boundary}")), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let e = r.json();
    let sha = e["sha256"].as_str().unwrap().to_string();
    assert_eq!(sha.len(), 64);
    assert_eq!(e["content_type"], "application/pdf");
    let d = a.get(&format!("/evidence/{sha}")).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.body, "%PDF-1.4 signed");
    let cd = d.headers.get("content-disposition").unwrap().to_str().unwrap();
    assert!(cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''"));
    assert!(d.headers.get("content-security-policy").unwrap().to_str().unwrap().contains("sandbox"));
    assert_eq!(d.headers.get("x-evidence-sha256").unwrap(), sha.as_str());
    assert_eq!(a.get(&format!("/evidence/{}", "f".repeat(64))).await.status, StatusCode::NOT_FOUND);

    let exe = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\nMZ\u{90}rest\r\n--{boundary}--\r\n"
    );
    let r = a.send("POST", "/api/v1/evidence", Some(&format!("multipart/form-data; boundary={boundary}")), exe).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

on_both_engines!(evidence_upload_and_safe_download);

/// A file beyond the import limits: the register page again (413) with the limit named next
/// to the file's name, and nothing imported.
async fn an_import_beyond_the_limits_keeps_the_page(w: World) {
    let mut a = w.logged_in("admin").await;
    let page = a.get("/registers/assets").await;
    let csrf = crate::client::Client::csrf_in(&page.body);
    let mut csv = String::from("情報資産名称\r\n");
    for i in 0..=50_000 {
        csv.push_str(&format!("資産{i}\r\n"));
    }
    let b = "----mamori-big-csv";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"多すぎる.csv\"\r\n\r\n{csv}\r\n--{b}--\r\n"
    );
    let r = a.send("POST", "/registers/assets/import", Some(&format!("multipart/form-data; boundary={b}")), body).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", &r.body[..r.body.len().min(500)]);
    assert!(r.body.contains("id=\"import-problems\""), "the page again, with the problem listed");
    assert!(r.body.contains("多すぎる.csv"));
    assert!(r.body.contains("行数が上限（50000 行）を超えています"), "{}", r.body);
    let rows = a.get("/api/v1/registers/assets/rows").await.json();
    assert_eq!(rows["total"], 0, "nothing imported");
}

on_both_engines!(an_import_beyond_the_limits_keeps_the_page);
