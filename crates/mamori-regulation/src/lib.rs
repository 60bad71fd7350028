//! The Annex A catalogue and the parser of an organisation's 管理策規程.
//!
//! Pure: bytes or text in, a structured regulation plus diagnostics out. Parsing never
//! fails on a broken part (it becomes a diagnostic); only a document with no control
//! headings at all is rejected, because it is not a regulation.

pub mod catalogue;
pub mod dict;
pub mod diff;
pub mod input;
pub mod parse;
pub mod phrase;

pub use dict::Dictionaries;
pub use parse::{Regulation, parse};

use unicode_normalization::UnicodeNormalization;

/// NFKC normalisation (used for matching only; the original text is kept for display).
pub fn nfkc(s: &str) -> String {
    s.nfkc().collect()
}
