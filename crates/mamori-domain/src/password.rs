//! Password rules (regulation 5.17) and hashing (argon2id).
//!
//! The policy is checked before hashing; every broken rule is reported so the user can fix
//! all of them at once. The salt is a parameter: callers draw it from the OS.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use serde::Serialize;

/// Minimum length stated by the regulation (8 文字以上).
pub const MIN_LENGTH: usize = 8;
/// Maximum length (characters): long passphrases are welcome, unbounded input to argon2 is not.
pub const MAX_LENGTH: usize = 128;

/// A rule the new password breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyViolation {
    /// Fewer than [`MIN_LENGTH`] characters.
    TooShort,
    /// More than [`MAX_LENGTH`] characters.
    TooLong,
    /// Contains no letter (any alphabetic character: Latin, kana, kanji …).
    NoLetter,
    /// Contains no ASCII digit 0-9 (`²`, `١`, `１` are not digits here).
    NoDigit,
    /// Equal to the login ID once both are normalised ([`normalise_login`]).
    EqualsLoginId,
    /// The same as the current password (checked on change only).
    SameAsCurrent,
}

impl PolicyViolation {
    /// The i18n catalogue key describing this rule.
    pub fn message_key(self) -> &'static str {
        match self {
            PolicyViolation::TooShort => "password-too-short",
            PolicyViolation::TooLong => "password-too-long",
            PolicyViolation::NoLetter => "password-no-letter",
            PolicyViolation::NoDigit => "password-no-digit",
            PolicyViolation::EqualsLoginId => "password-equals-login-id",
            PolicyViolation::SameAsCurrent => "password-same-as-current",
        }
    }
}

/// A login ID (or a password compared with one) normalised: NFKC, lower case, trimmed. Full-width
/// `ＴＭ１` and `tm1 ` both become `tm1`. This is also the stored login key that logins match.
pub fn normalise_login(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfkc().collect::<String>().to_lowercase().trim().to_string()
}

/// Checks a candidate password against the policy; an empty result means it is acceptable.
///
/// Letters are any alphabetic character (the regulation's 5.17 says 英字と数字; a Japanese
/// passphrase with digits is accepted). Digits are ASCII 0-9 only.
pub fn check_policy(password: &str, login_id: &str) -> Vec<PolicyViolation> {
    let mut v = Vec::new();
    let len = password.chars().count();
    if len < MIN_LENGTH {
        v.push(PolicyViolation::TooShort);
    }
    if len > MAX_LENGTH {
        v.push(PolicyViolation::TooLong);
    }
    if !password.chars().any(char::is_alphabetic) {
        v.push(PolicyViolation::NoLetter);
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        v.push(PolicyViolation::NoDigit);
    }
    if normalise_login(password) == normalise_login(login_id) {
        v.push(PolicyViolation::EqualsLoginId);
    }
    v
}

/// Hashing failed (only for a salt of the wrong size).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes with argon2id (default parameters: m=19456, t=2, p=1) and a caller-supplied salt.
pub fn hash(password: &str, salt: &[u8; 16]) -> Result<String, HashError> {
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_letters_and_digits_of_eight_or_more() {
        assert!(check_policy("abcd1234", "yamada").is_empty());
        assert!(check_policy("パスワード12345", "yamada").is_empty());
    }

    #[test]
    fn reports_every_broken_rule() {
        assert_eq!(check_policy("abc", "x"), vec![PolicyViolation::TooShort, PolicyViolation::NoDigit]);
        assert_eq!(check_policy("12345678", "x"), vec![PolicyViolation::NoLetter]);
        assert_eq!(check_policy("Yamada123", "yamada123"), vec![PolicyViolation::EqualsLoginId]);
    }

    #[test]
    fn hash_is_argon2id_and_verifies() {
        let h = hash("abcd1234", &[7u8; 16]).unwrap();
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert!(verify("abcd1234", &h));
        assert!(!verify("abcd1235", &h));
        assert!(!verify("abcd1234", "not a hash"));
    }

    #[test]
    fn login_id_in_full_width_or_with_spaces_is_refused() {
        assert!(check_policy("ｙａｍａｄａ１２３", "yamada123").contains(&PolicyViolation::EqualsLoginId));
        assert!(check_policy("yamada123 ", "yamada123").contains(&PolicyViolation::EqualsLoginId));
        assert!(check_policy(" YAMADA123", "yamada123").contains(&PolicyViolation::EqualsLoginId));
    }

    #[test]
    fn only_ascii_digits_count() {
        assert_eq!(check_policy("abcdefg²", "x"), vec![PolicyViolation::NoDigit]);
        assert_eq!(check_policy("abcdefg١", "x"), vec![PolicyViolation::NoDigit]);
        assert_eq!(check_policy("abcdefg１", "x"), vec![PolicyViolation::NoDigit]);
        assert!(check_policy("abcdefg1", "x").is_empty());
    }

    #[test]
    fn maximum_length() {
        let ok = format!("a1{}", "b".repeat(MAX_LENGTH - 2));
        assert!(check_policy(&ok, "x").is_empty());
        let long = format!("{ok}c");
        assert_eq!(check_policy(&long, "x"), vec![PolicyViolation::TooLong]);
    }

    proptest! {
        #[test]
        fn policy_never_accepts_short_long_or_digitless(s in "\\PC{0,140}") {
            let v = check_policy(&s, "someone");
            let n = s.chars().count();
            prop_assert_eq!(v.contains(&PolicyViolation::TooShort), n < MIN_LENGTH);
            prop_assert_eq!(v.contains(&PolicyViolation::TooLong), n > MAX_LENGTH);
            prop_assert_eq!(v.contains(&PolicyViolation::NoDigit), !s.bytes().any(|b| b.is_ascii_digit()));
        }

        /// Whatever width, case or surrounding spaces, the login ID is refused as a password.
        #[test]
        fn login_id_variants_are_refused(id in "[a-z0-9._-]{8,20}", upper in any::<bool>(), full in any::<bool>(), pad in "[ \t\u{3000}]{0,3}") {
            let mut p: String = if upper { id.to_uppercase() } else { id.clone() };
            if full {
                p = p.chars().map(|c| if c.is_ascii_alphanumeric() { char::from_u32(c as u32 + 0xFEE0).unwrap_or(c) } else { c }).collect();
            }
            let candidate = format!("{pad}{p}{pad}");
            prop_assert!(check_policy(&candidate, &id).contains(&PolicyViolation::EqualsLoginId), "{candidate:?}");
        }

        /// An accepted password has 8..=128 characters, an ASCII digit and a letter, and is not the login ID.
        #[test]
        fn accepted_passwords_meet_every_rule(s in "\\PC{0,140}", id in "[a-z0-9]{1,10}") {
            if check_policy(&s, &id).is_empty() {
                let n = s.chars().count();
                prop_assert!((MIN_LENGTH..=MAX_LENGTH).contains(&n));
                prop_assert!(s.bytes().any(|b| b.is_ascii_digit()));
                prop_assert!(s.chars().any(char::is_alphabetic));
                prop_assert_ne!(normalise_login(&s), normalise_login(&id));
            }
        }
    }
}
