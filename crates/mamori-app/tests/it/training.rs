//! Training with tests on both engines: the starter course loaded once by a manager, a plan
//! assigning the active people of the directory and writing its row of 教育・訓練計画表, an
//! attempt drawn from the pool and scored (a failure, a retake with another set, a pass, a
//! second fiscal year with another set), need-to-know (an employee reads neither another's
//! attempt nor the progress), the register row kept up to date (and a hand-made row left
//! alone), an offline record, my tasks until passed, and reminder mails queued once.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use mamori_app::people::{self, PersonInput};
use mamori_app::reminders::MailText;
use mamori_app::training::{self, attempts, plan};
use mamori_app::{Actor, AppError, org, outbox, registers};
use mamori_store::Db;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

struct Keys;

impl MailText for Keys {
    fn text(&self, key: &str, args: &[(&str, String)]) -> String {
        let a: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{key} {}", a.join(" "))
    }
}

fn at(y: i16, m: i8, d: i8) -> i64 {
    jiff::civil::date(y, m, d).at(9, 0, 0, 0).in_tz("Asia/Tokyo").unwrap().timestamp().as_millisecond()
}

fn person(name: &str, email: &str, login: &str, left_on: &str) -> PersonInput {
    PersonInput {
        name: name.into(),
        email: email.into(),
        kind: "employee".into(),
        department: "営業部".into(),
        joined_on: "2024-04-01".into(),
        left_on: left_on.into(),
        login_id: login.into(),
        ..PersonInput::default()
    }
}

fn ids(v: &attempts::AttemptView) -> Vec<String> {
    let mut v: Vec<String> = v.questions.iter().map(|q| q.id.clone()).collect();
    v.sort();
    v
}

/// The answers to an attempt: right (from the pool the manager reads) or all wrong.
fn answers(
    v: &attempts::AttemptView,
    pool: &[mamori_domain::training::Question],
    right: bool,
) -> BTreeMap<String, usize> {
    v.questions
        .iter()
        .map(|q| {
            let c = pool.iter().find(|p| p.id == q.id).unwrap().correct;
            (q.id.clone(), if right { c } else { (c + 1) % q.choices.len() })
        })
        .collect()
}

async fn row(db: &Db, a: &Actor, id: &str) -> Map<String, Value> {
    registers::get(db, a, plan::REGISTER, id).await.unwrap().values
}

async fn a_course_is_planned_taken_and_recorded(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    for (l, r) in [("kanri", "security_manager"), ("sys", "system_admin"), ("emp", "employee"), ("emp2", "employee")] {
        add_user(&db, &cli, l, r).await;
    }
    let kanri = actor_of(&db, "kanri").await;
    let sys = actor_of(&db, "sys").await;
    let emp = actor_of(&db, "emp").await;
    let emp2 = actor_of(&db, "emp2").await;
    let suzuki = people::create(&db, &kanri, &person("鈴木 花子", "suzuki@example.jp", "emp", ""), T0).await.unwrap();
    people::create(&db, &kanri, &person("田中 次郎", "tanaka@example.jp", "emp2", ""), T0).await.unwrap();
    let yamada = people::create(&db, &kanri, &person("山田 三郎", "", "", ""), T0).await.unwrap();
    people::create(&db, &kanri, &person("退職 済子", "gone@example.jp", "", "2026-03-31"), T0).await.unwrap();

    // The starter course: managers only, once.
    for a in [&sys, &emp] {
        assert!(matches!(training::load_starter(&db, a, T0).await, Err(AppError::Forbidden)));
    }
    let course = training::load_starter(&db, &kanri, T0).await.unwrap();
    assert_eq!((course.title.as_str(), course.per_attempt, course.pass_mark), ("情報セキュリティ基礎教育", 10, 80));
    assert!(course.pool_size >= 20);
    assert!(matches!(training::load_starter(&db, &kanri, T0).await, Err(AppError::Conflict)));
    assert_eq!(training::list(&db, &emp).await.unwrap().len(), 1, "every member reads the courses");
    assert!(matches!(training::editable(&db, &emp, &course.id).await, Err(AppError::Forbidden)), "not the answers");
    let pool = training::editable(&db, &kanri, &course.id).await.unwrap().questions;

    // The plan for fiscal 2026 assigns the active people (not the leaver) and writes its row.
    let apr = at(2026, 4, 10);
    let today = mamori_app::tokyo_date(apr);
    let input = plan::PlanInput { fiscal_year: "2026".into(), due_on: "2026-06-30".into(), ..Default::default() };
    assert!(matches!(plan::make(&db, &emp, &course.id, &input, today, apr).await, Err(AppError::Forbidden)));
    let bad = plan::PlanInput { fiscal_year: "二千".into(), due_on: "2026-06-31".into(), ..Default::default() };
    match plan::make(&db, &kanri, &course.id, &bad, today, apr).await {
        Err(AppError::Validation(v)) => {
            assert_eq!(v.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(), ["fiscal_year", "due_on"])
        }
        other => panic!("{other:?}"),
    }
    let made = plan::make(&db, &kanri, &course.id, &input, today, apr).await.unwrap();
    assert_eq!(made.assigned, 3);
    let row_id = made.plan.register_row_id.clone().unwrap();
    let r = row(&db, &kanri, &row_id).await;
    assert_eq!(r["title"], json!("情報セキュリティ基礎教育（2026年度）"));
    assert_eq!((r["planned_on"].as_str(), r["audience"].as_str()), (Some("2026-06-30"), Some("在籍者全員")));
    assert_eq!(r["attendees"], json!(0));

    // My tasks show the course until it is passed.
    let tasks = mamori_app::me::tasks(&db, &emp, today).await.unwrap();
    assert_eq!(tasks["trainings"][0]["course_id"], json!(course.id));
    assert_eq!(
        (tasks["trainings"][0]["due"].as_str(), tasks["trainings"][0]["overdue"].as_bool()),
        (Some("2026-06-30"), Some(false))
    );

    // An attempt: ten questions drawn from the pool, no answers shown; resumed, not redrawn.
    let first = attempts::start(&db, &emp, &course.id, today, apr).await.unwrap();
    assert_eq!((first.questions.len(), first.attempt_no, first.finished), (10, 1, false));
    assert!(first.questions.iter().all(|q| q.correct.is_none() && q.explanation.is_none()));
    assert_eq!(attempts::start(&db, &emp, &course.id, today, apr + 1).await.unwrap().id, first.id);
    assert!(matches!(
        attempts::start(&db, &kanri, &course.id, today, apr).await,
        Err(AppError::Validation(ref v)) if v[0].1 == "training-no-person"
    ));
    // Every question must be answered; nothing is stored until then.
    let mut some = answers(&first, &pool, false);
    let skipped = first.questions[3].id.clone();
    some.remove(&skipped);
    match attempts::submit(&db, &emp, &first.id, &some, apr + 2).await {
        Err(AppError::Validation(v)) => {
            assert_eq!(v, [(format!("answers.{skipped}"), "training-answer-required".into())])
        }
        other => panic!("{other:?}"),
    }
    // Another person may not answer it, nor read it; a manager reads it.
    assert!(matches!(attempts::get(&db, &emp2, &first.id).await, Err(AppError::NotFound)));
    assert!(matches!(
        attempts::submit(&db, &emp2, &first.id, &answers(&first, &pool, true), apr).await,
        Err(AppError::NotFound)
    ));
    let failed = attempts::submit(&db, &emp, &first.id, &answers(&first, &pool, false), apr + 3).await.unwrap();
    assert_eq!((failed.correct, failed.total, failed.percent, failed.passed), (0, 10, 0, false));
    assert!(failed.questions.iter().all(|q| q.correct.is_some() && q.explanation.is_some()), "explanations after");
    assert!(
        matches!(
            attempts::submit(&db, &emp, &first.id, &answers(&first, &pool, true), apr + 4).await,
            Err(AppError::Conflict)
        ),
        "a submitted attempt is immutable"
    );
    assert_eq!(attempts::get(&db, &kanri, &first.id).await.unwrap().percent, 0);

    // The retake draws another set, and passes.
    let second = attempts::start(&db, &emp, &course.id, today, apr + 5).await.unwrap();
    assert_eq!(second.attempt_no, 2);
    assert_ne!(ids(&second), ids(&first));
    let passed = attempts::submit(&db, &emp, &second.id, &answers(&second, &pool, true), apr + 6).await.unwrap();
    assert_eq!((passed.percent, passed.passed), (100, true));
    assert!(matches!(attempts::start(&db, &emp, &course.id, today, apr + 7).await, Err(AppError::Conflict)));
    let me = attempts::mine(&db, &emp, &course.id, today).await.unwrap();
    assert_eq!(me.passed, Some(("2026-04-10".to_string(), 100)));
    assert_eq!(me.attempts.len(), 2);
    assert_eq!(mamori_app::me::tasks(&db, &emp, today).await.unwrap()["trainings"], json!([]));

    // The register row follows; the progress is the managers'.
    let r = row(&db, &kanri, &row_id).await;
    assert_eq!((r["delivered_on"].as_str(), r["attendees"].as_i64()), (Some("2026-04-10"), Some(1)));
    assert!(matches!(plan::progress(&db, &emp, &course.id, 2026, today).await, Err(AppError::Forbidden)));
    let p = plan::progress(&db, &kanri, &course.id, 2026, today).await.unwrap();
    assert_eq!((p.assigned, p.passed, p.not_finished, p.overdue), (3, 1, 2, 0));
    let s = p.rows.iter().find(|r| r.person_id == suzuki.id).unwrap();
    assert_eq!((s.status.as_str(), s.attempts, s.passed_percent), ("passed", 2, Some(100)));

    // A paper session for the person without a login.
    let off =
        attempts::OfflineInput { person_id: yamada.id.clone(), taken_on: "2026-04-12".into(), percent: "85".into() };
    assert!(matches!(
        attempts::record_offline(&db, &emp, &course.id, &off, at(2026, 4, 12)).await,
        Err(AppError::Forbidden)
    ));
    let rec = attempts::record_offline(&db, &kanri, &course.id, &off, at(2026, 4, 12)).await.unwrap();
    assert!(rec.passed);
    let r = row(&db, &kanri, &row_id).await;
    assert_eq!((r["delivered_on"].as_str(), r["attendees"].as_i64()), (Some("2026-04-12"), Some(2)));

    // A row a person made by hand is never touched; planning again keeps mamori's own row.
    let hand = registers::create(
        &db,
        &kanri,
        plan::REGISTER,
        &json!({"title": "新入社員研修", "planned_on": "2026-05-01"}).as_object().cloned().unwrap(),
        None,
        apr,
    )
    .await
    .unwrap();
    let again = plan::make(
        &db,
        &kanri,
        &course.id,
        &plan::PlanInput { due_on: "2026-07-15".into(), ..input.clone() },
        today,
        apr + 8,
    )
    .await
    .unwrap();
    assert_eq!((again.assigned, again.plan.register_row_id.as_deref()), (0, Some(row_id.as_str())));
    assert_eq!(row(&db, &kanri, &row_id).await["planned_on"], json!("2026-07-15"));
    let p = plan::progress(&db, &kanri, &course.id, 2026, today).await.unwrap();
    assert!(p.rows.iter().filter(|r| r.reason.is_some()).all(|r| r.due_on.as_deref() == Some("2026-07-15")));
    assert_eq!(row(&db, &kanri, &hand.id).await, hand.values);

    // Reminders: the one not passed with an address, before the due date and when overdue, once each.
    let q = |d: jiff::civil::Date, n| training::reminders::queue(&db, &o.id, &Keys, None, d, n);
    assert_eq!(q(jiff::civil::date(2026, 7, 1), at(2026, 7, 1)).await.unwrap(), 0, "not yet (due 07-15)");
    assert_eq!(q(jiff::civil::date(2026, 7, 9), at(2026, 7, 9)).await.unwrap(), 1, "田中 only");
    assert_eq!(q(jiff::civil::date(2026, 7, 10), at(2026, 7, 10)).await.unwrap(), 0, "once");
    assert_eq!(q(jiff::civil::date(2026, 7, 20), at(2026, 7, 20)).await.unwrap(), 1, "overdue");
    assert_eq!(q(jiff::civil::date(2026, 7, 27), at(2026, 7, 27)).await.unwrap(), 0, "once");
    let mails = outbox::list(&db, &cli, 50).await.unwrap();
    let ours: Vec<&str> = mails.iter().filter(|m| m.kind == "training").map(|m| m.recipient.as_str()).collect();
    assert_eq!(ours, ["tanaka@example.jp", "tanaka@example.jp"]);
    assert!(mails.iter().any(|m| m.subject.starts_with("mail-training-overdue-subject")));

    // Other capabilities assign through `plan::assign` (a drill's follow-up): managers only,
    // known people only, an assignment of the year kept.
    let d = jiff::civil::date(2027, 5, 31);
    let who = vec![yamada.id.clone()];
    assert!(matches!(
        plan::assign(&db, &emp, &course.id, 2027, &who, plan::Reason::Drill, d, apr).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        plan::assign(&db, &kanri, &course.id, 2027, &["nobody".to_string()], plan::Reason::Drill, d, apr).await,
        Err(AppError::Validation(_))
    ));
    assert_eq!(plan::assign(&db, &kanri, &course.id, 2026, &who, plan::Reason::Drill, d, apr).await.unwrap(), 0);
    assert_eq!(plan::assign(&db, &kanri, &course.id, 2027, &who, plan::Reason::Drill, d, apr).await.unwrap(), 1);
    let p = plan::progress(&db, &kanri, &course.id, 2027, jiff::civil::date(2027, 4, 1)).await.unwrap();
    assert_eq!((p.rows[0].reason.as_deref(), p.rows[0].due_on.as_deref()), (Some("drill"), Some("2027-05-31")));

    // The next fiscal year draws another set again.
    let next = attempts::start(&db, &emp, &course.id, jiff::civil::date(2027, 4, 10), at(2027, 4, 10)).await.unwrap();
    assert_eq!((next.fiscal_year, next.attempt_no), (2027, 1));
    assert_ne!(ids(&next), ids(&second));
}
on_both_engines!(a_course_is_planned_taken_and_recorded);

async fn a_course_form_names_every_problem(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "kanri", "security_manager").await;
    let kanri = actor_of(&db, "kanri").await;
    let bad = training::CourseInput {
        title: "".into(),
        per_attempt: "十".into(),
        pass_mark: "120".into(),
        materials: vec![mamori_domain::training::Material {
            kind: "document".into(),
            reference: "no-such-document".into(),
            label: "規程".into(),
        }],
        ..Default::default()
    };
    match training::create(&db, &kanri, &bad, T0).await {
        Err(AppError::Validation(v)) => {
            let fields: Vec<&str> = v.iter().map(|(f, _)| f.as_str()).collect();
            assert_eq!(fields, ["per_attempt", "title", "pass_mark", "questions", "materials.0.ref"], "{v:?}");
        }
        other => panic!("{other:?}"),
    }
    let mut ok = training::CourseInput {
        title: "新入社員向け".into(),
        per_attempt: "1".into(),
        pass_mark: "100".into(),
        active: true,
        questions: vec![mamori_domain::training::Question {
            text: "パスワードは何文字以上？".into(),
            choices: vec!["4".into(), "8".into()],
            correct: 1,
            ..Default::default()
        }],
        ..Default::default()
    };
    let c = training::create(&db, &kanri, &ok, T0).await.unwrap();
    assert_eq!(training::editable(&db, &kanri, &c.id).await.unwrap().questions[0].id, "q01", "an id is given");
    ok.active = false;
    training::update(&db, &kanri, &c.id, &ok, T0 + 1).await.unwrap();
    add_user(&db, &cli, "emp", "employee").await;
    let emp = actor_of(&db, "emp").await;
    assert!(training::list(&db, &emp).await.unwrap().is_empty(), "an inactive course is the managers'");
    assert!(matches!(training::get(&db, &emp, &c.id).await, Err(AppError::NotFound)));
}
on_both_engines!(a_course_form_names_every_problem);
