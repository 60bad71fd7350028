//! A questionnaire template as a spreadsheet (the セキュリティチェックシート Japanese companies
//! exchange in Excel): the first sheet, a header row 区分 | 質問 | 期待する回答 | 関連する要求事項
//! (the last optional; lines above the header, such as a title, are skipped: the header is the
//! first row with a 質問 cell), then one question per row. [`parse`] turns the cells (already read and
//! capped by the caller) into a [`Template`] or every problem with its row and column;
//! [`to_grid`] writes a template back in the same format, so an export imports again to the
//! same questions.
//!
//! Rules: blank rows are skipped; a blank 区分 continues the section above (Excel's merged
//! cells leave it blank), but the first question needs one; 質問 is required; 期待する回答 is
//! はい or いいえ (or yes/no); 関連する要求事項
//! is empty or a requirement of `data/suppliers.json` by key, label, or the label's short form
//! before its （…）. Header labels may carry a note in brackets (「期待する回答（はい/いいえ）」).
//! Cell text is compared after NFKC (full-width letters) and trimming.

use crate::questionnaire::{Question, Section, Template};
use crate::supplier::catalogue;
use unicode_normalization::UnicodeNormalization;

/// The most questions one template holds.
pub const MAX_QUESTIONS: usize = 300;
/// The longest question text.
pub const MAX_QUESTION_CHARS: usize = 1000;
/// The longest section title.
pub const MAX_SECTION_CHARS: usize = 100;
/// The longest template title.
pub const MAX_TITLE_CHARS: usize = 200;
/// The most problems reported (the rest are cut: the file is refused either way).
pub const MAX_PROBLEMS: usize = 200;

/// The columns: (key, header label, required).
pub const COLUMNS: [(&str, &str, bool); 4] = [
    ("section", "区分", true),
    ("text", "質問", true),
    ("expected", "期待する回答", true),
    ("requirement", "関連する要求事項", false),
];

/// The header label of a column key (the key itself when unknown; `title` and `file` too).
pub fn column_label(key: &str) -> &'static str {
    match key {
        "title" => "表題",
        "file" => "ファイル",
        _ => COLUMNS.iter().find(|c| c.0 == key).map(|c| c.1).unwrap_or("ファイル"),
    }
}

/// One problem of a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetProblem {
    /// The row as a spreadsheet shows it (1 = the first row); 0 for the file as a whole.
    pub row: usize,
    /// The column's key (`section`, `text`, `expected`, `requirement`; `file`, `title`).
    pub column: &'static str,
    /// The message key (`qt-…`).
    pub message: &'static str,
}

fn norm(s: &str) -> String {
    s.nfkc().collect::<String>().trim().to_string()
}

/// A header cell's label without its note in brackets.
fn header_label(cell: &str) -> String {
    let n = norm(cell);
    let cut = n.find(['(', '（', '【', '[']).unwrap_or(n.len());
    n[..cut].trim().to_string()
}

/// The requirement key a cell names (key, label, or the label's short form).
pub fn requirement_of(cell: &str) -> Option<String> {
    let n = norm(cell);
    catalogue()
        .requirements
        .iter()
        .find(|r| {
            let label = norm(&r.label);
            let short = label.split(['（', '(']).next().unwrap_or("").trim().to_string();
            n == r.key || n == label || (!short.is_empty() && n == short)
        })
        .map(|r| r.key.clone())
}

/// The expected answer a cell gives (`yes`, `no`).
fn expected_of(cell: &str) -> Option<&'static str> {
    match norm(cell).to_lowercase().as_str() {
        "はい" | "yes" => Some("yes"),
        "いいえ" | "no" => Some("no"),
        _ => None,
    }
}

/// The title a file name gives: the name without folders and its extension, trimmed.
pub fn title_from_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = match base.rfind('.') {
        Some(i) if i > 0 => &base[..i],
        _ => base,
    };
    norm(stem)
}

/// Checks a template title → the problems (empty when fine).
pub fn check_title(title: &str) -> Option<SheetProblem> {
    let n = title.trim();
    if n.is_empty() {
        return Some(SheetProblem { row: 0, column: "title", message: "qt-title-required" });
    }
    if n.chars().count() > MAX_TITLE_CHARS || n.chars().any(char::is_control) {
        return Some(SheetProblem { row: 0, column: "title", message: "qt-title-too-long" });
    }
    None
}

/// Reads a sheet's cells (`grid[i]` is spreadsheet row `first_row + i + 1`, cells from its
/// first used column) into a template with `key` and `title` → the template, or every problem.
pub fn parse(
    grid: &[Vec<String>],
    first_row: usize,
    key: &str,
    title: &str,
    intro: &str,
) -> Result<Template, Vec<SheetProblem>> {
    let mut problems = Vec::new();
    if let Some(p) = check_title(title) {
        problems.push(p);
    }
    let row_no = |i: usize| first_row.saturating_add(i).saturating_add(1);
    // The header: the first row with a 質問 column (title lines above it are skipped).
    let Some(h) = grid.iter().position(|r| r.iter().any(|c| matches!(header_label(c).as_str(), "質問" | "text")))
    else {
        problems.push(SheetProblem { row: 0, column: "file", message: "qt-no-header" });
        return Err(problems);
    };
    let mut at: [Option<usize>; 4] = [None; 4];
    for (c, cell) in grid[h].iter().enumerate() {
        let label = header_label(cell);
        if let Some(i) = COLUMNS.iter().position(|col| col.1 == label || col.0 == label)
            && at[i].is_none()
        {
            at[i] = Some(c);
        }
    }
    for (i, col) in COLUMNS.iter().enumerate() {
        if col.2 && at[i].is_none() {
            problems.push(SheetProblem { row: row_no(h), column: col.0, message: "qt-column-missing" });
        }
    }
    if !problems.is_empty() && at.iter().take(3).any(Option::is_none) {
        return Err(problems);
    }
    let cell = |r: &Vec<String>, i: usize| at[i].and_then(|c| r.get(c)).map(|s| s.trim()).unwrap_or("").to_string();
    let mut sections: Vec<Section> = Vec::new();
    let mut count = 0usize;
    for (i, r) in grid.iter().enumerate().skip(h + 1) {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let row = row_no(i);
        count += 1;
        if count > MAX_QUESTIONS {
            problems.push(SheetProblem { row, column: "text", message: "qt-too-many" });
            break;
        }
        let section = cell(r, 0);
        let text = cell(r, 1);
        let expected = cell(r, 2);
        let requirement = cell(r, 3);
        let mut ok = true;
        let mut bad = |column: &'static str, message: &'static str| {
            problems.push(SheetProblem { row, column, message });
            false
        };
        if section.chars().count() > MAX_SECTION_CHARS {
            ok = bad("section", "qt-too-long");
        } else if section.is_empty() && sections.is_empty() {
            ok = bad("section", "qt-section-required");
        }
        if text.is_empty() {
            ok = bad("text", "qt-required");
        } else if text.chars().count() > MAX_QUESTION_CHARS {
            ok = bad("text", "qt-too-long");
        }
        let expected = match expected_of(&expected) {
            Some(e) => e,
            None if expected.is_empty() => {
                ok = bad("expected", "qt-required");
                "yes"
            }
            None => {
                ok = bad("expected", "qt-expected-choice");
                "yes"
            }
        };
        let requirement = if requirement.is_empty() {
            None
        } else {
            match requirement_of(&requirement) {
                Some(k) => Some(k),
                None => {
                    ok = bad("requirement", "qt-unknown-requirement");
                    None
                }
            }
        };
        if !ok {
            continue;
        }
        let q = Question { key: format!("q{count:02}"), text, expected: expected.to_string(), requirement };
        match sections.last_mut() {
            Some(s) if section.is_empty() || s.title == section => s.questions.push(q),
            _ => sections.push(Section { title: section, questions: vec![q] }),
        }
    }
    if count == 0 && problems.is_empty() {
        problems.push(SheetProblem { row: row_no(h), column: "text", message: "qt-no-questions" });
    }
    if !problems.is_empty() {
        problems.truncate(MAX_PROBLEMS);
        return Err(problems);
    }
    Ok(Template { key: key.to_string(), title: title.trim().to_string(), intro: intro.to_string(), sections })
}

/// The Japanese answer of a key (`yes` → はい).
pub fn answer_label(a: &str) -> &'static str {
    match a {
        "yes" => "はい",
        "no" => "いいえ",
        "na" => "該当なし",
        _ => "",
    }
}

/// A template as the sheet's cells: the header row, then one row per question.
pub fn to_grid(t: &Template) -> Vec<Vec<String>> {
    let mut out = vec![COLUMNS.iter().map(|c| c.1.to_string()).collect::<Vec<_>>()];
    let cat = catalogue();
    for s in &t.sections {
        for q in &s.questions {
            let req = q
                .requirement
                .as_deref()
                .map(|k| cat.requirements.iter().find(|r| r.key == k).map(|r| r.label.clone()).unwrap_or(k.to_string()))
                .unwrap_or_default();
            out.push(vec![s.title.clone(), q.text.clone(), answer_label(&q.expected).to_string(), req]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn g(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    }

    #[test]
    fn a_sheet_becomes_sections_of_questions() {
        let grid = g(&[
            &["区分", "質問", "期待する回答（はい/いいえ）", "関連する要求事項"],
            &["1. 体制", "方針はありますか。", "はい", ""],
            &["", "責任者はいますか。", "ｙｅｓ", "秘密保持"],
            &[],
            &["2. 委託", "再委託していますか。", "いいえ", "subcontracting"],
        ]);
        let t = parse(&grid, 2, "org-x", " 委託先チェック ", "intro").unwrap();
        assert_eq!(t.title, "委託先チェック");
        assert_eq!(t.sections.len(), 2);
        assert_eq!(t.sections[0].questions.len(), 2, "a blank 区分 continues the section above");
        let q: Vec<&Question> = t.questions().collect();
        assert_eq!(q[1].requirement.as_deref(), Some("confidentiality"));
        assert_eq!((q[1].expected.as_str(), q[2].expected.as_str()), ("yes", "no"));
        assert_eq!(q.iter().map(|q| q.key.as_str()).collect::<Vec<_>>(), ["q01", "q02", "q03"]);
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column() {
        let grid = g(&[
            &["質問", "区分", "期待する回答"],
            &["方針はありますか。", "", "はい"],
            &["", "体制", "はい"],
            &["責任者は？", "体制", "たぶん"],
        ]);
        let p = parse(&grid, 0, "k", "t", "").unwrap_err();
        assert_eq!(
            p,
            [
                SheetProblem { row: 2, column: "section", message: "qt-section-required" },
                SheetProblem { row: 3, column: "text", message: "qt-required" },
                SheetProblem { row: 4, column: "expected", message: "qt-expected-choice" },
            ]
        );
        let p = parse(&g(&[&["区分", "質問"], &["a", "b"]]), 0, "k", "", "").unwrap_err();
        assert!(p.contains(&SheetProblem { row: 1, column: "expected", message: "qt-column-missing" }));
        assert!(p.contains(&SheetProblem { row: 0, column: "title", message: "qt-title-required" }));
        let p = parse(
            &g(&[&["区分", "質問", "期待する回答", "関連する要求事項"], &["a", "b", "はい", "宇宙"]]),
            0,
            "k",
            "t",
            "",
        )
        .unwrap_err();
        assert_eq!(p, [SheetProblem { row: 2, column: "requirement", message: "qt-unknown-requirement" }]);
        assert_eq!(parse(&[], 0, "k", "t", "").unwrap_err()[0].message, "qt-no-header");
        let no_question = g(&[&["区分", "設問", "期待する回答"], &["a", "b", "はい"]]);
        assert_eq!(parse(&no_question, 0, "k", "t", "").unwrap_err()[0].message, "qt-no-header");
        let titled = g(&[&["委託先チェック"], &[], &["区分", "質問", "期待する回答"], &["a", "b", "はい"]]);
        assert_eq!(parse(&titled, 0, "k", "t", "").unwrap().questions().count(), 1, "title lines are skipped");
        let only_header = g(&[&["区分", "質問", "期待する回答"]]);
        assert_eq!(parse(&only_header, 0, "k", "t", "").unwrap_err()[0].message, "qt-no-questions");
    }

    #[test]
    fn more_than_the_cap_of_questions_is_refused() {
        let mut grid = g(&[&["区分", "質問", "期待する回答"]]);
        for i in 0..=MAX_QUESTIONS {
            grid.push(vec!["a".into(), format!("質問 {i}"), "はい".into()]);
        }
        let p = parse(&grid, 0, "k", "t", "").unwrap_err();
        assert_eq!(p, [SheetProblem { row: MAX_QUESTIONS + 2, column: "text", message: "qt-too-many" }]);
        grid.pop();
        assert_eq!(parse(&grid, 0, "k", "t", "").unwrap().questions().count(), MAX_QUESTIONS);
    }

    #[test]
    fn the_shipped_template_goes_round_the_sheet() {
        let t = crate::questionnaire::template("standard").unwrap();
        let back = parse(&to_grid(t), 0, "standard", &t.title, &t.intro).unwrap();
        assert_eq!(&back, t);
        assert_eq!(title_from_file_name("C:\\docs\\委託先チェック.xlsx"), "委託先チェック");
        assert_eq!(title_from_file_name(".xlsx"), ".xlsx");
    }

    proptest! {
        #[test]
        fn any_cells_never_panic_and_every_problem_names_a_row_of_the_sheet(
            rows in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![
                        Just(String::new()), Just("区分".to_string()), Just("質問".to_string()),
                        Just("期待する回答".to_string()), Just("はい".to_string()), Just("いいえ".to_string()),
                        Just("秘密保持".to_string()), ".{0,12}"
                    ],
                    0..6,
                ),
                0..40,
            ),
            first in 0usize..5,
        ) {
            match parse(&rows, first, "k", "t", "") {
                Ok(t) => {
                    prop_assert!(t.questions().count() <= MAX_QUESTIONS);
                    prop_assert!(t.questions().all(|q| !q.text.is_empty() && (q.expected == "yes" || q.expected == "no")));
                    // A parsed template survives the round trip.
                    prop_assert_eq!(parse(&to_grid(&t), 0, "k", "t", "").unwrap(), t);
                }
                Err(p) => {
                    prop_assert!(!p.is_empty());
                    for x in p {
                        prop_assert!(x.row == 0 || (x.row > first && x.row <= first + rows.len()), "{:?}", x);
                    }
                }
            }
        }
    }
}
