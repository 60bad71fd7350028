//! Duty pages and API: my duties, completing with an evidence file through the page form, the
//! heat map, the decision list, adding a duty by hand, and what an employee may not do.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

async fn with_duties(w: &World) -> Client {
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
    assert_eq!(a.post_json("/api/v1/duties/offer", json!({})).await.json()["added"], 43);
    // Confirmed from the fiscal year's start, so the year's duties so far are on record.
    let r = a.post_json("/api/v1/duties/confirm", json!({"from": "2025-04-01"})).await;
    assert_eq!(r.json()["confirmed"], 43, "{}", r.body);
    a
}

async fn duties_are_operated_from_the_pages(w: World) {
    let mut a = with_duties(&w).await;
    // Today is 2026-01-01 (fiscal year 2025): monthly duties since April are overdue.
    let list = a.get("/api/v1/duties").await.json();
    let backup = list
        .as_array()
        .unwrap()
        .iter()
        // A monthly duty completed with a note (8.13's backup asks for a row of バックアップ記録).
        .find(|d| d["frequency"] == "monthly" && d["evidence"] == "note")
        .expect("a monthly duty with a note")
        .clone();
    let backup_id = backup["id"].as_str().unwrap().to_string();
    assert_eq!(backup["next_due"], "2026-01-31");

    let page = a.get("/duties?scope=all").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("未実施（期限超過）"), "overdue items are flagged");
    assert!(page.body.contains("id=\"overdue-count\""));

    let occ = a.get("/api/v1/duties/occurrences?from=2025-04-01&to=2025-04-30").await.json();
    let april = occ.as_array().unwrap().iter().find(|o| o["duty_id"] == backup_id.as_str()).unwrap().clone();
    assert_eq!(april["state"], "overdue");
    let occ_id = april["id"].as_str().unwrap().to_string();

    // Complete it through the page form with an evidence file (multipart).
    let page = a.get(&format!("/duties/occurrences/{occ_id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"complete-form\""));
    let csrf = Client::csrf_in(&page.body);
    let b = "----mamori-duty";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nNAS へ取得、復元テスト済み\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"backup-2025-04.txt\"\r\nContent-Type: text/plain\r\n\r\nbackup ok 2025-04-30\r\n\
         --{b}--\r\n"
    );
    // A day done in the future is refused on the occurrence's own page, the note kept.
    let future = body.replacen(
        &format!("--{b}\r\nContent-Disposition: form-data; name=\"note\""),
        &format!("--{b}\r\nContent-Disposition: form-data; name=\"done_on\"\r\n\r\n2099-01-01\r\n--{b}\r\nContent-Disposition: form-data; name=\"note\""),
        1,
    );
    let r = a
        .send(
            "POST",
            &format!("/duties/occurrences/{occ_id}/complete"),
            Some(&format!("multipart/form-data; boundary={b}")),
            future,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("未来の日付は指定できません"), "{}", r.body);
    assert!(r.body.contains(">NAS へ取得、復元テスト済み</textarea>"), "the note typed is kept");
    assert!(r.body.contains("id=\"complete-form\""), "still open, its own page");
    // A future day and no evidence at all: both problems at once, each at its field.
    let nothing = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"done_on\"\r\n\r\n2099-01-01\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n\r\n--{b}--\r\n"
    );
    let r = a
        .send(
            "POST",
            &format!("/duties/occurrences/{occ_id}/complete"),
            Some(&format!("multipart/form-data; boundary={b}")),
            nothing,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body.matches("class=\"field-error\"").count(), 2, "{}", r.body);
    assert!(r.body.contains("未来の日付は指定できません") && r.body.contains("証跡が必要です"));
    assert!(r.body.contains("value=\"2099-01-01\""), "the day typed is kept");
    let r = a
        .send(
            "POST",
            &format!("/duties/occurrences/{occ_id}/complete"),
            Some(&format!("multipart/form-data; boundary={b}")),
            body.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let done = a.get(&format!("/duties/occurrences/{occ_id}")).await;
    assert!(done.body.contains("遅れて完了"), "completed after its due date");
    assert!(done.body.contains("id=\"occ-evidence\""));
    assert!(done.body.contains("NAS へ取得"));
    // Who recorded it is named by their display name, not their login ID.
    assert!(done.body.contains("<dd>admin 太郎</dd>"), "{}", done.body);
    assert!(!done.body.contains("<dd>admin</dd>"), "no login ID as the recorder");
    let occ = a.get("/api/v1/duties/occurrences?from=2025-04-01&to=2025-04-30").await.json();
    let april = occ.as_array().unwrap().iter().find(|o| o["id"] == occ_id.as_str()).unwrap().clone();
    assert_eq!((april["done_by"].as_str(), april["done_by_name"].as_str()), (Some("admin"), Some("admin 太郎")));
    // Completing twice is a conflict; the history keeps one record.
    let r = a
        .send(
            "POST",
            &format!("/duties/occurrences/{occ_id}/complete"),
            Some(&format!("multipart/form-data; boundary={b}")),
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // A wrong CSRF token stores nothing.
    let forged = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nforged\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.txt\"\r\n\r\nx\r\n--{b}--\r\n"
    );
    let r = a
        .send(
            "POST",
            &format!("/duties/occurrences/{occ_id}/complete"),
            Some(&format!("multipart/form-data; boundary={b}")),
            forged,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Skipping needs a reason.
    let may = a.get("/api/v1/duties/occurrences?from=2025-05-01&to=2025-05-31").await.json();
    let may_id = may.as_array().unwrap().iter().find(|o| o["duty_id"] == backup_id.as_str()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = a.get("/api/v1/me").await.json()["csrf_token"].as_str().unwrap().to_string();
    a.headers.push(("x-csrf-token".into(), token));
    let r = a.post_json(&format!("/api/v1/duties/occurrences/{may_id}/skip"), json!({"reason": " "})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = a
        .post_json(&format!("/api/v1/duties/occurrences/{may_id}/skip"), json!({"reason": "NAS 故障のため翌月に実施"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The heat map: April done late, May skipped, June–December missed, January on.
    let h = a.get("/api/v1/duties/heatmap?fy=2025").await.json();
    assert_eq!(h["months"][0], json!([2025, 4]));
    assert_eq!(h["months"][11], json!([2026, 3]));
    let row = h["rows"].as_array().unwrap().iter().find(|r| r["duty_id"] == backup_id.as_str()).unwrap();
    let states: Vec<&str> = row["cells"].as_array().unwrap().iter().map(|c| c["state"].as_str().unwrap()).collect();
    assert_eq!(
        states,
        [
            "done_late",
            "skipped",
            "missed",
            "missed",
            "missed",
            "missed",
            "missed",
            "missed",
            "missed",
            "not_yet_due",
            "not_yet_due",
            "not_yet_due"
        ]
    );
    let page = a.get("/duties/heatmap?fy=2025").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("data-duty=\"{backup_id}\"")));
    assert!(page.body.contains("data-state=\"done_late\""));
    assert!(page.body.contains("2025 年度"));

    // The history of the duty shows what was done and skipped.
    let hist = a.get(&format!("/duties/{backup_id}")).await;
    assert!(hist.body.contains("NAS 故障のため翌月に実施"));
    assert!(hist.body.contains("<td>admin 太郎</td>"), "the history names the recorder: {}", hist.body);
    assert!(hist.body.contains("id=\"duty-form\""));
}

async fn decisions_and_duties_by_hand(w: World) {
    let mut a = with_duties(&w).await;
    let page = a.get("/duties/decisions").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches("class=\"panel decision\"").count(), 6);
    let csrf = Client::csrf_in(&page.body);
    let first = page.body.split("id=\"decide-").nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = a
        .post_form(
            &format!("/duties/{first}"),
            &[
                ("csrf", &csrf),
                ("decision", "event"),
                ("anchor", "at_change"),
                ("frequency", "annual"),
                ("back", "/duties/decisions"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/duties/decisions");
    assert_eq!(a.get("/duties/decisions").await.body.matches("class=\"panel decision\"").count(), 5);
    // Another one gets an interval and starts producing occurrences.
    let page = a.get("/duties/decisions").await;
    let second = page.body.split("id=\"decide-").nth(1).unwrap().split('"').next().unwrap().to_string();
    a.post_form(
        &format!("/duties/{second}"),
        &[
            ("csrf", &csrf),
            ("decision", "scheduled"),
            ("frequency", "quarterly"),
            ("day", "31"),
            ("month", "6"),
            ("fiscal_year_start", "4"),
        ],
    )
    .await;
    let d = a.get("/api/v1/duties").await.json();
    let decided = d.as_array().unwrap().iter().find(|x| x["id"] == second.as_str()).unwrap();
    assert_eq!((decided["decision"].as_str(), decided["frequency"].as_str()), (Some("scheduled"), Some("quarterly")));
    assert_eq!(decided["next_due"], "2026-03-31");

    // A duty by hand, owned by the employee role.
    let all = a.get("/duties/all").await;
    assert!(all.body.contains("id=\"duty-form\""));
    let r = a
        .post_form(
            "/duties",
            &[
                ("csrf", &csrf),
                ("full", "1"),
                ("title", "入退室記録の確認"),
                ("control", "7.2"),
                ("decision", "scheduled"),
                ("frequency", "weekly"),
                ("day", "5"),
                ("month", "3"),
                ("fiscal_year_start", "4"),
                ("owner_role", "employee"),
                ("evidence", "none"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r.location().trim_start_matches("/duties/").to_string();
    let by_role = a.get("/duties/all?by=role").await;
    assert!(by_role.body.contains("入退室記録の確認"));

    // The employee sees it among their duties (due Friday 2026-01-02) and may complete it,
    // but may not add duties or see the mail outbox.
    let mut e = w.logged_in("emp").await;
    let r = e
        .post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let mine = e.get("/duties").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("入退室記録の確認"), "{}", mine.body);
    assert!(!mine.body.contains("/admin/mail"), "the menu hides the outbox");
    assert_eq!(e.get("/admin/mail").await.status, StatusCode::FORBIDDEN);
    let ecsrf = Client::csrf_in(&mine.body);
    assert_eq!(e.post_form("/duties", &[("csrf", &ecsrf), ("title", "x")]).await.status, StatusCode::FORBIDDEN);
    let occ = e.get("/api/v1/duties/occurrences?from=2026-01-01&to=2026-01-09").await.json();
    let friday = occ.as_array().unwrap().iter().find(|o| o["duty_id"] == id.as_str()).unwrap();
    assert_eq!(friday["due"], "2026-01-02");
    // Someone else's duty is refused: an open occurrence of a duty the employee role does not
    // own (the administrator's list has them; the employee's own list does not).
    let all_occ = a.get("/api/v1/duties/occurrences?from=2026-01-01&to=2026-12-31").await.json();
    let duties_list = a.get("/api/v1/duties").await.json();
    let not_employees: Vec<&str> = duties_list
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["owner_role"] != "employee" && d["assignee_id"].is_null())
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    let other = all_occ
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["state"] == "open" && not_employees.contains(&o["duty_id"].as_str().unwrap()))
        .map(|o| o["id"].as_str().unwrap().to_string())
        .expect("an open occurrence of a duty owned by another role");
    assert!(occ.as_array().unwrap().iter().all(|o| o["id"] != other.as_str()), "not in the employee's list");
    let token = e.get("/api/v1/me").await.json()["csrf_token"].as_str().unwrap().to_string();
    e.headers.push(("x-csrf-token".into(), token));
    let r = e.post_json(&format!("/api/v1/duties/occurrences/{other}/complete"), json!({"note": "x"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = e
        .post_json(&format!("/api/v1/duties/occurrences/{}/complete", friday["id"].as_str().unwrap()), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "evidence `none` needs nothing: {}", r.body);
    // The administrator's outbox page exists (empty without SMTP).
    assert_eq!(a.get("/admin/mail").await.status, StatusCode::OK);
    // The calendar page issues a URL once.
    let cal = a.get("/duties/calendar").await;
    let r = a.post_form("/duties/calendar", &[("csrf", &Client::csrf_in(&cal.body))]).await;
    assert_eq!(r.status, StatusCode::OK);
    let url =
        r.body.split("id=\"calendar-url\" readonly value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let path = url.split_once("/calendar/").map(|(_, p)| format!("/calendar/{p}")).unwrap();
    assert_eq!(w.client().get(&path).await.status, StatusCode::OK);
}

/// A refused duty form comes back on its own page (422) with the values typed and each problem
/// at its field — never the error page — and nothing is saved.
async fn a_refused_duty_form_keeps_its_values(w: World) {
    let mut a = with_duties(&w).await;
    let list = a.get("/api/v1/duties").await.json();
    let d = list.as_array().unwrap().iter().find(|d| d["frequency"] == "monthly").unwrap().clone();
    let id = d["id"].as_str().unwrap().to_string();
    let page = a.get(&format!("/duties/{id}")).await;
    let csrf = Client::csrf_in(&page.body);
    let form = [
        ("csrf", csrf.as_str()),
        ("full", "1"),
        ("title", "月次の確認（改）"),
        ("decision", "event"),
        ("frequency", "monthly"),
        ("day", "31"),
        ("month", "3"),
        ("fiscal_year_start", "4"),
        ("evidence", "note"),
        ("lead_days", "200"),
        ("active", "1"),
    ];
    let r = a.post_form(&format!("/duties/{id}"), &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"duty-form\""), "the duty's own page");
    assert!(r.body.contains("value=\"月次の確認（改）\""), "the title typed is kept");
    assert!(r.body.contains("value=\"200\""), "the lead time typed is kept");
    assert!(r.body.contains("0 から 90 の間の日数"), "the lead time's problem at its field");
    assert_eq!(r.body.matches("class=\"field-error\"").count(), 2, "the missing event too, both at once");
    assert!(!r.body.contains("lead_days:") && !r.body.contains(">lead_days"), "no field key in the text");
    let after = a.get("/api/v1/duties").await.json();
    let same = after.as_array().unwrap().iter().find(|x| x["id"] == id.as_str()).unwrap();
    assert_eq!(same["title"], d["title"], "nothing saved");
}

/// A duty kept as a register's rows (8.13's backup: バックアップ記録) is completed by picking a
/// row by its title, and its record is then named by the register and the row, never by ids.
async fn a_duty_kept_as_rows_is_completed_by_picking_one(w: World) {
    let mut a = with_duties(&w).await;
    let list = a.get("/api/v1/duties").await.json();
    let backup = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["evidence"] == "register:backup_log" && d["frequency"] == "monthly")
        .expect("8.13's monthly backup")
        .clone();
    let occ = a.get("/api/v1/duties/occurrences?from=2025-04-01&to=2025-04-30").await.json();
    let occ_id = occ.as_array().unwrap().iter().find(|o| o["duty_id"] == backup["id"]).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = a.get(&format!("/duties/occurrences/{occ_id}")).await;
    assert!(page.body.contains("この台帳にはまだ記録がありません。"), "nothing to pick yet");
    let r = a
        .post_json(
            "/api/v1/registers/media_ledger/rows",
            json!({"values": {"media_id": "USB-07", "kind": "USB メモリ"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = a
        .post_json(
            "/api/v1/registers/backup_log/rows",
            json!({"values": {"performed_on": "2025-04-30", "entry_kind": "バックアップ", "target": "共有フォルダ一式",
                   "medium": "USB-07", "performed_by": "admin", "result": "成功"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let row = r.json()["id"].as_str().unwrap().to_string();
    let page = a.get(&format!("/duties/occurrences/{occ_id}")).await;
    let option = format!("<option value=\"backup_log/{row}\">2025-04-30 バックアップ</option>");
    assert!(page.body.contains(&option), "the row offered by its title: {}", page.body);
    let b = "----mamori-pick";
    let csrf = Client::csrf_in(&page.body);
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"record_ref\"\r\n\r\nbackup_log/{row}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"done_on\"\r\n\r\n2025-04-30\r\n--{b}--\r\n"
    );
    let r = a
        .send(
            "POST",
            &format!("/duties/occurrences/{occ_id}/complete"),
            Some(&format!("multipart/form-data; boundary={b}")),
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let done = a.get(&format!("/duties/occurrences/{occ_id}")).await;
    assert!(done.body.contains(">バックアップ記録: 2025-04-30 バックアップ</a>"), "{}", done.body);
    assert!(!done.body.contains(&format!(">backup_log/{row}<")), "no internal reference on the page");
    let history = a.get(&format!("/duties/{}", backup["id"].as_str().unwrap())).await;
    assert!(history.body.contains("バックアップ記録: 2025-04-30 バックアップ"));
}

on_both_engines!(
    duties_are_operated_from_the_pages,
    decisions_and_duties_by_hand,
    a_refused_duty_form_keeps_its_values,
    a_duty_kept_as_rows_is_completed_by_picking_one
);
