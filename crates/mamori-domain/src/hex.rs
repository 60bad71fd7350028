//! Lower-case hexadecimal encoding (hashes are shown and stored as hex).

/// Encodes bytes as lower-case hexadecimal.
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_every_nibble() {
        assert_eq!(super::encode(&[0x00, 0x9f, 0xa0, 0xff]), "009fa0ff");
        assert_eq!(super::encode(&[]), "");
    }
}
