//! Management review (9.3) on both engines: inputs assembled from the system's data with their
//! sources, edited, outputs recorded, minutes approved by 経営責任者; the next review starts
//! from the earlier one's actions.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use jiff::civil::date;
use mamori_app::management_reviews::{self as mr, Action, Item, ItemSource, Outputs};
use mamori_app::nonconformities::{self as nc, NewNonconformity};
use mamori_app::{Actor, AppError, duties, org, regulation};
use mamori_domain::nonconformity::Source;
use mamori_store::Db;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

async fn a_review_from_the_systems_data(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    regulation::import_text(&db, &cli, "seed.txt", SEED, T0).await.unwrap();
    for (login, role) in [("boss", "top_management"), ("kanri", "security_manager"), ("emp", "employee")] {
        add_user(&db, &cli, login, role).await;
    }
    let [boss, kanri, emp] = [actor_of(&db, "boss").await, actor_of(&db, "kanri").await, actor_of(&db, "emp").await];
    duties::offer_from_regulation(&db, &cli, date(2025, 4, 1), T0).await.unwrap();
    duties::confirm(&db, &cli, &[], date(2025, 4, 1), date(2026, 1, 10), T0).await.unwrap();
    let n = nc::raise(
        &db,
        &boss,
        NewNonconformity {
            source: Source::Finding,
            source_ref: None,
            control_id: Some("5.9".into()),
            text: "資産目録が古い".into(),
            owner_id: kanri.user_id.clone().unwrap(),
            due: date(2026, 3, 31),
        },
        T0,
    )
    .await
    .unwrap();

    assert!(matches!(mr::create(&db, &emp, date(2026, 1, 10), T0).await, Err(AppError::Forbidden)));
    let r = mr::create(&db, &kanri, date(2026, 1, 10), T0 + 1).await.unwrap();
    assert_eq!((r.number, r.state.as_str()), (1, "prepared"));
    let i = &r.inputs;
    assert!(i.a.is_empty(), "no earlier review");
    assert_eq!(i.d1.len(), 1);
    assert!(i.d1[0].text.starts_with("NC-0001 資産目録が古い"));
    assert_eq!(i.d1[0].source, ItemSource { kind: "nonconformity".into(), id: Some(n.record.id.clone()) });
    assert!(i.d2[0].text.starts_with("今年度の業務:") && i.d2[0].source.kind == "duties");
    assert!(
        i.d2.iter().any(|x| x.source.id.as_deref() == Some("8.13") && x.text.contains("不備")),
        "the monthly backups since April are missed: {:?}",
        i.d2
    );
    assert!(
        i.d2.iter().any(|x| x.source.id.as_deref() == Some("5.9") && x.text.contains("要注意")),
        "an open nonconformity"
    );
    assert!(i.g.iter().any(|x| x.source.kind == "duty"), "a duty the regulation reserves for the review");
    assert!(i.g.iter().any(|x| x.source.kind == "open_item"));
    assert!(i.f.is_empty(), "no risk register rows yet");

    // Inputs are edited before the meeting.
    let mut edited = r.inputs.clone();
    edited.b.push(Item {
        text: "取引先からの監査要求が増えた".into(),
        source: ItemSource { kind: "manual".into(), id: None },
    });
    assert_eq!(mr::update_inputs(&db, &kanri, &r.id, edited, T0 + 2).await.unwrap().inputs.b.len(), 1);
    // Outputs: every action with an owner and a due date.
    let bad = Outputs {
        decisions: vec![],
        actions: vec![Action { text: " ".into(), owner_id: "nobody".into(), due: "来月".into() }],
    };
    match mr::record_outputs(&db, &kanri, &r.id, bad, T0 + 3).await {
        Err(AppError::Validation(p)) => assert_eq!(
            p.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
            ["actions.0.text", "actions.0.owner_id", "actions.0.due"]
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(mr::approve(&db, &boss, &r.id, T0 + 4).await, Err(AppError::Validation(_))), "no outputs yet");
    let outputs = Outputs {
        decisions: vec!["バックアップ手順を見直す".into()],
        actions: vec![Action {
            text: "バックアップの代行者を定める".into(),
            owner_id: kanri.user_id.clone().unwrap(),
            due: "2026-03-31".into(),
        }],
    };
    mr::record_outputs(&db, &kanri, &r.id, outputs, T0 + 5).await.unwrap();
    assert!(matches!(mr::approve(&db, &kanri, &r.id, T0 + 6).await, Err(AppError::Forbidden)), "経営責任者 approves");
    let approved = mr::approve(&db, &boss, &r.id, T0 + 7).await.unwrap();
    assert_eq!((approved.state.as_str(), approved.approved_by.as_deref()), ("approved", boss.user_id.as_deref()));
    assert!(matches!(
        mr::update_inputs(&db, &kanri, &r.id, approved.inputs.clone(), T0 + 8).await,
        Err(AppError::Conflict)
    ));

    // The next review starts from this one's actions, owners by name.
    let next = mr::create(&db, &kanri, date(2026, 7, 1), T0 + 9).await.unwrap();
    assert_eq!(next.inputs.a.len(), 1);
    assert!(
        next.inputs.a[0].text.contains("バックアップの代行者を定める") && next.inputs.a[0].text.contains("kanri さん")
    );
    assert_eq!(next.inputs.a[0].source.id.as_deref(), Some(r.id.as_str()));
    assert!(matches!(mr::list(&db, &emp).await, Err(AppError::Forbidden)));
    assert_eq!(mr::list(&db, &boss).await.unwrap().len(), 2);
    let other = org::create(&db, "other", "他社", T0).await.unwrap();
    assert!(matches!(mr::get(&db, &Actor::cli(&other.id), &r.id).await, Err(AppError::NotFound)));
}

on_both_engines!(a_review_from_the_systems_data);
