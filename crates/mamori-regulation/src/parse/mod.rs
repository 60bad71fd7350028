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

mod analyse;
mod approvals;
mod intervals;
mod notes;

use analyse::*;
use approvals::*;
use intervals::*;
use notes::*;

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
