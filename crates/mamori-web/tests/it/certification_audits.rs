//! Certification audits over HTTP: the API contract (an audit → 201, a nonconformity finding
//! → 201 with its corrective action, the certificate with its days left), the pages in
//! Japanese with a refused form re-rendered (422) with the values kept and each problem at its
//! field, the dashboard card of a certificate expiring within 90 days, and who may read.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

fn table<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no {id} in {html}"));
    let end = html[start..].find("</table>").map(|e| start + e).unwrap_or(html.len());
    &html[start..end]
}

async fn certification_audit_contract_and_pages(w: World) {
    let mut a = w.logged_in("admin").await;
    let mut emp = w.logged_in("emp").await;
    let r = emp
        .post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee12"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(emp.get("/api/v1/certification-audits").await.status, StatusCode::FORBIDDEN);
    assert_eq!(emp.get("/certification-audits").await.status, StatusCode::FORBIDDEN);
    assert!(!emp.get("/").await.body.contains("href=\"/certification-audits\""), "not in an employee's menu");

    let r = a.post_json("/api/v1/certification-audits", json!({"kind": "stage9", "starts_on": "2026-13-01"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<String> =
        r.json()["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().into()).collect();
    assert_eq!(fields, ["kind", "body", "lead_auditor", "starts_on"]);

    let r = a
        .post_json(
            "/api/v1/certification-audits",
            json!({"kind": "stage2", "body": "日本品質保証機構", "lead_auditor": "審査 一郎", "auditors": "審査 二郎",
                "starts_on": "2026-02-10", "ends_on": "2026-02-11"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let list = a.get("/api/v1/certification-audits").await.json();
    assert_eq!((list[0]["kind"].as_str(), list[0]["state"].as_str()), (Some("stage2"), Some("planned")));

    let r = a
        .post_json(
            &format!("/api/v1/certification-audits/{id}/findings"),
            json!({"grade": "minor_nc", "text": "復元テストの記録がない", "reference": "JQA-03", "control": "8.13"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ca_id = r.json()["corrective_action_id"].as_str().unwrap().to_string();
    let r = a
        .post_json(
            &format!("/api/v1/certification-audits/{id}/findings"),
            json!({"grade": "opportunity", "text": "教育記録の電子化"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.json()["corrective_action_id"].is_null());
    let r = a.post_json(&format!("/api/v1/certification-audits/{id}/findings"), json!({"grade": "bad"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let one = a.get(&format!("/api/v1/certification-audits/{id}")).await.json();
    assert_eq!(one["findings"].as_array().unwrap().len(), 2);
    assert_eq!(
        (one["findings"][0]["corrective_action_id"].as_str(), one["findings"][0]["corrective_action"].as_str()),
        (Some(ca_id.as_str()), Some("NC-0001"))
    );
    assert_eq!(one["findings"][0]["reference"], "JQA-03");

    // The certificate: 59 days left on the test's day (2026-01-01), on the dashboard.
    let r = a
        .post_json(
            "/api/v1/certificates",
            json!({"number": "IS 123456", "body": "日本品質保証機構", "scope": "本社", "issued_on": "2023-03-02",
                "expires_on": "2026-03-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let certs = a.get("/api/v1/certificates").await.json();
    assert_eq!((certs[0]["days_left"].as_i64(), certs[0]["current"].as_bool()), (Some(59), Some(true)));
    let home = a.get("/").await.body;
    assert!(home.contains("認証登録証 IS 123456 の有効期限は 2026-03-01 です（残り 59 日）。"), "{home}");
    assert!(home.contains("href=\"/certification-audits\""), "in the programme holder's menu");

    // Pages in Japanese, no internal words on the screen.
    let page = a.get(&format!("/certification-audits/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("CA-0001 第二段階審査") && page.body.contains("admin 太郎"), "{}", page.body);
    let findings = table(&page.body, "finding-list");
    assert!(findings.contains("軽微な不適合") && findings.contains("NC-0001") && findings.contains("改善の機会"));
    assert!(!findings.contains(">minor_nc<") && !findings.contains("opportunity"));
    let listing = a.get("/certification-audits").await.body;
    let audits = table(&listing, "certification-audits");
    assert!(
        audits.contains("第二段階審査") && audits.contains("2026-02-10 ～ 2026-02-11") && !audits.contains("stage2")
    );
    assert!(table(&listing, "certificate-list").contains("残り 59 日"));

    // A refused form comes back with the values kept and each problem at its field.
    let csrf = Client::csrf_in(&listing);
    let r = a
        .post_form(
            "/certification-audits",
            &[
                ("csrf", &csrf),
                ("kind", "surveillance"),
                ("body", ""),
                ("lead_auditor", "審査 三郎"),
                ("auditors", ""),
                ("starts_on", "2026-02-30"),
                ("ends_on", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"審査 三郎\"") && r.body.contains("value=\"surveillance\" selected"), "{}", r.body);
    assert!(r.body.contains("必須項目です。") && r.body.contains("日付は YYYY-MM-DD で指定してください。"));
    let r = a
        .post_form(
            &format!("/certification-audits/{id}/findings"),
            &[("csrf", &csrf), ("grade", "major_nc"), ("text", "記録の欠落"), ("control", "9.99"), ("due", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("記録の欠落</textarea>") && r.body.contains("附属書 A にない管理策番号です。"),
        "{}",
        r.body
    );
    // Accepted: back to the audit's page.
    let r = a
        .post_form(
            &format!("/certification-audits/{id}/findings"),
            &[("csrf", &csrf), ("grade", "observation"), ("text", "良好な取り組み"), ("reference", "JQA-04")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = a.post_form(&format!("/certification-audits/{id}/complete"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = a.get(&format!("/certification-audits/{id}")).await.body;
    assert!(page.contains("良好な取り組み") && page.contains("完了"));
}

on_both_engines!(certification_audit_contract_and_pages);
