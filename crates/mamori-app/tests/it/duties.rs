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
    assert_eq!(
        added,
        22 + 7 + 6 + 8,
        "22 stated intervals, 7 duties at an event, 6 periodic items without one and 8 the register templates bring"
    );
    assert_eq!(
        duties::offer_from_regulation(&db, &a, date(2026, 11, 25), T0 + 1).await.unwrap(),
        0,
        "offering again adds nothing"
    );
    let today = date(2026, 11, 25);
    assert!(
        duties::occurrences(&db, &a, date(2026, 4, 1), date(2027, 3, 31), today).await.unwrap().is_empty(),
        "offered duties are not scheduled before the organisation confirms them"
    );
    assert_eq!(duties::confirm(&db, &a, &[], today, today, T0).await.unwrap(), added);
    assert!(
        duties::occurrences(&db, &a, date(2026, 4, 1), today, today)
            .await
            .unwrap()
            .iter()
            .all(|o| o.contract_state() != "overdue"),
        "nothing is backdated: confirmed today, nothing is overdue today"
    );
    let list = duties::list(&db, &a, today).await.unwrap();
    let undecided = list.iter().filter(|d| d.duty.decision == "undecided").count();
    assert_eq!(undecided, 6);
    let anchors: Vec<&str> = list.iter().filter_map(|d| d.duty.anchor.as_deref()).collect();
    assert_eq!(anchors.len(), 7, "{anchors:?}");
    for (anchor, decision) in
        [("at_management_review", "review"), ("at_internal_audit", "audit"), ("at_leave", "event")]
    {
        assert!(
            list.iter().any(|d| d.duty.anchor.as_deref() == Some(anchor) && d.duty.decision == decision),
            "{anchor} as {decision}"
        );
    }
    // 5.16's three yearly password changes are three duties, each titled with its sub-heading.
    let passwords: Vec<&str> = list
        .iter()
        .filter(|d| d.duty.control_id.as_deref() == Some("5.16") && d.duty.frequency.as_deref() == Some("annual"))
        .map(|d| d.duty.title.as_str())
        .collect();
    assert_eq!(passwords.len(), 3, "{passwords:?}");
    assert!(passwords.iter().all(|t| t.contains('（')), "{passwords:?}");
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
    // Confirmed from the fiscal year's start: the year's earlier work is recorded too.
    duties::confirm(&db, &a, &[], date(2026, 4, 1), date(2026, 11, 25), T0).await.unwrap();
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

    // Completion needs the evidence the duty asks for: the backup is a row of バックアップ記録
    // (its register template's records rule), a note alone is not enough.
    assert_eq!(backup.contract()["evidence"], "register:backup_log");
    assert!(matches!(
        duties::complete(&db, &a, &mine[0].occurrence.id, note("USB に取得済み"), today, T0).await,
        Err(AppError::Validation(_))
    ));
    let run = serde_json::json!({"performed_on": "2026-04-28", "entry_kind": "バックアップ", "target": "共有フォルダ",
        "performed_by": "boss", "result": "成功"});
    crate::support::add_user(&db, &a, "boss", "top_management").await;
    let row = mamori_app::registers::create(&db, &a, "backup_log", run.as_object().unwrap(), None, T0).await.unwrap();
    let logged = Some(format!("backup_log/{}", row.id));
    // The day done is the day the work was done: not in the future, not a year before the due.
    let on = |d| duties::Completion { done_on: Some(d), record_ref: logged.clone(), ..note("USB に取得済み") };
    for (day, key) in [(date(2026, 11, 26), "duty-done-on-future"), (date(2025, 4, 1), "duty-done-on-too-early")] {
        let r = duties::complete(&db, &a, &mine[0].occurrence.id, on(day), today, T0).await;
        assert!(matches!(r, Err(AppError::Validation(ref v)) if v[0].1 == key), "{day}: {r:?}");
    }
    let done = duties::complete(&db, &a, &mine[0].occurrence.id, on(date(2026, 4, 28)), today, T0).await.unwrap();
    assert_eq!(done.done_on.as_deref(), Some("2026-04-28"));
    assert!(matches!(
        duties::complete(&db, &a, &mine[0].occurrence.id, on(date(2026, 4, 29)), today, T0).await,
        Err(AppError::Conflict)
    ));
    duties::skip(&db, &a, &mine[1].occurrence.id, "事務所移転のため翌月に実施", T0).await.unwrap();
    let occ = duties::occurrences(&db, &a, date(2026, 4, 1), date(2026, 5, 31), today).await.unwrap();
    let states: Vec<OccurrenceState> =
        occ.iter().filter(|o| o.occurrence.duty_id == backup.duty.id).map(|o| o.status).collect();
    assert_eq!(states, [OccurrenceState::DoneOnTime, OccurrenceState::Skipped], "done on the 28th: on time");

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

async fn evidence_rules_assignees_and_the_dashboard(db: Db) {
    let a = setup(&db).await;
    let today = date(2026, 11, 25);
    // A monthly backup check completed by the 運用状況チェックリスト row it produced.
    let e = duties::DutyEdit {
        title: "バックアップの確認".into(),
        control_id: Some("8.13".into()),
        decision: "scheduled".into(),
        schedule: Some(Schedule::new(Frequency::Monthly)),
        owner_role: Some("system_admin".into()),
        assignee_id: None,
        evidence: "record".into(),
        register_key: Some("operations_checklist".into()),
        request_type: None,
        anchor: None,
        lead_days: None,
        active: true,
    };
    assert!(
        matches!(
            duties::create(&db, &a, duties::DutyEdit { register_key: None, ..e.clone() }, today, T0).await,
            Err(AppError::Validation(_))
        ),
        "record evidence names its register"
    );
    let d = duties::create(&db, &a, e.clone(), today, T0).await.unwrap();
    let occ = duties::history(&db, &a, &d.id, today).await.unwrap().1;
    let nov = occ.iter().find(|o| o.occurrence.due == "2026-11-30").unwrap().occurrence.id.clone();
    assert_eq!(occ.iter().filter(|o| o.occurrence.due.as_str() < "2026-11-25").count(), 0, "a new duty has no past");
    let needs = duties::complete(&db, &a, &nov, note("done"), today, T0).await;
    assert!(matches!(needs, Err(AppError::Validation(ref f)) if f[0].0 == "record_ref"));
    let mut values = serde_json::Map::new();
    values.insert("date".into(), "2026-11-25".into());
    values.insert("item".into(), "バックアップ取得の確認".into());
    values.insert("result".into(), "問題なし".into());
    let row = mamori_app::registers::create(&db, &a, "operations_checklist", &values, None, T0).await.unwrap();
    let wrong = duties::Completion { record_ref: Some(format!("assets/{}", row.id)), ..Default::default() };
    assert!(matches!(duties::complete(&db, &a, &nov, wrong, today, T0).await, Err(AppError::Validation(_))));
    let unknown_file = duties::Completion {
        note: "x".into(),
        evidence: vec!["0".repeat(64)],
        record_ref: Some(format!("operations_checklist/{}", row.id)),
        ..Default::default()
    };
    assert!(matches!(duties::complete(&db, &a, &nov, unknown_file, today, T0).await, Err(AppError::Validation(_))));
    let ok = duties::Completion { record_ref: Some(format!("operations_checklist/{}", row.id)), ..Default::default() };
    let done = duties::complete(&db, &a, &nov, ok, today, T0).await.unwrap();
    assert_eq!(done.record_ref.as_deref(), Some(format!("operations_checklist/{}", row.id).as_str()));

    // Named assignee: the duty is theirs alone, not their role's.
    let u = mamori_app::users::create(
        &db,
        &a,
        mamori_app::users::NewUser {
            login_id: "sato".into(),
            display_name: "佐藤".into(),
            email: "sato@example.jp".into(),
            password: "Correct-Horse-9".into(),
            roles: vec!["employee".into()],
        },
        T0,
    )
    .await
    .unwrap();
    let mine = duties::DutyEdit {
        title: "USB 媒体の棚卸".into(),
        assignee_id: Some(u.id.clone()),
        owner_role: Some("employee".into()),
        evidence: "none".into(),
        register_key: None,
        ..e
    };
    let d2 = duties::create(&db, &a, mine, today, T0).await.unwrap();
    let sato = mamori_app::Actor {
        user_id: Some(u.id.clone()),
        label: "sato".into(),
        role_keys: vec!["employee".into()],
        grants: mamori_domain::permission::Grants::from_keys(["duties.view"]),
        org_id: a.org_id.clone(),
    };
    let other = mamori_app::Actor { user_id: Some("someone-else".into()), label: "x".into(), ..sato.clone() };
    let soon = duties::due_soon(&db, &sato, false, today, 30, 100).await.unwrap();
    assert!(soon.items.iter().any(|i| i.title == "USB 媒体の棚卸"));
    assert!(soon.items.iter().all(|i| i.owner_role.as_deref() == Some("employee")));
    let theirs = duties::due_soon(&db, &other, false, today, 30, 100).await.unwrap();
    assert!(!theirs.items.iter().any(|i| i.title == "USB 媒体の棚卸"), "not for the role's other holders");
    assert!(matches!(duties::due_soon(&db, &sato, true, today, 30, 100).await, Err(AppError::Forbidden)));
    let occ2 = duties::history(&db, &a, &d2.id, today).await.unwrap().1;
    let first = occ2.iter().next_back().unwrap().occurrence.id.clone();
    assert!(matches!(duties::complete(&db, &other, &first, note(""), today, T0).await, Err(AppError::Forbidden)));
    duties::complete(&db, &sato, &first, note(""), today, T0).await.unwrap();
    // The cache sees the write at once.
    let after = duties::due_soon(&db, &sato, false, today, 30, 100).await.unwrap();
    assert_eq!(after.total, soon.total - 1);

    // Undecided items: a decision without an interval produces no occurrences.
    duties::offer_from_regulation(&db, &a, today, T0).await.unwrap();
    let list = duties::list(&db, &a, today).await.unwrap();
    let undecided = list.iter().find(|d| d.duty.decision == "undecided").unwrap().duty.id.clone();
    duties::reschedule(&db, &a, &undecided, "review", None, today, T0).await.unwrap();
    assert!(duties::history(&db, &a, &undecided, today).await.unwrap().1.is_empty());
    let h = duties::heatmap(&db, &a, 2026, today).await.unwrap();
    assert!(h.rows.iter().all(|r| r.duty_id != undecided));
    let row = h.rows.iter().find(|r| r.duty_id == d.id).unwrap();
    assert_eq!(row.cells[7].state, Some(OccurrenceState::DoneOnTime), "November: done on time");
    assert_eq!(row.cells[8].state, Some(OccurrenceState::NotYetDue));
    assert_eq!(row.cells[6].state, None, "before the duty existed");
}

on_both_engines!(
    duties_come_from_the_regulation,
    completion_skip_overdue_and_rescheduling,
    evidence_rules_assignees_and_the_dashboard
);
