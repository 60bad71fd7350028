//! Backup and restore of mamori itself on both engines: a database filled through the use
//! cases (users, regulation, duties, registers, requests, an incident with evidence, Microsoft
//! 365 imports, their audit rows) is backed up, restored into an empty database of the same
//! and of the other engine, and compared by a logical dump of every table and the evidence
//! files; an altered member is named; a non-empty target is refused; a backup completes the
//! backup duty (8.13).

use crate::on_both_engines;
use jiff::civil::date;
use mamori_app::backup::{self, BackupError};
use mamori_app::evidence::EvidenceStore;
use mamori_app::{Actor, AppError, duties, incidents, m365, org, registers, regulation, requests};
use mamori_store::{Db, Engine};
use serde_json::{Map, Value, json};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::support::{T0, actor_of, add_user};
const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

fn scratch(what: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mamori-backup-{what}-{}", mamori_app::new_id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mamori-m365/fixtures").join(name)
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

/// Fills a database through the use cases; evidence files go to `store`.
async fn fill(db: &Db, store: &EvidenceStore) {
    let today = date(2026, 1, 5);
    let o = org::create(db, "acme", "アクメ株式会社", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    for (login, role) in
        [("emp", "employee"), ("kanri", "security_manager"), ("boss", "top_management"), ("sys", "system_admin")]
    {
        add_user(db, &cli, login, role).await;
    }
    regulation::import_text(db, &cli, "seed.txt", SEED, T0).await.unwrap();
    duties::offer_from_regulation(db, &cli, today, T0).await.unwrap();
    duties::confirm(
        db,
        &cli,
        &[],
        mamori_domain::schedule::fiscal_year_start_date(mamori_domain::schedule::fiscal_year(today, 4), 4),
        today,
        T0,
    )
    .await
    .unwrap();
    let emp = actor_of(db, "emp").await;
    let kanri = actor_of(db, "kanri").await;
    let boss = actor_of(db, "boss").await;
    registers::create(db, &cli, "media_ledger", &obj(json!({"media_id": "USB-01", "kind": "USB メモリ"})), None, T0)
        .await
        .unwrap();
    let fields = obj(
        json!({"media": "USB-01", "purpose": "顧客先での説明", "destination": "A 社", "taken_on": "2026-01-05", "due_on": "2026-01-07"}),
    );
    let r = requests::create(db, &emp, "media_takeout", &fields, today, T0 + 1).await.unwrap();
    requests::transition(db, &kanri, &r.id, "approve", "承認します", vec![], today, T0 + 2).await.unwrap();
    let i = incidents::report(db, &emp, "不審なメール", "添付を開いた", "2026-01-05 10:20", T0 + 3).await.unwrap();
    incidents::assess(db, &boss, &i.id, true, Some("internal"), "インシデントとする", T0 + 4).await.unwrap();
    let file =
        mamori_app::evidence::store_bytes(store, db, &kanri, "mail-header.txt", b"Received: from evil.example", T0 + 5)
            .await
            .unwrap();
    incidents::add_evidence(db, &kanri, &i.id, &file.sha256, "mail-header.txt", "ヘッダー", T0 + 6).await.unwrap();
    for f in ["purview_classic.csv", "entra_signin.csv"] {
        m365::import_file(db, &cli, store, &fixture(f), T0 + 7).await.unwrap();
    }
}

/// Every evidence file under a directory: relative path → bytes.
fn files_of(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(subdirs) = std::fs::read_dir(dir) else { return out };
    for sub in subdirs.flatten() {
        if !sub.path().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(sub.path()).unwrap().flatten() {
            let rel = format!("{}/{}", sub.file_name().to_string_lossy(), f.file_name().to_string_lossy());
            out.insert(rel, std::fs::read(f.path()).unwrap());
        }
    }
    out
}

async fn restore_and_compare(source: &Db, source_evidence: &Path, archive: &Path, engine: Engine) {
    let target = mamori_store::testing::fresh_db(engine).await.unwrap();
    let evidence = scratch("restored-evidence");
    let report = backup::restore(target.db(), &evidence, None, archive).await.unwrap();
    assert_eq!(report.problems, Vec::<String>::new(), "the restored copy verifies");
    assert_eq!(report.chains.len(), 1);
    assert!(report.chains[0].1 > 10, "{:?}", report.chains);
    let before = backup::logical_dump(source).await.unwrap();
    let after = backup::logical_dump(target.db()).await.unwrap();
    assert!(before.values().map(Vec::len).sum::<usize>() > 300, "a filled database");
    for (table, rows) in &before {
        let expected: Vec<&String> = if table == "session" { Vec::new() } else { rows.iter().collect() };
        let got: Vec<&String> = after.get(table).map(|r| r.iter().collect()).unwrap_or_default();
        assert_eq!(got, expected, "table {table} restored into {engine:?}");
    }
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
    let files = files_of(source_evidence);
    assert!(files.len() >= 3, "the incident's file and two imports: {:?}", files.keys());
    assert_eq!(files_of(&evidence), files, "every evidence file restored");
    // A second restore into the same (now filled) target is refused.
    match backup::restore(target.db(), &evidence, None, archive).await {
        Err(BackupError::NotEmpty(t)) => assert!(!t.is_empty()),
        other => panic!("expected a refusal of the non-empty target: {other:?}"),
    }
    target.cleanup().await;
    let _ = std::fs::remove_dir_all(evidence);
}

async fn backup_restores_every_row_and_file_into_either_engine(db: Db) {
    let dir = scratch("source");
    let store = EvidenceStore { dir: dir.join("evidence"), max_bytes: 1 << 20 };
    fill(&db, &store).await;
    let archive = dir.join("mamori.zip");
    let done = backup::create(&db, &store.dir, None, &archive, T0 + 100).await.unwrap();
    assert!(archive.is_file() && !dir.join("mamori.zip.partial").exists());
    assert_eq!(done.manifest.format_version, backup::FORMAT_VERSION);
    assert_eq!(done.manifest.created_at, "2026-01-01T00:00:00.1Z");
    assert!(done.manifest.schema_level >= 14);
    assert!(done.manifest.tables.iter().all(|t| t.name != "session"), "sessions are left out");
    let counts = backup::row_counts(&db).await.unwrap();
    for t in &done.manifest.tables {
        let n = counts.iter().find(|c| c.name == t.name).unwrap().rows;
        assert_eq!(t.rows, n, "{}", t.name);
    }
    assert_eq!(done.manifest.evidence.len(), files_of(&store.dir).len());
    let (_, problems) = backup::check_members(&archive).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let (_, verified) = backup::verify(&archive, &dir).await.unwrap();
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
    for engine in [Engine::Sqlite, Engine::Postgres] {
        restore_and_compare(&db, &store.dir, &archive, engine).await;
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Keyset paging (what the backup reads tables with) visits every row once, in key order,
/// whatever the page size: every table read in pages of 7 equals the table read at once.
async fn keyset_pages_visit_every_row_once(db: Db) {
    let store = EvidenceStore { dir: scratch("pages"), max_bytes: 1 << 20 };
    fill(&db, &store).await;
    let mut c = db.conn().await.unwrap();
    let mut multi_page = 0;
    for t in mamori_store::dump::tables(&mut c.ex()).await.unwrap() {
        let whole = mamori_store::dump::page_after(&mut c.ex(), &t, None, 0, 1_000_000).await.unwrap();
        let mut paged = Vec::new();
        let mut last: Option<Vec<mamori_store::dump::Value>> = None;
        loop {
            let page =
                mamori_store::dump::page_after(&mut c.ex(), &t, last.as_deref(), paged.len() as i64, 7).await.unwrap();
            let n = page.len();
            paged.extend(page);
            if n < 7 {
                break;
            }
            last = paged.last().cloned();
        }
        assert_eq!(paged, whole, "table {}", t.name);
        if whole.len() > 7 && t.primary_key.len() > 1 {
            multi_page += 1;
        }
    }
    assert!(multi_page > 3, "composite keys paged");
    drop(c);
    let _ = std::fs::remove_dir_all(&store.dir);
}

/// Rewrites the archive with one member's bytes changed (a valid zip: only the manifest's
/// hash can tell).
fn tamper(archive: &Path, member: &str, out: &Path) {
    let mut zin = zip::ZipArchive::new(std::fs::File::open(archive).unwrap()).unwrap();
    let mut zout = zip::ZipWriter::new(std::fs::File::create(out).unwrap());
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if name == member {
            let text = String::from_utf8(bytes).unwrap();
            bytes = text.replacen("USB-01", "USB-02", 1).replacen("evil", "good", 1).into_bytes();
        }
        zout.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        zout.write_all(&bytes).unwrap();
    }
    zout.finish().unwrap();
}

async fn an_altered_member_is_named(db: Db) {
    let dir = scratch("tamper");
    let store = EvidenceStore { dir: dir.join("evidence"), max_bytes: 1 << 20 };
    fill(&db, &store).await;
    let archive = dir.join("mamori.zip");
    backup::create(&db, &store.dir, None, &archive, T0 + 100).await.unwrap();
    let evil = mamori_domain::hex::encode(&sha2::Sha256::digest(b"Received: from evil.example"));
    for member in ["tables/register_row.jsonl".to_string(), format!("evidence/{evil}")] {
        let bad = dir.join("bad.zip");
        tamper(&archive, &member, &bad);
        let (_, problems) = backup::check_members(&bad).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].to_string().contains(&member), "{}", problems[0]);
        let err = backup::verify(&bad, &dir).await.unwrap_err();
        assert!(err.to_string().contains(&member), "{err}");
        // Nothing is restored from it.
        let target = mamori_store::testing::fresh_db(Engine::Sqlite).await.unwrap();
        let e = backup::restore(target.db(), &dir.join("restored"), None, &bad).await.unwrap_err();
        assert!(e.to_string().contains(&member), "{e}");
        assert!(backup::row_counts(target.db()).await.unwrap().iter().all(|t| t.rows == 0));
        target.cleanup().await;
    }
    let _ = std::fs::remove_dir_all(dir);
}

use sha2::Digest;

async fn a_backup_completes_the_backup_duty(db: Db) {
    let dir = scratch("duty");
    let store = EvidenceStore { dir: dir.join("evidence"), max_bytes: 1 << 20 };
    fill(&db, &store).await;
    let archive = dir.join("mamori.zip");
    let done = backup::create(&db, &store.dir, None, &archive, T0 + 100).await.unwrap();
    let today = date(2026, 1, 5);
    let o = backup::complete_duty(&db, &store, None, "boss", &done, "mamori.zip", today, T0 + 200).await.unwrap();
    assert_eq!(o.state, "done");
    assert_eq!(o.done_by.as_deref(), Some("boss"));
    assert_eq!(o.due, "2026-01-31", "the current month's occurrence");
    assert!(o.note.as_deref().unwrap_or("").contains(&done.manifest_sha256));
    // The evidence is a summary naming the backup by its manifest's SHA-256 — not the manifest,
    // whose list of every evidence file's SHA-256 anyone who sees the duty could then read.
    let list: Vec<String> = serde_json::from_str(o.evidence.as_deref().unwrap()).unwrap();
    assert_eq!(list.len(), 1);
    let kept = std::fs::read(mamori_app::evidence::path_of(&store.dir, &list[0])).unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&kept).unwrap();
    assert_eq!(summary["manifest_sha256"], done.manifest_sha256.as_str());
    assert!(!done.manifest.evidence.is_empty());
    for sha in &done.manifest.evidence {
        assert!(!String::from_utf8_lossy(&kept).contains(sha.as_str()), "the summary lists no evidence file");
    }
    // The next occurrence is not due within a month: nothing more to complete.
    let again = backup::complete_duty(&db, &store, None, "boss", &done, "mamori.zip", today, T0 + 300).await;
    assert!(matches!(again, Err(AppError::Blocked(_))), "{again:?}");
    // Only a real, permitted person completes it.
    let nobody = backup::complete_duty(&db, &store, None, "ghost", &done, "mamori.zip", today, T0 + 300).await;
    assert!(matches!(nobody, Err(AppError::Blocked(_))), "{nobody:?}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Writers of one organisation at the same moment (two servers, or one busy one) all succeed:
/// on PostgreSQL, register rows deadlocked upgrading the organisation lock and requests read
/// the same next number.
async fn concurrent_writers_of_one_organisation_all_succeed(db: Db) {
    let store = EvidenceStore { dir: scratch("concurrent"), max_bytes: 1 << 20 };
    fill(&db, &store).await;
    let kanri = actor_of(&db, "kanri").await;
    let emp = actor_of(&db, "emp").await;
    let mut tasks = Vec::new();
    for n in 0..12 {
        let (db, kanri, emp) = (db.clone(), kanri.clone(), emp.clone());
        tasks.push(tokio::spawn(async move {
            let row = obj(json!({"media_id": format!("C-{n}"), "kind": "USB メモリ"}));
            registers::create(&db, &kanri, "media_ledger", &row, None, T0 + 10).await.map(|_| ())?;
            let fields = obj(
                json!({"media": "USB-01", "purpose": format!("説明 {n}"), "taken_on": "2026-01-05", "due_on": "2026-01-07"}),
            );
            requests::create(&db, &emp, "media_takeout", &fields, date(2026, 1, 5), T0 + 10).await.map(|_| ())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let chains = mamori_app::audit::verify_all(&db).await.unwrap();
    assert!(chains.iter().all(|c| c.result.is_ok()));
    let _ = std::fs::remove_dir_all(&store.dir);
}

on_both_engines!(
    keyset_pages_visit_every_row_once,
    concurrent_writers_of_one_organisation_all_succeed,
    backup_restores_every_row_and_file_into_either_engine,
    an_altered_member_is_named,
    a_backup_completes_the_backup_duty
);
