//! Input caps shared by the use cases that take people's text: every problem is collected at its
//! field (`field-required`, `field-too-long`), never the first one only.

/// (field, message key).
pub type Problems = Vec<(String, String)>;

/// The longest title or name kept.
pub const MAX_TITLE: usize = 200;

/// The longest free text kept (a finding, a corrective action, an item of a review).
pub const MAX_TEXT: usize = 4000;

/// The longest report kept (an internal audit's conclusion).
pub const MAX_REPORT: usize = 20_000;

/// The most entries of one list in a form (actions, decisions, auditors, input items).
pub const MAX_ENTRIES: usize = 200;

/// Records a problem at a field.
pub fn problem(p: &mut Problems, field: &str, key: &str) {
    p.push((field.to_string(), key.to_string()));
}

/// A text of at most `max` characters, trimmed (required: not blank).
pub fn text(p: &mut Problems, field: &str, v: &str, max: usize, required: bool) -> String {
    let v = v.trim();
    if required && v.is_empty() {
        problem(p, field, "field-required");
    } else if v.chars().count() > max {
        problem(p, field, "field-too-long");
    }
    v.to_string()
}

/// A list of at most `max` entries.
pub fn entries<T>(p: &mut Problems, field: &str, list: &[T], max: usize) {
    if list.len() > max {
        problem(p, field, "field-too-many");
    }
}

/// `Ok(())` when no problem was found, else the validation error with all of them.
pub fn done(p: Problems) -> Result<(), crate::AppError> {
    if p.is_empty() { Ok(()) } else { Err(crate::AppError::Validation(p)) }
}
