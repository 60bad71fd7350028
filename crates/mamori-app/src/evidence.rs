//! The evidence store: files are kept content-addressed by SHA-256, computed while the upload
//! streams to a temporary file, with a size limit and a type check by content (the client's
//! declared type is not trusted). The bytes live under the evidence directory
//! (`ab/abcdef…`); `evidence_file` records the name, size, type, uploader and time.

use crate::{Actor, AppError};
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::{self, EvidenceRow};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// Where evidence files live and how large they may be.
#[derive(Debug, Clone)]
pub struct EvidenceStore {
    /// Directory of the content-addressed files.
    pub dir: PathBuf,
    /// Largest accepted file.
    pub max_bytes: u64,
}

impl EvidenceStore {
    /// The refusal of `file` for `key` (its kind, empty, over the size limit), naming the
    /// store's size limit in megabytes for the message.
    pub fn refused(&self, file: String, key: &'static str) -> AppError {
        AppError::FileRefused { file, key, limit: self.max_bytes.div_ceil(1024 * 1024) }
    }
}

/// What every kind of upload accounts for: the temporary file, the running hash, the size
/// and the first bytes (for the type check).
struct Parts {
    store: EvidenceStore,
    temp: PathBuf,
    /// Removes the temporary file when the upload is dropped unfinished (a client that went
    /// away mid-upload, a refused file); after a successful seal the file has moved and this
    /// finds nothing to remove.
    _cleanup: RemoveOnDrop,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
}

impl Parts {
    /// Counts, hashes and keeps the head of a chunk; refuses files over the limit.
    fn account(&mut self, chunk: &[u8]) -> Result<(), AppError> {
        self.count(chunk)?;
        self.hasher.update(chunk);
        Ok(())
    }

    /// [`Parts::account`] without the hash (a [`BlockingUpload`] hashes on its writer thread).
    fn count(&mut self, chunk: &[u8]) -> Result<(), AppError> {
        self.size += chunk.len() as u64;
        if self.size > self.store.max_bytes {
            return Err(self.store.refused(String::new(), "evidence-refused-size"));
        }
        if self.head.len() < 512 {
            let take = (512 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        Ok(())
    }

    /// Checks the type and moves the file to its content address; the row to record.
    async fn seal(
        self,
        actor: &Actor,
        original_name: &str,
        known_type: Option<&'static str>,
        now: i64,
    ) -> Result<EvidenceRow, AppError> {
        let Some(content_type) = known_type.or_else(|| sniff(&self.head, original_name)) else {
            let _ = tokio::fs::remove_file(&self.temp).await;
            return Err(self.store.refused(original_name.to_string(), "evidence-refused-kind"));
        };
        if self.size == 0 {
            let _ = tokio::fs::remove_file(&self.temp).await;
            return Err(self.store.refused(original_name.to_string(), "evidence-refused-empty"));
        }
        let sha = mamori_domain::hex::encode(&self.hasher.finalize());
        let target = path_of(&self.store.dir, &sha);
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(io)?;
        }
        if tokio::fs::try_exists(&target).await.map_err(io)? {
            let _ = tokio::fs::remove_file(&self.temp).await;
        } else {
            tokio::fs::rename(&self.temp, &target).await.map_err(io)?;
        }
        Ok(EvidenceRow {
            org_id: actor.org_id.clone(),
            sha256: sha,
            size: i64::try_from(self.size).unwrap_or(i64::MAX),
            content_type: content_type.to_string(),
            original_name: original_name
                .chars()
                .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
                .take(200)
                .collect(),
            uploaded_by: actor.label.clone(),
            uploaded_at: now,
        })
    }
}

/// A temporary file or directory removed when this value is dropped, however the owner ends
/// (an error, or a request future dropped because its client disconnected).
#[derive(Debug)]
pub struct RemoveOnDrop(PathBuf);

impl RemoveOnDrop {
    /// Guards `path` (a file or a directory).
    pub fn new(path: PathBuf) -> Self {
        RemoveOnDrop(path)
    }

    /// The guarded path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        // One unlink (or a small temporary directory): cheap enough to do inline.
        if std::fs::remove_file(&self.0).is_err() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Records a sealed file in the caller's transaction (audited when new); the stored row.
async fn record(tx: &mut mamori_store::Tx, actor: &Actor, row: EvidenceRow, now: i64) -> Result<EvidenceRow, AppError> {
    if rows::insert_evidence(&mut tx.ex(), &row).await? {
        crate::audit::append(
            tx,
            crate::audit::Entry::by(
                actor,
                mamori_domain::audit::AuditAction::Create,
                "evidence",
                Some(&row.sha256),
                None,
                // No file name: a name can carry restricted content (incident evidence), and the
                // trail is read by roles without need-to-know; the name stays in evidence_file.
                Some(serde_json::json!({ "size": row.size, "type": row.content_type })),
            ),
            now,
        )
        .await?;
    }
    // A file stored before answers with this upload's own name and uploader: the first
    // uploader's name is not told to someone who may not read the records holding it.
    Ok(row)
}

/// An upload in progress.
pub struct Upload {
    parts: Parts,
    file: tokio::fs::File,
}

/// An upload written from a blocking thread, for an importer that reads the file anyway: the
/// bytes it reads through [`TeeReader`] are kept in the same pass. Hashing and writing the copy
/// happen on a writer thread of their own (blocks of [`COPY_BLOCK`] bytes, at most four in
/// flight), so that the reader's thread only parses.
pub struct BlockingUpload {
    parts: Parts,
    pending: Vec<u8>,
    to_writer: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    writer: tokio::task::JoinHandle<std::io::Result<Sha256>>,
}

/// Bytes handed to the writer thread at a time.
const COPY_BLOCK: usize = 1 << 20;

/// The writer thread's refusal when it has stopped (a write failed; its error is reported at
/// the end).
fn writer_gone() -> std::io::Error {
    std::io::Error::other("the evidence copy could not be written")
}

/// A reader that keeps what it reads in a [`BlockingUpload`].
pub struct TeeReader<'a, R> {
    inner: &'a mut R,
    up: &'a mut BlockingUpload,
}

impl<'a, R: std::io::Read> TeeReader<'a, R> {
    /// Reads `inner`, keeping every byte read in `up`.
    pub fn new(inner: &'a mut R, up: &'a mut BlockingUpload) -> Self {
        TeeReader { inner, up }
    }
}

impl<R: std::io::Read> std::io::Read for TeeReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.up.write(&buf[..n])?;
        Ok(n)
    }
}

impl BlockingUpload {
    /// Adds the next chunk (blocking); refuses files over the limit.
    pub fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.parts.count(chunk).map_err(std::io::Error::other)?;
        self.pending.extend_from_slice(chunk);
        if self.pending.len() >= COPY_BLOCK {
            self.hand_over()?;
        }
        Ok(())
    }

    /// Sends the pending bytes to the writer thread.
    fn hand_over(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let block = std::mem::replace(&mut self.pending, Vec::with_capacity(COPY_BLOCK));
        self.to_writer.as_ref().ok_or_else(writer_gone)?.send(block).map_err(|_| writer_gone())
    }

    /// Flushes the copy, checks the type, moves it to its content address and records it in
    /// the caller's transaction.
    pub async fn finish_in(
        mut self,
        tx: &mut mamori_store::Tx,
        actor: &Actor,
        original_name: &str,
        known_type: Option<&'static str>,
        now: i64,
    ) -> Result<EvidenceRow, AppError> {
        self.hand_over().map_err(io)?;
        let BlockingUpload { mut parts, to_writer, writer, .. } = self;
        drop(to_writer);
        parts.hasher = writer.await.map_err(crate::error::internal)?.map_err(io)?;
        let row = parts.seal(actor, original_name, known_type, now).await?;
        record(tx, actor, row, now).await
    }

    /// Abandons the upload (removes the temporary copy).
    pub fn abandon(self) {
        let _ = std::fs::remove_file(&self.parts.temp);
    }
}

/// The content types accepted, decided from the first bytes (and the name for plain text).
pub fn sniff(head: &[u8], name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or("");
    if head.starts_with(b"%PDF") {
        return Some("application/pdf");
    }
    if head.starts_with(&[0x89, b'P', b'N', b'G']) {
        return Some("image/png");
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if head.starts_with(b"GIF8") {
        return Some("image/gif");
    }
    if head.starts_with(b"PK\x03\x04") {
        return Some(match ext {
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            _ => "application/zip",
        });
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Some("application/vnd.ms-office");
    }
    if head.starts_with(&[0x1F, 0x8B]) {
        return Some("application/gzip");
    }
    // Executables are refused whatever their name.
    if head.starts_with(b"MZ") || head.starts_with(b"\x7fELF") || head.starts_with(b"#!") {
        return None;
    }
    let texty = ["txt", "csv", "log", "json", "eml", "md", "xml"];
    if texty.contains(&ext) && !head.contains(&0) {
        return Some("text/plain; charset=utf-8");
    }
    None
}

/// Where the file of a SHA-256 lives in the evidence directory (`ab/abcdef…`).
pub fn path_of(dir: &Path, sha: &str) -> PathBuf {
    dir.join(sha.get(..2).unwrap_or("xx")).join(sha)
}

fn io(e: std::io::Error) -> AppError {
    AppError::Internal(format!("evidence store: {e}"))
}

impl EvidenceStore {
    /// The same store with another size limit (log exports can be large).
    pub fn with_limit(&self, max_bytes: u64) -> EvidenceStore {
        EvidenceStore { dir: self.dir.clone(), max_bytes }
    }

    /// Starts an upload (the actor must be allowed to write records).
    pub async fn begin(&self, actor: &Actor) -> Result<Upload, AppError> {
        if !(actor.grants.has(Permission::RegistersEdit) || actor.grants.has(Permission::DocumentsEdit)) {
            return Err(AppError::Forbidden);
        }
        self.start().await
    }

    /// Starts an upload whoever sends it (the caller decided: a supplier's answers).
    async fn start(&self) -> Result<Upload, AppError> {
        let tmp_dir = self.dir.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir).await.map_err(io)?;
        let temp = tmp_dir.join(crate::new_id());
        let file = tokio::fs::File::create(&temp).await.map_err(io)?;
        Ok(Upload {
            parts: Parts {
                store: self.clone(),
                _cleanup: RemoveOnDrop::new(temp.clone()),
                temp,
                hasher: Sha256::new(),
                size: 0,
                head: Vec::new(),
            },
            file,
        })
    }

    /// Starts an upload to be written from a blocking thread ([`BlockingUpload`]).
    pub async fn begin_blocking(&self, actor: &Actor) -> Result<BlockingUpload, AppError> {
        let up = self.begin(actor).await?;
        let mut file = up.file.into_std().await;
        let (to_writer, blocks) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        let writer = tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let mut hasher = Sha256::new();
            for block in blocks {
                hasher.update(&block);
                file.write_all(&block)?;
            }
            Ok(hasher)
        });
        Ok(BlockingUpload {
            parts: up.parts,
            pending: Vec::with_capacity(COPY_BLOCK),
            to_writer: Some(to_writer),
            writer,
        })
    }

    /// Reads a stored file of the organisation, for a reader [`may_read`] lets in (else not
    /// found, like a file that does not exist).
    pub async fn open(&self, db: &Db, actor: &Actor, sha: &str) -> Result<(EvidenceRow, Vec<u8>), AppError> {
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::NotFound);
        }
        let row = {
            let mut c = db.conn().await?;
            rows::evidence(&mut c.ex(), &actor.org_id, sha).await?.ok_or(AppError::NotFound)?
        };
        if !may_read(db, actor, &row).await? {
            return Err(AppError::NotFound);
        }
        let bytes = tokio::fs::read(path_of(&self.dir, sha)).await.map_err(io)?;
        Ok((row, bytes))
    }
}

impl Upload {
    /// Adds the next chunk; refuses files over the limit.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), AppError> {
        if let Err(why) = self.parts.account(chunk) {
            let _ = tokio::fs::remove_file(&self.parts.temp).await;
            return Err(why);
        }
        self.file.write_all(chunk).await.map_err(io)
    }

    /// Checks the type, moves the file to its content address and records it.
    pub async fn finish(self, db: &Db, actor: &Actor, original_name: &str, now: i64) -> Result<EvidenceRow, AppError> {
        self.finish_as(db, actor, original_name, None, now).await
    }

    /// Like [`Upload::finish`], with the content type already established by the caller (an
    /// importer that recognised the file), so the sniffing is skipped.
    pub async fn finish_as(
        mut self,
        db: &Db,
        actor: &Actor,
        original_name: &str,
        known_type: Option<&'static str>,
        now: i64,
    ) -> Result<EvidenceRow, AppError> {
        self.file.flush().await.map_err(io)?;
        drop(self.file);
        let row = self.parts.seal(actor, original_name, known_type, now).await?;
        let mut tx = db.begin().await?;
        let row = record(&mut tx, actor, row, now).await?;
        tx.commit().await?;
        Ok(row)
    }
}

/// Who may read evidence file `file`: someone who may see a record that references it, each
/// capability deciding for its own records — a register row they may read (the register's view
/// roles and the row's 極秘 restriction), a request they may see, an incident they have access
/// to, a duty completion (`duties.view`), a Microsoft 365 import (the audit-log roles,
/// `audit.view`), a controlled document's version whose content it is (every version for the
/// documents' editors; a published version for those in its audience), a file a supplier sent
/// with a questionnaire's answers (the supplier register's view roles) — or the person who
/// uploaded it. The command line reads everything.
pub async fn may_read(db: &Db, actor: &Actor, file: &EvidenceRow) -> Result<bool, AppError> {
    // The uploader is recorded by login ID; the command line's uploads ("cli") are no one's.
    let uploader = file.uploaded_by == actor.label && file.uploaded_by != Actor::cli(&actor.org_id).label;
    if actor.user_id.is_none() || (uploader && file.org_id == actor.org_id) {
        return Ok(true);
    }
    let sha = file.sha256.as_str();
    let refs = {
        let mut c = db.conn().await?;
        rows::evidence_refs(&mut c.ex(), &actor.org_id, sha).await?
    };
    if !refs.m365_imports.is_empty() && actor.grants.has(Permission::AuditView) {
        return Ok(true);
    }
    if !refs.duty_occurrences.is_empty() && actor.grants.has(Permission::DutiesView) {
        return Ok(true);
    }
    // A controlled document's version whose content is the file: its editors see every
    // version (drafts included); other readers only a published version meant for them.
    if actor.grants.has(Permission::DocumentsView) {
        let mut c = db.conn().await?;
        let versions = rows::doc_versions_with_file(&mut c.ex(), &actor.org_id, sha).await?;
        let editor = actor.grants.has(Permission::DocumentsEdit);
        if versions.iter().any(|v| {
            editor
                || v.status == mamori_domain::document::VersionStatus::Approved.key()
                    && crate::documents::approval::in_audience(v, &actor.role_keys)
        }) {
            return Ok(true);
        }
    }
    // A request names a file by a field's whole value or an attachment of one of its steps;
    // the candidates found by text search are checked for exactly that.
    let mut requests = Vec::new();
    {
        let mut c = db.conn().await?;
        for id in &refs.requests {
            let Some(r) = rows::request(&mut c.ex(), &actor.org_id, id).await? else { continue };
            let fields: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&r.fields_json).unwrap_or_default();
            let named = fields.values().any(|v| names_file(v, sha))
                || rows::request_events(&mut c.ex(), &actor.org_id, id).await?.iter().any(|e| {
                    serde_json::from_str::<serde_json::Value>(&e.files_json).is_ok_and(|v| names_file(&v, sha))
                });
            if named {
                requests.push(id.clone());
            }
        }
    }
    if crate::incidents::may_see_any(db, actor, &refs.incidents).await? {
        return Ok(true);
    }
    if crate::requests::may_see_any(db, actor, &requests).await? {
        return Ok(true);
    }
    // A file a supplier sent with its questionnaire's answers: the supplier register's readers
    // (the register itself decides, not the suppliers module: no import circle).
    let sent_by_supplier = {
        let mut c = db.conn().await?;
        rows::questionnaire_file_exists(&mut c.ex(), &actor.org_id, sha).await?
    };
    if sent_by_supplier
        && actor.grants.has(Permission::RegistersView)
        && crate::registers::definition(db, actor, "suppliers")
            .await
            .is_ok_and(|def| crate::registers::access::may_view(actor, &def))
    {
        return Ok(true);
    }
    crate::registers::access::may_read_file(db, actor, sha).await
}

/// Whether `v` (a field's value: a string or a list of strings) names `sha` exactly.
pub fn names_file(v: &serde_json::Value, sha: &str) -> bool {
    match v {
        serde_json::Value::String(s) => s == sha,
        serde_json::Value::Array(a) => a.iter().any(|x| x.as_str() == Some(sha)),
        _ => false,
    }
}

/// A record may name only files its writer may read: otherwise writing an evidence file's
/// SHA-256 into a record one can see would make the file readable ("who may read evidence X"
/// asks the records that name it). Every value of `values` that names a stored file (a string
/// or a list element of 64 hex digits) must pass [`may_read`]; the first that does not is
/// `field-unknown-file` at its field, as a file that does not exist.
pub async fn require_readable(
    db: &Db,
    actor: &Actor,
    values: impl IntoIterator<Item = (String, Vec<String>)>,
) -> Result<(), AppError> {
    for (field, shas) in values {
        for sha in shas.iter().filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())) {
            let row = {
                let mut c = db.conn().await?;
                rows::evidence(&mut c.ex(), &actor.org_id, sha).await?
            };
            if let Some(row) = row
                && !may_read(db, actor, &row).await?
            {
                return Err(AppError::Validation(vec![(field, "field-unknown-file".into())]));
            }
        }
    }
    Ok(())
}

/// The strings of each field of a submitted record (a string, or a list's strings), for
/// [`require_readable`].
pub fn strings_of(values: &serde_json::Map<String, serde_json::Value>) -> Vec<(String, Vec<String>)> {
    values
        .iter()
        .map(|(k, v)| {
            let list = match v {
                serde_json::Value::String(s) => vec![s.clone()],
                serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
                _ => Vec::new(),
            };
            (k.clone(), list)
        })
        .collect()
}

/// Stores bytes received from outside the organisation (the files a supplier sends with its
/// questionnaire's answers, through the link): the content address written, type sniffed;
/// the row is recorded by [`record_received`] in the caller's transaction. Uploaded by `cli`
/// (no one's: only the records naming the file make it readable).
pub(crate) async fn store_received(
    store: &EvidenceStore,
    org_id: &str,
    name: &str,
    bytes: &[u8],
    known_type: Option<&'static str>,
    now: i64,
) -> Result<EvidenceRow, AppError> {
    let mut u = store.start().await?;
    for chunk in bytes.chunks(64 * 1024) {
        u.write(chunk).await?;
    }
    u.file.flush().await.map_err(io)?;
    drop(u.file);
    u.parts.seal(&Actor::cli(org_id), name, known_type, now).await
}

/// Records a file of [`store_received`] in the caller's transaction.
pub(crate) async fn record_received(
    tx: &mut mamori_store::Tx,
    row: EvidenceRow,
    now: i64,
) -> Result<EvidenceRow, AppError> {
    let actor = Actor::cli(&row.org_id);
    record(tx, &actor, row, now).await
}

/// Stores bytes already in memory (CLI, tests).
pub async fn store_bytes(
    store: &EvidenceStore,
    db: &Db,
    actor: &Actor,
    name: &str,
    bytes: &[u8],
    now: i64,
) -> Result<EvidenceRow, AppError> {
    let mut u = store.begin(actor).await?;
    for chunk in bytes.chunks(64 * 1024) {
        u.write(chunk).await?;
    }
    u.finish(db, actor, name, now).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn sniffing_refuses_executables_and_unknown_binaries() {
        use super::sniff;
        assert_eq!(sniff(b"%PDF-1.7", "x.exe"), Some("application/pdf"));
        assert_eq!(sniff(b"MZ\x90\x00", "contract.pdf"), None);
        assert_eq!(sniff(b"\x7fELF", "a.txt"), None);
        assert_eq!(sniff(b"hello", "note.txt"), Some("text/plain; charset=utf-8"));
        assert_eq!(sniff(b"he\x00llo", "note.txt"), None);
        assert_eq!(sniff(b"random", "blob.bin"), None);
        assert!(sniff(b"PK\x03\x04", "a.xlsx").is_some_and(|t| t.contains("spreadsheet")));
    }
}
