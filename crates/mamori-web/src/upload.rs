//! The one multipart reader: every file upload (pages and API) goes through it. Size limits are
//! defined here; a page form's CSRF token must be its first part and is checked before any file
//! byte is stored or buffered. Parts are then read one by one: streamed into the evidence store,
//! streamed to a temporary file, or (small imports read whole by their parser) buffered.

use crate::FormData;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::extract::multipart::{Field, Multipart};
use mamori_app::evidence::Upload;
use mamori_app::{Actor, AppError};
use std::path::{Path, PathBuf};

/// Largest accepted upload (a regulation as .docx or PDF).
pub const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;
/// Largest Microsoft 365 export accepted by the import page (streamed to disk, never held in
/// memory; the page shows upload progress). Larger files go through `mamori m365 import`.
pub const M365_UPLOAD_LIMIT: usize = 4 * 1024 * 1024 * 1024;
/// Largest request body of any route (an upload plus its form fields).
pub const REQUEST_BODY_LIMIT: usize = UPLOAD_LIMIT + 64 * 1024;

/// The body limit of the routes that take a file.
pub fn upload_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(UPLOAD_LIMIT)
}

/// The body limit of the Microsoft 365 import page.
pub fn m365_upload_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(M365_UPLOAD_LIMIT)
}

/// Why a multipart form was refused.
#[derive(Debug)]
pub enum Refused {
    /// The first part was not the matching `csrf` token.
    Token,
    /// The body could not be read (malformed, or over the size limit).
    Read(String),
    /// Storing a part failed.
    App(AppError),
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Refused {
        Refused::App(e)
    }
}

impl From<Refused> for WebError {
    fn from(r: Refused) -> WebError {
        match r {
            Refused::Token => WebError::App(AppError::Forbidden),
            // Malformed, cut off or over the body limit (axum's words are English): what to do.
            Refused::Read(detail) => {
                tracing::info!(%detail, "upload refused");
                WebError::App(AppError::FileRefused {
                    file: String::new(),
                    key: "upload-refused-read",
                    limit: (UPLOAD_LIMIT / (1024 * 1024)) as u64,
                })
            }
            Refused::App(e) => WebError::App(e),
        }
    }
}

fn read_error(e: axum::extract::multipart::MultipartError) -> Refused {
    Refused::Read(e.body_text())
}

/// A page's multipart form whose first part, the `csrf` token, matched.
pub struct PageForm {
    mp: Multipart,
}

impl PageForm {
    /// Reads the first part; refuses unless it is the session's `csrf` token, before reading
    /// anything else.
    pub async fn open(ctx: &Ctx, mut mp: Multipart) -> Result<PageForm, Refused> {
        let Some(field) = mp.next_field().await.map_err(read_error)? else { return Err(Refused::Token) };
        if field.name() != Some("csrf") {
            return Err(Refused::Token);
        }
        if !ctx.check_csrf(&field.text().await.unwrap_or_default()) {
            return Err(Refused::Token);
        }
        Ok(PageForm { mp })
    }

    /// The next part, if any.
    pub async fn next(&mut self) -> Result<Option<Field<'_>>, Refused> {
        self.mp.next_field().await.map_err(read_error)
    }
}

/// The name a part was sent with (`fallback` when it has none).
pub fn file_name(field: &Field<'_>, fallback: &str) -> String {
    field.file_name().unwrap_or(fallback).to_string()
}

/// Reads a small part whole (for importers that parse the whole file anyway; bounded by
/// [`UPLOAD_LIMIT`]).
pub async fn bytes(field: Field<'_>) -> Result<Vec<u8>, Refused> {
    Ok(field.bytes().await.map_err(read_error)?.to_vec())
}

/// Streams a part into an evidence upload as it arrives; returns the bytes written.
pub async fn stream_into(up: &mut Upload, field: &mut Field<'_>) -> Result<usize, Refused> {
    let mut size = 0;
    while let Some(chunk) = field.chunk().await.map_err(read_error)? {
        size += chunk.len();
        up.write(&chunk).await?;
    }
    Ok(size)
}

/// The name a sent file is kept under in its own temporary directory: the sent name without
/// path separators or control characters, at most 200 bytes (a file system allows 255), and
/// `fallback` for a name that is empty or only dots (`.` and `..` name directories).
fn temp_file_name(sent: Option<&str>, fallback: &str) -> String {
    let mut name = String::new();
    for c in sent.unwrap_or("").chars().filter(|c| !c.is_control() && *c != '/' && *c != '\\') {
        if name.len() + c.len_utf8() > 200 {
            break;
        }
        name.push(c);
    }
    if name.chars().all(|c| c == '.' || c.is_whitespace()) { fallback.to_string() } else { name }
}

/// Streams a part to `dir/name` (the directory is created; the name is cleaned of path
/// separators and control characters) and flushes it; returns the path.
pub async fn to_temp_file(field: &mut Field<'_>, dir: &Path, fallback: &str) -> Result<PathBuf, Refused> {
    use tokio::io::AsyncWriteExt;
    let name = temp_file_name(field.file_name(), fallback);
    let io = |e: std::io::Error| Refused::App(AppError::Internal(e.to_string()));
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    let path = dir.join(name);
    let mut f = tokio::fs::File::create(&path).await.map_err(io)?;
    while let Some(chunk) = field.chunk().await.map_err(read_error)? {
        f.write_all(&chunk).await.map_err(io)?;
    }
    // tokio writes in the background: without a flush a reader could see a file whose last
    // chunk is still in flight.
    f.flush().await.map_err(io)?;
    Ok(path)
}

/// Streams the first `file` part of an API upload into the evidence store and hands the
/// unfinished upload back with the part's name (the API's CSRF rule is its `X-CSRF-Token`
/// header, checked by [`crate::ctx::context`]). `None` when there is no such part.
pub async fn api_file(state: &AppState, actor: &Actor, mut mp: Multipart) -> Result<Option<(Upload, String)>, Refused> {
    while let Ok(Some(mut field)) = mp.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        let name = file_name(&field, "upload");
        let mut up = state.evidence.begin(actor).await?;
        stream_into(&mut up, &mut field).await?;
        return Ok(Some((up, name)));
    }
    Ok(None)
}

/// A file a page form stored as evidence.
pub struct StoredFile {
    /// Its SHA-256 (the evidence store's key).
    pub sha256: String,
    /// The name it was uploaded with.
    pub original_name: String,
}

/// Reads a page's multipart form: `csrf` first, then text fields and any number of `file`
/// parts, each streamed into the evidence store as it arrives (empty file inputs are ignored).
pub async fn receive_form(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    mp: Multipart,
) -> Result<(FormData, Vec<StoredFile>), Refused> {
    let mut form = PageForm::open(ctx, mp).await?;
    let mut fields = Vec::new();
    let mut files = Vec::new();
    while let Some(mut field) = form.next().await? {
        let name = field.name().unwrap_or("").to_string();
        if name != "file" {
            fields.push((name, field.text().await.unwrap_or_default()));
            continue;
        }
        let file_name = file_name(&field, "");
        let mut up = state.evidence.begin(actor).await?;
        let size = stream_into(&mut up, &mut field).await?;
        // A file input left empty still sends a part with no name and no bytes.
        if size > 0 || !file_name.is_empty() {
            let shown = if file_name.is_empty() { "upload".to_string() } else { file_name };
            let row = up.finish(&state.db, actor, &shown, state.now()).await?;
            files.push(StoredFile { sha256: row.sha256, original_name: row.original_name });
        }
    }
    Ok((FormData(fields), files))
}

#[cfg(test)]
mod tests {
    use super::temp_file_name;

    #[test]
    fn a_sent_name_never_leaves_or_names_the_directory() {
        assert_eq!(temp_file_name(Some("audit.csv"), "export"), "audit.csv");
        for bad in [None, Some(""), Some("."), Some(".."), Some("..."), Some(" . "), Some("/"), Some("\\..")] {
            assert_eq!(temp_file_name(bad, "export"), "export", "{bad:?}");
        }
        assert_eq!(temp_file_name(Some("../../etc/passwd"), "x"), "....etcpasswd");
        let long = "監".repeat(200);
        let kept = temp_file_name(Some(&long), "x");
        assert!(kept.len() <= 200 && kept.chars().all(|c| c == '監'), "{}", kept.len());
    }
}
