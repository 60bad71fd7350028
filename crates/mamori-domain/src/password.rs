//! Password rules (regulation 5.17) and hashing (argon2id).
//!
//! The policy is checked before hashing; every broken rule is reported so the user can fix
//! all of them at once. The salt is a parameter: callers draw it from the OS.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use serde::Serialize;

/// Minimum length stated by the regulation (8 文字以上).
pub const MIN_LENGTH: usize = 8;

/// A rule the new password breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyViolation {
    /// Fewer than [`MIN_LENGTH`] characters.
    TooShort,
    /// Contains no letter.
    NoLetter,
    /// Contains no digit.
    NoDigit,
    /// Equal to the login ID (case-insensitive).
    EqualsLoginId,
    /// The same as the current password (checked on change only).
    SameAsCurrent,
}

impl PolicyViolation {
    /// The i18n catalogue key describing this rule.
    pub fn message_key(self) -> &'static str {
        match self {
            PolicyViolation::TooShort => "password-too-short",
            PolicyViolation::NoLetter => "password-no-letter",
            PolicyViolation::NoDigit => "password-no-digit",
            PolicyViolation::EqualsLoginId => "password-equals-login-id",
            PolicyViolation::SameAsCurrent => "password-same-as-current",
        }
    }
}

/// Checks a candidate password against the policy; an empty result means it is acceptable.
pub fn check_policy(password: &str, login_id: &str) -> Vec<PolicyViolation> {
    let mut v = Vec::new();
    if password.chars().count() < MIN_LENGTH {
        v.push(PolicyViolation::TooShort);
    }
    if !password.chars().any(char::is_alphabetic) {
        v.push(PolicyViolation::NoLetter);
    }
    if !password.chars().any(|c| c.is_ascii_digit() || c.is_numeric()) {
        v.push(PolicyViolation::NoDigit);
    }
    if password.to_lowercase() == login_id.to_lowercase() {
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

    proptest! {
        #[test]
        fn policy_never_accepts_short_or_digitless(s in "\\PC{0,20}") {
            let v = check_policy(&s, "someone");
            if s.chars().count() < MIN_LENGTH { prop_assert!(v.contains(&PolicyViolation::TooShort)); }
            if !s.chars().any(|c| c.is_numeric()) { prop_assert!(v.contains(&PolicyViolation::NoDigit)); }
        }
    }
}
