//! The staff directory as a spreadsheet (社員名簿の取込・書出し, #17): a header row naming the
//! columns (Japanese headers or the English keys; lines above it, such as the export's title,
//! are skipped: the header is the row among the first ten naming the most columns), then one
//! person per row. [`parse`] turns the cells (already read and capped by the caller) into
//! [`SheetRow`]s or every problem with its row and column; [`to_grid`] writes rows back in the
//! same format, so an export imports again to the same people.
//!
//! Columns: ID (a stored person's id: the row updates them), 氏名 (required), メールアドレス,
//! 区分 (required: a kind's label — 社員 or 従業員, 役員, パート・アルバイト, 契約社員・派遣 or
//! 契約社員, 委託先要員 or 委託先 — or its key), 部署, 入社日, 退職日 (YYYY-MM-DD, 2026/4/1 or
//! 2026年4月1日), ログインID, 上長 (a person's name, in the file or stored). Only 氏名 and 区分
//! must be present as columns: a column left out keeps what is stored.
//!
//! Excel's CP932 (Shift_JIS) save changes a few characters (〜 U+301C comes back as ～, — as ―,
//! − as －, ‖ as ∥): [`excel_fold`] treats those as the same, so such a round trip changes
//! nothing stored.

use crate::people::{is_date, is_kind};
use crate::register::normalize_date;
use unicode_normalization::UnicodeNormalization;

/// The columns: (key, Japanese header).
pub const COLUMNS: [(&str, &str); 9] = [
    ("id", "ID"),
    ("name", "氏名"),
    ("email", "メールアドレス"),
    ("kind", "区分"),
    ("department", "部署"),
    ("joined_on", "入社日"),
    ("left_on", "退職日"),
    ("login_id", "ログインID"),
    ("manager", "上長"),
];

/// The kinds' labels as written in an export (the directory's own words).
pub const KIND_LABELS: [(&str, &str); 5] = [
    ("employee", "社員"),
    ("officer", "役員"),
    ("part_time", "パート・アルバイト"),
    ("contractor", "契約社員・派遣"),
    ("outsourced", "委託先要員"),
];

/// Other words accepted for a kind.
const KIND_ALIASES: [(&str, &str); 8] = [
    ("employee", "従業員"),
    ("employee", "正社員"),
    ("part_time", "パート"),
    ("part_time", "アルバイト"),
    ("contractor", "契約社員"),
    ("contractor", "派遣"),
    ("outsourced", "委託先"),
    ("outsourced", "業務委託"),
];

/// The longest name, department or manager name.
pub const MAX_TEXT_CHARS: usize = 200;
/// The longest e-mail address.
pub const MAX_EMAIL_CHARS: usize = 254;
/// The longest login ID or id.
pub const MAX_ID_CHARS: usize = 100;

/// One person as a row of the sheet gives them (trimmed; dates as YYYY-MM-DD; the kind as its
/// key; `None` for a column the sheet does not have).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SheetRow {
    /// The row as a spreadsheet shows it (1 = the first row).
    pub line: usize,
    /// The stored person's id ("" for a new person).
    pub id: String,
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Kind key.
    pub kind: String,
    /// Department.
    pub department: Option<String>,
    /// Joined.
    pub joined_on: Option<String>,
    /// Left.
    pub left_on: Option<String>,
    /// Login ID as written.
    pub login_id: Option<String>,
    /// Manager's name as written.
    pub manager: Option<String>,
}

/// One problem of a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetProblem {
    /// The row as a spreadsheet shows it (1 = the first row).
    pub row: usize,
    /// The column's key (see [`COLUMNS`]).
    pub column: &'static str,
    /// The message key.
    pub message: &'static str,
}

/// The Japanese header of a column key (the key itself when unknown).
pub fn column_label(key: &str) -> &str {
    COLUMNS.iter().find(|c| c.0 == key).map(|c| c.1).unwrap_or(key)
}

/// The export label of a kind key ("" when unknown).
pub fn kind_label(key: &str) -> &'static str {
    KIND_LABELS.iter().find(|k| k.0 == key).map(|k| k.1).unwrap_or("")
}

fn norm(s: &str) -> String {
    s.nfkc().collect::<String>().trim().to_string()
}

/// Text as Excel's CP932 save may give it back: 〜/～, —/―, −/－, ‖/∥, ¢/￠, £/￡, ¬/￢ each
/// written one way.
pub fn excel_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{301C}' => '\u{FF5E}',
            '\u{2014}' => '\u{2015}',
            '\u{2212}' => '\u{FF0D}',
            '\u{2016}' => '\u{2225}',
            '\u{00A2}' => '\u{FFE0}',
            '\u{00A3}' => '\u{FFE1}',
            '\u{00AC}' => '\u{FFE2}',
            c => c,
        })
        .collect()
}

/// Whether two texts are the same but for a CP932 round trip ([`excel_fold`]).
pub fn same_text(a: &str, b: &str) -> bool {
    a == b || excel_fold(a) == excel_fold(b)
}

/// A name as compared: NFKC, no spaces, CP932 variants folded (「山田　太郎」 is 「山田太郎」).
pub fn name_key(s: &str) -> String {
    norm(&excel_fold(s)).chars().filter(|c| !c.is_whitespace()).collect()
}

/// The kind key a cell names (a label, an alias or the key).
pub fn kind_of(cell: &str) -> Option<&'static str> {
    let n = norm(cell);
    let squashed: String = n.chars().filter(|c| !matches!(c, '・' | '/' | ' ')).collect();
    let lower = n.to_ascii_lowercase();
    if let Some(k) = crate::people::KINDS.iter().find(|k| **k == lower) {
        return Some(k);
    }
    KIND_LABELS.iter().chain(KIND_ALIASES.iter()).find_map(|(k, l)| {
        let l2: String = l.chars().filter(|c| !matches!(c, '・' | '/' | ' ')).collect();
        (n == *l || squashed == l2).then_some(*k)
    })
}

/// The column key a header cell names (its Japanese header — a note in brackets ignored — or
/// its key; a few English words too).
pub fn column_of(cell: &str) -> Option<&'static str> {
    let n = norm(cell);
    let cut = n.find(['(', '（', '【', '[']).unwrap_or(n.len());
    let h = n[..cut].trim().to_string();
    let lower = h.to_ascii_lowercase().replace([' ', '-'], "_");
    COLUMNS.iter().find(|(k, l)| h == *l || lower == *k).map(|c| c.0).or(match lower.as_str() {
        "e_mail" | "mail" | "メール" => Some("email"),
        "ログイン_id" | "login" => Some("login_id"),
        "名前" | "full_name" => Some("name"),
        "manager_name" => Some("manager"),
        "入社日・契約開始日" => Some("joined_on"),
        "退職日・契約終了日" => Some("left_on"),
        _ => None,
    })
}

fn date(cell: &str) -> Result<Option<String>, &'static str> {
    let n = norm(cell);
    if n.is_empty() {
        return Ok(None);
    }
    // An xlsx date read with its time, 「2026-04-01 00:00:00」.
    let n = n.split([' ', 'T']).next().unwrap_or("").to_string();
    match normalize_date(&n) {
        Some(d) if is_date(&d) => Ok(Some(d)),
        _ => Err("field-not-date"),
    }
}

/// Reads the sheet: `grid` holds the rows from the sheet's first used row, which is row
/// `first_row` (0-based) of the sheet. Blank rows are skipped. Every problem is returned,
/// sorted by row and column order.
pub fn parse(grid: &[Vec<String>], first_row: usize) -> Result<Vec<SheetRow>, Vec<SheetProblem>> {
    let line = |i: usize| first_row.saturating_add(i).saturating_add(1);
    let named = |row: &Vec<String>| row.iter().filter(|c| column_of(c).is_some()).count();
    let Some((header_idx, header)) = grid
        .iter()
        .enumerate()
        .take(10)
        .max_by_key(|(i, r)| (named(r), std::cmp::Reverse(*i)))
        .filter(|(_, r)| named(r) > 0)
    else {
        return Err(vec![SheetProblem { row: line(0), column: "name", message: "import-no-header" }]);
    };
    let mut cols: Vec<(usize, &'static str)> = Vec::new();
    let mut problems = Vec::new();
    for (c, cell) in header.iter().enumerate() {
        if let Some(k) = column_of(cell) {
            if cols.iter().any(|(_, seen)| *seen == k) {
                problems.push(SheetProblem { row: line(header_idx), column: k, message: "people-import-column-twice" });
            } else {
                cols.push((c, k));
            }
        }
    }
    for required in ["name", "kind"] {
        if !cols.iter().any(|(_, k)| *k == required) {
            problems.push(SheetProblem { row: line(header_idx), column: required, message: "import-missing-column" });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out = Vec::new();
    for (i, raw) in grid.iter().enumerate().skip(header_idx + 1) {
        if raw.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let row = line(i);
        let cell = |key: &str| -> Option<String> {
            cols.iter()
                .find(|(_, k)| *k == key)
                .map(|(c, _)| raw.get(*c).map(|s| s.trim().to_string()).unwrap_or_default())
        };
        let mut bad =
            |column: &'static str, message: &'static str| problems.push(SheetProblem { row, column, message });
        let text = |key: &'static str, max: usize, bad: &mut dyn FnMut(&'static str, &'static str)| {
            let v = cell(key);
            if v.as_ref().is_some_and(|v| v.chars().count() > max) {
                bad(key, "field-too-long");
            }
            v
        };
        let id = text("id", MAX_ID_CHARS, &mut bad).unwrap_or_default();
        let name = text("name", MAX_TEXT_CHARS, &mut bad).unwrap_or_default();
        if name.is_empty() {
            bad("name", "field-required");
        }
        let email = text("email", MAX_EMAIL_CHARS, &mut bad);
        if email.as_ref().is_some_and(|e| !e.is_empty() && (!e.contains('@') || e.chars().any(char::is_whitespace))) {
            bad("email", "field-invalid-email");
        }
        let kind_cell = cell("kind").unwrap_or_default();
        let kind = if kind_cell.is_empty() {
            bad("kind", "field-required");
            String::new()
        } else {
            match kind_of(&kind_cell) {
                Some(k) if is_kind(k) => k.to_string(),
                _ => {
                    bad("kind", "field-not-a-choice");
                    String::new()
                }
            }
        };
        let department = text("department", MAX_TEXT_CHARS, &mut bad);
        let mut dates = [None, None];
        for (n, key) in ["joined_on", "left_on"].into_iter().enumerate() {
            match cell(key).map(|c| date(&c)) {
                Some(Ok(d)) => dates[n] = Some(d.unwrap_or_default()),
                Some(Err(m)) => bad(key, m),
                None => {}
            }
        }
        let [joined_on, left_on] = dates;
        if let (Some(j), Some(l)) = (&joined_on, &left_on)
            && !j.is_empty()
            && !l.is_empty()
            && l < j
        {
            bad("left_on", "people-left-before-joined");
        }
        let login_id = text("login_id", MAX_ID_CHARS, &mut bad);
        let manager = text("manager", MAX_TEXT_CHARS, &mut bad);
        out.push(SheetRow { line: row, id, name, email, kind, department, joined_on, left_on, login_id, manager });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        let order = |k: &str| COLUMNS.iter().position(|c| c.0 == k).unwrap_or(usize::MAX);
        problems.sort_by_key(|p| (p.row, order(p.column)));
        problems.dedup();
        Err(problems)
    }
}

/// The header row and one row per person, as [`parse`] reads them back (the kind as its
/// label; `None` written as an empty cell).
pub fn to_grid(rows: &[SheetRow]) -> Vec<Vec<String>> {
    let mut grid = vec![COLUMNS.iter().map(|c| c.1.to_string()).collect::<Vec<_>>()];
    for r in rows {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        grid.push(vec![
            r.id.clone(),
            r.name.clone(),
            o(&r.email),
            kind_label(&r.kind).to_string(),
            o(&r.department),
            o(&r.joined_on),
            o(&r.left_on),
            o(&r.login_id),
            o(&r.manager),
        ]);
    }
    grid
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn g(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    }

    #[test]
    fn headers_kinds_and_dates_in_japanese_or_english() {
        let grid = g(&[
            &["社員名簿"],
            &["氏名", "区分", "メールアドレス", "入社日（YYYY-MM-DD）", "上長"],
            &["山田 太郎", "従業員", "yamada@example.jp", "2025/4/1", "佐藤"],
            &[""],
            &["佐藤", "役員", "", "２０２０年４月１日", ""],
            &["委託 一", "outsourced", "", "", ""],
        ]);
        let rows = parse(&grid, 2).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].line, rows[0].kind.as_str()), (5, "employee"));
        assert_eq!(rows[0].joined_on.as_deref(), Some("2025-04-01"));
        assert_eq!(rows[1].joined_on.as_deref(), Some("2020-04-01"));
        assert_eq!((rows[1].line, rows[2].kind.as_str()), (7, "outsourced"));
        assert_eq!(rows[0].department, None, "a missing column keeps what is stored");
        let en = g(&[&["name", "kind", "login_id"], &["A", "part_time", "a"]]);
        assert_eq!(parse(&en, 0).unwrap()[0].login_id.as_deref(), Some("a"));
        assert_eq!(kind_of("パート･アルバイト"), Some("part_time"));
        assert_eq!(kind_of("契約社員"), Some("contractor"));
        assert_eq!(kind_of("インターン"), None);
    }

    #[test]
    fn every_problem_at_its_row_and_column() {
        let grid = g(&[
            &["氏名", "区分", "メールアドレス", "入社日", "退職日"],
            &["", "社員", "nope", "2026-02-30", ""],
            &["B", "インターン", "", "2026-04-01", "2026-03-01"],
        ]);
        let p = parse(&grid, 0).unwrap_err();
        let got: Vec<(usize, &str, &str)> = p.iter().map(|p| (p.row, p.column, p.message)).collect();
        assert_eq!(
            got,
            [
                (2, "name", "field-required"),
                (2, "email", "field-invalid-email"),
                (2, "joined_on", "field-not-date"),
                (3, "kind", "field-not-a-choice"),
                (3, "left_on", "people-left-before-joined"),
            ]
        );
        let no_kind = parse(&g(&[&["氏名"], &["A"]]), 0).unwrap_err();
        assert_eq!((no_kind[0].column, no_kind[0].message), ("kind", "import-missing-column"));
        assert_eq!(parse(&g(&[&["x"]]), 0).unwrap_err()[0].message, "import-no-header");
    }

    #[test]
    fn a_cp932_round_trip_is_the_same_text() {
        assert!(same_text("ABC～DEF — 1−2", "ABC〜DEF ― 1－2"));
        assert!(!same_text("山田", "山口"));
        assert_eq!(name_key("山田　太郎～"), name_key("山田 太郎〜"));
    }

    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z山田太郎花子営業部〜～—\\-]{1,12}"
            .prop_map(|s| s.trim().to_string())
            .prop_filter("not empty", |s| !s.is_empty())
    }

    fn date() -> impl Strategy<Value = Option<String>> {
        proptest::option::of((2000i16..2030, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")))
    }

    fn row() -> impl Strategy<Value = SheetRow> {
        (
            text(),
            proptest::option::of("[a-z]{1,8}@example\\.jp"),
            proptest::sample::select(crate::people::KINDS.to_vec()),
            proptest::option::of(text()),
            date(),
            proptest::option::of("[a-z0-9]{1,10}"),
            proptest::option::of(text()),
        )
            .prop_map(|(name, email, kind, department, joined_on, login_id, manager)| SheetRow {
                line: 0,
                id: String::new(),
                name,
                email,
                kind: kind.to_string(),
                department,
                joined_on,
                left_on: None,
                login_id,
                manager,
            })
    }

    proptest! {
        #[test]
        fn any_grid_parses_or_names_its_problems(grid in proptest::collection::vec(
            proptest::collection::vec("[\\PC]{0,8}|氏名|区分|社員|2026-01-01", 0..6), 0..8)) {
            match parse(&grid, 0) {
                Ok(rows) => for r in rows { prop_assert!(!r.name.is_empty() && is_kind(&r.kind)); },
                Err(p) => prop_assert!(!p.is_empty() && p.iter().all(|p| p.row >= 1)),
            }
        }

        #[test]
        fn what_to_grid_writes_parses_back(rows in proptest::collection::vec(row(), 0..6)) {
            let grid = to_grid(&rows);
            let back = parse(&grid, 0).unwrap();
            prop_assert_eq!(back.len(), rows.len());
            for (n, (a, b)) in rows.iter().zip(back.iter()).enumerate() {
                let empty = |v: &Option<String>| Some(v.clone().unwrap_or_default());
                prop_assert_eq!(b.line, n + 2);
                prop_assert_eq!(&a.name, &b.name);
                prop_assert_eq!(&a.kind, &b.kind);
                prop_assert_eq!(empty(&a.email), b.email.clone());
                prop_assert_eq!(empty(&a.department), b.department.clone());
                prop_assert_eq!(empty(&a.joined_on), b.joined_on.clone());
                prop_assert_eq!(empty(&a.login_id), b.login_id.clone());
                prop_assert_eq!(empty(&a.manager), b.manager.clone());
            }
        }
    }
}
