//! Reading a regulation file from disk: text (UTF-8 / Shift_JIS), .docx, or PDF through
//! poppler's `pdftotext` when it is installed.

use mamori_regulation::input::{self, Kind};
use std::path::Path;

/// The largest regulation file read (the web upload limit is the same).
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;
/// The most pages of a PDF handed to pdftotext (a regulation has tens).
pub const MAX_PDF_PAGES: u32 = 500;
/// The most text taken from a file (the seed regulation is about 200 KB).
pub const MAX_TEXT_BYTES: u64 = 8 * 1024 * 1024;
/// How long pdftotext may take before it is stopped.
pub const PDF_SECONDS: u64 = 60;

/// Why a file could not be read as a regulation.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// IO failure.
    #[error("{path}: cannot read: {cause}")]
    Io {
        /// File.
        path: String,
        /// Cause.
        cause: std::io::Error,
    },
    /// Not decodable.
    #[error("{path}: {cause}")]
    Input {
        /// File.
        path: String,
        /// Cause.
        cause: input::InputError,
    },
    /// A PDF without poppler installed.
    #[error("{path}: reading PDF needs the `pdftotext` command (Debian package poppler-utils), which is not installed")]
    NoPdftotext {
        /// File.
        path: String,
    },
    /// pdftotext failed.
    #[error("{path}: pdftotext failed: {message}")]
    Pdftotext {
        /// File.
        path: String,
        /// stderr.
        message: String,
    },
    /// Beyond one of the caps (file size, PDF pages, text size, pdftotext time).
    #[error("{path}: {detail}")]
    TooLarge {
        /// File.
        path: String,
        /// The i18n key of the broken limit (takes `$limit`).
        key: &'static str,
        /// The limit.
        limit: u64,
        /// What was broken, in English.
        detail: String,
    },
    /// No control headings.
    #[error("{path}: {cause}")]
    NotARegulation {
        /// File.
        path: String,
        /// Cause.
        cause: mamori_regulation::parse::NotARegulation,
    },
}

impl ReadError {
    /// The use-case error: a broken cap is `TooLarge` (413, naming the limit); anything else
    /// means the file is not a regulation this version reads.
    pub fn into_app(self) -> crate::AppError {
        match self {
            ReadError::TooLarge { path, key, limit, detail } => {
                let file = Path::new(&path).file_name().map_or(path.clone(), |n| n.to_string_lossy().into_owned());
                crate::AppError::TooLarge { file, key, limit, detail }
            }
            other => crate::AppError::NotARegulation(other.to_string()),
        }
    }
}

const MB: u64 = 1024 * 1024;

fn too_large(path: &str, key: &'static str, limit: u64, detail: String) -> ReadError {
    ReadError::TooLarge { path: path.to_string(), key, limit, detail }
}

/// Turns bytes into text; `path` names the file in errors and is handed to pdftotext.
pub fn text_of(path: &Path, bytes: &[u8]) -> Result<String, ReadError> {
    let name = path.display().to_string();
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(
            &name,
            "limit-file-mb",
            MAX_FILE_BYTES / MB,
            format!("larger than {MAX_FILE_BYTES} bytes"),
        ));
    }
    let text = match input::detect(bytes) {
        Kind::Docx => input::docx_text(bytes).map_err(|cause| ReadError::Input { path: name.clone(), cause })?,
        Kind::Pdf => pdf_text(path)?,
        _ => input::decode_text(bytes).map_err(|cause| ReadError::Input { path: name.clone(), cause })?,
    };
    if text.len() as u64 > MAX_TEXT_BYTES {
        return Err(too_large(
            &name,
            "limit-text-mb",
            MAX_TEXT_BYTES / MB,
            format!("more than {MAX_TEXT_BYTES} bytes of text"),
        ));
    }
    Ok(text)
}

/// Runs pdftotext on at most [`MAX_PDF_PAGES`] pages, keeping at most [`MAX_TEXT_BYTES`] of
/// its output and stopping it after [`PDF_SECONDS`].
fn pdf_text(path: &Path) -> Result<String, ReadError> {
    pdf_text_within("pdftotext", path, MAX_PDF_PAGES, MAX_TEXT_BYTES, std::time::Duration::from_secs(PDF_SECONDS))
}

fn pdf_text_within(
    program: &str,
    path: &Path,
    pages: u32,
    max_text: u64,
    time: std::time::Duration,
) -> Result<String, ReadError> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    use std::sync::{Arc, Mutex};
    let name = path.display().to_string();
    let spawned = Command::new(program)
        // One page more than allowed: pdftotext ends every page with a form feed, so more form
        // feeds than `pages` means the file has more pages (no separate pdfinfo run to watch).
        .args(["-layout", "-enc", "UTF-8", "-l", &pages.saturating_add(1).to_string()])
        .arg(path)
        .arg("-")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ReadError::NoPdftotext { path: name }),
        Err(cause) => return Err(ReadError::Io { path: name, cause }),
        Ok(c) => c,
    };
    let (Some(stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        return Err(ReadError::Pdftotext { path: name, message: "no output pipe".into() });
    };
    // A watchdog stops pdftotext when its time is up; the read below then ends.
    let child = Arc::new(Mutex::new(child));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let timed_out = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchdog = {
        let (child, done, timed_out) = (child.clone(), done.clone(), timed_out.clone());
        std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + time;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                if std::time::Instant::now() >= deadline {
                    timed_out.store(true, std::sync::atomic::Ordering::SeqCst);
                    if let Ok(mut c) = child.lock() {
                        let _ = c.kill();
                    }
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        })
    };
    // Its messages are read beside the text (a full stderr pipe would stop it), at most 64 KB.
    let messages = std::thread::spawn(move || {
        let mut err = Vec::new();
        let _ = (&mut stderr).take(64 * 1024).read_to_end(&mut err);
        let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        String::from_utf8_lossy(&err).into_owned()
    });
    let mut out = Vec::new();
    let read = stdout.take(max_text + 1).read_to_end(&mut out);
    let over = out.len() as u64 > max_text;
    let status = child.lock().ok().map(|mut c| {
        if over {
            let _ = c.kill();
        }
        c.wait()
    });
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = watchdog.join();
    let err = messages.join().unwrap_or_default();
    if timed_out.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(too_large(
            &name,
            "limit-pdf-seconds",
            time.as_secs(),
            format!("pdftotext did not finish in {} s", time.as_secs()),
        ));
    }
    if over {
        return Err(too_large(&name, "limit-text-mb", max_text / MB, format!("more than {max_text} bytes of text")));
    }
    if let Err(cause) = read {
        return Err(ReadError::Io { path: name, cause });
    }
    let form_feeds = out.iter().filter(|b| **b == 0x0c).count();
    if status.as_ref().is_some_and(|s| s.as_ref().is_ok_and(std::process::ExitStatus::success))
        && form_feeds > pages as usize
    {
        return Err(too_large(&name, "limit-pdf-pages", u64::from(pages), format!("more than {pages} pages")));
    }
    match status {
        Some(Ok(s)) if s.success() => Ok(String::from_utf8_lossy(&out).into_owned()),
        _ => Err(ReadError::Pdftotext { path: name, message: err.trim().to_string() }),
    }
}

/// Reads and parses a regulation file with the given dictionaries.
pub fn parse_file(
    path: &Path,
    dict: &mamori_regulation::Dictionaries,
) -> Result<mamori_regulation::Regulation, ReadError> {
    let bytes = read_capped(path)?;
    let text = text_of(path, &bytes)?;
    mamori_regulation::parse(&text, dict)
        .map_err(|cause| ReadError::NotARegulation { path: path.display().to_string(), cause })
}

/// Reads a regulation file from disk, refusing one larger than [`MAX_FILE_BYTES`] before
/// reading it.
pub fn read_capped(path: &Path) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let name = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|cause| ReadError::Io { path: name.clone(), cause })?;
    let mut bytes = Vec::new();
    f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|cause| ReadError::Io { path: name.clone(), cause })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(
            &name,
            "limit-file-mb",
            MAX_FILE_BYTES / MB,
            format!("larger than {MAX_FILE_BYTES} bytes"),
        ));
    }
    Ok(bytes)
}

/// Turns an uploaded file into text. A PDF is written to a private temporary file for
/// pdftotext and removed afterwards.
pub fn text_of_upload(file_name: &str, bytes: &[u8]) -> Result<String, ReadError> {
    let shown = Path::new(file_name);
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(
            file_name,
            "limit-file-mb",
            MAX_FILE_BYTES / MB,
            format!("larger than {MAX_FILE_BYTES} bytes"),
        ));
    }
    if input::detect(bytes) != Kind::Pdf {
        return text_of(shown, bytes);
    }
    let tmp = std::env::temp_dir().join(format!("mamori-upload-{}.pdf", crate::new_id()));
    std::fs::write(&tmp, bytes).map_err(|cause| ReadError::Io { path: file_name.to_string(), cause })?;
    let result = pdf_text(&tmp).map_err(|e| match e {
        ReadError::NoPdftotext { .. } => ReadError::NoPdftotext { path: file_name.to_string() },
        ReadError::Pdftotext { message, .. } => ReadError::Pdftotext { path: file_name.to_string(), message },
        ReadError::TooLarge { key, limit, detail, .. } => {
            ReadError::TooLarge { path: file_name.to_string(), key, limit, detail }
        }
        other => other,
    });
    let _ = std::fs::remove_file(&tmp);
    result
}

/// [`text_of_upload`] off the async threads (pdftotext is a child process).
pub async fn text_of_upload_async(file_name: String, bytes: Vec<u8>) -> Result<String, ReadError> {
    match tokio::task::spawn_blocking(move || text_of_upload(&file_name, &bytes)).await {
        Ok(r) => r,
        Err(e) => Err(ReadError::Pdftotext { path: String::new(), message: e.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdftotext_installed() -> bool {
        std::process::Command::new("pdftotext").arg("-v").output().is_ok()
    }

    /// A minimal PDF of `pages` pages, each with one line of text.
    fn pdf(pages: usize) -> Vec<u8> {
        let mut objs: Vec<String> = vec![
            "<< /Type /Catalog /Pages 2 0 R >>".into(),
            format!(
                "<< /Type /Pages /Kids [{}] /Count {pages} >>",
                (0..pages).map(|i| format!("{} 0 R", 4 + 2 * i)).collect::<Vec<_>>().join(" ")
            ),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
        ];
        for i in 0..pages {
            let text = format!("BT /F1 12 Tf 72 720 Td (Page {i} of the regulation) Tj ET");
            objs.push(format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                5 + 2 * i
            ));
            objs.push(format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()));
        }
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objs.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
        for off in offsets {
            out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objs.len() + 1).as_bytes(),
        );
        out
    }

    fn key_of(r: Result<String, ReadError>) -> (&'static str, u64) {
        match r {
            Err(ReadError::TooLarge { key, limit, .. }) => (key, limit),
            other => panic!("not refused by a cap: {other:?}"),
        }
    }

    #[test]
    fn pdf_caps_pages_text_and_time() {
        // A test that cannot run fails: scripts/test installs poppler-utils.
        assert!(pdftotext_installed(), "pdftotext is needed (Debian package poppler-utils)");
        let dir = std::env::temp_dir().join(format!("mamori-pdf-caps-{}", crate::new_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("reg.pdf");
        std::fs::write(&path, pdf(5)).unwrap();
        let secs = std::time::Duration::from_secs;
        let ok = pdf_text_within("pdftotext", &path, 10, 1 << 20, secs(30)).unwrap();
        assert!(ok.contains("Page 4 of the regulation"), "{ok}");
        assert_eq!(key_of(pdf_text_within("pdftotext", &path, 3, 1 << 20, secs(30))), ("limit-pdf-pages", 3));
        assert!(pdf_text_within("pdftotext", &path, 5, 1 << 20, secs(30)).is_ok(), "as many pages as allowed");
        assert_eq!(key_of(pdf_text_within("pdftotext", &path, 10, 40, secs(30))), ("limit-text-mb", 0));
        // A reader that never finishes is stopped at its time (a stand-in that sleeps; `exec`,
        // so that stopping it closes its output).
        let hang = dir.join("hang.sh");
        std::fs::write(&hang, "#!/bin/sh\nexec sleep 30\n").unwrap();
        std::fs::set_permissions(&hang, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let started = std::time::Instant::now();
        let hung = pdf_text_within(hang.to_str().unwrap(), &path, 10, 1 << 20, std::time::Duration::from_millis(300));
        assert_eq!(key_of(hung), ("limit-pdf-seconds", 0));
        assert!(started.elapsed() < secs(10), "stopped, not waited for");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn files_beyond_the_size_caps_are_refused_before_parsing() {
        let big = vec![b'a'; usize::try_from(MAX_FILE_BYTES).unwrap() + 1];
        assert_eq!(key_of(text_of(Path::new("big.txt"), &big)), ("limit-file-mb", 20));
        assert_eq!(key_of(text_of_upload("big.pdf", &big)), ("limit-file-mb", 20));
        let dir = std::env::temp_dir().join(format!("mamori-reg-cap-{}", crate::new_id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("big.txt"), &big).unwrap();
        assert!(matches!(read_capped(&dir.join("big.txt")), Err(ReadError::TooLarge { key: "limit-file-mb", .. })));
        let _ = std::fs::remove_dir_all(&dir);
        // Text that decodes beyond the text cap (a file of nothing but line breaks).
        let lines = vec![b'\n'; usize::try_from(MAX_TEXT_BYTES).unwrap() + 1];
        assert_eq!(key_of(text_of(Path::new("lines.txt"), &lines)), ("limit-text-mb", 8));
    }
}
