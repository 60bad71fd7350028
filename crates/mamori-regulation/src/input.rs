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
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| InputError::Docx(e.to_string()))?;
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .map_err(|e| InputError::Docx(format!("word/document.xml: {e}")))?
        .take(64 * 1024 * 1024)
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
