//! Supplier questionnaires on both engines, continued: templates imported from an xlsx check
//! sheet (refused whole with every row and column named; accepted, sent, replaced — the sent
//! questionnaire keeps what it asked —, exported and imported again to the same questions),
//! files sent with the answers (capped and typed; readable only by the supplier register's
//! readers), and the questionnaire re-sent on the supplier's re-evaluation day, once.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use jiff::civil::{Date, date};
use mamori_app::evidence::EvidenceStore;
use mamori_app::suppliers::questionnaires::{self as q, IncomingFile};
use mamori_app::suppliers::{self, reevaluation, templates};
use mamori_app::{Actor, AppError, org};
use mamori_domain::questionnaire::{Answer, Answers, Template};
use mamori_store::Db;
use serde_json::{Map, Value, json};

/// An xlsx of these rows from A1 (written here, no third-party file).
fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

const HEADER: &[&str] = &["区分", "質問", "期待する回答", "関連する要求事項"];

fn supplier(name: &str) -> Map<String, Value> {
    json!({"name": name, "kind": "maintenance", "services": "保守", "criticality": "中", "contact_email": "sec@vendor.example.jp"})
        .as_object()
        .unwrap()
        .clone()
}

fn all_yes(t: &Template) -> Answers {
    t.questions().map(|x| (x.key.clone(), Answer { answer: "yes".into(), comment: String::new() })).collect()
}

fn store() -> EvidenceStore {
    EvidenceStore { dir: std::env::temp_dir().join(format!("mamori-qt-{}", mamori_app::new_id())), max_bytes: 1 << 20 }
}

async fn setup(db: &Db) -> (Actor, Actor, Actor) {
    let o = org::create(db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(db, &cli, "kanri", "security_manager").await;
    add_user(db, &cli, "emp", "employee").await;
    (cli, actor_of(db, "kanri").await, actor_of(db, "emp").await)
}

async fn imported_templates_are_checked_whole_sent_and_kept_as_sent(db: Db) {
    let (_, kanri, emp) = setup(&db).await;
    let today = date(2026, 1, 5);
    let shipped = templates::list(&db, &kanri).await.unwrap().len();

    // Refused whole: each bad cell named by its row and column; nothing stored.
    let bad = xlsx(&[
        &["委託先チェックシート"],
        &[],
        HEADER,
        &["1. 体制", "方針はありますか。", "はい", ""],
        &["", "", "はい", ""],
        &["", "責任者はいますか。", "たぶん", "宇宙"],
    ]);
    match templates::import(&db, &kanri, "委託先.xlsx", &bad, None, T0).await {
        Err(AppError::Rows(p)) => {
            let got: Vec<(usize, &str, &str)> =
                p.iter().map(|x| (x.row, x.column.as_str(), x.message.as_str())).collect();
            assert_eq!(
                got,
                [
                    (5, "質問", "qt-required"),
                    (6, "期待する回答", "qt-expected-choice"),
                    (6, "関連する要求事項", "qt-unknown-requirement")
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        templates::import(&db, &kanri, "notes.xlsx", b"not a zip", None, T0).await,
        Err(AppError::Rows(p)) if p[0].message == "qt-not-xlsx" && p[0].row == 0
    ));
    let big = vec![b'P'; templates::MAX_FILE_BYTES + 1];
    assert!(matches!(
        templates::import(&db, &kanri, "big.xlsx", &big, None, T0).await,
        Err(AppError::TooLarge { key: "limit-file-mb", .. })
    ));
    let mut many: Vec<Vec<String>> = vec![HEADER.iter().map(|s| s.to_string()).collect()];
    for i in 0..=templates::CAPS.rows {
        many.push(vec!["a".into(), format!("質問 {i}"), "はい".into()]);
    }
    let refs: Vec<Vec<&str>> = many.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
    let refs: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
    assert!(matches!(
        templates::import(&db, &kanri, "many.xlsx", &xlsx(&refs), None, T0).await,
        Err(AppError::TooLarge { key: "limit-rows", .. })
    ));
    assert_eq!(templates::list(&db, &kanri).await.unwrap().len(), shipped, "nothing stored");

    // Accepted: the title from the file name; an employee may not import.
    let good = xlsx(&[
        HEADER,
        &["1. 体制", "方針はありますか。", "はい", ""],
        &["", "再委託していますか。", "いいえ", "再委託"],
    ]);
    assert!(matches!(
        templates::import(&db, &emp, "委託先.xlsx", &good, None, T0).await,
        Err(AppError::Forbidden | AppError::NotFound)
    ));
    let info = templates::import(&db, &kanri, "C:\\共有\\委託先チェック.xlsx", &good, None, T0).await.unwrap();
    assert_eq!((info.title.as_str(), info.questions, info.shipped), ("委託先チェック", 2, false));
    let listed = templates::list(&db, &kanri).await.unwrap();
    assert_eq!(listed.len(), shipped + 1);

    // Export → import gives the same questions.
    let table = templates::table(&db, &kanri, &info.key).await.unwrap();
    let bytes = mamori_app::export::xlsx(&table).unwrap();
    let again = templates::parse_file("委託先チェック.xlsx", &bytes, None).unwrap();
    let before = templates::get(&db, &kanri, &info.key).await.unwrap();
    assert_eq!(again, before);
    let std_table = templates::table(&db, &kanri, "standard").await.unwrap();
    let std_again = templates::parse_file(
        "x.xlsx",
        &mamori_app::export::xlsx(&std_table).unwrap(),
        Some("情報セキュリティに関するチェックシート"),
    )
    .unwrap();
    assert_eq!(std_again.sections, templates::get(&db, &kanri, "standard").await.unwrap().sections);

    // Sent with the imported template; a later import of the same title changes the template,
    // not what was asked.
    let s = suppliers::create(&db, &kanri, supplier("保守会社"), today, T0).await.unwrap();
    let (row, token) = q::send(&db, &kanri, &s.id, &info.key, today, T0).await.unwrap();
    let changed = xlsx(&[HEADER, &["2. 新", "新しい質問ですか。", "はい", ""]]);
    let replaced = templates::import(&db, &kanri, "委託先チェック.xlsx", &changed, None, T0 + 1).await.unwrap();
    assert_eq!(replaced.key, info.key, "the same title replaces");
    assert_eq!(templates::list(&db, &kanri).await.unwrap().len(), shipped + 1);
    let (_, public) = q::open(&db, &token, T0 + 2).await.unwrap().unwrap();
    assert_eq!(public.template, before, "the questionnaire asks what was sent");
    let score = q::answer(&db, &token, "保守 太郎", all_yes(&before), T0 + 3).await.unwrap();
    assert_eq!(score.deviations, ["q02"]);
    let v = q::one(&db, &kanri, &s.id, &row.id, today).await.unwrap();
    assert_eq!(v.template.as_ref(), Some(&before));
    let table = q::answers_table(&db, &kanri, &s.id, &row.id, today).await.unwrap();
    assert!(format!("{:?}", table.rows).contains("再委託していますか。"));
    let (_, t2) = q::send(&db, &kanri, &s.id, &info.key, today, T0 + 4).await.unwrap();
    let (_, p2) = q::open(&db, &t2, T0 + 5).await.unwrap().unwrap();
    assert_eq!(p2.template.questions().next().unwrap().text, "新しい質問ですか。");

    // Another organisation neither sees nor sends it.
    let other = org::create(&db, "other", "他社", T0).await.unwrap();
    let ocli = Actor::cli(&other.id);
    assert!(matches!(templates::get(&db, &ocli, &info.key).await, Err(AppError::NotFound)));
    assert_eq!(templates::list(&db, &ocli).await.unwrap().len(), shipped);
}

on_both_engines!(imported_templates_are_checked_whole_sent_and_kept_as_sent);

async fn files_with_the_answers_are_capped_and_need_to_know(db: Db) {
    let (cli, kanri, emp) = setup(&db).await;
    add_user(&db, &cli, "auditor", "internal_auditor").await;
    let auditor = actor_of(&db, "auditor").await;
    let today = date(2026, 1, 5);
    let st = store();
    let s = suppliers::create(&db, &kanri, supplier("保守会社"), today, T0).await.unwrap();
    let (row, token) = q::send(&db, &kanri, &s.id, "standard", today, T0).await.unwrap();
    let t = mamori_domain::questionnaire::template("standard").unwrap();
    let file = |question: Option<&str>, name: &str, bytes: &[u8]| IncomingFile {
        question: question.map(str::to_string),
        name: name.into(),
        bytes: bytes.to_vec(),
        truncated: false,
    };

    // Refused: an executable named .pdf, a zip named .xlsx is fine only when it is one, an
    // unknown question, a file over the cap; the answers are not recorded.
    let refused = vec![
        file(Some("q01"), "policy.pdf", b"MZ\x90\x00 not a pdf"),
        file(Some("q99"), "x.pdf", b"%PDF-1.4"),
        file(None, "notes.html", b"<html>"),
        IncomingFile { truncated: true, ..file(Some("q02"), "big.pdf", b"%PDF-1.4") },
    ];
    match q::answer_with_files(&db, Some(&st), &token, "保守 太郎", all_yes(t), refused, T0 + 1).await {
        Err(AppError::Validation(p)) => assert_eq!(
            p,
            [
                ("f_q01".to_string(), "q-file-type".to_string()),
                ("f_q99".to_string(), "q-unknown-question".to_string()),
                ("files".to_string(), "q-file-type".to_string()),
                ("f_q02".to_string(), "q-file-too-large".to_string()),
            ]
        ),
        other => panic!("{other:?}"),
    }
    let too_many: Vec<IncomingFile> = (0..=q::MAX_FILES).map(|i| file(None, &format!("{i}.txt"), b"ok")).collect();
    match q::answer_with_files(&db, Some(&st), &token, "保守 太郎", all_yes(t), too_many, T0 + 1).await {
        Err(AppError::Validation(p)) => assert_eq!(p, [("files".to_string(), "q-file-too-many".to_string())]),
        other => panic!("{other:?}"),
    }
    assert_eq!(q::one(&db, &kanri, &s.id, &row.id, today).await.unwrap().row.state, "sent", "nothing recorded");

    // Accepted: a PDF for q01 and a text file for the whole questionnaire.
    let files = vec![file(Some("q01"), "方針.pdf", b"%PDF-1.4 policy"), file(None, "補足.txt", "補足です".as_bytes())];
    q::answer_with_files(&db, Some(&st), &token, "保守 太郎", all_yes(t), files, T0 + 2).await.unwrap();
    let v = q::one(&db, &kanri, &s.id, &row.id, today).await.unwrap();
    assert_eq!(v.files.len(), 2);
    let pdf = v.files.iter().find(|f| f.question_key.as_deref() == Some("q01")).unwrap();
    assert_eq!((pdf.name.as_str(), pdf.content_type.as_str()), ("方針.pdf", "application/pdf"));
    let (_, bytes) = q::file(&db, &st, &kanri, &s.id, &row.id, &pdf.id, today).await.unwrap();
    assert_eq!(bytes, b"%PDF-1.4 policy");
    assert!(q::file(&db, &st, &auditor, &s.id, &row.id, &pdf.id, today).await.is_ok(), "the register's readers");
    assert!(q::file(&db, &st, &emp, &s.id, &row.id, &pdf.id, today).await.is_err(), "need-to-know");
    assert!(matches!(st.open(&db, &emp, &pdf.sha256).await, Err(AppError::NotFound)), "not through evidence either");
    assert!(st.open(&db, &kanri, &pdf.sha256).await.is_ok());
    let table = q::answers_table(&db, &kanri, &s.id, &row.id, today).await.unwrap();
    let text = format!("{:?}", table.rows);
    assert!(text.contains("方針.pdf") && text.contains("補足.txt"), "the export names the files");
    let other = org::create(&db, "other", "他社", T0).await.unwrap();
    assert!(st.open(&db, &Actor::cli(&other.id), &pdf.sha256).await.is_err(), "scoped to the asking organisation");
    assert!(mamori_app::audit::verify_org(&db, &kanri.org_id).await.unwrap().is_ok());
    let _ = std::fs::remove_dir_all(&st.dir);
}

on_both_engines!(files_with_the_answers_are_capped_and_need_to_know);

fn at(d: Date) -> i64 {
    d.at(9, 0, 0, 0).in_tz("Asia/Tokyo").unwrap().timestamp().as_millisecond()
}

async fn a_reevaluation_sends_the_last_template_once_on_its_day(db: Db) {
    let (_, kanri, _) = setup(&db).await;
    let start = date(2026, 1, 5);
    let text = |k: &str, a: &[(&str, String)]| {
        format!("{k} {}", a.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "))
    };
    let info = templates::import(
        &db,
        &kanri,
        "年次確認.xlsx",
        &xlsx(&[HEADER, &["体制", "方針はありますか。", "はい", ""]]),
        None,
        at(start),
    )
    .await
    .unwrap();
    let s = suppliers::create(&db, &kanri, supplier("保守会社"), start, at(start)).await.unwrap();
    let never = suppliers::create(&db, &kanri, supplier("警備会社"), start, at(start)).await.unwrap();
    q::send(&db, &kanri, &s.id, "standard", start, at(start)).await.unwrap();
    q::send(&db, &kanri, &s.id, &info.key, start, at(start) + 1).await.unwrap();
    let due: Date = reevaluation::next_due(&db, &kanri, &s.id, start).await.unwrap().unwrap().parse().unwrap();
    assert!(due > start);
    assert!(reevaluation::next_due(&db, &kanri, &never.id, start).await.unwrap().is_some());

    let before = due.yesterday().unwrap();
    let org_id = kanri.org_id.clone();
    let base = "https://isms.example.jp/";
    assert!(
        reevaluation::send_due(&db, &org_id, base, &text, before, at(before)).await.unwrap().is_empty(),
        "not before"
    );
    let sent = reevaluation::send_due(&db, &org_id, base, &text, due, at(due)).await.unwrap();
    assert_eq!(sent.len(), 1, "only the supplier that was sent a questionnaire: {sent:?}");
    assert_eq!((sent[0].supplier_id.as_str(), sent[0].due.clone()), (s.id.as_str(), due.to_string()));
    assert_eq!(sent[0].mailed_to, "sec@vendor.example.jp");
    assert!(reevaluation::send_due(&db, &org_id, base, &text, due, at(due) + 60_000).await.unwrap().is_empty(), "once");
    let next_day = due.tomorrow().unwrap();
    assert!(reevaluation::send_due(&db, &org_id, base, &text, next_day, at(next_day)).await.unwrap().is_empty());

    let list = q::list(&db, &kanri, &s.id, due).await.unwrap();
    let newest = &list[0];
    assert_eq!(newest.row.reeval_due.as_deref(), Some(due.to_string().as_str()));
    assert_eq!(newest.row.template, info.key, "the last template used");
    assert_eq!(newest.template.as_ref().unwrap().title, "年次確認");
    let cli = Actor::cli(&org_id);
    let mails = mamori_app::outbox::list(&db, &cli, 50).await.unwrap();
    let mail: Vec<_> = mails.iter().filter(|m| m.kind == "questionnaire").collect();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].recipient, "sec@vendor.example.jp");
    assert!(mail[0].body.contains("url=https://isms.example.jp/q/"), "{}", mail[0].body);
    let (trail, _) = mamori_app::audit::list(&db, &cli, 200, 0).await.unwrap();
    assert!(
        trail.iter().any(|e| e.object_type == "supplier_questionnaire"
            && e.after_json.as_deref().is_some_and(|j| j.contains("reevaluation"))),
        "recorded in the audit trail"
    );
    assert!(mamori_app::audit::verify_org(&db, &org_id).await.unwrap().is_ok());
}

on_both_engines!(a_reevaluation_sends_the_last_template_once_on_its_day);
