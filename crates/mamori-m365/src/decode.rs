//! Decoding of Microsoft 365 exports as a stream: gzip undone, UTF-16 (by its BOM, as Excel
//! re-saves a CSV) turned into UTF-8, a UTF-8 BOM dropped.

use crate::Error;
use std::io::{BufRead, BufReader, Read};

/// Undoes gzip and decodes UTF-16 (by its BOM) to UTF-8; a UTF-8 BOM is dropped.
pub fn decode<'a>(r: impl Read + 'a) -> Result<Box<dyn BufRead + 'a>, Error> {
    let mut r = BufReader::with_capacity(1 << 16, r);
    let gz = r.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let inner: Box<dyn Read + 'a> = if gz { Box::new(flate2::read::MultiGzDecoder::new(r)) } else { Box::new(r) };
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new().bom_sniffing(true).strip_bom(true).build(inner);
    Ok(Box::new(BufReader::with_capacity(1 << 16, decoded)))
}
