//! Continuity and things in the field as data, on both engines: the backup log completing the
//! monthly backup duty (8.13) and feeding control health, a missed month visible; a device's
//! self-attestation by its custodian (refused for someone else's); a certificate within its
//! lead time due as an occurrence, one far off not.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use jiff::civil::{Date, date};
use mamori_app::{Actor, AppError, devices, duties, health, org, registers, regulation};
use mamori_domain::health::HealthState;
use mamori_domain::schedule::OccurrenceState;
use mamori_store::Db;
use serde_json::{Map, Value, json};

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

async fn backup_log_completes_the_monthly_backup_duty(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "boss", "top_management").await;
    regulation::import_text(&db, &cli, "seed.txt", SEED, T0).await.unwrap();
    let april = date(2026, 4, 1);
    duties::offer_from_regulation(&db, &cli, april, T0).await.unwrap();
    let all = duties::list(&db, &cli, april).await.unwrap();
    // The regulation's own 8.13 duties (the restore test the drills' register offers is kept
    // in that register).
    let backup: Vec<_> = all
        .iter()
        .filter(|d| d.duty.control_id.as_deref() == Some("8.13") && !d.duty.source_text.starts_with("register:"))
        .collect();
    assert!(!backup.is_empty());
    // The regulation does not name the register: the template's records rule does.
    for d in &backup {
        assert_eq!(d.contract()["evidence"], "register:backup_log", "{}", d.duty.title);
    }
    let ids: Vec<String> = backup.iter().map(|d| d.duty.id.clone()).collect();
    duties::confirm(&db, &cli, &ids, april, april, T0).await.unwrap();

    let boss = actor_of(&db, "boss").await;
    registers::create(&db, &cli, "media_ledger", &obj(json!({"media_id": "USB-01", "kind": "USB メモリ"})), None, T0)
        .await
        .unwrap();
    let run = json!({"performed_on": "2026-04-25", "entry_kind": "バックアップ", "target": "共有フォルダ",
        "medium": "USB-01", "performed_by": "boss", "result": "成功"});
    let row = registers::create(&db, &cli, "backup_log", &obj(run), None, T0).await.unwrap();
    let bad = registers::create(
        &db,
        &cli,
        "backup_log",
        &obj(json!({"performed_on": "2026-04-25", "entry_kind": "バックアップ", "target": "x",
            "medium": "USB-99", "performed_by": "boss", "result": "成功"})),
        None,
        T0,
    )
    .await;
    assert!(matches!(bad, Err(AppError::Rows(_))), "the medium is a row of 媒体管理台帳: {bad:?}");

    let on = date(2026, 4, 25);
    for id in &ids {
        let occ = duties::history(&db, &cli, id, on).await.unwrap().1;
        let april_occ = occ.iter().find(|o| o.occurrence.due == "2026-04-30").unwrap();
        // A note alone does not complete it; the log entry does.
        let note = duties::Completion { note: "USB に保存".into(), ..Default::default() };
        let refused = duties::complete(&db, &boss, &april_occ.occurrence.id, note, on, T0).await;
        assert!(matches!(refused, Err(AppError::Validation(_))), "{refused:?}");
        let done = duties::Completion { record_ref: Some(format!("backup_log/{}", row.id)), ..Default::default() };
        let done = duties::complete(&db, &boss, &april_occ.occurrence.id, done, on, T0).await.unwrap();
        assert_eq!(done.state, "done");
    }
    // In May: April done on time, May not due yet.
    let may = health::all(&db, &cli, date(2026, 5, 20)).await.unwrap();
    assert_eq!(may["8.13"].state, HealthState::Good, "{:?}", may["8.13"]);
    // In June: May had no run — missed on the heat map and in control health.
    let june = date(2026, 6, 10);
    let h = health::all(&db, &cli, june).await.unwrap();
    assert_eq!(h["8.13"].state, HealthState::Deficient, "{:?}", h["8.13"]);
    let missed = h["8.13"].reasons.iter().find(|r| r.key == "missed").unwrap();
    assert_eq!(missed.numbers["count"], i64::try_from(ids.len()).unwrap());
    let map = duties::heatmap(&db, &cli, 2026, june).await.unwrap();
    let row = map.rows.iter().find(|r| r.duty_id == ids[0]).unwrap();
    assert_eq!(row.cells[0].state, Some(OccurrenceState::DoneOnTime), "April");
    assert_eq!(row.cells[1].state, Some(OccurrenceState::Missed), "May");
}
on_both_engines!(backup_log_completes_the_monthly_backup_duty);

async fn a_custodian_attests_their_own_devices_only(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "emp1", "employee").await;
    add_user(&db, &cli, "emp2", "employee").await;
    let pc = registers::create(
        &db,
        &cli,
        "devices",
        &obj(json!({"device_id": "PC-01", "kind": "ノート PC", "custodian": "emp1"})),
        None,
        T0,
    )
    .await
    .unwrap();
    let phone = registers::create(
        &db,
        &cli,
        "devices",
        &obj(json!({"device_id": "SP-01", "kind": "スマートフォン", "custodian": "emp2 さん"})),
        None,
        T0,
    )
    .await
    .unwrap();
    let today = date(2026, 5, 1);
    let emp1 = actor_of(&db, "emp1").await;
    let emp2 = actor_of(&db, "emp2").await;
    let mine = devices::mine(&db, &emp1, today).await.unwrap();
    assert_eq!(mine.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), [pc.id.as_str()]);
    assert!(!mine[0].attested && !mine[0].gaps.is_empty());
    // The custodian named by display name finds theirs too.
    assert_eq!(devices::mine(&db, &emp2, today).await.unwrap()[0].id, phone.id);

    let yes = |fields: &[&str]| devices::Answers {
        checks: fields.iter().map(|f| (f.to_string(), true)).collect(),
        screenshot: None,
    };
    let all_yes = yes(&["encryption", "screen_lock", "antivirus", "auto_update", "remote_lock"]);
    // Someone else's device: not found, and nothing written.
    let refused = devices::attest(&db, &emp1, &phone.id, all_yes.clone(), today, T0 + 1).await;
    assert!(matches!(refused, Err(AppError::NotFound)), "{refused:?}");
    let d = devices::attest(&db, &emp1, &pc.id, all_yes, today, T0 + 2).await.unwrap();
    assert!(d.attested && d.gaps.is_empty(), "{d:?}");
    assert_eq!(d.values["attested_on"], "2026-05-01");
    assert_ne!(d.values.get("remote_lock"), Some(&json!(true)), "a laptop is not asked about remote lock");
    let p = devices::attest(&db, &emp2, &phone.id, yes(&["encryption", "screen_lock", "auto_update"]), today, T0 + 3)
        .await
        .unwrap();
    assert_eq!(p.gaps, ["remote_lock"]);
    // Written through the register engine: the history keeps both versions.
    let hist = registers::history(&db, &cli, "devices", &pc.id).await.unwrap();
    assert_eq!(hist.len(), 2);
    // The register is not the employee's to read; the overview is the managers'.
    assert!(matches!(devices::overview(&db, &emp1, today).await, Err(AppError::NotFound)));
    let kanri = actor_of(&db, "kanri").await;
    let later = date(2026, 9, 1);
    let all = devices::overview(&db, &kanri, later).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|d| !d.attested), "90 days on, both are due again");
    let now = devices::overview(&db, &kanri, today).await.unwrap();
    let of = |id: &str| now.iter().find(|d| d.id == id).unwrap();
    assert!(of(&pc.id).attested && of(&pc.id).gaps.is_empty());
    assert!(of(&phone.id).attested && !of(&phone.id).gaps.is_empty(), "attested but not compliant");
}
on_both_engines!(a_custodian_attests_their_own_devices_only);

async fn a_certificate_within_its_lead_time_is_due(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    // T0 is 2026-01-01 in Tokyo.
    let today: Date = date(2026, 1, 1);
    let cert = |name: &str, expires: &str, lead: Option<i64>| {
        let mut v = obj(json!({"name": name, "kind": "サーバー証明書（TLS）", "expires_on": expires}));
        if let Some(l) = lead {
            v.insert("lead_days".into(), json!(l));
        }
        v
    };
    let soon = registers::create(&db, &cli, "certificates", &cert("www.example.jp", "2026-01-20", None), None, T0)
        .await
        .unwrap();
    registers::create(&db, &cli, "certificates", &cert("far.example.jp", "2026-08-01", None), None, T0).await.unwrap();
    registers::create(&db, &cli, "certificates", &cert("short.example.jp", "2026-01-20", Some(7)), None, T0)
        .await
        .unwrap();
    let to = date(2026, 12, 31);
    let occ = duties::occurrences(&db, &cli, today, to, today).await.unwrap();
    let list = duties::list(&db, &cli, today).await.unwrap();
    let title = |duty_id: &str| list.iter().find(|d| d.duty.id == duty_id).unwrap().duty.title.clone();
    let due: Vec<(String, String)> = occ
        .iter()
        .filter(|o| {
            list.iter().any(|d| d.duty.id == o.occurrence.duty_id && d.duty.control_id.as_deref() == Some("8.24"))
        })
        .map(|o| (title(&o.occurrence.duty_id), o.occurrence.due.clone()))
        .collect();
    assert_eq!(due, [("証明書・ドメインの更新: www.example.jp".to_string(), "2026-01-20".to_string())]);
    let d = list.iter().find(|d| d.duty.title.ends_with("www.example.jp")).unwrap();
    assert_eq!((d.duty.lead_days, d.duty.owner_role.as_deref()), (Some(30), Some("system_admin")));
    assert_eq!(d.contract()["evidence"], "register:certificates");
    // The reminder mechanism sees it: a mail to its owner role (システム管理者) naming it.
    add_user(&db, &cli, "admin", "system_admin").await;
    let cfg = mamori_app::reminders::SmtpConfig {
        host: "127.0.0.1".into(),
        port: 25,
        security: mamori_app::reminders::Security::None,
        username: None,
        password: None,
        from: "mamori <isms@example.jp>".into(),
        base_url: None,
        days_before: 7,
    };
    mamori_app::reminders::queue(&db, &cfg, &Keys, today, T0).await.unwrap();
    let mails = mamori_app::outbox::list(&db, &cli, 100).await.unwrap();
    assert!(mails.iter().any(|m| m.recipient == "admin@example.jp" && m.body.contains("www.example.jp")), "{mails:?}");
    assert!(!mails.iter().any(|m| m.body.contains("far.example.jp") || m.body.contains("short.example.jp")));
    let c = obj(json!({"expires_on": "2027-01-20"}));
    // Renewed: the open occurrence goes, the new expiry is far off.
    let mut renewed = soon.values.clone();
    renewed.extend(c);
    registers::update(&db, &cli, "certificates", &soon.id, &renewed, None, T0 + 1).await.unwrap();
    let occ = duties::occurrences(&db, &cli, today, to, today).await.unwrap();
    assert!(!occ.iter().any(|o| o.occurrence.duty_id == d.duty.id), "renewed: nothing due");
}
on_both_engines!(a_certificate_within_its_lead_time_is_due);

/// Mail text with visible keys and arguments.
struct Keys;

impl mamori_app::reminders::MailText for Keys {
    fn text(&self, key: &str, args: &[(&str, String)]) -> String {
        let a: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{key} {}", a.join(" "))
    }
}
