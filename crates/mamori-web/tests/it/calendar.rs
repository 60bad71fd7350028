//! The private iCalendar feed: valid RFC 5545 (read back with the independent `ical` parser),
//! only the person's duties, and a rotated token stops the old URL.

use crate::client::World;
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

async fn feed_is_valid_private_and_rotatable(w: World) {
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
    let r = a.post_json("/api/v1/duties/offer", json!({})).await;
    assert_eq!(r.json()["added"], 43);
    let r = a.post_json("/api/v1/duties/confirm", json!({"from": "2025-04-01"})).await;
    assert_eq!(r.json()["confirmed"], 43, "{}", r.body);
    let r = a.post_json("/api/v1/me/calendar", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let path = r.json()["path"].as_str().unwrap().to_string();
    assert!(path.starts_with("/calendar/") && path.ends_with(".ics"));

    let mut anonymous = w.client();
    let feed = anonymous.get(&path).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(feed.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/calendar"));
    let cal = ical::IcalParser::new(feed.body.as_bytes()).next().expect("one calendar").expect("valid iCalendar");
    assert!(cal.properties.iter().any(|p| p.name == "PRODID"));
    // The administrator holds 経営責任者 and システム管理者: their duties only.
    assert!(cal.events.len() >= 5, "{} events", cal.events.len());
    let prop = |e: &ical::parser::ical::component::IcalEvent, n: &str| {
        e.properties.iter().find(|p| p.name == n).and_then(|p| p.value.clone()).unwrap_or_default()
    };
    let access =
        cal.events.iter().find(|e| prop(e, "SUMMARY").contains("アクセス権の見直し")).expect("the 5.18 review");
    assert_eq!(prop(access, "DTSTART"), "20260331");
    assert_eq!(prop(access, "DTEND"), "20260401");
    assert!(prop(access, "SUMMARY").starts_with("［5.18］"));
    assert!(
        !cal.events.iter().any(|e| prop(e, "SUMMARY").contains("ハードディスクの容量")),
        "情報セキュリティ管理者's duty is not the administrator's"
    );
    for e in &cal.events {
        let names: Vec<&str> = e.properties.iter().map(|p| p.name.as_str()).collect();
        for n in ["UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"] {
            assert!(names.contains(&n), "{n}");
        }
    }

    // Rotation: the old URL stops working.
    let r = a.post_json("/api/v1/me/calendar", json!({})).await;
    let new_path = r.json()["path"].as_str().unwrap().to_string();
    assert_ne!(new_path, path);
    assert_eq!(anonymous.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(anonymous.get(&new_path).await.status, StatusCode::OK);
    assert_eq!(anonymous.get("/calendar/nope.ics").await.status, StatusCode::NOT_FOUND);
}

/// A locked account's calendar feed stops with its sessions, and works again once unlocked.
async fn a_locked_accounts_feed_stops(w: World) {
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    let token = e.get("/api/v1/me").await.json()["csrf_token"].as_str().unwrap().to_string();
    e.headers.push(("x-csrf-token".into(), token));
    let path = e.post_json("/api/v1/me/calendar", json!({})).await.json()["path"].as_str().unwrap().to_string();
    let mut anonymous = w.client();
    assert_eq!(anonymous.get(&path).await.status, StatusCode::OK);
    for i in 0..3 {
        anonymous.post_json("/api/v1/session", json!({"login_id": "emp", "password": format!("wrong{i}")})).await;
    }
    assert_eq!(anonymous.get(&path).await.status, StatusCode::NOT_FOUND, "locked: the feed stops");
    let mut a = w.logged_in("admin").await;
    let token = a.get("/api/v1/me").await.json()["csrf_token"].as_str().unwrap().to_string();
    a.headers.push(("x-csrf-token".into(), token));
    assert_eq!(a.post_json("/api/v1/users/emp/unlock", json!({})).await.status, StatusCode::OK);
    assert_eq!(anonymous.get(&path).await.status, StatusCode::OK, "unlocked: it works again");
}

on_both_engines!(feed_is_valid_private_and_rotatable, a_locked_accounts_feed_stops);
