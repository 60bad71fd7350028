//! Business continuity (5.29, 5.30) on both engines: the plan as data saved as the named BCP's
//! draft, refused at its fields, approved jointly by 経営責任者 and 情報セキュリティ管理者 (never
//! by its author), printed with the approvers; a plan created when the regulation names none;
//! drills and tests against their targets, a problem opening one corrective action; the
//! 5.29 verification duty completed by a drill's record.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use jiff::civil::date;
use mamori_app::continuity::{self, drills, print};
use mamori_app::{Actor, AppError, duties, nonconformities, org, registers, regulation};
use mamori_domain::bcp::{self, Verdict};
use mamori_store::Db;
use serde_json::{Map, Value, json};

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

async fn the_plan_is_saved_approved_jointly_and_printed(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "boss", "top_management").await;
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "kanri2", "security_manager").await;
    add_user(&db, &cli, "emp", "employee").await;
    regulation::import_text(&db, &cli, "seed.txt", SEED, T0).await.unwrap();
    let (boss, kanri, kanri2, emp) = (
        actor_of(&db, "boss").await,
        actor_of(&db, "kanri").await,
        actor_of(&db, "kanri2").await,
        actor_of(&db, "emp").await,
    );

    // The regulation's named 事業継続計画 is the plan's document; nothing is written yet, and
    // the form starts from the starter with the 対策本部 named after the role holders.
    let v = continuity::load(&db, &kanri).await.unwrap();
    let doc = v.doc.clone().expect("the named BCP");
    assert_eq!(doc.doc.title, "事業継続計画");
    assert!(v.approved.is_none() && v.draft.is_none());
    assert_eq!(v.working.headquarters[0].name, "boss さん");
    assert_eq!(v.working.headquarters[1].name, "kanri さん、kanri2 さん");
    assert!(print::html(&v).is_none(), "nothing to print before a plan is written");

    // Every problem at its field; nothing written.
    let mut bad = v.working.clone();
    bad.functions[0].rto_hours = Some(0);
    bad.fallbacks.clear();
    bad.headquarters.iter_mut().for_each(|m| m.name.clear());
    match continuity::save(&db, &kanri, &bad, "", T0).await {
        Err(AppError::Validation(p)) => {
            let at: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
            assert_eq!(at, ["functions.0.rto_hours", "headquarters.0.name", "fallbacks.0.name", "change_summary"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(continuity::load(&db, &kanri).await.unwrap().draft.is_none());
    // An employee reads the plan but does not write it.
    assert!(matches!(continuity::save(&db, &emp, &v.working, "制定", T0).await, Err(AppError::Forbidden)));

    let mut plan = v.working.clone();
    plan.headquarters[1].name = "kanri さん".into();
    plan.headquarters[1].contact = "090-0000-0001".into();
    let saved = continuity::save(&db, &kanri, &plan, "制定", T0).await.unwrap();
    let (draft, stored) = saved.draft.clone().expect("a draft");
    assert_eq!(stored.as_ref(), Some(&plan));
    assert_eq!(draft.edition, "初版");

    // The author may not approve; the other holder of the role and top management do, jointly.
    assert!(matches!(continuity::approve(&db, &kanri, T0 + 1).await, Err(AppError::SeparationOfDuties)));
    assert!(matches!(continuity::approve(&db, &emp, T0 + 1).await, Err(AppError::Forbidden)));
    assert!(!continuity::approve(&db, &boss, T0 + 2).await.unwrap(), "one of two approvals");
    assert!(continuity::load(&db, &emp).await.unwrap().approved.is_none());
    assert!(continuity::approve(&db, &kanri2, T0 + 3).await.unwrap(), "both approvals: in force");
    let v = continuity::load(&db, &emp).await.unwrap();
    let (version, in_force) = v.approved.clone().expect("approved");
    assert_eq!(in_force.as_ref(), Some(&plan));
    assert!(v.draft.is_none());
    let (number, edition, current) = continuity::current(&db, &emp).await.unwrap().expect("in force");
    assert_eq!((number.as_str(), edition.as_str()), (doc.doc.doc_number.as_str(), "初版"));
    assert_eq!(current, plan);

    // The print page: number, edition, the approvers by name, every part, the fallbacks.
    let html = print::html(&v).expect("printable");
    for s in [
        doc.doc.doc_number.as_str(),
        "初版",
        "承認<br>経営責任者",
        "承認<br>情報セキュリティ管理者",
        "boss さん",
        "kanri2 さん",
        "1. 適用範囲と目的",
        "3. 対策本部",
        "090-0000-0001",
        "7. 代替の連絡手段",
        "災害用伝言ダイヤル（171）",
        "counter(page)",
        "社外秘",
    ] {
        assert!(html.contains(s), "{s} missing from the print page");
    }
    assert!(!html.contains("（案）"));
    assert_eq!(version.status, "approved");

    // A revision is a new draft; the approved plan stays in force until it is approved.
    let mut next = plan.clone();
    next.functions[0].rto_hours = Some(12);
    let v2 = continuity::save(&db, &kanri, &next, "目標復旧時間の見直し", T0 + 10).await.unwrap();
    assert_eq!(v2.draft.as_ref().map(|(d, _)| d.edition.as_str()), Some("第2版"));
    assert_eq!(v2.approved.as_ref().and_then(|(_, p)| p.clone()), Some(plan.clone()));
    assert_eq!(continuity::current(&db, &emp).await.unwrap().map(|c| c.2), Some(plan));
}

async fn a_plan_is_created_when_the_regulation_names_none(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "kanri", "security_manager").await;
    let kanri = actor_of(&db, "kanri").await;
    assert!(continuity::load(&db, &kanri).await.unwrap().doc.is_none());
    let plan = bcp::starter_for(|_| vec!["管理 次郎".into()]);
    let v = continuity::save(&db, &kanri, &plan, "制定", T0).await.unwrap();
    let doc = v.doc.expect("created").doc;
    assert_eq!((doc.title.as_str(), doc.doc_number.as_str()), ("事業継続計画", "BCP-01"));
    assert_eq!(mamori_app::documents::required_roles(&doc), ["top_management", "security_manager"]);
    // Created once: a second save revises the same document.
    let again = continuity::save(&db, &kanri, &plan, "修正", T0 + 1).await.unwrap();
    assert_eq!(again.doc.unwrap().doc.id, doc.id);
}

async fn drills_meet_their_targets_and_problems_open_corrective_actions(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "boss", "top_management").await;
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "emp", "employee").await;
    regulation::import_text(&db, &cli, "seed.txt", SEED, T0).await.unwrap();
    let (boss, kanri, emp) = (actor_of(&db, "boss").await, actor_of(&db, "kanri").await, actor_of(&db, "emp").await);

    // The template's records rule: the regulation's yearly verification of 5.29 is kept as a
    // row of the drills and tests; the restore and tethering tests are offered with it.
    let april = date(2026, 4, 1);
    duties::offer_from_regulation(&db, &cli, april, T0).await.unwrap();
    let all = duties::list(&db, &cli, april).await.unwrap();
    let verification = all.iter().find(|d| d.duty.title == "管理策の検証").expect("5.29 VI.");
    assert_eq!(verification.contract()["evidence"], "register:continuity_tests");
    let offered: Vec<&str> = all
        .iter()
        .filter(|d| d.duty.source_text.starts_with("register:continuity_tests:"))
        .map(|d| d.duty.title.as_str())
        .collect();
    assert_eq!(offered.len(), 3, "{offered:?}");
    assert!(offered.contains(&"バックアップからの復元テスト"));

    registers::create(&db, &cli, "media_ledger", &obj(json!({"media_id": "HDD-01", "kind": "外付け HDD"})), None, T0)
        .await
        .unwrap();
    let restore = registers::create(
        &db,
        &kanri,
        drills::REGISTER,
        &obj(json!({"subject": "復元テスト", "tested_on": "2026-05-10", "kind": "バックアップからの復元テスト",
                    "medium": "HDD-01", "target_minutes": 120, "actual_minutes": 95, "result": "問題なし", "performed_by": "kanri"})),
        None,
        T0,
    )
    .await
    .unwrap();
    let tether = registers::create(
        &db,
        &kanri,
        drills::REGISTER,
        &obj(json!({"subject": "テザリング試験", "tested_on": "2026-06-01", "kind": "代替回線（テザリング）の試験",
                    "target_minutes": 30, "actual_minutes": 45, "result": "問題あり",
                    "problems": "接続手順書が古い", "performed_by": "kanri"})),
        None,
        T0,
    )
    .await
    .unwrap();
    let list = drills::list(&db, &boss).await.unwrap();
    assert!(list.may_read && list.may_record && list.may_raise);
    let by = |id: &str| list.records.iter().find(|r| r.id == id).unwrap().clone();
    assert_eq!(list.records[0].id, tether.id, "newest first");
    assert_eq!((by(&restore.id).verdict, by(&restore.id).medium.as_str()), (Verdict::Within, "HDD-01"));
    assert_eq!(by(&tether.id).verdict, Verdict::Over);
    // Need-to-know: an employee does not read the drills and tests.
    let none = drills::list(&db, &emp).await.unwrap();
    assert!(!none.may_read && none.records.is_empty());

    let owner = kanri.user_id.clone().unwrap();
    let due = date(2026, 7, 1);
    // No problem recorded: nothing to correct.
    match drills::raise_corrective(&db, &boss, &restore.id, &owner, due, T0).await {
        Err(AppError::Validation(p)) => assert_eq!(p[0].1, "bcp-no-problems"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(drills::raise_corrective(&db, &emp, &tether.id, &owner, due, T0).await, Err(AppError::Forbidden)));
    let nc = drills::raise_corrective(&db, &boss, &tether.id, &owner, due, T0).await.unwrap();
    assert_eq!(nc.record.source, "continuity_test");
    assert_eq!(nc.record.control_id.as_deref(), Some("8.14"));
    assert!(nc.report["nonconformity"].as_str().unwrap().contains("接続手順書が古い"));
    // Once per record.
    assert!(matches!(drills::raise_corrective(&db, &boss, &tether.id, &owner, due, T0).await, Err(AppError::Conflict)));
    let list = drills::list(&db, &kanri).await.unwrap();
    let linked = list.records.iter().find(|r| r.id == tether.id).unwrap().corrective.clone();
    assert_eq!(linked.map(|(id, _)| id), Some(nc.record.id.clone()));
    // The nonconformity names the test it came from.
    let origin = nonconformities::origin(&db, &kanri, &nc.record).await.unwrap();
    assert_eq!(origin, Some(("continuity_test".into(), tether.id.clone(), "テザリング試験".into())));
}

on_both_engines!(the_plan_is_saved_approved_jointly_and_printed);
on_both_engines!(a_plan_is_created_when_the_regulation_names_none);
on_both_engines!(drills_meet_their_targets_and_problems_open_corrective_actions);
