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
