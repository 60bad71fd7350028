//! The staff directory on both engines: create, change and read with need-to-know (an employee
//! reads names and departments, not e-mail addresses or dates, and changes nothing), every
//! problem at its field, the login link unique per organisation; the pledge gate of account
//! requests (refused, then allowed after a pledge row; a removal never held back); a leaver's
//! checklist opening removal requests and closing only when every item is done or waived;
//! my tasks.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use mamori_app::people::{self, Filter, PersonInput, leave};
use mamori_app::{Actor, AppError, org, registers, requests};
use mamori_store::Db;
use serde_json::{Map, Value, json};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn input(name: &str, email: &str, kind: &str, department: &str, login: &str) -> PersonInput {
    PersonInput {
        name: name.into(),
        email: email.into(),
        kind: kind.into(),
        department: department.into(),
        joined_on: "2025-04-01".into(),
        login_id: login.into(),
        ..PersonInput::default()
    }
}

fn account(kind: &str, person: &str) -> Map<String, Value> {
    obj(json!({"kind": kind, "system": "Microsoft 365", "person": person, "on": "2026-01-10"}))
}

async fn the_directory_keeps_need_to_know(db: Db) {
    let today = jiff::civil::date(2026, 1, 1);
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "emp", "employee").await;
    let kanri = actor_of(&db, "kanri").await;
    let emp = actor_of(&db, "emp").await;

    let boss =
        people::create(&db, &kanri, &input("佐藤 一郎", "sato@example.jp", "officer", "経営", ""), T0).await.unwrap();
    let mut i = input("鈴木 花子", "suzuki@example.jp", "employee", "営業部", "EMP");
    i.manager_id = boss.id.clone();
    let p = people::create(&db, &kanri, &i, T0).await.unwrap();
    assert_eq!(p.login_id.as_deref(), Some("emp"), "the login key is normalised");

    // Every problem at its field, nothing stored.
    let bad = PersonInput {
        kind: "intern".into(),
        email: "nope".into(),
        joined_on: "2026-02-30".into(),
        login_id: "nobody".into(),
        ..PersonInput::default()
    };
    match people::create(&db, &kanri, &bad, T0).await {
        Err(AppError::Validation(v)) => {
            let fields: Vec<&str> = v.iter().map(|(f, _)| f.as_str()).collect();
            assert_eq!(fields, ["name", "email", "kind", "joined_on", "login_id"], "{v:?}");
        }
        other => panic!("{other:?}"),
    }
    // One person per login.
    match people::create(&db, &kanri, &input("別人", "", "employee", "", "emp"), T0).await {
        Err(AppError::Validation(v)) => assert_eq!(v, [("login_id".to_string(), "people-login-taken".to_string())]),
        other => panic!("{other:?}"),
    }

    // The employee reads names and departments, not e-mail addresses or dates, and changes nothing.
    let seen = people::list(&db, &emp, &Filter::default(), today).await.unwrap();
    assert_eq!(seen.len(), 2);
    let s = seen.iter().find(|v| v.id == p.id).unwrap();
    assert_eq!((s.department.as_str(), s.manager_name.as_deref()), ("営業部", Some("佐藤 一郎")));
    assert_eq!((s.email.as_ref(), s.joined_on.as_ref(), s.login_id.as_ref()), (None, None, None));
    assert!(matches!(
        people::create(&db, &emp, &input("x", "", "employee", "", ""), T0).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(people::update(&db, &emp, &p.id, &i, T0).await, Err(AppError::Forbidden)));
    let full = people::get(&db, &kanri, &p.id, today).await.unwrap();
    assert_eq!(full.email.as_deref(), Some("suzuki@example.jp"));

    // Filters.
    let f = Filter { department: "営業部".into(), ..Filter::default() };
    assert_eq!(people::list(&db, &kanri, &f, today).await.unwrap().len(), 1);
    let f = Filter { kind: "officer".into(), ..Filter::default() };
    assert_eq!(people::list(&db, &kanri, &f, today).await.unwrap()[0].name, "佐藤 一郎");

    // A change, audited; a manager that is the person themselves is refused.
    let mut j = PersonInput::of(&p);
    j.department = "総務部".into();
    let after = people::update(&db, &kanri, &p.id, &j, T0 + 1).await.unwrap();
    assert_eq!(after.department, "総務部");
    j.manager_id = p.id.clone();
    assert!(matches!(people::update(&db, &kanri, &p.id, &j, T0 + 2).await, Err(AppError::Validation(_))));
    let trail = mamori_app::audit::all_rows(&db, &cli).await.unwrap();
    assert_eq!(trail.iter().filter(|r| r.object_type == "person").count(), 3);

    // Another organisation sees none of it.
    let other = org::create(&db, "other", "他社", T0).await.unwrap();
    let ocli = Actor::cli(&other.id);
    assert!(matches!(people::get(&db, &ocli, &p.id, today).await, Err(AppError::NotFound)));
}
on_both_engines!(the_directory_keeps_need_to_know);

async fn an_account_waits_for_the_pledge(db: Db) {
    let today = jiff::civil::date(2026, 1, 1);
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "emp", "employee").await;
    let kanri = actor_of(&db, "kanri").await;
    let emp = actor_of(&db, "emp").await;
    let p = people::create(&db, &kanri, &input("新人 太郎", "shinjin@example.jp", "employee", "営業部", ""), T0)
        .await
        .unwrap();

    // Named by id or by name: refused while no pledge names them.
    for who in [p.id.as_str(), "新人 太郎"] {
        match requests::create(&db, &emp, "account", &account("発行", who), today, T0).await {
            Err(AppError::PledgeMissing(name)) => assert_eq!(name, "新人 太郎"),
            other => panic!("{other:?}"),
        }
    }
    // A removal is never held back.
    requests::create(&db, &emp, "account", &account("削除", &p.id), today, T0).await.unwrap();

    let row = obj(json!({"person": "新人　太郎", "version": "第1版", "signed_on": "2025-12-20"}));
    registers::create(&db, &kanri, "employee_pledges", &row, None, T0).await.unwrap();
    let r = requests::create(&db, &emp, "account", &account("発行", &p.id), today, T0 + 1).await.unwrap();
    let fields: Map<String, Value> = serde_json::from_str(&r.fields_json).unwrap();
    assert_eq!(fields["person"], "新人 太郎", "stored by name, never by id");
}
on_both_engines!(an_account_waits_for_the_pledge);

async fn a_leaver_checklist_closes_only_when_settled(db: Db) {
    let today = jiff::civil::date(2026, 1, 20);
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "top", "top_management").await;
    add_user(&db, &cli, "leaver", "employee").await;
    let top = actor_of(&db, "top").await;
    let leaver = actor_of(&db, "leaver").await;
    let p = people::create(&db, &top, &input("退職 次郎", "taishoku@example.jp", "employee", "開発部", "leaver"), T0)
        .await
        .unwrap();
    let media = obj(json!({"media_id": "USB-07", "kind": "USB メモリ", "custodian": "leaver"}));
    registers::create(&db, &top, "media_ledger", &media, None, T0).await.unwrap();
    let other = obj(json!({"media_id": "USB-08", "kind": "USB メモリ", "custodian": "top"}));
    registers::create(&db, &top, "media_ledger", &other, None, T0).await.unwrap();

    // Not before the pledge to the employee: the tasks say it.
    let tasks = mamori_app::me::tasks(&db, &leaver, today).await.unwrap();
    assert_eq!(tasks["pledges"]["signed"], false);
    assert_eq!(tasks["pledges"]["person"]["name"], "退職 次郎");
    assert_eq!(tasks["trainings"], json!([]));
    for k in ["acknowledgements", "duties", "requests"] {
        assert!(tasks[k].is_array(), "{k}");
    }

    let bad = leave::leave(&db, &top, &p.id, "2026-13-01", today, T0 + 1).await;
    assert!(matches!(bad, Err(AppError::Validation(_))));
    let c = leave::leave(&db, &top, &p.id, "2026-01-31", today, T0 + 1).await.unwrap();
    let keys: Vec<&str> = c.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys.len(), 5, "{keys:?}");
    assert!(keys[0].starts_with("media:") && c.items[0].label.contains("USB-07"), "{keys:?}");
    assert_eq!(&keys[1..], ["account:email", "account:m365", "leaver_pledge", "login"]);
    assert!(c.items.iter().all(|i| i.state == "open"), "the leave date is still to come");
    assert_eq!(c.state, "open");
    // A removal request opened per account, in the account type.
    let all = requests::list(&db, &top, requests::Scope::Mine, today).await.unwrap();
    let removals: Vec<_> =
        all.iter().filter(|r| r.request.type_key == "account" && r.fields["kind"] == "削除").collect();
    assert_eq!(removals.len(), 2);
    assert!(removals.iter().all(|r| r.fields["person"] == "退職 次郎" && r.fields["on"] == "2026-01-31"));
    assert_eq!(people::row(&db, &top, &p.id).await.unwrap().left_on.as_deref(), Some("2026-01-31"));
    // A second leave while this one is open is refused.
    assert!(matches!(leave::leave(&db, &top, &p.id, "2026-02-01", today, T0 + 2).await, Err(AppError::Conflict)));

    // A waiver needs its reason; the checklist closes only with every item settled.
    let w = leave::settle(&db, &top, &p.id, "leaver_pledge", "waived", " ", T0 + 3).await;
    assert!(matches!(w, Err(AppError::Validation(ref v)) if v[0].0 == "reason"), "{w:?}");
    for k in &keys[..3] {
        let c = leave::settle(&db, &top, &p.id, k, "done", "", T0 + 3).await.unwrap();
        assert_eq!(c.state, "open");
    }
    let c = leave::settle(&db, &top, &p.id, "leaver_pledge", "waived", "郵送で受領予定", T0 + 4).await.unwrap();
    assert_eq!(c.state, "open", "the login is still to be disabled");
    // On the day the daily job disables the login and settles the last item.
    let day = jiff::civil::date(2026, 1, 31);
    assert_eq!(people::leaver_sync::disable_logins(&db, &o.id, day, T0 + 5).await.unwrap(), 1);
    let c = leave::of(&db, &top, &p.id).await.unwrap().unwrap();
    assert_eq!(c.state, "closed");
    assert!(mamori_app::users::get(&db, &top, "leaver").await.unwrap().disabled);
    assert!(matches!(leave::settle(&db, &top, &p.id, "login", "done", "", T0 + 6).await, Err(AppError::Conflict)));
}
on_both_engines!(a_leaver_checklist_closes_only_when_settled);
