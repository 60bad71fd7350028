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

/// An upload in progress.
pub struct Upload {
    store: EvidenceStore,
    temp: PathBuf,
    file: tokio::fs::File,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
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

fn path_of(dir: &Path, sha: &str) -> PathBuf {
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
        let tmp_dir = self.dir.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir).await.map_err(io)?;
        let temp = tmp_dir.join(crate::new_id());
        let file = tokio::fs::File::create(&temp).await.map_err(io)?;
        Ok(Upload { store: self.clone(), temp, file, hasher: Sha256::new(), size: 0, head: Vec::new() })
    }

    /// Reads a stored file of the organisation.
    pub async fn open(&self, db: &Db, actor: &Actor, sha: &str) -> Result<(EvidenceRow, Vec<u8>), AppError> {
        actor.require(Permission::RegistersView)?;
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::NotFound);
        }
        let row = {
            let mut c = db.conn().await?;
            rows::evidence(&mut c.ex(), &actor.org_id, sha).await?.ok_or(AppError::NotFound)?
        };
        let bytes = tokio::fs::read(path_of(&self.dir, sha)).await.map_err(io)?;
        Ok((row, bytes))
    }
}

impl Upload {
    /// Adds the next chunk; refuses files over the limit.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), AppError> {
        self.size += chunk.len() as u64;
        if self.size > self.store.max_bytes {
            let _ = tokio::fs::remove_file(&self.temp).await;
            return Err(AppError::Blocked(format!("file larger than {} bytes", self.store.max_bytes)));
        }
        if self.head.len() < 512 {
            let take = (512 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
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
        let Some(content_type) = known_type.or_else(|| sniff(&self.head, original_name)) else {
            let _ = tokio::fs::remove_file(&self.temp).await;
            return Err(AppError::Blocked(format!("{original_name}: this kind of file is not accepted as evidence")));
        };
        if self.size == 0 {
            let _ = tokio::fs::remove_file(&self.temp).await;
            return Err(AppError::Blocked(format!("{original_name}: the file is empty")));
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
        let row = EvidenceRow {
            org_id: actor.org_id.clone(),
            sha256: sha.clone(),
            size: i64::try_from(self.size).unwrap_or(i64::MAX),
            content_type: content_type.to_string(),
            original_name: original_name
                .chars()
                .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
                .take(200)
                .collect(),
            uploaded_by: actor.label.clone(),
            uploaded_at: now,
        };
        let mut tx = db.begin().await?;
        if rows::insert_evidence(&mut tx.ex(), &row).await? {
            crate::audit::append(
                &mut tx,
                crate::audit::Entry::by(
                    actor,
                    mamori_domain::audit::AuditAction::Create,
                    "evidence",
                    Some(&sha),
                    None,
                    Some(serde_json::json!({ "name": row.original_name, "size": row.size, "type": row.content_type })),
                ),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        let mut c = db.conn().await?;
        Ok(rows::evidence(&mut c.ex(), &actor.org_id, &sha).await?.unwrap_or(row))
    }
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
