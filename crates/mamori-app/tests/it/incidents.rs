//! Incidents and corrective actions on both engines: reporting by anyone, assessment by
//! 経営責任者, restricted evidence with its chain of custody, need-to-know access, decisions,
//! closure with lessons learned, and overdue corrective actions.

use crate::on_both_engines;
use jiff::civil::date;
use mamori_app::{Actor, AppError, incidents, org, users};
use mamori_store::Db;

use crate::support::{T0, actor_of};

async fn incident_lifecycle_and_restriction(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    for (login, role) in [
        ("emp", "employee"),
        ("kanri", "security_manager"),
        ("boss", "top_management"),
        ("sys", "system_admin"),
        ("helper", "employee"),
    ] {
        users::create(
            &db,
            &cli,
            users::NewUser {
                login_id: login.into(),
                display_name: login.into(),
                email: format!("{login}@example.jp"),
                password: "Initial-Pass9".into(),
                roles: vec![role.into()],
            },
            T0,
        )
        .await
        .unwrap();
    }
    let emp = actor_of(&db, "emp").await;
    let kanri = actor_of(&db, "kanri").await;
    let boss = actor_of(&db, "boss").await;
    let sys = actor_of(&db, "sys").await;
    let helper = actor_of(&db, "helper").await;

    assert!(
        matches!(incidents::report(&db, &emp, " ", "", "", T0).await, Err(AppError::Validation(v)) if v.len() == 3)
    );
    let i = incidents::report(
        &db,
        &emp,
        "不審なメールの添付を開いた",
        "請求書を装ったメールの添付ファイルを開いた",
        "2026-01-05 10:20",
        T0,
    )
    .await
    .unwrap();
    assert_eq!(i.state, "reported");
    // Only 経営責任者 assesses (5.25).
    assert!(matches!(
        incidents::assess(&db, &kanri, &i.id, true, Some("internal"), "判断", T0).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        incidents::assess(&db, &boss, &i.id, true, Some("elsewhere"), "判断", T0).await,
        Err(AppError::Validation(_))
    ));
    let i = incidents::assess(
        &db,
        &boss,
        &i.id,
        true,
        Some("internal"),
        "マルウェア感染の可能性があるためインシデントとする",
        T0 + 1,
    )
    .await
    .unwrap();
    assert_eq!((i.state.as_str(), i.variant.as_deref()), ("open", Some("internal")));

    // Evidence: hashed at intake, held by someone, handed over with a record.
    let store = mamori_app::evidence::EvidenceStore {
        dir: std::env::temp_dir().join(format!("mamori-inc-{}", mamori_app::new_id())),
        max_bytes: 1 << 20,
    };
    let file =
        mamori_app::evidence::store_bytes(&store, &db, &kanri, "mail-header.txt", b"Received: from evil.example", T0)
            .await
            .unwrap();
    let ev = incidents::add_evidence(
        &db,
        &kanri,
        &i.id,
        &file.sha256,
        "mail-header.txt",
        "受信メールのヘッダー（emp の PC から取得）",
        T0 + 2,
    )
    .await
    .unwrap();
    incidents::hand_over(&db, &kanri, &i.id, &ev.id, "boss", "経営責任者へ引き渡し", T0 + 3).await.unwrap();
    incidents::log(&db, &kanri, &i.id, "PC をネットワークから切り離した", T0 + 4).await.unwrap();

    // The reporter sees their report and the assessment, not the log or the evidence.
    let seen = incidents::get(&db, &emp, &i.id).await.unwrap();
    assert!(seen.evidence.is_none());
    assert!(seen.events.iter().all(|e| e.kind == "report" || e.kind == "assess"));
    assert!(matches!(incidents::evidence(&db, &emp, &i.id).await, Err(AppError::Forbidden)));
    assert!(matches!(incidents::log(&db, &emp, &i.id, "x", T0).await, Err(AppError::Forbidden)));
    // A system administrator holding every permission is not let in, nor another employee.
    assert!(matches!(incidents::get(&db, &sys, &i.id).await, Err(AppError::Forbidden)));
    assert!(matches!(incidents::get(&db, &helper, &i.id).await, Err(AppError::Forbidden)));
    assert!(incidents::list(&db, &helper).await.unwrap().is_empty());
    // The managers see the chain of custody.
    let full = incidents::get(&db, &boss, &i.id).await.unwrap();
    let items = full.evidence.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!((items[0].holder.as_str(), items[0].taken_by.as_str()), ("boss", "kanri"));
    let custody: Vec<&str> = full
        .events
        .iter()
        .filter(|e| e.evidence_id.as_deref() == Some(ev.id.as_str()))
        .map(|e| e.actor_label.as_str())
        .collect();
    assert_eq!(custody, ["kanri", "kanri"]);
    assert!(full.events.iter().any(|e| e.text.contains(&file.sha256)));
    // Need to know: the helper is notified, gets access and a queued mail.
    let helper_id = helper.user_id.clone().unwrap();
    assert!(matches!(
        incidents::notify(&db, &emp, &i.id, std::slice::from_ref(&helper_id), "s", "b", T0).await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(
        incidents::notify(
            &db,
            &kanri,
            &i.id,
            std::slice::from_ref(&helper_id),
            "【mamori】インシデント INC-0001 への対応依頼",
            "対応をお願いします",
            T0 + 5
        )
        .await
        .unwrap(),
        1
    );
    assert_eq!(incidents::evidence(&db, &helper, &i.id).await.unwrap().len(), 1);
    let mails = mamori_app::reminders::outbox(&db, &cli, 10).await.unwrap();
    assert!(mails.iter().any(|m| m.recipient == "helper@example.jp" && m.kind == "incident"));

    // Decisions, then closure with lessons learned; a corrective action is raised.
    assert!(matches!(
        incidents::decide(&db, &boss, &i.id, "公表しない（弁護士に相談済み）", "", T0).await,
        Err(AppError::Validation(_))
    ));
    incidents::decide(&db, &boss, &i.id, "公表しない（弁護士に相談済み）", "個人情報の漏えいなし、報告不要", T0 + 6)
        .await
        .unwrap();
    let ca = incidents::raise_corrective(&db, &kanri, &i.id, date(2026, 1, 31), None, T0 + 7).await.unwrap();
    assert!(ca.starts_with("corrective_actions/"));
    assert!(matches!(incidents::close(&db, &kanri, &i.id, " ", T0).await, Err(AppError::Validation(_))));
    let closed =
        incidents::close(&db, &kanri, &i.id, "添付ファイルを開く前に送信元を確認する教育を行う", T0 + 8).await.unwrap();
    assert_eq!(closed.state, "closed");
    assert!(matches!(incidents::log(&db, &kanri, &i.id, "x", T0).await, Err(AppError::Conflict)));
    // Overdue corrective actions.
    assert!(incidents::overdue_corrective(&db, &cli, date(2026, 1, 31)).await.unwrap().is_empty());
    let late = incidents::overdue_corrective(&db, &cli, date(2026, 2, 1)).await.unwrap();
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].report_no, "NC-0001");
    let nc = mamori_app::nonconformities::list(&db, &kanri).await.unwrap();
    assert_eq!((nc.len(), nc[0].source.as_str(), nc[0].source_ref.as_deref()), (1, "incident", Some(i.id.as_str())));
    let row_id = ca.split_once('/').unwrap().1;
    let mut done = serde_json::Map::new();
    done.insert("closed".into(), true.into());
    let p = mamori_app::registers::prepare_patch(&db, &cli, "corrective_actions", row_id, &done, T0 + 9).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    mamori_app::registers::apply(&mut tx, &cli, &p, T0 + 9).await.unwrap();
    tx.commit().await.unwrap();
    assert!(
        incidents::overdue_corrective(&db, &cli, date(2026, 2, 1)).await.unwrap().is_empty(),
        "a closed action is not overdue"
    );

    // Not an incident: closed with the reason at assessment.
    let n = incidents::report(&db, &emp, "迷惑メール", "広告メールを受信", "2026-01-06", T0).await.unwrap();
    let n = incidents::assess(&db, &boss, &n.id, false, None, "広告メールであり情報セキュリティ事象ではない", T0)
        .await
        .unwrap();
    assert_eq!(n.state, "not_incident");
    assert!(mamori_app::audit::verify_org(&db, &o.id).await.unwrap().is_ok());
}

on_both_engines!(incident_lifecycle_and_restriction);
