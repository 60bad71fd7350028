//! Approvals: whether a sentence that names 承認/許可/認可/合意 is one, and who approves.

#[allow(clippy::wildcard_imports)]
use super::*;

/// An approval found in a sentence.
pub(super) struct Found {
    pub(super) kind: &'static str,
    pub(super) at: usize,
    pub(super) approver: Option<String>,
    pub(super) roles: Vec<String>,
}

/// The approval in a sentence, if any; `Err` says why a sentence that names 承認/許可/認可/合意
/// is not one (a negation or prohibition, the word used as a topic, an agreement with an
/// outside party).
///
/// The approver is, in order: the role(s) right before 「の承認」 (two or more joined by
/// 並びに/及び/と: a joint approval), the role before 「に承認され」, a role with が before the
/// word in the same sentence, the acting role (は) of a sentence whose verb is 許可する/承認する;
/// 「承認者」 refers to the approver of the approval before it in the control; otherwise
/// (「当社の承認」, no one named) the top management decides.
pub(super) fn approval_of(
    norm: &str,
    found: &[(usize, usize, String)],
    earlier: &[Approval],
    dict: &Dictionaries,
) -> Result<Option<Found>, String> {
    static WORD: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"承認|許可|認可|合意").ok());
    let Some(word) = WORD.as_ref() else { return Ok(None) };
    let hits: Vec<regex::Match> = word.find_iter(norm).collect();
    if hits.is_empty() {
        return Ok(None);
    }
    if rx(&NOT_APPROVAL).is_some_and(|r| r.is_match(norm)) {
        return Err("a negation or prohibition".into());
    }
    let key = |c: &str| dict.role_key(c).map(str::to_string);
    let mut why = String::new();
    for m in &hits {
        let after = &norm[m.end()..];
        let before = &norm[..m.start()];
        if m.as_str() != "合意" && after.starts_with('者') {
            continue; // 承認者: the person, not the act
        }
        if ["に関する", "に係る", "の責任", "の権限", "の手順"].iter().any(|p| after.starts_with(p)) {
            why = format!("{} names a topic, not a decision", m.as_str());
            continue;
        }
        // Roles whose mention ends right before 「の<word>」, with the roles joined to them.
        let direct = |particle: &str| -> Vec<String> {
            let Some(last) = found.iter().rposition(|(_, e, _)| before.get(*e..).is_some_and(|r| r == particle)) else {
                return Vec::new();
            };
            let mut group = vec![found[last].2.clone()];
            let mut j = last;
            while j > 0 {
                let between = norm[found[j - 1].1..found[j].0].trim();
                if ["並びに", "及び", "と", "、"].contains(&between) {
                    group.insert(0, found[j - 1].2.clone());
                    j -= 1;
                } else {
                    break;
                }
            }
            group
        };
        let mut names = direct("の");
        if names.is_empty() {
            names = direct("に");
        }
        if names.is_empty() && m.as_str() != "合意" {
            // が-role in the same sentence before the word, with no other role between.
            if let Some((_, e, c)) = found.iter().rev().find(|(_, e, _)| *e <= m.start())
                && norm[*e..].starts_with('が')
            {
                names = vec![c.clone()];
            }
        }
        if names.is_empty()
            && m.as_str() != "合意"
            && (after.starts_with("する") || after.starts_with("した"))
            && let Some((_, _, c)) = found.iter().find(|(_, e, _)| norm[*e..].starts_with('は'))
        {
            names = vec![c.clone()];
        }
        if m.as_str() == "合意" {
            if names.is_empty() {
                why = "an agreement with an outside party, not an internal approval".into();
                continue;
            }
            return Ok(Some(Found {
                kind: "agreement",
                at: m.start(),
                approver: names.first().cloned(),
                roles: names.iter().filter_map(|n| key(n)).collect(),
            }));
        }
        let mut roles: Vec<String> = names.iter().filter_map(|n| key(n)).collect();
        if roles.is_empty() {
            roles = if norm.contains("承認者") {
                earlier.last().map(|a| a.approver_roles.clone()).unwrap_or_default()
            } else {
                Vec::new()
            };
            if roles.is_empty() {
                roles = vec!["top_management".to_string()];
            }
        }
        return Ok(Some(Found { kind: "approval", at: m.start(), approver: names.first().cloned(), roles }));
    }
    if why.is_empty() { Ok(None) } else { Err(why) }
}
