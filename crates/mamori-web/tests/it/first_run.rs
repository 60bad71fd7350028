//! The first run's checklist on the dashboard (issue 15, item 1): shown to whoever sets mamori
//! up until every step is done or it is closed; each step follows the records.

use crate::client::{Client, T0, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_app::{Actor, duties, org, regulation};

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

async fn emp_signed_in(w: &World) -> Client {
    let mut emp = w.logged_in("emp").await;
    let r = emp
        .post_json(
            "/api/v1/me/password",
            serde_json::json!({"current_password": "Initial123", "new_password": "Employee99"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    emp
}

async fn the_dashboard_guides_the_first_run_until_closed(w: World) {
    let mut a = w.logged_in("admin").await;
    let home = a.get("/").await;
    assert!(home.body.contains("id=\"first-run\""), "{}", home.body);
    assert!(home.body.contains("0 / 5 完了"), "{}", home.body);
    assert!(home.body.contains("<li id=\"first-run-regulation\" class=\"todo next\">"), "{}", home.body);
    assert!(!home.body.contains("first-run-mark-catalogue"), "nothing to review before the regulation");
    let emp = &mut emp_signed_in(&w).await;
    assert!(!emp.get("/").await.body.contains("id=\"first-run\""), "not for those who do not set up");
    assert_eq!(emp.get("/api/v1/first-run").await.status, StatusCode::FORBIDDEN);

    // The regulation imported and its duties offered: the next step counts what is left.
    let o = org::resolve(&w.db, Some("acme")).await.unwrap();
    let cli = Actor::cli(&o.id);
    regulation::import_text(&w.db, &cli, "seed.txt", SEED, T0).await.unwrap();
    let offered = duties::offer_from_regulation(&w.db, &cli, jiff::civil::date(2026, 1, 1), T0).await.unwrap();
    let home = a.get("/").await;
    assert!(home.body.contains("1 / 5 完了"), "{}", home.body);
    assert!(home.body.contains(&format!("確定していない定期業務が {offered} 件あります。")), "{}", home.body);
    assert!(home.body.contains("<li id=\"first-run-duties\" class=\"todo next\">"), "{}", home.body);
    let api = a.get("/api/v1/first-run").await.json();
    assert_eq!(api["next"], "duties");
    assert_eq!(api["steps"][1]["left"], offered);

    // The review of registers and request types is marked from the page.
    let csrf = Client::csrf_in(&home.body);
    let r = a.post_form("/first-run/catalogue", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let home = a.get(r.location()).await;
    assert!(home.body.contains("台帳と申請の種類を確認済みにしました。"), "{}", home.body);
    assert!(home.body.contains("<li id=\"first-run-catalogue\" class=\"done\">"), "{}", home.body);
    assert!(a.post_form("/first-run/catalogue", &[]).await.status.is_client_error(), "CSRF kept");

    // Closed by hand: gone from the dashboard, still readable through the API.
    let csrf = Client::csrf_in(&home.body);
    let r = a.post_form("/first-run/dismissed", &[("csrf", &csrf)]).await;
    let home = a.get(r.location()).await;
    assert!(home.body.contains("「はじめに行うこと」の案内を閉じました。"), "{}", home.body);
    assert!(!home.body.contains("id=\"first-run\""), "{}", home.body);
    let api = a.get("/api/v1/first-run").await.json();
    assert_eq!((api["dismissed"].clone(), api["shown"].clone()), (true.into(), false.into()));
    let r = a.post_json("/api/v1/first-run/soa", serde_json::json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

on_both_engines!(the_dashboard_guides_the_first_run_until_closed);
