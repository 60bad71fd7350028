//! The device self-check page: a custodian sees and answers for their own devices only; a
//! refused answer (no confirmation) comes back with 422, the boxes as ticked; someone else's
//! device is not found; the overview is for the register's readers.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_app::{Actor, registers};
use serde_json::json;

const T0: i64 = 1_767_225_600_000;

fn multipart(b: &str, parts: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (k, v) in parts {
        body.push_str(&format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"));
    }
    body.push_str(&format!("--{b}--\r\n"));
    body
}

async fn a_custodian_attests_from_the_page(w: World) {
    let org = mamori_app::org::resolve(&w.db, Some("acme")).await.unwrap();
    let cli = Actor::cli(&org.id);
    let row = |id: &str, kind: &str, who: &str| {
        json!({"device_id": id, "kind": kind, "custodian": who}).as_object().cloned().unwrap()
    };
    let mine = registers::create(&w.db, &cli, "devices", &row("PC-07", "ノート PC", "emp"), None, T0).await.unwrap();
    let other =
        registers::create(&w.db, &cli, "devices", &row("SP-01", "スマートフォン", "admin"), None, T0).await.unwrap();

    let mut emp = w.logged_in("emp").await;
    emp.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    let page = emp.get("/devices/attest").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("PC-07") && !page.body.contains("SP-01"), "only my devices");
    assert!(page.body.contains("ウイルス対策ソフトが有効ですか"), "the checklist in Japanese");
    assert!(!page.body.contains("紛失時にリモートでロック"), "a laptop is not asked about remote lock");
    assert!(page.body.contains("未点検"));
    assert!(!page.body.contains("href=\"/devices\""), "the overview is not the employee's");
    let menu = emp.get("/").await;
    assert!(menu.body.contains("href=\"/devices/attest\""), "linked from the menu");
    let csrf = Client::csrf_in(&page.body);
    let b = "----mamori-device";
    let ct = format!("multipart/form-data; boundary={b}");

    // No confirmation: refused at its field, the ticked boxes kept, nothing written.
    let sent = multipart(b, &[("csrf", &csrf), ("check", "encryption"), ("check", "antivirus")]);
    let r = emp.send("POST", &format!("/devices/attest/{}", mine.id), Some(&ct), sent).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("回答が事実であることの確認に印を付けてください"), "{}", r.body);
    assert!(r.body.contains("value=\"encryption\" checked") && r.body.contains("value=\"antivirus\" checked"));
    assert!(r.body.contains("value=\"screen_lock\">"), "an unticked box stays unticked");
    let kept = registers::get(&w.db, &cli, "devices", &mine.id).await.unwrap();
    assert_eq!(kept.version, 1);

    // Someone else's device: not found, however it is sent.
    let all = [("csrf", csrf.as_str()), ("check", "encryption"), ("confirm", "1")];
    let r = emp.send("POST", &format!("/devices/attest/{}", other.id), Some(&ct), multipart(b, &all)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = emp.send("POST", &format!("/devices/attest/{}", other.id), Some(&ct), multipart(b, &all[..2])).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(registers::get(&w.db, &cli, "devices", &other.id).await.unwrap().version, 1);

    // Confirmed: written, the page says so.
    let r = emp.send("POST", &format!("/devices/attest/{}", mine.id), Some(&ct), multipart(b, &all)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let done = registers::get(&w.db, &cli, "devices", &mine.id).await.unwrap();
    assert_eq!(
        (done.version, done.values["encryption"].clone(), done.values["antivirus"].clone()),
        (2, json!(true), json!(false))
    );
    let page = emp.get("/devices/attest?done=attested").await;
    assert!(page.body.contains("自己点検の結果を記録しました") && page.body.contains("点検済み"));
    assert_eq!(emp.get("/devices").await.status, StatusCode::NOT_FOUND, "the overview is the register readers'");

    // The overview: by name, what is lacking, the unchecked phone flagged.
    let mut admin = w.logged_in("admin").await;
    let page = admin.get("/devices").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("emp 太郎") && page.body.contains("admin 太郎"), "people by name");
    assert!(page.body.contains("画面ロック（5 分以内）"), "what the laptop lacks, by its label");
    assert!(page.body.contains("要点検"));
    for leak in ["screen_lock", "remote_lock", &mine.id] {
        assert!(!page.body.contains(leak), "{leak} leaks into the page");
    }
}
on_both_engines!(a_custodian_attests_from_the_page);
