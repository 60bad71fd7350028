//! Controlled documents, the SoA and its exports, on both engines.

use crate::on_both_engines;
use mamori_app::documents::{self, NewDocument, RowEdit};
use mamori_app::session::{LoginRequest, login, lookup};
use mamori_app::{Actor, AppError, org, regulation, users};
use mamori_domain::document::DocKind;
use mamori_domain::soa::{ImplStatus, InclusionReason};
use mamori_store::Db;

const T0: i64 = 1_767_225_600_000;
const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

/// An organisation with the seed imported, and three users: two of top management and an
/// employee. Returns their actors.
async fn world(db: &Db) -> (Actor, Actor, Actor) {
    let o = org::create(db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    for (login_id, roles) in [
        ("ceo", vec!["top_management"]),
        ("ceo2", vec!["top_management", "security_manager"]),
        ("emp", vec!["employee"]),
    ] {
        users::create(
            db,
            &cli,
            users::NewUser {
                login_id: login_id.into(),
                display_name: login_id.into(),
                email: String::new(),
                password: "Initial123".into(),
                roles: roles.into_iter().map(String::from).collect(),
            },
            T0,
        )
        .await
        .unwrap();
    }
    regulation::import_text(db, &cli, "seed.txt", SEED, T0).await.unwrap();
    let mut actors = Vec::new();
    for l in ["ceo", "ceo2", "emp"] {
        let s = login(
            db,
            LoginRequest { organization: None, login_id: l.into(), password: "Initial123".into(), totp: None },
            T0,
        )
        .await
        .unwrap();
        actors.push(lookup(db, &s.token, T0).await.unwrap().unwrap().actor);
    }
    let emp = actors.pop().unwrap();
    let ceo2 = actors.pop().unwrap();
    let ceo = actors.pop().unwrap();
    (ceo, ceo2, emp)
}

async fn soa_is_derived_edited_and_approved_with_separation_of_duties(db: Db) {
    let (ceo, ceo2, emp) = world(&db).await;
    let v = documents::soa(&db, &ceo, false).await.unwrap();
    assert_eq!(v.rows.len(), 93);
    assert_eq!(v.status, "draft");
    assert!(!v.regulation_approved);
    let excluded: Vec<&str> = v.rows.iter().filter(|r| !r.applicable).map(|r| r.id.as_str()).collect();
    assert_eq!(excluded.len(), 8);
    assert!(
        v.rows.iter().filter(|r| !r.applicable).all(|r| !r.reason_text.is_empty()),
        "exclusion reasons are prefilled"
    );
    assert_eq!(v.missing_reasons.len(), 85);
    let r510 = v.rows.iter().find(|r| r.id == "7.10").unwrap();
    assert!(r510.records.contains(&"媒体持出管理記録".to_string()));

    // An employee may read but not edit.
    assert!(matches!(
        documents::soa_edit_row(&db, &emp, "5.1", RowEdit::default(), T0).await,
        Err(AppError::Forbidden)
    ));

    // ceo writes: an inclusion reason for 5.1, then all the rest.
    let edit = RowEdit {
        reasons: vec![InclusionReason::RiskTreatment, InclusionReason::LegalContractual],
        reason_text: "顧客との契約".into(),
        status: Some(ImplStatus::Partial),
        documents: None,
    };
    let v = documents::soa_edit_row(&db, &ceo, "5.1", edit, T0 + 1).await.unwrap();
    assert_eq!(v.rows[0].reason_display(), "リスク対応、法令・契約、顧客との契約");
    assert_eq!(v.missing_reasons.len(), 84);
    // Approval is blocked while reasons are missing (and would be refused to the author anyway).
    assert!(matches!(documents::soa_approve(&db, &ceo2, T0 + 2).await, Err(AppError::Blocked(m)) if m.contains("5.2")));
    let v = documents::soa_fill_missing(&db, &ceo, InclusionReason::BestPractice, T0 + 3).await.unwrap();
    assert!(v.missing_reasons.is_empty());
    // The author cannot approve; an employee lacks the role; the other top manager can.
    assert!(matches!(documents::soa_approve(&db, &ceo, T0 + 4).await, Err(AppError::SeparationOfDuties)));
    assert!(matches!(documents::soa_approve(&db, &emp, T0 + 4).await, Err(AppError::Forbidden)));
    let v = documents::soa_approve(&db, &ceo2, T0 + 5).await.unwrap();
    assert_eq!(v.status, "approved");
    assert_eq!(v.approved_by.as_deref(), Some("ceo2"));
    assert_eq!(v.edition, "初版");

    // Approved versions are immutable: an edit starts 第2版 as a draft; the export keeps v1.
    let v2 = documents::soa_edit_row(
        &db,
        &ceo2,
        "5.2",
        RowEdit { reasons: vec![InclusionReason::BusinessRequirement], ..RowEdit::default() },
        T0 + 6,
    )
    .await
    .unwrap();
    assert_eq!(v2.status, "draft");
    assert_eq!(v2.edition, "第2版");
    let exported = documents::soa(&db, &ceo2, true).await.unwrap();
    assert_eq!(exported.status, "approved");
    assert_eq!(exported.rows[1].reasons, vec![InclusionReason::BestPractice]);
    // ceo2 wrote 第2版 and so cannot approve it; ceo can.
    assert!(matches!(documents::soa_approve(&db, &ceo2, T0 + 7).await, Err(AppError::SeparationOfDuties)));
    let v = documents::soa_approve(&db, &ceo, T0 + 8).await.unwrap();
    assert_eq!(v.edition, "第2版");
    let soa_doc = documents::list(&db, &ceo).await.unwrap().into_iter().find(|d| d.doc.kind == "soa").unwrap();
    let statuses: Vec<&str> = soa_doc.versions.iter().map(|v| v.status.as_str()).collect();
    assert_eq!(statuses, ["approved", "superseded"]);
    assert!(mamori_app::audit::verify_org(&db, &ceo.org_id).await.unwrap().is_ok());
}

async fn exports_read_back(db: Db) {
    let (ceo, _, _) = world(&db).await;
    let v = documents::soa(&db, &ceo, true).await.unwrap();
    let table = documents::soa_table(&v);

    // xlsx, read back with calamine.
    let bytes = documents::render_export(&table, "xlsx").unwrap();
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), ["適用宣言書"]);
    let range = wb.worksheet_range("適用宣言書").unwrap();
    let cell = |r: u32, c: u32| range.get_value((r, c)).map(|d| d.to_string()).unwrap_or_default();
    assert_eq!(cell(0, 0), "適用宣言書【案】", "a draft is marked as such");
    assert!(cell(1, 0).contains("AB-標準-250503-SOA") && cell(1, 0).contains("社外秘"));
    assert_eq!(cell(3, 0), "管理策番号");
    for (i, row) in v.rows.iter().enumerate() {
        let r = 4 + u32::try_from(i).unwrap();
        assert_eq!(cell(r, 0), row.id);
        assert_eq!(cell(r, 1), row.title);
        assert_eq!(cell(r, 2), if row.applicable { "○" } else { "×" });
        assert_eq!(cell(r, 3), row.reason_display());
        assert_eq!(cell(r, 4), row.status.label_ja());
    }
    assert!(matches!(range.get_value((4 + 93, 0)), None | Some(Data::Empty)));

    // CSV: UTF-8 with BOM, decodes to the same characters.
    let csv = documents::render_export(&table, "csv").unwrap();
    assert_eq!(&csv[..3], &[0xEF, 0xBB, 0xBF]);
    let (text, _, errors) = encoding_rs::UTF_8.decode(&csv);
    assert!(!errors);
    assert!(text.starts_with("適用宣言書【案】"), "the decoder drops the BOM");
    assert!(text.contains("8.17,クロックの同期,×,PC は OS の設定により自動的に同期している。,未実施"));

    // 改訂履歴 and the document list.
    let docs = documents::list(&db, &ceo).await.unwrap();
    let reg = docs.iter().find(|d| d.doc.kind == "regulation").unwrap();
    let h = documents::history_table(reg);
    assert_eq!(h.rows.len(), 1);
    assert_eq!(h.rows[0][2].as_text(), "制定");
    let list = String::from_utf8(documents::render_export(&documents::list_table(&docs), "csv").unwrap()).unwrap();
    assert!(list.contains("AB-標準-250503,情報セキュリティ管理策規程,規程"));
}

async fn policies_are_approved_published_and_acknowledged(db: Db) {
    let (ceo, ceo2, emp) = world(&db).await;
    let d = documents::create(
        &db,
        &ceo,
        NewDocument {
            kind: DocKind::Policy,
            number: "AB-方針-001".into(),
            title: "情報セキュリティ基本方針".into(),
            issuer: None,
            body: "当社は情報資産を守る。".into(),
            enacted_date: Some("2025-07-11".into()),
        },
        T0,
    )
    .await
    .unwrap();
    let id = d.doc.id.clone();
    assert!(matches!(documents::approve(&db, &ceo, &id, T0 + 1).await, Err(AppError::SeparationOfDuties)));
    assert!(matches!(documents::approve(&db, &emp, &id, T0 + 1).await, Err(AppError::Forbidden)));
    documents::approve(&db, &ceo2, &id, T0 + 2).await.unwrap();
    assert!(documents::pending_for(&db, &emp).await.unwrap().is_empty(), "not yet published");
    documents::publish(&db, &ceo, &id, vec![], T0 + 3).await.unwrap();
    let pending = documents::pending_for(&db, &emp).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].title, "情報セキュリティ基本方針");
    documents::acknowledge(&db, &emp, &pending[0].version_id, T0 + 4).await.unwrap();
    assert!(
        matches!(documents::acknowledge(&db, &emp, &pending[0].version_id, T0 + 5).await, Err(AppError::Conflict)),
        "once per version"
    );
    assert!(documents::pending_for(&db, &emp).await.unwrap().is_empty());
    let detail = documents::get(&db, &ceo, &id).await.unwrap();
    let status = documents::ack_status(&db, &ceo, detail.approved().unwrap()).await.unwrap();
    let by: Vec<(&str, bool)> = status.iter().map(|(l, _, at)| (l.as_str(), at.is_some())).collect();
    assert_eq!(by, [("ceo", false), ("ceo2", false), ("emp", true)]);

    // A revision: new draft 第2版; the approved text is untouched until it is approved.
    documents::save_draft(&db, &ceo, &id, "当社は情報資産を守り、改善する。", "改善を追記", T0 + 6).await.unwrap();
    let detail = documents::get(&db, &ceo, &id).await.unwrap();
    assert_eq!(detail.approved().unwrap().body, "当社は情報資産を守る。");
    assert_eq!(detail.draft().unwrap().edition, "第2版");
    // Published to security managers only: the employee is not asked.
    documents::approve(&db, &ceo2, &id, T0 + 7).await.unwrap();
    documents::publish(&db, &ceo, &id, vec!["security_manager".into()], T0 + 8).await.unwrap();
    assert!(documents::pending_for(&db, &emp).await.unwrap().is_empty());
    assert_eq!(documents::pending_for(&db, &ceo2).await.unwrap().len(), 1);
    let h = documents::history_table(&documents::get(&db, &ceo, &id).await.unwrap());
    let eds: Vec<&str> = h.rows.iter().map(|r| r[0].as_text()).collect();
    assert_eq!(eds, ["初版", "第2版"]);
}

async fn reimporting_the_regulation_makes_a_draft_with_changes(db: Db) {
    let (ceo, ceo2, _) = world(&db).await;
    let changed = SEED.replace("１回/年見直しを実施する", "１回/半年見直しを実施する");
    regulation::import_text(&db, &ceo, "seed-v2.txt", &changed, T0 + 10).await.unwrap();
    let docs = documents::list(&db, &ceo).await.unwrap();
    let reg = docs.iter().find(|d| d.doc.kind == "regulation").unwrap();
    assert_eq!(reg.versions.len(), 2);
    assert_eq!(reg.versions[0].change_summary, "管理策 5.9 を改訂");
    assert_eq!(reg.versions[1].status, "superseded", "the older draft is superseded");
    let changes = regulation::changes(&db, &ceo, 1, 2).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert!(changes[0].intervals_added[0].starts_with("semiannual"));
    // ceo imported it; ceo2 approves; the SoA now derives from the approved regulation.
    assert!(matches!(documents::approve(&db, &ceo, &reg.doc.id, T0 + 11).await, Err(AppError::SeparationOfDuties)));
    documents::approve(&db, &ceo2, &reg.doc.id, T0 + 12).await.unwrap();
    assert!(documents::soa(&db, &ceo, false).await.unwrap().regulation_approved);
}

/// The PDF checks need Debian's chromium and pdftotext (scripts/test installs both); without
/// them the test fails rather than passing without checking anything.
fn require_pdf_tools() {
    let has = |c: &str| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {c}"))
            .output()
            .is_ok_and(|o| o.status.success())
    };
    for tool in ["chromium", "pdftotext"] {
        assert!(
            has(tool),
            "{tool} is required for the PDF checks: install it (scripts/test does) or run ./scripts/test"
        );
    }
}

async fn pdf_export_has_searchable_japanese_text(db: Db) {
    require_pdf_tools();
    let (ceo, _, _) = world(&db).await;
    let v = documents::soa(&db, &ceo, true).await.unwrap();
    let pdf = documents::render_export(&documents::soa_table(&v), "pdf").unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let path = std::env::temp_dir().join(format!("mamori-soa-{}.pdf", mamori_app::new_id()));
    std::fs::write(&path, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg("-raw").arg(&path).arg("-").output().unwrap();
    let raw = String::from_utf8_lossy(&out.stdout).into_owned();
    let text = raw.replace(['\n', ' '], "");
    // Control ids as whole tokens: "5.1" must not be found inside "5.10".
    let is_id_char = |c: char| c.is_ascii_digit() || c == '.';
    let has_token = |id: &str| {
        raw.match_indices(id).any(|(i, _)| {
            let before = raw[..i].chars().next_back();
            let after = raw[i + id.len()..].chars().next();
            !before.is_some_and(is_id_char)
                && !after.is_some_and(|c| {
                    c.is_ascii_digit()
                        || (c == '.' && raw[i + id.len() + 1..].starts_with(|d: char| d.is_ascii_digit()))
                })
        })
    };
    for c in mamori_regulation::catalogue::controls() {
        assert!(has_token(&c.id), "{} missing from the PDF text as a token (kept at {})", c.id, path.display());
    }
    let _ = std::fs::remove_file(&path);
    for title in ["情報セキュリティのための方針群", "クロックの同期", "記憶媒体", "適用宣言書【案】", "社外秘"]
    {
        assert!(text.contains(title), "{title} missing from the PDF text");
    }
}

on_both_engines!(
    soa_is_derived_edited_and_approved_with_separation_of_duties,
    exports_read_back,
    policies_are_approved_published_and_acknowledged,
    reimporting_the_regulation_makes_a_draft_with_changes,
    pdf_export_has_searchable_japanese_text,
);

/// A regulation that arrives as a PDF (printed here with Chromium) is read through pdftotext.
#[tokio::test]
async fn a_pdf_regulation_is_read_through_pdftotext() {
    require_pdf_tools();
    // A short regulation laid out as paragraphs.
    let body: String = SEED
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(400)
        .map(|l| format!("<p>{}</p>", l.replace('&', "&amp;").replace('<', "&lt;")))
        .collect();
    let html = format!(
        "<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><body style=\"font-family:'Noto Sans CJK JP'\">{body}</body></html>"
    );
    let pdf = mamori_app::export::pdf(&html).unwrap();
    let path = std::env::temp_dir().join(format!("mamori-reg-{}.pdf", mamori_app::new_id()));
    std::fs::write(&path, &pdf).unwrap();
    let reg = mamori_app::regulation_file::parse_file(&path, &mamori_regulation::Dictionaries::default()).unwrap();
    let _ = std::fs::remove_file(&path);
    let ids: Vec<&str> = reg.controls.iter().map(|c| c.id.as_str()).collect();
    assert!(ids.len() >= 20 && ids[0] == "5.1", "{ids:?}");
    assert!(reg.controls[0].records.contains(&"情報セキュリティ基本方針".to_string()));
}
