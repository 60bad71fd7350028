//! Suppliers on both engines: the register template in step with the catalogue; a supplier with
//! its requirements and the duties its kind brings (each naming it), a check done with its
//! result; requirement confirmation refused without evidence and resolving the regulation's
//! draft notes (the one naming the supplier, then those waiting for every supplier); need-to-know.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use jiff::civil::date;
use mamori_app::duties::{self, Completion};
use mamori_app::suppliers::{self, requirements};
use mamori_app::{Actor, AppError, open_items, org, registers, regulation};
use mamori_domain::supplier::catalogue;
use mamori_store::Db;
use serde_json::{Map, Value, json};

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

fn supplier(name: &str, kind: &str) -> Map<String, Value> {
    let v = json!({"name": name, "kind": kind, "services": "業務で利用", "criticality": "高", "contact_email": "support@example.com"});
    v.as_object().unwrap().clone()
}

async fn suppliers_from_register_to_resolved_notes(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    regulation::import_text(&db, &cli, "seed.txt", SEED, T0).await.unwrap();
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "emp", "employee").await;
    let kanri = actor_of(&db, "kanri").await;
    let emp = actor_of(&db, "emp").await;
    let today = date(2026, 1, 5);

    // The register's kinds are the catalogue's.
    let def = registers::definition(&db, &kanri, "suppliers").await.unwrap();
    let kinds = def.fields.iter().find(|f| f.key == "kind").unwrap().choices.clone();
    assert_eq!(kinds, catalogue().kinds.iter().map(|k| k.label.clone()).collect::<Vec<_>>());

    // Every problem at its field; an employee does not add suppliers.
    match suppliers::create(&db, &kanri, supplier("X", "rocket"), today, T0).await {
        Err(AppError::Validation(p)) => assert_eq!(p[0].0, "kind"),
        other => panic!("{other:?}"),
    }
    match suppliers::create(&db, &kanri, supplier(" ", "cloud_service"), today, T0).await {
        Err(AppError::Rows(r)) => {
            assert!(r.iter().any(|r| r.column.contains("取引先名") || r.column == "name"), "{r:?}")
        }
        Err(AppError::Validation(p)) => assert!(p.iter().any(|(f, _)| f == "name"), "{p:?}"),
        other => panic!("{other:?}"),
    }
    assert!(suppliers::create(&db, &emp, supplier("X", "cloud_service"), today, T0).await.is_err());

    let ms = suppliers::create(&db, &kanri, supplier("Microsoft", "cloud_service"), today, T0).await.unwrap();
    assert_eq!(ms.kind, "cloud_service");
    assert_eq!(ms.values["kind"], "クラウドサービス");
    assert_eq!(ms.requirements.len(), catalogue().requirements.len());
    assert!(ms.requirements.iter().all(|r| r.state == "unconfirmed") && !ms.settled);
    let freq: Vec<&str> = ms.duties.iter().filter_map(|d| d.frequency.as_deref()).collect();
    assert!(freq.contains(&"monthly") && freq.contains(&"annual"), "{freq:?}");
    assert!(
        ms.duties.iter().all(|d| d.supplier_id.as_deref() == Some(ms.id.as_str()) && d.title.contains("Microsoft"))
    );
    let listed = duties::list(&db, &kanri, today).await.unwrap();
    let contract: Vec<Value> =
        listed.iter().map(|d| d.contract()).filter(|c| c["supplier_id"] == ms.id.as_str()).collect();
    assert_eq!(contract.len(), ms.duties.len(), "the duties list names the supplier");

    // The monthly check done with its result shows on the supplier.
    let monthly = ms.duties.iter().find(|d| d.frequency.as_deref() == Some("monthly")).unwrap();
    let occ = duties::occurrences(&db, &kanri, date(2026, 1, 1), date(2026, 2, 28), today).await.unwrap();
    let first = occ.iter().find(|o| o.occurrence.duty_id == monthly.id).unwrap();
    let done = Completion {
        note: "サービス正常性ダッシュボードを確認、障害なし".into(),
        evidence: vec![],
        record_ref: None,
        done_on: Some(today),
    };
    duties::complete(&db, &kanri, &first.occurrence.id, done, today, T0 + 1).await.unwrap();
    let ms = suppliers::get(&db, &kanri, &ms.id, today).await.unwrap();
    assert_eq!(ms.checks.len(), 1);
    assert_eq!(ms.checks[0].note, "サービス正常性ダッシュボードを確認、障害なし");

    // A short name found inside unrelated notes links none of them (only supplier controls' notes).
    let log = suppliers::create(&db, &kanri, supplier("ログ", "other"), today, T0 + 2).await.unwrap();
    assert!(log.open_items.iter().all(|o| o.control_id != "8.15"), "{:?}", log.open_items);
    let mut bad = supplier("期間逆転", "maintenance");
    bad.insert("contract_start".into(), "2026-04-01".into());
    bad.insert("contract_end".into(), "2025-03-31".into());
    bad.insert("contact_email".into(), "not-an-email".into());
    match suppliers::create(&db, &kanri, bad, today, T0).await {
        Err(AppError::Validation(p)) => {
            assert_eq!(p.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["contract_end", "contact_email"])
        }
        other => panic!("{other:?}"),
    }
    // The 8.22 note names プラチナ光: linked to that supplier, resolved when its requirements are.
    let line = suppliers::create(&db, &kanri, supplier("プラチナ光", "network_line"), today, T0 + 2).await.unwrap();
    let note = line.open_items.iter().find(|o| o.control_id == "8.22").expect("the 8.22 note is linked");
    assert!(note.text.contains("プラチナ光"));
    assert!(line.open_items.iter().any(|o| o.control_id == "5.21"), "the notes waiting for every supplier");
    match requirements::confirm(&db, &kanri, &line.id, "confidentiality", "confirmed", " ", today, T0 + 3).await {
        Err(AppError::Validation(p)) => assert_eq!(p, [("evidence".to_string(), "field-required".to_string())]),
        other => panic!("{other:?}"),
    }
    assert!(requirements::confirm(&db, &emp, &line.id, "confidentiality", "confirmed", "x", today, T0).await.is_err());
    let keys: Vec<String> = catalogue().requirements.iter().map(|r| r.key.clone()).collect();
    for (i, k) in keys.iter().enumerate() {
        let (state, evidence) = if i == 0 {
            ("not_applicable", "個人情報を扱わない回線サービス")
        } else {
            ("confirmed", "重要事項説明書")
        };
        requirements::confirm(&db, &kanri, &line.id, k, state, evidence, today, T0 + 10 + i as i64).await.unwrap();
    }
    let items = open_items::list(&db, &kanri).await.unwrap();
    let n822 = items.iter().find(|v| v.item.id == note.id).unwrap();
    assert!(n822.item.resolved_at.is_some(), "the supplier's own note is resolved");
    assert!(n822.item.resolution.as_deref().unwrap().contains("プラチナ光"));
    let n521 = items.iter().find(|v| v.item.control_id == "5.21" && v.item.kind == "draft_note").unwrap();
    assert!(n521.item.resolved_at.is_none(), "Microsoft is not settled yet");
    // A deviation does not settle; then Microsoft settled: the notes for every supplier resolve.
    for k in &keys {
        requirements::confirm(&db, &kanri, &ms.id, k, "confirmed", "Microsoft 製品条項・DPA", today, T0 + 30)
            .await
            .unwrap();
    }
    // 「ログ」 is a supplier in use too: settle it, then every supplier in use is settled.
    for k in &keys {
        requirements::confirm(&db, &kanri, &log.id, k, "not_applicable", "試験用", today, T0 + 35).await.unwrap();
    }
    let items = open_items::list(&db, &kanri).await.unwrap();
    assert!(
        items.iter().filter(|v| v.item.control_id == "8.15").all(|v| v.item.resolved_at.is_none()),
        "8.15 untouched"
    );
    let n521 = items.iter().find(|v| v.item.id == n521.item.id).unwrap();
    assert!(n521.item.resolved_at.is_some());
    assert!(
        n521.item.resolution.as_deref().unwrap().contains("Microsoft")
            && n521.item.resolution.as_deref().unwrap().contains("プラチナ光")
    );
    let ms = requirements::confirm(&db, &kanri, &ms.id, &keys[0], "deviation", "再委託先の開示なし", today, T0 + 40)
        .await
        .unwrap();
    assert!(!ms.settled);

    // A service ends only with its data returned or disposed of and its accounts removed.
    match suppliers::end(&db, &kanri, &line.id, " ", "", today, T0 + 50).await {
        Err(AppError::Validation(p)) => {
            assert_eq!(p.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["disposal", "accounts"])
        }
        other => panic!("{other:?}"),
    }
    let ended = suppliers::end(
        &db,
        &kanri,
        &line.id,
        "ルーター設定を初期化し返却",
        "管理画面のアカウント削除済み",
        today,
        T0 + 51,
    )
    .await
    .unwrap();
    assert_eq!(ended.values["status"], "終了");
    assert_eq!(ended.values["contract_end"], "2026-01-05");
    assert!(ended.duties.iter().all(|d| d.active == 0), "its checks stop");
    let dr = ended.requirements.iter().find(|r| r.key == "data_return_disposal").unwrap();
    assert!(dr.state == "confirmed" && dr.evidence.contains("ルーター設定を初期化し返却"));
    assert!(matches!(suppliers::end(&db, &kanri, &line.id, "x", "y", today, T0 + 52).await, Err(AppError::Conflict)));

    // Need-to-know: employees do not read the supplier register; another organisation sees nothing.
    assert!(matches!(suppliers::list(&db, &emp, today).await, Err(AppError::NotFound | AppError::Forbidden)));
    let other = org::create(&db, "other", "他社", T0).await.unwrap();
    assert!(suppliers::get(&db, &Actor::cli(&other.id), &ms.id, today).await.is_err());
    assert!(mamori_app::audit::verify_org(&db, &o.id).await.unwrap().is_ok());
}

on_both_engines!(suppliers_from_register_to_resolved_notes);

/// A questionnaire answered through its link: scored, requirements set from the answers (never
/// over a person's confirmation), the link then closed; refused when expired, unknown, or
/// incomplete; read only by the supplier register's readers of the same organisation.
async fn a_questionnaire_answered_through_its_link(db: Db) {
    use mamori_app::suppliers::questionnaires::{self as q, Closed};
    use mamori_domain::questionnaire::{Answer, Answers, template};
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "emp", "employee").await;
    let kanri = actor_of(&db, "kanri").await;
    let emp = actor_of(&db, "emp").await;
    let today = date(2026, 1, 5);
    let s = suppliers::create(&db, &kanri, supplier("Microsoft", "cloud_service"), today, T0).await.unwrap();
    requirements::confirm(&db, &kanri, &s.id, "subcontracting", "confirmed", "製品条項 第 3 条", today, T0)
        .await
        .unwrap();
    assert!(q::send(&db, &emp, &s.id, "standard", today, T0).await.is_err(), "employees do not send");
    assert!(matches!(q::send(&db, &kanri, &s.id, "nope", today, T0).await, Err(AppError::Validation(_))));
    let (row, token) = q::send(&db, &kanri, &s.id, "standard", today, T0).await.unwrap();
    assert_eq!(token.len(), 64);
    assert_ne!(row.token_hash, token, "only the token's hash is stored");

    // Unknown and malformed tokens open nothing.
    assert_eq!(q::open(&db, &"0".repeat(64), T0).await.unwrap().unwrap_err(), Closed::Unknown);
    assert_eq!(q::open(&db, "../etc", T0).await.unwrap().unwrap_err(), Closed::Unknown);
    let (_, public) = q::open(&db, &token, T0 + 1).await.unwrap().unwrap();
    assert_eq!((public.organisation.as_str(), public.supplier.as_str()), ("アクメ", "Microsoft"));

    let t = template("standard").unwrap();
    let mut answers: Answers =
        t.questions().map(|x| (x.key.clone(), Answer { answer: "yes".into(), comment: String::new() })).collect();
    let sub = t.questions().find(|x| x.requirement.as_deref() == Some("subcontracting")).unwrap().key.clone();
    let dr = t.questions().find(|x| x.requirement.as_deref() == Some("data_return_disposal")).unwrap().key.clone();
    answers.insert(sub.clone(), Answer { answer: "no".into(), comment: "再委託先は非開示".into() });
    answers.insert(dr.clone(), Answer { answer: "no".into(), comment: String::new() });
    let mut partial = answers.clone();
    partial.remove("q01");
    match q::answer(&db, &token, "鈴木", partial, T0 + 2).await {
        Err(AppError::Validation(p)) => assert_eq!(p, [("q01".to_string(), "q-answer-required".to_string())]),
        other => panic!("{other:?}"),
    }
    let score = q::answer(&db, &token, "鈴木 一郎（情報システム部）", answers.clone(), T0 + 3).await.unwrap();
    assert_eq!(score.deviations.len(), 2);
    assert!(score.percent < 100 && score.percent > 90);
    assert!(matches!(q::answer(&db, &token, "鈴木", answers.clone(), T0 + 4).await, Err(AppError::Conflict)), "once");
    assert_eq!(q::open(&db, &token, T0 + 5).await.unwrap().unwrap_err(), Closed::Answered);

    let after = suppliers::get(&db, &kanri, &s.id, today).await.unwrap();
    let state = |k: &str| after.requirements.iter().find(|r| r.key == k).unwrap().state.clone();
    assert_eq!(state("subcontracting"), "confirmed", "a person's confirmation is kept");
    assert_eq!(state("data_return_disposal"), "deviation", "a deviation is a follow-up");
    assert_eq!(state("confidentiality"), "confirmed");
    let v = q::one(&db, &kanri, &s.id, &row.id, today).await.unwrap();
    assert_eq!((v.row.state.as_str(), v.row.score), ("answered", Some(score.percent)));
    assert_eq!(v.answers[&sub].comment, "再委託先は非開示");
    assert!(q::one(&db, &emp, &s.id, &row.id, today).await.is_err(), "need-to-know");
    let other = org::create(&db, "other", "他社", T0).await.unwrap();
    assert!(q::one(&db, &Actor::cli(&other.id), &s.id, &row.id, today).await.is_err());

    // A link past its expiry is closed.
    let (_, late) = q::send(&db, &kanri, &s.id, "standard", today, T0).await.unwrap();
    let after_expiry = T0 + q::VALID_DAYS * 86_400_000;
    assert_eq!(q::open(&db, &late, after_expiry).await.unwrap().unwrap_err(), Closed::Expired);
    assert!(matches!(q::answer(&db, &late, "x", answers, after_expiry).await, Err(AppError::Conflict)));
    assert!(mamori_app::audit::verify_org(&db, &o.id).await.unwrap().is_ok());
}

on_both_engines!(a_questionnaire_answered_through_its_link);
