//! The register engine on both engines: validation, IPA risk, history, soft delete, labels,
//! xlsx/CSV import and export.

use crate::on_both_engines;
use mamori_app::registers::{self, ImportReport};
use mamori_app::{Actor, AppError, org, users};
use mamori_store::Db;
use serde_json::{Map, Value, json};

const T0: i64 = 1_767_225_600_000;

async fn setup(db: &Db) -> Actor {
    let o = org::create(db, "acme", "アクメ", T0).await.unwrap();
    let a = Actor::cli(&o.id);
    users::create(
        db,
        &a,
        users::NewUser {
            login_id: "sato".into(),
            display_name: "佐藤".into(),
            email: String::new(),
            password: "Initial123".into(),
            roles: vec!["employee".into()],
        },
        T0,
    )
    .await
    .unwrap();
    a
}

fn pq(q: &str, sort: &str, page: i64, per_page: i64, deleted: bool) -> registers::PageQuery {
    registers::PageQuery { q: q.into(), sort: sort.into(), page: Some(page), per_page: Some(per_page), deleted }
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

async fn templates_validation_and_risk(db: Db) {
    let a = setup(&db).await;
    let list = registers::list(&db, &a, T0).await.unwrap();
    assert_eq!(list.len(), 32);
    let assets = list.iter().find(|s| s.def.key == "assets").unwrap();
    assert_eq!(assets.def.controls, ["5.2", "5.9", "5.10", "5.12", "7.10"]);

    let r = registers::create(
        &db,
        &a,
        "assets",
        &obj(json!({"name": "顧客名簿", "confidentiality": "3", "integrity": "2", "availability": "1", "threat": "2", "vulnerability": "3",
            "personal_info": "個人情報", "risk_owner": "sato", "treatment": "低減"})),
        None,
        T0 + 1,
    )
    .await
    .unwrap();
    assert_eq!(r.values["importance"], json!(3));
    assert_eq!(r.values["likelihood"], json!(3));
    assert_eq!(r.values["risk"], json!(9));
    assert_eq!(r.label, "社外秘");

    match registers::create(
        &db,
        &a,
        "assets",
        &obj(json!({"name": "顧客名簿", "confidentiality": "4", "risk_owner": "nobody"})),
        Some("極秘"),
        T0,
    )
    .await
    {
        Err(AppError::Rows(p)) => {
            let got: Vec<(String, String)> = p.into_iter().map(|p| (p.field, p.message)).collect();
            assert_eq!(
                got,
                [
                    ("name", "field-not-unique"),
                    ("confidentiality", "field-out-of-range"),
                    ("integrity", "field-required"),
                    ("availability", "field-required"),
                    ("risk_owner", "field-unknown-person")
                ]
                .map(|(a, b)| (a.to_string(), b.to_string()))
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        registers::create(&db, &a, "assets", &obj(json!({"name": "顧客名簿", "confidentiality": 1, "integrity": 1, "availability": 1})), None, T0).await,
        Err(AppError::Rows(p)) if p[0].message == "field-not-unique"
    ));

    // References: a take-out must name a registered medium.
    assert!(matches!(
        registers::create(&db, &a, "media_takeout", &obj(json!({"media": "USB-01", "taken_by": "sato", "purpose": "客先", "taken_on": "2026-01-05", "due_on": "2026-01-06"})), None, T0).await,
        Err(AppError::Rows(p)) if p[0].message == "field-unknown-reference"
    ));
    registers::create(&db, &a, "media_ledger", &obj(json!({"media_id": "USB-01", "kind": "USB メモリ"})), None, T0)
        .await
        .unwrap();
    let t = registers::create(&db, &a, "media_takeout", &obj(json!({"media": "USB-01", "taken_by": "佐藤", "purpose": "客先", "taken_on": "2026/1/5", "due_on": "2026-01-06"})), None, T0)
        .await
        .unwrap();
    assert_eq!(t.values["taken_on"], json!("2026-01-05"));
}

async fn history_soft_delete_and_restore(db: Db) {
    let a = setup(&db).await;
    let r = registers::create(
        &db,
        &a,
        "legal_register",
        &obj(json!({"law": "個人情報保護法", "requirement": "安全管理措置"})),
        None,
        T0,
    )
    .await
    .unwrap();
    registers::update(
        &db,
        &a,
        "legal_register",
        &r.id,
        &obj(
            json!({"law": "個人情報保護法", "requirement": "安全管理措置と委託先の監督", "reviewed_on": "2026-04-01"}),
        ),
        Some("極秘"),
        T0 + 1,
    )
    .await
    .unwrap();
    assert!(matches!(
        registers::delete(&db, &a, "legal_register", &r.id, " ", T0 + 2).await,
        Err(AppError::Validation(_))
    ));
    let d = registers::delete(&db, &a, "legal_register", &r.id, "重複登録", T0 + 2).await.unwrap();
    assert!(d.deleted);
    let live = registers::page(&db, &a, "legal_register", &pq("", "law", 1, 50, false)).await.unwrap();
    assert_eq!(live.total, 0);
    let gone = registers::page(&db, &a, "legal_register", &pq("", "law", 1, 50, true)).await.unwrap();
    assert_eq!(gone.rows[0].deleted_reason.as_deref(), Some("重複登録"));
    // The law's value is free again, so another row may take it… and then restore is refused.
    let other = registers::create(&db, &a, "legal_register", &obj(json!({"law": "個人情報保護法"})), None, T0 + 3)
        .await
        .unwrap();
    assert!(matches!(registers::restore(&db, &a, "legal_register", &r.id, T0 + 4).await, Err(AppError::Rows(_))));
    registers::delete(&db, &a, "legal_register", &other.id, "誤登録", T0 + 5).await.unwrap();
    let back = registers::restore(&db, &a, "legal_register", &r.id, T0 + 6).await.unwrap();
    assert!(!back.deleted);
    assert_eq!(back.version, 4);

    let h = registers::history(&db, &a, "legal_register", &r.id).await.unwrap();
    let actions: Vec<&str> = h.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "update", "delete", "restore"]);
    assert!(h[1].changes.contains(&(
        "要求事項".to_string(),
        "安全管理措置".to_string(),
        "安全管理措置と委託先の監督".to_string()
    )));
    assert!(h[1].changes.contains(&("ラベル".to_string(), "社外秘".to_string(), "極秘".to_string())));
    assert_eq!(h[2].reason.as_deref(), Some("重複登録"));
    assert!(mamori_app::audit::verify_org(&db, &a.org_id).await.unwrap().is_ok());

    // Labels appear in exports.
    let t = registers::table(&db, &a, "legal_register").await.unwrap();
    assert_eq!(t.label, "極秘");
    assert_eq!(t.rows[0].last().unwrap().as_text(), "極秘");
}

async fn search_sort_and_paging(db: Db) {
    let a = setup(&db).await;
    for (i, name) in ["ファイルサーバ", "顧客名簿", "見積書", "経理データ", "社員名簿"].iter().enumerate()
    {
        let c = (i % 3) + 1;
        registers::create(&db, &a, "assets", &obj(json!({"name": name, "confidentiality": c, "integrity": 1, "availability": 1, "threat": 1, "vulnerability": 1})), None, T0 + i as i64)
            .await
            .unwrap();
    }
    let p = registers::page(&db, &a, "assets", &pq("名簿", "name", 1, 10, false)).await.unwrap();
    assert_eq!(p.total, 2);
    let p = registers::page(&db, &a, "assets", &pq("", "-risk", 1, 2, false)).await.unwrap();
    assert_eq!(p.total, 5);
    assert_eq!(p.rows.len(), 2);
    let risks: Vec<i64> = p.rows.iter().map(|r| r.values["risk"].as_i64().unwrap()).collect();
    assert_eq!(risks, [3, 2]);
    let p2 = registers::page(&db, &a, "assets", &pq("", "-risk", 3, 2, false)).await.unwrap();
    assert_eq!(p2.rows.len(), 1);
    assert_eq!(p2.rows[0].values["risk"], json!(1));
    let p = registers::page(&db, &a, "assets", &pq("100%_", "name", 1, 10, false)).await.unwrap();
    assert_eq!(p.total, 0, "LIKE wildcards in the query are literal");
}

async fn import_export_round_trips_and_invalid_files_write_nothing(db: Db) {
    let a = setup(&db).await;
    for (id, kind) in [("USB-01", "USB メモリ"), ("HDD-01", "外付け HDD")] {
        registers::create(
            &db,
            &a,
            "media_ledger",
            &obj(json!({"media_id": id, "kind": kind, "registered_on": "2025-07-11", "encrypted": true})),
            None,
            T0,
        )
        .await
        .unwrap();
    }
    let table = registers::table(&db, &a, "media_ledger").await.unwrap();
    for format in ["xlsx", "csv"] {
        let bytes = mamori_app::documents::render_export(&table, format).unwrap();
        let r = registers::import(&db, &a, "media_ledger", &format!("media.{format}"), &bytes, T0 + 1).await.unwrap();
        assert_eq!(
            r,
            ImportReport { created: 0, updated: 0, unchanged: 2 },
            "{format}: export → import changes nothing"
        );
    }

    // Shift_JIS CSV with a new row and a changed row.
    let usb =
        registers::page(&db, &a, "media_ledger", &pq("USB-01", "media_id", 1, 1, false)).await.unwrap().rows.remove(0);
    let csv = format!(
        "ID,管理番号,種別,保管場所,暗号化\r\n{},USB-01,USB メモリ,金庫,はい\r\n,SD-01,SD カード,机,いいえ\r\n",
        usb.id
    );
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&csv);
    let r = registers::import(&db, &a, "media_ledger", "media-sjis.csv", &sjis, T0 + 2).await.unwrap();
    assert_eq!(r, ImportReport { created: 1, updated: 1, unchanged: 0 });
    assert_eq!(registers::get(&db, &a, "media_ledger", &usb.id).await.unwrap().values["location"], json!("金庫"));

    // An invalid file: every problem is reported with its row and column, nothing is written.
    let bad = "管理番号,種別,登録日\r\nUSB-02,USB メモリ,2025-13-01\r\n,フロッピー,\r\nUSB-02,SSD,2025-01-01\r\n";
    match registers::import(&db, &a, "media_ledger", "bad.csv", bad.as_bytes(), T0 + 3).await {
        Err(AppError::Rows(p)) => {
            let got: Vec<(usize, &str, &str)> =
                p.iter().map(|p| (p.row, p.column.as_str(), p.message.as_str())).collect();
            assert_eq!(
                got,
                [
                    (2, "登録日", "field-not-date"),
                    (3, "種別", "field-not-a-choice"),
                    (3, "管理番号", "field-required"),
                    (4, "管理番号", "field-not-unique")
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(registers::page(&db, &a, "media_ledger", &pq("", "media_id", 1, 50, false)).await.unwrap().total, 3);
    assert!(
        matches!(registers::import(&db, &a, "media_ledger", "x.csv", b"a,b\r\n1,2\r\n", T0).await, Err(AppError::Rows(p)) if p[0].message == "import-no-header")
    );
}

/// The asset ledger exported as CSV and saved as Excel saves it in CP932 (〜 written as the
/// bytes that read back as ～): every row reads back as stored, the choice still 〜, and the
/// export has nothing CP932 lacks in its header (no key, no dash).
async fn a_cp932_round_trip_keeps_the_wave_dash(db: Db) {
    let a = setup(&db).await;
    for name in ["顧客名簿", "見積書"] {
        registers::create(
            &db,
            &a,
            "assets",
            &obj(json!({"name": name, "confidentiality": "2", "integrity": "2", "availability": "2"})),
            None,
            T0,
        )
        .await
        .unwrap();
    }
    let ipa = "IPA（重要度×被害発生可能性 1\u{301C}9）";
    let table = registers::table(&db, &a, "assets").await.unwrap();
    let bytes = mamori_app::documents::render_export(&table, "csv").unwrap();
    let csv = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert_eq!(csv.matches(ipa).count(), 2);
    assert!(
        !csv.contains("文書番号: assets") && !csv.contains('—'),
        "{}",
        csv.lines().take(2).collect::<Vec<_>>().join("/")
    );
    let excel = csv.replace('\u{301C}', "\u{FF5E}").replace("見積書", "見積書（改）");
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&excel);
    assert!(!unmappable);
    assert!(encoding_rs::SHIFT_JIS.decode(&sjis).0.contains("1\u{FF5E}9"), "reads back as ～");
    let r = registers::import(&db, &a, "assets", "assets-cp932.csv", &sjis, T0 + 1).await.unwrap();
    assert_eq!(r, ImportReport { created: 0, updated: 1, unchanged: 1 });
    let all = registers::page(&db, &a, "assets", &pq("", "name", 1, 10, false)).await.unwrap().rows;
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|r| r.values["method"] == json!(ipa)), "stored as the choice itself");
}

on_both_engines!(
    a_cp932_round_trip_keeps_the_wave_dash,
    templates_validation_and_risk,
    history_soft_delete_and_restore,
    search_sort_and_paging,
    import_export_round_trips_and_invalid_files_write_nothing,
);

async fn evidence_is_content_addressed_checked_and_attached(db: Db) {
    let a = setup(&db).await;
    let dir = std::env::temp_dir().join(format!("mamori-evidence-{}", mamori_app::new_id()));
    let store = mamori_app::evidence::EvidenceStore { dir: dir.clone(), max_bytes: 1024 };
    let pdf = b"%PDF-1.4\n% signed NDA\n".to_vec();
    let e = mamori_app::evidence::store_bytes(&store, &db, &a, "NDA 山田.pdf", &pdf, T0).await.unwrap();
    let expected = {
        use sha2::Digest;
        mamori_domain::hex::encode(&sha2::Sha256::digest(&pdf))
    };
    assert_eq!(e.sha256, expected);
    assert_eq!(e.content_type, "application/pdf");
    assert_eq!(e.original_name, "NDA 山田.pdf");
    assert!(dir.join(&expected[..2]).join(&expected).exists());
    // The same content again: one file, one record.
    let again = mamori_app::evidence::store_bytes(&store, &db, &a, "copy.pdf", &pdf, T0 + 1).await.unwrap();
    // (The second upload is answered with its own name: the first name is not told.)
    assert_eq!((again.sha256.as_str(), again.original_name.as_str()), (expected.as_str(), "copy.pdf"));
    let (row, bytes) = store.open(&db, &a, &expected).await.unwrap();
    assert_eq!(row.original_name, "NDA 山田.pdf", "one record, the first");
    assert_eq!(bytes, pdf);
    assert_eq!(row.size, pdf.len() as i64);
    // Too large, or an executable dressed as a PDF: refused, nothing kept.
    assert!(matches!(
        mamori_app::evidence::store_bytes(&store, &db, &a, "big.pdf", &[b'%'; 2048], T0).await,
        Err(AppError::FileRefused { key: "evidence-refused-size", limit: 1, .. })
    ));
    assert!(matches!(
        mamori_app::evidence::store_bytes(&store, &db, &a, "x.pdf", b"MZ\x90\x00rest", T0).await,
        Err(AppError::FileRefused { key: "evidence-refused-kind", .. })
    ));
    assert_eq!(std::fs::read_dir(dir.join("tmp")).unwrap().count(), 0, "no temporary files left");

    // A signed agreement row with its file.
    let r = registers::create(
        &db,
        &a,
        "nda_contracts",
        &obj(json!({"party": "山田 太郎", "version": "第1版", "signed_on": "2025-07-11"})),
        None,
        T0,
    )
    .await
    .unwrap();
    let r = registers::attach(&db, &a, "nda_contracts", &r.id, "file", &expected, T0 + 2).await.unwrap();
    assert_eq!(r.values["file"], json!([expected]));
    assert!(matches!(
        registers::attach(&db, &a, "nda_contracts", &r.id, "file", &"0".repeat(64), T0 + 3).await,
        Err(AppError::Rows(p)) if p[0].message == "field-unknown-file"
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

on_both_engines!(evidence_is_content_addressed_checked_and_attached);

/// A spreadsheet whose only cell sits at XFD1048576 once made the import allocate 22 GB: it is
/// now refused at once, naming the limit, as are too many rows, columns or characters.
#[test]
fn hostile_spreadsheets_are_refused_by_their_limits() {
    use mamori_app::registers::{MAX_CELL_CHARS, MAX_IMPORT_COLUMNS, MAX_IMPORT_ROWS, read_grid};
    let key_of = |r: Result<Vec<Vec<String>>, AppError>| match r {
        Err(AppError::TooLarge { key, limit, file, .. }) => (key, limit, file),
        other => panic!("{:?}", other.map(|g| g.len())),
    };
    let xlsx = |cells: &[(u32, u16, String)]| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (r, c, v) in cells {
            ws.write_string(*r, *c, v.as_str()).unwrap();
        }
        wb.save_to_buffer().unwrap()
    };
    let far = xlsx(&[(1_048_575, 16_383, "x".into())]);
    let t = std::time::Instant::now();
    assert_eq!(key_of(read_grid("far.xlsx", &far)), ("limit-rows", MAX_IMPORT_ROWS as u64, "far.xlsx".to_string()));
    assert!(t.elapsed() < std::time::Duration::from_secs(10), "refused without building the range");
    let wide = xlsx(&[(0, 0, "名称".into()), (1, u16::try_from(MAX_IMPORT_COLUMNS).unwrap(), "x".into())]);
    assert_eq!(key_of(read_grid("wide.xlsx", &wide)).0, "limit-columns");
    // (Excel and rust_xlsxwriter refuse longer cells; the CSV case below covers the cap.)
    // At the limits a sheet still reads, from its first used cell.
    let ok = xlsx(&[(2, 1, "名称".into()), (3, 1, "顧客名簿".into()), (3, 3, "3".into())]);
    assert_eq!(
        read_grid("ok.xlsx", &ok).unwrap(),
        vec![vec!["名称".to_string()], vec!["顧客名簿".into(), "".into(), "3".into()]]
    );

    let mut csv = String::from("名称\r\n");
    for i in 0..=MAX_IMPORT_ROWS {
        csv.push_str(&format!("資産{i}\r\n"));
    }
    assert_eq!(key_of(read_grid("many.csv", csv.as_bytes())).0, "limit-rows");
    let csv = format!("名称\r\n{}\r\n", "x".repeat(MAX_CELL_CHARS + 1));
    assert_eq!(key_of(read_grid("cell.csv", csv.as_bytes())).0, "limit-cell");
    let line = vec!["x"; 100].join(",");
    let csv: String = (0..=(mamori_app::registers::MAX_IMPORT_CELLS / 100)).map(|_| format!("{line}\r\n")).collect();
    assert_eq!(key_of(read_grid("cells.csv", csv.as_bytes())).0, "limit-cells");
    // A stored value that looks like a formula survives the CSV round trip.
    let csv = "名称\r\n'=HYPERLINK(1)\r\n''=x\r\n";
    assert_eq!(
        read_grid("f.csv", csv.as_bytes()).unwrap()[1..],
        [vec!["=HYPERLINK(1)".to_string()], vec!["'=x".to_string()]]
    );
}

/// The list indexes of all organisations share one memory budget: past it, the least recently
/// used index goes first, the store never holds more than the budget, and an evicted
/// register's list is rebuilt, unchanged, on its next read.
async fn list_indexes_are_evicted_least_recently_used_under_the_budget(db: Db) {
    use mamori_app::{cache, cache_stats, registers::index_bytes};
    cache::set_budget_mb(256);
    cache::clear();
    let mut orgs = Vec::new();
    for (name, rows) in [("evict-a", 40), ("evict-b", 40), ("evict-c", 10)] {
        let o = org::create(&db, name, name, T0).await.unwrap();
        let a = Actor::cli(&o.id);
        for i in 0..rows {
            registers::create(
                &db,
                &a,
                "assets",
                &obj(json!({"name": format!("{name} 資産{i:03}"), "confidentiality": "2", "integrity": "2",
                    "availability": "2", "threat": "2", "vulnerability": "2"})),
                None,
                T0 + i,
            )
            .await
            .unwrap();
        }
        orgs.push(a);
    }
    let [a, b, c] = [&orgs[0], &orgs[1], &orgs[2]];
    let list = |actor: &Actor| {
        let (db, actor) = (db.clone(), actor.clone());
        async move { registers::page(&db, &actor, "assets", &pq("資産", "-name", 1, 5, false)).await.unwrap() }
    };
    let first_a = list(a).await;
    assert_eq!(first_a.total, 40);
    list(b).await;
    assert!(index_bytes(&a.org_id, "assets").is_some() && index_bytes(&b.org_id, "assets").is_some());
    // Room for exactly what A and B hold now (their indexes and sort orders).
    let both = cache::usage().bytes;
    cache::set_budget_bytes(both);
    assert_eq!(cache::usage().evictions, 0, "both fit");
    // A is used again, so B is now the least recently used; C's index needs room.
    list(a).await;
    let evictions = cache::usage().evictions;
    let first_c = list(c).await;
    assert_eq!(first_c.total, 10);
    let u = cache::usage();
    assert!(u.evictions > evictions, "C's index evicted something: {u:?}");
    assert!(u.bytes <= both, "the store stays inside its budget: {u:?}");
    assert!(index_bytes(&b.org_id, "assets").is_none(), "the least recently used index (B) was evicted");
    assert!(index_bytes(&a.org_id, "assets").is_some(), "the recently used index (A) was kept");
    assert!(index_bytes(&c.org_id, "assets").is_some());
    // B is rebuilt on its next read (an index miss), with the same answer.
    cache_stats::reset();
    let again_b = list(b).await;
    assert_eq!(cache_stats::REGISTER_INDEX.get(), (0, 1));
    assert_eq!(again_b.total, 40);
    assert_eq!(again_b.rows.first().map(|r| r.values["name"].clone()), Some(json!("evict-b 資産039")));
    // A budget smaller than one index keeps none: every read rebuilds, the answers stay right.
    cache::set_budget_bytes(64);
    assert_eq!(cache::usage().bytes, 0);
    assert_eq!(list(a).await.rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), {
        first_a.rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>()
    });
    assert!(index_bytes(&a.org_id, "assets").is_none());
    cache::set_budget_mb(256);
}

on_both_engines!(list_indexes_are_evicted_least_recently_used_under_the_budget);
