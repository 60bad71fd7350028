//! Objectives (6.2) and the context documents (4.1–4.3) on both engines: an objective set with
//! every problem at its field, measurements by hand and computed from the system's records
//! (duty completion rate, incidents closed in time), met or not by the latest; the three
//! context documents created once as drafts with the climate-change question; and the
//! management review's inputs b, c, d3 and d4 matching the data seeded.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use jiff::civil::date;
use mamori_app::certification_audits::{self as ca, NewAudit, NewFinding};
use mamori_app::management_reviews as mr;
use mamori_app::objectives::{self as ob, NewObjective};
use mamori_app::{Actor, AppError, context, documents, duties, health, incidents, org, regulation};
use mamori_domain::objective::{Metric, Status};
use mamori_store::Db;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

fn at(y: i16, m: i8, d: i8) -> i64 {
    jiff::civil::date(y, m, d).at(9, 0, 0, 0).in_tz("Asia/Tokyo").unwrap().timestamp().as_millisecond()
}

fn objective(owner: &Actor, metric: &str, target: &str, direction: &str) -> NewObjective {
    NewObjective {
        title: "定期業務を期限内に実施する".into(),
        measure: String::new(),
        metric: metric.into(),
        target: target.into(),
        unit: String::new(),
        direction: direction.into(),
        owner_id: owner.user_id.clone().unwrap(),
        due_on: "2026-03-31".into(),
    }
}

async fn objectives_measured_and_reviewed(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    regulation::import_text(&db, &cli, "seed.txt", SEED, T0).await.unwrap();
    for (login, role) in [("boss", "top_management"), ("kanri", "security_manager"), ("emp", "employee")] {
        add_user(&db, &cli, login, role).await;
    }
    let [boss, kanri, emp] = [actor_of(&db, "boss").await, actor_of(&db, "kanri").await, actor_of(&db, "emp").await];
    let today = date(2026, 1, 10);
    duties::offer_from_regulation(&db, &cli, date(2025, 4, 1), T0).await.unwrap();
    duties::confirm(&db, &cli, &[], date(2025, 4, 1), today, T0).await.unwrap();

    // Employees read (6.2 d) but do not set.
    assert!(matches!(
        ob::create(&db, &emp, objective(&kanri, "duty_completion_rate", "90", "at_least"), T0).await,
        Err(AppError::Forbidden)
    ));
    let bad = NewObjective {
        title: String::new(),
        measure: String::new(),
        metric: String::new(),
        target: "九十".into(),
        unit: "x".repeat(21),
        direction: "more".into(),
        owner_id: "nobody".into(),
        due_on: "2026-02-30".into(),
    };
    match ob::create(&db, &kanri, bad, T0).await {
        Err(AppError::Validation(p)) => assert_eq!(
            p.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
            ["title", "measure", "target", "unit", "direction", "owner_id", "due_on"]
        ),
        other => panic!("{other:?}"),
    }
    let duty_rate =
        ob::create(&db, &kanri, objective(&kanri, "duty_completion_rate", "90", "at_least"), T0).await.unwrap();
    assert_eq!((duty_rate.unit.as_str(), duty_rate.target_milli), ("%", 90_000));
    assert!(duty_rate.measure.contains("期限内"), "a computed measure describes itself");
    let inc = ob::create(
        &db,
        &boss,
        NewObjective {
            title: "インシデントを 30 日以内に終結する".into(),
            ..objective(&boss, "incidents_closed_in_time", "80", "at_least")
        },
        T0,
    )
    .await
    .unwrap();
    let training = ob::create(
        &db,
        &kanri,
        NewObjective {
            title: "標的型メール訓練の開封率".into(),
            measure: "訓練メールを開封した従業員の割合".into(),
            metric: String::new(),
            target: "10".into(),
            unit: "%".into(),
            direction: "at_most".into(),
            ..objective(&emp, "", "", "")
        },
        T0,
    )
    .await
    .unwrap();
    let untouched = ob::create(
        &db,
        &kanri,
        NewObjective {
            title: "未測定の目標".into(),
            measure: "件数".into(),
            unit: "件".into(),
            ..objective(&kanri, "", "0", "at_most")
        },
        T0,
    )
    .await
    .unwrap();

    // Computed: every duty due since April is missed — 0 % on time; the same as the health
    // facts count (another path through the same records).
    let rate = ob::compute(&db, &kanri, Metric::DutyCompletionRate, today).await.unwrap();
    let facts = health::facts(&db, &kanri, today).await.unwrap();
    let (on_time, due) = facts.values().fold((0, 0), |(a, b), f| (a + f.on_time, b + f.on_time + f.late + f.missed));
    let (on_time, due) = (u64::try_from(on_time).unwrap(), u64::try_from(due).unwrap());
    assert!(due > 0);
    assert_eq!(rate, mamori_domain::objective::percent_milli(on_time, due));
    assert_eq!(rate, Some(0));
    let m = ob::record_computed(&db, &kanri, &duty_rate.id, today, at(2026, 1, 10)).await.unwrap();
    assert_eq!((m.value_milli, m.computed, m.measured_on.as_str()), (0, 1, "2026-01-10"));
    assert!(matches!(ob::record_computed(&db, &kanri, &training.id, today, T0).await, Err(AppError::Conflict)));

    // Incidents: none yet → nothing to compute; then one closed in time, one open past its
    // limit, one open within it → 50 %.
    match ob::record_computed(&db, &kanri, &inc.id, today, T0).await {
        Err(AppError::Validation(p)) => assert_eq!(p[0].0, "value"),
        other => panic!("{other:?}"),
    }
    let i1 =
        incidents::report(&db, &emp, "誤送信", "取引先に誤送信", "2026-01-05 10:00", at(2026, 1, 5)).await.unwrap();
    incidents::assess(&db, &boss, &i1.id, true, Some("internal"), "個人情報を含む", at(2026, 1, 5)).await.unwrap();
    incidents::close(&db, &boss, &i1.id, "宛先確認を徹底", at(2026, 1, 9)).await.unwrap();
    let i2 =
        incidents::report(&db, &emp, "紛失", "USB メモリの紛失", "2025-11-01 10:00", at(2025, 11, 1)).await.unwrap();
    incidents::assess(&db, &boss, &i2.id, true, Some("internal"), "媒体の紛失", at(2025, 11, 1)).await.unwrap();
    incidents::report(&db, &emp, "不審メール", "添付を開いた", "2026-01-08 10:00", at(2026, 1, 8)).await.unwrap();
    assert_eq!(ob::compute(&db, &kanri, Metric::IncidentsClosedInTime, today).await.unwrap(), Some(50_000));
    ob::record_computed(&db, &kanri, &inc.id, today, at(2026, 1, 10)).await.unwrap();

    // By hand: every problem at its field; then two measurements, the latest rules.
    match ob::record_measurement(&db, &kanri, &training.id, "2026-02-01", "多い", &"n".repeat(2001), today, T0).await
    {
        Err(AppError::Validation(p)) => {
            assert_eq!(p.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["measured_on", "value", "note"])
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        ob::record_measurement(&db, &emp, &training.id, "2026-01-05", "5", "", today, T0).await,
        Err(AppError::Forbidden)
    ));
    ob::record_measurement(&db, &kanri, &training.id, "2025-10-01", "12.5", "上期", today, T0 + 1).await.unwrap();
    ob::record_measurement(&db, &kanri, &training.id, "2026-01-05", "8", "下期", today, T0 + 2).await.unwrap();

    let list = ob::list(&db, &emp).await.unwrap();
    let status = |id: &str| list.iter().find(|o| o.objective.id == id).unwrap().status;
    assert_eq!(status(&duty_rate.id), Status::NotMet, "0 % < 90 %");
    assert_eq!(status(&inc.id), Status::NotMet, "50 % < 80 %");
    assert_eq!(status(&training.id), Status::Met, "8 % ≤ 10 %");
    assert_eq!(status(&untouched.id), Status::NotMeasured);
    let t = list.iter().find(|o| o.objective.id == training.id).unwrap();
    assert_eq!(t.measurements.iter().map(|m| m.row.value_milli).collect::<Vec<_>>(), [12_500, 8_000]);
    assert_eq!((t.owner_name.as_str(), t.measurements[0].recorded_by_name.as_str()), ("emp さん", "kanri さん"));

    // The context documents: created once, as drafts, listed among the documents.
    assert!(matches!(context::ensure_documents(&db, &emp, T0).await, Err(AppError::Forbidden)));
    assert_eq!(context::ensure_documents(&db, &kanri, at(2025, 12, 1)).await.unwrap(), 3);
    assert_eq!(context::ensure_documents(&db, &kanri, at(2025, 12, 1)).await.unwrap(), 0, "idempotent");
    let docs = context::documents(&db, &kanri).await.unwrap();
    assert_eq!(docs.len(), 3);
    let issues = &docs[0];
    assert!(issues.draft().unwrap().body.contains("気候変動が関連する課題かどうか"));
    assert_eq!(issues.doc.approver_role, "top_management");
    let all = documents::list(&db, &emp).await.unwrap();
    assert!(all.iter().any(|d| d.doc.doc_number == context::SCOPE && d.doc.title == "ISMS の適用範囲"));
    // The issues are approved (a new version later); the parties are not: only b gets an item.
    documents::approve(&db, &boss, &issues.doc.id, at(2026, 1, 6)).await.unwrap();

    // A certification audit finding for d3.
    let audit = ca::record(
        &db,
        &kanri,
        NewAudit {
            kind: "surveillance".into(),
            body: "BSI".into(),
            lead_auditor: "審査 一郎".into(),
            starts_on: "2026-01-07".into(),
            ..NewAudit::default()
        },
        T0,
    )
    .await
    .unwrap();
    let f = ca::add_finding(
        &db,
        &kanri,
        &audit.id,
        NewFinding {
            grade: "minor_nc".into(),
            text: "目標の測定記録がない".into(),
            reference: Some("BSI-7".into()),
            ..NewFinding::default()
        },
        today,
        T0,
    )
    .await
    .unwrap();

    let r = mr::create(&db, &kanri, today, at(2026, 1, 10)).await.unwrap();
    let i = &r.inputs;
    assert_eq!(i.b.len(), 1, "{:?}", i.b);
    assert_eq!(i.b[0].source.kind, "document_version");
    assert!(i.b[0].text.starts_with("「組織の状況（内部及び外部の課題）」初版を承認（2026-01-06）"), "{}", i.b[0].text);
    assert!(i.c.is_empty(), "the parties' draft is not approved");
    assert_eq!(i.d3.len(), 1);
    assert_eq!(
        (i.d3[0].source.kind.as_str(), i.d3[0].source.id.as_deref()),
        ("certification_finding", Some(f.id.as_str()))
    );
    assert!(i.d3[0].text.contains("サーベイランス審査（BSI、2026-01-07） BSI-7 軽微な不適合: 目標の測定記録がない"));
    assert_eq!(i.d4[0].text, "情報セキュリティ目標: 達成 1 件、未達 2 件、未測定 1 件");
    assert_eq!(i.d4.len(), 5);
    let line = |id: &str| i.d4.iter().find(|x| x.source.id.as_deref() == Some(id)).unwrap().text.clone();
    assert_eq!(line(&training.id), "OBJ-03 標的型メール訓練の開封率: 目標 ≤ 10%、実績 8%（2026-01-05 測定）— 達成");
    assert_eq!(line(&duty_rate.id), "OBJ-01 定期業務を期限内に実施する: 目標 ≥ 90%、実績 0%（2026-01-10 測定）— 未達");
    assert_eq!(line(&untouched.id), "OBJ-04 未測定の目標: 目標 ≤ 0件、未測定");
    // A review held before the measurements sees only what was measured by then.
    let earlier = mr::assemble(&db, &kanri, date(2026, 1, 1)).await.unwrap();
    assert_eq!(earlier.d4[0].text, "情報セキュリティ目標: 達成 0 件、未達 1 件、未測定 3 件");
    assert!(earlier.b.is_empty() && earlier.d3.is_empty());

    // Another organisation sees nothing.
    let other = org::create(&db, "other", "他社", T0).await.unwrap();
    assert!(matches!(ob::get(&db, &Actor::cli(&other.id), &training.id).await, Err(AppError::NotFound)));
    assert!(mamori_app::audit::verify_org(&db, &o.id).await.unwrap().is_ok());
}

on_both_engines!(objectives_measured_and_reviewed);
