//! Nonconformity and corrective action (10.2) on both engines: raised for a control, acted on
//! by its owner, checked by another manager (never the person who acted), closed only when
//! effective; the report is the 是正処置報告書 row; control health sees it until closed.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use jiff::civil::date;
use mamori_app::nonconformities::{self as nc, NewNonconformity};
use mamori_app::{Actor, AppError, health, org, regulation};
use mamori_domain::health::HealthState;
use mamori_domain::nonconformity::Source;
use mamori_store::Db;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

async fn the_life_of_a_corrective_action(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    regulation::import_text(&db, &cli, "seed.txt", SEED, T0).await.unwrap();
    add_user(&db, &cli, "boss", "top_management").await;
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "emp", "employee").await;
    let boss = actor_of(&db, "boss").await;
    let kanri = actor_of(&db, "kanri").await;
    let emp = actor_of(&db, "emp").await;
    let today = date(2026, 1, 10);
    let new = |owner: &Actor| NewNonconformity {
        source: Source::InternalAudit,
        source_ref: None,
        control_id: Some("8.13".into()),
        text: "バックアップの取得記録が 2 か月分ない".into(),
        owner_id: owner.user_id.clone().unwrap(),
        due: date(2026, 2, 28),
    };
    assert!(matches!(nc::raise(&db, &emp, new(&emp), T0).await, Err(AppError::Forbidden)), "managers raise");
    let bad = NewNonconformity {
        text: " ".into(),
        control_id: Some("9.99".into()),
        owner_id: "nobody".into(),
        ..new(&kanri)
    };
    match nc::raise(&db, &boss, bad, T0).await {
        Err(AppError::Validation(p)) => {
            let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
            assert_eq!(fields, ["nonconformity", "control_id", "owner_id"], "every problem at its field");
        }
        other => panic!("{other:?}"),
    }
    let n = nc::raise(&db, &boss, new(&kanri), T0).await.unwrap();
    assert_eq!(n.record.state, "open");
    assert_eq!(n.report["report_no"], "NC-0001");
    assert_eq!(n.report["source"], "内部監査");
    assert_eq!(n.report["owner"], "kanri さん");
    assert_eq!(n.report["due"], "2026-02-28");
    let before = health::of_control(&db, &boss, "8.13", today).await.unwrap();
    assert_eq!(before.state, HealthState::Attention);
    assert!(before.reasons.iter().any(|r| r.key == "nonconformities" && r.numbers["count"] == 1));

    // No closing before acting; an employee who is not the owner does not act.
    assert!(matches!(nc::check(&db, &boss, &n.record.id, true, "確認", today, T0).await, Err(AppError::Conflict)));
    assert!(matches!(nc::record_action(&db, &emp, &n.record.id, "a", "b", "c", T0).await, Err(AppError::Forbidden)));
    match nc::record_action(&db, &kanri, &n.record.id, "取得し直した", "", "", T0).await {
        Err(AppError::Validation(p)) => assert_eq!(p.len(), 2),
        other => panic!("{other:?}"),
    }
    let acted = nc::record_action(
        &db,
        &kanri,
        &n.record.id,
        "取得し直した",
        "担当者不在時の代行者がいない",
        "代行者を定めた",
        T0 + 1,
    )
    .await
    .unwrap();
    assert_eq!((acted.record.state.as_str(), acted.record.acted_by.as_deref()), ("acted", kanri.user_id.as_deref()));
    assert_eq!(acted.report["root_cause"], "担当者不在時の代行者がいない");

    // The person who acted does not check effectiveness, even as a manager.
    assert!(matches!(
        nc::check(&db, &kanri, &n.record.id, true, "再発なし", today, T0 + 2).await,
        Err(AppError::SeparationOfDuties)
    ));
    // Not effective: back to open, to be acted on again.
    let reopened = nc::check(&db, &boss, &n.record.id, false, "翌月も欠落", today, T0 + 3).await.unwrap();
    assert_eq!((reopened.record.state.as_str(), reopened.record.acted_by.as_deref()), ("open", None));
    assert_eq!(reopened.report["closed"], false);
    nc::record_action(&db, &kanri, &n.record.id, "再取得", "監視がない", "週次で確認する", T0 + 4).await.unwrap();
    let closed = nc::check(&db, &boss, &n.record.id, true, "2 か月欠落なし", today, T0 + 5).await.unwrap();
    assert_eq!(closed.record.state, "closed");
    assert_eq!(closed.record.checked_by, boss.user_id);
    assert_eq!(
        (closed.report["closed"].clone(), closed.report["reviewed_on"].clone()),
        (true.into(), "2026-01-10".into())
    );
    let after = health::of_control(&db, &boss, "8.13", today).await.unwrap();
    assert!(!after.reasons.iter().any(|r| r.key == "nonconformities"), "a closed one no longer counts");

    // Everyone reading the register reads the list; another organisation sees nothing.
    assert_eq!(nc::list(&db, &emp).await.unwrap().len(), 1);
    let other = org::create(&db, "other", "他社", T0).await.unwrap();
    assert!(matches!(nc::get(&db, &Actor::cli(&other.id), &n.record.id).await, Err(AppError::NotFound)));
    assert!(mamori_app::audit::verify_org(&db, &o.id).await.unwrap().is_ok());
}

on_both_engines!(the_life_of_a_corrective_action);

/// A duty missed twice this fiscal year is offered as a nonconformity, raised once for it (its
/// assignee owns it), and offered again only after that one is closed.
async fn a_duty_missed_repeatedly_becomes_a_nonconformity(db: Db) {
    use mamori_app::duties;
    use mamori_app::nonconformities::missed;
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    regulation::import_text(&db, &cli, "seed.txt", SEED, T0).await.unwrap();
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "emp", "employee").await;
    let kanri = actor_of(&db, "kanri").await;
    let emp = actor_of(&db, "emp").await;
    let offered_on = date(2026, 4, 1);
    duties::offer_from_regulation(&db, &cli, offered_on, T0).await.unwrap();
    let all: Vec<String> = duties::list(&db, &cli, offered_on).await.unwrap().into_iter().map(|d| d.duty.id).collect();
    duties::confirm(&db, &cli, &all, offered_on, offered_on, T0).await.unwrap();
    // In May a monthly duty has missed April only: below the threshold.
    assert!(missed::candidates(&db, &kanri, date(2026, 5, 5)).await.unwrap().is_empty());
    let today = date(2026, 6, 5);
    let found = missed::candidates(&db, &kanri, today).await.unwrap();
    assert!(!found.is_empty(), "monthly duties missed in April and May");
    assert!(found.iter().all(|m| m.missed >= missed::THRESHOLD));
    let first = found[0].clone();
    assert!(matches!(missed::raise_for_duty(&db, &emp, &first.duty_id, today, T0).await, Err(AppError::Forbidden)));
    let n = missed::raise_for_duty(&db, &kanri, &first.duty_id, today, T0 + 1).await.unwrap();
    assert_eq!(
        (n.record.source.as_str(), n.record.source_ref.as_deref()),
        ("missed_duty", Some(first.duty_id.as_str()))
    );
    assert_eq!(n.record.control_id, first.control_id);
    assert_eq!(n.report["due"], "2026-07-05");
    assert!(n.report["nonconformity"].as_str().unwrap().contains(&first.title));
    let after = missed::candidates(&db, &kanri, today).await.unwrap();
    assert_eq!(after.len(), found.len() - 1, "raised once");
    assert!(matches!(
        missed::raise_for_duty(&db, &kanri, &first.duty_id, today, T0 + 2).await,
        Err(AppError::Conflict)
    ));
}

on_both_engines!(a_duty_missed_repeatedly_becomes_a_nonconformity);
