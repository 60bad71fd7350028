//! The parser. See the crate documentation for its contract.
//!
//! Pipeline: decode lines → drop page headers/footers and page numbers → find control
//! headings (in catalogue order) → split each control into the control text and the
//! procedure → rebuild paragraphs from PDF-wrapped lines (labels start items; a line ending in
//! 。 or much shorter than the page width ends one) → set aside draft notes → extract records,
//! cross references, roles, intervals, approvals and external systems per sentence.

use crate::catalogue::{self, Theme};
use crate::dict::{Dictionaries, Matcher};
use crate::nfkc;
use crate::phrase;
use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;

/// Document metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DocumentMeta {
    /// 文書番号.
    pub number: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// 版数.
    pub edition: Option<String>,
    /// 制定／改訂日 (ISO date).
    pub date: Option<String>,
}

/// One procedure item with its label as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ProcedureItem {
    /// "(1)", "①", "a)", "I." …; none for a plain paragraph.
    pub label: Option<String>,
    /// The text, joined across line breaks.
    pub text: String,
    /// The source line of the item's first line.
    pub line: usize,
}

/// The events a duty can be anchored to instead of a calendar interval: the duty is due when
/// the event happens (it appears on the event's agenda or checklist).
pub const EVENT_FREQUENCIES: [&str; 6] =
    ["at_management_review", "at_internal_audit", "at_hire", "at_leave", "at_contract", "at_change"];

/// A recurring duty stated with an interval, or anchored to an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Recurring {
    /// daily, weekly, monthly, quarterly, semiannual, annual — or one of
    /// [`EVENT_FREQUENCIES`] for a duty that happens at an event.
    pub frequency: String,
    /// The sentence as written.
    pub source_text: String,
    /// What is to be done.
    pub what: String,
    /// Who, when the sentence says so.
    pub who: Option<String>,
    /// The sub-heading the procedure item sits under (e.g. 「(1) メールアドレス」), when any.
    #[serde(default)]
    pub context: Option<String>,
    /// The owner's role key (`top_management`, `security_manager`, `system_admin`,
    /// `internal_auditor`, `employee`), from the sentence, its sub-heading or the control.
    #[serde(default)]
    pub owner_role: Option<String>,
    /// A readable title (「パスワードの定期変更（メールアドレス）」), never a sentence fragment.
    #[serde(default)]
    pub title: String,
}

/// "定期的に" without an interval: needs a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Unspecified {
    /// The sentence as written.
    pub source_text: String,
    /// What is to be done.
    pub what: String,
    /// The sub-heading, when any.
    #[serde(default)]
    pub context: Option<String>,
    /// The owner's role key, when the regulation names one.
    #[serde(default)]
    pub owner_role: Option<String>,
    /// A readable title.
    #[serde(default)]
    pub title: String,
}

/// Something that needs 承認/許可/認可/合意.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Approval {
    /// The sentence.
    pub what: String,
    /// The approving role as written, when named (the first one of a joint approval).
    pub approver: Option<String>,
    /// The approving roles' keys (two or more for a joint approval), resolved from the
    /// sentence and its context.
    #[serde(default)]
    pub approver_roles: Vec<String>,
    /// `approval` (承認/許可/認可) or `agreement` (合意).
    #[serde(default)]
    pub kind: String,
    /// The sub-heading, when any.
    #[serde(default)]
    pub context: Option<String>,
    /// What is approved, short and readable (「事業継続計画」, 「再委託」).
    #[serde(default)]
    pub subject: String,
    /// The cases the approval covers when its sentence points to a list (「以下に記載するシステム
    /// 変更については、経営責任者の承認を得る。① …」): those cases are reserved to its approver
    /// even when another approval of the control covers changes in general. Empty otherwise.
    #[serde(default)]
    pub covers: Vec<String>,
}

/// One control as the organisation wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Control {
    /// Annex A id.
    pub id: String,
    /// Theme key.
    pub theme: Theme,
    /// Title as written.
    pub title: String,
    /// The control sentence (and any text before 手順).
    pub control_text: String,
    /// False when marked 対象外.
    pub applicable: bool,
    /// Why it is excluded, when stated.
    pub exclusion_reason: Option<String>,
    /// 手順.
    pub procedure: Vec<ProcedureItem>,
    /// Records named in 【…】, in order of first mention.
    pub records: Vec<String>,
    /// Other controls referred to.
    pub cross_refs: Vec<String>,
    /// Roles mentioned.
    pub roles: Vec<String>,
    /// Recurring duties.
    pub recurring: Vec<Recurring>,
    /// "定期的に" without an interval.
    pub recurring_unspecified: Vec<Unspecified>,
    /// Approvals.
    pub approvals: Vec<Approval>,
    /// External systems and vendors.
    pub external_systems: Vec<String>,
    /// Draft notes left by the authors (open items).
    pub draft_notes: Vec<String>,
    /// The 【…】 names that are documents (方針, ルール, マニュアル, 計画 …) rather than records
    /// kept in a register; they are also listed in `records`.
    #[serde(default)]
    pub documents: Vec<String>,
    /// Line of the heading.
    pub line: usize,
}

/// A problem found while parsing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Diagnostic {
    /// 1-based line (0 when it concerns the whole document).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The parsed regulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Regulation {
    /// Metadata.
    pub document: DocumentMeta,
    /// Controls in document order.
    pub controls: Vec<Control>,
    /// Diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

/// The input is not a regulation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no control headings (「管理策 5.1 …」) were found: this is not a 管理策規程")]
pub struct NotARegulation;

macro_rules! re {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new($pat).ok());
    };
}

re!(HEADING, r"^管理策\s*(\d{1,2})\s*\.\s*(\d{1,2})(?:\s+|$)(.*)$");
re!(HEADING_ORIG, r"^\s*管理策\s*[0-9０-９]{1,2}\s*[.．]\s*[0-9０-９]{1,2}\s*(.*)$");
re!(THEME_HEADING, r"^[5-8]\s*(組織的|人的|物理的|技術的)管理策$");
re!(PAGE_NUMBER, r"^(?:-\s*)?\d{1,4}(?:\s*-)?$|^\d{1,4}\s*/\s*\d{1,4}$");
re!(
    META_LINE,
    r"^(\S+)\s+(初版|第\s*\d+\s*版|\d+(?:\.\d+)?\s*版|[Vv]er\.?\s*\d+(?:\.\d+)*|Rev\.?\s*\d+)\s+(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?$"
);
re!(
    LABEL,
    r"^(\(\s*\d{1,2}\s*\)|\(\s*[a-zA-Z]\s*\)|[a-zA-Z]\)|\d{1,2}\)|(?:I|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII)\.|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ][.．]?|[①-⑳]|・|●|○|■|□|◆|◇|▪|－|-)\s*"
);
re!(RECORD, r"【([^】]{1,80})】");
re!(CROSS_REF, r"管理策\s*(\d{1,2})\s*\.\s*(\d{1,2})");
re!(
    INTERVAL_SLASH,
    r"(\d+)\s*(?:回|度)\s*/\s*(\d+)?\s*(日|週間|週|ヶ月|か月|カ月|ケ月|月|四半期|半年|年)(?:\s*以上)?(?:\s*(?:毎|ごと))?"
);
re!(INTERVAL_NI, r"(\d+)?\s*(日|週間|週|ヶ月|か月|カ月|ケ月|月|四半期|半年|年)\s*に\s*(\d+)\s*(?:回|度)(?:以上)?");
re!(
    INTERVAL_EVERY,
    r"毎(日|週|月|年)|(四半期|半年)(?:ごと|毎|に一度)|(\d+)\s*(ヶ月|か月|カ月|ケ月)\s*(?:ごと|毎)|(年次|月次|週次|日次)"
);
re!(
    DRAFT,
    r"確認後[、,]?\s*(?:記載|書き換え|修正|追記|決定)|記載予定|後日\s*(?:記載|追記)|TBD|TODO|要確認|検討中|(?:の|ん)か[。?？]?$"
);
re!(PROCEDURE_MARK, r"^[^\p{L}\p{N}]*手順\s*$");
re!(EXCLUDED, r"対象外");
re!(NOT_APPROVAL, r"(?:認可|許可)(?:されていない|していない|しない|されない)|無許可|無認可|不許可");
re!(NEGATIVE_END, r"(?:無い|ない|なし|しない)$");

re!(DUTY_END, r"(?:[うくすつぬぶむる]|させる|せる)$");
re!(POINTS_TO_LIST, r"以下|次の|下記");
re!(DOCUMENT_NAME, r"(?:方針|ルール|マニュアル|規程|規定|規則|計画|計画書|手順書|要領|ポリシー|基準|指針)$");
re!(NOTE_END, r"(?:[うくすつぬぶむる]|記載|追記|修正|削除|確認|検討|のか。?|か[。?？])$");
re!(NOTE_WORDS, r"記載|追記|書き換え|書換|消す|削除|修正|整理|加筆|のか。?$|か[?？]$");

/// The kind of a label: I., (1), ①, a), A), ・ …
fn label_kind(label: &str) -> char {
    let n = nfkc(label);
    let t = n.trim();
    let first = t.chars().next().unwrap_or(' ');
    if ('①'..='⑳').contains(&label.trim().chars().next().unwrap_or(' ')) {
        '①'
    } else if t.starts_with('(') {
        if t.chars().nth(1).is_some_and(|c| c.is_ascii_digit()) { '(' } else { 'p' }
    } else if t.ends_with('.') && t.chars().all(|c| "IVX.".contains(c)) || ('Ⅰ'..='Ⅻ').contains(&first) {
        'I'
    } else if first.is_ascii_lowercase() {
        'a'
    } else if first.is_ascii_uppercase() {
        'A'
    } else if first.is_ascii_digit() {
        '1'
    } else {
        first
    }
}

/// A sub-heading without its label (「(1) メールアドレス」 → 「メールアドレス」).
fn context_text(ctx: &str) -> String {
    split_label(ctx).map(|(_, rest)| rest.trim().to_string()).unwrap_or_else(|| ctx.to_string())
}

/// An unlabelled paragraph that reads like a note to the authors: no sentence end (or a
/// question), short, ending in a plain verb or a bare action noun.
fn looks_like_note(t: &str) -> bool {
    let n = nfkc(t);
    let n = n.trim();
    n.chars().count() <= 60
        && rx(&NOTE_END).is_some_and(|r| r.is_match(n))
        && (!n.ends_with('。') || n.ends_with("か。"))
}

/// A note to the authors sitting between procedure items: reads like a note and speaks of
/// the document itself (what to write, rewrite, delete or sort out) or asks a question.
fn is_note(t: &str) -> bool {
    looks_like_note(t) && rx(&NOTE_WORDS).is_some_and(|r| r.is_match(&nfkc(t)))
}

/// The acting roles of a sentence: a role directly followed by は, が or により, and the
/// roles joined to it by 並びに/及び/または/又は/と.
fn actors_of(norm: &str, roles: &Matcher) -> Vec<String> {
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

/// The event a sentence names as its time, and where the phrase ends.
fn event_anchor(norm: &str) -> Option<(&'static str, usize)> {
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
fn event_named(norm: &str) -> Option<&'static str> {
    event_anchor(norm).map(|(e, _)| e)
}

/// True when byte `at` is inside 【…】 (a record name such as 【退職時のチェックリスト】).
fn inside_brackets(norm: &str, at: usize) -> bool {
    let before = &norm[..at.min(norm.len())];
    before.matches('【').count() > before.matches('】').count()
}

/// Who owns a duty held at an event when the sentence names no one.
fn event_owner(event: &str) -> Option<&'static str> {
    match event {
        "at_management_review" => Some("top_management"),
        "at_internal_audit" => Some("internal_auditor"),
        _ => None,
    }
}

/// An approval found in a sentence.
struct Found {
    kind: &'static str,
    at: usize,
    approver: Option<String>,
    roles: Vec<String>,
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
fn approval_of(
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

fn rx(r: &'static LazyLock<Option<Regex>>) -> Option<&'static Regex> {
    r.as_ref()
}

/// A source line.
struct Line<'a> {
    no: usize,
    orig: &'a str,
    norm: String,
}

/// East Asian display width (full-width characters count 2).
fn width(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) < 0x1100 || ((c as u32) >= 0xFF61 && (c as u32) <= 0xFF9F) { 1 } else { 2 }).sum()
}

fn is_pua(c: char) -> bool {
    ('\u{E000}'..='\u{F8FF}').contains(&c)
}

/// Joins wrapped lines: no space between Japanese characters, one between ASCII words.
fn join(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        if let (Some(a), Some(b)) = (out.chars().next_back(), p.chars().next())
            && a.is_ascii_alphanumeric()
            && b.is_ascii_alphanumeric()
        {
            out.push(' ');
        }
        out.push_str(p);
    }
    out
}

/// A paragraph being rebuilt.
struct Para<'a> {
    label: Option<String>,
    parts: Vec<&'a str>,
    line: usize,
    ended: bool,
    /// Ended by a short line rather than by 。.
    short_end: bool,
    /// An authors' note, not part of the regulation.
    draft: bool,
}

impl Para<'_> {
    fn text(&self) -> String {
        join(&self.parts)
    }
}

/// Splits a label off the start of a line; returns (label, rest).
fn split_label(orig: &str) -> Option<(String, &str)> {
    let t = orig.trim_start();
    // Labels are detected on the original (NFKC would turn ① into 1).
    let first = t.chars().next()?;
    let t2: String;
    let probe: &str = if first == '（' || first.is_ascii_digit() || ('０'..='９').contains(&first) {
        // Full-width parentheses and digits: compare in NFKC form, map back by character count.
        t2 = nfkc(t.get(..t.char_indices().nth(6).map(|(i, _)| i).unwrap_or(t.len())).unwrap_or(t));
        &t2
    } else {
        t
    };
    let m = rx(&LABEL)?.find(probe)?;
    let label_norm = probe[..m.end()].trim().to_string();
    if label_norm == "-" && !probe[m.end()..].starts_with(|c: char| !c.is_ascii_digit()) {
        return None;
    }
    // Number of characters of the label in the probe → same count in the original.
    let n_chars = probe[..m.end()].chars().count();
    let n_chars = if probe.as_ptr() == t.as_ptr() { n_chars } else { label_char_count(t, &label_norm) };
    let cut = t.char_indices().nth(n_chars).map(|(i, _)| i).unwrap_or(t.len());
    let label_orig = t[..cut].trim().to_string();
    if label_orig.is_empty() {
        return None;
    }
    Some((label_orig, &t[cut..]))
}

/// How many original characters make up a label whose NFKC form is `label_norm`.
fn label_char_count(orig: &str, label_norm: &str) -> usize {
    let mut acc = String::new();
    for (n, c) in orig.chars().enumerate() {
        acc.push(c);
        if nfkc(&acc).trim() == label_norm {
            // Swallow following spaces.
            let rest = orig.chars().skip(n + 1).take_while(|c| c.is_whitespace()).count();
            return n + 1 + rest;
        }
        if n > 8 {
            break;
        }
    }
    0
}

/// The outline of a control before analysis.
struct RawControl<'a> {
    id: String,
    title: String,
    line: usize,
    excluded_in_title: bool,
    pre: Vec<Para<'a>>,
    procedure: Vec<Para<'a>>,
    in_procedure: bool,
}

/// Parses a regulation with the default dictionaries.
pub fn parse_default(text: &str) -> Result<Regulation, NotARegulation> {
    parse(text, &Dictionaries::default())
}

/// Parses a regulation.
pub fn parse(text: &str, dict: &Dictionaries) -> Result<Regulation, NotARegulation> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut diagnostics = Vec::new();
    let raw_lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches(['\r', ' ', '\t', '\u{3000}'])).collect();
    let lines: Vec<Line> = raw_lines
        .iter()
        .enumerate()
        .map(|(i, l)| Line { no: i + 1, orig: l, norm: nfkc(l).trim().to_string() })
        .collect();

    // ---- page headers, footers and page numbers ----
    let mut keep = vec![true; lines.len()];
    let mut document = DocumentMeta::default();
    let mut i = 0;
    while i < lines.len() {
        let n = &lines[i].norm;
        if n == "文書番号" || (n.starts_with("文書番号") && n.chars().count() <= 40 && !n.contains('。')) {
            // A header block: up to 12 lines, ending at a page number or the metadata line.
            let mut j = i;
            let mut saw_meta = false;
            while j < lines.len() && j < i + 12 {
                let l = &lines[j];
                keep[j] = false;
                if let Some(c) = rx(&META_LINE).and_then(|r| r.captures(&l.norm)) {
                    saw_meta = true;
                    if document.number.is_none() {
                        document.number = c.get(1).map(|m| m.as_str().to_string());
                        document.edition = c.get(2).map(|m| m.as_str().replace(' ', ""));
                        let (y, mo, d) = (c.get(3), c.get(4), c.get(5));
                        if let (Some(y), Some(mo), Some(d)) = (y, mo, d)
                            && let (Ok(y), Ok(mo), Ok(d)) =
                                (y.as_str().parse::<u32>(), mo.as_str().parse::<u32>(), d.as_str().parse::<u32>())
                            && (1..=12).contains(&mo)
                            && (1..=31).contains(&d)
                        {
                            document.date = Some(format!("{y:04}-{mo:02}-{d:02}"));
                        }
                    }
                } else if j > i
                    && document.title.is_none()
                    && !l.norm.is_empty()
                    && !l.norm.starts_with("版数")
                    && !l.norm.contains("改訂日")
                    && rx(&PAGE_NUMBER).is_none_or(|r| !r.is_match(&l.norm))
                {
                    document.title = Some(l.orig.trim().to_string());
                } else if j > i && l.norm.starts_with("文書番号") {
                    // "文書番号" may share its line with the title.
                }
                if j > i && saw_meta && rx(&PAGE_NUMBER).is_some_and(|r| r.is_match(&l.norm)) {
                    break;
                }
                if j > i + 1 && saw_meta && !l.norm.is_empty() && rx(&META_LINE).is_none_or(|r| !r.is_match(&l.norm)) {
                    // The first real line after the metadata: not part of the header.
                    keep[j] = !rx(&PAGE_NUMBER).is_some_and(|r| r.is_match(&l.norm));
                    if keep[j] {
                        break;
                    }
                }
                j += 1;
            }
            if !saw_meta {
                diagnostics.push(Diagnostic {
                    line: lines[i].no,
                    message: "page header without document number/edition/date line".into(),
                });
            }
            i = j + 1;
            continue;
        }
        if rx(&PAGE_NUMBER).is_some_and(|r| r.is_match(n)) {
            keep[i] = false;
        }
        i += 1;
    }
    // A title line on its own near the top ("…規程") when no header named it.
    if document.title.is_none() {
        document.title = lines
            .iter()
            .take(40)
            .filter(|l| keep[l.no - 1])
            .find(|l| l.norm.ends_with("規程") && l.norm.chars().count() <= 40)
            .map(|l| l.orig.trim().to_string());
    }

    // ---- page width: lines much shorter than most end a paragraph ----
    let mut widths: Vec<usize> =
        lines.iter().filter(|l| keep[l.no - 1] && !l.norm.is_empty()).map(|l| width(l.orig.trim())).collect();
    widths.sort_unstable();
    let p90 = widths.get(widths.len() * 9 / 10).copied().unwrap_or(80);
    let short_width = (p90 * 2 / 3).max(20);

    // ---- controls ----
    let mut controls: Vec<RawControl> = Vec::new();
    let mut last_index: Option<usize> = None;
    for l in lines.iter().filter(|l| keep[l.no - 1]) {
        if l.norm.is_empty() {
            continue;
        }
        if let Some(c) = rx(&HEADING).and_then(|r| r.captures(&l.norm))
            && !l.norm.contains('「')
            && !l.norm.contains('」')
        {
            let id = format!("{}.{}", &c[1], &c[2]);
            match catalogue::index_of(&id) {
                Some(ix) if last_index.is_none_or(|p| ix > p) => {
                    if let Some(p) = last_index
                        && ix > p + 1
                    {
                        for missing in &catalogue::controls()[p + 1..ix] {
                            diagnostics.push(Diagnostic {
                                line: l.no,
                                message: format!("control {} not found before {}", missing.id, id),
                            });
                        }
                    } else if last_index.is_none() && ix > 0 {
                        for missing in &catalogue::controls()[..ix] {
                            diagnostics.push(Diagnostic {
                                line: l.no,
                                message: format!("control {} not found before {}", missing.id, id),
                            });
                        }
                    }
                    last_index = Some(ix);
                    let rest_orig = rx(&HEADING_ORIG)
                        .and_then(|r| r.captures(l.orig))
                        .and_then(|c| c.get(1))
                        .map(|m| m.as_str())
                        .unwrap_or("");
                    let excluded = rx(&EXCLUDED).is_some_and(|r| r.is_match(rest_orig));
                    let title = rest_orig.replace("対象外", "").trim().to_string();
                    controls.push(RawControl {
                        id,
                        title,
                        line: l.no,
                        excluded_in_title: excluded,
                        pre: Vec::new(),
                        procedure: Vec::new(),
                        in_procedure: false,
                    });
                    continue;
                }
                Some(_) => {
                    diagnostics.push(Diagnostic {
                        line: l.no,
                        message: format!("control heading {id} out of order or repeated; treated as text"),
                    });
                }
                None => {
                    diagnostics.push(Diagnostic {
                        line: l.no,
                        message: format!("{id} is not an Annex A control id; treated as text"),
                    });
                }
            }
        }
        let Some(cur) = controls.last_mut() else {
            continue;
        };
        if rx(&THEME_HEADING).is_some_and(|r| r.is_match(&l.norm)) {
            if let Some(p) = cur.procedure.last_mut().or(cur.pre.last_mut()) {
                p.ended = true;
            }
            continue;
        }
        let stripped: String = l.norm.chars().filter(|c| !is_pua(*c)).collect();
        if !cur.in_procedure && rx(&PROCEDURE_MARK).is_some_and(|r| r.is_match(stripped.trim())) {
            cur.in_procedure = true;
            continue;
        }
        let orig = l.orig.trim_start().trim_start_matches(is_pua).trim();
        if orig.is_empty() {
            continue;
        }
        let target = if cur.in_procedure { &mut cur.procedure } else { &mut cur.pre };
        let labelled = if cur.in_procedure { split_label(orig) } else { None };
        let draft_line = labelled.is_none() && is_draft(orig);
        if draft_line {
            // An authors' note: it may finish an unlabelled fragment that broke early
            // ("…確保されていること" / "を業者ごとに確認後、記載する"), but it never continues
            // a labelled item.
            match target.last_mut() {
                Some(p) if p.label.is_none() && (!p.ended || p.short_end) && !p.text().ends_with('。') && !p.draft => {
                    p.parts.push(orig);
                    p.draft = true;
                    p.ended = true;
                }
                _ => target.push(Para {
                    label: None,
                    parts: vec![orig],
                    line: l.no,
                    ended: true,
                    short_end: false,
                    draft: true,
                }),
            }
            continue;
        }
        let start_new = labelled.is_some() || target.last().is_none_or(|p| p.ended);
        if start_new {
            let (label, text) = match labelled {
                Some((lab, rest)) => (Some(lab), rest),
                None => (None, orig),
            };
            target.push(Para { label, parts: vec![text], line: l.no, ended: false, short_end: false, draft: false });
        } else if let Some(p) = target.last_mut() {
            p.parts.push(orig);
        }
        if let Some(p) = target.last_mut() {
            // A line ends its paragraph when it closes a sentence or stops well short of the
            // page width (PDF extraction wraps full lines only).
            let sentence_end = orig.ends_with('。') || orig.ends_with('｡');
            // An open 【 or 「 always continues on the next line.
            let text = p.text();
            let open = text.matches('【').count() > text.matches('】').count()
                || text.matches('「').count() > text.matches('」').count();
            p.short_end = !sentence_end && !open && width(orig) < short_width;
            p.ended = !open && (sentence_end || p.short_end);
        }
    }
    if controls.is_empty() {
        return Err(NotARegulation);
    }
    if let Some(p) = last_index
        && p + 1 < catalogue::controls().len()
    {
        for missing in &catalogue::controls()[p + 1..] {
            diagnostics.push(Diagnostic { line: 0, message: format!("control {} not found", missing.id) });
        }
    }

    let roles = Matcher::new(&dict.roles);
    let systems = Matcher::new(&dict.systems);
    let controls = controls.into_iter().map(|c| analyse(c, dict, &roles, &systems, &mut diagnostics)).collect();
    Ok(Regulation { document, controls, diagnostics })
}

fn is_draft(text: &str) -> bool {
    rx(&DRAFT).is_some_and(|r| r.is_match(&nfkc(text)))
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// Sentences of a text, each with its 。.
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        cur.push(c);
        if c == '。' {
            out.push(std::mem::take(&mut cur).trim().to_string());
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

fn frequency(count: u32, period: u32, unit: &str) -> Option<&'static str> {
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
fn interval(norm: &str) -> Option<(Option<&'static str>, std::ops::Range<usize>)> {
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

/// The sentence with the interval phrase and its brackets removed.
fn what_of(norm: &str, span: Option<std::ops::Range<usize>>) -> String {
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
fn who_of(norm: &str, roles: &Matcher) -> Option<String> {
    let found = roles.find(norm);
    found.iter().find_map(|(_, end, canon)| {
        let after = &norm[*end..];
        let acts =
            ["は", "が", "により", "または", "又は", "及び", "並びに", "と", "、"].iter().any(|p| after.starts_with(p));
        acts.then(|| canon.clone())
    })
}

fn analyse(
    c: RawControl,
    dict: &Dictionaries,
    roles: &Matcher,
    systems: &Matcher,
    diagnostics: &mut Vec<Diagnostic>,
) -> Control {
    let mut draft_notes = Vec::new();
    let mut control_parts = Vec::new();
    for p in &c.pre {
        let t = p.text();
        if p.draft || is_draft(&t) { push_unique(&mut draft_notes, t) } else { control_parts.push(t) }
    }
    let mut procedure = Vec::new();
    let mut paras: Vec<(Option<String>, String, usize, bool)> =
        c.procedure.iter().map(|p| (p.label.clone(), p.text(), p.line, p.draft)).collect();
    // A note split over two lines whose second line is a few characters ("…整理し、記" / "載する")
    // was cut by the short-line rule: join it back.
    let mut k = 0;
    while k + 1 < paras.len() {
        let (a, b) = (&paras[k], &paras[k + 1]);
        if a.0.is_none()
            && b.0.is_none()
            && !a.3
            && !a.1.ends_with(['。', '】', '」'])
            && b.1.chars().count() <= 8
            && looks_like_note(&format!("{}{}", a.1, b.1))
        {
            let joined = format!("{}{}", a.1, b.1);
            paras[k].1 = joined;
            paras.remove(k + 1);
        } else {
            k += 1;
        }
    }
    for (i, (label, t, line, draft)) in paras.iter().enumerate() {
        let between = i > 0;
        if *draft || (label.is_none() && is_draft(t)) || (label.is_none() && between && is_note(t)) {
            push_unique(&mut draft_notes, t.clone());
        } else {
            if label.is_none() && between && looks_like_note(t) && !t.ends_with('。') {
                diagnostics.push(Diagnostic {
                    line: *line,
                    message: format!("control {}: not taken as a draft note (reads as procedure): {t}", c.id),
                });
            }
            procedure.push(ProcedureItem { label: label.clone(), text: t.clone(), line: *line });
        }
    }
    let control_text = control_parts.join("\n");
    if control_text.is_empty() {
        diagnostics.push(Diagnostic { line: c.line, message: format!("control {}: no control sentence", c.id) });
    }
    if c.procedure.is_empty() && !c.in_procedure {
        diagnostics.push(Diagnostic { line: c.line, message: format!("control {}: no 手順 section", c.id) });
    }

    // Applicability: 対象外 in the title, or a procedure item that declares it.
    let mut applicable = !c.excluded_in_title;
    let mut exclusion_reason = None;
    if let Some(item) = procedure
        .iter()
        .find(|i| nfkc(&i.text).trim_end_matches('。').ends_with("対象外") || nfkc(&i.text).contains("対象外とする"))
    {
        applicable = false;
        exclusion_reason = Some(item.text.clone());
    } else if c.excluded_in_title {
        // The procedure of an excluded control explains why (e.g. "PC は OS の設定により自動的に同期している。").
        exclusion_reason = procedure.iter().find(|i| i.text.contains("対象外")).map(|i| i.text.clone());
        if exclusion_reason.is_none() {
            let all: Vec<&str> = procedure
                .iter()
                .map(|i| i.text.as_str())
                .chain(control_parts.iter().skip(1).map(String::as_str))
                .collect();
            let joined = all.join(" ");
            if !joined.is_empty() && joined.chars().count() <= 300 {
                exclusion_reason = Some(joined);
            }
        }
    }

    let mut records = Vec::new();
    let mut cross_refs = Vec::new();
    let mut role_names = Vec::new();
    let mut recurring: Vec<Recurring> = Vec::new();
    let mut unspecified: Vec<Unspecified> = Vec::new();
    let mut approvals: Vec<Approval> = Vec::new();
    let mut external = Vec::new();
    let key_of = |canon: &str| dict.role_key(canon).map(str::to_string);

    // Sub-headings: a short labelled item without 。 followed by a deeper item (another label
    // kind, or an unlabelled paragraph) heads the items below it until an item of its own kind
    // or a shallower one. Depth is the order in which label kinds first appear in the control.
    let mut kinds: Vec<char> = Vec::new();
    let depth = |kinds: &mut Vec<char>, label: &Option<String>| -> Option<usize> {
        let k = label_kind(label.as_deref()?);
        Some(match kinds.iter().position(|x| *x == k) {
            Some(i) => i,
            None => {
                kinds.push(k);
                kinds.len() - 1
            }
        })
    };
    let depths: Vec<Option<usize>> = procedure.iter().map(|p| depth(&mut kinds, &p.label)).collect();
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut contexts: Vec<Option<String>> = Vec::new();
    let mut children: Vec<Vec<String>> = Vec::new();
    for (i, p) in procedure.iter().enumerate() {
        if let Some(d) = depths[i] {
            stack.retain(|(sd, _)| *sd < d);
        }
        contexts.push(stack.last().map(|(_, t)| t.clone()));
        let next_deeper = match (depths[i], depths.get(i + 1)) {
            (Some(d), Some(Some(n))) => *n > d,
            (Some(_), Some(None)) => true,
            _ => false,
        };
        let text = p.text.trim();
        if let (Some(d), Some(label)) = (depths[i], &p.label)
            && next_deeper
            && !text.ends_with('。')
            && !text.contains('【')
            && text.chars().count() <= 40
        {
            stack.push((d, format!("{label} {text}")));
        }
        // The items a sentence such as 「以下に記載する…は、…の承認を得る。」 points to.
        let mut kids = Vec::new();
        if let Some(d) = depths[i] {
            for (j, q) in procedure.iter().enumerate().skip(i + 1) {
                match depths[j] {
                    Some(e) if e > d => kids.push(q.text.trim().trim_end_matches('。').to_string()),
                    _ => break,
                }
            }
        }
        children.push(kids);
    }

    /// One text the analysis reads: whether it is the organisation's (not the standard's
    /// control sentence), its sub-heading and the items it points to.
    struct Src<'a> {
        operative: bool,
        text: &'a str,
        context: Option<String>,
        children: &'a [String],
    }
    let no_children: Vec<String> = Vec::new();
    let texts: Vec<Src> = control_parts
        .iter()
        .enumerate()
        .map(|(i, t)| Src { operative: i > 0, text: t.as_str(), context: None, children: &no_children })
        .chain(procedure.iter().enumerate().map(|(i, p)| Src {
            operative: true,
            text: p.text.as_str(),
            context: contexts[i].clone(),
            children: &children[i],
        }))
        .collect();

    // Who acts: per sub-heading and in the whole control (the most frequent acting role).
    let mut context_actor: Vec<(Option<String>, String)> = Vec::new();
    let mut actor_count: Vec<(String, usize)> = Vec::new();
    for src in texts.iter().filter(|s| s.operative) {
        let norm = nfkc(src.text);
        let mut heads = vec![norm.clone()];
        if let Some(ctx) = &src.context {
            heads.push(nfkc(ctx));
        }
        for (n, h) in heads.iter().enumerate() {
            for a in actors_of(h, roles) {
                let Some(key) = key_of(&a) else { continue };
                if n == 0 {
                    match actor_count.iter_mut().find(|(k, _)| *k == key) {
                        Some(x) => x.1 += 1,
                        None => actor_count.push((key.clone(), 1)),
                    }
                }
                if !context_actor.iter().any(|(c, _)| *c == src.context) && src.context.is_some() {
                    context_actor.push((src.context.clone(), key));
                }
            }
        }
    }
    let control_actor = actor_count.iter().max_by_key(|(_, n)| *n).map(|(k, _)| k.clone());
    let owner = |norm: &str, ctx: &Option<String>, event: Option<&str>| -> Option<String> {
        let actors = actors_of(norm, roles);
        if !actors.is_empty() {
            // The regulation names who acts; a role without a key (人事担当者) owns no key.
            return actors.iter().find_map(|a| key_of(a));
        }
        None.or_else(|| event.and_then(event_owner).map(str::to_string))
            .or_else(|| event_named(norm).and_then(event_owner).map(str::to_string))
            .or_else(|| context_actor.iter().find(|(c, _)| c == ctx && c.is_some()).map(|(_, k)| k.clone()))
            .or_else(|| control_actor.clone())
    };

    let mut prev_action: Option<String> = None;
    for src in &texts {
        let text = src.text;
        if let Some(r) = rx(&RECORD) {
            for m in r.captures_iter(text) {
                let name: String = m[1].split_whitespace().collect::<Vec<_>>().join(" ");
                if !name.is_empty() {
                    push_unique(&mut records, name);
                }
            }
        }
        for sentence in sentences(text) {
            let norm = nfkc(&sentence);
            if let Some(r) = rx(&CROSS_REF) {
                for m in r.captures_iter(&norm) {
                    let id = format!("{}.{}", &m[1], &m[2]);
                    if id != c.id && catalogue::control(&id).is_some() {
                        push_unique(&mut cross_refs, id);
                    }
                }
            }
            let found_roles = roles.find(&norm);
            for (_, _, r) in &found_roles {
                push_unique(&mut role_names, r.clone());
            }
            for (_, _, s) in systems.find(&norm) {
                push_unique(&mut external, s);
            }
            if !src.operative {
                continue;
            }
            let spans: Vec<(usize, usize)> = found_roles.iter().map(|(s, e, _)| (*s, *e)).collect();
            let body = norm.trim_end_matches('。').trim();
            let ctx = &src.context;
            let seen_recurring = recurring.iter().any(|r: &Recurring| r.source_text == sentence && r.context == *ctx);
            let seen_unspecified =
                unspecified.iter().any(|u: &Unspecified| u.source_text == sentence && u.context == *ctx);
            let mut this_action = None;
            match interval(&norm) {
                Some((Some(freq), span)) if !seen_recurring => {
                    let (title, action) = phrase::duty_title(&norm, Some(span.end), &spans, prev_action.as_deref());
                    this_action = Some(action);
                    recurring.push(Recurring {
                        owner_role: owner(&norm, ctx, None),
                        context: ctx.clone(),
                        title,
                        frequency: freq.to_string(),
                        source_text: sentence.clone(),
                        what: what_of(&norm, Some(span)),
                        who: who_of(&norm, roles),
                    })
                }
                Some((None, _)) => diagnostics.push(Diagnostic {
                    line: c.line,
                    message: format!("control {}: interval not one of daily…annual: {sentence}", c.id),
                }),
                None if norm.contains("定期的") => {
                    if rx(&NEGATIVE_END).is_some_and(|r| r.is_match(body)) {
                        diagnostics.push(Diagnostic {
                            line: c.line,
                            message: format!(
                                "control {}: not taken as a duty (定期的 but the sentence says there is nothing to do): {sentence}",
                                c.id
                            ),
                        });
                    } else if !seen_unspecified {
                        let anchor = norm.find("定期的").map(|i| i + "定期的".len());
                        let (title, action) = phrase::duty_title(&norm, anchor, &spans, prev_action.as_deref());
                        this_action = Some(action);
                        unspecified.push(Unspecified {
                            source_text: sentence.clone(),
                            what: what_of(&norm, None),
                            owner_role: owner(&norm, ctx, None),
                            context: ctx.clone(),
                            title,
                        })
                    }
                }
                None => {
                    if let Some((event, at)) = event_anchor(&norm).filter(|(_, at)| !inside_brackets(&norm, *at)) {
                        let ends_in_verb = rx(&DUTY_END).is_some_and(|r| r.is_match(body));
                        if ends_in_verb && !rx(&NEGATIVE_END).is_some_and(|r| r.is_match(body)) {
                            if !seen_recurring {
                                let (title, action) = phrase::duty_title(&norm, Some(at), &spans, None);
                                this_action = Some(action);
                                recurring.push(Recurring {
                                    owner_role: owner(&norm, ctx, Some(event)),
                                    context: ctx.clone(),
                                    title,
                                    frequency: event.to_string(),
                                    source_text: sentence.clone(),
                                    what: what_of(&norm, None),
                                    who: who_of(&norm, roles),
                                });
                            }
                        } else {
                            diagnostics.push(Diagnostic {
                                line: c.line,
                                message: format!(
                                    "control {}: not taken as a duty at {event} (names the event but states no act): {sentence}",
                                    c.id
                                ),
                            });
                        }
                    }
                }
                _ => {}
            }
            prev_action = this_action.filter(|a| !a.is_empty());
            match approval_of(&norm, &found_roles, &approvals, dict) {
                Ok(Some(a)) => {
                    let (context, covers) =
                        if src.children.is_empty() || !rx(&POINTS_TO_LIST).is_some_and(|r| r.is_match(&norm)) {
                            (ctx.clone(), Vec::new())
                        } else {
                            (Some(src.children.join("、")), src.children.to_vec())
                        };
                    approvals.push(Approval {
                        what: sentence.trim().to_string(),
                        approver: a.approver,
                        approver_roles: a.roles,
                        kind: a.kind.into(),
                        context,
                        subject: phrase::approval_subject(&norm, a.at, &spans),
                        covers,
                    });
                }
                Ok(None) => {}
                Err(why) => diagnostics.push(Diagnostic {
                    line: c.line,
                    message: format!("control {}: not taken as an approval ({why}): {sentence}", c.id),
                }),
            }
        }
    }

    // Titles are distinct within a control: a title shared by several duties gains its
    // sub-heading, then its position.
    let mut titles: Vec<String> =
        recurring.iter().map(|r| r.title.clone()).chain(unspecified.iter().map(|u| u.title.clone())).collect();
    let ctxs: Vec<Option<String>> =
        recurring.iter().map(|r| r.context.clone()).chain(unspecified.iter().map(|u| u.context.clone())).collect();
    let dup = |titles: &[String], i: usize| titles.iter().enumerate().any(|(j, t)| j != i && *t == titles[i]);
    let with_ctx: Vec<String> = (0..titles.len())
        .map(|i| match (&ctxs[i], dup(&titles, i)) {
            (Some(ctx), true) => format!("{}（{}）", titles[i], context_text(ctx)),
            _ => titles[i].clone(),
        })
        .collect();
    titles = with_ctx;
    for i in 0..titles.len() {
        let mut n = 2;
        while dup(&titles, i) {
            let base = titles[i].clone();
            titles[i] = format!("{base}（{n}）");
            n += 1;
        }
    }
    let n_rec = recurring.len();
    for (i, t) in titles.into_iter().enumerate() {
        if i < n_rec {
            recurring[i].title = t;
        } else {
            unspecified[i - n_rec].title = t;
        }
    }

    let documents: Vec<String> =
        records.iter().filter(|r| rx(&DOCUMENT_NAME).is_some_and(|d| d.is_match(&nfkc(r)))).cloned().collect();

    // Vendors and systems named in the authors' notes are still named by the document.
    for n in &draft_notes {
        for (_, _, s) in systems.find(&nfkc(n)) {
            push_unique(&mut external, s);
        }
    }

    Control {
        theme: catalogue::control(&c.id).map(|x| x.theme).unwrap_or(Theme::Organizational),
        id: c.id,
        title: c.title,
        control_text,
        applicable,
        exclusion_reason,
        procedure,
        records,
        cross_refs,
        roles: role_names,
        recurring,
        recurring_unspecified: unspecified,
        approvals,
        external_systems: external,
        draft_notes,
        documents,
        line: c.line,
    }
}
