//! Backup and restore of mamori itself (8.13).
//!
//! A backup is one zip archive:
//!
//! - `tables/<table>.jsonl`: every table of the schema (enumerated from the catalogue, so new
//!   tables are included; the sessions and the migration ledger are left out), read inside one
//!   snapshot transaction ([`Db::begin_snapshot`]) while the server may be writing. The first
//!   line is the header (`{"table", "columns": [{name, kind}], "primary_key"}`), then one JSON
//!   array per row: integers as numbers, texts as strings, bytes as `{"hex": …}`. The same
//!   file restores into SQLite or PostgreSQL.
//! - `evidence/<sha256>`: every evidence file an `evidence_file` row of the snapshot refers to
//!   (checked against its name while copied).
//! - `manifest.json` (written last): format version, mamori version, engine, creation time,
//!   schema migration level, per-table row counts and the SHA-256 and size of every member.
//!
//! A restore refuses a target holding any row, migrates it, loads every table in one
//! transaction (parents first), copies the evidence files (each checked against its hash),
//! commits, then verifies every organisation's audit chain and every evidence file of the
//! restored database. `verify` checks an archive by restoring it into a temporary SQLite
//! database.

use crate::AppError;
use mamori_store::dump::{self, Column, Value};
use mamori_store::{Db, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// The archive format this build writes and reads.
pub const FORMAT_VERSION: i64 = 1;
/// The manifest's member name.
pub const MANIFEST: &str = "manifest.json";
/// The member holding the audit signing key file, when the source had one.
pub const KEY_MEMBER: &str = "keys/audit-signing.key";
const FORMAT: &str = "mamori-backup";
const PAGE: i64 = 2_000;
const INSERT_BATCH: usize = 1_000;

/// What a backup failed on, or why an archive cannot be restored.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The restore target already holds data.
    #[error("the target is not empty: table {0} has rows (restore only into an empty database)")]
    NotEmpty(String),
    /// A member of the archive is missing, altered or unexpected.
    #[error("member {member}: {problem}")]
    Member {
        /// The member's name in the archive.
        member: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The archive as a whole is unusable (not a zip, no manifest, a newer format).
    #[error("{0}")]
    Archive(String),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
    /// The database refused.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// An application error (audit verification).
    #[error("{0}")]
    App(#[from] AppError),
}

fn io_err(what: &str) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::Io(format!("{what}: {e}"))
}

fn zip_err(what: &str) -> impl Fn(zip::result::ZipError) -> BackupError + '_ {
    move |e| BackupError::Archive(format!("{what}: {e}"))
}

fn member_err(member: &str, problem: impl Into<String>) -> BackupError {
    BackupError::Member { member: member.to_string(), problem: problem.into() }
}

/// A member of the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Its name in the archive.
    pub name: String,
    /// SHA-256 of its (uncompressed) bytes, lower-case hex.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A dumped table and its row count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCount {
    /// The table.
    pub name: String,
    /// Rows in the snapshot.
    pub rows: i64,
}

/// The manifest (`manifest.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `mamori-backup`.
    pub format: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: i64,
    /// The writer's mamori version.
    pub mamori_version: String,
    /// `sqlite` or `postgres`: where the backup was taken.
    pub engine: String,
    /// When the snapshot was taken (UTC, RFC 3339).
    pub created_at: String,
    /// The same, epoch milliseconds.
    pub created_at_ms: i64,
    /// The highest migration applied to the backed-up database.
    pub schema_level: i64,
    /// Every table in restore order (parents first) with its rows.
    pub tables: Vec<TableCount>,
    /// Evidence files (SHA-256) included.
    pub evidence: Vec<String>,
    /// Every other member with its hash and size.
    pub members: Vec<Member>,
}

/// A finished backup.
#[derive(Debug, Clone)]
pub struct BackupDone {
    /// Its manifest.
    pub manifest: Manifest,
    /// SHA-256 of `manifest.json` as written: names this backup (e.g. as duty evidence).
    pub manifest_sha256: String,
    /// The manifest's bytes.
    pub manifest_bytes: Vec<u8>,
}

/// What a restore loaded and what its verification found.
#[derive(Debug, Clone, Default)]
pub struct RestoreReport {
    /// Tables loaded.
    pub tables: usize,
    /// Rows loaded.
    pub rows: i64,
    /// Evidence files copied.
    pub evidence: usize,
    /// Audit chains verified (organisation slug, rows).
    pub chains: Vec<(String, u64)>,
    /// Problems found after loading (a broken audit chain, a missing or altered evidence
    /// file); empty when the restored system verifies.
    pub problems: Vec<String>,
    /// The backup's audit signing key was written to the target's key file.
    pub key_restored: bool,
}

fn hex_sha(h: Sha256) -> String {
    mamori_domain::hex::encode(&h.finalize())
}

fn value_to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Text(s) => serde_json::Value::from(s.as_str()),
        Value::Bytes(b) => serde_json::json!({ "hex": mamori_domain::hex::encode(b) }),
        Value::Real(f) => serde_json::json!({ "real": f }),
    }
}

fn value_from_json(j: &serde_json::Value) -> Option<Value> {
    Some(match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Number(n) => Value::Int(n.as_i64()?),
        serde_json::Value::String(s) => Value::Text(s.clone()),
        serde_json::Value::Object(o) => {
            if let Some(h) = o.get("hex").and_then(|h| h.as_str()) {
                Value::Bytes(decode_hex(h)?)
            } else {
                Value::Real(o.get("real")?.as_f64()?)
            }
        }
        _ => return None,
    })
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// The header line of a table member.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    table: String,
    columns: Vec<Column>,
    primary_key: Vec<String>,
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn table_member(name: &str) -> String {
    format!("tables/{name}.jsonl")
}

/// The SHA-256 of a file.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex_sha(h))
}

/// Writes a backup of `db` (and the evidence files in `evidence_dir` its rows refer to) to
/// `output`: first to `output.partial`, renamed when complete.
pub async fn create(
    db: &Db,
    evidence_dir: &Path,
    key_file: Option<&Path>,
    output: &Path,
    now: i64,
) -> Result<BackupDone, BackupError> {
    let mut partial = output.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let result = write_archive(db, evidence_dir, key_file, &partial, now).await;
    match result {
        Ok(done) => {
            std::fs::rename(&partial, output).map_err(io_err("cannot move the backup into place"))?;
            Ok(done)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

async fn write_archive(
    db: &Db,
    evidence_dir: &Path,
    key_file: Option<&Path>,
    path: &Path,
    now: i64,
) -> Result<BackupDone, BackupError> {
    // The archive holds every secret of the installation (password hashes, MFA secrets, the
    // audit signing key): readable by its owner only, and never written through a link placed
    // at its temporary name.
    let _ = std::fs::remove_file(path);
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    let file = open.open(path).map_err(io_err(&path.display().to_string()))?;
    let mut zip = zip::ZipWriter::new(file);
    let deflated =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut members = Vec::new();
    let mut counts = Vec::new();
    let mut tx = db.begin_snapshot().await?;
    let schema_level = dump::migration_level(&mut tx.ex()).await?;
    let tables = dump::tables(&mut tx.ex()).await?;
    for t in &tables {
        let name = table_member(&t.name);
        zip.start_file(name.as_str(), deflated).map_err(zip_err(&name))?;
        let mut h = Sha256::new();
        let mut size = 0u64;
        let mut put = |bytes: &[u8], zip: &mut zip::ZipWriter<std::fs::File>| -> Result<(), BackupError> {
            h.update(bytes);
            size += bytes.len() as u64;
            zip.write_all(bytes).map_err(io_err("cannot write the backup"))
        };
        let header = Header { table: t.name.clone(), columns: t.columns.clone(), primary_key: t.primary_key.clone() };
        let mut line = serde_json::to_vec(&header).map_err(|e| BackupError::Io(e.to_string()))?;
        line.push(b'\n');
        put(&line, &mut zip)?;
        let mut rows = 0i64;
        let mut last: Option<Vec<Value>> = None;
        loop {
            let page = dump::page_after(&mut tx.ex(), t, last.as_deref(), rows, PAGE).await?;
            for r in &page {
                let arr = serde_json::Value::Array(r.iter().map(value_to_json).collect());
                let mut line = serde_json::to_vec(&arr).map_err(|e| BackupError::Io(e.to_string()))?;
                line.push(b'\n');
                put(&line, &mut zip)?;
            }
            rows += page.len() as i64;
            if (page.len() as i64) < PAGE {
                break;
            }
            last = page.into_iter().last();
        }
        members.push(Member { name, sha256: hex_sha(h), size });
        counts.push(TableCount { name: t.name.clone(), rows });
    }
    // The evidence files referred to in the snapshot (immutable: copied after it ends).
    let mut shas = evidence_shas(&mut tx.ex(), &tables).await?;
    tx.commit().await?;
    shas.sort();
    shas.dedup();
    for sha in &shas {
        let name = format!("evidence/{sha}");
        let src = crate::evidence::path_of(evidence_dir, sha);
        let mut f = std::fs::File::open(&src)
            .map_err(|e| BackupError::Io(format!("evidence file {sha} ({}): {e}", src.display())))?;
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        zip.start_file(name.as_str(), stored.large_file(len >= u64::from(u32::MAX))).map_err(zip_err(&name))?;
        let mut h = Sha256::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = f.read(&mut buf).map_err(io_err(&src.display().to_string()))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            size += n as u64;
            zip.write_all(&buf[..n]).map_err(io_err("cannot write the backup"))?;
        }
        let got = hex_sha(h);
        if &got != sha {
            return Err(BackupError::Io(format!(
                "evidence file {sha} in {} is altered (its SHA-256 is {got})",
                evidence_dir.display()
            )));
        }
        members.push(Member { name, sha256: got, size });
    }
    // The audit signing key travels with the data it anchors: without it the restored
    // checkpoints could not be checked (nor new ones signed by the same key). The heads file
    // beside it does not: it may already hold a checkpoint newer than this snapshot.
    if let Some(key) = key_file.filter(|k| k.exists()) {
        let bytes = std::fs::read(key).map_err(io_err(&key.display().to_string()))?;
        zip.start_file(KEY_MEMBER, deflated).map_err(zip_err(KEY_MEMBER))?;
        zip.write_all(&bytes).map_err(io_err("cannot write the backup"))?;
        let mut h = Sha256::new();
        h.update(&bytes);
        members.push(Member { name: KEY_MEMBER.into(), sha256: hex_sha(h), size: bytes.len() as u64 });
    }
    let created_at = jiff::Timestamp::from_millisecond(now).map(|t| t.to_string()).unwrap_or_default();
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        mamori_version: env!("CARGO_PKG_VERSION").into(),
        engine: match db.engine() {
            mamori_store::Engine::Sqlite => "sqlite".into(),
            mamori_store::Engine::Postgres => "postgres".into(),
        },
        created_at,
        created_at_ms: now,
        schema_level,
        tables: counts,
        evidence: shas,
        members,
    };
    let bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::Io(e.to_string()))?;
    zip.start_file(MANIFEST, deflated).map_err(zip_err(MANIFEST))?;
    zip.write_all(&bytes).map_err(io_err("cannot write the backup"))?;
    let file = zip.finish().map_err(zip_err("cannot finish the backup"))?;
    file.sync_all().map_err(io_err("cannot sync the backup"))?;
    let mut h = Sha256::new();
    h.update(&bytes);
    Ok(BackupDone { manifest, manifest_sha256: hex_sha(h), manifest_bytes: bytes })
}

type Archive = zip::ZipArchive<std::fs::File>;

/// Opens an archive and reads its manifest.
fn open(path: &Path) -> Result<(Archive, Manifest), BackupError> {
    let file = std::fs::File::open(path).map_err(io_err(&path.display().to_string()))?;
    let mut zip = zip::ZipArchive::new(file).map_err(zip_err("not a mamori backup (not a zip archive)"))?;
    let mut bytes = Vec::new();
    zip.by_name(MANIFEST)
        .map_err(|_| member_err(MANIFEST, "missing: not a mamori backup"))?
        .read_to_end(&mut bytes)
        .map_err(|e| member_err(MANIFEST, e.to_string()))?;
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| member_err(MANIFEST, format!("unreadable: {e}")))?;
    if manifest.format != FORMAT {
        return Err(member_err(MANIFEST, "not a mamori backup"));
    }
    if manifest.format_version > FORMAT_VERSION {
        return Err(BackupError::Archive(format!(
            "the backup's format version {} is newer than this mamori reads ({FORMAT_VERSION})",
            manifest.format_version
        )));
    }
    Ok((zip, manifest))
}

/// Checks the archive without any database: every member of the manifest is present with its
/// SHA-256 and size, no member is unlisted, every table's row count matches, every evidence
/// member hashes to its name. Returns every problem found (empty: the archive is intact).
pub fn check_members(path: &Path) -> Result<(Manifest, Vec<BackupError>), BackupError> {
    let (mut zip, manifest) = open(path)?;
    let mut problems = Vec::new();
    let listed: BTreeMap<&str, &Member> = manifest.members.iter().map(|m| (m.name.as_str(), m)).collect();
    let counts: BTreeMap<String, i64> = manifest.tables.iter().map(|t| (table_member(&t.name), t.rows)).collect();
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(|n| n.to_string()))
        .collect::<Result<_, _>>()
        .map_err(zip_err("unreadable archive"))?;
    for n in &names {
        if n != MANIFEST && !listed.contains_key(n.as_str()) {
            problems.push(member_err(n, "not listed in the manifest"));
        }
    }
    for m in &manifest.members {
        if !names.contains(&m.name) {
            problems.push(member_err(&m.name, "missing from the archive"));
            continue;
        }
        let mut f = match zip.by_name(&m.name) {
            Ok(f) => f,
            Err(e) => {
                problems.push(member_err(&m.name, format!("unreadable: {e}")));
                continue;
            }
        };
        let mut h = Sha256::new();
        let mut size = 0u64;
        let mut newlines = 0i64;
        let mut buf = vec![0u8; 64 * 1024];
        let read = loop {
            match f.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    h.update(&buf[..n]);
                    size += n as u64;
                    newlines += buf[..n].iter().filter(|b| **b == b'\n').count() as i64;
                }
                Err(e) => break Err(e),
            }
        };
        if let Err(e) = read {
            problems.push(member_err(&m.name, format!("unreadable: {e}")));
            continue;
        }
        let got = hex_sha(h);
        if got != m.sha256 || size != m.size {
            problems.push(member_err(&m.name, "its SHA-256 does not match the manifest (altered)"));
            continue;
        }
        if let Some(rows) = counts.get(&m.name)
            && newlines - 1 != *rows
        {
            problems.push(member_err(&m.name, format!("{} rows, the manifest says {rows}", newlines - 1)));
        }
        if let Some(sha) = m.name.strip_prefix("evidence/")
            && got != sha
        {
            problems.push(member_err(&m.name, "the file does not hash to its name"));
        }
    }
    for t in &manifest.tables {
        if !listed.contains_key(table_member(&t.name).as_str()) {
            problems.push(member_err(&table_member(&t.name), "missing from the manifest's members"));
        }
    }
    for sha in &manifest.evidence {
        if !is_sha256(sha) || !listed.contains_key(format!("evidence/{sha}").as_str()) {
            problems.push(member_err(&format!("evidence/{sha}"), "missing from the manifest's members"));
        }
    }
    Ok((manifest, problems))
}

/// Restores the archive into the empty, migrated database `db` and the evidence directory;
/// then verifies the audit chains and evidence files of the result (problems in the report).
/// The archive's audit signing key is written to `key_file` when that file does not exist yet
/// (private to the owner); an existing key is kept and the difference reported.
pub async fn restore(
    db: &Db,
    evidence_dir: &Path,
    key_file: Option<&Path>,
    archive: &Path,
) -> Result<RestoreReport, BackupError> {
    let (manifest, problems) = check_members(archive)?;
    if let Some(p) = problems.into_iter().next() {
        return Err(p);
    }
    let (mut zip, _) = open(archive)?;
    let target_tables = {
        let mut c = db.conn().await?;
        let level = dump::migration_level(&mut c.ex()).await?;
        if manifest.schema_level > level {
            return Err(BackupError::Archive(format!(
                "the backup's schema (migration {}) is newer than this mamori's ({level}): restore with a newer mamori",
                manifest.schema_level
            )));
        }
        let tables = dump::tables(&mut c.ex()).await?;
        for t in &tables {
            if dump::count(&mut c.ex(), t).await? > 0 {
                return Err(BackupError::NotEmpty(t.name.clone()));
            }
        }
        tables
    };
    let expected: BTreeMap<&str, i64> = manifest.tables.iter().map(|t| (t.name.as_str(), t.rows)).collect();
    for t in &manifest.tables {
        if !target_tables.iter().any(|x| x.name == t.name) {
            return Err(member_err(&table_member(&t.name), "this mamori has no such table"));
        }
    }
    let mut report = RestoreReport::default();
    let mut tx = db.begin().await?;
    for t in &target_tables {
        let Some(&want) = expected.get(t.name.as_str()) else { continue };
        let member = table_member(&t.name);
        let f = zip.by_name(&member).map_err(|e| member_err(&member, e.to_string()))?;
        let mut lines = BufReader::new(f);
        let mut line = Vec::new();
        lines.read_until(b'\n', &mut line).map_err(|e| member_err(&member, e.to_string()))?;
        let header: Header =
            serde_json::from_slice(&line).map_err(|e| member_err(&member, format!("unreadable header: {e}")))?;
        let mut columns = Vec::new();
        for c in &header.columns {
            match t.columns.iter().find(|x| x.name == c.name) {
                Some(x) => columns.push(x.clone()),
                None => return Err(member_err(&member, format!("column {} does not exist in this mamori", c.name))),
            }
        }
        let mut batch: Vec<Vec<Value>> = Vec::with_capacity(INSERT_BATCH);
        let mut rows = 0i64;
        loop {
            line.clear();
            let n = lines.read_until(b'\n', &mut line).map_err(|e| member_err(&member, e.to_string()))?;
            if n > 0 {
                let arr: Vec<serde_json::Value> =
                    serde_json::from_slice(&line).map_err(|e| member_err(&member, format!("row {}: {e}", rows + 1)))?;
                let vals = arr
                    .iter()
                    .map(value_from_json)
                    .collect::<Option<Vec<_>>>()
                    .filter(|v| v.len() == columns.len())
                    .ok_or_else(|| member_err(&member, format!("row {}: unreadable values", rows + 1)))?;
                batch.push(vals);
                rows += 1;
            }
            if batch.len() >= INSERT_BATCH || (n == 0 && !batch.is_empty()) {
                dump::insert(&mut tx.ex(), t, &columns, &batch)
                    .await
                    .map_err(|e| member_err(&member, format!("cannot load: {e}")))?;
                batch.clear();
            }
            if n == 0 {
                break;
            }
        }
        if rows != want {
            return Err(member_err(&member, format!("{rows} rows, the manifest says {want}")));
        }
        report.tables += 1;
        report.rows += rows;
    }
    // Evidence files: copied (each checked against its name) before the rows are committed.
    std::fs::create_dir_all(evidence_dir).map_err(io_err(&evidence_dir.display().to_string()))?;
    for sha in &manifest.evidence {
        let member = format!("evidence/{sha}");
        let target = crate::evidence::path_of(evidence_dir, sha);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(&parent.display().to_string()))?;
        }
        let temp = evidence_dir.join(format!(".restore-{}", crate::new_id()));
        let mut f = zip.by_name(&member).map_err(|e| member_err(&member, e.to_string()))?;
        let copied = (|| -> std::io::Result<String> {
            let mut out = std::fs::File::create(&temp)?;
            let mut h = Sha256::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
                out.write_all(&buf[..n])?;
            }
            out.sync_all()?;
            Ok(hex_sha(h))
        })();
        match copied {
            Ok(got) if &got == sha => {
                std::fs::rename(&temp, &target).map_err(io_err(&target.display().to_string()))?;
            }
            Ok(_) => {
                let _ = std::fs::remove_file(&temp);
                return Err(member_err(&member, "the file does not hash to its name"));
            }
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                return Err(member_err(&member, e.to_string()));
            }
        }
        report.evidence += 1;
    }
    tx.commit().await?;
    report.problems = verify_restored(db, evidence_dir, &mut report.chains).await?;
    if let (Some(target), true) = (key_file, manifest.members.iter().any(|m| m.name == KEY_MEMBER)) {
        let mut bytes = Vec::new();
        zip.by_name(KEY_MEMBER)
            .map_err(|e| member_err(KEY_MEMBER, e.to_string()))?
            .read_to_end(&mut bytes)
            .map_err(|e| member_err(KEY_MEMBER, e.to_string()))?;
        if target.exists() {
            if std::fs::read(target).map_err(io_err(&target.display().to_string()))? != bytes {
                report.problems.push(format!(
                    "{} holds another audit signing key than the backup's: the restored checkpoints cannot be checked with it",
                    target.display()
                ));
            }
        } else {
            write_private(target, &bytes).map_err(io_err(&target.display().to_string()))?;
            report.key_restored = true;
        }
    }
    Ok(report)
}

/// Writes a file readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Verifies a database as restored: every organisation's audit chain and every evidence file
/// its rows refer to. Returns the problems.
pub async fn verify_restored(
    db: &Db,
    evidence_dir: &Path,
    chains: &mut Vec<(String, u64)>,
) -> Result<Vec<String>, BackupError> {
    let mut problems = Vec::new();
    for v in crate::audit::verify_all(db).await? {
        match v.result {
            Ok(n) => chains.push((v.org_slug, n)),
            Err(e) => problems.push(format!("audit chain of {}: {e}", v.org_slug)),
        }
    }
    let mut c = db.conn().await?;
    let tables = dump::tables(&mut c.ex()).await?;
    for sha in evidence_shas(&mut c.ex(), &tables).await? {
        match hash_file(&crate::evidence::path_of(evidence_dir, &sha)) {
            Ok(got) if got == sha => {}
            Ok(_) => problems.push(format!("evidence file {sha}: altered")),
            Err(e) => problems.push(format!("evidence file {sha}: {e}")),
        }
    }
    Ok(problems)
}

/// The SHA-256 of every `evidence_file` row, read page by page (what a backup copies and a
/// restore checks).
async fn evidence_shas(ex: &mut mamori_store::Ex<'_>, tables: &[dump::Table]) -> Result<Vec<String>, BackupError> {
    let mut shas = Vec::new();
    let Some(t) = tables.iter().find(|t| t.name == "evidence_file") else { return Ok(shas) };
    let Some(col) = t.columns.iter().position(|c| c.name == "sha256") else { return Ok(shas) };
    let mut offset = 0;
    let mut last: Option<Vec<Value>> = None;
    loop {
        let page = dump::page_after(ex, t, last.as_deref(), offset, PAGE).await?;
        for r in &page {
            if let Some(Value::Text(s)) = r.get(col) {
                shas.push(s.clone());
            }
        }
        offset += page.len() as i64;
        if (page.len() as i64) < PAGE {
            return Ok(shas);
        }
        last = page.into_iter().last();
    }
}

/// Checks a backup without touching any target: the members against the manifest, then a
/// restore into a temporary SQLite database under `scratch` (removed afterwards) with its
/// verification. An `Err` names what is wrong with the archive; the report's problems are
/// what the restored copy failed (audit chain, evidence).
pub async fn verify(archive: &Path, scratch: &Path) -> Result<(Manifest, RestoreReport), BackupError> {
    let (manifest, problems) = check_members(archive)?;
    if !problems.is_empty() {
        return Err(BackupError::Archive(problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")));
    }
    let dir = scratch.join(format!("mamori-verify-{}", crate::new_id()));
    std::fs::create_dir_all(&dir).map_err(io_err(&dir.display().to_string()))?;
    let result = async {
        let db = Db::open_sqlite_dir(&dir).await?;
        let r = async {
            db.migrate().await?;
            restore(&db, &dir.join("evidence"), None, archive).await
        }
        .await;
        db.close().await;
        r
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok((manifest, result?))
}

/// A row count per table of a database (what a restore should reproduce).
pub async fn row_counts(db: &Db) -> Result<Vec<TableCount>, BackupError> {
    let mut c = db.conn().await?;
    let mut out = Vec::new();
    for t in dump::tables(&mut c.ex()).await? {
        let rows = dump::count(&mut c.ex(), &t).await?;
        out.push(TableCount { name: t.name, rows });
    }
    Ok(out)
}

/// Every row of every table, as JSON lines per table, rows sorted (engine-independent): the
/// logical dump two databases are compared by.
pub async fn logical_dump(db: &Db) -> Result<BTreeMap<String, Vec<String>>, BackupError> {
    let mut c = db.conn().await?;
    let mut out = BTreeMap::new();
    for t in dump::tables(&mut c.ex()).await? {
        let mut lines = Vec::new();
        let mut offset = 0;
        let mut last: Option<Vec<Value>> = None;
        loop {
            let page = dump::page_after(&mut c.ex(), &t, last.as_deref(), offset, PAGE).await?;
            for r in &page {
                let obj: serde_json::Map<String, serde_json::Value> =
                    t.columns.iter().zip(r).map(|(c, v)| (c.name.clone(), value_to_json(v))).collect();
                lines.push(serde_json::Value::Object(obj).to_string());
            }
            offset += page.len() as i64;
            if (page.len() as i64) < PAGE {
                break;
            }
            last = page.into_iter().last();
        }
        lines.sort();
        out.insert(t.name, lines);
    }
    Ok(out)
}

/// The regulation's backup control (8.13 情報のバックアップ).
pub const BACKUP_CONTROL: &str = "8.13";

/// Records a finished backup as the completion of the organisation's backup duty (8.13) by the
/// user `login_id` (a real person: the duty's owner or someone who manages duties). The
/// occurrence completed is the earliest open one due from `today` to 31 days later of the
/// active 8.13 duty whose regulation sentence (else title) says バックアップ (else of any active
/// 8.13 duty); a missed
/// occurrence stays missed (a backup today does not make up for one). Its evidence is a summary
/// of the backup (counts and the manifest's SHA-256, which names the backup; not the manifest,
/// which lists every evidence file), and its note names the file.
#[allow(clippy::too_many_arguments)]
pub async fn complete_duty(
    db: &Db,
    store: &crate::evidence::EvidenceStore,
    org_slug: Option<&str>,
    login_id: &str,
    done: &BackupDone,
    file_name: &str,
    today: jiff::civil::Date,
    now: i64,
) -> Result<mamori_store::rows::OccurrenceRow, AppError> {
    use mamori_domain::permission::Grants;
    use mamori_store::rows;
    let org = crate::org::resolve(db, org_slug).await?;
    let actor = {
        let mut c = db.conn().await?;
        let key = mamori_domain::password::normalise_login(login_id);
        let user = rows::user_by_login(&mut c.ex(), &org.id, &key)
            .await?
            .ok_or_else(|| AppError::Blocked(format!("no user {login_id:?} in the organisation {}", org.slug)))?;
        if user.locked != 0 || user.disabled != 0 {
            return Err(AppError::Blocked(format!("the account {login_id:?} is locked or disabled")));
        }
        let roles = rows::user_roles(&mut c.ex(), &org.id, &user.id).await?;
        let perms = rows::user_permissions(&mut c.ex(), &org.id, &user.id).await?;
        crate::Actor {
            org_id: org.id.clone(),
            user_id: Some(user.id.clone()),
            label: user.login_id.clone(),
            grants: Grants::from_keys(perms.iter().map(String::as_str)),
            role_keys: roles.iter().map(|r| r.key.clone()).collect(),
        }
    };
    crate::duties::ensure_materialized(db, &org.id, today).await?;
    let occurrence = {
        let mut c = db.conn().await?;
        let all: Vec<rows::DutyRow> = rows::duties(&mut c.ex(), &org.id)
            .await?
            .into_iter()
            .filter(|d| d.active != 0 && d.control_id.as_deref() == Some(BACKUP_CONTROL))
            .collect();
        // The duty that takes the backup (its sentence says so: a title may name the backup of
        // another duty, e.g. 「バックアップの存在検査」), else any duty of the control.
        let says = |d: &rows::DutyRow| {
            let text = if d.source_text.starts_with("manual:") { &d.title } else { &d.source_text };
            text.contains("バックアップ")
        };
        let taking: Vec<String> = all.iter().filter(|d| says(d)).map(|d| d.id.clone()).collect();
        let duties: Vec<String> = if taking.is_empty() { all.iter().map(|d| d.id.clone()).collect() } else { taking };
        if duties.is_empty() {
            return Err(AppError::Blocked(format!(
                "the organisation {} has no active backup duty ({BACKUP_CONTROL})",
                org.slug
            )));
        }
        let from = today.to_string();
        let until = today.checked_add(jiff::Span::new().days(31)).unwrap_or(today);
        rows::open_occurrences_until(&mut c.ex(), &org.id, &until.to_string())
            .await?
            .into_iter()
            .find(|o| duties.contains(&o.duty_id) && o.due >= from)
            .ok_or_else(|| {
                AppError::Blocked(format!(
                    "no open occurrence of the backup duty ({BACKUP_CONTROL}) is due between {today} and {until}"
                ))
            })?
    };
    // The duty's evidence is a summary naming the backup by its manifest's SHA-256, not the
    // manifest itself: that lists every evidence file's SHA-256, and whoever may see the duty
    // may read its evidence.
    let summary = serde_json::json!({
        "backup": file_name,
        "created_at": done.manifest.created_at,
        "engine": done.manifest.engine,
        "schema_level": done.manifest.schema_level,
        "tables": done.manifest.tables.len(),
        "rows": done.manifest.tables.iter().map(|t| t.rows).sum::<i64>(),
        "evidence_files": done.manifest.evidence.len(),
        "manifest_sha256": done.manifest_sha256,
    });
    let bytes = serde_json::to_vec_pretty(&summary).map_err(|e| AppError::Internal(e.to_string()))?;
    let name = format!("mamori-backup-{}.json", done.manifest.created_at.replace(':', ""));
    let stored = crate::evidence::store_bytes(store, db, &actor, &name, &bytes, now).await?;
    let note = format!(
        "mamori backup {file_name}: {} tables, {} rows, {} evidence files; manifest SHA-256 {}",
        done.manifest.tables.len(),
        done.manifest.tables.iter().map(|t| t.rows).sum::<i64>(),
        done.manifest.evidence.len(),
        done.manifest_sha256
    );
    // A duty kept as rows of a register (8.13's バックアップ記録) is completed by its log entry.
    let duty = {
        let mut c = db.conn().await?;
        rows::duty(&mut c.ex(), &org.id, &occurrence.duty_id).await?.ok_or(AppError::NotFound)?
    };
    let record_ref = match (duty.evidence.as_str(), duty.register_key.as_deref()) {
        ("record", Some(key @ BACKUP_LOG)) => {
            let values = serde_json::json!({
                "performed_on": today.to_string(), "entry_kind": "バックアップ",
                "target": "mamori のデータベースと証拠ファイル", "performed_by": actor.label,
                "result": "成功", "notes": note,
            });
            let values = values.as_object().cloned().unwrap_or_default();
            let p = crate::registers::prepare_create(db, &actor, key, &values, None, now).await?;
            let mut tx = db.begin().await?;
            crate::registers::apply(&mut tx, &actor, &p, now).await?;
            tx.commit().await?;
            Some(format!("{key}/{}", p.row.id))
        }
        _ => None,
    };
    crate::duties::complete(
        db,
        &actor,
        &occurrence.id,
        crate::duties::Completion { note, evidence: vec![stored.sha256], record_ref, done_on: None },
        today,
        now,
    )
    .await
}

/// The register of backup runs (a fixed contract).
pub const BACKUP_LOG: &str = "backup_log";
