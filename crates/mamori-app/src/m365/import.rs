//! The Microsoft 365 import pipeline: recognise the file (an unknown file stores nothing),
//! start the parser thread, run the store loop (the only side that talks to the database,
//! in one bulk transaction), finish with the evidence, import and audit rows, then run the
//! WAL checkpoint and the detections side by side.

use super::parser::{self, Batch, Msg};
use super::scan::refresh_findings;
use crate::error::internal;
use crate::evidence::{BlockingUpload, EvidenceStore};
use crate::{Actor, AppError, new_id};
use mamori_domain::permission::Permission;
use mamori_m365::Format;
use mamori_store::rows::{self, M365AccountRow, M365ImportRow};
use mamori_store::{Db, Tx};
use serde::Serialize;
use std::io::BufRead;
use std::path::Path;

/// What one import did (the contract's fields, plus the rejected rows' reasons).
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// The file as given.
    pub path: String,
    /// Format key.
    pub format: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Records read.
    pub read: u64,
    /// New records stored.
    pub new: u64,
    /// Records already stored (earlier imports or the same file).
    pub duplicate: u64,
    /// Rejected rows.
    pub rejected: u64,
    /// The first rejected rows: line and reason.
    pub rejections: Vec<(u64, String)>,
    /// Where the time went (for the log and the benchmark; not shown to users).
    #[serde(skip)]
    pub phases: Phases,
}

/// The wall time of each phase of an import.
#[derive(Debug, Clone, Copy, Default)]
pub struct Phases {
    /// Parsing and storing, side by side, up to the last batch stored.
    pub parse_store: std::time::Duration,
    /// The evidence, import and audit rows and the commit.
    pub commit: std::time::Duration,
    /// The WAL checkpoint and the detections, side by side.
    pub checkpoint_detect: std::time::Duration,
    /// The leavers' Microsoft 365 confirmation.
    pub leavers: std::time::Duration,
}

/// Largest file kept (gzip counts compressed).
const MAX_FILE: u64 = 8 * 1024 * 1024 * 1024;
/// Rejections kept in the import record.
const KEEP_REJECTIONS: usize = 200;

fn new_event(e: &mamori_m365::AuditRecord) -> rows::NewM365Event<'_> {
    rows::NewM365Event {
        at: &e.time,
        audit_id: &e.id,
        operation: &e.operation,
        user_id: &e.user,
        ip: &e.ip,
        workload: &e.workload,
        record_type: e.record_type,
        result: &e.result,
    }
}

/// A random positive segment id.
fn segment_id() -> Result<i64, AppError> {
    let r = getrandom::u64().map_err(internal)?;
    Ok(i64::try_from(r >> 1).unwrap_or(i64::MAX))
}
/// Stores one batch: the new events and a segment with their raw JSON (the prepared one when
/// every event is new, else one of the new slots only). Returns how many were new.
async fn store_batch(tx: &mut Tx, org_id: &str, import_id: &str, batch: Batch) -> Result<u64, AppError> {
    if batch.events.is_empty() {
        return Ok(0);
    }
    let seg = segment_id()?;
    let n = batch.events.len();
    let rows_in: Vec<rows::NewM365Event<'_>> = batch.events.iter().map(new_event).collect();
    let new_slots = rows::insert_m365_events(&mut tx.ex(), org_id, seg, &rows_in).await?;
    drop(rows_in);
    if new_slots.is_empty() {
        return Ok(0);
    }
    let (data, first_at, last_at) = if new_slots.len() == n {
        (batch.segment, batch.first_at, batch.last_at)
    } else {
        let mut entries: Vec<&[u8]> = vec![&[]; n];
        let (mut first, mut last) = (None::<&str>, None::<&str>);
        for &slot in &new_slots {
            let Some(e) = usize::try_from(slot).ok().and_then(|i| batch.events.get(i)) else { continue };
            entries[slot as usize] = e.raw.as_bytes();
            first = Some(first.map_or(e.time.as_str(), |f| f.min(e.time.as_str())));
            last = Some(last.map_or(e.time.as_str(), |l| l.max(e.time.as_str())));
        }
        (mamori_m365::segment::encode(&entries), first.unwrap_or("").to_string(), last.unwrap_or("").to_string())
    };
    rows::insert_m365_segment(
        &mut tx.ex(),
        &rows::M365SegmentRow {
            org_id: org_id.to_string(),
            id: seg,
            import_id: import_id.to_string(),
            codec: "lz4".into(),
            entries: n as i64,
            first_at,
            last_at,
            data,
        },
    )
    .await?;
    Ok(new_slots.len() as u64)
}

/// Imports one export file. Needs settings.manage (administrators).
pub async fn import_file(
    db: &Db,
    actor: &Actor,
    store: &EvidenceStore,
    path: &Path,
    now: i64,
) -> Result<ImportReport, AppError> {
    actor.require(Permission::SettingsManage)?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    recognise(path).await?;
    // The file is kept as evidence in the same pass as it is parsed (hashed and copied as the
    // parser reads it), and recorded in the import's transaction.
    let up = store.with_limit(MAX_FILE).begin_blocking(actor).await?;
    let (tx_items, rx) = tokio::sync::mpsc::channel::<Msg>(16);
    let parser = parser::spawn(path.to_path_buf(), up, tx_items);
    let import_id = new_id();
    let mut report = ImportReport {
        path: path.display().to_string(),
        format: String::new(),
        sha256: String::new(),
        read: 0,
        new: 0,
        duplicate: 0,
        rejected: 0,
        rejections: Vec::new(),
        phases: Phases::default(),
    };
    let started = std::time::Instant::now();
    // One bulk transaction; its WAL checkpoint runs afterwards, alongside the detections.
    let bulk = db.bulk().await?;
    let mut tx = bulk.as_ref().unwrap_or(db).begin().await?;
    // The records; on a database error the parser is stopped (the receiver is gone, so its
    // channel closes) and the evidence copy it was writing is removed.
    let stored = store_loop(&mut tx, actor, &import_id, rx, &mut report).await;
    let (format, up) = parser.await.map_err(internal)?;
    let earliest = match stored {
        Ok(earliest) => earliest,
        Err(e) => {
            up.abandon();
            return Err(e);
        }
    };
    let format = match format {
        Ok(f) => f,
        Err(e) => {
            up.abandon();
            return Err(read_failed(path, e));
        }
    };
    let mut lap = {
        let mut last = std::time::Instant::now();
        report.phases.parse_store = last - started;
        move || {
            let t = std::time::Instant::now();
            let d = t - last;
            last = t;
            d
        }
    };
    finish(&mut tx, actor, up, name, import_id, format, &mut report, now).await?;
    tx.commit().await?;
    if let Some(b) = bulk {
        b.close().await;
    }
    report.phases.commit = lap();
    after_commit(db, actor, &report, format, earliest, now).await?;
    report.phases.checkpoint_detect = lap();
    // The leavers' checklists: the Microsoft 365 account confirmed disabled, or flagged.
    crate::people::leaver_sync::confirm_m365(db, &actor.org_id, crate::tokyo_date(now), now).await?;
    report.phases.leavers = lap();
    tracing::debug!(phases = ?report.phases, read = report.read, "m365 import");
    Ok(report)
}

/// A file that could not be read: a broken cap is `TooLarge` naming it (413 on the page and
/// the API, exit 2 naming it in the CLI); anything else refuses the file as it is.
fn read_failed(path: &Path, e: mamori_m365::Error) -> AppError {
    use mamori_m365::Limit;
    let file = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    const MB: u64 = 1024 * 1024;
    match e {
        mamori_m365::Error::Limit(l) => {
            let (key, limit) = match l {
                Limit::ExpandedBytes(b) => ("limit-expanded-mb", b / MB),
                Limit::LineBytes { limit, .. } => ("limit-line-mb", limit / MB),
                Limit::RecordBytes { limit, .. } => ("limit-record-mb", limit / MB),
                Limit::Records(n) => ("limit-records", n),
            };
            AppError::TooLarge { file, key, limit, detail: l.to_string() }
        }
        other => AppError::Blocked(format!("{}: {other}", path.display())),
    }
}

/// Step 1: recognises the file by its first non-blank line; an unknown file is refused
/// before anything is stored.
async fn recognise(path: &Path) -> Result<Format, AppError> {
    let probe = path.to_path_buf();
    let recognised = tokio::task::spawn_blocking(move || -> Result<Option<Format>, mamori_m365::Error> {
        let f = std::fs::File::open(&probe)?;
        let mut r = mamori_m365::decode(f)?;
        let mut line = String::new();
        while line.trim().is_empty() {
            line.clear();
            if r.read_line(&mut line)? == 0 {
                return Ok(None);
            }
        }
        Ok(mamori_m365::recognise(&line))
    })
    .await
    .map_err(internal)?
    .map_err(|e| read_failed(path, e))?;
    recognised.ok_or_else(|| {
        AppError::Blocked(format!(
            "{}: not a Microsoft 365 export (Purview audit CSV, Search-UnifiedAuditLog CSV, AuditData JSON, Entra sign-in CSV/JSON or admin center user export); nothing was stored",
            path.display()
        ))
    })
}

/// Step 3: the store loop. Writes what the parser thread sends until it is done, counting into
/// `report`; returns the earliest event time seen. Dropping `rx` on return (also on an error)
/// stops the parser.
async fn store_loop(
    tx: &mut Tx,
    actor: &Actor,
    import_id: &str,
    mut rx: tokio::sync::mpsc::Receiver<Msg>,
    report: &mut ImportReport,
) -> Result<Option<String>, AppError> {
    let mut earliest: Option<String> = None;
    while let Some(m) = rx.recv().await {
        match m {
            Msg::Batch(b) => {
                let n = b.events.len() as u64;
                report.read += n;
                if earliest.as_ref().is_none_or(|x| b.first_at < *x) {
                    earliest = Some(b.first_at.clone());
                }
                let new = store_batch(tx, &actor.org_id, import_id, b).await?;
                report.new += new;
                report.duplicate += n - new;
            }
            Msg::Account(a) => {
                report.read += 1;
                report.new += 1;
                rows::upsert_m365_account(
                    &mut tx.ex(),
                    &M365AccountRow {
                        org_id: actor.org_id.clone(),
                        upn: a.upn,
                        display_name: a.display_name,
                        blocked: i64::from(a.blocked),
                        licenses: a.licenses,
                        created: a.created,
                        deleted: a.deleted,
                        import_id: import_id.to_string(),
                    },
                )
                .await?;
            }
            Msg::Rejected(r) => {
                report.rejected += 1;
                if report.rejections.len() < KEEP_REJECTIONS {
                    report.rejections.push((r.line, r.reason));
                }
            }
            Msg::Terms(list) => rows::insert_m365_terms(&mut tx.ex(), &actor.org_id, &list).await?,
        }
    }
    Ok(earliest)
}

/// Step 4: records the kept file, the import row and its audit row in the import's
/// transaction.
#[allow(clippy::too_many_arguments)]
async fn finish(
    tx: &mut Tx,
    actor: &Actor,
    up: BlockingUpload,
    name: String,
    import_id: String,
    format: Format,
    report: &mut ImportReport,
    now: i64,
) -> Result<(), AppError> {
    let kept = up.finish_in(tx, actor, &name, Some("application/octet-stream"), now).await?;
    report.sha256.clone_from(&kept.sha256);
    report.format = format.key().to_string();
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let record = M365ImportRow {
        id: import_id,
        org_id: actor.org_id.clone(),
        file_name: name,
        format: report.format.clone(),
        sha256: kept.sha256.clone(),
        size: kept.size,
        read_count: n(report.read),
        new_count: n(report.new),
        duplicate_count: n(report.duplicate),
        rejected_count: n(report.rejected),
        rejected_json: serde_json::to_string(
            &report.rejections.iter().map(|(l, r)| serde_json::json!({"line": l, "reason": r})).collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into()),
        imported_by: actor.label.clone(),
        imported_at: now,
    };
    rows::insert_m365_import(&mut tx.ex(), &record).await?;
    crate::audit::append(
        tx,
        crate::audit::Entry::by(
            actor,
            mamori_domain::audit::AuditAction::Create,
            "m365_import",
            Some(&record.id),
            None,
            Some(serde_json::json!({
                "file": record.file_name, "format": record.format, "sha256": record.sha256, "size": record.size,
                "read": record.read_count, "new": record.new_count, "duplicate": record.duplicate_count,
                "rejected": record.rejected_count,
            })),
        ),
        now,
    )
    .await?;
    Ok(())
}

/// Step 5, after the commit: the WAL checkpoint of the bulk connection and the detections over
/// the period the file covers (a day's margin for windows) run side by side; both are awaited.
async fn after_commit(
    db: &Db,
    actor: &Actor,
    report: &ImportReport,
    format: Format,
    earliest: Option<String>,
    now: i64,
) -> Result<(), AppError> {
    let detect = async {
        if report.new > 0 && format != Format::AdminUsersCsv {
            let since = earliest
                .as_deref()
                .and_then(|t| t.get(..10)?.parse::<jiff::civil::Date>().ok())
                .and_then(|d| d.yesterday().ok());
            refresh_findings(db, actor, since, now).await?;
        }
        Ok::<(), AppError>(())
    };
    let (checkpointed, detected) = tokio::join!(db.checkpoint(), detect);
    checkpointed?;
    detected
}

/// The organisation's imports so far, newest first.
pub async fn imports(db: &Db, actor: &Actor) -> Result<Vec<M365ImportRow>, AppError> {
    actor.require(Permission::AuditView)?;
    let mut c = db.conn().await?;
    Ok(rows::m365_imports(&mut c.ex(), &actor.org_id).await?)
}
