//! The ISMS year through its pages: an internal audit from plan (independence refused at the
//! auditors field, with names) to approved report and its export; a nonconformity through
//! action and an effectiveness check by another manager; a management review from gathered
//! inputs to approved minutes. Refused forms come back (422) with what was typed.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

async fn import_seed(a: &mut Client) {
    let r = a
        .send_bytes(
            "POST",
            "/api/v1/regulation?name=seed.txt",
            Some("application/octet-stream"),
            SEED.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

/// A person of the organisation, signed in with their password changed.
async fn person(w: &World, login: &str, name: &str, role: &str) -> Client {
    let org = mamori_app::org::resolve(&w.db, Some("acme")).await.unwrap();
    let u = mamori_app::users::NewUser {
        login_id: login.into(),
        display_name: name.into(),
        email: format!("{login}@example.jp"),
        password: "Initial123".into(),
        roles: vec![role.into()],
    };
    mamori_app::users::create(&w.db, &mamori_app::Actor::cli(&org.id), u, 0).await.unwrap();
    let mut c = w.client();
    let r = c.post_json("/api/v1/session", json!({"login_id": login, "password": "Initial123"})).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = c
        .post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Changed123"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    c
}

/// Posts a form of `page` (its CSRF token first).
async fn submit(c: &mut Client, page: &str, action: &str, pairs: &[(&str, &str)]) -> crate::client::Resp {
    let p = c.get(page).await;
    assert_eq!(p.status, StatusCode::OK, "{page}: {}", p.body);
    let csrf = Client::csrf_in(&p.body);
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(pairs);
    c.post_form(action, &all).await
}

/// The first `YYYY-MM-DD HH:MM:SS` in `s`.
fn regex_lite_time(s: &str) -> String {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(19))
        .filter(|i| s.is_char_boundary(*i) && s.is_char_boundary(i + 19))
        .map(|i| &s[i..i + 19])
        .find(|w| {
            w.bytes().enumerate().all(|(k, c)| match k {
                4 | 7 => c == b'-',
                10 => c == b' ',
                13 | 16 => c == b':',
                _ => c.is_ascii_digit(),
            })
        })
        .unwrap_or_default()
        .to_string()
}

async fn an_internal_audit_through_its_pages(w: World) {
    let mut boss = w.logged_in("admin").await;
    import_seed(&mut boss).await;
    let mut kansa = person(&w, "kansa", "監査 花子", "internal_auditor").await;

    // 経営責任者 approves 8.2's requests: refused at the auditors field, by name, values kept.
    let r = submit(
        &mut boss,
        "/internal-audits",
        "/internal-audits",
        &[("title", "2026年度 内部監査"), ("planned_on", "2025-12-10"), ("auditors", "admin"), ("scope", "8.2")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"independence\""), "{}", r.body);
    assert!(r.body.contains("admin 太郎 さん") && r.body.contains("8.2"), "named, not by login ID");
    assert!(r.body.contains("value=\"2026年度 内部監査\""), "the title is kept");
    assert!(r.body.contains("value=\"8.2\" checked"), "the scope is kept");
    // Every problem at its field.
    let r = submit(&mut boss, "/internal-audits", "/internal-audits", &[("title", " "), ("planned_on", "2025-12-10")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body.matches("class=\"field-error\"").count(), 3, "title, auditors, scope: {}", r.body);

    let r = submit(
        &mut boss,
        "/internal-audits",
        "/internal-audits",
        &[("title", "2026年度 内部監査"), ("planned_on", "2025-12-10"), ("auditors", "kansa"), ("scope", "5.9")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = r.location().split('?').next().unwrap().to_string();
    let id = page.rsplit('/').next().unwrap().to_string();

    let p = boss.get(&format!("{page}?done=planned")).await;
    assert!(p.body.contains("内部監査を計画しました"), "a success message says what happens next");
    let p = boss.get(&format!("{page}?done=bogus")).await;
    assert!(!p.body.contains("class=\"flash\""), "an unknown value shows nothing");
    let p = kansa.get(&page).await;
    assert!(p.body.contains("監査 花子") && p.body.contains("ISMS 要求事項") && p.body.contains("管理策規程"));
    assert!(p.body.contains(&format!("/internal-audits/{id}?sample=5.9")), "evidence to sample per control");
    let p = kansa.get(&format!("{page}?sample=5.9")).await;
    assert!(p.body.contains("id=\"samples\"") && p.body.contains("/registers/"), "registers serving 5.9 are offered");

    // A finding refused keeps what was typed; then a minor nonconformity with its report.
    let r = submit(
        &mut kansa,
        &page,
        &format!("{page}/findings"),
        &[("control", "5.9"), ("grade", "minor_nc"), ("text", " "), ("due", "2026-03-31")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"minor_nc\" selected") && r.body.contains("必須項目です"));
    let r = submit(
        &mut kansa,
        &page,
        &format!("{page}/findings"),
        &[("control", "5.9"), ("grade", "minor_nc"), ("text", "情報資産目録の見直し記録がない"), ("due", "2026-03-31")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let p = kansa.get(&page).await;
    assert!(p.body.contains("軽微な不適合") && p.body.contains("NC-0001"));
    // Someone who is not an auditor of it does not report: refused on the page, not an error page.
    let r = submit(&mut boss, &page, &format!("{page}/report"), &[("report", "結論")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("この監査の監査員だけが記録できます"));
    let r = submit(&mut kansa, &page, &format!("{page}/report"), &[("report", "概ね適合。目録の見直しに不備。")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = submit(&mut boss, &page, &format!("{page}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let p = boss.get(&page).await;
    assert!(p.body.contains("data-state=\"approved\"") && p.body.contains("id=\"ia-approved\""));

    // The report as a document: names, grades, the corrective action's number; no internals.
    let csv = boss.get(&format!("{page}/export?format=csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    for want in ["内部監査報告書", "監査 花子", "軽微な不適合", "NC-0001", "admin 太郎", "初版"] {
        assert!(csv.body.contains(want), "{want}: {}", csv.body);
    }
    assert!(!csv.body.contains("minor_nc") && !csv.body.contains(&id), "no keys or ids: {}", csv.body);
    // The approval time is the test clock's: shown in JST, then masked for the snapshot.
    let time = regex_lite_time(&csv.body);
    insta::assert_snapshot!("internal_audit_report_csv", csv.body.replace(&time, "<承認日時>"));
    let x = boss.get(&format!("{page}/export?format=xlsx")).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.body.starts_with("PK"), "an xlsx file");
}

async fn a_nonconformity_through_its_pages(w: World) {
    let mut boss = w.logged_in("admin").await;
    import_seed(&mut boss).await;
    let mut kanri = person(&w, "kanri", "管理 次郎", "security_manager").await;
    let kanri_id = kanri.get("/api/v1/me").await.json()["id"].as_str().unwrap().to_string();

    let r = submit(
        &mut boss,
        "/nonconformities",
        "/nonconformities",
        &[
            ("source", "finding"),
            ("control", "9.99"),
            ("text", "退職者のアカウントが残っていた"),
            ("owner_id", ""),
            ("due", "2026-03-31"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("退職者のアカウントが残っていた</textarea>"), "the text is kept");
    assert!(r.body.contains("附属書 A にない管理策番号です") && r.body.contains("担当者を選択してください"));
    let r = submit(
        &mut boss,
        "/nonconformities",
        "/nonconformities",
        &[
            ("source", "finding"),
            ("control", "5.18"),
            ("text", "退職者のアカウントが残っていた"),
            ("owner_id", &kanri_id),
            ("due", "2026-03-31"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = r.location().split('?').next().unwrap().to_string();
    let p = kanri.get(&page).await;
    assert!(p.body.contains("NC-0001") && p.body.contains("管理 次郎") && p.body.contains("処置待ち"));

    let r = submit(
        &mut kanri,
        &page,
        &format!("{page}/action"),
        &[("correction", "アカウントを削除した"), ("root_cause", ""), ("action", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(kanri.get(&format!("{page}/action")).await.location(), page, "a reload of the refused form's address");
    assert!(r.body.contains("アカウントを削除した</textarea>"));
    let r = submit(
        &mut kanri,
        &page,
        &format!("{page}/action"),
        &[
            ("correction", "アカウントを削除した"),
            ("root_cause", "退職手続きに削除の確認がない"),
            ("action", "退職時チェックリストに追加"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The person who acted is told to ask another manager, with no form to check.
    let p = kanri.get(&page).await;
    assert!(p.body.contains("id=\"check-by-other\"") && !p.body.contains("id=\"check-form\""));
    let r = submit(&mut boss, &page, &format!("{page}/check"), &[("text", "翌月の棚卸で残存なし")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "whether effective must be said");
    let r =
        submit(&mut boss, &page, &format!("{page}/check"), &[("effective", "yes"), ("text", "翌月の棚卸で残存なし")])
            .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let p = boss.get(&page).await;
    assert!(p.body.contains("data-state=\"closed\"") && p.body.contains("翌月の棚卸で残存なし"));
    let list = boss.get("/api/v1/nonconformities").await.json();
    assert_eq!(list[0]["state"], "closed");
    assert!(list[0]["checked_by"].is_string());
    assert_ne!(list[0]["checked_by"], list[0]["acted_by"]);
}

async fn a_management_review_through_its_pages(w: World) {
    let mut boss = w.logged_in("admin").await;
    import_seed(&mut boss).await;
    let boss_id = boss.get("/api/v1/me").await.json()["id"].as_str().unwrap().to_string();
    assert_eq!(boss.post_json("/api/v1/duties/offer", json!({})).await.status, StatusCode::OK);
    let r = submit(&mut boss, "/management-reviews", "/management-reviews", &[("held_on", "2026-03-15")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = r.location().split('?').next().unwrap().to_string();
    let p = boss.get(&page).await;
    assert!(p.body.contains("a) 前回までのマネジメントレビューの結果とった処置の状況"));
    assert!(p.body.contains("規程による審議事項"), "g) holds what the regulation reserves for the review");

    let r =
        submit(&mut boss, &page, &format!("{page}/inputs"), &[("input_e", "取引先から監査結果の提出依頼あり")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = submit(&mut boss, &page, &format!("{page}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "no outputs yet");
    assert!(r.body.contains("決定事項または処置を 1 件以上記録してから承認してください"));
    let r = submit(
        &mut boss,
        &page,
        &format!("{page}/outputs"),
        &[
            ("decisions", "情報セキュリティ基本方針は変更しない"),
            ("action_text_0", "退職時チェックリストの改訂"),
            ("action_owner_0", ""),
            ("action_due_0", "2026-06-30"),
            ("action_text_1", ""),
            ("action_owner_1", ""),
            ("action_due_1", ""),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"退職時チェックリストの改訂\"") && r.body.contains("担当者を選択してください"));
    let r = submit(
        &mut boss,
        &page,
        &format!("{page}/outputs"),
        &[
            ("decisions", "情報セキュリティ基本方針は変更しない"),
            ("action_text_0", "退職時チェックリストの改訂"),
            ("action_owner_0", &boss_id),
            ("action_due_0", "2026-06-30"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = submit(&mut boss, &page, &format!("{page}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let p = boss.get(&page).await;
    assert!(p.body.contains("data-state=\"approved\"") && !p.body.contains("id=\"outputs-form\""));
    let csv = boss.get(&format!("{page}/export?format=csv")).await;
    for want in [
        "マネジメントレビュー議事録",
        "e) 利害関係者からのフィードバック",
        "取引先から監査結果の提出依頼あり",
        "退職時チェックリストの改訂（担当: admin 太郎、期限: 2026-06-30）",
    ] {
        assert!(csv.body.contains(want), "{want}: {}", csv.body);
    }
    // One review per day; a day within five years back and one year ahead.
    let r = submit(&mut boss, "/management-reviews", "/management-reviews", &[("held_on", "2026-03-15")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("この日のマネジメントレビューは既にあります"));
    let r = boss.post_json("/api/v1/management-reviews", json!({"held_on": "2099-03-15"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Too many actions are refused at the list, not stored.
    let mut many: Vec<(String, String)> = Vec::new();
    for i in 0..=mamori_app::checks::MAX_ENTRIES {
        many.push((format!("action_text_{i}"), "x".into()));
    }
    let r = boss
        .post_json(
            &format!("/api/v1/management-reviews/{}/outputs", page.rsplit('/').next().unwrap()),
            json!({"decisions": [], "actions": many.iter().map(|_| json!({"text": "x", "owner_id": boss_id, "due": "2026-06-30"})).collect::<Vec<_>>()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "an approved review is closed to edits");
    // The next review reports the action under a).
    let r = boss.post_json("/api/v1/management-reviews", json!({"held_on": "2026-12-15"})).await;
    let next = r.json()["id"].as_str().unwrap().to_string();
    let big: Vec<serde_json::Value> =
        many.iter().map(|_| json!({"text": "x", "owner_id": boss_id, "due": "2026-06-30"})).collect();
    let refused = boss
        .post_json(&format!("/api/v1/management-reviews/{next}/outputs"), json!({"decisions": [], "actions": big}))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(r.json()["inputs"]["a"][0]["text"].as_str().unwrap().contains("退職時チェックリストの改訂"));
    let _ = next;
    // Employees do not read reviews.
    let mut e = person(&w, "sato", "佐藤 一郎", "employee").await;
    assert_eq!(e.get(&page).await.status, StatusCode::FORBIDDEN);
}

on_both_engines!(
    an_internal_audit_through_its_pages,
    a_nonconformity_through_its_pages,
    a_management_review_through_its_pages
);
