//! Outsourced development (8.30) on both engines: a plan with a progress report behind it (the
//! late milestone flagged, the one on time not), a report recorded from the supplier's page,
//! re-subcontracting approved only by 経営責任者 and never by its requester, and a delivery
//! accepted only with its acceptance test report attached.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use jiff::civil::date;
use mamori_app::suppliers::{self, development};
use mamori_app::{Actor, AppError, evidence, org, registers, requests};
use mamori_store::Db;
use serde_json::{Map, Value, json};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

struct People {
    boss: Actor,
    kanri: Actor,
    sys: Actor,
    emp: Actor,
}

async fn people(db: &Db) -> People {
    let o = org::create(db, "dev", "開発発注株式会社", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    for (login, role) in
        [("boss", "top_management"), ("kanri", "security_manager"), ("sys", "system_admin"), ("emp", "employee")]
    {
        add_user(db, &cli, login, role).await;
    }
    People {
        boss: actor_of(db, "boss").await,
        kanri: actor_of(db, "kanri").await,
        sys: actor_of(db, "sys").await,
        emp: actor_of(db, "emp").await,
    }
}

async fn plan_and_progress_show_the_late_milestone(db: Db) {
    let p = people(&db).await;
    let today = date(2026, 6, 15);
    let name = "株式会社サンプルシステム開発";
    let s = obj(
        json!({"name": name, "kind": "outsourced_development", "services": "販売管理システムの開発", "criticality": "高"}),
    );
    let x = suppliers::create(&db, &p.kanri, s, today, T0).await.unwrap();
    assert!(x.development.as_ref().unwrap().milestones.is_empty());
    assert!(x.contract()["development"].is_object(), "the JSON gains the object for this kind");
    // Another kind has none.
    let other = obj(json!({"name": "Microsoft", "kind": "cloud_service", "services": "M365", "criticality": "高"}));
    let ms = suppliers::create(&db, &p.kanri, other, today, T0).await.unwrap();
    assert!(ms.development.is_none() && ms.contract().get("development").is_none());

    // The plan, one milestone by the supplier's id and two by its name (as the register form does).
    for (supplier, milestone, on) in [
        (x.id.as_str(), "基本設計", "2026-05-31"),
        (name, "詳細設計", "2026-06-10"),
        (name, "結合テスト", "2026-07-31"),
    ] {
        let row = obj(json!({"supplier": supplier, "milestone": milestone, "planned_on": on}));
        registers::create(&db, &p.kanri, development::PLAN, &row, None, T0).await.unwrap();
    }
    // A plan row must name a supplier that exists.
    let stray = obj(json!({"supplier": "存在しない会社", "milestone": "設計", "planned_on": "2026-06-01"}));
    assert!(matches!(
        registers::create(&db, &p.kanri, development::PLAN, &stray, None, T0).await,
        Err(AppError::Rows(_))
    ));

    // The developer's manager reports: 基本設計 finished, 詳細設計 at 70 % after its day.
    let report = |on: &str, items: &[(&str, &str)]| development::ReportInput {
        reported_on: on.into(),
        reporter: "開発 太郎（プロジェクト責任者）".into(),
        issues: "詳細設計のレビュー指摘の対応で 1 週間遅延".into(),
        items: items.iter().map(|(m, v)| (m.to_string(), v.to_string())).collect(),
    };
    // Refused with each problem at its field: nothing reported, a future date, a figure out of range.
    match development::record_report(&db, &p.kanri, &x.id, report("2026-06-20", &[("基本設計", "")]), today, T0).await
    {
        Err(AppError::Validation(v)) => {
            let fields: Vec<&str> = v.iter().map(|(f, _)| f.as_str()).collect();
            assert!(fields.contains(&"reported_on") && fields.contains(&"progress"), "{v:?}");
        }
        other => panic!("{other:?}"),
    }
    match development::record_report(
        &db,
        &p.kanri,
        &x.id,
        report("2026-06-12", &[("基本設計", "100"), ("詳細設計", "170")]),
        today,
        T0,
    )
    .await
    {
        Err(AppError::Validation(v)) => assert_eq!(v, [("progress-1".to_string(), "field-out-of-range".to_string())]),
        other => panic!("{other:?}"),
    }
    // Readers outside the edit roles do not record.
    assert!(
        development::record_report(&db, &p.sys, &x.id, report("2026-06-12", &[("基本設計", "100")]), today, T0)
            .await
            .is_err()
    );
    assert!(
        development::record_report(&db, &p.emp, &x.id, report("2026-06-12", &[("基本設計", "100")]), today, T0)
            .await
            .is_err()
    );
    let n = development::record_report(
        &db,
        &p.kanri,
        &x.id,
        report("2026-06-12", &[("基本設計", "100"), ("詳細設計", "70"), ("結合テスト", "")]),
        today,
        T0 + 1,
    )
    .await
    .unwrap();
    assert_eq!(n, 2, "one row per milestone reported");

    let x = suppliers::get(&db, &p.sys, &x.id, today).await.unwrap();
    let d = x.development.as_ref().unwrap();
    let by = |m: &str| d.milestones.iter().find(|s| s.name == m).unwrap();
    assert_eq!(d.milestones.len(), 3);
    assert!(by("詳細設計").late && by("詳細設計").progress == Some(70), "behind plan is late");
    assert!(!by("基本設計").late && by("基本設計").done, "finished is not late");
    assert!(!by("結合テスト").late && by("結合テスト").progress.is_none(), "not yet due is not late");
    assert_eq!(d.reports.len(), 2);
    assert_eq!(d.reports[0].reporter, "開発 太郎（プロジェクト責任者）");
    let j = x.contract();
    let late: Vec<&str> = j["development"]["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["late"] == true)
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(late, ["詳細設計"]);
    assert_eq!(j["development"]["milestones"][1]["planned_on"], "2026-06-10");
    // A day before the planned day nothing is late (time is a parameter).
    let before = suppliers::get(&db, &p.sys, &x.id, date(2026, 6, 10)).await.unwrap();
    assert!(before.development.unwrap().milestones.iter().all(|m| !m.late));

    // Need-to-know: an employee reads neither the supplier nor the plan.
    assert!(suppliers::get(&db, &p.emp, &x.id, today).await.is_err());
    assert!(registers::page(&db, &p.emp, development::PLAN, &Default::default()).await.is_err());
}

async fn resubcontracting_needs_top_management(db: Db) {
    let p = people(&db).await;
    let today = date(2026, 6, 15);
    let name = "株式会社サンプルシステム開発";
    let s = obj(json!({"name": name, "kind": "outsourced_development", "services": "開発", "criticality": "高"}));
    let x = suppliers::create(&db, &p.kanri, s, today, T0).await.unwrap();
    let fields = |supplier: &str| {
        obj(json!({"supplier": supplier, "subcontractor": "有限会社テスト工房", "scope": "結合テストの実施",
            "information": "テスト用の匿名化データ", "security": "秘密保持契約、作業場所の入退室管理"}))
    };
    // The supplier must be one the requester may read: an employee cannot name it.
    match requests::create(&db, &p.emp, development::SUBCONTRACTING, &fields(name), today, T0).await {
        Err(AppError::Rows(r)) => assert!(r.iter().any(|r| r.field == "supplier"), "{r:?}"),
        other => panic!("{other:?}"),
    }
    let mut missing = fields(name);
    missing.remove("security");
    match requests::create(&db, &p.kanri, development::SUBCONTRACTING, &missing, today, T0).await {
        Err(AppError::Rows(r)) => assert!(r.iter().any(|r| r.field == "security"), "security measures are required"),
        other => panic!("{other:?}"),
    }
    let r = requests::create(&db, &p.kanri, development::SUBCONTRACTING, &fields(name), today, T0).await.unwrap();
    let listed = suppliers::get(&db, &p.kanri, &x.id, today).await.unwrap().development.unwrap();
    assert_eq!(listed.resubcontracting.len(), 1);
    assert_eq!(listed.resubcontracting[0].standing.key(), "pending");
    // Not by the requester, not by another role (システム管理者 holds every permission).
    assert!(matches!(
        requests::transition(&db, &p.kanri, &r.id, "approve", "", vec![], today, T0).await,
        Err(AppError::SeparationOfDuties)
    ));
    assert!(matches!(
        requests::transition(&db, &p.sys, &r.id, "approve", "", vec![], today, T0).await,
        Err(AppError::Forbidden)
    ));
    // A 経営責任者 who requested does not approve their own either.
    let own = requests::create(&db, &p.boss, development::SUBCONTRACTING, &fields(&x.id), today, T0).await.unwrap();
    let stored = requests::get(&db, &p.boss, &own.id, today).await.unwrap().0;
    assert_eq!(stored.fields["supplier"], name, "a supplier named by its id is stored by its name");
    assert!(matches!(
        requests::transition(&db, &p.boss, &own.id, "approve", "", vec![], today, T0).await,
        Err(AppError::SeparationOfDuties)
    ));
    assert_eq!(
        requests::transition(&db, &p.boss, &r.id, "approve", "", vec![], today, T0 + 1).await.unwrap().state,
        "approved"
    );
    let x = suppliers::get(&db, &p.sys, &x.id, today).await.unwrap();
    let d = x.development.as_ref().unwrap();
    assert_eq!(d.resubcontracting.len(), 2, "named by id or by name");
    let approved = d.resubcontracting.iter().find(|s| s.request_id == r.id).unwrap();
    assert_eq!(approved.standing.key(), "approved");
    assert_eq!(approved.subcontractor, "有限会社テスト工房");
    assert_eq!(approved.number, requests::number_label(r.number));
    let j = x.contract();
    let first = &j["development"]["resubcontracting"][0];
    assert_eq!((first["state"].as_str(), first["number"].as_str()), (Some("approved"), Some(approved.number.as_str())));
    assert!(first.get("request_id").is_none() && first["number"].as_str().unwrap().starts_with("R-"));
}

async fn acceptance_needs_the_test_record(db: Db) {
    let p = people(&db).await;
    let today = date(2026, 6, 15);
    let s = obj(
        json!({"name": "株式会社サンプルシステム開発", "kind": "outsourced_development", "services": "開発", "criticality": "高"}),
    );
    let x = suppliers::create(&db, &p.kanri, s, today, T0).await.unwrap();
    let mut f = obj(json!({"supplier": x.id, "deliverable": "販売管理システム v1.0", "delivered_on": "2026-06-12",
        "tests": "受入テスト仕様書の 120 項目", "warranty": "検収後 1 年間"}));
    // The test record's fields are required.
    match requests::create(&db, &p.kanri, development::ACCEPTANCE, &f, today, T0).await {
        Err(AppError::Rows(r)) => assert!(r.iter().any(|r| r.field == "results"), "{r:?}"),
        other => panic!("{other:?}"),
    }
    f.insert("results".into(), json!("120 項目中 120 項目合格"));
    let r = requests::create(&db, &p.kanri, development::ACCEPTANCE, &f, today, T0).await.unwrap();
    // Without the test report attached the acceptance is not approved.
    match requests::transition(&db, &p.boss, &r.id, "approve", "", vec![], today, T0).await {
        Err(AppError::Validation(v)) => assert_eq!(v[0].0, "files"),
        other => panic!("{other:?}"),
    }
    let d = suppliers::get(&db, &p.kanri, &x.id, today).await.unwrap().development.unwrap();
    assert_eq!(d.acceptances.len(), 1);
    assert_eq!(d.acceptances[0].standing.key(), "pending");
    let store = evidence::EvidenceStore {
        dir: std::env::temp_dir().join(format!("mamori-dev-{}", mamori_app::new_id())),
        max_bytes: 1 << 20,
    };
    let report = evidence::store_bytes(&store, &db, &p.boss, "受入テスト報告書.pdf", b"%PDF-1.4 accepted", T0)
        .await
        .unwrap()
        .sha256;
    // Not by the requester even with the record.
    assert!(matches!(
        requests::transition(&db, &p.kanri, &r.id, "approve", "", vec![report.clone()], today, T0).await,
        Err(AppError::SeparationOfDuties)
    ));
    let done = requests::transition(&db, &p.boss, &r.id, "approve", "", vec![report], today, T0 + 1).await.unwrap();
    assert_eq!(done.state, "approved");
    let x = suppliers::get(&db, &p.kanri, &x.id, today).await.unwrap();
    let a = &x.development.as_ref().unwrap().acceptances[0];
    assert_eq!((a.standing.key(), a.warranty.as_str()), ("approved", "検収後 1 年間"));
    assert_eq!(x.contract()["development"]["acceptances"][0]["accepted"], true);
}

on_both_engines!(plan_and_progress_show_the_late_milestone);
on_both_engines!(resubcontracting_needs_top_management);
on_both_engines!(acceptance_needs_the_test_record);
