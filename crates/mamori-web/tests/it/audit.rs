//! The audit page and its CSV export show the newest signed checkpoint and the result of
//! verifying it, in Japanese (issue 14).

use crate::client::{T0, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_app::audit::{self, Entry, SigningKey};
use mamori_app::{Actor, org};
use mamori_domain::audit::AuditAction;
use mamori_store::{exec, rows};
use mamori_web::{AppState, WebConfig, router};
use std::sync::Arc;

async fn the_audit_page_and_export_show_the_latest_checkpoint(w: World) {
    let dir = std::env::temp_dir().join(format!("mamori-web-key-{}-{}", std::process::id(), mamori_app::new_id()));
    let key_path = dir.join(audit::KEY_FILE_NAME);
    let key: SigningKey = audit::load_or_create_key(&key_path).unwrap();
    let app = router(AppState::with_clock(
        w.db.clone(),
        WebConfig { audit_key_file: Some(key_path.clone()), ..WebConfig::default() },
        Arc::new(|| T0 + 5_000),
    ));
    let mut a = w.logged_in("admin").await;
    a.app = app.clone();
    let org_id = org::resolve(&w.db, Some("acme")).await.unwrap().id;

    let page = a.get("/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("署名付きチェックポイントはまだありません。"), "{}", page.body);

    // A value a spreadsheet would run as a formula, then a checkpoint over the head.
    let cli = Actor { label: "=HYPERLINK(\"http://evil\")".into(), ..Actor::cli(&org_id) };
    let mut tx = w.db.begin().await.unwrap();
    audit::append(&mut tx, Entry::by(&cli, AuditAction::Update, "setting", None, None, None), T0 + 10).await.unwrap();
    tx.commit().await.unwrap();
    let head = {
        let mut c = w.db.conn().await.unwrap();
        rows::count_audit(&mut c.ex(), &org_id).await.unwrap()
    };
    audit::checkpoint_org(&w.db, &org_id, &key, T0 + 60_000).await.unwrap();
    let short: String = key.key_id().chars().take(8).collect();
    let summary = format!("2026-01-01 09:01:00（日本時間）に第 {head} 件までの記録へ電子署名しました（鍵 {short}）。");

    let page = a.get("/audit").await;
    assert!(page.body.contains(&summary), "{}", page.body);
    assert!(page.body.contains("署名を検証しました。有効です。"), "{}", page.body);
    assert!(!page.body.contains(&key.key_id()), "only the short fingerprint is shown");

    let csv = a.get("/audit/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.body.starts_with("\u{feff}監査ログ（アクメ株式会社）\r\n"), "{}", csv.body);
    assert!(csv.body.contains(&format!("最新の署名付きチェックポイント: {summary}")), "{}", csv.body);
    assert!(csv.body.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""), "formula neutralised: {}", csv.body);
    assert!(csv.body.contains(&format!("改ざん検知: {head} 件の記録のハッシュチェーンは正常です。")), "{}", csv.body);

    // The API gives the same checkpoint.
    let api = a.get("/api/v1/audit").await.json();
    assert_eq!(api["checkpoint"]["seq"], head);
    assert_eq!(api["checkpoint"]["ok"], true);

    // The newest rows deleted: the page says from which entry on, in Japanese.
    {
        let mut c = w.db.conn().await.unwrap();
        exec!(&mut c.ex(), "DELETE FROM audit_log WHERE org_id = $1 AND seq > 2", &org_id).unwrap();
    }
    let page = a.get("/audit").await;
    assert!(
        page.body.contains(&format!("第 3 件以降の記録が削除されています（署名済みの第 {head} 件まであるはずです）")),
        "{}",
        page.body
    );
    assert!(page.body.contains("署名の検証に失敗しました"), "{}", page.body);
    let api = a.get("/api/v1/audit").await.json();
    assert_eq!(
        (api["chain"]["ok"].clone(), api["chain"]["code"].clone(), api["chain"]["seq"].clone()),
        (false.into(), "truncated".into(), 3.into())
    );

    // The export keeps the page's permission: an employee may not download it.
    let mut emp = w.logged_in("emp").await;
    let r = emp
        .post_json(
            "/api/v1/me/password",
            serde_json::json!({"current_password": "Initial123", "new_password": "Employee99"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    emp.app = app;
    assert_eq!(emp.get("/audit/export.csv").await.status, StatusCode::FORBIDDEN);
    let _ = std::fs::remove_dir_all(&dir);
}

on_both_engines!(the_audit_page_and_export_show_the_latest_checkpoint);

/// The log narrowed by who, what, which record and when (issue 15, item 6): the page, both
/// exports and the API keep to the filter; a filter that cannot be read comes back in place.
async fn the_audit_log_is_filtered_and_exported_as_people_read_it(w: World) {
    let mut a = w.logged_in("admin").await;
    let all = a.get("/api/v1/audit?limit=500").await.json();
    let total = all["total"].as_i64().unwrap();
    let items = all["items"].as_array().unwrap();
    let users = items.iter().filter(|i| i["object_type"] == "user").count();
    assert!(users >= 2 && (users as i64) < total, "{users} of {total}");

    // By kind: the page counts, the API and both exports keep to it.
    let page = a.get("/audit?kind=user").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("条件に合う記録: {users} 件")), "{}", page.body);
    assert!(page.body.contains("<option value=\"user\" selected>"), "the choice is kept: {}", page.body);
    assert_eq!(a.get("/api/v1/audit?kind=user").await.json()["total"], users);
    let csv = a.get("/audit/export.csv?kind=user").await;
    assert_eq!(csv.status, StatusCode::OK);
    let data_lines = csv.body.lines().skip_while(|l| !l.starts_with("番号,")).skip(1).take_while(|l| !l.is_empty());
    assert_eq!(data_lines.filter(|l| l.as_bytes()[0].is_ascii_digit()).count(), users, "{}", csv.body);
    let xlsx = a.get("/audit/export.xlsx?kind=user").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.headers["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert!(xlsx.bytes.starts_with(b"PK\x03\x04"));

    // When: every row of the world was written on 2026-01-01 (JST).
    assert_eq!(a.get("/api/v1/audit?from=2026-01-01&to=2026/1/1").await.json()["total"], total);
    let later = a.get("/audit?from=2026-01-02").await;
    assert!(later.body.contains("条件に合う記録: 0 件"), "{}", later.body);
    assert!(later.body.contains("条件に合う記録はありません。"), "{}", later.body);

    // One record's history, from the link on its row.
    let admin_id =
        items.iter().find(|i| i["object_type"] == "user").unwrap()["object_id"].as_str().unwrap().to_string();
    let link = format!("/audit?kind=user&#38;record={admin_id}");
    assert!(page.body.contains(&link), "each row links to its record's history: {}", page.body);
    let history = a.get(&link.replace("&#38;", "&")).await;
    assert!(history.body.contains("の変更履歴だけを表示しています。"), "{}", history.body);
    let by_record = a.get(&format!("/api/v1/audit?record={admin_id}")).await.json();
    assert!(by_record["items"].as_array().unwrap().iter().all(|i| i["object_id"] == admin_id.as_str()));

    // A filter that cannot be read: 422 on the page, every problem at its field, values kept.
    let bad = a.get("/audit?from=2026-13-01&to=2026-01-01&kind=user").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("data-field=\"from\">日付（YYYY-MM-DD）で入力してください。"), "{}", bad.body);
    assert!(bad.body.contains("value=\"2026-13-01\""), "the value typed is kept: {}", bad.body);
    let order = a.get("/audit?from=2026-01-02&to=2026-01-01").await;
    assert_eq!(order.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(order.body.contains("data-field=\"to\">終了日は開始日と同じか"), "{}", order.body);
    let export = a.get("/audit/export.csv?from=2026-01-02&to=2026-01-01").await;
    assert_eq!(export.status, StatusCode::UNPROCESSABLE_ENTITY, "the export comes back on the page");
    assert!(export.body.contains("id=\"audit-filter\""));
    let api = a.get("/api/v1/audit?from=someday").await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api.body);
}

on_both_engines!(the_audit_log_is_filtered_and_exported_as_people_read_it);
