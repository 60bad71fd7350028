//! Turning a file's bytes into text: UTF-8 (with or without BOM, LF or CRLF), Shift_JIS/CP932
//! (detected), and .docx (the paragraphs of `word/document.xml`). PDF needs poppler's
//! `pdftotext`, which is run by the application layer (this crate does no IO).

use quick_xml::Reader;
use quick_xml::events::Event;
use std::io::{Cursor, Read};

/// The input could not be turned into text.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A .docx that is not a valid Word file.
    #[error("not a valid .docx file: {0}")]
    Docx(String),
    /// Binary data that is neither text nor a .docx.
    #[error("not a text file (neither UTF-8 nor Shift_JIS)")]
    Binary,
    /// A container that would expand beyond a limit.
    #[error("{0}")]
    TooLarge(ZipLimit),
}

/// The most one file inside an uploaded .xlsx or .docx may expand to.
pub const MAX_ZIP_ENTRY_BYTES: u64 = 64 * 1024 * 1024;
/// The most all the files inside an uploaded .xlsx or .docx may expand to together.
pub const MAX_ZIP_TOTAL_BYTES: u64 = 128 * 1024 * 1024;
/// The most files an uploaded .xlsx or .docx may hold.
pub const MAX_ZIP_ENTRIES: usize = 2_000;

/// Which limit a zip container (.xlsx, .docx) broke, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipLimit {
    /// More files than [`MAX_ZIP_ENTRIES`].
    #[error("more than {0} files inside the archive")]
    Entries(usize),
    /// One file expands beyond [`MAX_ZIP_ENTRY_BYTES`].
    #[error("a file inside the archive expands beyond {0} bytes")]
    EntryBytes(u64),
    /// All files together expand beyond [`MAX_ZIP_TOTAL_BYTES`].
    #[error("the archive expands beyond {0} bytes")]
    TotalBytes(u64),
    /// Not a readable zip archive.
    #[error("not a readable archive: {0}")]
    Broken(String),
}

/// Checks what a zip container (.xlsx, .docx) really expands to, by decompressing every file
/// into nothing with a cap (declared sizes can lie), before any reader parses it: a 1.9 MB zip
/// bomb must not become gigabytes in memory.
pub fn check_zip(bytes: &[u8]) -> Result<(), ZipLimit> {
    check_zip_within(bytes, MAX_ZIP_ENTRIES, MAX_ZIP_ENTRY_BYTES, MAX_ZIP_TOTAL_BYTES)
}

/// [`check_zip`] with the limits as parameters.
pub fn check_zip_within(bytes: &[u8], max_entries: usize, max_entry: u64, max_total: u64) -> Result<(), ZipLimit> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ZipLimit::Broken(e.to_string()))?;
    if zip.len() > max_entries {
        return Err(ZipLimit::Entries(max_entries));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| ZipLimit::Broken(e.to_string()))?;
        if entry.size() > max_entry {
            return Err(ZipLimit::EntryBytes(max_entry));
        }
        // The declared size may lie: count what really comes out, never more than the limit.
        let n = std::io::copy(&mut entry.take(max_entry + 1), &mut std::io::sink())
            .map_err(|e| ZipLimit::Broken(e.to_string()))?;
        if n > max_entry {
            return Err(ZipLimit::EntryBytes(max_entry));
        }
        total += n;
        if total > max_total {
            return Err(ZipLimit::TotalBytes(max_total));
        }
    }
    Ok(())
}

#[cfg(test)]
mod zip_tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, usize)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, size) in entries {
            w.start_file(*name, opts).unwrap();
            let chunk = vec![b'0'; 64 * 1024];
            let mut left = *size;
            while left > 0 {
                let n = left.min(chunk.len());
                w.write_all(&chunk[..n]).unwrap();
                left -= n;
            }
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn a_small_archive_that_expands_beyond_the_limits_is_refused() {
        // 4 MB of zeros compress to a few kilobytes: a bomb in miniature, with 1 MB limits.
        let bomb = zip_of(&[("xl/worksheets/sheet1.xml", 4 << 20)]);
        assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
        assert_eq!(check_zip_within(&bomb, 10, 1 << 20, 2 << 20), Err(ZipLimit::EntryBytes(1 << 20)));
        let many = zip_of(&[("a", 600 << 10), ("b", 600 << 10), ("c", 600 << 10), ("d", 600 << 10)]);
        assert_eq!(check_zip_within(&many, 10, 1 << 20, 2 << 20), Err(ZipLimit::TotalBytes(2 << 20)));
        assert_eq!(check_zip_within(&many, 3, 1 << 20, 4 << 20), Err(ZipLimit::Entries(3)));
        assert_eq!(check_zip_within(&many, 10, 1 << 20, 4 << 20), Ok(()));
        assert!(matches!(check_zip_within(b"PK\x03\x04 not a zip", 10, 1, 1), Err(ZipLimit::Broken(_))));
    }
}

/// The detected encoding or container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// UTF-8 text.
    Utf8,
    /// Shift_JIS / CP932 text.
    ShiftJis,
    /// UTF-16 text with a BOM.
    Utf16,
    /// A Word document.
    Docx,
    /// A PDF (needs pdftotext).
    Pdf,
}

/// What kind of input the bytes are.
pub fn detect(bytes: &[u8]) -> Kind {
    if bytes.starts_with(b"PK\x03\x04") {
        Kind::Docx
    } else if bytes.starts_with(b"%PDF") {
        Kind::Pdf
    } else if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        Kind::Utf16
    } else if std::str::from_utf8(bytes).is_ok() {
        Kind::Utf8
    } else {
        Kind::ShiftJis
    }
}

/// Decodes text bytes (not .docx/PDF).
pub fn decode_text(bytes: &[u8]) -> Result<String, InputError> {
    match detect(bytes) {
        Kind::Utf8 => Ok(String::from_utf8_lossy(bytes).into_owned()),
        Kind::Utf16 => {
            let (enc, bom) = encoding_rs::Encoding::for_bom(bytes).unwrap_or((encoding_rs::UTF_16LE, 2));
            let (text, _, _) = enc.decode(&bytes[bom..]);
            Ok(text.into_owned())
        }
        Kind::ShiftJis => {
            let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
            if had_errors && text.chars().filter(|c| *c == '\u{FFFD}').count() * 20 > text.chars().count().max(1) {
                return Err(InputError::Binary);
            }
            Ok(text.into_owned())
        }
        Kind::Docx | Kind::Pdf => Err(InputError::Binary),
    }
}

/// Extracts the paragraphs of a .docx, one per line.
pub fn docx_text(bytes: &[u8]) -> Result<String, InputError> {
    check_zip(bytes).map_err(|e| match e {
        ZipLimit::Broken(m) => InputError::Docx(m),
        limit => InputError::TooLarge(limit),
    })?;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| InputError::Docx(e.to_string()))?;
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .map_err(|e| InputError::Docx(format!("word/document.xml: {e}")))?
        .take(MAX_ZIP_ENTRY_BYTES)
        .read_to_string(&mut xml)
        .map_err(|e| InputError::Docx(e.to_string()))?;
    let mut reader = Reader::from_str(&xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.name().as_ref() == "w:t" => in_text = true,
            Ok(Event::End(e)) if e.name().as_ref() == "w:t" => in_text = false,
            Ok(Event::End(e)) if e.name().as_ref() == "w:p" => out.push('\n'),
            Ok(Event::Empty(e)) if e.name().as_ref() == "w:br" || e.name().as_ref() == "w:cr" => out.push('\n'),
            Ok(Event::Empty(e)) if e.name().as_ref() == "w:tab" => out.push('\t'),
            Ok(Event::Text(t)) if in_text => out.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if in_text => match r.resolve_char_ref() {
                Ok(Some(c)) => out.push(c),
                _ => out.push_str(match &*r {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                }),
            },
            Ok(Event::Eof) => break,
            Err(e) => return Err(InputError::Docx(format!("word/document.xml: {e}"))),
            _ => {}
        }
    }
    Ok(out)
}
