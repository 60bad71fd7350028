//! Need-to-know on records (5.12, 5.13, 8.3) on both engines: a register's view and edit
//! roles (NDAs and pledges for 経営責任者 and 情報セキュリティ管理者; the risk assessment not for
//! employees), 極秘 rows restricted to named roles or people, evidence downloads only for
//! someone who may see a record referencing the file, and incident content kept out of the
//! audit trail and the corrective-action register.

use crate::on_both_engines;
use jiff::civil::date;
use mamori_app::evidence::{EvidenceStore, store_bytes};
use mamori_app::registers::{self, PageQuery};
use mamori_app::{Actor, AppError, incidents, org, requests, users};
use mamori_store::Db;
use serde_json::{Map, Value, json};

use crate::support::{T0, actor_of};

struct People {
    cli: Actor,
    emp: Actor,
    emp2: Actor,
    kanri: Actor,
    boss: Actor,
    sys: Actor,
    auditor: Actor,
    org_id: String,
}

async fn setup(db: &Db) -> People {
    let o = org::create(db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    for (login, role) in [
        ("emp", "employee"),
        ("emp2", "employee"),
        ("kanri", "security_manager"),
        ("boss", "top_management"),
        ("sys", "system_admin"),
        ("audit", "internal_auditor"),
    ] {
        users::create(
            db,
            &cli,
            users::NewUser {
                login_id: login.into(),
                display_name: format!("{login} さん"),
                email: format!("{login}@example.jp"),
                password: "Initial-Pass9".into(),
                roles: vec![role.into()],
            },
            T0,
        )
        .await
        .unwrap();
    }
    People {
        emp: actor_of(db, "emp").await,
        emp2: actor_of(db, "emp2").await,
        kanri: actor_of(db, "kanri").await,
        boss: actor_of(db, "boss").await,
        sys: actor_of(db, "sys").await,
        auditor: actor_of(db, "audit").await,
        org_id: o.id.clone(),
        cli,
    }
}

fn store() -> EvidenceStore {
    EvidenceStore { dir: std::env::temp_dir().join(format!("mamori-ntk-{}", mamori_app::new_id())), max_bytes: 1 << 20 }
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

async fn downloads(db: &Db, s: &EvidenceStore, a: &Actor, sha: &str) -> bool {
    match s.open(db, a, sha).await {
        Ok(_) => true,
        Err(AppError::NotFound) => false,
        Err(e) => panic!("{e:?}"),
    }
}

async fn nda_register_and_its_files_are_for_managers_only(db: Db) {
    let p = setup(&db).await;
    let s = store();
    let file = store_bytes(&s, &db, &p.kanri, "nda-acme.pdf", b"%PDF-1.7 NDA with ACME", T0).await.unwrap();
    let def = registers::definition(&db, &p.kanri, "nda_contracts").await.unwrap();
    let first = def.fields.iter().find(|f| f.required).unwrap().key.clone();
    let mut values = Map::new();
    for f in def.fields.iter().filter(|f| f.required) {
        let v = match f.ty {
            mamori_domain::register::FieldType::Date => json!("2026-01-05"),
            mamori_domain::register::FieldType::Choice => json!(f.choices[0]),
            mamori_domain::register::FieldType::Person => json!("kanri"),
            _ => json!("株式会社アクメ"),
        };
        values.insert(f.key.clone(), v);
    }
    let row = registers::create(&db, &p.kanri, "nda_contracts", &values, None, T0).await.unwrap();
    let file_field = def.fields.iter().find(|f| f.ty == mamori_domain::register::FieldType::File).unwrap();
    registers::attach(&db, &p.kanri, "nda_contracts", &row.id, &file_field.key, &file.sha256, T0 + 1).await.unwrap();
    let _ = first;

    // The employee: not listed, not readable, not exportable, no history, no file.
    for a in [&p.emp, &p.sys, &p.auditor] {
        let list = registers::list(&db, a, T0).await.unwrap();
        assert!(!list.iter().any(|r| r.def.key == "nda_contracts"), "{} lists NDAs", a.label);
        assert!(list.iter().any(|r| r.def.key == "media_ledger"));
        assert!(matches!(
            registers::page(&db, a, "nda_contracts", &PageQuery::default()).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(registers::get(&db, a, "nda_contracts", &row.id).await, Err(AppError::NotFound)));
        assert!(matches!(registers::history(&db, a, "nda_contracts", &row.id).await, Err(AppError::NotFound)));
        assert!(matches!(registers::table(&db, a, "nda_contracts").await, Err(AppError::NotFound)));
        assert!(!downloads(&db, &s, a, &file.sha256).await, "{} downloads the NDA", a.label);
    }
    // システム管理者 holds registers.edit and registers.design, yet cannot write or redesign it.
    assert!(matches!(
        registers::create(&db, &p.sys, "nda_contracts", &values, None, T0).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        registers::set_access(
            &db,
            &p.sys,
            "nda_contracts",
            vec!["system_admin".into()],
            vec!["system_admin".into()],
            T0
        )
        .await,
        Err(AppError::NotFound)
    ));
    // The record the regulation names is kept (in a register they may not read): not offered again.
    let homes = registers::record_homes(&db, &p.sys, &["秘密保持契約書".to_string()], T0).await.unwrap();
    assert_eq!(homes[0].1, registers::RecordHome::Register("nda_contracts".into()));
    assert!(matches!(registers::offer(&db, &p.sys, "秘密保持契約書", vec![], T0).await, Err(AppError::Conflict)));
    // The managers read it; the command line (the operator's tool) reads everything.
    for a in [&p.boss, &p.kanri, &p.cli] {
        assert_eq!(registers::page(&db, a, "nda_contracts", &PageQuery::default()).await.unwrap().total, 1);
        assert_eq!(registers::table(&db, a, "nda_contracts").await.unwrap().rows.len(), 1);
        assert!(downloads(&db, &s, a, &file.sha256).await);
    }
    // The NDA's content is not in the audit trail that システム管理者 and 内部監査員 read.
    let (trail, _) = mamori_app::audit::list(&db, &p.auditor, 500, 0).await.unwrap();
    let text = format!("{trail:?}");
    assert!(!text.contains("株式会社アクメ"), "NDA values in the audit trail");
    assert!(!text.contains("nda-acme.pdf"), "file name in the audit trail");

    // The risk assessment: not for employees, for the other roles.
    assert!(matches!(registers::page(&db, &p.emp, "assets", &PageQuery::default()).await, Err(AppError::NotFound)));
    assert!(registers::page(&db, &p.auditor, "assets", &PageQuery::default()).await.is_ok());
    assert!(registers::page(&db, &p.sys, "assets", &PageQuery::default()).await.is_ok());

    // Roles are data: 経営責任者 opens NDAs to the internal auditor (audited), not to themselves out.
    assert!(matches!(
        registers::set_access(
            &db,
            &p.boss,
            "nda_contracts",
            vec!["security_manager".into()],
            vec!["security_manager".into()],
            T0
        )
        .await,
        Err(AppError::Validation(_))
    ));
    assert!(matches!(
        registers::set_access(&db, &p.boss, "nda_contracts", vec!["nobody".into()], vec!["top_management".into()], T0)
            .await,
        Err(AppError::Validation(_))
    ));
    let roles = vec!["top_management".to_string(), "security_manager".into(), "internal_auditor".into()];
    let def =
        registers::set_access(&db, &p.boss, "nda_contracts", roles.clone(), vec!["top_management".into()], T0 + 2)
            .await
            .unwrap();
    assert_eq!(def.view_roles.as_deref(), Some(roles.as_slice()));
    assert_eq!(registers::page(&db, &p.auditor, "nda_contracts", &PageQuery::default()).await.unwrap().total, 1);
    assert!(downloads(&db, &s, &p.auditor, &file.sha256).await);
    // Now only 経営責任者 edits it.
    assert!(matches!(
        registers::update(&db, &p.kanri, "nda_contracts", &row.id, &values, None, T0 + 3).await,
        Err(AppError::Forbidden)
    ));
    assert!(mamori_app::audit::verify_org(&db, &p.org_id).await.unwrap().is_ok());
}
on_both_engines!(nda_register_and_its_files_are_for_managers_only);

async fn a_secret_row_is_for_the_roles_and_people_named(db: Db) {
    let p = setup(&db).await;
    let s = store();
    let file = store_bytes(&s, &db, &p.kanri, "usb-audit.txt", b"secret medium log", T0).await.unwrap();
    let media = |id: &str| obj(json!({"media_id": id, "kind": "USB メモリ"}));
    registers::create(&db, &p.kanri, "media_ledger", &media("USB-01"), None, T0).await.unwrap();
    // 極秘 without names: 経営責任者 and 情報セキュリティ管理者.
    let secret = registers::create(&db, &p.kanri, "media_ledger", &media("USB-99"), Some("極秘"), T0).await.unwrap();
    // 極秘 for the system administrators and emp2 by name.
    let named = registers::create_restricted(
        &db,
        &p.kanri,
        "media_ledger",
        &media("USB-77"),
        Some("極秘"),
        Some(&["role:system_admin".to_string(), "user:emp2".into(), "role:security_manager".into()]),
        T0,
    )
    .await
    .unwrap();
    assert_eq!(named.restricted_to.len(), 3);
    // Who may see it is in the audit trail (roles and login IDs), its values are not.
    let (trail, _) = mamori_app::audit::list(&db, &p.auditor, 500, 0).await.unwrap();
    let last = trail.iter().find(|r| r.object_id.as_deref() == Some(named.id.as_str())).unwrap();
    let after = last.after_json.as_deref().unwrap();
    assert!(after.contains("user:emp2") && !after.contains("USB-77"), "{after}");
    // A restriction naming someone unknown, or leaving the writer out, is refused at the field.
    for bad in [vec!["user:ghost".to_string()], vec!["role:employee".to_string()]] {
        match registers::create_restricted(
            &db,
            &p.kanri,
            "media_ledger",
            &media("USB-50"),
            Some("極秘"),
            Some(&bad),
            T0,
        )
        .await
        {
            Err(AppError::Rows(r)) => assert_eq!(r[0].field, "restricted_to"),
            other => panic!("{other:?}"),
        }
    }
    let seen = |a: Actor| {
        let db = db.clone();
        async move {
            let page = registers::page(&db, &a, "media_ledger", &PageQuery::default()).await.unwrap();
            let searched =
                registers::page(&db, &a, "media_ledger", &PageQuery { q: "usb-99".into(), ..PageQuery::default() })
                    .await
                    .unwrap();
            let count = registers::list(&db, &a, T0)
                .await
                .unwrap()
                .into_iter()
                .find(|r| r.def.key == "media_ledger")
                .unwrap()
                .rows;
            let export = registers::table(&db, &a, "media_ledger").await.unwrap().rows.len() as i64;
            let mut ids: Vec<String> = page.rows.iter().map(|r| r.id.clone()).collect();
            ids.sort();
            (page.total, searched.total, count, export, ids)
        }
    };
    let (total, searched, count, export, ids) = seen(p.emp.clone()).await;
    assert_eq!((total, searched, count, export), (1, 0, 1, 1), "an employee sees the 社外秘 row only");
    assert!(!ids.contains(&secret.id) && !ids.contains(&named.id));
    assert!(matches!(registers::get(&db, &p.emp, "media_ledger", &secret.id).await, Err(AppError::NotFound)));
    assert!(matches!(registers::history(&db, &p.emp, "media_ledger", &named.id).await, Err(AppError::NotFound)));
    let (total, _, count, export, _) = seen(p.emp2.clone()).await;
    assert_eq!((total, count, export), (2, 2, 2), "emp2 is named on one 極秘 row");
    let (total, _, count, export, _) = seen(p.sys.clone()).await;
    assert_eq!((total, count, export), (2, 2, 2), "システム管理者 by role on one");
    let (total, searched, count, export, _) = seen(p.kanri.clone()).await;
    assert_eq!((total, searched, count, export), (3, 1, 3, 3));
    let (total, _, _, _, _) = seen(p.boss.clone()).await;
    assert_eq!(total, 2, "経営責任者 is not named on USB-77");
    // An employee may not change a row they may not see, even holding registers.edit.
    assert!(matches!(
        registers::update(&db, &p.sys, "media_ledger", &secret.id, &media("USB-98"), None, T0).await,
        Err(AppError::NotFound)
    ));
    // A file on a 極秘 row follows the row.
    let def = registers::definition(&db, &p.kanri, "media_ledger").await.unwrap();
    if let Some(ff) = def.fields.iter().find(|f| f.ty == mamori_domain::register::FieldType::File) {
        registers::attach(&db, &p.kanri, "media_ledger", &secret.id, &ff.key, &file.sha256, T0 + 1).await.unwrap();
        assert!(!downloads(&db, &s, &p.emp, &file.sha256).await);
        assert!(downloads(&db, &s, &p.boss, &file.sha256).await);
    }
    // Lifting the label makes the row readable again.
    registers::update(&db, &p.kanri, "media_ledger", &secret.id, &media("USB-99"), Some("社外秘"), T0 + 2)
        .await
        .unwrap();
    assert_eq!(seen(p.emp.clone()).await.0, 2);
}
on_both_engines!(a_secret_row_is_for_the_roles_and_people_named);

async fn evidence_downloads_need_a_record_the_reader_may_see(db: Db) {
    let p = setup(&db).await;
    let s = store();
    // A Microsoft 365 sign-in export: for the audit-log roles only.
    let fixture = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mamori-m365/fixtures/entra_signin.csv");
    let r = mamori_app::m365::import_file(&db, &p.boss, &s, &fixture, T0).await.unwrap();
    assert!(!downloads(&db, &s, &p.emp, &r.sha256).await, "an employee downloads a sign-in export");
    assert!(downloads(&db, &s, &p.auditor, &r.sha256).await);
    assert!(downloads(&db, &s, &p.sys, &r.sha256).await);

    // A request's attachment: for those who may see the request.
    let today = date(2026, 1, 5);
    let req = requests::create(
        &db,
        &p.emp,
        "software_install",
        &obj(json!({"name": "7-Zip", "license": "OSS", "target": "PC-07", "purpose": "圧縮"})),
        today,
        T0,
    )
    .await
    .unwrap();
    // The approver attaches a file of theirs (a writer may name only files they may read).
    let att = store_bytes(&s, &db, &p.kanri, "見積書.pdf", b"%PDF-1.7 quote", T0).await.unwrap();
    requests::transition(&db, &p.kanri, &req.id, "approve", "承認", vec![att.sha256.clone()], today, T0 + 1)
        .await
        .unwrap();
    assert!(downloads(&db, &s, &p.emp, &att.sha256).await, "the requester");
    assert!(downloads(&db, &s, &p.kanri, &att.sha256).await, "the approver role");
    assert!(!downloads(&db, &s, &p.emp2, &att.sha256).await, "another employee");

    // A file nobody references is for its uploader only; an unknown hash is simply not found.
    let loose = store_bytes(&s, &db, &p.kanri, "memo.txt", b"loose", T0).await.unwrap();
    assert!(downloads(&db, &s, &p.kanri, &loose.sha256).await);
    assert!(!downloads(&db, &s, &p.emp, &loose.sha256).await);
    // Uploading the same bytes again does not tell the first uploader's file name.
    let again = store_bytes(&s, &db, &p.sys, "copy.txt", b"loose", T0).await.unwrap();
    assert_eq!((again.sha256.as_str(), again.original_name.as_str()), (loose.sha256.as_str(), "copy.txt"));
    assert!(!downloads(&db, &s, &p.boss, &"0".repeat(64)).await);

    // Naming a file one may not read in a record one can see does not make it readable: the
    // write is refused as an unknown file, and text that only contains the SHA-256 names
    // nothing.
    let secret = r.sha256.clone();
    let fields =
        |name: &str, purpose: &str| obj(json!({"name": name, "license": "OSS", "target": "PC-07", "purpose": purpose}));
    let named = requests::create(&db, &p.emp, "software_install", &fields(&secret, "x"), today, T0 + 5).await;
    assert!(
        matches!(&named, Err(mamori_app::AppError::Validation(f)) if f.iter().any(|(_, k)| k == "field-unknown-file")),
        "{named:?}"
    );
    let text = requests::create(
        &db,
        &p.emp,
        "software_install",
        &fields("7-Zip", &format!("see {secret} please")),
        today,
        T0 + 6,
    )
    .await
    .unwrap();
    assert!(!downloads(&db, &s, &p.emp, &secret).await, "a request's text naming the file");
    let t = requests::transition(&db, &p.emp, &text.id, "withdraw", "x", vec![secret.clone()], today, T0 + 7).await;
    assert!(matches!(t, Err(mamori_app::AppError::Validation(_))), "{t:?}");
    assert!(!downloads(&db, &s, &p.emp, &secret).await);
}
on_both_engines!(evidence_downloads_need_a_record_the_reader_may_see);

async fn incident_content_stays_in_the_incident(db: Db) {
    let p = setup(&db).await;
    let s = store();
    let title = "社長のメールアカウント乗っ取り";
    let description = "役員会議事録が外部に転送されていた";
    let i = incidents::report(&db, &p.emp, title, description, "2026-01-05 10:20", T0).await.unwrap();
    let i = incidents::assess(&db, &p.boss, &i.id, true, Some("internal"), "インシデントとする", T0 + 1).await.unwrap();
    let file = store_bytes(&s, &db, &p.kanri, "役員会議事録_転送ログ.txt", b"forwarded to evil", T0).await.unwrap();
    let ev = incidents::add_evidence(
        &db,
        &p.kanri,
        &i.id,
        &file.sha256,
        "役員会議事録_転送ログ.txt",
        "転送ルールの証拠",
        T0 + 2,
    )
    .await
    .unwrap();
    incidents::hand_over(&db, &p.kanri, &i.id, &ev.id, "boss", "保全", T0 + 3).await.unwrap();
    let ca = incidents::raise_corrective(&db, &p.kanri, &i.id, date(2026, 1, 31), None, T0 + 4).await.unwrap();

    // The audit trail names the incident by number only.
    let (trail, _) = mamori_app::audit::list(&db, &p.sys, 500, 0).await.unwrap();
    let text = format!("{trail:?}");
    for secret in [title, description, "役員会議事録", "転送ルールの証拠"] {
        assert!(!text.contains(secret), "{secret} in the audit trail");
    }
    assert!(text.contains("INC-0001"));
    // The corrective action every employee reads carries no restricted text.
    let row_id = ca.split_once('/').unwrap().1;
    let row = registers::get(&db, &p.emp, "corrective_actions", row_id).await.unwrap();
    let shown = serde_json::to_string(&row.values).unwrap();
    assert!(!shown.contains(title) && !shown.contains(description), "{shown}");
    assert!(shown.contains("INC-0001"));
    // The evidence file is for the people with access.
    assert!(!downloads(&db, &s, &p.emp, &file.sha256).await);
    assert!(!downloads(&db, &s, &p.sys, &file.sha256).await);
    assert!(downloads(&db, &s, &p.boss, &file.sha256).await);

    // Custody hand-over of another incident's evidence is refused at the field.
    let j = incidents::report(&db, &p.emp2, "別件", "別件の説明", "2026-01-06", T0).await.unwrap();
    incidents::assess(&db, &p.boss, &j.id, true, Some("internal"), "インシデントとする", T0 + 5).await.unwrap();
    match incidents::hand_over(&db, &p.kanri, &j.id, &ev.id, "kanri", "取り違え", T0 + 6).await {
        Err(AppError::Validation(v)) => assert_eq!(v[0].0, "evidence"),
        other => panic!("{other:?}"),
    }
    let held = incidents::evidence(&db, &p.boss, &i.id).await.unwrap();
    assert_eq!(held[0].holder, "boss", "the holder is unchanged");
    assert!(mamori_app::audit::verify_org(&db, &p.org_id).await.unwrap().is_ok());
}
on_both_engines!(incident_content_stays_in_the_incident);

/// 6.4: disciplinary records are 経営責任者's alone — not listed, read or written by anyone
/// else, 情報セキュリティ管理者 included — and the audit trail holds no word of them.
async fn disciplinary_records_are_for_top_management_only(db: Db) {
    let p = setup(&db).await;
    let values = json!({"person": "違反 太郎", "violation": "USB メモリの無断持出し", "decision": "けん責",
                        "decided_on": "2026-01-10", "decided_by": "boss", "basis": "就業規則 第52条"});
    let values = values.as_object().cloned().unwrap();
    for a in [&p.kanri, &p.emp, &p.sys] {
        assert!(registers::create(&db, a, "disciplinary_actions", &values, None, T0).await.is_err(), "{}", a.label);
    }
    let row = registers::create(&db, &p.boss, "disciplinary_actions", &values, None, T0).await.unwrap();
    assert_eq!(row.values["decision"], "けん責");
    for a in [&p.kanri, &p.emp, &p.emp2, &p.sys, &p.auditor] {
        let list = registers::list(&db, a, T0).await.unwrap();
        assert!(!list.iter().any(|r| r.def.key == "disciplinary_actions"), "{} lists it", a.label);
        assert!(matches!(
            registers::page(&db, a, "disciplinary_actions", &PageQuery::default()).await,
            Err(AppError::NotFound)
        ));
    }
    assert_eq!(registers::page(&db, &p.boss, "disciplinary_actions", &PageQuery::default()).await.unwrap().total, 1);
    let trail = mamori_app::audit::all_rows(&db, &p.cli).await.unwrap();
    let entry = trail.iter().find(|r| r.object_type == "register:disciplinary_actions").unwrap();
    assert!(!entry.after_json.as_deref().unwrap_or("").contains("けん責"), "no values in the trail");
}
on_both_engines!(disciplinary_records_are_for_top_management_only);
