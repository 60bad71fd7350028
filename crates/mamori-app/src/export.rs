//! Exports of tables (the SoA, 改訂履歴, the document list) as xlsx, CSV (UTF-8 with BOM, for
//! Japanese Excel) and PDF (a print-friendly HTML page printed by headless Chromium). One
//! [`Table`] feeds all three, so the formats cannot drift apart.

use crate::AppError;
use crate::error::internal;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook};
use std::path::Path;

/// A cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A calendar date `YYYY-MM-DD` (a real date in xlsx).
    Date(String),
}

impl Cell {
    /// The cell as text.
    pub fn as_text(&self) -> &str {
        match self {
            Cell::Text(s) | Cell::Date(s) => s,
        }
    }
}

/// A document's table with its control header.
#[derive(Debug, Clone)]
pub struct Table {
    /// Sheet name (Japanese, ≤ 31 characters).
    pub sheet: String,
    /// Document title.
    pub title: String,
    /// 文書番号.
    pub doc_number: String,
    /// 版数 (and "（案）" for a draft).
    pub edition: String,
    /// Confidentiality label (社外秘 / 極秘).
    pub label: String,
    /// (column title, width in characters).
    pub columns: Vec<(String, f64)>,
    /// Rows.
    pub rows: Vec<Vec<Cell>>,
}

/// An export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// xlsx writer failed.
    #[error("xlsx: {0}")]
    Xlsx(String),
    /// Chromium is needed for PDF.
    #[error("PDF export needs Chromium (Debian package chromium), which is not installed")]
    NoChromium,
    /// Chromium failed.
    #[error("PDF export failed: {0}")]
    Pdf(String),
}

fn x(e: rust_xlsxwriter::XlsxError) -> ExportError {
    ExportError::Xlsx(e.to_string())
}

/// The header lines above the table (a record without a document number or 版数, such as a
/// register, says neither: no key, no dash that CP932 lacks).
fn header_lines(t: &Table) -> [String; 2] {
    let mut parts = Vec::new();
    if !t.doc_number.is_empty() {
        parts.push(format!("文書番号: {}", t.doc_number));
    }
    if !t.edition.is_empty() {
        parts.push(format!("版数: {}", t.edition));
    }
    parts.push(t.label.clone());
    [t.title.clone(), parts.join("　")]
}

/// xlsx: header lines, a frozen and repeated header row, column widths, wrapped text, dates as
/// real dates, and the label in the page header.
pub fn xlsx(t: &Table) -> Result<Vec<u8>, ExportError> {
    let page_header = format!("&L{}&C{}&R{}", t.doc_number, t.title, t.label);
    xlsx_sections(&t.sheet, &page_header, &header_lines(t), &t.columns, &t.rows, &[])
}

/// xlsx as [`xlsx`] writes it, with free header lines above the column titles (the first in
/// bold), footer lines below the rows, and `page_header` printed on every page.
pub fn xlsx_sections(
    sheet: &str,
    page_header: &str,
    header: &[String],
    columns: &[(String, f64)],
    rows: &[Vec<Cell>],
    footer: &[String],
) -> Result<Vec<u8>, ExportError> {
    let n = |v: usize| u32::try_from(v).map_err(|e| ExportError::Xlsx(e.to_string()));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).map_err(x)?;
    ws.set_header(page_header);
    ws.set_landscape();
    ws.set_paper_size(9);
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new().set_bold().set_text_wrap().set_border(FormatBorder::Thin).set_background_color(0xEEF1F5);
    let cell = Format::new().set_text_wrap().set_border(FormatBorder::Thin);
    let date = Format::new().set_num_format("yyyy-mm-dd").set_border(FormatBorder::Thin);
    for (i, l) in header.iter().enumerate() {
        if i == 0 {
            ws.write_string_with_format(0, 0, l, &title).map_err(x)?;
        } else {
            ws.write_string(n(i)?, 0, l).map_err(x)?;
        }
    }
    let header_row: u32 = n(header.len())? + 1;
    for (c, (name, width)) in columns.iter().enumerate() {
        let c = u16::try_from(c).map_err(|e| ExportError::Xlsx(e.to_string()))?;
        ws.set_column_width(c, *width).map_err(x)?;
        ws.write_string_with_format(header_row, c, name, &head).map_err(x)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = header_row + 1 + n(r)?;
        for (c, v) in row.iter().enumerate() {
            let c = u16::try_from(c).map_err(|e| ExportError::Xlsx(e.to_string()))?;
            match v {
                Cell::Date(d) => match parse_date(d) {
                    Some((y, m, dd)) => {
                        let dt = ExcelDateTime::from_ymd(y, m, dd).map_err(x)?;
                        ws.write_datetime_with_format(r, c, dt, &date).map_err(x)?;
                    }
                    None => {
                        ws.write_string_with_format(r, c, d, &cell).map_err(x)?;
                    }
                },
                Cell::Text(s) => {
                    ws.write_string_with_format(r, c, s, &cell).map_err(x)?;
                }
            }
        }
    }
    let after = header_row + 2 + n(rows.len())?;
    for (i, l) in footer.iter().enumerate() {
        ws.write_string(after + n(i)?, 0, l).map_err(x)?;
    }
    ws.set_freeze_panes(header_row + 1, 0).map_err(x)?;
    ws.set_repeat_rows(header_row, header_row).map_err(x)?;
    wb.save_to_buffer().map_err(x)
}

fn parse_date(d: &str) -> Option<(u16, u8, u8)> {
    let mut it = d.split('-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let dd = it.next()?.parse().ok()?;
    Some((y, m, dd))
}

fn csv_field(s: &str) -> String {
    let s = neutralise_formula(s);
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.into_owned() }
}

/// Characters that make a spreadsheet read a cell as a formula when they come first.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A CSV cell that a spreadsheet would run as a formula (`=HYPERLINK(…)`, `+…`, `-…`, `@…`, or
/// a tab or carriage return first) gets a leading apostrophe, so Excel shows it as text
/// (OWASP "CSV injection"). Numbers such as `-5` stay as they are. A value that already starts
/// with apostrophes before such a character gets one more, so that [`restore_formula_text`]
/// gives back exactly what was stored. xlsx cells are typed and need nothing.
pub fn neutralise_formula(s: &str) -> std::borrow::Cow<'_, str> {
    if formula_like(s.trim_start_matches('\'')) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Whether a spreadsheet would read this text as a formula.
fn formula_like(s: &str) -> bool {
    s.starts_with(FORMULA_START) && s.trim().parse::<f64>().is_err()
}

/// The text of a cell written by [`neutralise_formula`] (its one added apostrophe removed), so
/// an export re-imports unchanged.
pub fn restore_formula_text(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if formula_like(rest.trim_start_matches('\'')) => rest,
        _ => s,
    }
}

/// CSV in UTF-8 with BOM (so Japanese Excel shows it correctly), CRLF line ends, the header
/// lines first.
pub fn csv(t: &Table) -> Vec<u8> {
    let columns: Vec<String> = t.columns.iter().map(|(n, _)| n.clone()).collect();
    let rows = t.rows.iter().map(|r| r.iter().map(|c| c.as_text().to_string()).collect());
    csv_sections(&header_lines(t), &columns, rows, &[])
}

/// CSV in Shift_JIS (CP932, what Japanese Excel writes and older tools expect), CRLF line
/// ends, no BOM; see [`to_shift_jis`] for the characters Shift_JIS lacks.
pub fn csv_shift_jis(t: &Table) -> Vec<u8> {
    let utf8 = csv(t);
    to_shift_jis(String::from_utf8_lossy(&utf8).trim_start_matches('\u{feff}'))
}

/// The character CP932 writes for one that JIS and Unicode spell differently.
fn cp932_form(c: char) -> Option<char> {
    Some(match c {
        '\u{301C}' => '\u{FF5E}', // 〜 → ～
        '\u{FF5E}' => '\u{301C}',
        '\u{2014}' => '\u{2015}', // — → ―
        '\u{2015}' => '\u{2014}',
        '\u{2212}' => '\u{FF0D}', // − → －
        '\u{FF0D}' => '\u{2212}',
        '\u{2016}' => '\u{2225}', // ‖ → ∥
        '\u{2225}' => '\u{2016}',
        '\u{00A2}' => '\u{FFE0}', // ¢ → ￠
        '\u{00A3}' => '\u{FFE1}', // £ → ￡
        '\u{00AC}' => '\u{FFE2}', // ¬ → ￢
        '\u{2013}' => '\u{2010}', // – → ‐
        _ => return None,
    })
}

/// Text in Shift_JIS: each character as Shift_JIS writes it, else its CP932 form (〜/～, —/―,
/// −/－, ‖/∥, ¢ £ ¬), else 〓 — never `?` or an HTML character reference, so that a value read
/// back by the importer (which treats those pairs as the same) is the value stored.
pub fn to_shift_jis(s: &str) -> Vec<u8> {
    use encoding_rs::{EncoderResult, SHIFT_JIS};
    let mut enc = SHIFT_JIS.new_encoder();
    let mut out = Vec::with_capacity(s.len() * 2);
    let mut buf = [0u8; 16];
    let mut one = |c: char, out: &mut Vec<u8>| -> bool {
        let mut tmp = [0u8; 4];
        let (res, _, written) = enc.encode_from_utf8_without_replacement(c.encode_utf8(&mut tmp), &mut buf, false);
        let ok = matches!(res, EncoderResult::InputEmpty);
        if ok {
            out.extend_from_slice(&buf[..written]);
        }
        ok
    };
    for c in s.chars() {
        if !one(c, &mut out) && !cp932_form(c).is_some_and(|f| one(f, &mut out)) {
            one('〓', &mut out);
        }
    }
    out
}

/// CSV as [`csv`] writes it, with free header lines above the column titles and footer lines
/// below the rows (each line one neutralised cell).
pub fn csv_sections(
    header: &[String],
    columns: &[String],
    rows: impl IntoIterator<Item = Vec<String>>,
    footer: &[String],
) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    for l in header {
        out.push_str(&csv_field(l));
        out.push_str("\r\n");
    }
    let line = |cells: &[String]| cells.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",") + "\r\n";
    out.push_str(&line(columns));
    for r in rows {
        out.push_str(&line(&r));
    }
    for l in footer {
        out.push_str(&csv_field(l));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The print-friendly HTML page (A4 landscape, header row repeated on every page).
pub fn html(t: &Table) -> String {
    let [l1, l2] = header_lines(t);
    let mut h = String::new();
    h.push_str("<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>");
    h.push_str(&esc(&t.title));
    h.push_str("</title><style>@page{size:A4 landscape;margin:12mm}body{font-family:'Noto Sans CJK JP','Noto Sans JP',sans-serif;font-size:9pt}");
    h.push_str("table{border-collapse:collapse;width:100%;table-layout:fixed}td{word-break:break-all}th,td{border:1px solid #555;padding:2px 4px;vertical-align:top}thead{display:table-header-group}");
    h.push_str("th{background:#eef1f5}.label{float:right;border:1px solid #b3261e;color:#b3261e;padding:1px 6px}</style></head><body>");
    h.push_str(&format!(
        "<span class=\"label\">{}</span><h1>{}</h1><p>{}</p><table><colgroup>",
        esc(&t.label),
        esc(&l1),
        esc(&l2)
    ));
    let total: f64 = t.columns.iter().map(|(_, w)| *w).sum::<f64>().max(1.0);
    for (_, w) in &t.columns {
        h.push_str(&format!("<col style=\"width:{:.1}%\">", w * 100.0 / total));
    }
    h.push_str("</colgroup><thead><tr>");
    for (n, _) in &t.columns {
        h.push_str(&format!("<th>{}</th>", esc(n)));
    }
    h.push_str("</tr></thead><tbody>");
    for r in &t.rows {
        h.push_str("<tr>");
        for c in r {
            h.push_str(&format!("<td>{}</td>", esc(c.as_text()).replace('\n', "<br>")));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></body></html>");
    h
}

/// Finds Chromium.
fn chromium() -> Option<std::path::PathBuf> {
    let from_env = std::env::var_os("CHROMIUM").map(std::path::PathBuf::from);
    from_env
        .into_iter()
        .chain(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].map(Into::into))
        .find(|p: &std::path::PathBuf| p.exists())
}

/// Prints HTML to PDF with headless Chromium (Japanese fonts embedded, text selectable).
pub fn pdf(html: &str) -> Result<Vec<u8>, ExportError> {
    let bin = chromium().ok_or(ExportError::NoChromium)?;
    let dir = std::env::temp_dir().join(format!("mamori-pdf-{}", crate::new_id()));
    std::fs::create_dir_all(&dir).map_err(|e| ExportError::Pdf(e.to_string()))?;
    let input = dir.join("doc.html");
    let output = dir.join("doc.pdf");
    let result = (|| {
        std::fs::write(&input, html).map_err(|e| ExportError::Pdf(e.to_string()))?;
        let out = std::process::Command::new(&bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .arg(format!("--print-to-pdf={}", output.display()))
            .arg(url_of(&input))
            .output()
            .map_err(|e| ExportError::Pdf(e.to_string()))?;
        if !output.exists() {
            return Err(ExportError::Pdf(
                String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("").to_string(),
            ));
        }
        std::fs::read(&output).map_err(|e| ExportError::Pdf(e.to_string()))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn url_of(p: &Path) -> String {
    format!("file://{}", p.display())
}

/// [`render_export`] off the async threads (PDF runs Chromium for about a second).
pub async fn render_export_async(t: Table, format: String) -> Result<Vec<u8>, AppError> {
    tokio::task::spawn_blocking(move || render_export(&t, &format)).await.map_err(internal)?
}

/// Writes an export in the format asked for (`xlsx`, `csv` or `pdf`).
pub fn render_export(t: &Table, format: &str) -> Result<Vec<u8>, AppError> {
    match format {
        "xlsx" => xlsx(t).map_err(internal),
        "csv" => Ok(csv(t)),
        "csv-sjis" => Ok(csv_shift_jis(t)),
        "pdf" => pdf(&html(t)).map_err(|e| AppError::Blocked(e.to_string())),
        _ => Err(AppError::Validation(vec![("format".into(), "field-invalid-format".into())])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_jis_keeps_what_cp932_can_say_and_never_writes_a_question_mark() {
        let text = "評価方法〜年1回～ — −5 ‖ ¢£¬ 髙﨑 😀 ASCII";
        let bytes = to_shift_jis(text);
        let (back, _, errors) = encoding_rs::SHIFT_JIS.decode(&bytes);
        assert!(!errors);
        assert!(!back.contains('?') && !back.contains("&#"), "{back}");
        let fold = |s: &str| s.replace('〜', "～").replace('—', "―").replace('−', "－").replace('‖', "∥");
        let expected = fold("評価方法〜年1回～ — −5 ‖ ");
        assert!(fold(&back).starts_with(&expected), "{back}");
        assert!(back.contains("髙﨑"), "IBM extensions of CP932: {back}");
        assert!(back.contains("〓 ASCII"), "an emoji has no Shift_JIS form: {back}");
        let t = Table {
            sheet: "s".into(),
            title: "媒体管理台帳".into(),
            doc_number: "AB-1".into(),
            edition: "第1版".into(),
            label: "社外秘".into(),
            columns: vec![("状態".into(), 8.0)],
            rows: vec![vec![Cell::Text("保管中〜".into())]],
        };
        let csv = render_export(&t, "csv-sjis").unwrap();
        assert!(!csv.starts_with(&[0xEF, 0xBB, 0xBF]), "no BOM in Shift_JIS");
        let (back, _, _) = encoding_rs::SHIFT_JIS.decode(&csv);
        assert!(back.starts_with("媒体管理台帳\r\n"), "{back}");
        assert!(fold(&back).contains("保管中～"), "{back}");
    }

    proptest::proptest! {
        #[test]
        fn any_cell_reads_back_as_written(s in "['=+@ -]{0,3}[\\PC]{0,12}") {
            let written = neutralise_formula(&s);
            proptest::prop_assert_eq!(restore_formula_text(&written), s.as_str());
            proptest::prop_assert!(!formula_like(&written), "{:?} is text in a spreadsheet", s);
        }
    }

    #[test]
    fn formulas_are_written_as_text_and_read_back_unchanged() {
        for (cell, written) in [
            ("=HYPERLINK(\"https://evil.example\",\"詳細\")", "'=HYPERLINK(\"https://evil.example\",\"詳細\")"),
            ("+81 3 1234 5678", "'+81 3 1234 5678"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
        ] {
            assert_eq!(neutralise_formula(cell), written);
            assert_eq!(restore_formula_text(written), cell);
        }
        // A stored value that looks neutralised keeps its apostrophe through the round trip.
        assert_eq!(neutralise_formula("'=x"), "''=x");
        assert_eq!(restore_formula_text("''=x"), "'=x");
        for plain in ["-5", "+3.5", "顧客名簿", "a=b", "'quoted", ""] {
            assert_eq!(neutralise_formula(plain), plain);
            assert_eq!(restore_formula_text(plain), plain);
        }
        let mut t = table();
        t.rows[0][1] = Cell::Text("=1+1".into());
        let text = String::from_utf8(csv(&t)).unwrap();
        assert!(text.contains(",'=1+1,"), "{text}");
    }

    fn table() -> Table {
        Table {
            sheet: "適用宣言書".into(),
            title: "適用宣言書".into(),
            doc_number: "AB-SOA".into(),
            edition: "初版".into(),
            label: "社外秘".into(),
            columns: vec![("番号".into(), 8.0), ("名称".into(), 30.0), ("日付".into(), 12.0)],
            rows: vec![vec![
                Cell::Text("5.1".into()),
                Cell::Text("方針, \"引用\"\n改行".into()),
                Cell::Date("2025-07-11".into()),
            ]],
        }
    }

    #[test]
    fn csv_has_bom_crlf_and_quoting() {
        let b = csv(&table());
        assert!(b.starts_with(&[0xEF, 0xBB, 0xBF]));
        let s = String::from_utf8(b).unwrap();
        assert!(s.contains("文書番号: AB-SOA　版数: 初版　社外秘\r\n"));
        assert!(s.contains("5.1,\"方針, \"\"引用\"\"\n改行\",2025-07-11\r\n"));
    }

    #[test]
    fn html_escapes() {
        let mut t = table();
        t.rows[0][0] = Cell::Text("<script>".into());
        let h = html(&t);
        assert!(h.contains("&lt;script&gt;") && !h.contains("<script>"));
    }
}
