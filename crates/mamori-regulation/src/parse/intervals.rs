//! When and by whom: stated intervals (「1 回/年」, 「年に 1 回」 …) as frequencies, the events a
//! duty is anchored to (マネジメントレビュー, 内部監査, 入社時 …) and their owners, the roles that
//! act in a sentence, and what is to be done.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn frequency(count: u32, period: u32, unit: &str) -> Option<&'static str> {
    // Occurrences per year.
    let per_year: f64 = match unit {
        "日" => 365.0 / f64::from(period),
        "週" | "週間" => 52.0 / f64::from(period),
        "月" | "ヶ月" | "か月" | "カ月" | "ケ月" => 12.0 / f64::from(period),
        "四半期" => 4.0 / f64::from(period),
        "半年" => 2.0 / f64::from(period),
        "年" => 1.0 / f64::from(period),
        _ => return None,
    } * f64::from(count);
    let table = [
        (365.0, "daily"),
        (52.0, "weekly"),
        (12.0, "monthly"),
        (4.0, "quarterly"),
        (2.0, "semiannual"),
        (1.0, "annual"),
    ];
    table.iter().find(|(n, _)| (per_year - n).abs() < 0.01).map(|(_, f)| *f)
}

/// The interval stated in a sentence: (frequency, matched span in the NFKC text).
pub(super) fn interval(norm: &str) -> Option<(Option<&'static str>, std::ops::Range<usize>)> {
    if let Some(c) = rx(&INTERVAL_SLASH).and_then(|r| r.captures(norm)) {
        let count = c.get(1)?.as_str().parse().ok()?;
        let period = c.get(2).and_then(|m| m.as_str().parse().ok()).unwrap_or(1);
        return Some((frequency(count, period, c.get(3)?.as_str()), c.get(0)?.range()));
    }
    if let Some(c) = rx(&INTERVAL_NI).and_then(|r| r.captures(norm)) {
        let period = c.get(1).and_then(|m| m.as_str().parse().ok()).unwrap_or(1);
        let count = c.get(3)?.as_str().parse().ok()?;
        return Some((frequency(count, period, c.get(2)?.as_str()), c.get(0)?.range()));
    }
    if let Some(c) = rx(&INTERVAL_EVERY).and_then(|r| r.captures(norm)) {
        let f = if let Some(u) = c.get(1) {
            frequency(1, 1, u.as_str())
        } else if let Some(u) = c.get(2) {
            frequency(1, 1, u.as_str())
        } else if let (Some(n), Some(u)) = (c.get(3), c.get(4)) {
            frequency(1, n.as_str().parse().ok()?, u.as_str())
        } else {
            match c.get(5).map(|m| m.as_str()) {
                Some("年次") => Some("annual"),
                Some("月次") => Some("monthly"),
                Some("週次") => Some("weekly"),
                Some("日次") => Some("daily"),
                _ => None,
            }
        };
        return Some((f, c.get(0)?.range()));
    }
    None
}

/// The event a sentence names as its time, and where the phrase ends.
pub(super) fn event_anchor(norm: &str) -> Option<(&'static str, usize)> {
    static EVENTS: LazyLock<Vec<(&'static str, Option<Regex>)>> = LazyLock::new(|| {
        [
            ("at_management_review", r"マネジメントレビュー\s*(?:にて|において|で|の場で|時に?|の際に?)"),
            ("at_internal_audit", r"内部監査\s*(?:にて|において|で|時に?|の際に?)"),
            ("at_leave", r"(?:退職|退社|離職|(?:雇用|契約|合意)の?終了)\s*(?:時|の際)"),
            ("at_hire", r"(?:入社|採用|雇入れ|雇用開始)\s*(?:時|の際)"),
            ("at_contract", r"(?:契約締結|契約|締結)\s*(?:時|の際)"),
            ("at_change", r"変更\s*(?:時|の際)"),
        ]
        .into_iter()
        .map(|(k, p)| (k, Regex::new(p).ok()))
        .collect()
    });
    EVENTS.iter().find_map(|(k, r)| r.as_ref()?.find(norm).map(|m| (*k, m.end())))
}

/// The event a sentence names, whatever its grammar (for the owner of an interval duty
/// held at an event: 「１回/年、内部監査時に見直し」).
pub(super) fn event_named(norm: &str) -> Option<&'static str> {
    event_anchor(norm).map(|(e, _)| e)
}

/// True when byte `at` is inside 【…】 (a record name such as 【退職時のチェックリスト】).
pub(super) fn inside_brackets(norm: &str, at: usize) -> bool {
    let before = &norm[..at.min(norm.len())];
    before.matches('【').count() > before.matches('】').count()
}

/// Who owns a duty held at an event when the sentence names no one.
pub(super) fn event_owner(event: &str) -> Option<&'static str> {
    match event {
        "at_management_review" => Some("top_management"),
        "at_internal_audit" => Some("internal_auditor"),
        _ => None,
    }
}

/// The acting roles of a sentence: a role directly followed by は, が or により, and the
/// roles joined to it by 並びに/及び/または/又は/と.
pub(super) fn actors_of(norm: &str, roles: &Matcher) -> Vec<String> {
    let found = roles.find(norm);
    let mut out = Vec::new();
    for (i, (_, end, canon)) in found.iter().enumerate() {
        let after = &norm[*end..];
        // 「全ての従業員及び外部の利用者は」: a role joined to a short non-role phrase.
        let joined =
            ["及び", "又は", "または", "並びに"].iter().find_map(|p| after.strip_prefix(p)).is_some_and(|rest| {
                rest.find(['は', 'が']).is_some_and(|i| {
                    let mid = &rest[..i];
                    mid.chars().count() <= 12 && !mid.contains('、') && !mid.ends_with('の')
                })
            }) && i + 1 == found.len();
        if joined || ["は", "が", "により"].iter().any(|p| after.starts_with(p)) {
            // Roles joined before it.
            let mut j = i;
            let mut group = vec![canon.clone()];
            while j > 0 {
                let (_, pe, pc) = &found[j - 1];
                let between = &norm[*pe..found[j].0];
                if ["並びに", "及び", "または", "又は", "と", "、"].contains(&between.trim()) {
                    group.insert(0, pc.clone());
                    j -= 1;
                } else {
                    break;
                }
            }
            for g in group {
                push_unique(&mut out, g);
            }
        }
    }
    out
}

/// The sentence with the interval phrase and its brackets removed.
pub(super) fn what_of(norm: &str, span: Option<std::ops::Range<usize>>) -> String {
    let mut s = match span {
        Some(r) => {
            let rest = &norm[r.end..];
            // A particle left dangling by the removal ("1 回/月にバックアップ" → "バックアップ").
            let t = rest.trim_start();
            let rest =
                t.strip_prefix('に').or_else(|| t.strip_prefix('で')).or_else(|| t.strip_prefix('、')).unwrap_or(rest);
            format!("{}{}", norm[..r.start].trim_end(), rest)
        }
        None => norm.to_string(),
    };
    // "定期的な間隔" keeps its words; "定期的に" and a bare "定期的(…)" go.
    s = s.replace("定期的な", "\u{0}");
    for junk in ["()", "( )", "の頻度で", "の頻度にて", "頻度で", "定期的に", "定期的"] {
        s = s.replace(junk, "");
    }
    s = s.replace('\u{0}', "定期的な");
    while s.contains("、、") {
        s = s.replace("、、", "、");
    }
    s = s.replace("、 ", "、").replace(" 、", "、");
    s.trim().trim_start_matches(['、', ',', ' ']).trim_end_matches('。').trim().to_string()
}

/// The role that acts in a sentence: the first role followed by は, が or により (or by
/// または/及び/並びに and another role that is), else none.
pub(super) fn who_of(norm: &str, roles: &Matcher) -> Option<String> {
    let found = roles.find(norm);
    found.iter().find_map(|(_, end, canon)| {
        let after = &norm[*end..];
        let acts =
            ["は", "が", "により", "または", "又は", "及び", "並びに", "と", "、"].iter().any(|p| after.starts_with(p));
        acts.then(|| canon.clone())
    })
}
