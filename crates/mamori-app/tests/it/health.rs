//! Control health (9.1) from duties done on time, late, missed or not at all, and open items,
//! on both engines.

use crate::on_both_engines;
use jiff::civil::{Date, date};
use mamori_app::{Actor, AppError, duties, health, open_items, org, regulation};
use mamori_domain::health::{HealthState, LogCoverage};
use mamori_domain::schedule::{Frequency, Schedule};
use mamori_store::Db;

const T0: i64 = 1_767_225_600_000;
const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

fn monthly(control: &str) -> duties::DutyEdit {
    duties::DutyEdit {
        title: format!("{control} の月次確認"),
        control_id: Some(control.into()),
        decision: "scheduled".into(),
        schedule: Some(Schedule::new(Frequency::Monthly)),
        owner_role: Some("security_manager".into()),
        assignee_id: None,
        evidence: "note".into(),
        register_key: None,
        request_type: None,
        anchor: None,
        lead_days: None,
        active: true,
    }
}

/// Creates a monthly duty on `created` and completes its occurrences of April, May and June
/// on the days given (`None`: not done).
async fn duty_done_on(db: &Db, a: &Actor, control: &str, created: Date, done: [Option<Date>; 3]) {
    let d = duties::create(db, a, monthly(control), created, T0).await.unwrap();
    let occ = duties::history(db, a, &d.id, date(2026, 7, 10)).await.unwrap().1;
    for (due, on) in ["2026-04-30", "2026-05-31", "2026-06-30"].into_iter().zip(done) {
        let Some(on) = on else { continue };
        let o = occ.iter().find(|o| o.occurrence.due == due).unwrap();
        let c = duties::Completion { note: "確認済み".into(), ..Default::default() };
        duties::complete(db, a, &o.occurrence.id, c, on, T0).await.unwrap();
    }
}

async fn health_from_duties_and_open_items(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let a = Actor::cli(&o.id);
    regulation::import_text(&db, &a, "seed.txt", SEED, T0).await.unwrap();
    let today = date(2026, 7, 10);
    // Applicable controls without an open item, for a clean picture of each case.
    let items = open_items::list(&db, &a).await.unwrap();
    let cur = regulation::current(&db, &a).await.unwrap().unwrap();
    let clean: Vec<String> = cur
        .controls
        .iter()
        .filter(|c| c.applicable && c.id != "8.15" && !items.iter().any(|i| i.item.control_id == c.id))
        .map(|c| c.id.clone())
        .take(5)
        .collect();
    assert_eq!(clean.len(), 5);
    let [on_time, late, missed, none, not_yet] = [0, 1, 2, 3, 4].map(|i| clean[i].as_str());

    let april = date(2026, 4, 1);
    let d = |m, day| Some(date(2026, m, day));
    duty_done_on(&db, &a, on_time, april, [d(4, 30), d(5, 20), d(6, 30)]).await;
    duty_done_on(&db, &a, late, april, [d(4, 30), d(6, 3), d(6, 30)]).await;
    duty_done_on(&db, &a, missed, april, [d(4, 28), None, d(6, 30)]).await;
    // Created in July: nothing is due yet on the 10th.
    duties::create(&db, &a, monthly(not_yet), date(2026, 7, 1), T0).await.unwrap();

    let all = health::all(&db, &a, today).await.unwrap();
    let state = |id: &str| all[id].state;
    let keys = |id: &str| all[id].reasons.iter().map(|r| r.key).collect::<Vec<_>>();
    assert_eq!((state(on_time), keys(on_time)), (HealthState::Good, vec!["on_time"]));
    assert_eq!(all[on_time].reasons[0].numbers["count"], 3);
    assert_eq!((state(late), keys(late)), (HealthState::Attention, vec!["late"]));
    assert_eq!(all[late].reasons[0].numbers["count"], 1);
    assert_eq!((state(missed), keys(missed)), (HealthState::Deficient, vec!["missed"]));
    assert_eq!(all[missed].reasons[0].numbers["count"], 1);
    assert_eq!((state(none), keys(none)), (HealthState::NotEvaluated, vec!["no_duties"]));
    assert_eq!((state(not_yet), keys(not_yet)), (HealthState::NotEvaluated, vec!["nothing_due"]));

    // A month earlier June's occurrences are not due yet and count for nothing.
    let june = health::all(&db, &a, date(2026, 6, 2)).await.unwrap();
    assert_eq!(june[on_time].reasons[0].numbers["count"], 2);
    // Only this fiscal year counts: on 10 April 2027 nothing of fiscal 2027 is due yet.
    let next = health::all(&db, &a, date(2027, 4, 10)).await.unwrap();
    assert_eq!((next[missed].state, next[missed].reasons[0].key), (HealthState::NotEvaluated, "nothing_due"));

    // An unresolved open item needs attention; resolving it leaves what the duties say.
    let item = items.iter().find(|i| !i.resolved()).unwrap().item.clone();
    let ctl = item.control_id.clone();
    assert_eq!(health::of_control(&db, &a, &ctl, today).await.unwrap().state, HealthState::Attention);
    let open_count = items.iter().filter(|i| i.item.control_id == ctl && !i.resolved()).count() as i64;
    let h = health::of_control(&db, &a, &ctl, today).await.unwrap();
    assert_eq!(h.reasons.iter().find(|r| r.key == "open_items").unwrap().numbers["count"], open_count);
    for i in items.iter().filter(|i| i.item.control_id == ctl) {
        let e = open_items::OpenItemEdit { owner_id: None, due: None, resolution: Some("規程を改訂".into()) };
        open_items::update(&db, &a, &i.item.id, e, today, T0).await.unwrap();
    }
    assert!(
        !health::of_control(&db, &a, &ctl, today).await.unwrap().reasons.iter().any(|r| r.key == "open_items"),
        "a resolved item no longer counts"
    );

    // 8.15 carries the log coverage: nothing imported yet is no evidence either way.
    let facts = health::facts(&db, &a, today).await.unwrap();
    assert_eq!(facts["8.15"].logs, Some(LogCoverage { days_covered: 0, days_since_import: None }));
    assert_eq!(facts[on_time].logs, None);

    assert!(matches!(health::of_control(&db, &a, "9.99", today).await, Err(AppError::NotFound)));
    let nobody = Actor { grants: mamori_domain::permission::Grants::from_keys(["duties.view"]), ..a.clone() };
    assert!(matches!(health::all(&db, &nobody, today).await, Err(AppError::Forbidden)));
}

on_both_engines!(health_from_duties_and_open_items);
