//! Decoding of Microsoft 365 exports as a stream: gzip undone, UTF-16 (by its BOM, as Excel
//! re-saves a CSV) turned into UTF-8, a UTF-8 BOM dropped.

use crate::Error;
use std::io::{BufRead, BufReader, Read};

/// What a file may expand to. Every reader of an export stops at these with [`Error::Limit`]
/// naming the cap (a gzip bomb or a file with one endless line must not become gigabytes in
/// memory): the decoded size, the length of one line (a CSV row or a JSON line), the size of one
/// element of a JSON array, and the number of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Decoded (decompressed, UTF-8) bytes of the whole file.
    pub expanded_bytes: u64,
    /// Bytes of one line.
    pub line_bytes: u64,
    /// Bytes of one record (a JSON array element; a line is capped by `line_bytes`).
    pub record_bytes: u64,
    /// Records (events, accounts and rejected rows) in one file.
    pub records: u64,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            expanded_bytes: 32 * 1024 * 1024 * 1024,
            line_bytes: 4 * 1024 * 1024,
            record_bytes: 4 * 1024 * 1024,
            records: 50_000_000,
        }
    }
}

/// A cap a file broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// [`Caps::expanded_bytes`].
    ExpandedBytes(u64),
    /// [`Caps::line_bytes`], with the 1-based line.
    LineBytes { limit: u64, line: u64 },
    /// [`Caps::record_bytes`], with the 1-based element.
    RecordBytes { limit: u64, element: u64 },
    /// [`Caps::records`].
    Records(u64),
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::ExpandedBytes(l) => write!(f, "the file expands beyond {l} bytes"),
            Limit::LineBytes { limit, line } => write!(f, "line {line} is longer than {limit} bytes"),
            Limit::RecordBytes { limit, element } => write!(f, "record {element} is larger than {limit} bytes"),
            Limit::Records(l) => write!(f, "the file holds more than {l} records"),
        }
    }
}

impl std::error::Error for Limit {}

/// Counts what passes through: the whole size and the current line's length.
struct Capped<R> {
    inner: R,
    caps: Caps,
    total: u64,
    line: u64,
    line_len: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total += n as u64;
        if self.total > self.caps.expanded_bytes {
            return Err(std::io::Error::other(Limit::ExpandedBytes(self.caps.expanded_bytes)));
        }
        // Line by line (memchr finds the ends): a line longer than the cap is refused,
        // naming it.
        let chunk = buf.get(..n).unwrap_or_default();
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', chunk).chain(std::iter::once(n)) {
            self.line_len += (end - start) as u64;
            if self.line_len > self.caps.line_bytes {
                return Err(std::io::Error::other(Limit::LineBytes {
                    limit: self.caps.line_bytes,
                    line: self.line + 1,
                }));
            }
            if end < n {
                self.line += 1;
                self.line_len = 0;
            }
            start = end + 1;
        }
        Ok(n)
    }
}

/// Undoes gzip and decodes UTF-16 (by its BOM) to UTF-8; a UTF-8 BOM is dropped. The decoded
/// stream is held to the default [`Caps`].
pub fn decode<'a>(r: impl Read + 'a) -> Result<Box<dyn BufRead + 'a>, Error> {
    decode_capped(r, Caps::default())
}

/// [`decode`] with the caps as a parameter.
pub fn decode_capped<'a>(r: impl Read + 'a, caps: Caps) -> Result<Box<dyn BufRead + 'a>, Error> {
    let mut r = BufReader::with_capacity(1 << 16, r);
    let gz = r.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let inner: Box<dyn Read + 'a> = if gz { Box::new(flate2::read::MultiGzDecoder::new(r)) } else { Box::new(r) };
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new().bom_sniffing(true).strip_bom(true).build(inner);
    let capped = Capped { inner: decoded, caps, total: 0, line: 0, line_len: 0 };
    Ok(Box::new(BufReader::with_capacity(1 << 16, capped)))
}
