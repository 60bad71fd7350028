//! The staff directory's import and export, a person's links and what the system settles on a
//! leaver's checklist, on both engines: an import is all or nothing with every problem at its
//! row and column, a row with an ID updates (更新), an export imports again unchanged (also
//! after Excel's CP932 save), the caps refuse a file naming the limit; the links keep
//! need-to-know; the daily job disables a leaver's login on the day; the Microsoft 365 item is
//! confirmed or flagged by the reconciliation.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use mamori_app::people::{self, Filter, PersonInput, import, leave, leaver_sync, links};
use mamori_app::{Actor, AppError, org, registers};
use mamori_store::Db;
use serde_json::{Map, Value, json};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

/// 09:00 in Tokyo on that day, as epoch milliseconds.
fn at(y: i16, m: i8, d: i8) -> i64 {
    jiff::civil::date(y, m, d).at(9, 0, 0, 0).in_tz("Asia/Tokyo").unwrap().timestamp().as_millisecond()
}

fn csv(lines: &[&str]) -> Vec<u8> {
    format!("\u{feff}{}\r\n", lines.join("\r\n")).into_bytes()
}

async fn count(db: &Db, a: &Actor) -> usize {
    people::list(db, a, &Filter::default(), jiff::civil::date(2026, 1, 1)).await.unwrap().len()
}

async fn the_directory_imports_all_or_nothing(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "emp", "employee").await;
    let kanri = actor_of(&db, "kanri").await;
    let emp = actor_of(&db, "emp").await;
    let boss = PersonInput { name: "佐藤 一郎".into(), kind: "officer".into(), ..PersonInput::default() };
    let boss = people::create(&db, &kanri, &boss, T0).await.unwrap();

    // Japanese headers and labels, a title line above, dates as people write them.
    let file = csv(&[
        "社員名簿",
        "氏名,区分,メールアドレス,部署,入社日,ログインID,上長",
        "山田 太郎,従業員,yamada@example.jp,営業部,2025/4/1,EMP,佐藤　一郎",
        "委託 花子,委託先,,,,,",
    ]);
    let r = import::import(&db, &kanri, "名簿.csv", &file, T0 + 1).await.unwrap();
    assert_eq!(
        r.created.iter().map(|l| (l.row, l.name.as_str())).collect::<Vec<_>>(),
        [(3, "山田 太郎"), (4, "委託 花子")]
    );
    assert!(r.updated.is_empty());
    let yamada = people::row(&db, &kanri, &r.created[0].id).await.unwrap();
    assert_eq!(
        (yamada.kind.as_str(), yamada.joined_on.as_deref(), yamada.login_id.as_deref(), yamada.manager_id.as_deref()),
        ("employee", Some("2025-04-01"), Some("emp"), Some(boss.id.as_str()))
    );
    assert_eq!(people::row(&db, &kanri, &r.created[1].id).await.unwrap().kind, "outsourced");

    // Every problem at its row and column; nothing stored, not even the good row.
    let bad = csv(&[
        "ID,name,kind,email,joined_on,left_on,login_id,manager",
        ",新人 一,employee,,,,,",
        ",二人目,インターン,x,2026-02-30,,,",
        ",三人目,社員,,2026-04-01,2026-03-01,nobody,誰か",
        "no-such-id,四人目,社員,,,,emp,",
        ",五人目,社員,,,,emp,五人目",
    ]);
    match import::import(&db, &kanri, "bad.csv", &bad, T0 + 2).await {
        Err(AppError::Rows(p)) => {
            let got: Vec<(usize, &str, &str)> =
                p.iter().map(|p| (p.row, p.column.as_str(), p.message.as_str())).collect();
            assert_eq!(
                got,
                [
                    (3, "メールアドレス", "field-invalid-email"),
                    (3, "区分", "field-not-a-choice"),
                    (3, "入社日", "field-not-date"),
                    (4, "退職日", "people-left-before-joined"),
                ],
                "the sheet's own problems first"
            );
        }
        other => panic!("{other:?}"),
    }
    // With the sheet's own problems fixed, the problems against what is stored.
    let bad = csv(&[
        "ID,name,kind,login_id,manager",
        ",新人 一,employee,,",
        ",三人目,社員,nobody,誰か",
        "no-such-id,四人目,社員,,",
        ",五人目,社員,emp,五人目",
    ]);
    match import::import(&db, &kanri, "bad.csv", &bad, T0 + 2).await {
        Err(AppError::Rows(p)) => {
            let got: Vec<(usize, &str, &str)> =
                p.iter().map(|p| (p.row, p.column.as_str(), p.message.as_str())).collect();
            assert_eq!(
                got,
                [
                    (3, "ログインID", "people-login-unknown"),
                    (3, "上長", "field-unknown-person"),
                    (4, "ID", "import-unknown-id"),
                    (5, "ログインID", "people-login-taken"),
                    (5, "上長", "people-manager-self"),
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(count(&db, &kanri).await, 3, "nothing was stored");
    // An employee may neither import nor export.
    assert!(matches!(import::import(&db, &emp, "x.csv", &file, T0).await, Err(AppError::Forbidden)));
    assert!(matches!(import::table(&db, &emp).await, Err(AppError::Forbidden)));

    // The export imports again without a change, as CSV and as xlsx.
    for format in ["csv", "xlsx"] {
        let t = import::table(&db, &kanri).await.unwrap();
        let bytes = mamori_app::export::render_export(&t, format).unwrap();
        let again = import::import(&db, &kanri, &format!("名簿.{format}"), &bytes, T0 + 3).await.unwrap();
        assert_eq!((again.created.len(), again.updated.len(), again.unchanged), (0, 0, 3), "{format}");
    }

    // A row with an ID updates that person, shown as 更新; nothing else moves.
    let t = import::table(&db, &kanri).await.unwrap();
    let text = String::from_utf8(mamori_app::export::render_export(&t, "csv").unwrap()).unwrap();
    let changed = text.replace("営業部", "総務部");
    let r = import::import(&db, &kanri, "名簿.csv", changed.as_bytes(), T0 + 4).await.unwrap();
    assert_eq!(r.updated.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["山田 太郎"]);
    assert_eq!((r.created.len(), r.unchanged), (0, 2));
    let after = people::row(&db, &kanri, &yamada.id).await.unwrap();
    assert_eq!((after.department.as_str(), after.manager_id.as_deref()), ("総務部", Some(boss.id.as_str())));
    let trail = mamori_app::audit::all_rows(&db, &cli).await.unwrap();
    assert!(trail.iter().any(|r| r.object_type == "person" && r.object_id.as_deref() == Some(yamada.id.as_str())));
    assert_eq!(trail.iter().filter(|r| r.object_type == "person_import").count(), 4);

    // Excel's CP932 save (〜 → ～, — → ―) changes nothing stored.
    let mut j = PersonInput::of(&after);
    j.name = "山田〜太郎".into();
    j.department = "営業—企画".into();
    people::update(&db, &kanri, &yamada.id, &j, T0 + 5).await.unwrap();
    let t = import::table(&db, &kanri).await.unwrap();
    let text = String::from_utf8(mamori_app::export::render_export(&t, "csv").unwrap()).unwrap();
    // Excel writes 〜 (U+301C) as 0x8160 and — as 0x815C, which read back as ～ and ―.
    let excel = text.trim_start_matches('\u{feff}').replace('〜', "～").replace('—', "―");
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&excel);
    let bad: Vec<char> = excel.chars().filter(|c| encoding_rs::SHIFT_JIS.encode(&c.to_string()).2).collect();
    assert!(!unmappable, "every character has its CP932 code: {bad:?}");
    let (decoded, _, _) = encoding_rs::SHIFT_JIS.decode(&sjis);
    assert!(decoded.contains("山田～太郎") && decoded.contains("営業―企画"), "{decoded}");
    let r = import::import(&db, &kanri, "excel.csv", &sjis, T0 + 6).await.unwrap();
    assert_eq!((r.created.len(), r.updated.len(), r.unchanged), (0, 0, 3), "{r:?}");
    let kept = people::row(&db, &kanri, &yamada.id).await.unwrap();
    assert_eq!((kept.name.as_str(), kept.department.as_str()), ("山田〜太郎", "営業—企画"));

    // The caps: the file, rows, one cell — each refused naming its limit, nothing stored.
    let big = vec![b'a'; import::MAX_FILE_BYTES + 1];
    assert!(matches!(
        import::import(&db, &kanri, "big.csv", &big, T0).await,
        Err(AppError::TooLarge { key: "limit-file-mb", limit: 20, .. })
    ));
    let mut many = String::from("氏名,区分\r\n");
    for n in 0..=registers::MAX_IMPORT_ROWS {
        many.push_str(&format!("人{n},社員\r\n"));
    }
    assert!(matches!(
        import::import(&db, &kanri, "many.csv", many.as_bytes(), T0).await,
        Err(AppError::TooLarge { key: "limit-rows", .. })
    ));
    let long = format!("氏名,区分\r\n{},社員\r\n", "長".repeat(registers::MAX_CELL_CHARS + 1));
    assert!(matches!(
        import::import(&db, &kanri, "long.csv", long.as_bytes(), T0).await,
        Err(AppError::TooLarge { key: "limit-cell", .. })
    ));
    assert_eq!(count(&db, &kanri).await, 3);
}
on_both_engines!(the_directory_imports_all_or_nothing);

/// Writes an admin center user list: (UPN, name, blocked).
fn admin_users(dir: &std::path::Path, name: &str, users: &[(&str, &str, bool)]) -> std::path::PathBuf {
    let header = "Display name,DirSyncEnabled,User principal name,Object Id,First name,Last name,When created,Soft deletion time stamp,Title,Department,Preferred data location,City,CountryOrRegion,Office,StateOrProvince,Usage location,Last dirsync time,Block credential,Licenses,Password never expires,Last password change time stamp,Mobile Phone,Phone number,Postal code,Preferred language,Street address,Fax,Proxy addresses";
    let mut text = format!("{header}\n");
    for (n, (upn, display, blocked)) in users.iter().enumerate() {
        let b = if *blocked { "True" } else { "False" };
        text.push_str(&format!(
            "{display},False,{upn},15e91f38-0000-0000-0000-00000000000{n},,,2023-04-01 00:00:00Z,,,,,,,,,JP,,{b},Microsoft 365 Business Standard,False,2025-04-01 00:00:00Z,,,,,,,SMTP:{upn}\n"
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Writes an Entra sign-in list of successful sign-ins: (UTC time, UPN).
fn sign_ins(dir: &std::path::Path, name: &str, rows: &[(&str, &str)]) -> std::path::PathBuf {
    let mut text = String::from(
        "Date (UTC),Request ID,User agent,Correlation ID,User ID,User,Username,User type,Application,IP address,Location,Status,Sign-in error code,Failure reason\n",
    );
    for (n, (time, upn)) in rows.iter().enumerate() {
        text.push_str(&format!(
            "{time},e3000000-0000-0000-0000-00000000009{n},Mozilla/5.0,c-{n},u-{n},{upn},{upn},Member,Office 365,203.0.113.9,\"Tokyo, Tokyo, JP\",Success,0,\n"
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn store() -> (std::path::PathBuf, mamori_app::evidence::EvidenceStore) {
    let dir = std::env::temp_dir().join(format!("mamori-ppl-{}", mamori_app::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let s = mamori_app::evidence::EvidenceStore { dir: dir.join("evidence"), max_bytes: 1 << 20 };
    (dir, s)
}

async fn a_persons_links_keep_need_to_know(db: Db) {
    let today = jiff::civil::date(2026, 1, 10);
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "top", "top_management").await;
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "leaver", "employee").await;
    let top = actor_of(&db, "top").await;
    let kanri = actor_of(&db, "kanri").await;
    let emp = actor_of(&db, "leaver").await;
    let i = PersonInput {
        name: "退職 次郎".into(),
        email: "Jiro@Example.jp".into(),
        kind: "employee".into(),
        login_id: "leaver".into(),
        ..PersonInput::default()
    };
    let p = people::create(&db, &top, &i, T0).await.unwrap();
    let other = PersonInput { name: "別の 人".into(), kind: "employee".into(), ..PersonInput::default() };
    people::create(&db, &top, &other, T0).await.unwrap();

    // Before anything is linked: the login, no account, no records.
    let l = links::of(&db, &top, &p.id).await.unwrap();
    let login = l.login.clone().unwrap();
    assert_eq!((login.login_id.as_str(), login.disabled), ("leaver", false));
    assert_eq!(login.roles_ja, ["従業員"]);
    assert!(l.m365.is_none() && !l.m365_known && l.records.is_empty() && l.pledges.is_empty());

    // A medium by login ID, a device by name (a directory person is a person of the
    // registers), a pledge, and a 極秘 row for 経営責任者 only.
    let media = obj(json!({"media_id": "USB-07", "kind": "USB メモリ", "custodian": "leaver"}));
    registers::create(&db, &top, "media_ledger", &media, None, T0).await.unwrap();
    let device = obj(json!({"device_id": "PC-01", "kind": "ノート PC", "custodian": "退職 次郎"}));
    registers::create(&db, &top, "devices", &device, None, T0).await.unwrap();
    let refused = obj(json!({"device_id": "PC-02", "kind": "ノート PC", "custodian": "名簿にいない人"}));
    assert!(matches!(registers::create(&db, &top, "devices", &refused, None, T0).await, Err(AppError::Rows(_))));
    let secret = obj(json!({"media_id": "HDD-01", "kind": "外付け HDD", "custodian": "leaver"}));
    let only_top = ["role:top_management".to_string()];
    registers::create_restricted(&db, &top, "media_ledger", &secret, Some("極秘"), Some(&only_top), T0).await.unwrap();
    let pledge = obj(json!({"person": "退職　次郎", "version": "第1版", "signed_on": "2025-04-01"}));
    registers::create(&db, &top, "employee_pledges", &pledge, None, T0).await.unwrap();
    let (dir, store) = store();
    let file = admin_users(&dir, "users.csv", &[("jiro@example.jp", "退職 次郎", false)]);
    mamori_app::m365::import_file(&db, &cli, &store, &file, T0).await.unwrap();
    let file = sign_ins(&dir, "signin.csv", &[("2026-01-07T00:10:00Z", "jiro@example.jp")]);
    mamori_app::m365::import_file(&db, &cli, &store, &file, T0).await.unwrap();

    let l = links::of(&db, &top, &p.id).await.unwrap();
    let titles: Vec<&str> = l.records.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(l.records.len(), 3, "{titles:?}");
    assert!(titles.iter().any(|t| t.contains("USB-07")) && titles.iter().any(|t| t.contains("PC-01")));
    assert!(titles.iter().any(|t| t.contains("HDD-01")), "経営責任者 reads the 極秘 row");
    assert_eq!(l.pledges.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), ["第1版 2025-04-01"]);
    let m = l.m365.unwrap();
    assert_eq!((m.upn.as_str(), m.enabled, m.last_sign_in.as_deref()), ("jiro@example.jp", true, Some("2026-01-07")));
    assert!(!m.signed_in_after_leave);
    // Another manager of the directory sees only the rows they may read.
    let l = links::of(&db, &kanri, &p.id).await.unwrap();
    assert_eq!(l.records.len(), 2, "the 極秘 row is for 経営責任者 only");
    // An employee sees none of it (not even their own links), and the directory's public
    // fields only.
    assert!(matches!(links::of(&db, &emp, &p.id).await, Err(AppError::Forbidden)));
    assert_eq!(people::get(&db, &emp, &p.id, today).await.unwrap().email, None);
    // The register pickers offer the directory's active people.
    let mut names = links::picker_names(&db, &emp, today).await.unwrap();
    names.sort();
    assert_eq!(names, ["別の 人", "退職 次郎"]);
    // A leaver is no longer offered.
    leave::leave(&db, &top, &p.id, "2026-01-09", today, T0 + 1).await.unwrap();
    assert_eq!(links::picker_names(&db, &emp, today).await.unwrap(), ["別の 人"]);
}
on_both_engines!(a_persons_links_keep_need_to_know);

async fn the_daily_job_disables_a_leavers_login_on_the_day(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "top", "top_management").await;
    add_user(&db, &cli, "ichiro", "employee").await;
    add_user(&db, &cli, "jiro", "employee").await;
    let top = actor_of(&db, "top").await;
    // One leave date set in the directory (no checklist), one recorded as a leave.
    let i = PersonInput {
        name: "一郎".into(),
        kind: "part_time".into(),
        login_id: "ichiro".into(),
        left_on: "2026-01-31".into(),
        ..PersonInput::default()
    };
    let ichiro = people::create(&db, &top, &i, T0).await.unwrap();
    let j =
        PersonInput {
            name: "次郎".into(), kind: "employee".into(), login_id: "jiro".into(), ..PersonInput::default()
        };
    let jiro = people::create(&db, &top, &j, T0).await.unwrap();
    let c = leave::leave(&db, &top, &jiro.id, "2026-01-31", jiff::civil::date(2026, 1, 20), T0 + 1).await.unwrap();
    assert!(c.items.iter().any(|i| i.key == "login" && i.state == "open"));
    assert!(!c.items.iter().any(|i| i.key == leaver_sync::M365_ITEM), "no Microsoft 365 accounts on record");

    let disabled = |login: &'static str| {
        let db = db.clone();
        let top = top.clone();
        async move { mamori_app::users::get(&db, &top, login).await.unwrap().disabled }
    };
    // The day before: nothing.
    mamori_app::daily::run_if_claimed(&db, &o.id, jiff::civil::date(2026, 1, 30), at(2026, 1, 30))
        .await
        .unwrap()
        .unwrap();
    assert!(!disabled("ichiro").await && !disabled("jiro").await);
    // On the day: both logins, by the system, and the checklist's item done with the day.
    mamori_app::daily::run_if_claimed(&db, &o.id, jiff::civil::date(2026, 1, 31), at(2026, 1, 31))
        .await
        .unwrap()
        .unwrap();
    assert!(disabled("ichiro").await && disabled("jiro").await);
    let c = leave::of(&db, &top, &jiro.id).await.unwrap().unwrap();
    assert_eq!(c.items.iter().find(|i| i.key == "login").unwrap().state, "done");
    let marks = leaver_sync::marks(&db, &top, &c.id).await.unwrap();
    assert_eq!(marks.iter().find(|m| m.key == "login").unwrap().done_on.as_deref(), Some("2026-01-31"));
    let trail = mamori_app::audit::all_rows(&db, &cli).await.unwrap();
    let by_system = trail.iter().filter(|r| r.object_type == "user" && r.actor_label == "system").count();
    assert_eq!(by_system, 2, "both logins disabled as the system");
    // Claimed once per day: a second run the same day does nothing.
    assert!(
        mamori_app::daily::run_if_claimed(&db, &o.id, jiff::civil::date(2026, 1, 31), at(2026, 1, 31))
            .await
            .unwrap()
            .is_none()
    );
    assert!(people::get(&db, &top, &ichiro.id, jiff::civil::date(2026, 2, 1)).await.is_ok());
}
on_both_engines!(the_daily_job_disables_a_leavers_login_on_the_day);

async fn the_m365_item_is_confirmed_or_flagged(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "top", "top_management").await;
    let top = actor_of(&db, "top").await;
    let (dir, store) = store();
    let both = [("a@example.jp", "A", false), ("b@example.jp", "B", false)];
    let file = admin_users(&dir, "u1.csv", &both);
    mamori_app::m365::import_file(&db, &cli, &store, &file, T0).await.unwrap();
    let mut ids = Vec::new();
    for (name, email) in [("A さん", "a@example.jp"), ("B さん", "b@example.jp")] {
        let i =
            PersonInput { name: name.into(), email: email.into(), kind: "employee".into(), ..PersonInput::default() };
        let p = people::create(&db, &top, &i, T0).await.unwrap();
        let c = leave::leave(&db, &top, &p.id, "2026-01-31", jiff::civil::date(2026, 1, 20), T0 + 1).await.unwrap();
        let item = c.items.iter().find(|i| i.key == leaver_sync::M365_ITEM).unwrap();
        assert_eq!((item.state.as_str(), item.label.as_str()), ("open", leaver_sync::M365_LABEL));
        ids.push(p.id);
    }
    let state = |id: String| {
        let db = db.clone();
        let top = top.clone();
        async move {
            let c = leave::of(&db, &top, &id).await.unwrap().unwrap();
            let item = c.items.iter().find(|i| i.key == leaver_sync::M365_ITEM).unwrap().state.clone();
            let mark = leaver_sync::marks(&db, &top, &c.id)
                .await
                .unwrap()
                .into_iter()
                .find(|m| m.key == leaver_sync::M365_ITEM);
            (item, mark.map(|m| (m.done_on, m.flag)))
        }
    };
    // Before the leave date, both can still sign in: nothing to say yet.
    assert_eq!(state(ids[0].clone()).await, ("open".into(), None));
    // After it: A blocked → done on that day; B still enabled → flagged, shown on the directory.
    let blocked = [("a@example.jp", "A", true), ("b@example.jp", "B", false)];
    let file = admin_users(&dir, "u2.csv", &blocked);
    mamori_app::m365::import_file(&db, &cli, &store, &file, at(2026, 2, 2)).await.unwrap();
    assert_eq!(state(ids[0].clone()).await, ("done".into(), Some((Some("2026-02-02".into()), String::new()))));
    assert_eq!(state(ids[1].clone()).await, ("open".into(), Some((None, "m365_enabled".into()))));
    // The access-rights review knows the directory's leavers too.
    let review = mamori_app::m365::review(&db, &top, jiff::civil::date(2026, 2, 2), 90).await.unwrap();
    let b = review.iter().find(|l| l.account.upn == "b@example.jp").unwrap();
    assert!(b.account.flags.contains(&"leaver_enabled"), "{:?}", b.account.flags);
    let flagged = leaver_sync::flagged(&db, &top).await.unwrap();
    assert_eq!(
        flagged.iter().map(|f| (f.name.as_str(), f.flag.as_str())).collect::<Vec<_>>(),
        [("B さん", "m365_enabled")]
    );
    // B signed in after leaving: flagged as such, with the day.
    let file = sign_ins(&dir, "s.csv", &[("2026-02-01T01:00:00Z", "b@example.jp")]);
    mamori_app::m365::import_file(&db, &cli, &store, &file, at(2026, 2, 3)).await.unwrap();
    assert_eq!(state(ids[1].clone()).await, ("open".into(), Some((None, "m365_signed_in".into()))));
    assert_eq!(leaver_sync::flagged(&db, &top).await.unwrap()[0].detail, "2026-02-01");
    // B's account blocked now: the sign-in after leaving still stands until someone settles
    // the item by hand.
    let file = admin_users(&dir, "u3.csv", &[("b@example.jp", "B", true)]);
    mamori_app::m365::import_file(&db, &cli, &store, &file, at(2026, 2, 4)).await.unwrap();
    assert_eq!(state(ids[1].clone()).await.0, "open");
    let c = leave::settle(
        &db,
        &top,
        &ids[1],
        leaver_sync::M365_ITEM,
        "waived",
        "サインインは引継ぎ作業と確認済み",
        at(2026, 2, 4),
    )
    .await
    .unwrap();
    assert_eq!(c.state, "open", "the checklist closes only when every item is done or waived");
    assert!(leaver_sync::flagged(&db, &top).await.unwrap().is_empty(), "a settled item is no longer flagged");
}
on_both_engines!(the_m365_item_is_confirmed_or_flagged);
