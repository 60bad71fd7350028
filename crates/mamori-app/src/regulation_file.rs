//! Reading a regulation file from disk: text (UTF-8 / Shift_JIS), .docx, or PDF through
//! poppler's `pdftotext` when it is installed.

use mamori_regulation::input::{self, Kind};
use std::path::Path;

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
    /// No control headings.
    #[error("{path}: {cause}")]
    NotARegulation {
        /// File.
        path: String,
        /// Cause.
        cause: mamori_regulation::parse::NotARegulation,
    },
}

/// Turns bytes into text; `path` names the file in errors and is handed to pdftotext.
pub fn text_of(path: &Path, bytes: &[u8]) -> Result<String, ReadError> {
    let name = path.display().to_string();
    match input::detect(bytes) {
        Kind::Docx => input::docx_text(bytes).map_err(|cause| ReadError::Input { path: name, cause }),
        Kind::Pdf => pdf_text(path),
        _ => input::decode_text(bytes).map_err(|cause| ReadError::Input { path: name, cause }),
    }
}

fn pdf_text(path: &Path) -> Result<String, ReadError> {
    let name = path.display().to_string();
    let out =
        std::process::Command::new("pdftotext").arg("-layout").arg("-enc").arg("UTF-8").arg(path).arg("-").output();
    match out {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ReadError::NoPdftotext { path: name }),
        Err(cause) => Err(ReadError::Io { path: name, cause }),
        Ok(o) if !o.status.success() => {
            Err(ReadError::Pdftotext { path: name, message: String::from_utf8_lossy(&o.stderr).trim().to_string() })
        }
        Ok(o) => Ok(String::from_utf8_lossy(&o.stdout).into_owned()),
    }
}

/// Reads and parses a regulation file with the given dictionaries.
pub fn parse_file(
    path: &Path,
    dict: &mamori_regulation::Dictionaries,
) -> Result<mamori_regulation::Regulation, ReadError> {
    let bytes = std::fs::read(path).map_err(|cause| ReadError::Io { path: path.display().to_string(), cause })?;
    let text = text_of(path, &bytes)?;
    mamori_regulation::parse(&text, dict)
        .map_err(|cause| ReadError::NotARegulation { path: path.display().to_string(), cause })
}

/// Turns an uploaded file into text. A PDF is written to a private temporary file for
/// pdftotext and removed afterwards.
pub fn text_of_upload(file_name: &str, bytes: &[u8]) -> Result<String, ReadError> {
    let shown = Path::new(file_name);
    if input::detect(bytes) != Kind::Pdf {
        return text_of(shown, bytes);
    }
    let tmp = std::env::temp_dir().join(format!("mamori-upload-{}.pdf", crate::new_id()));
    std::fs::write(&tmp, bytes).map_err(|cause| ReadError::Io { path: file_name.to_string(), cause })?;
    let result = pdf_text(&tmp).map_err(|e| match e {
        ReadError::NoPdftotext { .. } => ReadError::NoPdftotext { path: file_name.to_string() },
        ReadError::Pdftotext { message, .. } => ReadError::Pdftotext { path: file_name.to_string(), message },
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
