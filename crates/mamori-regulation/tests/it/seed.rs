//! Facts of the seed regulation (examples/seed-regulation.txt), checked against the document.

use mamori_regulation::parse::{EVENT_FREQUENCIES, Regulation, parse_default};

pub const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

pub fn seed() -> Regulation {
    parse_default(SEED).unwrap()
}

fn control<'a>(r: &'a Regulation, id: &str) -> &'a mamori_regulation::parse::Control {
    r.controls.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("control {id}"))
}

#[test]
fn golden_snapshot() {
    let r = seed();
    insta::assert_snapshot!("seed_regulation", serde_json::to_string_pretty(&r).unwrap());
}

#[test]
fn document_metadata() {
    let d = seed().document;
    assert_eq!(d.number.as_deref(), Some("AB-標準-250503"));
    assert_eq!(d.title.as_deref(), Some("情報セキュリティ管理策規程"));
    assert_eq!(d.edition.as_deref(), Some("初版"));
    assert_eq!(d.date.as_deref(), Some("2025-07-11"));
}

#[test]
fn all_93_controls_in_order_with_themes() {
    let r = seed();
    let ids: Vec<&str> = r.controls.iter().map(|c| c.id.as_str()).collect();
    let expect: Vec<&str> = mamori_regulation::catalogue::controls().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, expect);
    // Only the "not taken" diagnostics (sentences a user may want to check) remain.
    assert!(r.diagnostics.iter().all(|d| d.message.contains("not taken")), "{:?}", r.diagnostics);
    assert_eq!(control(&r, "6.3").theme.key(), "people");
    assert_eq!(control(&r, "7.10").theme.key(), "physical");
    assert_eq!(control(&r, "8.34").title, "監査におけるテスト中の情報システムの保護");
    // A wrapped cross reference at a line start ("管理策 8.1 …」") is not a heading.
    // …and an open 「 joins it back to its line.
    assert!(
        control(&r, "5.1")
            .procedure
            .iter()
            .any(|p| p.text == "利用者エンドポイント機器管理・取扱方針 「管理策 8.1 利用者エンドポイント機器」")
    );
}

#[test]
fn applicability_and_exclusion_reasons() {
    let r = seed();
    let excluded: Vec<&str> = r.controls.iter().filter(|c| !c.applicable).map(|c| c.id.as_str()).collect();
    assert_eq!(excluded, ["8.17", "8.25", "8.26", "8.27", "8.28", "8.29", "8.31", "8.33"]);
    assert_eq!(control(&r, "8.17").title, "クロックの同期");
    assert_eq!(control(&r, "8.17").exclusion_reason.as_deref(), Some("PC は OS の設定により自動的に同期している。"));
    assert_eq!(control(&r, "8.25").exclusion_reason.as_deref(), Some("自社内での開発作業は無い為対象外。"));
    assert!(control(&r, "8.30").applicable && control(&r, "8.32").applicable);
}

#[test]
fn the_24_records_in_order_of_first_mention() {
    let r = seed();
    let mut all: Vec<String> = Vec::new();
    for c in &r.controls {
        for rec in &c.records {
            if !all.contains(rec) {
                all.push(rec.clone());
            }
        }
    }
    assert_eq!(all.len(), 24, "{all:?}");
    assert_eq!(control(&r, "5.1").records, ["情報セキュリティ基本方針", "情報セキュリティ運用ルール"]);
    assert_eq!(
        control(&r, "7.10").records,
        ["情報資産リスクアセスメント表", "媒体管理台帳", "媒体持出管理記録", "ABS セキュリティ運用ルール"]
    );
    assert_eq!(control(&r, "6.6").records, ["秘密保持誓約書〔対従業員〕"]);
    // 【運用状況チェックリスト】 is followed by a wrapped "に記\n録する".
    assert_eq!(control(&r, "8.15").records, ["運用状況チェックリスト"]);
}

#[test]
fn intervals_become_duties_with_the_right_frequency() {
    let r = seed();
    let stated = |d: &&mamori_regulation::parse::Recurring| !EVENT_FREQUENCIES.contains(&d.frequency.as_str());
    let freqs =
        |id: &str| control(&r, id).recurring.iter().filter(stated).map(|d| d.frequency.clone()).collect::<Vec<_>>();
    assert_eq!(freqs("5.9"), ["annual"]); // １回/年 (full-width digit)
    // 定期的に(1 回/1 年), stated three times under three sub-headings: three duties.
    assert_eq!(freqs("5.16"), ["annual", "annual", "annual"]);
    assert_eq!(freqs("5.17"), ["annual", "annual"]);
    assert_eq!(freqs("5.18"), ["annual"]); // 1 年に 1 回以上
    assert_eq!(freqs("5.22"), ["monthly"]); // 1 度/月
    assert_eq!(freqs("5.27"), ["annual"]); // 年に 1 回
    assert_eq!(freqs("5.29"), ["monthly", "annual"]);
    assert_eq!(freqs("8.6"), ["semiannual", "semiannual"]); // 1 回/半年, 1 回/半年毎
    assert_eq!(freqs("8.13"), ["monthly", "monthly"]);
    let d = &control(&r, "5.18").recurring[0];
    assert_eq!(d.who.as_deref(), Some("経営責任者"));
    assert!(d.source_text.contains("1 年に 1 回以上"));
    assert!(d.what.contains("アクセス権を見直し"));
    assert_eq!(control(&r, "8.6").recurring[0].who.as_deref(), Some("情報セキュリティ管理者"));
    let total: usize = r.controls.iter().map(|c| c.recurring.iter().filter(stated).count()).sum();
    assert_eq!(total, 22);
}

#[test]
fn numbers_that_are_not_intervals_are_not_duties() {
    let r = seed();
    // 8.5: "3 回のパスワード入力の失敗"; 5.17: "8 文字以上"; 7.7: "5 分以内".
    for id in ["8.5", "7.7"] {
        assert!(control(&r, id).recurring.is_empty(), "{id}");
    }
    assert!(control(&r, "5.17").recurring.iter().all(|d| !d.source_text.contains("8 文字")));
}

#[test]
fn periodic_without_interval_needs_a_decision() {
    let r = seed();
    let u: Vec<(&str, &str)> = r
        .controls
        .iter()
        .flat_map(|c| c.recurring_unspecified.iter().map(move |u| (c.id.as_str(), u.source_text.as_str())))
        .collect();
    let ids: Vec<&str> = u.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, ["5.29", "8.7", "8.15", "8.15", "8.16", "8.30"], "{u:?}");
    // "定期的に保守すべき装置は無い" states there is nothing to do.
    assert!(control(&r, "7.13").recurring_unspecified.is_empty());
}

#[test]
fn approvals_and_their_approvers() {
    let r = seed();
    let a = |id: &str| control(&r, id).approvals.iter().map(|a| a.approver.clone()).collect::<Vec<_>>();
    assert_eq!(a("5.14"), [Some("経営責任者".to_string())]);
    assert_eq!(a("8.19"), [Some("情報セキュリティ管理者".to_string())]);
    assert_eq!(control(&r, "8.32").approvals.len(), 4);
    assert_eq!(
        control(&r, "8.32").approvals[1].approver.as_deref(),
        Some("システム管理者"),
        "システム管理責任者 is an alias"
    );
    // The standard's sentence ("認可されていない…") is not an approval.
    assert!(a("5.3").is_empty() && a("7.4").is_empty() && a("5.33").is_empty());
}

#[test]
fn roles_systems_and_cross_references() {
    let r = seed();
    assert!(control(&r, "5.29").roles.contains(&"対策本部長".to_string()), "compatibility ideograph ⾧ matches 長");
    assert_eq!(control(&r, "8.6").external_systems, ["Microsoft 365", "OneDrive"]);
    assert_eq!(control(&r, "8.22").external_systems, ["プラチナ光"]);
    assert_eq!(control(&r, "7.10").cross_refs, ["8.1"]);
    assert_eq!(control(&r, "5.1").cross_refs.len(), 11);
    assert_eq!(
        control(&r, "5.22").roles,
        ["情報セキュリティ管理者", "経営責任者"],
        "セキュリテ管理者 is a misspelling"
    );
}

#[test]
fn draft_notes_are_open_items_not_procedure() {
    let r = seed();
    let notes: Vec<(&str, &str)> =
        r.controls.iter().flat_map(|c| c.draft_notes.iter().map(move |n| (c.id.as_str(), n.as_str()))).collect();
    assert_eq!(
        notes,
        [
            ("5.7", "情報収集手順確認後、書き換える"),
            ("5.7", "だれがどう動いて、そういう判断で、どう展開するのか。"),
            ("5.7", "不要な部分は消す"),
            ("5.21", "セキュリティ関して要求事項が確保されていることを業者ごとに確認後、記載する"),
            ("5.23", "セキュリティ関して要求事項が確保されていることを業者ごとに確認後、記載する"),
            ("5.36", "現状ベースの管理方法を整理し、記載する"),
            ("8.15", "監査ログの取得手順確認後、記載"),
            ("8.19", "監査ログの取得手順確認後、記載"),
            ("8.22", "プラチナ光のセキュリティとサービスレベルを確認後、記載"),
        ]
    );
    for c in &r.controls {
        assert!(c.procedure.iter().all(|p| !p.text.contains("確認後、記載")), "{}", c.id);
        assert!(!c.control_text.contains("確認後、記載"), "{}", c.id);
    }
}

#[test]
fn procedure_items_keep_their_labels() {
    let r = seed();
    let labels: Vec<Option<&str>> = control(&r, "5.1").procedure.iter().take(5).map(|p| p.label.as_deref()).collect();
    assert_eq!(labels, [Some("I."), Some("(1)"), Some("a)"), Some("b)"), Some("c)")]);
    let p = &control(&r, "5.17").procedure;
    assert!(p.iter().any(|i| i.label.as_deref() == Some("⑦") && i.text == "パスワードは、定期的(1 回/1 年)変更する。"));
    // Lines wrapped mid-word are joined.
    assert!(control(&r, "5.1").control_text.contains("関連する要員及び関連する利害関係者に伝達し"));
}

#[test]
fn a_twenty_fold_seed_still_parses_into_93_controls() {
    // Not a timing test (the parse benchmark measures speed, see BENCHMARKS.md): a document 20
    // times the seed's size still parses, and the repeated headings do not multiply controls.
    let big = SEED.repeat(20);
    let r = parse_default(&big).unwrap();
    assert_eq!(r.controls.len(), 93);
}
