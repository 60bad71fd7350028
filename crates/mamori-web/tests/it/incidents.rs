//! Incident pages and API: an employee reports, 経営責任者 assesses and takes in evidence, and
//! the reporter cannot read the evidence.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

async fn reporter_cannot_read_evidence(w: World) {
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    let form = e.get("/incidents/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let r = e
        .post_form(
            "/incidents",
            &[
                ("csrf", &Client::csrf_in(&form.body)),
                ("title", "ノート PC の紛失"),
                ("occurred_at", "2026-01-05 19:00"),
                ("description", "帰宅途中の電車内でノート PC を置き忘れた"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r.location().trim_start_matches("/incidents/").to_string();

    let mut a = w.logged_in("admin").await;
    let dash = a.get("/").await;
    assert!(dash.body.contains("判断待ちの報告 1 件"), "{}", dash.body);
    let page = a.get(&format!("/incidents/{id}")).await;
    assert!(page.body.contains("id=\"assess\""));
    let csrf = Client::csrf_in(&page.body);
    let r = a
        .post_form(
            &format!("/incidents/{id}/assess"),
            &[("csrf", &csrf), ("decision", "incident"), ("variant", "internal"), ("reason", "個人情報を含む可能性")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let b = "----mamori-inc";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n遺失届の控え\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ishitsu.txt\"\r\n\r\n遺失届 受理番号 123\r\n--{b}--\r\n"
    );
    let r = a
        .send("POST", &format!("/incidents/{id}/evidence"), Some(&format!("multipart/form-data; boundary={b}")), body)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = a.get(&format!("/incidents/{id}")).await;
    assert!(page.body.contains("id=\"incident-evidence\""));
    assert!(page.body.contains("遺失届の控え"));
    assert!(page.body.contains("inc-legal-advice") || page.body.contains("弁護士"));

    // The reporter sees the assessment but not the evidence.
    let mine = e.get(&format!("/incidents/{id}")).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("個人情報を含む可能性"));
    assert!(!mine.body.contains("incident-evidence"));
    assert!(!mine.body.contains("遺失届の控え"));
    assert_eq!(e.get(&format!("/api/v1/incidents/{id}/evidence")).await.status, StatusCode::FORBIDDEN);
    let api = e.get(&format!("/api/v1/incidents/{id}")).await.json();
    assert!(api["evidence"].is_null());
    let items = a.get(&format!("/api/v1/incidents/{id}/evidence")).await.json();
    assert_eq!(items.as_array().unwrap().len(), 1);
    let sha = items[0]["sha256"].as_str().unwrap().to_string();
    assert_eq!(a.get(&format!("/evidence/{sha}")).await.status, StatusCode::OK);
    assert_eq!(
        e.get(&format!("/evidence/{sha}")).await.status,
        StatusCode::NOT_FOUND,
        "the file itself is restricted too (not found: no existence oracle)"
    );

    // A corrective action raised from the incident is a nonconformity naming it by number; the
    // timeline names the nonconformity, never an internal path.
    let page = a.get(&format!("/incidents/{id}")).await;
    let csrf = Client::csrf_in(&page.body);
    let r = a
        .post_form(&format!("/incidents/{id}/corrective"), &[("csrf", &csrf), ("due", "2026-03-31"), ("owner_id", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = a.get(&format!("/incidents/{id}")).await;
    assert!(page.body.contains("NC-0001") && !page.body.contains("corrective_actions/"), "{}", page.body);
    let i = page.body.find("href=\"/nonconformities/").expect("the incident links its nonconformity") + 6;
    let nc_page = page.body[i..].split('"').next().unwrap().to_string();
    let nc = a.get(&nc_page).await;
    assert!(nc.body.contains("インシデント INC-0001"), "the nonconformity names its incident: {}", nc.body);
    assert!(nc.body.contains("href=\"/incidents/"));
}

on_both_engines!(reporter_cannot_read_evidence);
