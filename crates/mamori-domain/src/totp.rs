//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP, HMAC-SHA1, 6 digits, 30 s),
//! the base32 secret encoding of authenticator apps, and recovery-code normalisation.
//!
//! Pure: the caller passes the time and the last accepted step, and stores the step returned,
//! so a code is never accepted twice.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Steps accepted on either side of the current one (clock drift).
pub const WINDOW: i64 = 1;
/// Secret length in bytes (160 bits, RFC 4226's recommendation).
pub const SECRET_BYTES: usize = 20;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (case-insensitive; spaces, hyphens and `=` ignored); `None` when invalid.
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for c in s.chars().filter(|c| !matches!(c, ' ' | '-' | '=')) {
        let c = c.to_ascii_uppercase();
        let v = ALPHABET.iter().position(|&a| char::from(a) == c)?;
        buffer = (buffer << 5) | u32::try_from(v).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// The HOTP value of `key` at `counter` (RFC 4226, dynamic truncation).
pub fn hotp(key: &[u8], counter: u64) -> u32 {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        return u32::MAX;
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let bin = (u32::from(h[offset] & 0x7f) << 24)
        | (u32::from(h[offset + 1]) << 16)
        | (u32::from(h[offset + 2]) << 8)
        | u32::from(h[offset + 3]);
    bin % 10u32.pow(DIGITS)
}

/// The time step of an instant (epoch milliseconds).
pub fn step_at(now_ms: i64) -> i64 {
    now_ms.div_euclid(1000).div_euclid(STEP_SECONDS)
}

/// The code shown by an authenticator at `now_ms`, zero-padded.
pub fn code_at(key: &[u8], now_ms: i64) -> String {
    format!("{:06}", hotp(key, u64::try_from(step_at(now_ms)).unwrap_or(0)))
}

/// Checks a typed code (spaces ignored) within ±[`WINDOW`] steps, never at or before
/// `last_step`. Returns the matched step to store.
pub fn verify(key: &[u8], code: &str, now_ms: i64, last_step: i64) -> Option<i64> {
    let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let typed: u32 = typed.parse().ok()?;
    let now = step_at(now_ms);
    (now - WINDOW..=now + WINDOW)
        .filter(|s| *s > last_step)
        .find(|s| u64::try_from(*s).is_ok_and(|c| constant_eq(hotp(key, c), typed)))
}

fn constant_eq(a: u32, b: u32) -> bool {
    (a ^ b) == 0
}

/// The `otpauth://` URL authenticator apps read from the QR code.
pub fn otpauth_url(issuer: &str, account: &str, secret_b32: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// The secret in groups of four for manual entry.
pub fn grouped(secret_b32: &str) -> String {
    secret_b32.as_bytes().chunks(4).filter_map(|c| std::str::from_utf8(c).ok()).collect::<Vec<_>>().join(" ")
}

/// A recovery code as typed, normalised for comparison: lower case, without spaces or hyphens.
pub fn normalise_recovery_code(typed: &str) -> String {
    typed.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 6238 appendix B, SHA-1 seed "12345678901234567890" (8-digit values, last 6 digits).
    #[test]
    fn rfc6238_vectors() {
        let key = b"12345678901234567890";
        for (t, expected) in [
            (59i64, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(key, t * 1000), expected, "t={t}");
        }
    }

    #[test]
    fn window_and_replay() {
        let key = b"12345678901234567890";
        let now = 1_111_111_111_000;
        let step = step_at(now);
        let code = code_at(key, now);
        assert_eq!(verify(key, &code, now, 0), Some(step));
        assert_eq!(verify(key, &code, now, step), None, "a code is not accepted twice");
        let prev = code_at(key, now - 30_000);
        assert_eq!(verify(key, &prev, now, 0), Some(step - 1), "one step back is accepted");
        let old = code_at(key, now - 90_000);
        assert_eq!(verify(key, &old, now, 0), None, "three steps back is refused");
        assert_eq!(verify(key, "12345", now, 0), None);
        assert_eq!(verify(key, "abcdef", now, 0), None);
    }

    #[test]
    fn base32_rfc4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw 6ytb oi======"), Some(b"foobar".to_vec()));
        assert_eq!(base32_decode("MZ1"), None);
        let url = otpauth_url("mamori", "acme:tm1", "MZXW6YTBOI");
        assert_eq!(
            url,
            "otpauth://totp/mamori:acme%3Atm1?secret=MZXW6YTBOI&issuer=mamori&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(grouped("MZXW6YTBOI"), "MZXW 6YTB OI");
    }

    proptest! {
        #[test]
        fn base32_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(base32_decode(&base32_encode(&bytes)), Some(bytes));
        }
    }
}
