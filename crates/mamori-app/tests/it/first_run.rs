//! The first run's checklist (issue 15, item 1), worked out from the records each step leaves,
//! on both engines.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use jiff::civil::date;
use mamori_app::people::PersonInput;
use mamori_app::soa::RowEdit;
use mamori_app::{Actor, AppError, duties, first_run, org, people, regulation, soa};
use mamori_domain::soa::ImplStatus;
use mamori_store::Db;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

fn done(f: &first_run::FirstRun) -> Vec<&'static str> {
    f.steps.iter().filter(|s| s.done).map(|s| s.key).collect()
}

async fn the_checklist_follows_the_records_until_done(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "emp", "employee").await;
    let kanri = actor_of(&db, "kanri").await;
    let emp = actor_of(&db, "emp").await;
    assert!(matches!(first_run::status(&db, &emp).await, Err(AppError::Forbidden)), "for those who set up");

    // A fresh organisation: nothing done, the regulation first.
    let f = first_run::status(&db, &kanri).await.unwrap();
    assert_eq!(f.steps.iter().map(|s| s.key).collect::<Vec<_>>(), first_run::STEPS);
    assert!(done(&f).is_empty(), "{f:?}");
    assert_eq!(f.next().unwrap().key, "regulation");
    assert!(f.shown());

    // The regulation imported and its duties offered: duties are left to confirm.
    regulation::import_text(&db, &cli, "seed.txt", SEED, T0).await.unwrap();
    let today = date(2026, 11, 25);
    let offered = duties::offer_from_regulation(&db, &cli, today, T0).await.unwrap();
    let f = first_run::status(&db, &kanri).await.unwrap();
    assert_eq!(done(&f), ["regulation"]);
    assert_eq!(f.steps[1].left, offered, "every offered duty is still to confirm");
    assert!(f.steps[4].left > 0, "the SoA's applicable controls start 未評価");

    // Confirmed from a first due date: the roles that own them are asked for.
    duties::confirm(&db, &cli, &[], today, today, T0).await.unwrap();
    let f = first_run::status(&db, &kanri).await.unwrap();
    assert_eq!(done(&f), ["regulation", "duties"]);
    let people_step = &f.steps[3];
    assert!(!people_step.done);
    assert!(people_step.names.contains(&"経営責任者".to_string()), "nobody holds 経営責任者: {people_step:?}");
    assert!(!people_step.names.contains(&"情報セキュリティ管理者".to_string()), "kanri holds it: {people_step:?}");
    assert_eq!(people_step.left, people_step.names.len());

    // The review of registers and request types leaves no record: marked by hand, once.
    assert!(matches!(
        first_run::mark(&db, &kanri, "soa", T0).await,
        Err(AppError::Validation(v)) if v[0].0 == "step"
    ));
    let f = first_run::mark(&db, &kanri, "catalogue", T0 + 1).await.unwrap();
    assert_eq!(done(&f), ["regulation", "duties", "catalogue"]);
    first_run::mark(&db, &kanri, "catalogue", T0 + 2).await.unwrap();

    // Every owning role held, and someone in the staff directory.
    for (login, role) in [("ceo", "top_management"), ("sys", "system_admin"), ("aud", "internal_auditor")] {
        add_user(&db, &cli, login, role).await;
    }
    let f = first_run::status(&db, &kanri).await.unwrap();
    assert!(f.steps[3].names.is_empty(), "{:?}", f.steps[3]);
    assert!(!f.steps[3].done, "the staff directory is still empty");
    let p = PersonInput {
        name: "管理 次郎".into(),
        email: "kanri@example.jp".into(),
        kind: "employee".into(),
        ..PersonInput::default()
    };
    people::create(&db, &cli, &p, T0).await.unwrap();
    assert_eq!(done(&first_run::status(&db, &kanri).await.unwrap()), ["regulation", "duties", "catalogue", "people"]);

    // Every applicable control evaluated: the checklist is done and no longer shown.
    let ceo = actor_of(&db, "ceo").await;
    let view = soa::soa(&db, &ceo, false).await.unwrap();
    let applicable: Vec<String> = view.rows.iter().filter(|r| r.applicable).map(|r| r.id.clone()).collect();
    for (n, id) in applicable.iter().enumerate() {
        let edit = RowEdit { status: Some(ImplStatus::Implemented), ..RowEdit::default() };
        soa::soa_edit_row(&db, &ceo, id, edit, T0 + 10 + n as i64).await.unwrap();
    }
    let f = first_run::status(&db, &kanri).await.unwrap();
    assert!(f.complete(), "{f:?}");
    assert!(!f.shown());
    assert!(f.next().is_none());
}

async fn the_checklist_can_be_closed_by_hand(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    let f = first_run::mark(&db, &cli, "dismissed", T0).await.unwrap();
    assert!(f.dismissed && !f.complete() && !f.shown());
    let trail = mamori_app::audit::all_rows(&db, &cli).await.unwrap();
    assert_eq!(trail.iter().filter(|r| r.object_type == "first_run_step").count(), 1, "audited once");
    first_run::mark(&db, &cli, "dismissed", T0 + 1).await.unwrap();
    let trail = mamori_app::audit::all_rows(&db, &cli).await.unwrap();
    assert_eq!(trail.iter().filter(|r| r.object_type == "first_run_step").count(), 1, "a second close adds nothing");
}

on_both_engines!(the_checklist_follows_the_records_until_done, the_checklist_can_be_closed_by_hand);
