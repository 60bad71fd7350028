//! Internal audit (9.2) on both engines: auditor independence, the checklist, findings that
//! raise nonconformities, the report approved by 経営責任者 who did not audit.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use jiff::civil::date;
use mamori_app::internal_audits::{self as ia, NewAudit};
use mamori_app::{Actor, AppError, duties, nonconformities, org, regulation};
use mamori_domain::internal_audit::Grade;
use mamori_store::Db;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

fn duty(control: &str, decision: &str, owner: &str, anchor: Option<&str>) -> duties::DutyEdit {
    duties::DutyEdit {
        title: format!("{control} の確認"),
        control_id: Some(control.into()),
        decision: decision.into(),
        schedule: (decision == "scheduled")
            .then(|| mamori_domain::schedule::Schedule::new(mamori_domain::schedule::Frequency::Annual)),
        owner_role: Some(owner.into()),
        assignee_id: None,
        evidence: "note".into(),
        register_key: None,
        request_type: None,
        anchor: anchor.map(str::to_string),
        lead_days: None,
        active: true,
    }
}

async fn an_internal_audit_from_plan_to_approval(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    regulation::import_text(&db, &cli, "seed.txt", SEED, T0).await.unwrap();
    for (login, role) in
        [("boss", "top_management"), ("kanri", "security_manager"), ("kansa", "internal_auditor"), ("emp", "employee")]
    {
        add_user(&db, &cli, login, role).await;
    }
    let [boss, kanri, kansa, emp] = [
        actor_of(&db, "boss").await,
        actor_of(&db, "kanri").await,
        actor_of(&db, "kansa").await,
        actor_of(&db, "emp").await,
    ];
    let today = date(2026, 1, 5);
    duties::create(&db, &cli, duty("5.9", "scheduled", "security_manager", None), today, T0).await.unwrap();
    duties::create(&db, &cli, duty("5.9", "audit", "internal_auditor", Some("at_internal_audit")), today, T0)
        .await
        .unwrap();
    let plan = |auditors: &[&str]| NewAudit {
        title: "2026 年度 内部監査".into(),
        scope: vec!["5.9".into()],
        auditors: auditors.iter().map(|s| s.to_string()).collect(),
        planned_on: date(2026, 2, 10),
    };

    // The security manager owns a 5.9 duty: not independent.
    match ia::plan(&db, &kanri, plan(&["kanri"]), T0).await {
        Err(AppError::AuditorIndependence(c)) => {
            assert!(c.iter().any(|c| c.auditor == "kanri" && c.control == "5.9" && c.reason == "duty_owner"), "{c:?}");
        }
        other => panic!("{other:?}"),
    }
    let bad = NewAudit { title: " ".into(), scope: vec!["9.99".into()], auditors: vec!["nobody".into()], ..plan(&[]) };
    match ia::plan(&db, &kanri, bad, T0).await {
        Err(AppError::Validation(p)) => {
            assert_eq!(p.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["title", "scope_controls", "auditors"])
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(ia::plan(&db, &emp, plan(&["emp"]), T0).await, Err(AppError::Forbidden)));
    // The only 経営責任者 as auditor would leave nobody to approve the report.
    match ia::plan(&db, &kanri, plan(&["boss", "kansa"]), T0).await {
        Err(AppError::Validation(p)) => {
            assert_eq!(p, [("auditors".to_string(), "field-auditors-leave-no-approver".to_string())])
        }
        other => panic!("{other:?}"),
    }
    // The internal auditor is independent of 5.9: the duty anchored at the internal audit is
    // the audit's own work.
    let audit = ia::plan(&db, &kanri, plan(&["kansa"]), T0).await.unwrap();
    assert_eq!((audit.number, audit.state.as_str()), (1, "planned"));

    let list = ia::checklist(&db, &kanri, &audit.id).await.unwrap();
    let of = |source: &str| list.iter().filter(|i| i.source == source).collect::<Vec<_>>();
    assert_eq!(of("regulation").len(), 2, "5.9's two procedure items");
    assert!(of("regulation")[1].item.contains("リスク所有者"));
    assert_eq!(of("duty").len(), 1);
    assert_eq!(of("duty")[0].control, "5.9");
    assert!(of("isms_clause").iter().any(|i| i.control == "10.2"));
    assert!(of("isms_clause").iter().any(|i| i.control.starts_with('4')));

    // Findings: by the audit's auditor only, on an in-scope control.
    assert!(matches!(
        ia::add_finding(&db, &kanri, &audit.id, "5.9", Grade::MinorNc, "x", date(2026, 3, 31), T0).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        ia::add_finding(&db, &kansa, &audit.id, "8.13", Grade::Observation, "x", date(2026, 3, 31), T0).await,
        Err(AppError::Validation(_))
    ));
    let nc = ia::add_finding(
        &db,
        &kansa,
        &audit.id,
        "5.9",
        Grade::MinorNc,
        "目録の見直し記録がない",
        date(2026, 3, 31),
        T0 + 1,
    )
    .await
    .unwrap();
    let nc_id = nc.nonconformity_id.clone().expect("a nonconformity has its corrective action");
    let obs = ia::add_finding(
        &db,
        &kansa,
        &audit.id,
        "5.9",
        Grade::Opportunity,
        "台帳の項目を整理できる",
        date(2026, 3, 31),
        T0 + 2,
    )
    .await
    .unwrap();
    assert_eq!(obs.nonconformity_id, None);
    let raised = nonconformities::get(&db, &kanri, &nc_id).await.unwrap();
    assert_eq!((raised.record.source.as_str(), raised.record.control_id.as_deref()), ("internal_audit", Some("5.9")));
    assert_eq!(raised.record.owner_id, kanri.user_id, "the planner owns it");
    assert_eq!(ia::findings(&db, &boss, &audit.id).await.unwrap().len(), 2);

    // The report, approved by 経営責任者.
    assert!(matches!(ia::approve(&db, &boss, &audit.id, T0).await, Err(AppError::Conflict)), "nothing to approve yet");
    match ia::report(&db, &kansa, &audit.id, "軽微な不適合 1 件、改善の機会 1 件", T0 + 3).await {
        Err(AppError::Validation(p)) => assert_eq!(p[0].1, "field-report-before-audit", "not before the audit's day"),
        other => panic!("{other:?}"),
    }
    let after_the_audit = T0 + 45 * 86_400_000;
    ia::report(&db, &kansa, &audit.id, "軽微な不適合 1 件、改善の機会 1 件", after_the_audit).await.unwrap();
    assert!(matches!(ia::approve(&db, &kanri, &audit.id, T0 + 4).await, Err(AppError::Forbidden)));
    let approved = ia::approve(&db, &boss, &audit.id, T0 + 5).await.unwrap();
    assert_eq!((approved.state.as_str(), approved.approved_by.as_deref()), ("approved", boss.user_id.as_deref()));
    // Need-to-know: employees do not read audits; other organisations see nothing.
    assert!(matches!(ia::list(&db, &emp).await, Err(AppError::Forbidden)));
    assert_eq!(ia::list(&db, &kansa).await.unwrap().len(), 1);
    let other = org::create(&db, "other", "他社", T0).await.unwrap();
    assert!(matches!(ia::get(&db, &Actor::cli(&other.id), &audit.id).await, Err(AppError::NotFound)));
    assert!(mamori_app::audit::verify_org(&db, &o.id).await.unwrap().is_ok());
}

on_both_engines!(an_internal_audit_from_plan_to_approval);
