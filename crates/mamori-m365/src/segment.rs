//! Raw-JSON segments: the original AuditData of a batch of events, kept together and
//! compressed (LZ4 block format), so that keeping every record's raw JSON costs a fraction of
//! its size and none of the per-row cost of a wide table.
//!
//! Layout before compression: `u32` count, then `count` little-endian `u32` lengths, then the
//! entries back to back. An entry may be empty (a duplicate that was not stored). The
//! compressed form is the LZ4 block with the uncompressed size prepended (`u32` LE).

/// Largest uncompressed segment accepted when decoding (a corrupt size prefix cannot make the
/// reader allocate more).
pub const MAX_SEGMENT: usize = 256 * 1024 * 1024;

/// Why a segment could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentError {
    /// The bytes are not a segment of this layout.
    Corrupt(&'static str),
}

impl std::fmt::Display for SegmentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SegmentError::Corrupt(why) => write!(f, "raw-JSON segment is corrupt: {why}"),
        }
    }
}

impl std::error::Error for SegmentError {}

/// Encodes `entries` (by slot) into a compressed segment.
pub fn encode<S: AsRef<[u8]>>(entries: &[S]) -> Vec<u8> {
    let body: usize = entries.iter().map(|e| e.as_ref().len()).sum();
    let mut plain = Vec::with_capacity(4 + 4 * entries.len() + body);
    plain.extend_from_slice(&u32::try_from(entries.len()).unwrap_or(u32::MAX).to_le_bytes());
    for e in entries {
        plain.extend_from_slice(&u32::try_from(e.as_ref().len()).unwrap_or(u32::MAX).to_le_bytes());
    }
    for e in entries {
        plain.extend_from_slice(e.as_ref());
    }
    lz4_flex::block::compress_prepend_size(&plain)
}

/// A decoded segment: its entries by slot.
#[derive(Debug, Clone)]
pub struct Segment {
    plain: Vec<u8>,
    /// (start, end) of each entry in `plain`.
    spans: Vec<(usize, usize)>,
}

impl Segment {
    /// Decodes a compressed segment.
    pub fn decode(data: &[u8]) -> Result<Segment, SegmentError> {
        let size = data.get(..4).ok_or(SegmentError::Corrupt("shorter than its size prefix"))?;
        let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]) as usize;
        if size > MAX_SEGMENT {
            return Err(SegmentError::Corrupt("size prefix too large"));
        }
        let plain =
            lz4_flex::block::decompress_size_prepended(data).map_err(|_| SegmentError::Corrupt("not LZ4 data"))?;
        let word = |i: usize| -> Result<usize, SegmentError> {
            plain
                .get(i..i + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                .ok_or(SegmentError::Corrupt("truncated header"))
        };
        let count = word(0)?;
        if count > plain.len() / 4 {
            return Err(SegmentError::Corrupt("count larger than the segment"));
        }
        let mut spans = Vec::with_capacity(count);
        let mut at = 4 + 4 * count;
        for i in 0..count {
            let len = word(4 + 4 * i)?;
            let end =
                at.checked_add(len).filter(|&e| e <= plain.len()).ok_or(SegmentError::Corrupt("entry overruns"))?;
            spans.push((at, end));
            at = end;
        }
        Ok(Segment { plain, spans })
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when the segment has no slots.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The entry in `slot` as text (None when out of range or not UTF-8).
    pub fn get(&self, slot: usize) -> Option<&str> {
        let (s, e) = *self.spans.get(slot)?;
        std::str::from_utf8(self.plain.get(s..e)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trip_with_empty_slots_and_compression() {
        let json =
            r#"{"CreationTime":"2026-01-05T01:00:00","Id":"x","Operation":"FileAccessed","UserId":"taro@example.jp"}"#;
        let entries: Vec<String> =
            (0..200).map(|i| if i % 7 == 3 { String::new() } else { format!("{json}{i}") }).collect();
        let data = encode(&entries);
        let raw: usize = entries.iter().map(String::len).sum();
        assert!(data.len() * 4 < raw, "similar JSON compresses at least 4x ({} of {raw})", data.len());
        let seg = Segment::decode(&data).unwrap();
        assert_eq!(seg.len(), 200);
        for (i, e) in entries.iter().enumerate() {
            assert_eq!(seg.get(i), Some(e.as_str()));
        }
        assert_eq!(seg.get(200), None);
    }

    #[test]
    fn corrupt_segments_are_errors_not_panics() {
        assert!(Segment::decode(&[]).is_err());
        assert!(Segment::decode(&[255, 255, 255, 255, 0]).is_err(), "size prefix too large");
        assert!(Segment::decode(&[8, 0, 0, 0, 1, 2, 3]).is_err());
        let mut data = encode(&["abc", "def"]);
        let last = data.len() - 1;
        data.truncate(last);
        assert!(Segment::decode(&data).is_err());
    }

    proptest! {
        #[test]
        fn any_entries_round_trip(entries in proptest::collection::vec(".{0,40}", 0..50)) {
            let seg = Segment::decode(&encode(&entries)).unwrap();
            prop_assert_eq!(seg.len(), entries.len());
            for (i, e) in entries.iter().enumerate() {
                prop_assert_eq!(seg.get(i), Some(e.as_str()));
            }
        }

        #[test]
        fn any_bytes_decode_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Segment::decode(&bytes);
        }
    }
}
