//! Training over HTTP on both engines: the starter course loaded from `/training` (once, by a
//! manager), the plan made from the course page (a refusal in place with what was typed), an
//! employee taking the course on their own pages (unanswered questions refused in place, a
//! failure with the explanations and 再受験, a retake with another set, a pass), my tasks, the
//! API contract, need-to-know (another employee reads neither the attempt nor the progress,
//! and an employee never gets the answers), the progress page and the register row, a snapshot
//! of the attempt's result.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn signed_in(w: &World, login: &str) -> Client {
    let mut c = w.logged_in(login).await;
    if login != "admin" {
        let r = c
            .post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Shokika-2026"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    c
}

/// The question ids of an attempt page, in order.
fn question_ids(html: &str) -> Vec<String> {
    html.split("data-question-id=\"").skip(1).map(|s| s.chars().take_while(|c| *c != '"').collect()).collect()
}

fn correct_of(pool: &Value, id: &str) -> usize {
    pool.as_array().unwrap().iter().find(|q| q["id"] == id).unwrap()["correct"].as_u64().unwrap() as usize
}

async fn answer(c: &mut Client, attempt: &str, pool: &Value, right: bool) -> crate::client::Resp {
    let html = c.get(attempt).await.body;
    let csrf = Client::csrf_in(&html);
    let ids = question_ids(&html);
    assert_eq!(ids.len(), 10, "{html}");
    let values: Vec<(String, String)> = ids
        .iter()
        .map(|id| {
            let k = correct_of(pool, id);
            (format!("answers.{id}"), (if right { k } else { (k + 1) % 2 }).to_string())
        })
        .collect();
    let mut pairs: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    pairs.extend(values.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    c.post_form(attempt, &pairs).await
}

async fn an_employee_passes_the_course_on_their_own_page(w: World) {
    let mut admin = signed_in(&w, "admin").await;
    let mut emp = signed_in(&w, "emp").await;
    let r = admin
        .post_json(
            "/api/v1/users",
            json!({"login_id": "emp2", "display_name": "田中 次郎", "password": "Initial123", "roles": ["employee"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut emp2 = signed_in(&w, "emp2").await;
    for (name, login) in [("鈴木 花子", "emp"), ("田中 次郎", "emp2")] {
        let r = admin
            .post_json(
                "/api/v1/people",
                json!({"name": name, "email": format!("{login}@example.jp"), "kind": "employee", "department": "営業部", "login_id": login}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }

    // The menu and the starter course (a manager's button, once).
    let html = emp.get("/training").await.body;
    assert!(html.contains("href=\"/training\"") && !html.contains("load-starter"), "{html}");
    assert_eq!(emp.post_json("/api/v1/training/starter", json!({})).await.status, StatusCode::FORBIDDEN);
    let html = admin.get("/training").await.body;
    let csrf = Client::csrf_in(&html);
    assert!(html.contains("id=\"load-starter\""));
    let r = admin.post_form("/training/starter", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let course = r.location().to_string();
    let id = course.trim_start_matches("/training/").to_string();
    assert!(!admin.get("/training").await.body.contains("id=\"load-starter\""), "once");
    let r = admin.post_form("/training/starter", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("読み込み済み"));

    // The API: an employee reads the course without its answers.
    let list = emp.get("/api/v1/training/courses").await.json();
    assert_eq!(list[0]["title"], "情報セキュリティ基礎教育");
    assert_eq!((list[0]["per_attempt"].as_u64(), list[0]["pass_mark"].as_u64()), (Some(10), Some(80)));
    let mine = emp.get(&format!("/api/v1/training/courses/{id}")).await.json();
    assert!(mine.get("questions").is_none(), "no answers for an employee");
    let pool = admin.get(&format!("/api/v1/training/courses/{id}")).await.json()["questions"].clone();
    assert!(pool.as_array().unwrap().len() >= 20);

    // The plan from the course page: refused in place, then made.
    let html = admin.get(&course).await.body;
    let csrf = Client::csrf_in(&html);
    let r = admin
        .post_form(&format!("{course}/plan"), &[("csrf", &csrf), ("fiscal_year", "2025"), ("due_on", "2026/03/31")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("2026/03/31") && r.body.contains("field-error"), "{}", r.body);
    let r = admin
        .post_form(&format!("{course}/plan"), &[("csrf", &csrf), ("fiscal_year", "2025"), ("due_on", "2026-03-31")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("{course}/progress?year=2025"));
    let t = emp.get("/api/v1/me/tasks").await.json();
    assert_eq!(
        (t["trainings"][0]["course_id"].as_str(), t["trainings"][0]["due"].as_str()),
        (Some(id.as_str()), Some("2026-03-31"))
    );

    // The employee takes the course on their own page.
    let html = emp.get(&course).await.body;
    assert!(html.contains("id=\"start-attempt\"") && !html.contains("plan-form"), "{html}");
    let csrf = Client::csrf_in(&html);
    let r = emp.post_form(&format!("{course}/attempts"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let first = r.location().to_string();
    let html = emp.get(&first).await.body;
    assert!(html.contains("id=\"attempt-form\"") && !html.contains("解説"), "no answers before scoring");
    let ids1 = question_ids(&html);
    // Unanswered questions are refused in place, the answer given kept.
    let key = format!("answers.{}", ids1[0]);
    let r = emp.post_form(&first, &[("csrf", &csrf), (key.as_str(), "1")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("この問題に答えてください"));
    assert!(r.body.contains(&format!("id=\"q-{}-1\" checked", ids1[0])), "the answer given is kept");
    // Another employee reads neither the attempt nor the progress.
    assert_eq!(emp2.get(&first).await.status, StatusCode::NOT_FOUND);
    let aid = first.trim_start_matches("/training/attempts/");
    assert_eq!(emp2.get(&format!("/api/v1/training/attempts/{aid}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(emp2.get(&format!("/api/v1/training/courses/{id}/progress")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(emp2.get(&format!("{course}/progress")).await.status, StatusCode::FORBIDDEN);

    // A failure: the explanations and 再受験.
    let r = answer(&mut emp, &first, &pool, false).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let html = emp.get(&first).await.body;
    assert!(html.contains("data-passed=\"0\"") && html.contains("不合格") && html.contains("id=\"retake\""));
    assert!(html.contains("解説") && html.contains("管理策"), "explanations after scoring");
    let result = html[html.find("<section id=\"result\"").unwrap()..html.find("</section>").unwrap()].to_string();
    insta::assert_snapshot!("training_result_failed", result.replace(&csrf, "<csrf>").replace(&id, "<course>"));
    assert_eq!(admin.get(&format!("/api/v1/training/attempts/{aid}")).await.json()["percent"], 0);

    // The retake: another set, passed.
    let r = emp.post_form(&format!("{course}/attempts"), &[("csrf", &csrf)]).await;
    let second = r.location().to_string();
    assert_ne!(second, first);
    let mut a = question_ids(&emp.get(&second).await.body);
    let mut b = ids1.clone();
    a.sort();
    b.sort();
    assert_ne!(a, b, "another set of questions");
    let r = answer(&mut emp, &second, &pool, true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let html = emp.get(&second).await.body;
    assert!(
        html.contains("data-passed=\"1\"")
            && html.contains("10 問中 10 問正解（100 点）")
            && !html.contains("id=\"retake\"")
    );
    assert_eq!(emp.get("/api/v1/me/tasks").await.json()["trainings"], json!([]));
    let html = emp.get(&course).await.body;
    assert!(html.contains("合格（100 点）") && !html.contains("id=\"start-attempt\""));

    // The API's attempt: drawn without answers, scored with them.
    let r = emp2.post_json(&format!("/api/v1/training/courses/{id}/attempts"), json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let at = r.json();
    assert!(at["questions"].as_array().unwrap().iter().all(|q| q["correct"].is_null() && q["explanation"].is_null()));
    let answers: serde_json::Map<String, Value> = at["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["id"].as_str().unwrap().to_string(), json!(correct_of(&pool, q["id"].as_str().unwrap()))))
        .collect();
    let r = emp2
        .post_json(&format!("/api/v1/training/attempts/{}", at["id"].as_str().unwrap()), json!({"answers": {}}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = emp2
        .post_json(&format!("/api/v1/training/attempts/{}", at["id"].as_str().unwrap()), json!({"answers": answers}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.json()["percent"].as_u64(), r.json()["passed"].as_bool()), (Some(100), Some(true)));

    // The progress and the register row.
    let p = admin.get(&format!("/api/v1/training/courses/{id}/progress?year=2025")).await.json();
    assert_eq!((p["assigned"].as_u64(), p["passed"].as_u64(), p["not_finished"].as_u64()), (Some(2), Some(2), Some(0)));
    let html = admin.get(&format!("{course}/progress?year=2025")).await.body;
    assert!(
        html.contains("鈴木 花子") && html.contains("年間計画") && html.contains("割り当て 2 人、合格 2 人"),
        "{html}"
    );
    let rows = admin.get("/api/v1/registers/training_plan/rows").await;
    assert!(
        rows.body.contains("情報セキュリティ基礎教育（2025年度）") && rows.body.contains("2026-03-31"),
        "{}",
        rows.body
    );

    // A person added by hand from the progress page: refused in place, then added.
    let csrf = Client::csrf_in(&html);
    let r = admin
        .post_form(&format!("{course}/assign"), &[("csrf", &csrf), ("fiscal_year", "2025"), ("due_on", "2026-03-31")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"assign-form\"") && r.body.contains("必須項目です"), "{}", r.body);
    let r = admin.post_json("/api/v1/people", json!({"name": "山田 三郎", "kind": "part_time"})).await;
    let yamada = r.json()["id"].as_str().unwrap().to_string();
    let r = admin
        .post_form(
            &format!("{course}/assign"),
            &[("csrf", &csrf), ("fiscal_year", "2025"), ("due_on", "2026-03-31"), ("person_id", &yamada)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let p = admin.get(&format!("/api/v1/training/courses/{id}/progress?year=2025")).await.json();
    assert_eq!((p["assigned"].as_u64(), p["not_finished"].as_u64()), (Some(3), Some(1)));
    assert!(admin.get(&format!("{course}/progress?year=2025")).await.body.contains("個別に追加"));

    // The audit trail tells the new records in words.
    let audit = admin.get("/audit").await.body;
    assert!(
        audit.contains("確認テストの受講") && audit.contains("教育の年間計画") && audit.contains("年間計画"),
        "{audit}"
    );
}
on_both_engines!(an_employee_passes_the_course_on_their_own_page);

async fn the_course_form_keeps_what_was_typed(w: World) {
    let mut admin = signed_in(&w, "admin").await;
    let mut emp = signed_in(&w, "emp").await;
    assert_eq!(emp.get("/training/new").await.status, StatusCode::FORBIDDEN);
    let html = admin.get("/training/new").await.body;
    assert!(html.contains("id=\"course-form\""));
    let csrf = Client::csrf_in(&html);
    let r = admin
        .post_form(
            "/training",
            &[
                ("csrf", &csrf),
                ("title", "新入社員教育"),
                ("per_attempt", "五"),
                ("pass_mark", "80"),
                ("active", "1"),
                ("questions.0.text", "不審なメールを受け取ったら？"),
                ("questions.0.choice.0", "開く"),
                ("questions.0.choice.1", "報告する"),
                ("questions.0.correct", "3"),
                ("materials.0.kind", "link"),
                ("materials.0.label", "手引き"),
                ("materials.0.ref", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for s in ["新入社員教育", "不審なメールを受け取ったら？", "報告する", "value=\"五\"", "javascript:alert(1)"]
    {
        assert!(r.body.contains(s), "{s} kept");
    }
    for m in ["整数で入力", "正解の番号を選んで", "https:// か http://"] {
        assert!(r.body.contains(m), "{m} told: {}", r.body);
    }
    let r = admin
        .post_form(
            "/training",
            &[
                ("csrf", &csrf),
                ("title", "新入社員教育"),
                ("per_attempt", "1"),
                ("pass_mark", "100"),
                ("active", "1"),
                ("questions.0.topic", "メール"),
                ("questions.0.text", "不審なメールを受け取ったら？"),
                ("questions.0.choice.0", "開く"),
                ("questions.0.choice.2", "報告する"),
                ("questions.0.correct", "2"),
                ("questions.0.explanation", "管理策 8.7"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r.location().trim_start_matches("/training/").to_string();
    let c = admin.get(&format!("/api/v1/training/courses/{id}")).await.json();
    assert_eq!(c["questions"][0]["choices"], json!(["開く", "報告する"]));
    assert_eq!((c["questions"][0]["correct"].as_u64(), c["questions"][0]["id"].as_str()), (Some(1), Some("q01")));
    let html = admin.get(&format!("/training/{id}/edit")).await.body;
    assert!(html.contains("value=\"報告する\"") && html.contains("<option value=\"1\" selected>2</option>"), "{html}");
}
on_both_engines!(the_course_form_keeps_what_was_typed);
