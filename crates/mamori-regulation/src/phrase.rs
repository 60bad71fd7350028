//! Readable noun phrases from regulation sentences: the title of a duty (「パスワードの定期変更」,
//! 「バックアップの存在検査」) and the subject of an approval (「再委託」).
//!
//! The rules work on the NFKC text of one sentence. A duty's action is the first action word
//! (見直し, 変更, 確認, 検査, レビュー …) at or after its anchor — the stated interval, 定期的 or
//! the event — else the first in the main clause; its object is the nearest 「…を」 before the
//! action, else 「…について」, else the topic 「…は」 when it is not a role, else a 「…に」
//! target (「USB へのバックアップ」). Conditions (「…場合は、」), purposes (「…ために、」), the
//! acting role, demonstratives (その, これら) and 【】 are left out. A title never starts with a
//! particle or conjunction and never ends in a verb: when no action word is found the title is
//! the topic itself or 「…に関する作業」.

use regex::Regex;
use std::sync::LazyLock;

static ACTION: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(見直し|見直す|見直|変更|確認|確かめ|検査|監査|レビュー|監視|試験|テスト|バックアップ|記録|報告|検証|分析|更新|スキャン|説明|点検|評価|返却|削除|提出)(?:し|す|を|さ|せ|の|る|め|に|て|、|。|$)",
    )
    .ok()
});
static CLAUSE_BREAK: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?:場合(?:に|には|は)?|ために|において|にて|にあたって|に際して(?:は)?|時(?:に|には|は)?)、").ok()
});
static VERB_END: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?:[うくすつぬぶむるたいだ]|こと|事|ない|ください)$").ok());
static LEADING: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"^(?:また|尚|なお|但し|ただし|及び|および|または|又は|並びに|さらに|更に|[、,をにがはでともへのや])+、?",
    )
    .ok()
});

/// An action word as its noun.
fn action_noun(word: &str) -> &str {
    match word {
        "見直し" | "見直す" | "見直" => "見直し",
        "確かめ" => "確認",
        w => w,
    }
}

/// True when a title or subject reads as a sentence fragment: it starts with a particle or a
/// conjunction, ends in a verb form, or holds a sentence end.
pub fn is_fragment(title: &str) -> bool {
    let t = title.trim();
    // The context in （…） is the sub-heading as written; only the phrase itself is judged.
    let head = t.split('（').next().unwrap_or(t);
    head.is_empty()
        || head.contains('。')
        || LEADING.as_ref().is_some_and(|r| r.is_match(head))
        || VERB_END.as_ref().is_some_and(|r| r.is_match(head))
        || head.ends_with("を行う")
}

/// Removes leading conjunctions and particles.
fn strip_leading(s: &str) -> &str {
    let mut s = s.trim();
    if let Some(m) = LEADING.as_ref().and_then(|r| r.find(s)) {
        s = &s[m.end()..];
    }
    s.trim()
}

/// Tidies a noun phrase: no brackets, no demonstratives, 、 as ・, no leading particles.
pub(crate) fn tidy(s: &str) -> String {
    let mut t: String = s.chars().filter(|c| !matches!(c, '【' | '】' | '「' | '」' | '。')).collect();
    t = strip_leading(&t).to_string();
    for junk in ["定期的に", "定期的"] {
        t = t.replace(junk, "");
    }
    for (from, to) in [("、", "・"), ("，", "・"), (",", "・")] {
        t = t.replace(from, to);
    }
    let mut t = strip_leading(&t).to_string();
    loop {
        let before = t.len();
        for p in ["当社の", "弊社の", "これらの", "これら", "それらの", "その", "この", "全ての", "すべての", "各"]
        {
            if let Some(r) = t.strip_prefix(p) {
                t = r.trim().to_string();
            }
        }
        t = strip_leading(&t).to_string();
        if t.len() == before {
            break;
        }
    }
    let t = t.trim_matches(['・', ' ']);
    t.strip_suffix("の全て").or_else(|| t.strip_suffix("のすべて")).unwrap_or(t).trim().to_string()
}

/// Joins a noun phrase and what follows it, with a space after a Latin word.
fn cat(a: &str, b: &str) -> String {
    if a.chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric()) {
        format!("{a} {b}")
    } else {
        format!("{a}{b}")
    }
}

/// Start of the main clause that contains byte `at`: after the last condition, purpose or
/// event phrase ending in 、 before it.
fn clause_start(norm: &str, at: usize) -> usize {
    CLAUSE_BREAK.as_ref().map(|r| r.find_iter(&norm[..at]).last().map(|m| m.end()).unwrap_or(0)).unwrap_or(0)
}

/// The text after the last acting role (`role_ends` are byte ends of role mentions followed
/// by は/が/により/、) before `at`, from `from`.
fn after_actor(norm: &str, from: usize, at: usize, role_ends: &[usize]) -> usize {
    let mut start = from;
    for &e in role_ends {
        if e >= from && e <= at {
            let rest = &norm[e..at];
            for p in ["により", "は、", "が、", "は", "が", "、"] {
                if rest.starts_with(p) {
                    start = start.max(e + p.len());
                    break;
                }
            }
        }
    }
    start
}

/// The object of an action whose word starts at `at`, looked for in `norm[from..at]`.
fn object_before(norm: &str, from: usize, at: usize) -> Option<(String, bool)> {
    let seg = norm.get(from..at)?;
    let seg = seg.trim_end_matches(['、', ' ']);
    // 「…に関するレビュー」: the phrase is the object and the noun together.
    if seg.ends_with("に関する") {
        let start = seg.rfind('、').map(|i| i + '、'.len_utf8()).unwrap_or(0);
        return Some((tidy(&seg[start..]), true));
    }
    let cut = |s: &str| -> String {
        let start = ["、", "は", "が", "で", "について", "する", "した", "れた"]
            .iter()
            .filter_map(|d| {
                s.rfind(d)
                    .filter(|&i| !(*d == "する" && (s[..i].ends_with("に対") || s[..i].ends_with("に関"))))
                    .map(|i| i + d.len())
            })
            .filter(|&i| i < s.len())
            .max()
            .unwrap_or(0);
        tidy(&s[start..])
    };
    if let Some(i) = seg.rfind('を') {
        let obj = &seg[..i];
        // A clause as object (「…が…であること」): too long to name; the caller uses the topic.
        let obj_from = obj.rfind('、').map(|k| k + '、'.len_utf8()).unwrap_or(0);
        let whole = &obj[obj_from..];
        let whole_clause = obj.strip_suffix("こと").filter(|w| w.contains('を') && !w.contains('が'));
        if let Some(w) = whole_clause
            && let Some((a, b)) = w.rsplit_once('を')
        {
            let b = b.trim_end_matches("していること").trim_end_matches("している").trim_end_matches("する");
            return Some((format!("{}の{}の", tidy(a), tidy(b)), true));
        }
        if let Some(stem) = whole.strip_suffix("こと").or_else(|| whole.strip_suffix("事")) {
            if stem.contains('が') || stem.contains('を') {
                return None;
            }
            let stem = stem
                .trim_end_matches("していること")
                .trim_end_matches("している")
                .trim_end_matches("である")
                .trim_end_matches("する");
            return Some((tidy(stem), true));
        }
        let o = cut(obj);
        if !o.is_empty() {
            return Some((o, false));
        }
    }
    if let Some(stem) = seg.strip_suffix("するかどうか").or_else(|| seg.strip_suffix("かどうか")) {
        return Some((cut(stem), true));
    }
    if let Some(i) = seg.rfind("について") {
        let o = cut(&seg[..i]);
        if !o.is_empty() {
            return Some((o, false));
        }
    }
    None
}

/// The topic 「…は」 at the start of a clause, unless it is a role.
fn topic(norm: &str, from: usize, at: usize, role_spans: &[(usize, usize)]) -> Option<String> {
    let seg = norm.get(from..at)?;
    let i = seg.match_indices('は').map(|(i, _)| i).find(|&i| {
        let b = &seg[..i];
        !["又", "また", "に", "と", "で", "或", "或い"].iter().any(|p| b.ends_with(p))
    })?;
    let t = &seg[..i];
    let t = t.strip_suffix("について").unwrap_or(t);
    let abs = from + i;
    if role_spans.iter().any(|&(s, e)| s >= from && e <= abs) || t.contains("場合") || t.chars().count() > 40 {
        return None;
    }
    let t = tidy(t);
    (!t.is_empty()).then_some(t)
}

/// A duty's title. `anchor`: where its interval, 定期的 or event phrase ends (the action
/// looked for is the first after it). `roles`: role mentions (byte spans). `inherit`: the
/// action of the sentence before, for a sentence without an object (「1 回/月、存在すること
/// を検査する」 after 「…バックアップする」).
pub fn duty_title(
    norm: &str,
    anchor: Option<usize>,
    roles: &[(usize, usize)],
    inherit: Option<&str>,
) -> (String, String) {
    let norm = norm.trim_end().trim_end_matches('。');
    let anchor = anchor.map(|a| norm.floor_char_boundary(a.min(norm.len())));
    let Some(re) = ACTION.as_ref() else {
        return (fallback(norm), String::new());
    };
    let found: Vec<(usize, &str)> = re
        .captures_iter(norm)
        .filter_map(|c| c.get(1))
        .filter(|m| !["マネジメント", "内部"].iter().any(|p| norm[..m.start()].ends_with(p)))
        .map(|m| (m.start(), m.as_str()))
        .collect();
    let pick = anchor
        .and_then(|a| found.iter().find(|(p, _)| *p >= a))
        .or_else(|| {
            let main = clause_start(norm, norm.len());
            found.iter().find(|(p, _)| *p >= main)
        })
        .or_else(|| found.first());
    let role_ends: Vec<usize> = roles.iter().map(|r| r.1).collect();
    let Some(&(at, word)) = pick else {
        return (fallback(norm), String::new());
    };
    let action = action_noun(word).to_string();
    let cs = clause_start(norm, at);
    let from = after_actor(norm, cs, at, &role_ends);
    // A topic that already is the duty (「方針のレビューは、…にて行う」).
    if let Some(t) = topic(norm, 0, norm.len(), roles)
        && ["行う", "行なう", "実施する"].iter().any(|v| norm.ends_with(v))
        && let Some(m) = re.find_iter(&format!("{t}。")).last().and_then(|_| {
            [
                "見直し",
                "変更",
                "確認",
                "検査",
                "監査",
                "レビュー",
                "監視",
                "試験",
                "テスト",
                "バックアップ",
                "検証",
                "分析",
                "評価",
                "点検",
            ]
            .into_iter()
            .find(|a| t.ends_with(a))
        })
    {
        return (t.clone(), m.to_string());
    }
    let periodic = norm.contains("定期") && matches!(action.as_str(), "変更" | "更新");
    let noun = if periodic { format!("定期{action}") } else { action.clone() };
    let after_anchor = anchor.filter(|a| *a > from && *a < at).and_then(|a| object_before(norm, a, at));
    let title = match after_anchor.or_else(|| object_before(norm, from, at)) {
        Some((o, true)) if !o.is_empty() => {
            if o.ends_with("に関する") {
                format!("{o}{noun}")
            } else {
                match inherit {
                    Some(prev) if !norm.contains('は') => format!("{prev}の{o}{noun}"),
                    _ if o.ends_with('の') => format!("{o}{noun}"),
                    _ => format!("{o}{noun}"),
                }
            }
        }
        Some((o, false)) => cat(&o, &format!("の{noun}")),
        _ => {
            if let Some(t) = topic(norm, cs.min(from), at, roles).or_else(|| topic(norm, 0, at, roles)) {
                cat(&t, &format!("の{noun}"))
            } else if let Some(prev) = inherit {
                format!("{prev}の{noun}")
            } else if let Some(target) =
                norm[from..at].trim_end().strip_suffix('に').map(tidy).filter(|t| !t.is_empty())
            {
                cat(&target, &format!("への{noun}"))
            } else if norm.contains("定期") {
                format!("定期的な{noun}")
            } else {
                noun.clone()
            }
        }
    };
    let title = if is_fragment(&title) { fallback(norm) } else { title };
    (title, action)
}

/// A title for a sentence with no action word: its topic, or 「…に関する作業」.
fn fallback(norm: &str) -> String {
    let norm = norm.trim_end_matches('。');
    if let Some(t) = topic(norm, 0, norm.len(), &[]) {
        return if VERB_END.as_ref().is_some_and(|r| r.is_match(&t)) { format!("{t}に関する作業") } else { t };
    }
    let head: String = tidy(norm).chars().take(20).collect();
    format!("{head}に関する作業")
}

/// The subject of an approval sentence whose approval word starts at `at`: what is approved.
pub fn approval_subject(norm: &str, at: usize, roles: &[(usize, usize)]) -> String {
    // Offsets are the caller's: only the end is trimmed.
    let norm = norm.trim_end().trim_end_matches('。');
    let at = norm.floor_char_boundary(at.min(norm.len()));
    let role_free = |s: &str| -> String {
        let mut t = s.to_string();
        for (rs, re) in roles.iter().rev() {
            if let Some(r) = norm.get(*rs..*re) {
                t = t.replace(r, "");
            }
        }
        t
    };
    let verbless = |s: &str| -> String {
        let mut t = s.trim().to_string();
        for suffix in [
            "する必要が生じた",
            "が生じた",
            "する",
            "を行う",
            "を行なう",
            "が発生する",
            "になった",
            "になる",
            "する事",
            "すること",
        ] {
            if let Some(r) = t.strip_suffix(suffix) {
                t = r.to_string();
            }
        }
        tidy(&t)
    };
    // 「コンピュータの持ち込み：…」
    if let Some(i) = norm[..at].find('：').or_else(|| norm[..at].find(':')) {
        let s = tidy(&norm[..i]);
        if !s.is_empty() && s.chars().count() <= 30 {
            return s;
        }
    }
    // 「…なしで委託先が再委託する事」: the act done without approval.
    for k in ["なしで", "無しで", "なしに", "無しに"] {
        if norm[at..].contains(k)
            && let Some(i) = norm[at..].find(k)
        {
            let rest = &norm[at + i + k.len()..];
            let end =
                ["する事", "すること", "を", "は"].iter().filter_map(|e| rest.find(e)).min().unwrap_or(rest.len());
            let act = &rest[..end];
            let act = act.rsplit(['が', '、']).next().unwrap_or(act);
            let s = tidy(act);
            if !s.is_empty() {
                return s;
            }
        }
    }
    let before = &norm[..at];
    // Topic: 「特権 ID の登録は…」, 「以下に記載するシステム変更については…」.
    if let Some(t) = topic(norm, 0, at, roles) {
        let t = t.rsplit("する").next().unwrap_or(&t).to_string();
        let t = tidy(t.trim_end_matches("について"));
        if !t.is_empty() {
            return t;
        }
    }
    // An object just before the approval (「変更要求・変更計画を記入し、…の承認を得る」).
    let clause_from = before.rfind("場合").map(|i| i + "場合".len()).unwrap_or(0);
    if let Some(i) = before[clause_from..].rfind('を') {
        let obj = &before[clause_from..clause_from + i];
        if let Some(clause) = obj.strip_suffix("こと") {
            // 「持ち出す情報が適切であること」: what the clause is about.
            let clause = clause.rsplit('、').next().unwrap_or(clause);
            let head = tidy(clause.split('が').next().unwrap_or(clause));
            if !head.is_empty() && clause.contains('が') {
                return head;
            }
        }
        let start = obj.rfind(['、', 'は', 'が']).map(|k| k + 3).unwrap_or(0).min(obj.len());
        let obj = &obj[start..];
        let obj = obj.rsplit_once("】に").map(|(_, r)| r).filter(|r| !r.is_empty()).unwrap_or(obj);
        let s = tidy(obj);
        if let Some(clause) = s.strip_suffix("こと") {
            // 「持ち出す情報が適切であること」: what the clause is about.
            let head = tidy(clause.split('が').next().unwrap_or(clause));
            if !head.is_empty() {
                return head;
            }
        } else if !s.is_empty() {
            return s;
        }
    }
    if let Some(i) = before.rfind("について") {
        let t = &before[..i];
        let start =
            ["、", "した", "する", "は"].iter().filter_map(|d| t.rfind(d).map(|k| k + d.len())).max().unwrap_or(0);
        let s = tidy(&t[start..]);
        if !s.is_empty() {
            return s;
        }
    }
    // A condition: 「外部組織との間で情報転送する場合には、」 or 「…提供にあたって、」.
    for k in ["場合", "にあたって", "に際して"] {
        if let Some(i) = before.find(k) {
            let cond = role_free(&before[..i]);
            let cond =
                ["など、", "等、", "は、"].iter().find_map(|d| cond.rsplit_once(d).map(|(_, r)| r)).unwrap_or(&cond);
            let cond = cond.trim_end_matches("を許可する").trim_end_matches("を承認する");
            let s = verbless(cond);
            let s = match s.strip_suffix('す') {
                Some(stem) => format!("{stem}し"),
                None => s,
            };
            if !s.is_empty() {
                return tidy(&s);
            }
        }
    }
    let after = &norm[at..];
    // 「経営責任者が認可したネットワーク」.
    for k in ["したもの", "した"] {
        if let Some(i) = after.find(k) {
            let rest = &after[i + k.len()..];
            let end = ["のみ", "だけ", "を", "は"].iter().filter_map(|e| rest.find(e)).min().unwrap_or(rest.len());
            let s = tidy(&rest[..end]);
            if !s.is_empty() && s != "もの" {
                return s;
            }
        }
    }
    // What is done after approval: 「…の承認のもと、…事業継続マネジメントプロセスを実施する」.
    if let Some(i) = after.rfind('を') {
        let obj = &after[..i];
        let start = ["、", "れた", "した", "する", "が"]
            .iter()
            .filter_map(|d| obj.rfind(d).map(|k| k + d.len()))
            .max()
            .unwrap_or(0);
        let s = tidy(&obj[start.min(obj.len())..]);
        if !s.is_empty() && !["承認", "許可", "認可", "合意"].contains(&s.as_str()) {
            return s;
        }
    }
    let head: String = tidy(&role_free(before)).chars().take(30).collect();
    if head.is_empty() { "承認事項".to_string() } else { head }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_of_typical_sentences() {
        let t = |s: &str, a: Option<&str>| duty_title(s, a.and_then(|a| s.find(a).map(|i| i + a.len())), &[], None).0;
        assert_eq!(t("パスワードは、定期的(1 回/1 年)変更する。", Some("年)")), "パスワードの定期変更");
        assert_eq!(
            t("特権 ID の利用者について、1 回/年以上、レビューする。", Some("以上")),
            "特権 ID の利用者のレビュー"
        );
        assert_eq!(
            t("基本方針及び個別方針のレビューは、マネジメントレビューにて行う。", None),
            "基本方針及び個別方針のレビュー"
        );
        assert_eq!(
            duty_title("1 回/月、存在することを検査する。", Some(9), &[], Some("バックアップ")).0,
            "バックアップの存在検査"
        );
        assert!(is_fragment("また、稼働するかどうか試験を行う"));
        assert!(is_fragment("パスワードは、変更する"));
        assert!(!is_fragment("パスワードの定期変更（メールアドレス）"));
    }
}
