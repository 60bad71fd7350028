//! Microsoft 365 evidence: imports of audit-log, sign-in and account exports, kept beyond
//! Microsoft's retention, and the event search.
//!
//! An import recognises the file first (an unknown file stores nothing), keeps the file in the
//! evidence store with its SHA-256, then streams its records from a blocking parser thread
//! through a bounded channel into one transaction: events are de-duplicated by `AuditData.Id`
//! and never edited; rejected rows are counted with their line and reason.

use crate::{Actor, AppError, new_id};
use mamori_domain::permission::Permission;
pub use mamori_m365::detect::{Hit, Thresholds};
use mamori_m365::{Item, Rejected};
use mamori_store::Db;
use mamori_store::rows::{self, M365AccountRow, M365EventRow, M365ImportRow};
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
}

/// Largest file kept (gzip counts compressed).
const MAX_FILE: u64 = 8 * 1024 * 1024 * 1024;
/// Rejections kept in the import record.
const KEEP_REJECTIONS: usize = 200;
/// Events per stored batch (one multi-row INSERT and one raw-JSON segment).
const BATCH: usize = 512;
/// Day postings held before they are written.
const TERMS_HELD: usize = 20_000;

enum Msg {
    Batch(Batch),
    Account(mamori_m365::Account),
    Rejected(Rejected),
    Terms(Vec<(&'static str, String, String)>),
}

/// A batch of events prepared on the parser thread: its raw JSON already compressed as a
/// segment of every slot (used as is when every event is new).
struct Batch {
    events: Vec<mamori_m365::AuditRecord>,
    segment: Vec<u8>,
    first_at: String,
    last_at: String,
}

impl Batch {
    fn prepare(events: Vec<mamori_m365::AuditRecord>) -> Batch {
        let segment = mamori_m365::segment::encode(&events.iter().map(|e| e.raw.as_bytes()).collect::<Vec<_>>());
        let first_at = events.iter().map(|e| e.time.as_str()).min().unwrap_or("").to_string();
        let last_at = events.iter().map(|e| e.time.as_str()).max().unwrap_or("").to_string();
        Batch { events, segment, first_at, last_at }
    }
}

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
    let r = getrandom::u64().map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(i64::try_from(r >> 1).unwrap_or(i64::MAX))
}

/// Day postings of new events, written in batches (lookups borrow; only new postings
/// allocate).
#[derive(Default)]
struct Terms {
    /// Per kind: term → days.
    held: [std::collections::HashMap<String, std::collections::HashSet<String>>; 5],
    count: usize,
}

const TERM_KINDS: [&str; 5] =
    [rows::term::USER, rows::term::OPERATION, rows::term::IP, rows::term::WORKLOAD, rows::term::SIGN_IN];

impl Terms {
    fn put(&mut self, kind: usize, term: &str, day: &str) {
        if term.is_empty() {
            return;
        }
        let days = match self.held[kind].get_mut(term) {
            Some(d) => d,
            None => self.held[kind].entry(term.to_string()).or_default(),
        };
        if !days.contains(day) {
            days.insert(day.to_string());
            self.count += 1;
        }
    }

    fn add(&mut self, e: &mamori_m365::AuditRecord) {
        let day = e.time.get(..10).unwrap_or("");
        self.put(0, &e.user, day);
        self.put(1, &e.operation, day);
        self.put(2, &e.ip, day);
        self.put(3, &e.workload, day);
        if e.operation == "UserLoggedIn" {
            self.put(4, &e.user, day);
        }
    }

    fn take(&mut self) -> Vec<(&'static str, String, String)> {
        let mut list = Vec::with_capacity(self.count);
        for (k, map) in self.held.iter_mut().enumerate() {
            for (term, days) in map.drain() {
                for day in days {
                    list.push((TERM_KINDS[k], term.clone(), day));
                }
            }
        }
        self.count = 0;
        list
    }
}

/// Stores one batch: the new events and a segment with their raw JSON (the prepared one when
/// every event is new, else one of the new slots only). Returns how many were new.
async fn store_batch(tx: &mut mamori_store::Tx, org_id: &str, import_id: &str, batch: Batch) -> Result<u64, AppError> {
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
    store: &crate::evidence::EvidenceStore,
    path: &Path,
    now: i64,
) -> Result<ImportReport, AppError> {
    actor.require(Permission::SettingsManage)?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    // 1. Recognise it (nothing is stored for an unknown file).
    let probe = path.to_path_buf();
    let detected = tokio::task::spawn_blocking(move || -> Result<Option<mamori_m365::Format>, String> {
        let f = std::fs::File::open(&probe).map_err(|e| e.to_string())?;
        let mut r = mamori_m365::decode(f).map_err(|e| e.to_string())?;
        let mut line = String::new();
        while line.trim().is_empty() {
            line.clear();
            if r.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
                return Ok(None);
            }
        }
        Ok(mamori_m365::detect(&line))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Blocked(format!("{}: {e}", path.display())))?;
    if detected.is_none() {
        return Err(AppError::Blocked(format!(
            "{}: not a Microsoft 365 export (Purview audit CSV, Search-UnifiedAuditLog CSV, AuditData JSON, Entra sign-in CSV/JSON or admin center user export); nothing was stored",
            path.display()
        )));
    }
    // 2. The file is kept as evidence in the same pass as it is parsed (hashed and copied as
    // the parser reads it), and recorded in the import's transaction.
    let up = store.with_limit(MAX_FILE).begin_blocking(actor).await?;
    // 3. Stream the records into one transaction.
    let (tx_items, mut rx) = tokio::sync::mpsc::channel::<Msg>(16);
    let parse_path = path.to_path_buf();
    // The parser thread also packs each batch, compresses its raw JSON and collects the day
    // postings (a duplicate's postings already exist, so they are harmless), leaving the
    // database calls alone on this side.
    let parser = tokio::task::spawn_blocking(move || {
        let mut up = up;
        let result = parse_into(&parse_path, &mut up, tx_items);
        (result, up)
    });
    fn parse_into(
        path: &Path,
        up: &mut crate::evidence::BlockingUpload,
        tx_items: tokio::sync::mpsc::Sender<Msg>,
    ) -> Result<mamori_m365::Format, String> {
        let mut f = std::fs::File::open(path).map_err(|e| e.to_string())?;
        let format = parse_from(crate::evidence::TeeReader::new(&mut f, up), &tx_items);
        if tx_items.is_closed() {
            return format;
        }
        // Keep the whole file even when the parser stopped early.
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = std::io::Read::read(&mut f, &mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            up.write(&buf[..n]).map_err(|e| e.to_string())?;
        }
        format
    }
    fn parse_from(
        input: impl std::io::Read,
        tx_items: &tokio::sync::mpsc::Sender<Msg>,
    ) -> Result<mamori_m365::Format, String> {
        /// Ends the read once the store side has gone (it failed), instead of parsing the
        /// rest of the file for nobody.
        struct UntilClosed<'a, R>(R, &'a tokio::sync::mpsc::Sender<Msg>);
        impl<R: std::io::Read> std::io::Read for UntilClosed<'_, R> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.1.is_closed() {
                    return Err(std::io::Error::other("the import stopped"));
                }
                self.0.read(buf)
            }
        }
        let input = mamori_m365::decode(UntilClosed(input, tx_items)).map_err(|e| e.to_string())?;
        struct State {
            events: Vec<mamori_m365::AuditRecord>,
            terms: Terms,
        }
        let state = std::cell::RefCell::new(State { events: Vec::with_capacity(BATCH), terms: Terms::default() });
        let send = |m: Msg| {
            let _ = tx_items.blocking_send(m);
        };
        let flush = |st: &mut State| {
            if !st.events.is_empty() {
                let events = std::mem::replace(&mut st.events, Vec::with_capacity(BATCH));
                send(Msg::Batch(Batch::prepare(events)));
            }
            if st.terms.count >= TERMS_HELD {
                send(Msg::Terms(st.terms.take()));
            }
        };
        let format = mamori_m365::read(
            input,
            |i| match i {
                Item::Event(e) => {
                    let mut st = state.borrow_mut();
                    st.terms.add(&e);
                    st.events.push(e);
                    if st.events.len() >= BATCH {
                        flush(&mut st);
                    }
                }
                Item::Account(a) => send(Msg::Account(a)),
            },
            |r| send(Msg::Rejected(r)),
        );
        let mut st = state.into_inner();
        flush(&mut st);
        send(Msg::Terms(st.terms.take()));
        format.map_err(|e| e.to_string())
    }
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
    };
    let mut earliest: Option<String> = None;
    // One bulk transaction; its WAL checkpoint runs afterwards, alongside the detections.
    let bulk = db.bulk().await?;
    let mut tx = bulk.as_ref().unwrap_or(db).begin().await?;
    // The records; on a database error the parser is stopped (its channel closes) and the
    // evidence copy it was writing is removed.
    let stored = async {
        while let Some(m) = rx.recv().await {
            match m {
                Msg::Batch(b) => {
                    let n = b.events.len() as u64;
                    report.read += n;
                    if earliest.as_ref().is_none_or(|x| b.first_at < *x) {
                        earliest = Some(b.first_at.clone());
                    }
                    let new = store_batch(&mut tx, &actor.org_id, &import_id, b).await?;
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
                            import_id: import_id.clone(),
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
        Ok::<(), AppError>(())
    }
    .await;
    drop(rx);
    let (format, up) = parser.await.map_err(|e| AppError::Internal(e.to_string()))?;
    if let Err(e) = stored {
        up.abandon();
        return Err(e);
    }
    let format = match format {
        Ok(f) => f,
        Err(e) => {
            up.abandon();
            return Err(AppError::Blocked(format!("{}: {e}", path.display())));
        }
    };
    let kept = up.finish_in(&mut tx, actor, &name, Some("application/octet-stream"), now).await?;
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
        &mut tx,
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
    tx.commit().await?;
    if let Some(b) = bulk {
        b.close().await;
    }
    let detect = async {
        if report.new > 0 && format != mamori_m365::Format::AdminUsersCsv {
            // Detections over the period the file covers (a day's margin for windows).
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
    detected?;
    Ok(report)
}

/// Filters of the event search (empty = any; dates inclusive, `YYYY-MM-DD`).
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// User (compared lower-case).
    pub user: String,
    /// Operation.
    pub operation: String,
    /// Client IP.
    pub ip: String,
    /// Workload.
    pub workload: String,
    /// First day (UTC).
    pub from: String,
    /// Last day (UTC).
    pub to: String,
    /// At most this many.
    pub limit: i64,
}

/// Fills the events' raw JSON from their segments.
async fn fill_raw(c: &mut mamori_store::Conn, org_id: &str, events: &mut [M365EventRow]) -> Result<(), AppError> {
    let mut ids: Vec<i64> = events.iter().map(|e| e.seg).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut segments = std::collections::HashMap::new();
    for chunk in ids.chunks(64) {
        for s in rows::m365_segments(&mut c.ex(), org_id, chunk).await? {
            segments.insert(s.id, s);
        }
        for e in events.iter_mut().filter(|e| chunk.contains(&e.seg)) {
            let Some(s) = segments.get(&e.seg) else { continue };
            e.raw = match s.codec.as_str() {
                "json" => String::from_utf8_lossy(&s.data).into_owned(),
                _ => mamori_m365::segment::Segment::decode(&s.data)
                    .map_err(|err| AppError::Internal(format!("segment {}: {err}", s.id)))?
                    .get(usize::try_from(e.slot).unwrap_or(usize::MAX))
                    .unwrap_or("")
                    .to_string(),
            };
        }
        segments.clear();
    }
    Ok(())
}

/// Stored events matching the query, oldest first, with their raw JSON. A query naming a user,
/// operation, IP or workload visits only the days on which it occurs (the day postings).
pub async fn events(db: &Db, actor: &Actor, q: &EventQuery) -> Result<Vec<M365EventRow>, AppError> {
    actor.require(Permission::AuditView)?;
    let user = q.user.trim().to_lowercase();
    let operation = q.operation.trim().trim_end_matches('.').to_string();
    let f = rows::M365Filter { user: &user, operation: &operation, ip: q.ip.trim(), workload: q.workload.trim() };
    let from = if q.from.is_empty() { "0000".to_string() } else { q.from.clone() };
    let to = if q.to.is_empty() { "9999".to_string() } else { format!("{}T99", q.to) };
    let limit = if q.limit <= 0 { 1000 } else { q.limit };
    let mut c = db.conn().await?;
    // The most selective named term decides the days to visit.
    let term = [
        (rows::term::IP, f.ip),
        (rows::term::USER, f.user),
        (rows::term::OPERATION, f.operation),
        (rows::term::WORKLOAD, f.workload),
    ]
    .into_iter()
    .find(|(_, v)| !v.is_empty());
    let mut out = Vec::new();
    match term {
        None => out = rows::m365_events_range(&mut c.ex(), &actor.org_id, f, &from, &to, limit).await?,
        Some((kind, value)) => {
            let days = rows::m365_term_days(
                &mut c.ex(),
                &actor.org_id,
                kind,
                value,
                from.get(..10).unwrap_or("0000"),
                to.get(..10).unwrap_or("9999"),
            )
            .await?;
            for day in days {
                let lo = std::cmp::max(from.clone(), format!("{day}T00"));
                let hi = std::cmp::min(to.clone(), format!("{day}T99"));
                let left = limit - out.len() as i64;
                if left <= 0 {
                    break;
                }
                out.extend(rows::m365_events_range(&mut c.ex(), &actor.org_id, f, &lo, &hi, left).await?);
            }
        }
    }
    fill_raw(&mut c, &actor.org_id, &mut out).await?;
    Ok(out)
}

/// An organisation's Microsoft 365 settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Detection thresholds.
    pub thresholds: mamori_m365::detect::Thresholds,
    /// Address blocks never flagged by the new-network rule (office, VPN).
    pub allow_list: Vec<String>,
    /// Days events are kept (None: forever).
    pub retention_days: Option<u32>,
}

/// Shortest retention accepted (Microsoft itself keeps 180 days; a shorter setting would
/// defeat keeping the log as evidence).
pub const MIN_RETENTION_DAYS: u32 = 180;

impl Settings {
    fn allow(&self) -> Vec<mamori_m365::detect::Cidr> {
        self.allow_list.iter().filter_map(|s| mamori_m365::detect::Cidr::parse(s).ok()).collect()
    }
}

/// The organisation's settings (defaults when never saved).
pub async fn settings(db: &Db, actor: &Actor) -> Result<Settings, AppError> {
    actor.require(Permission::AuditView)?;
    let mut c = db.conn().await?;
    Ok(rows::m365_settings(&mut c.ex(), &actor.org_id)
        .await?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

/// Saves the settings (administrators); audited with the values before and after.
pub async fn save_settings(db: &Db, actor: &Actor, new: &Settings, now: i64) -> Result<Settings, AppError> {
    actor.require(Permission::SettingsManage)?;
    let mut errors: Vec<(String, String)> =
        new.thresholds.invalid_fields().into_iter().map(|f| (f.to_string(), "field-out-of-range".into())).collect();
    if new.allow_list.iter().any(|s| mamori_m365::detect::Cidr::parse(s).is_err()) {
        errors.push(("allow_list".into(), "field-not-an-ip-block".into()));
    }
    if new.retention_days.is_some_and(|d| d < MIN_RETENTION_DAYS) {
        errors.push(("retention_days".into(), "field-retention-too-short".into()));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let before = settings(db, actor).await?;
    let to_json = |s: &Settings| serde_json::to_value(s).map_err(|e| AppError::Internal(e.to_string()));
    let mut tx = db.begin().await?;
    rows::put_m365_settings(&mut tx.ex(), &actor.org_id, &to_json(new)?.to_string(), &actor.label, now).await?;
    crate::audit::append(
        &mut tx,
        crate::audit::Entry::by(
            actor,
            mamori_domain::audit::AuditAction::Update,
            "m365_settings",
            Some(&actor.org_id),
            Some(to_json(&before)?),
            Some(to_json(new)?),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(new.clone())
}

/// Applies the retention setting: deletes events older than `retention_days` before `today`
/// (nothing when kept forever). The deletion is audited with what it removed.
pub async fn purge(
    db: &Db,
    actor: &Actor,
    today: jiff::civil::Date,
    now: i64,
) -> Result<Option<rows::M365Purged>, AppError> {
    actor.require(Permission::SettingsManage)?;
    let s = settings(db, actor).await?;
    let Some(days) = s.retention_days else { return Ok(None) };
    let cutoff = today
        .checked_sub(jiff::Span::new().days(i64::from(days)))
        .map_err(|e| AppError::Internal(e.to_string()))?
        .to_string();
    let cutoff_at = format!("{cutoff}T00:00:00");
    let mut tx = db.begin().await?;
    let purged = rows::purge_m365_before(&mut tx.ex(), &actor.org_id, &cutoff_at).await?;
    if purged != rows::M365Purged::default() {
        crate::audit::append(
            &mut tx,
            crate::audit::Entry::by(
                actor,
                mamori_domain::audit::AuditAction::Delete,
                "m365_event",
                None,
                None,
                Some(serde_json::json!({
                    "retention_days": days, "before": cutoff_at,
                    "events": purged.events, "segments": purged.segments, "postings": purged.terms,
                })),
            ),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Some(purged))
}

/// Events per page of the detection scan.
const SCAN_PAGE: i64 = 16384;

/// Runs the detections over the events since `since` (all when `None`) in time order,
/// handing hits to `sink` page by page; returns the networks learned for the baseline.
async fn scan(
    db: &Db,
    actor: &Actor,
    since: Option<jiff::civil::Date>,
    settings: &Settings,
    sink: &mut Sink,
) -> Result<(), AppError> {
    use mamori_m365::detect::{Detector, Event, NEEDS_RAW, OPERATIONS};
    let baseline = {
        let mut c = db.conn().await?;
        rows::m365_user_networks(&mut c.ex(), &actor.org_id).await?
    };
    let mut d = Detector::new(settings.thresholds, settings.allow(), baseline);
    // Pages are read by a task of their own, so the database prepares the next page while
    // the detector works through this one.
    type Page = Vec<(rows::M365ScanRow, String)>;
    let (pages_tx, mut pages) = tokio::sync::mpsc::channel::<Result<Page, AppError>>(2);
    let (fdb, org) = (db.clone(), actor.org_id.clone());
    let start = (since.map(|d| d.to_string()).unwrap_or_default(), String::new());
    let fetcher = tokio::spawn(async move {
        let read = async {
            let mut c = fdb.conn().await?;
            let mut after = start;
            loop {
                let page =
                    rows::m365_events_after(&mut c.ex(), &org, (&after.0, &after.1), &OPERATIONS, SCAN_PAGE).await?;
                let Some(last) = page.last() else { break };
                after = (last.0.clone(), last.1.clone());
                let full = page.len() as i64 == SCAN_PAGE;
                // The few operations whose rules read the raw JSON get it from their segments.
                let mut needs: Vec<M365EventRow> = page
                    .iter()
                    .filter(|e| NEEDS_RAW.contains(&e.2.as_str()))
                    .map(|e| M365EventRow {
                        org_id: org.clone(),
                        audit_id: e.1.clone(),
                        at: e.0.clone(),
                        operation: e.2.clone(),
                        user_id: e.3.clone(),
                        ip: e.4.clone(),
                        workload: String::new(),
                        record_type: 0,
                        result: String::new(),
                        seg: e.5,
                        slot: e.6,
                        raw: String::new(),
                    })
                    .collect();
                fill_raw(&mut c, &org, &mut needs).await?;
                let mut raw_of: std::collections::HashMap<(String, String), String> =
                    needs.into_iter().map(|e| ((e.at, e.audit_id), e.raw)).collect();
                let page: Page = page
                    .into_iter()
                    .map(|e| {
                        let raw = if raw_of.is_empty() {
                            String::new()
                        } else {
                            raw_of.remove(&(e.0.clone(), e.1.clone())).unwrap_or_default()
                        };
                        (e, raw)
                    })
                    .collect();
                if pages_tx.send(Ok(page)).await.is_err() || !full {
                    break;
                }
            }
            Ok::<(), AppError>(())
        };
        if let Err(e) = read.await {
            let _ = pages_tx.send(Err(e)).await;
        }
    });
    while let Some(page) = pages.recv().await {
        for (e, raw) in &page? {
            d.push(&Event { id: &e.1, time: &e.0, operation: &e.2, user: &e.3, ip: &e.4, raw });
        }
        sink.take(db, actor, d.drain()).await?;
    }
    fetcher.await.map_err(|e| AppError::Internal(e.to_string()))?;
    let (rest, learned) = d.finish();
    sink.take(db, actor, rest).await?;
    if !learned.is_empty() {
        let mut tx = db.begin().await?;
        rows::upsert_m365_user_networks(&mut tx.ex(), &actor.org_id, &learned).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Where detection hits go.
enum Sink {
    /// Kept (for the CLI and tests).
    Collect(Vec<mamori_m365::detect::Hit>),
    /// Recorded as findings at `now`; counts the new ones.
    Record { now: i64, added: usize },
}

impl Sink {
    async fn take(&mut self, db: &Db, actor: &Actor, hits: Vec<mamori_m365::detect::Hit>) -> Result<(), AppError> {
        if hits.is_empty() {
            return Ok(());
        }
        match self {
            Sink::Collect(all) => all.extend(hits),
            Sink::Record { now, added } => {
                let mut tx = db.begin().await?;
                for h in hits {
                    let f = rows::M365FindingRow {
                        id: new_id(),
                        org_id: actor.org_id.clone(),
                        rule: h.rule.to_string(),
                        subject: h.user,
                        first_seen: h.first_seen,
                        last_seen: h.last_seen,
                        event_count: i64::try_from(h.count).unwrap_or(i64::MAX),
                        event_ids_json: serde_json::to_string(&h.event_ids).unwrap_or_else(|_| "[]".into()),
                        state: "new".into(),
                        reason: None,
                        decided_by: None,
                        decided_at: None,
                        incident_id: None,
                        created_at: *now,
                    };
                    if rows::insert_m365_finding(&mut tx.ex(), &f).await? {
                        *added += 1;
                    }
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

/// Runs the detections ([`mamori_m365::detect`]) over the events since `since` (all when
/// `None`) with the organisation's settings; hits sorted by first time, rule and subject.
pub async fn detect(
    db: &Db,
    actor: &Actor,
    since: Option<jiff::civil::Date>,
) -> Result<Vec<mamori_m365::detect::Hit>, AppError> {
    actor.require(Permission::AuditView)?;
    let s = settings(db, actor).await?;
    let mut sink = Sink::Collect(Vec::new());
    scan(db, actor, since, &s, &mut sink).await?;
    let Sink::Collect(mut out) = sink else { return Ok(Vec::new()) };
    out.sort_by(|a, b| (&a.first_seen, a.rule, &a.user).cmp(&(&b.first_seen, b.rule, &b.user)));
    Ok(out)
}

/// Runs the detections since `since` and records new findings; returns how many were new.
pub async fn refresh_findings(
    db: &Db,
    actor: &Actor,
    since: Option<jiff::civil::Date>,
    now: i64,
) -> Result<usize, AppError> {
    actor.require(Permission::AuditView)?;
    let s = settings(db, actor).await?;
    let mut sink = Sink::Record { now, added: 0 };
    scan(db, actor, since, &s, &mut sink).await?;
    Ok(match sink {
        Sink::Record { added, .. } => added,
        Sink::Collect(_) => 0,
    })
}

/// The findings inbox, newest first.
pub async fn findings(db: &Db, actor: &Actor) -> Result<Vec<rows::M365FindingRow>, AppError> {
    actor.require(Permission::AuditView)?;
    let mut c = db.conn().await?;
    Ok(rows::m365_findings(&mut c.ex(), &actor.org_id).await?)
}

fn may_decide(actor: &Actor) -> bool {
    actor.grants.has(Permission::SettingsManage)
        || actor.role_keys.iter().any(|r| r == mamori_domain::permission::ROLE_SECURITY_MANAGER)
}

/// Confirms (optionally opening an incident) or dismisses a new finding, with a reason.
pub async fn decide_finding(
    db: &Db,
    actor: &Actor,
    id: &str,
    confirm: bool,
    reason: &str,
    open_incident: bool,
    now: i64,
) -> Result<rows::M365FindingRow, AppError> {
    if !may_decide(actor) {
        return Err(AppError::Forbidden);
    }
    if reason.trim().is_empty() {
        return Err(AppError::Validation(vec![("reason".into(), "field-required".into())]));
    }
    let before = findings(db, actor).await?.into_iter().find(|f| f.id == id).ok_or(AppError::NotFound)?;
    if before.state != "new" {
        return Err(AppError::Conflict);
    }
    let incident_id = if confirm && open_incident {
        let title = format!("Microsoft 365: {} {}", before.rule, before.subject);
        let description = format!(
            "{}\n{} – {} ({} events)\n{}",
            reason.trim(),
            before.first_seen,
            before.last_seen,
            before.event_count,
            before.event_ids_json
        );
        Some(crate::incidents::report(db, actor, &title, &description, &before.first_seen, now).await?.id)
    } else {
        None
    };
    let after = rows::M365FindingRow {
        state: if confirm { "confirmed" } else { "dismissed" }.into(),
        reason: Some(reason.trim().to_string()),
        decided_by: Some(actor.label.clone()),
        decided_at: Some(now),
        incident_id,
        ..before.clone()
    };
    let mut tx = db.begin().await?;
    if rows::decide_m365_finding(&mut tx.ex(), &after).await? == 0 {
        return Err(AppError::Conflict);
    }
    crate::audit::append(
        &mut tx,
        crate::audit::Entry::by(
            actor,
            mamori_domain::audit::AuditAction::Update,
            "m365_finding",
            Some(id),
            Some(serde_json::json!({"state": before.state})),
            Some(serde_json::json!({"state": after.state, "reason": after.reason, "incident": after.incident_id})),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Decisions a reviewer may record for an account.
pub const REVIEW_DECISIONS: [&str; 4] = ["keep", "disable", "delete", "register"];

/// One account of the yearly access-rights review.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewLine {
    /// The reconciled account.
    #[serde(flatten)]
    pub account: mamori_m365::reconcile::Reconciled,
    /// The reviewer's decision this fiscal year, if any.
    pub decision: Option<rows::M365ReviewRow>,
}

/// The access-rights review of the fiscal year of `today`: the latest admin center export
/// against the organisation's people (leavers: a disabled mamori account, or a row of the
/// leaver checklist whose leaving date has passed), administrator-role grants in the audit log
/// against privileged-ID requests, and sign-ins older than `unused_days`.
pub async fn review(
    db: &Db,
    actor: &Actor,
    today: jiff::civil::Date,
    unused_days: i64,
) -> Result<Vec<ReviewLine>, AppError> {
    use mamori_m365::reconcile::{AccountIn, PersonIn, reconcile};
    use std::collections::{BTreeMap, BTreeSet};
    actor.require(Permission::AuditView)?;
    let year = i64::from(mamori_domain::schedule::fiscal_year(today, 4));
    let today_s = today.to_string();
    let privileged: BTreeSet<String> = events(
        db,
        actor,
        &EventQuery { operation: "Add member to role".into(), limit: i64::MAX, ..Default::default() },
    )
    .await?
    .iter()
    .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.raw).ok())
    .filter_map(|v| v.get("ObjectId").and_then(|o| o.as_str()).map(str::to_lowercase))
    .filter(|o| o.contains('@'))
    .collect();
    let mut c = db.conn().await?;
    let accounts: Vec<AccountIn> = rows::m365_accounts(&mut c.ex(), &actor.org_id)
        .await?
        .into_iter()
        .map(|a| AccountIn {
            upn: a.upn,
            display_name: a.display_name,
            blocked: a.blocked != 0,
            deleted: !a.deleted.is_empty(),
        })
        .collect();
    let users = rows::list_users(&mut c.ex(), &actor.org_id).await?;
    let mut leavers: BTreeSet<String> = BTreeSet::new();
    for r in rows::register_rows_all(&mut c.ex(), &actor.org_id, "leaver_checklist", false).await? {
        let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&r.values_json).unwrap_or_default();
        let person = v.get("person").and_then(|p| p.as_str()).unwrap_or("");
        let date = v.get("leave_date").and_then(|p| p.as_str()).unwrap_or("");
        if !date.is_empty() && date <= today_s.as_str() {
            leavers.insert(person.to_string());
        }
    }
    let people: Vec<PersonIn> = users
        .iter()
        .map(|u| PersonIn {
            email: u.email.to_lowercase(),
            left: u.disabled != 0 || leavers.contains(&u.login_id) || leavers.contains(&u.display_name),
        })
        .collect();
    let last: BTreeMap<String, String> =
        rows::m365_last_sign_in(&mut c.ex(), &actor.org_id).await?.into_iter().collect();
    let registered: BTreeSet<String> = rows::requests(&mut c.ex(), &actor.org_id)
        .await?
        .iter()
        .filter(|r| r.type_key == "privileged_id" && r.state == "completed")
        .filter_map(|r| serde_json::from_str::<serde_json::Value>(&r.fields_json).ok())
        .filter_map(|v| v.get("account").and_then(|a| a.as_str()).map(|a| a.trim().to_lowercase()))
        .collect();
    let decisions = rows::m365_reviews(&mut c.ex(), &actor.org_id, year).await?;
    let cutoff = today
        .checked_sub(jiff::Span::new().days(unused_days))
        .map_err(|e| AppError::Internal(e.to_string()))?
        .to_string();
    Ok(reconcile(&accounts, &people, &last, &privileged, &registered, &cutoff)
        .into_iter()
        .map(|a| {
            let decision = decisions.iter().find(|d| d.upn == a.upn).cloned();
            ReviewLine { account: a, decision }
        })
        .collect())
}

/// Records the reviewer's decision on an account for the fiscal year of `today`.
pub async fn decide_account(
    db: &Db,
    actor: &Actor,
    upn: &str,
    decision: &str,
    note: &str,
    today: jiff::civil::Date,
    now: i64,
) -> Result<rows::M365ReviewRow, AppError> {
    if !may_decide(actor) {
        return Err(AppError::Forbidden);
    }
    if !REVIEW_DECISIONS.contains(&decision) {
        return Err(AppError::Validation(vec![("decision".into(), "field-not-a-choice".into())]));
    }
    let line =
        review(db, actor, today, 90).await?.into_iter().find(|l| l.account.upn == upn).ok_or(AppError::NotFound)?;
    let row = rows::M365ReviewRow {
        org_id: actor.org_id.clone(),
        year: i64::from(mamori_domain::schedule::fiscal_year(today, 4)),
        upn: upn.to_string(),
        decision: decision.to_string(),
        note: note.trim().to_string(),
        flags: line.account.flags.join(","),
        decided_by: actor.label.clone(),
        decided_at: now,
    };
    let mut tx = db.begin().await?;
    rows::upsert_m365_review(&mut tx.ex(), &row).await?;
    crate::audit::append(
        &mut tx,
        crate::audit::Entry::by(
            actor,
            mamori_domain::audit::AuditAction::Update,
            "m365_review",
            Some(upn),
            None,
            Some(serde_json::to_value(&row).map_err(|e| AppError::Internal(e.to_string()))?),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// The organisation's imports so far, newest first.
pub async fn imports(db: &Db, actor: &Actor) -> Result<Vec<M365ImportRow>, AppError> {
    actor.require(Permission::AuditView)?;
    let mut c = db.conn().await?;
    Ok(rows::m365_imports(&mut c.ex(), &actor.org_id).await?)
}
