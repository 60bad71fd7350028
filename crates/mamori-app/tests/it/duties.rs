//! Recurring duties from the seed regulation, on both engines.

use crate::on_both_engines;
use jiff::civil::date;
use mamori_app::{Actor, AppError, duties, org, regulation};
use mamori_domain::schedule::{Frequency, OccurrenceState, Schedule};
use mamori_store::Db;

const T0: i64 = 1_767_225_600_000;
const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

fn note(n: &str) -> duties::Completion {
    duties::Completion { note: n.into(), ..Default::default() }
}

async fn setup(db: &Db) -> Actor {
    let o = org::create(db, "acme", "アクメ", T0).await.unwrap();
    let a = Actor::cli(&o.id);
    regulation::import_text(db, &a, "seed.txt", SEED, T0).await.unwrap();
    a
}

async fn duties_come_from_the_regulation(db: Db) {
    let a = setup(&db).await;
    let added = duties::offer_from_regulation(&db, &a, date(2026, 11, 25), T0).await.unwrap();
    assert_eq!(added, 19 + 6, "19 stated intervals and 6 periodic items without one");
    assert_eq!(
        duties::offer_from_regulation(&db, &a, date(2026, 11, 25), T0 + 1).await.unwrap(),
        0,
        "offering again adds nothing"
    );
    let today = date(2026, 11, 25);
    let list = duties::list(&db, &a, today).await.unwrap();
    let undecided = list.iter().filter(|d| d.duty.decision == "undecided").count();
    assert_eq!(undecided, 6);
    let access = list.iter().find(|d| d.duty.control_id.as_deref() == Some("5.18")).unwrap();
    assert_eq!(access.duty.frequency.as_deref(), Some("annual"));
    assert_eq!(access.duty.owner_role.as_deref(), Some("top_management"));
    assert_eq!(access.next_due.as_deref(), Some("2027-03-31"), "annual duties fall due at the fiscal year's end");
    let backup = list.iter().find(|d| d.duty.control_id.as_deref() == Some("8.13")).unwrap();
    assert_eq!(backup.next_due.as_deref(), Some("2026-11-30"));
}

async fn completion_skip_overdue_and_rescheduling(db: Db) {
    let a = setup(&db).await;
    duties::offer_from_regulation(&db, &a, date(2026, 11, 25), T0).await.unwrap();
    let today = date(2026, 11, 25);
    let occ = duties::occurrences(&db, &a, date(2026, 4, 1), date(2026, 12, 31), today).await.unwrap();
    let list = duties::list(&db, &a, today).await.unwrap();
    let backup = list
        .iter()
        .find(|d| d.duty.control_id.as_deref() == Some("8.13") && d.duty.source_text.contains("バックアップする"))
        .unwrap();
    let mine: Vec<_> = occ.iter().filter(|o| o.occurrence.duty_id == backup.duty.id).collect();
    assert_eq!(mine.len(), 9, "April to December");
    assert_eq!(mine[0].occurrence.due, "2026-04-30");
    assert_eq!(mine[0].contract_state(), "overdue");
    assert_eq!(mine[8].contract_state(), "open");

    // Completion needs the evidence the duty asks for (a note by default).
    assert!(matches!(
        duties::complete(&db, &a, &mine[0].occurrence.id, note(" "), today, T0).await,
        Err(AppError::Validation(_))
    ));
    duties::complete(&db, &a, &mine[0].occurrence.id, note("USB に取得済み"), today, T0).await.unwrap();
    assert!(matches!(
        duties::complete(&db, &a, &mine[0].occurrence.id, note("again"), today, T0).await,
        Err(AppError::Conflict)
    ));
    duties::skip(&db, &a, &mine[1].occurrence.id, "事務所移転のため翌月に実施", T0).await.unwrap();
    let occ = duties::occurrences(&db, &a, date(2026, 4, 1), date(2026, 5, 31), today).await.unwrap();
    let states: Vec<OccurrenceState> =
        occ.iter().filter(|o| o.occurrence.duty_id == backup.duty.id).map(|o| o.status).collect();
    assert_eq!(states, [OccurrenceState::DoneLate, OccurrenceState::Skipped]);

    // A new schedule regenerates open occurrences only; history stays.
    let s = Schedule { frequency: Frequency::Quarterly, day: 15, month: 6, fiscal_year_start: 4 };
    duties::reschedule(&db, &a, &backup.duty.id, "scheduled", Some(s), today, T0 + 5).await.unwrap();
    let after = duties::occurrences(&db, &a, date(2026, 4, 1), date(2027, 3, 31), today).await.unwrap();
    let dues: Vec<(&str, &str)> = after
        .iter()
        .filter(|o| o.occurrence.duty_id == backup.duty.id)
        .map(|o| (o.occurrence.due.as_str(), o.contract_state()))
        .collect();
    assert_eq!(
        dues,
        [
            ("2026-04-30", "done"),
            ("2026-05-31", "skipped"),
            ("2026-06-30", "overdue"),
            ("2026-07-31", "overdue"),
            ("2026-08-31", "overdue"),
            ("2026-09-30", "overdue"),
            ("2026-10-31", "overdue"),
            ("2026-12-15", "open"),
            ("2027-03-15", "open"),
        ],
        "past open occurrences are kept as missed; future ones follow the new schedule"
    );
    assert!(matches!(
        duties::reschedule(&db, &a, &backup.duty.id, "scheduled", None, today, T0).await,
        Err(AppError::Validation(_))
    ));
    assert!(mamori_app::audit::verify_org(&db, &a.org_id).await.unwrap().is_ok());
}

on_both_engines!(duties_come_from_the_regulation, completion_skip_overdue_and_rescheduling);
