//! Outsourced development (8.30) over HTTP: the supplier's page shows the plan, the late
//! milestone as 遅延 and the approved re-subcontractor by request number; a progress report
//! recorded on the page, refused first with what was typed kept; the JSON's `development`.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

async fn a_supplier_page_shows_the_plan_and_the_subcontractor(w: World) {
    let org = mamori_app::org::resolve(&w.db, Some("acme")).await.unwrap();
    let u = mamori_app::users::NewUser {
        login_id: "kanri".into(),
        display_name: "管理 次郎".into(),
        email: "kanri@example.jp".into(),
        password: "Initial123".into(),
        roles: vec!["security_manager".into()],
    };
    mamori_app::users::create(&w.db, &mamori_app::Actor::cli(&org.id), u, 0).await.unwrap();
    let mut k = w.logged_in("kanri").await;
    k.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Changed123"})).await;
    let mut a = w.logged_in("admin").await;

    let name = "株式会社サンプルシステム開発";
    let r = k
        .post_json(
            "/api/v1/suppliers",
            json!({"name": name, "kind": "outsourced_development", "services": "販売管理システムの開発", "criticality": "高"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();

    // The request types' reference fields name their register and today's values (issue 15):
    // the supplier just added is a choice of 再委託 and 検収's 委託先, for readers of suppliers.
    let types = k.get("/api/v1/request-types").await.json();
    let sub = types.as_array().unwrap().iter().find(|t| t["key"] == "subcontracting").expect("subcontracting");
    let field = sub["fields"].as_array().unwrap().iter().find(|f| f["key"] == "supplier").unwrap();
    assert_eq!((field["type"].clone(), field["register"].clone()), (json!("reference"), json!("suppliers")));
    assert_eq!(field["choices"], json!([name]), "{field}");
    let mut emp = w.logged_in("emp").await;
    emp.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Changed123"})).await;
    let types = emp.get("/api/v1/request-types").await.json();
    let sub = types.as_array().unwrap().iter().find(|t| t["key"] == "subcontracting").unwrap();
    let field = sub["fields"].as_array().unwrap().iter().find(|f| f["key"] == "supplier").unwrap();
    assert_eq!(field["register"], "suppliers");
    assert_eq!(field["choices"], json!([]), "an employee may not read the suppliers: {field}");
    // The test clock's today is 2026-01-01: 基本設計 was due before it, 総合テスト after.
    for (milestone, on) in [("基本設計", "2025-12-20"), ("総合テスト", "2026-02-27")] {
        let r = k
            .post_json(
                "/api/v1/registers/development_plan/rows",
                json!({"values": {"supplier": name, "milestone": milestone, "planned_on": on}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }

    // A report recorded on the page: refused first (a figure out of range) with what was typed kept.
    let page = format!("/suppliers/{id}");
    let p = k.get(&page).await;
    assert!(p.body.contains("id=\"progress-form\""), "{}", p.body);
    let csrf = Client::csrf_in(&p.body);
    let form = |progress: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("reported_on", "2025-12-26".to_string()),
            ("reporter", "開発 太郎（PM）".to_string()),
            ("milestone-0", "基本設計".to_string()),
            ("progress-0", progress.to_string()),
            ("milestone-1", "総合テスト".to_string()),
            ("progress-1", String::new()),
            ("issues", "顧客レビューの指摘対応で遅延".to_string()),
        ]
    };
    let pairs = |v: &[(&'static str, String)]| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let bad = pairs(&form("150"));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = k.post_form(&format!("{page}/progress"), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("範囲外の値です") && r.body.contains("value=\"150\""), "{}", r.body);
    assert!(r.body.contains("顧客レビューの指摘対応で遅延</textarea>"), "typed values are kept");
    let good = pairs(&form("60"));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = k.post_form(&format!("{page}/progress"), &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Re-subcontracting requested by the security manager, approved by 経営責任者.
    let r = k
        .post_json(
            "/api/v1/requests",
            json!({"type": "subcontracting", "fields": {"supplier": name, "subcontractor": "有限会社テスト工房",
                "scope": "結合テストの実施", "information": "匿名化したテストデータ", "security": "秘密保持契約の締結"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rid = r.json()["id"].as_str().unwrap().to_string();
    let number = r.json()["number"].as_str().unwrap().to_string();
    let own = k.post_json(&format!("/api/v1/requests/{rid}/transitions"), json!({"action": "approve"})).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "the requester never approves");
    let ok = a.post_json(&format!("/api/v1/requests/{rid}/transitions"), json!({"action": "approve"})).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);

    let p = a.get(&page).await;
    assert_eq!(p.status, StatusCode::OK);
    let plan = &p.body[p.body.find("id=\"development-plan\"").expect("the plan")..];
    let row = |m: &str| {
        let at = plan.find(m).unwrap_or_else(|| panic!("{m}"));
        plan[at..plan[at..].find("</tr>").map(|e| at + e).unwrap()].to_string()
    };
    assert!(row("基本設計").contains("2025-12-20") && row("基本設計").contains("60%"));
    assert!(row("基本設計").contains("遅延"), "{}", row("基本設計"));
    assert!(!row("総合テスト").contains("遅延") && row("総合テスト").contains("未報告"));
    assert!(p.body.contains("開発 太郎（PM）"), "the reporter is shown");
    let subs = &p.body[p.body.find("id=\"development-resubcontracting\"").expect("the subcontractors")..];
    assert!(subs.contains("有限会社テスト工房") && subs.contains("承認済み"));
    assert!(subs.contains(&format!("<a href=\"/requests/{rid}\">{number}</a>")), "named by number");
    assert!(!p.body.contains(">approved<") && !p.body.contains(">late<"), "no internals on the page");
    assert!(p.body.contains("/requests/new/acceptance?supplier=%E6%A0%AA"), "the forms come with the supplier");
    let f = a.get(&format!("/requests/new/subcontracting?supplier={}", "%E6%A0%AA%E5%BC%8F")).await;
    assert!(f.body.contains("value=\"株式\""), "prefilled");

    let j = a.get(&format!("/api/v1/suppliers/{id}")).await.json();
    assert_eq!(j["name"], name, "existing fields kept");
    assert_eq!(j["development"]["milestones"][0]["late"], true);
    assert_eq!(j["development"]["milestones"][1]["late"], false);
    assert_eq!(j["development"]["resubcontracting"][0]["number"], number.as_str());
    assert_eq!(j["development"]["resubcontracting"][0]["state"], "approved");
}

on_both_engines!(a_supplier_page_shows_the_plan_and_the_subcontractor);
