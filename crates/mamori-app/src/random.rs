//! Randomness from the operating system: session tokens, salts, initial passwords.

use crate::AppError;

fn fill(buf: &mut [u8]) -> Result<(), AppError> {
    getrandom::fill(buf).map_err(|e| AppError::Internal(format!("OS random source failed: {e}")))
}

/// 32 random bytes as hex (session tokens, CSRF tokens).
pub fn token() -> Result<String, AppError> {
    let mut b = [0u8; 32];
    fill(&mut b)?;
    Ok(mamori_domain::hex::encode(&b))
}

/// `N` random bytes (TOTP secrets).
pub fn bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut b = [0u8; N];
    fill(&mut b)?;
    Ok(b)
}

/// A recovery code: 10 characters of lower-case letters and digits without look-alikes, shown
/// as `xxxxx-xxxxx` (about 50 bits).
pub fn recovery_code() -> Result<String, AppError> {
    const SET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let b = bytes::<10>()?;
    let mut out = String::with_capacity(11);
    for (i, x) in b.iter().enumerate() {
        if i == 5 {
            out.push('-');
        }
        out.push(char::from(SET.get(usize::from(*x) % SET.len()).copied().unwrap_or(b'x')));
    }
    Ok(out)
}

/// A 16-byte salt.
pub fn salt() -> Result<[u8; 16], AppError> {
    let mut b = [0u8; 16];
    fill(&mut b)?;
    Ok(b)
}

/// A 12-character initial password with letters and digits (no look-alike characters).
pub fn initial_password() -> Result<String, AppError> {
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    const MIXED: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut b = [0u8; 12];
    fill(&mut b)?;
    let mut out = String::with_capacity(12);
    for (i, x) in b.iter().enumerate() {
        // Positions 3 and 8 are digits, so both character classes are always present.
        let set = if i == 3 || i == 8 {
            DIGITS
        } else if i % 4 == 0 {
            LETTERS
        } else {
            MIXED
        };
        let idx = usize::from(*x) % set.len();
        out.push(char::from(set.get(idx).copied().unwrap_or(b'x')));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn initial_passwords_meet_the_policy() {
        for _ in 0..200 {
            let p = super::initial_password().unwrap();
            assert_eq!(p.len(), 12);
            assert!(mamori_domain::password::check_policy(&p, "admin").is_empty(), "{p}");
        }
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(super::token().unwrap(), super::token().unwrap());
        assert_eq!(super::token().unwrap().len(), 64);
    }
}
