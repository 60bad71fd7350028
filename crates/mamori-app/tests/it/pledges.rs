//! Pledges signed in mamori and the joiner's onboarding, on both engines: the pledge prepared
//! from the starter and approved; an employee signs it on their own (name typed, confirmed),
//! the signature binding the version's SHA-256 with its register row and audit entry; the
//! account gate then lets an issue through; a new version asks for a new signature; need-to-know
//! on signatures; a paper pledge with its scan; a leaver's pledge settles their checklist; the
//! onboarding's steps follow the records.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use mamori_app::people::{self, PersonInput, leave};
use mamori_app::{Actor, AppError, documents, evidence, me, onboarding, org, pledges, registers, requests};
use mamori_domain::pledge::{Kind, content_sha256};
use mamori_store::Db;
use serde_json::{Map, Value, json};

fn person(name: &str, login: &str) -> PersonInput {
    PersonInput {
        name: name.into(),
        email: format!("{login}@example.jp"),
        kind: "employee".into(),
        department: "営業部".into(),
        joined_on: "2026-01-05".into(),
        login_id: login.into(),
        ..PersonInput::default()
    }
}

fn account(kind: &str, who: &str) -> Map<String, Value> {
    json!({"kind": kind, "system": "Microsoft 365", "person": who, "on": "2026-01-10"}).as_object().cloned().unwrap()
}

async fn rows_of(db: &Db, a: &Actor, key: &str) -> Vec<std::sync::Arc<registers::RowView>> {
    registers::page(db, a, key, &registers::PageQuery::default()).await.unwrap().rows
}

fn problem_fields(r: Result<impl std::fmt::Debug, AppError>) -> Vec<(String, String)> {
    match r {
        Err(AppError::Validation(v)) => v,
        other => panic!("expected problems, got {other:?}"),
    }
}

async fn a_pledge_is_signed_and_signed_again_on_a_new_version(db: Db) {
    let today = jiff::civil::date(2026, 1, 5);
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "top", "top_management").await;
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "shinjin", "employee").await;
    add_user(&db, &cli, "other", "employee").await;
    let (top, kanri) = (actor_of(&db, "top").await, actor_of(&db, "kanri").await);
    let (emp, other) = (actor_of(&db, "shinjin").await, actor_of(&db, "other").await);
    let p = people::create(&db, &kanri, &person("新人 太郎", "shinjin"), T0).await.unwrap();
    people::create(&db, &kanri, &person("他部 花子", "other"), T0).await.unwrap();

    // Nothing to sign before a version is in force; the employee cannot prepare it.
    assert!(matches!(pledges::prepare(&db, &emp, Kind::Joiner, T0).await, Err(AppError::Forbidden)));
    let id = pledges::prepare(&db, &kanri, Kind::Joiner, T0).await.unwrap();
    assert_eq!(pledges::prepare(&db, &kanri, Kind::Joiner, T0 + 1).await.unwrap(), id, "once");
    let t = pledges::to_sign(&db, &emp, Kind::Joiner).await.unwrap();
    assert!(t.doc.current.is_none() && t.doc.draft.as_ref().is_some_and(|d| d.body.contains("秘密保持誓約書")));
    let v = problem_fields(pledges::sign(&db, &emp, Kind::Joiner, "新人 太郎", true, T0 + 2).await);
    assert_eq!(v, [("confirm".to_string(), "pledge-no-version".to_string())]);
    documents::approve(&db, &top, &id, T0 + 3).await.unwrap();

    // Every problem at its field: the typed name must be their own, the box ticked.
    let v = problem_fields(pledges::sign(&db, &emp, Kind::Joiner, "新人", false, T0 + 4).await);
    let fields: Vec<&str> = v.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, ["typed_name", "confirm"], "{v:?}");
    let tasks = me::tasks(&db, &emp, today).await.unwrap();
    assert_eq!(tasks["pledges"]["signed"], false);
    assert_eq!(tasks["pledges"]["to_sign"][0]["standing"], "missing");

    let sig = pledges::sign(&db, &emp, Kind::Joiner, "新人　太郎", true, T0 + 5).await.unwrap();
    let version = pledges::to_sign(&db, &emp, Kind::Joiner).await.unwrap().doc.current.unwrap();
    assert_eq!(sig.version_id, version.id);
    assert_eq!(sig.content_sha256, content_sha256(&version.body, None));
    assert_eq!((sig.method.as_str(), sig.edition.as_str(), sig.signed_on.as_str()), ("online", "初版", "2026-01-01"));
    // Its register row (the auditor's 台帳) and its audit entry.
    let rows = rows_of(&db, &kanri, "employee_pledges").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].values["person"], "新人 太郎");
    assert_eq!(rows[0].values["version"], "初版");
    assert_eq!(sig.register_row_id.as_deref(), Some(rows[0].id.as_str()));
    let trail = mamori_app::audit::all_rows(&db, &cli).await.unwrap();
    assert_eq!(trail.iter().filter(|r| r.object_type == "pledge_signature").count(), 1);
    // Signed once per version.
    let v = problem_fields(pledges::sign(&db, &emp, Kind::Joiner, "新人 太郎", true, T0 + 6).await);
    assert_eq!(v[0].1, "pledge-already-signed");
    let tasks = me::tasks(&db, &emp, today).await.unwrap();
    assert_eq!((tasks["pledges"]["signed"].clone(), tasks["pledges"]["to_sign"].clone()), (json!(true), json!([])));
    // The account gate lets the issue through now.
    requests::create(&db, &other, "account", &account("発行", &p.id), today, T0 + 7).await.unwrap();

    // Need-to-know: another employee reads neither the signatures nor the certificate.
    assert!(matches!(pledges::signatures_of(&db, &other, &p.id).await, Err(AppError::NotFound)));
    assert!(matches!(pledges::signature(&db, &other, &sig.id).await, Err(AppError::NotFound)));
    assert_eq!(pledges::signatures_of(&db, &emp, &p.id).await.unwrap().len(), 1);
    assert_eq!(pledges::signatures_of(&db, &kanri, &p.id).await.unwrap().len(), 1);
    let (s, who) = pledges::signature(&db, &emp, &sig.id).await.unwrap();
    let html = pledges::certificate_html("アクメ", "秘密保持誓約書", &version.body, &s, &who);
    assert!(html.contains(&sig.content_sha256) && html.contains("新人 太郎") && html.contains("初版"));
    assert!(!html.contains(&sig.id), "no internal ids on the certificate");

    // A new version asks everyone again; the old signature still opens the gate.
    documents::save_draft(&db, &kanri, &id, &format!("{}\n第7条（追加）", version.body), "条文の追加", T0 + 8)
        .await
        .unwrap();
    documents::approve(&db, &top, &id, T0 + 9).await.unwrap();
    let tasks = me::tasks(&db, &emp, today).await.unwrap();
    assert_eq!(tasks["pledges"]["to_sign"][0]["standing"], "outdated");
    assert_eq!(tasks["pledges"]["to_sign"][0]["edition"], "第2版");
    assert_eq!(tasks["pledges"]["signed"], true);
    let out = pledges::outstanding(&db, &kanri, today).await.unwrap();
    let names: Vec<(&str, &str)> = out.iter().map(|o| (o.name.as_str(), o.standing)).collect();
    assert_eq!(names, [("他部 花子", "missing"), ("新人 太郎", "outdated")]);
    assert!(matches!(pledges::outstanding(&db, &emp, today).await, Err(AppError::Forbidden)));
    let again = pledges::sign(&db, &emp, Kind::Joiner, "新人 太郎", true, T0 + 10).await.unwrap();
    assert_eq!(again.edition, "第2版");
    assert_ne!(again.content_sha256, sig.content_sha256);
    assert_eq!(rows_of(&db, &kanri, "employee_pledges").await.len(), 2);
}
on_both_engines!(a_pledge_is_signed_and_signed_again_on_a_new_version);

async fn paper_pledges_leavers_and_the_onboarding(db: Db) {
    let today = jiff::civil::date(2026, 1, 20);
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "top", "top_management").await;
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "leaver", "employee").await;
    let (top, kanri, leaver) =
        (actor_of(&db, "top").await, actor_of(&db, "kanri").await, actor_of(&db, "leaver").await);
    for kind in Kind::ALL {
        let id = pledges::prepare(&db, &kanri, kind, T0).await.unwrap();
        documents::approve(&db, &top, &id, T0 + 1).await.unwrap();
    }
    // A part-timer without a login signs on paper; the manager records it with the scan.
    let mut i = person("短時間 花子", "");
    i.kind = "part_time".into();
    let part = people::create(&db, &kanri, &i, T0).await.unwrap();
    let ob = onboarding::of(&db, &kanri, &part.id, today).await.unwrap();
    let states: Vec<(&str, &str)> = ob.steps.iter().map(|s| (s.key, s.state)).collect();
    assert_eq!(
        states,
        [
            ("screening", "open"),
            ("pledge", "open"),
            ("policies", "not_applicable"),
            ("training", "open"),
            ("accounts", "open")
        ]
    );
    assert!(!ob.complete);

    let v =
        problem_fields(pledges::record_paper(&db, &kanri, &part.id, Kind::Joiner, "2026-02-01", None, "", T0).await);
    let fields: Vec<&str> = v.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, ["signed_on", "file"], "a date to come and no scan: {v:?}");
    let store = evidence::EvidenceStore {
        dir: std::env::temp_dir().join(format!("mamori-pledge-{}", mamori_app::new_id())),
        max_bytes: 1 << 20,
    };
    let scan = evidence::store_bytes(&store, &db, &kanri, "誓約書_短時間.pdf", b"%PDF-1.4 signed", T0).await.unwrap();
    let paper = pledges::record_paper(&db, &kanri, &part.id, Kind::Joiner, "2025-12-26", None, &scan.sha256, T0 + 2)
        .await
        .unwrap();
    assert_eq!((paper.method.as_str(), paper.evidence_sha256.as_deref()), ("paper", Some(scan.sha256.as_str())));
    assert!(matches!(
        pledges::record_paper(&db, &leaver, &part.id, Kind::Joiner, "2025-12-26", None, &scan.sha256, T0).await,
        Err(AppError::Forbidden)
    ));
    let row = rows_of(&db, &kanri, "employee_pledges").await;
    assert_eq!(row[0].values["file"], json!([scan.sha256]), "the scan is the register row's file");

    // The screening record (6.1), every problem at its field first.
    let bad = onboarding::ScreeningInput { checked_on: "2026-02-01".into(), ..Default::default() };
    let v = problem_fields(onboarding::record_screening(&db, &kanri, &part.id, &bad, today, T0).await);
    let fields: Vec<&str> = v.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, ["checked_on", "checks", "result", "checked_by"]);
    let ok = onboarding::ScreeningInput {
        checked_on: "2026-01-04".into(),
        checks: "経歴書と資格証明書を確認".into(),
        result: "問題なし".into(),
        checked_by: "人事 担当".into(),
        notes: String::new(),
    };
    onboarding::record_screening(&db, &kanri, &part.id, &ok, today, T0 + 3).await.unwrap();
    assert!(matches!(
        onboarding::record_screening(&db, &leaver, &part.id, &ok, today, T0).await,
        Err(AppError::Forbidden)
    ));
    requests::create(&db, &kanri, "account", &account("発行", &part.id), today, T0 + 4).await.unwrap();
    let ob = onboarding::of(&db, &kanri, &part.id, today).await.unwrap();
    let states: Vec<&str> = ob.steps.iter().map(|s| s.state).collect();
    assert_eq!(states, ["done", "done", "not_applicable", "open", "done"], "no course assigned yet");
    assert!(!ob.complete);
    assert_eq!(ob.accounts[0].kind, "発行");
    assert!(matches!(onboarding::of(&db, &leaver, &part.id, today).await, Err(AppError::Forbidden)));

    // A leaver signs the leaver's pledge on their own page: the checklist's item is done.
    let l = people::create(&db, &kanri, &person("退職 次郎", "leaver"), T0).await.unwrap();
    let before = me::mine(&db, &leaver, today).await.unwrap();
    assert!(before.pledges.iter().all(|p| p.kind == "joiner"), "no leaver's pledge before a leave date");
    leave::leave(&db, &top, &l.id, "2026-01-31", today, T0 + 5).await.unwrap();
    let mine = me::mine(&db, &leaver, today).await.unwrap();
    let kinds: Vec<(&str, &str)> = mine.to_sign().map(|p| (p.kind, p.standing)).collect();
    assert_eq!(kinds, [("joiner", "missing"), ("leaver", "missing")]);
    pledges::sign(&db, &leaver, Kind::Leaver, "退職 次郎", true, T0 + 6).await.unwrap();
    let c = leave::of(&db, &top, &l.id).await.unwrap().unwrap();
    let item = c.items.iter().find(|i| i.key == "leaver_pledge").unwrap();
    assert_eq!(item.state, "done");
    assert_eq!(rows_of(&db, &kanri, "leaver_pledges").await.len(), 1);
}
on_both_engines!(paper_pledges_leavers_and_the_onboarding);

async fn the_weekly_reminder_lists_what_is_left_to_sign_and_confirm(db: Db) {
    let monday = jiff::civil::date(2026, 1, 5);
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "top", "top_management").await;
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "shinjin", "employee").await;
    let (top, kanri, emp) = (actor_of(&db, "top").await, actor_of(&db, "kanri").await, actor_of(&db, "shinjin").await);
    people::create(&db, &kanri, &person("新人 太郎", "shinjin"), T0).await.unwrap();
    let id = pledges::prepare(&db, &kanri, Kind::Joiner, T0).await.unwrap();
    documents::approve(&db, &top, &id, T0 + 1).await.unwrap();
    // Published to everyone: to be read and acknowledged (7.3), counted per version.
    documents::publish(&db, &kanri, &id, vec![], T0 + 1).await.unwrap();
    let counts = documents::ack_counts(&db, &kanri).await.unwrap();
    assert_eq!((counts.len(), counts[0].acknowledged, counts[0].audience), (1, 0, 3));
    assert!(matches!(documents::ack_counts(&db, &emp).await, Err(AppError::Forbidden)));
    let text = |k: &str, a: &[(&str, String)]| {
        format!("{k}[{}]", a.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join(","))
    };
    let tuesday = jiff::civil::date(2026, 1, 6);
    assert_eq!(me::reminders::queue(&db, &o.id, &text, Some("https://isms.example.jp"), tuesday, T0).await.unwrap(), 0);
    assert_eq!(
        me::reminders::queue(&db, &o.id, &text, Some("https://isms.example.jp"), monday, T0).await.unwrap(),
        3,
        "everyone has the document to confirm"
    );
    assert_eq!(me::reminders::queue(&db, &o.id, &text, None, monday, T0 + 1).await.unwrap(), 0, "once a week");
    let mails = mamori_app::reminders::outbox(&db, &cli, 50).await.unwrap();
    let m = mails.iter().find(|m| m.kind == "awareness" && m.recipient == "shinjin@example.jp").unwrap();
    assert!(
        m.body.contains("mail-awareness-pledge-missing") && m.body.contains("https://isms.example.jp/me"),
        "{}",
        m.body
    );
    assert!(m.body.contains("mail-awareness-ack"), "{}", m.body);
    let top_mail = mails.iter().find(|m| m.kind == "awareness" && m.recipient == "top@example.jp").unwrap();
    assert!(!top_mail.body.contains("pledge"), "no person in the directory: no pledge to sign");
    // Signed and acknowledged: nothing left for them the next Monday.
    pledges::sign(&db, &emp, Kind::Joiner, "新人 太郎", true, T0 + 2).await.unwrap();
    let version = pledges::to_sign(&db, &emp, Kind::Joiner).await.unwrap().doc.current.unwrap();
    documents::acknowledge(&db, &emp, &version.id, T0 + 3).await.unwrap();
    assert_eq!(documents::ack_counts(&db, &kanri).await.unwrap()[0].acknowledged, 1);
    let next = jiff::civil::date(2026, 1, 12);
    assert_eq!(me::reminders::queue(&db, &o.id, &text, None, next, T0 + 4).await.unwrap(), 2, "the other two only");
}
on_both_engines!(the_weekly_reminder_lists_what_is_left_to_sign_and_confirm);

async fn a_joiner_is_assigned_this_years_training(db: Db) {
    use mamori_app::training::{self, plan};
    let today = jiff::civil::date(2026, 5, 11);
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "sys", "system_admin").await;
    add_user(&db, &cli, "shinjin", "employee").await;
    let (kanri, sys, emp) = (actor_of(&db, "kanri").await, actor_of(&db, "sys").await, actor_of(&db, "shinjin").await);
    let course = training::load_starter(&db, &kanri, T0).await.unwrap();
    let input =
        plan::PlanInput { fiscal_year: "2026".into(), due_on: "2026-05-01".into(), ..plan::PlanInput::default() };
    plan::make(&db, &kanri, &course.id, &input, jiff::civil::date(2026, 4, 1), T0).await.unwrap();
    // Added after the plan by システム管理者 (people.manage, not training.manage): the plan's
    // course is assigned all the same, due 30 days on since the plan's date has passed.
    let p = people::create(&db, &sys, &person("新人 太郎", "shinjin"), T0).await.unwrap();
    let before = onboarding::of(&db, &sys, &p.id, today).await.unwrap();
    assert_eq!(before.steps.iter().find(|s| s.key == "training").unwrap().state, "open");
    onboarding::open(&db, &sys, &p.id, today, T0 + 1).await.unwrap();
    onboarding::open(&db, &sys, &p.id, today, T0 + 2).await.unwrap();
    let ob = onboarding::of(&db, &sys, &p.id, today).await.unwrap();
    let t = ob.steps.iter().find(|s| s.key == "training").unwrap();
    assert_eq!((t.state, t.count), ("open", 1), "assigned once, not yet passed");
    let tasks = me::tasks(&db, &emp, today).await.unwrap();
    assert_eq!(tasks["trainings"][0]["due"], "2026-06-10");
    assert_eq!(tasks["trainings"][0]["reason"], "plan");
    assert!(matches!(onboarding::open(&db, &emp, &p.id, today, T0).await, Err(AppError::Forbidden)));
}
on_both_engines!(a_joiner_is_assigned_this_years_training);
