//! The staff directory's rules (people and awareness, 6.1–6.6, 5.11): the kinds of person, a
//! date field's check, who a person field names, and when a leaver checklist closes.

/// The kinds of person in scope, with their stable keys.
pub const KINDS: [&str; 5] = ["employee", "officer", "part_time", "contractor", "outsourced"];

/// Whether `key` is a kind of person.
pub fn is_kind(key: &str) -> bool {
    KINDS.contains(&key)
}

/// The states of a leaver checklist's item.
pub const ITEM_STATES: [&str; 3] = ["open", "done", "waived"];

/// Whether a date is written `YYYY-MM-DD` and exists.
pub fn is_date(s: &str) -> bool {
    s.len() == 10 && s.parse::<jiff::civil::Date>().is_ok()
}

/// Whether a person field's value (a login ID or a name, as the registers keep them) names the
/// person called `name` with login `login_id`: the same name (spaces, full-width or not,
/// ignored) or the same login ID.
pub fn names(value: &str, name: &str, login_id: Option<&str>) -> bool {
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let v = squash(value);
    !v.is_empty() && (v == squash(name) || login_id.is_some_and(|l| !l.is_empty() && v.eq_ignore_ascii_case(l)))
}

/// Whether a checklist with these item states closes: every item done or waived (an empty
/// checklist closes at once).
pub fn closes<'a>(states: impl IntoIterator<Item = &'a str>) -> bool {
    states.into_iter().all(|s| s == "done" || s == "waived")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_dates() {
        assert!(is_kind("part_time"));
        assert!(!is_kind("intern"));
        assert!(is_date("2026-04-01"));
        assert!(!is_date("2026-02-30"));
        assert!(!is_date("2026/04/01"));
        assert!(!is_date(""));
    }

    #[test]
    fn a_person_field_names_by_name_or_login() {
        assert!(names("山田 太郎", "山田　太郎", None));
        assert!(names("yamada", "山田太郎", Some("yamada")));
        assert!(!names("", "", None));
        assert!(!names("yamada", "山田太郎", None));
    }

    #[test]
    fn a_checklist_closes_only_when_all_are_settled() {
        assert!(closes(["done", "waived"]));
        assert!(!closes(["done", "open"]));
        assert!(closes([]));
    }
}
