//! The same regulation in the formats and shapes real files come in.

use crate::seed::{SEED, seed};
use mamori_regulation::input::{self, Kind};
use mamori_regulation::parse::parse_default;
use proptest::prelude::*;
use std::io::Write;

#[test]
fn crlf_and_bom_parse_the_same() {
    let base = seed();
    let crlf = SEED.replace('\n', "\r\n");
    assert_eq!(parse_default(&crlf).unwrap(), base);
    let bom = format!("\u{feff}{SEED}");
    assert_eq!(parse_default(&bom).unwrap(), base);
    let bytes = format!("\u{feff}{crlf}").into_bytes();
    assert_eq!(input::detect(&bytes), Kind::Utf8);
    assert_eq!(parse_default(&input::decode_text(&bytes).unwrap()).unwrap(), base);
}

#[test]
fn shift_jis_is_detected_and_decoded() {
    // Keep only what Shift_JIS can hold (PDF private-use bullets and a few compatibility
    // ideographs cannot be encoded), then compare with the UTF-8 parse of the same text.
    let encodable: String = SEED
        .chars()
        .filter(|c| {
            let s = c.to_string();
            let (_, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&s);
            !unmappable
        })
        .collect();
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&encodable);
    assert_eq!(input::detect(&bytes), Kind::ShiftJis);
    let text = input::decode_text(&bytes).unwrap();
    assert_eq!(text, encodable);
    let r = parse_default(&text).unwrap();
    assert_eq!(r.controls.len(), 93);
    assert_eq!(r.document.number.as_deref(), Some("AB-標準-250503"));
    assert_eq!(r.controls.iter().filter(|c| !c.applicable).count(), 8);
}

fn docx(lines: &[&str]) -> Vec<u8> {
    let mut body = String::new();
    for l in lines {
        let esc = l.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        body.push_str(&format!("<w:p><w:r><w:t xml:space=\"preserve\">{esc}</w:t></w:r></w:p>"));
    }
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts: zip::write::SimpleFileOptions = zip::write::SimpleFileOptions::default();
        z.start_file("[Content_Types].xml", opts).unwrap();
        z.write_all(
            b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>",
        )
        .unwrap();
        z.start_file("word/document.xml", opts).unwrap();
        z.write_all(xml.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    buf.into_inner()
}

#[test]
fn docx_built_here_parses_like_the_text() {
    let lines: Vec<&str> = SEED.split('\n').collect();
    let bytes = docx(&lines);
    assert_eq!(input::detect(&bytes), Kind::Docx);
    let text = input::docx_text(&bytes).unwrap();
    let r = parse_default(&text).unwrap();
    assert_eq!(r.controls, seed().controls);
    assert_eq!(r.document, seed().document);
    // Entities survive.
    let t = input::docx_text(&docx(&["A &amp; B <x>"])).unwrap();
    assert_eq!(t, "A &amp; B <x>\n");
}

#[test]
fn full_width_digits_in_headings_and_intervals() {
    let fw = |s: &str| {
        s.chars()
            .map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 - 0x30 + 0xFF10).unwrap() } else { c })
            .collect::<String>()
    };
    let text = SEED
        .lines()
        .map(|l| if l.starts_with("管理策 ") || l.contains("回/") { fw(l) } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n");
    let r = parse_default(&text).unwrap();
    let base = seed();
    assert_eq!(
        r.controls.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        base.controls.iter().map(|c| c.id.clone()).collect::<Vec<_>>()
    );
    let freqs = |r: &mamori_regulation::Regulation| {
        r.controls.iter().flat_map(|c| c.recurring.iter().map(|d| d.frequency.clone())).collect::<Vec<_>>()
    };
    assert_eq!(freqs(&r), freqs(&base));
    assert_eq!(r.controls[0].title, "情報セキュリティのための方針群");
}

#[test]
fn an_extra_page_header_mid_sentence_is_removed() {
    // Put a page header and page number between the two wrapped lines of 5.1's control sentence.
    let needle = "情報セキュリティ方針及びトピック固有の方針は，これを定義し，管理層が承認し，発行し，関連する";
    let header = "\n\n\n\n文書番号 \n情報セキュリティ管理策規程 \n\n版数 制定／改訂日 \n\nAB-標準-250503 初版 2025 年 7 月 11 日 \n\n \n\n 3  \n\n";
    let text = SEED.replacen(needle, &format!("{needle} {header}"), 1);
    let r = parse_default(&text).unwrap();
    let base = seed();
    assert_eq!(r.controls[0].control_text, base.controls[0].control_text);
    assert_eq!(r.controls.len(), 93);
    assert!(
        r.controls
            .iter()
            .all(|c| !c.control_text.contains("文書番号") && c.procedure.iter().all(|p| !p.text.contains("文書番号")))
    );
}

#[test]
fn other_documents_are_rejected() {
    assert!(parse_default("").is_err());
    assert!(parse_default("議事録\n本日の議題は予算です。\n").is_err());
    assert!(input::docx_text(b"PK\x03\x04 not a zip").is_err());
}

#[test]
fn a_small_regulation_written_another_way() {
    let text = "\
情報セキュリティ管理規程\n\
管理策 ５．１ 方針\n\
方針を定めなければならない。\n\
手順\n\
（１）経営責任者は、年に１回、基本方針を見直し【基本方針改訂記録】に\n\
記録する。\n\
（２）情報システム部長は、アクセスログを毎月確認し、\n\
結果を【ログ\n\
確認記録】に残す。\n\
（３）パスワードは 3 回の失敗でロックし、90 日保存する。\n\
（４）バックアップは定期的に確認する。\n\
管理策 5.3 職務の分離 対象外\n\
分離しなければならない。\n\
手順\n\
(1) 一人で運営しているため対象外とする。\n";
    let r = parse_default(text).unwrap();
    assert_eq!(r.document.title.as_deref(), Some("情報セキュリティ管理規程"));
    assert_eq!(r.controls.len(), 2);
    let c = &r.controls[0];
    assert_eq!(c.id, "5.1");
    assert_eq!(c.records, ["基本方針改訂記録", "ログ確認記録"], "records are joined across line breaks");
    assert_eq!(c.recurring.iter().map(|d| d.frequency.as_str()).collect::<Vec<_>>(), ["annual", "monthly"]);
    assert_eq!(c.recurring[0].who.as_deref(), Some("経営責任者"));
    assert_eq!(c.recurring_unspecified.len(), 1);
    assert_eq!(c.procedure[0].label.as_deref(), Some("（１）"));
    assert!(!r.controls[1].applicable);
    assert_eq!(r.controls[1].exclusion_reason.as_deref(), Some("一人で運営しているため対象外とする。"));
    assert!(r.diagnostics.iter().any(|d| d.message.contains("5.2 not found")));

    // The organisation's own role dictionary.
    let mut dict = mamori_regulation::Dictionaries::default();
    dict.extend(
        vec![mamori_regulation::dict::Entry {
            canonical: "情報システム部長".into(), aliases: vec![], key: None
        }],
        vec![],
    );
    let r = mamori_regulation::parse(text, &dict).unwrap();
    assert_eq!(r.controls[0].recurring[1].who.as_deref(), Some("情報システム部長"));
}

/// Characters whose lower case has another byte length (İ grows, ẞ shrinks) around role names
/// do not move the positions the dictionaries find (a review found a panic there).
#[test]
fn case_changing_letters_around_roles_do_not_break_the_parse() {
    let text = SEED.replacen("経営責任者は", "İ経営責任者はẞ", 3).replacen(
        "情報セキュリティ管理者",
        "ẞİ情報セキュリティ管理者İ",
        3,
    );
    assert_ne!(text, SEED);
    let r = parse_default(&text).expect("still a regulation");
    assert_eq!(r.controls.len(), 93);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Role names among letters whose lower case changes length never panic the parse.
    #[test]
    fn roles_among_case_changing_letters(pre in "[İẞΣK\\u{130}a-zA-Z ]{0,6}", post in "[İẞΣKa-z]{0,6}") {
        let text = format!("管理策 5.1 x\n手順\n(1) {pre}経営責任者{post}は、1 回/年、{pre}システム管理者{post}の承認を得て見直す。\n");
        prop_assert!(parse_default(&text).is_ok());
    }

    /// Parsing never panics, whatever the input.
    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC{0,400}") {
        let _ = parse_default(&s);
    }

    /// Nor on mangled pieces of a real regulation.
    #[test]
    fn never_panics_on_mangled_regulation(start in 0usize..80_000, len in 0usize..6_000, junk in "[\\PC（）①-⑳【】「」\\n\u{F06E}]{0,50}") {
        let chars: Vec<char> = SEED.chars().collect();
        let start = start.min(chars.len());
        let end = (start + len).min(chars.len());
        let mut piece: String = chars[start..end].iter().collect();
        piece.insert_str(piece.len() / 2 - (piece.len() / 2 - piece.floor_char_boundary(piece.len() / 2)), &junk);
        let text = format!("管理策 5.1 x\n{piece}");
        let r = parse_default(&text);
        prop_assert!(r.is_ok());
    }

    /// Titles and subjects are built from any sentence without panicking, and a title is never
    /// empty nor a sentence end.
    #[test]
    fn phrases_never_panic(s in "[\\PCをはがにで、。（）【】定期的回/年月]{0,80}", a in 0usize..240) {
        let at = s.char_indices().map(|(i, _)| i).find(|i| *i >= a).unwrap_or(s.len());
        let (title, _) = mamori_regulation::phrase::duty_title(&s, Some(at), &[], Some("バックアップ"));
        prop_assert!(!title.is_empty() && !title.contains('。'));
        let _ = mamori_regulation::phrase::approval_subject(&s, at, &[]);
    }

    /// Any bytes decode or are refused cleanly.
    #[test]
    fn decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = input::decode_text(&bytes);
        let _ = input::docx_text(&bytes);
    }
}
