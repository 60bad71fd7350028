//! Draft notes: the authors' notes to themselves between procedure items, by their shape.

#[allow(clippy::wildcard_imports)]
use super::*;

/// An unlabelled paragraph that reads like a note to the authors: no sentence end (or a
/// question), short, ending in a plain verb or a bare action noun.
pub(super) fn looks_like_note(t: &str) -> bool {
    let n = nfkc(t);
    let n = n.trim();
    n.chars().count() <= 60
        && rx(&NOTE_END).is_some_and(|r| r.is_match(n))
        && (!n.ends_with('。') || n.ends_with("か。"))
}

/// A note to the authors sitting between procedure items: reads like a note and speaks of
/// the document itself (what to write, rewrite, delete or sort out) or asks a question.
pub(super) fn is_note(t: &str) -> bool {
    looks_like_note(t) && rx(&NOTE_WORDS).is_some_and(|r| r.is_match(&nfkc(t)))
}

pub(super) fn is_draft(text: &str) -> bool {
    rx(&DRAFT).is_some_and(|r| r.is_match(&nfkc(text)))
}
