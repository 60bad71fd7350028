//! Open items and duties as data (regulation fidelity), on both engines.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use jiff::civil::date;
use mamori_app::open_items::{self, OpenItemEdit};
use mamori_app::{Actor, AppError, duties, org, regulation};
use mamori_domain::schedule::{Frequency, Schedule};
use mamori_store::Db;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

async fn setup(db: &Db) -> Actor {
    let o = org::create(db, "acme", "アクメ", T0).await.unwrap();
    let a = Actor::cli(&o.id);
    for (login, role) in [("kanri", "security_manager"), ("emp", "employee"), ("emp2", "employee")] {
        add_user(db, &a, login, role).await;
    }
    regulation::import_text(db, &a, "seed.txt", SEED, T0).await.unwrap();
    a
}

fn field_of(r: Result<impl std::fmt::Debug, AppError>) -> Vec<String> {
    match r {
        Err(AppError::Validation(v)) => v.into_iter().map(|(f, k)| format!("{f}:{k}")).collect(),
        other => panic!("expected a validation refusal, got {other:?}"),
    }
}

async fn open_items_are_owned_due_and_resolved(db: Db) {
    let a = setup(&db).await;
    let cur = regulation::current(&db, &a).await.unwrap().unwrap();
    let notes: usize = cur.controls.iter().map(|c| c.draft_notes.len()).sum();
    let undecided: usize = cur.controls.iter().map(|c| c.recurring_unspecified.len()).sum();
    let kanri = actor_of(&db, "kanri").await;
    let items = open_items::list(&db, &kanri).await.unwrap();
    assert_eq!(items.len(), notes + undecided, "every draft note and undecided interval is an open item");
    assert!(notes > 0 && undecided > 0);
    assert_eq!(items.iter().filter(|i| i.item.kind == "draft_note").count(), notes);
    // The very same file is refused; the same regulation saved again adds no item twice.
    assert!(matches!(
        regulation::import_text(&db, &a, "seed.txt", SEED, T0 + 10).await,
        Err(mamori_app::AppError::Validation(v)) if v == [("file".to_string(), "regulation-identical".to_string())]
    ));
    regulation::import_text(&db, &a, "seed.txt", &format!("{SEED}\n"), T0 + 10).await.unwrap();
    assert_eq!(open_items::list(&db, &kanri).await.unwrap().len(), items.len());

    let emp = actor_of(&db, "emp").await;
    let emp2 = actor_of(&db, "emp2").await;
    let note = items.iter().find(|i| i.item.kind == "draft_note").unwrap().item.clone();
    let today = date(2026, 11, 25);
    let emp_id = emp.user_id.clone().unwrap();
    // Every problem at once: a past due date and an unknown owner.
    let bad = OpenItemEdit { owner_id: Some("nobody".into()), due: Some("2026-01-01".into()), resolution: None };
    let fields = field_of(open_items::update(&db, &kanri, &note.id, bad, today, T0).await);
    assert_eq!(fields, ["owner_id:field-not-a-choice", "due:open-item-due-past"]);
    let assign = OpenItemEdit { owner_id: Some(emp_id.clone()), due: Some("2026-12-20".into()), resolution: None };
    let assigned = open_items::update(&db, &kanri, &note.id, assign, today, T0 + 1).await.unwrap();
    assert_eq!(assigned.owner_id.as_deref(), Some(emp_id.as_str()));
    assert!(assigned.resolved_at.is_none());
    // The owner resolves it but may not move it; someone else may not touch it.
    let moved = OpenItemEdit { owner_id: Some(emp_id.clone()), due: Some("2027-01-31".into()), resolution: None };
    assert_eq!(
        field_of(open_items::update(&db, &emp, &note.id, moved, today, T0 + 2).await),
        ["owner_id:open-item-assign-forbidden"]
    );
    let resolve = OpenItemEdit {
        owner_id: Some(emp_id.clone()),
        due: Some("2026-12-20".into()),
        resolution: Some("供給者ごとに確認し、規程に追記した".into()),
    };
    assert!(matches!(
        open_items::update(&db, &emp2, &note.id, resolve.clone(), today, T0 + 2).await,
        Err(AppError::Forbidden)
    ));
    let done = open_items::update(&db, &emp, &note.id, resolve.clone(), today, T0 + 3).await.unwrap();
    assert_eq!(done.resolved_at, Some(T0 + 3));
    assert_eq!(done.resolved_by.as_deref(), Some("emp さん"));
    assert_eq!(
        field_of(open_items::update(&db, &kanri, &note.id, resolve, today, T0 + 4).await),
        ["resolution:open-item-already-resolved"]
    );
    let listed = open_items::list(&db, &kanri).await.unwrap();
    assert_eq!(listed.last().unwrap().item.id, note.id, "resolved items come last");
    assert_eq!(listed.last().unwrap().owner_name.as_deref(), Some("emp さん"));
    assert_eq!(
        open_items::for_control(&db, &kanri, &note.control_id).await.unwrap().iter().filter(|i| i.resolved()).count(),
        1
    );

    // Deciding an undecided duty resolves its open item.
    duties::offer_from_regulation(&db, &a, today, T0 + 5).await.unwrap();
    let list = duties::list(&db, &a, today).await.unwrap();
    let undecided = list.iter().find(|d| d.duty.decision == "undecided").unwrap().duty.clone();
    let s = Schedule::new(Frequency::Annual);
    duties::reschedule(&db, &a, &undecided.id, "scheduled", Some(s), today, T0 + 6).await.unwrap();
    let item = open_items::list(&db, &kanri)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.item.kind == "undecided_interval" && i.item.text == undecided.source_text.trim())
        .unwrap();
    assert_eq!(item.item.resolved_at, Some(T0 + 6));
    assert!(item.item.resolution.is_none(), "the page says it was decided as a duty");
    assert!(mamori_app::audit::verify_org(&db, &a.org_id).await.unwrap().is_ok());
}

async fn offered_duties_are_templates_confirmed_before_scheduling(db: Db) {
    let a = setup(&db).await;
    let today = date(2026, 11, 25);
    let added = duties::offer_from_regulation(&db, &a, today, T0).await.unwrap();
    let list = duties::list(&db, &a, today).await.unwrap();
    assert_eq!(list.len(), added);
    assert!(list.iter().all(|d| d.duty.confirmed_at.is_none() && d.next_due.is_none()));
    for d in &list {
        let c = d.contract();
        assert_eq!(c["confirmed"], false);
        assert!(c.get("anchor").is_some() && c.get("evidence").is_some());
        assert!(!d.duty.title.trim().is_empty());
    }
    // A sentence naming a register in 【…】 takes a row of it as evidence.
    let by_register: Vec<_> = list.iter().filter(|d| d.duty.register_key.is_some()).collect();
    for d in &by_register {
        let key = d.duty.register_key.clone().unwrap();
        assert_eq!(d.contract()["evidence"], format!("register:{key}"));
    }
    // Confirming one schedules it alone, from today: nothing overdue.
    let scheduled: Vec<_> = list.iter().filter(|d| d.duty.decision == "scheduled").collect();
    let first = scheduled[0].duty.id.clone();
    assert_eq!(duties::confirm(&db, &a, std::slice::from_ref(&first), today, today, T0 + 1).await.unwrap(), 1);
    assert_eq!(
        duties::confirm(&db, &a, &[first.clone(), first.clone()], today, today, T0 + 2).await.unwrap(),
        0,
        "a duty confirmed already (or named twice) is not confirmed again"
    );
    assert!(matches!(
        duties::confirm(&db, &a, &["no-such-duty".to_string()], today, today, T0 + 2).await,
        Err(AppError::NotFound)
    ));
    let occ = duties::occurrences(&db, &a, date(2026, 4, 1), date(2027, 3, 31), today).await.unwrap();
    assert!(!occ.is_empty() && occ.iter().all(|o| o.occurrence.duty_id == first));
    assert!(occ.iter().all(|o| o.occurrence.due.as_str() >= "2026-11-25"), "nothing is backdated");
    let rest = duties::confirm(&db, &a, &[], today, today, T0 + 3).await.unwrap();
    assert_eq!(rest, added - 1);

    // A duty whose evidence is a completed request of a type.
    let e = duties::DutyEdit {
        title: "媒体持出の確認".into(),
        control_id: Some("7.10".into()),
        decision: "scheduled".into(),
        schedule: Some(Schedule::new(Frequency::Monthly)),
        owner_role: Some("security_manager".into()),
        assignee_id: None,
        evidence: "request".into(),
        register_key: None,
        request_type: Some("media_takeout".into()),
        anchor: None,
        lead_days: Some(14),
        active: true,
    };
    mamori_app::requests::types(&db, &actor_of(&db, "kanri").await).await.unwrap();
    let bad = duties::DutyEdit { request_type: Some("no_such_type".into()), lead_days: Some(120), ..e.clone() };
    assert_eq!(
        field_of(duties::create(&db, &a, bad, today, T0).await),
        ["lead_days:duty-lead-days-range", "request_type:field-not-a-choice"]
    );
    let d = duties::create(&db, &a, e, today, T0 + 4).await.unwrap();
    let view = duties::list(&db, &a, today).await.unwrap().into_iter().find(|v| v.duty.id == d.id).unwrap();
    assert_eq!(view.contract()["evidence"], "request:media_takeout");
    assert_eq!(view.contract()["lead_days"], 14);
    let nov = duties::history(&db, &a, &d.id, today).await.unwrap().1;
    let occ_id = nov.iter().find(|o| o.occurrence.due == "2026-11-30").unwrap().occurrence.id.clone();
    let none = duties::Completion { record_ref: Some("requests/unknown".into()), ..Default::default() };
    assert_eq!(
        field_of(duties::complete(&db, &a, &occ_id, none, today, T0).await),
        ["record_ref:duty-request-unknown"]
    );

    // An event-anchored duty has its anchor and no occurrences.
    let ev = duties::DutyEdit {
        title: "退職者のアカウント削除".into(),
        control_id: Some("5.18".into()),
        decision: "event".into(),
        schedule: None,
        owner_role: Some("system_admin".into()),
        assignee_id: None,
        evidence: "note".into(),
        register_key: None,
        request_type: None,
        anchor: Some("at_leave".into()),
        lead_days: None,
        active: true,
    };
    assert_eq!(
        field_of(duties::create(&db, &a, duties::DutyEdit { anchor: None, ..ev.clone() }, today, T0).await),
        ["anchor:field-not-a-choice"]
    );
    let d = duties::create(&db, &a, ev, today, T0 + 5).await.unwrap();
    let view = duties::list(&db, &a, today).await.unwrap().into_iter().find(|v| v.duty.id == d.id).unwrap();
    assert_eq!(view.contract()["anchor"], "at_leave");
    assert!(duties::history(&db, &a, &d.id, today).await.unwrap().1.is_empty());
}

on_both_engines!(open_items_are_owned_due_and_resolved, offered_duties_are_templates_confirmed_before_scheduling);

/// Every approval the seed names is operated: by a request type of its control whose approvers
/// (or a category rule's) include the regulation's approver roles, or by the approval of a
/// controlled document (the documents the control names, or — for 発行・改訂 — the manuals).
async fn every_approval_of_the_seed_is_operated(db: Db) {
    let a = setup(&db).await;
    let kanri = actor_of(&db, "kanri").await;
    let cur = regulation::current(&db, &a).await.unwrap().unwrap();
    let types = mamori_app::requests::types(&db, &kanri).await.unwrap();
    let docs = mamori_app::documents::list(&db, &kanri).await.unwrap();
    let reg = mamori_regulation::parse::Regulation {
        document: Default::default(),
        controls: cur.controls.clone(),
        diagnostics: Vec::new(),
    };
    let named = mamori_app::documents::named_documents(&reg);
    let mut operated = 0;
    let mut missing = Vec::new();
    for c in &cur.controls {
        for ap in &c.approvals {
            assert!(!ap.approver_roles.is_empty(), "{} {}: an approver role", c.id, ap.what);
            let by_request = types.iter().any(|t| {
                t.controls.contains(&c.id) && {
                    let mut roles = t.approver_roles.clone();
                    roles.extend(t.approver_roles_when.iter().flat_map(|w| w.roles.clone()));
                    ap.approver_roles.iter().all(|r| roles.contains(r))
                }
            });
            let by_document = docs.iter().any(|d| {
                let required = mamori_app::documents::required_roles(&d.doc);
                let concerns = named.iter().any(|n| n.control_id == c.id && n.title == d.doc.title)
                    || ((ap.subject.contains("発行") || ap.subject.contains("改訂")) && d.doc.kind == "manual");
                concerns && ap.approver_roles.iter().all(|r| required.contains(r))
            });
            if by_request || by_document {
                operated += 1;
            } else {
                missing.push(format!("{} {}", c.id, ap.what));
            }
        }
    }
    assert!(missing.is_empty(), "approvals without a workflow: {missing:#?}");
    assert_eq!(operated, 24, "the seed's 24 approvals");
    // The BCP is approved jointly, the change that the regulation reserves to 経営責任者 is
    // routed to it.
    let bcp = docs.iter().find(|d| d.doc.title == "事業継続計画").expect("the BCP");
    let mut roles = mamori_app::documents::required_roles(&bcp.doc);
    roles.sort();
    assert_eq!(roles, ["security_manager", "top_management"]);
    let change = types.iter().find(|t| t.key == "change_request").unwrap();
    assert!(change.approver_roles_when.iter().any(|w| w.roles == ["top_management"]));
}

on_both_engines!(every_approval_of_the_seed_is_operated);
