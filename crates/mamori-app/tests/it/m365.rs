//! Microsoft 365 imports on both engines: every fixture format, de-duplication across imports,
//! a malformed row reported with its line while the rest imports, unknown files storing
//! nothing, and the event search.

use crate::on_both_engines;
use mamori_app::m365::{self, EventQuery};
use mamori_app::{Actor, AppError, org};
use mamori_store::Db;
use std::path::PathBuf;

const T0: i64 = 1_767_225_600_000;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mamori-m365/fixtures").join(name)
}

async fn imports_deduplicate_and_search(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let a = Actor::cli(&o.id);
    let store = mamori_app::evidence::EvidenceStore {
        dir: std::env::temp_dir().join(format!("mamori-m365-{}", mamori_app::new_id())),
        max_bytes: 1 << 20,
    };
    let r = m365::import_file(&db, &a, &store, &fixture("purview_classic.csv"), T0).await.unwrap();
    assert_eq!(r.format, "purview_classic");
    assert_eq!((r.read, r.new, r.duplicate, r.rejected), (3, 3, 0, 1));
    assert_eq!(r.rejections[0].0, 4, "the malformed row is named by its line");
    assert_eq!(r.sha256.len(), 64);
    // Re-importing the same (or an overlapping) export adds nothing twice.
    let again = m365::import_file(&db, &a, &store, &fixture("purview_classic.csv"), T0 + 1).await.unwrap();
    assert_eq!((again.new, again.duplicate), (0, 3));
    let hawk =
        m365::import_file(&db, &a, &store, &fixture("hawk_Search-UnifiedAuditLog_export.csv"), T0 + 2).await.unwrap();
    assert_eq!((hawk.format.as_str(), hawk.read, hawk.new, hawk.duplicate), ("powershell_csv", 100, 99, 1));
    for (f, format) in [
        ("purview_new.csv", "purview_new"),
        ("plaso_microsoft_audit_log.jsonl", "auditdata_json"),
        ("panther_m365_rule_tests.jsonl", "auditdata_json"),
        ("entra_signin.csv", "entra_signin_csv"),
        ("entra_signin.json", "entra_signin_json"),
        ("admin_users_new.csv", "admin_users_csv"),
        ("admin_users_old.csv", "admin_users_csv"),
    ] {
        let r = m365::import_file(&db, &a, &store, &fixture(f), T0 + 3).await.unwrap_or_else(|e| panic!("{f}: {e:?}"));
        assert_eq!(r.format, format, "{f}");
        assert!(r.new > 0, "{f}");
    }
    // An unknown file is refused and nothing is stored.
    let before = mamori_store::rows::m365_imports(&mut db.conn().await.unwrap().ex(), &o.id).await.unwrap().len();
    let bad = fixture("SOURCES.md");
    assert!(
        matches!(m365::import_file(&db, &a, &store, &bad, T0).await, Err(AppError::Blocked(m)) if m.contains("not a Microsoft 365 export"))
    );
    let imports = mamori_store::rows::m365_imports(&mut db.conn().await.unwrap().ex(), &o.id).await.unwrap();
    assert_eq!(imports.len(), before);
    assert_eq!(imports.iter().find(|i| i.format == "purview_classic" && i.new_count == 3).unwrap().rejected_count, 1);

    // Search by user, operation, IP and time.
    let q = |user: &str, operation: &str, ip: &str, from: &str, to: &str| EventQuery {
        user: user.into(),
        operation: operation.into(),
        ip: ip.into(),
        workload: String::new(),
        from: from.into(),
        to: to.into(),
        limit: 0,
    };
    let taro = m365::events(&db, &a, &q("Taro@example.jp", "", "", "", "")).await.unwrap();
    assert!(taro.len() >= 4, "{}", taro.len());
    let failed =
        m365::events(&db, &a, &q("", "UserLoginFailed", "203.0.113.7", "2026-01-05", "2026-01-05")).await.unwrap();
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(|e| e.raw.contains("UserLoginFailed")));
    let role = m365::events(&db, &a, &q("", "Add member to role.", "", "", "")).await.unwrap();
    assert_eq!(role.len(), 1);
    assert!(m365::events(&db, &a, &q("", "", "", "2030-01-01", "")).await.unwrap().is_empty());
    let exchange =
        m365::events(&db, &a, &EventQuery { workload: "Exchange".into(), ..Default::default() }).await.unwrap();
    assert!(!exchange.is_empty() && exchange.iter().all(|e| e.workload == "Exchange"));
    assert!(exchange.iter().all(|e| e.raw.contains("\"Exchange\"")), "raw JSON comes back from the segments");
    let accounts = mamori_store::rows::m365_accounts(&mut db.conn().await.unwrap().ex(), &o.id).await.unwrap();
    assert_eq!(accounts.len(), 3);
    assert!(mamori_app::audit::verify_org(&db, &o.id).await.unwrap().is_ok());
    // Every kept file reached its content address; no temporary copy is left behind.
    let left: Vec<_> = std::fs::read_dir(store.dir.join("tmp")).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

async fn detections_over_imported_events(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let a = Actor::cli(&o.id);
    let dir = std::env::temp_dir().join(format!("mamori-m365-{}", mamori_app::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = mamori_app::evidence::EvidenceStore { dir: dir.join("evidence"), max_bytes: 1 << 20 };
    // Six users failing from one IP within ten minutes (a spray), written as JSON lines.
    let mut lines = String::new();
    for (i, u) in ["a", "b", "c", "d", "e", "f"].iter().enumerate() {
        lines.push_str(&serde_json::json!({"Id": format!("spray-{i}"), "CreationTime": format!("2026-01-05T01:0{i}:00"), "Operation": "UserLoginFailed", "RecordType": 15, "UserId": format!("{u}@example.jp"), "ClientIP": "203.0.113.7"}).to_string());
        lines.push('\n');
    }
    let spray = dir.join("spray.jsonl");
    std::fs::write(&spray, lines).unwrap();
    m365::import_file(&db, &a, &store, &spray, T0).await.unwrap();
    m365::import_file(&db, &a, &store, &fixture("purview_new.csv"), T0).await.unwrap();
    let hits = m365::detect(&db, &a, None).await.unwrap();
    let rules: Vec<&str> = hits.iter().map(|h| h.rule).collect();
    assert!(rules.contains(&"password_spray"), "{rules:?}");
    assert!(rules.contains(&"role_change"));
    assert!(rules.contains(&"mailbox_forwarding"));
    let spray_hit = hits.iter().find(|h| h.rule == "password_spray").unwrap();
    assert_eq!((spray_hit.user.as_str(), spray_hit.count), ("203.0.113.7", 6));
    // The import recorded findings; re-importing adds none; a person confirms one with a
    // reason and opens an incident, and dismisses another.
    let inbox = m365::findings(&db, &a).await.unwrap();
    let n = inbox.len();
    assert!(inbox.iter().any(|f| f.rule == "password_spray" && f.state == "new"));
    m365::import_file(&db, &a, &store, &spray, T0 + 1).await.unwrap();
    assert_eq!(m365::findings(&db, &a).await.unwrap().len(), n);
    let spray_f = inbox.iter().find(|f| f.rule == "password_spray").unwrap();
    assert!(matches!(
        m365::decide_finding(&db, &a, &spray_f.id, true, " ", true, &|r: &str| format!("規則:{r}"), T0).await,
        Err(AppError::Validation(_))
    ));
    let admin_user = mamori_app::users::create(
        &db,
        &a,
        mamori_app::users::NewUser {
            login_id: "kanri".into(),
            display_name: "管理".into(),
            email: "kanri@example.jp".into(),
            password: "Initial-Pass9".into(),
            roles: vec!["security_manager".into()],
        },
        T0,
    )
    .await
    .unwrap();
    let s = mamori_app::session::login(
        &db,
        mamori_app::session::LoginRequest {
            organization: None,
            login_id: "kanri".into(),
            password: "Initial-Pass9".into(),
            totp: None,
        },
        T0,
    )
    .await
    .unwrap();
    let kanri = mamori_app::session::lookup(&db, &s.token, T0).await.unwrap().unwrap().actor;
    assert_eq!(kanri.user_id.as_deref(), Some(admin_user.id.as_str()));
    let done = m365::decide_finding(
        &db,
        &kanri,
        &spray_f.id,
        true,
        "社外 IP からの攻撃。パスワード変更を指示",
        true,
        &|r: &str| format!("規則:{r}"),
        T0 + 2,
    )
    .await
    .unwrap();
    assert_eq!(done.state, "confirmed");
    let incident = mamori_app::incidents::get(&db, &kanri, done.incident_id.as_deref().unwrap()).await.unwrap();
    assert!(incident.incident.title.contains("規則:password_spray"), "titled by the label given");
    let text = &incident.incident.description;
    assert!(text.contains("検知期間:") && text.contains("イベント") && !text.contains("[\""), "{text}");
    assert!(matches!(
        m365::decide_finding(&db, &kanri, &spray_f.id, false, "x", false, &|r: &str| format!("規則:{r}"), T0).await,
        Err(AppError::Conflict)
    ));
    let other = inbox.iter().find(|f| f.rule == "role_change").unwrap();
    assert_eq!(
        m365::decide_finding(
            &db,
            &kanri,
            &other.id,
            false,
            "予定どおりの管理者追加",
            false,
            &|r: &str| format!("規則:{r}"),
            T0
        )
        .await
        .unwrap()
        .state,
        "dismissed"
    );
    // Negative: before the spray's day nothing is found; a later start misses it.
    let later = m365::detect(&db, &a, Some(jiff::civil::date(2026, 1, 6))).await.unwrap();
    assert!(later.iter().all(|h| h.rule != "password_spray"));
}

async fn leaver_with_an_enabled_account_is_flagged(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let a = Actor::cli(&o.id);
    for (login, email) in [("admin", "admin@example.jp"), ("jiro", "jiro@example.jp")] {
        mamori_app::users::create(
            &db,
            &a,
            mamori_app::users::NewUser {
                login_id: login.into(),
                display_name: login.into(),
                email: email.into(),
                password: "Initial-Pass9".into(),
                roles: vec!["top_management".into()],
            },
            T0,
        )
        .await
        .unwrap();
    }
    let store = mamori_app::evidence::EvidenceStore {
        dir: std::env::temp_dir().join(format!("mamori-m365-{}", mamori_app::new_id())),
        max_bytes: 1 << 20,
    };
    m365::import_file(&db, &a, &store, &fixture("admin_users_new.csv"), T0).await.unwrap();
    m365::import_file(&db, &a, &store, &fixture("admin_users_old.csv"), T0).await.unwrap();
    let today = jiff::civil::date(2026, 1, 10);
    // Before jiro leaves, only the unknown, unused and blocked accounts stand out.
    let before = m365::review(&db, &a, today, 90).await.unwrap();
    let flags = |r: &[m365::ReviewLine], u: &str| {
        r.iter().find(|l| l.account.upn == u).map(|l| l.account.flags.clone()).unwrap()
    };
    assert!(!flags(&before, "jiro@example.jp").contains(&"leaver_enabled"));
    assert!(flags(&before, "old@example.jp").is_empty(), "blocked: nothing to review");
    let mut leaver = serde_json::Map::new();
    leaver.insert("person".into(), "jiro".into());
    leaver.insert("leave_date".into(), "2025-12-31".into());
    mamori_app::registers::create(&db, &a, "leaver_checklist", &leaver, None, T0).await.unwrap();
    let after = m365::review(&db, &a, today, 90).await.unwrap();
    assert!(flags(&after, "jiro@example.jp").contains(&"leaver_enabled"), "{:?}", flags(&after, "jiro@example.jp"));
    assert!(!flags(&after, "admin@example.jp").contains(&"leaver_enabled"));
    // The reviewer's decision is the yearly record.
    assert!(matches!(
        m365::decide_account(&db, &a, "jiro@example.jp", "archive", "", today, T0).await,
        Err(AppError::Validation(_))
    ));
    let d =
        m365::decide_account(&db, &a, "jiro@example.jp", "disable", "退職済み。本日ブロック", today, T0).await.unwrap();
    assert_eq!((d.year, d.flags.as_str()), (2025, "leaver_enabled,unused"));
    let again = m365::review(&db, &a, today, 90).await.unwrap();
    assert_eq!(
        again.iter().find(|l| l.account.upn == "jiro@example.jp").unwrap().decision.as_ref().unwrap().decision,
        "disable"
    );
}

async fn settings_retention_and_the_newer_rules(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let a = Actor::cli(&o.id);
    let dir = std::env::temp_dir().join(format!("mamori-m365-{}", mamori_app::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = mamori_app::evidence::EvidenceStore { dir: dir.join("evidence"), max_bytes: 1 << 20 };
    let ev = |id: String, time: String, op: &str, user: &str, ip: &str, extra: serde_json::Value| {
        let mut v = serde_json::json!({"Id": id, "CreationTime": time, "Operation": op, "RecordType": 15, "UserId": user, "ClientIP": ip});
        if let (Some(o), Some(x)) = (v.as_object_mut(), extra.as_object()) {
            o.extend(x.clone());
        }
        v.to_string()
    };
    let none = serde_json::json!({});
    let mut lines = vec![
        // taro: an old sign-in (for retention), then home, a new network, and the office VPN.
        ev("t0".into(), "2025-01-01T01:00:00".into(), "UserLoggedIn", "taro@example.jp", "198.51.100.10", none.clone()),
        ev("t1".into(), "2026-01-05T01:00:00".into(), "UserLoggedIn", "taro@example.jp", "198.51.100.11", none.clone()),
        ev("t2".into(), "2026-01-05T02:00:00".into(), "UserLoggedIn", "taro@example.jp", "203.0.113.50", none.clone()),
        ev("t3".into(), "2026-01-05T03:00:00".into(), "UserLoggedIn", "taro@example.jp", "192.0.2.5", none.clone()),
        // A guest share and an internal one.
        ev(
            "s1".into(),
            "2026-01-05T04:00:00".into(),
            "SharingSet",
            "taro@example.jp",
            "",
            serde_json::json!({"TargetUserOrGroupType": "Guest", "TargetUserOrGroupName": "partner@example.com"}),
        ),
        ev(
            "s2".into(),
            "2026-01-05T04:01:00".into(),
            "SharingSet",
            "taro@example.jp",
            "",
            serde_json::json!({"TargetUserOrGroupType": "Member", "TargetUserOrGroupName": "hanako@example.jp"}),
        ),
    ];
    // hanako downloads 60 files in half an hour; jiro fails 12 times in 24 minutes.
    for i in 0..60 {
        lines.push(ev(
            format!("d{i:02}"),
            format!("2026-01-06T01:{:02}:{:02}", i / 2, (i % 2) * 30),
            "FileDownloaded",
            "hanako@example.jp",
            "198.51.100.20",
            none.clone(),
        ));
    }
    for i in 0..12 {
        lines.push(ev(
            format!("f{i:02}"),
            format!("2026-01-07T01:{:02}:00", i * 2),
            "UserLoginFailed",
            "jiro@example.jp",
            "198.51.100.30",
            none.clone(),
        ));
    }
    let file = dir.join("mixed.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let r = m365::import_file(&db, &a, &store, &file, T0).await.unwrap();
    assert_eq!((r.new, r.rejected), (78, 0));
    let rules = |hits: &[m365::Hit]| hits.iter().map(|h| (h.rule, h.user.clone())).collect::<Vec<_>>();
    let hits = m365::detect(&db, &a, None).await.unwrap();
    let found = rules(&hits);
    assert!(found.contains(&("mass_download", "hanako@example.jp".into())), "{found:?}");
    assert!(found.contains(&("brute_force", "jiro@example.jp".into())));
    assert_eq!(
        hits.iter().filter(|h| h.rule == "external_sharing").map(|h| h.event_ids.clone()).collect::<Vec<_>>(),
        vec![vec!["s1".to_string()]]
    );
    let new_net: Vec<Vec<String>> =
        hits.iter().filter(|h| h.rule == "new_network").map(|h| h.event_ids.clone()).collect();
    assert_eq!(
        new_net,
        vec![vec!["t2".to_string()], vec!["t3".to_string()]],
        "the home network is known from the first sign-in"
    );

    // Settings: validated, audited, and used by the detections.
    assert_eq!(m365::settings(&db, &a).await.unwrap(), m365::Settings::default());
    assert_eq!(
        m365::purge(&db, &a, jiff::civil::date(2026, 11, 26), T0).await.unwrap(),
        None,
        "kept forever by default"
    );
    let bad = m365::Settings {
        thresholds: m365::Thresholds { brute_failures: 1, ..Default::default() },
        allow_list: vec!["office".into()],
        retention_days: Some(30),
    };
    match m365::save_settings(&db, &a, &bad, T0).await {
        Err(AppError::Validation(f)) => {
            let names: Vec<&str> = f.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, vec!["brute_failures", "allow_list", "retention_days"]);
        }
        other => panic!("{other:?}"),
    }
    let good = m365::Settings {
        thresholds: m365::Thresholds { brute_failures: 20, ..Default::default() },
        allow_list: vec!["192.0.2.0/24".into()],
        retention_days: Some(365),
    };
    m365::save_settings(&db, &a, &good, T0 + 1).await.unwrap();
    assert_eq!(m365::settings(&db, &a).await.unwrap(), good);
    let found = rules(&m365::detect(&db, &a, None).await.unwrap());
    assert!(!found.iter().any(|(r, _)| *r == "brute_force"), "12 failures are below the raised threshold");
    assert_eq!(found.iter().filter(|(r, _)| *r == "new_network").count(), 1, "the VPN block is allowed");

    // Retention: a year before 2026-11-26 removes only the 2025 sign-in, and says so in the
    // audit trail.
    let taro = EventQuery { user: "taro@example.jp".into(), ..Default::default() };
    assert_eq!(m365::events(&db, &a, &taro).await.unwrap().len(), 6);
    let p = m365::purge(&db, &a, jiff::civil::date(2026, 11, 26), T0 + 2).await.unwrap().unwrap();
    assert_eq!((p.events, p.segments), (1, 0), "the segment still holds newer events");
    let left = m365::events(&db, &a, &taro).await.unwrap();
    assert_eq!(left.len(), 5);
    assert!(left.iter().all(|e| e.at.as_str() >= "2026"));
    let again = m365::purge(&db, &a, jiff::civil::date(2026, 11, 26), T0 + 3).await.unwrap().unwrap();
    assert_eq!(again.events, 0);
    let trail = mamori_store::rows::audit_range(&mut db.conn().await.unwrap().ex(), &o.id, 0, 10_000).await.unwrap();
    assert!(trail.iter().any(|e| e.object_type == "m365_settings"));
    assert_eq!(trail.iter().filter(|e| e.object_type == "m365_event" && e.action == "delete").count(), 1);
    assert!(mamori_app::audit::verify_org(&db, &o.id).await.unwrap().is_ok());
}

on_both_engines!(
    imports_deduplicate_and_search,
    detections_over_imported_events,
    leaver_with_an_enabled_account_is_flagged,
    settings_retention_and_the_newer_rules
);
