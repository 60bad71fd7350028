//! Issue 16 on both engines: the documents the regulation names exist after an import (once),
//! the BCP is approved jointly by 経営責任者 and 情報セキュリティ管理者 (distinct people, never
//! the author), and a published named document is acknowledged as the regulation is.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use mamori_app::{Actor, AppError, documents, evidence, org, regulation};
use mamori_store::Db;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

const NAMED: [&str; 5] = [
    "情報セキュリティ基本方針",
    "情報セキュリティ運用ルール",
    "情報セキュリティマニュアル",
    "ABS セキュリティ運用ルール",
    "事業継続計画",
];

async fn imported(db: &Db) -> Actor {
    let o = org::create(db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    for (login, role) in [
        ("boss", "top_management"),
        ("boss2", "top_management"),
        ("kanri", "security_manager"),
        ("writer", "system_admin"),
        ("emp", "employee"),
    ] {
        add_user(db, &cli, login, role).await;
    }
    regulation::import_text(db, &cli, "seed.txt", SEED, T0).await.unwrap();
    cli
}

async fn the_named_documents_exist_once(db: Db) {
    let cli = imported(&db).await;
    let boss = actor_of(&db, "boss").await;
    let list = documents::list(&db, &boss).await.unwrap();
    let reg = list.iter().find(|d| d.doc.kind == "regulation").unwrap();
    for title in NAMED {
        let d = list.iter().find(|d| d.doc.title == title).unwrap_or_else(|| panic!("{title}"));
        assert_eq!(d.doc.parent_id.as_deref(), Some(reg.doc.id.as_str()), "{title}");
        assert!(d.doc.doc_number.starts_with(&format!("{}-D", reg.doc.doc_number)), "{}", d.doc.doc_number);
        assert!(d.versions.is_empty(), "{title}: no version until one is written");
    }
    let policy = list.iter().find(|d| d.doc.title == "情報セキュリティ基本方針").unwrap();
    assert_eq!((policy.doc.kind.as_str(), policy.doc.approver_role.as_str()), ("policy", "top_management"));
    let rule = list.iter().find(|d| d.doc.title == "情報セキュリティ運用ルール").unwrap();
    assert_eq!((rule.doc.kind.as_str(), rule.doc.approver_role.as_str()), ("manual", "security_manager"));
    let bcp = list.iter().find(|d| d.doc.title == "事業継続計画").unwrap();
    assert_eq!(documents::required_roles(&bcp.doc), ["top_management", "security_manager"]);
    let count = list.len();
    // A re-import adds no second copy (the same regulation saved again: other bytes, same text).
    regulation::import_text(&db, &cli, "seed.txt", &format!("{SEED}\n"), T0 + 10).await.unwrap();
    let again = documents::list(&db, &boss).await.unwrap();
    assert_eq!(again.len(), count);
    for title in NAMED {
        assert_eq!(again.iter().filter(|d| d.doc.title == title).count(), 1, "{title}");
    }
    // The records page no longer offers registers for them.
    let homes = mamori_app::registers::record_homes(
        &db,
        &boss,
        &["情報セキュリティマニュアル".to_string(), "変更管理記録表".to_string()],
        T0,
    )
    .await
    .unwrap();
    assert!(matches!(homes[0].1, mamori_app::registers::RecordHome::Document(_)));
    assert!(matches!(
        mamori_app::registers::offer(&db, &boss, "情報セキュリティ運用ルール", vec![], T0).await,
        Err(AppError::Validation(_))
    ));
}

async fn the_bcp_is_approved_jointly(db: Db) {
    imported(&db).await;
    let [boss, boss2, kanri, writer, emp] = [
        actor_of(&db, "boss").await,
        actor_of(&db, "boss2").await,
        actor_of(&db, "kanri").await,
        actor_of(&db, "writer").await,
        actor_of(&db, "emp").await,
    ];
    let bcp = documents::list(&db, &boss).await.unwrap().into_iter().find(|d| d.doc.title == "事業継続計画").unwrap();
    let id = bcp.doc.id.clone();
    documents::save_draft(&db, &writer, &id, "重要業務: 受託開発、顧客対応", "制定", T0).await.unwrap();
    // The author is refused, whatever their role.
    assert!(matches!(documents::approve(&db, &writer, &id, T0).await, Err(AppError::SeparationOfDuties)));
    assert!(matches!(documents::approve(&db, &emp, &id, T0).await, Err(AppError::Forbidden)));
    // The first approval is recorded; the version stays a draft.
    let v = documents::approve(&db, &boss, &id, T0 + 1).await.unwrap();
    assert_eq!(v.status, "draft");
    let done = documents::approvals_of(&v);
    assert_eq!(done.len(), 1);
    assert_eq!((done[0].role.as_str(), done[0].label.as_str()), ("top_management", "boss さん"), "by name");
    // The same person twice is refused; a second 経営責任者 cannot stand in for the
    // 情報セキュリティ管理者.
    assert!(
        matches!(documents::approve(&db, &boss, &id, T0 + 2).await, Err(AppError::Validation(ref v)) if v[0].1 == "doc-already-approved-by-you")
    );
    assert!(matches!(documents::approve(&db, &boss2, &id, T0 + 2).await, Err(AppError::Forbidden)));
    let v = documents::approve(&db, &kanri, &id, T0 + 3).await.unwrap();
    assert_eq!(v.status, "approved");
    assert_eq!(documents::approvals_of(&v).len(), 2);
    assert_eq!(v.approver_label.as_deref(), Some("boss さん、kanri さん"));

    // A new draft starts with no approvals; editing a draft after a first approval clears it.
    documents::save_draft(&db, &writer, &id, "第2版", "改訂", T0 + 4).await.unwrap();
    documents::approve(&db, &kanri, &id, T0 + 5).await.unwrap();
    let d = documents::save_draft(&db, &writer, &id, "第2版（修正）", "改訂", T0 + 6).await.unwrap();
    assert!(documents::approvals_of(d.draft().unwrap()).is_empty(), "the content changed after the approval");

    // Single-approver documents keep their rule: one 情報セキュリティ管理者 approves a manual.
    let manual = documents::list(&db, &boss)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.doc.title == "情報セキュリティマニュアル")
        .unwrap();
    documents::save_draft(&db, &writer, &manual.doc.id, "区分: 極秘・社外秘・公開", "制定", T0).await.unwrap();
    assert!(matches!(documents::approve(&db, &boss2, &manual.doc.id, T0).await, Err(AppError::Forbidden)));
    let v = documents::approve(&db, &kanri, &manual.doc.id, T0 + 1).await.unwrap();
    assert_eq!((v.status.as_str(), v.approvals_json.as_deref()), ("approved", None));

    // Staff acknowledgement works for it as for the regulation.
    documents::publish(&db, &kanri, &manual.doc.id, vec![], T0 + 2).await.unwrap();
    let pending = documents::pending_for(&db, &emp).await.unwrap();
    let p = pending.iter().find(|p| p.document_id == manual.doc.id).expect("pending for the employee");
    documents::acknowledge(&db, &emp, &p.version_id, T0 + 3).await.unwrap();
    assert!(!documents::pending_for(&db, &emp).await.unwrap().iter().any(|p| p.document_id == manual.doc.id));
}

/// A version holding an uploaded docx: stored through the evidence store, readable by those who
/// read documents once a version names it; other types are refused at the file field.
async fn a_version_holds_an_uploaded_file(db: Db) {
    imported(&db).await;
    let [kanri, writer, emp] =
        [actor_of(&db, "kanri").await, actor_of(&db, "writer").await, actor_of(&db, "emp").await];
    let store = evidence::EvidenceStore {
        dir: std::env::temp_dir().join(format!("mamori-doc-{}", mamori_app::new_id())),
        max_bytes: 1 << 20,
    };
    let docx = evidence::store_bytes(&store, &db, &writer, "運用ルール.docx", b"PK\x03\x04 word/document.xml", T0)
        .await
        .unwrap();
    assert_eq!(docx.content_type, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    let png = evidence::store_bytes(&store, &db, &writer, "図.png", b"\x89PNG\r\n\x1a\n", T0).await.unwrap();
    let rule = documents::list(&db, &kanri)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.doc.title == "情報セキュリティ運用ルール")
        .unwrap();
    let id = rule.doc.id.clone();
    assert!(!evidence::may_read(&db, &emp, &docx).await.unwrap(), "not yet named by any record");
    match documents::save_file(&db, &writer, &id, &png.sha256, "制定", T0).await {
        Err(AppError::Validation(e)) => assert_eq!(e[0], ("file".into(), "field-document-file-type".into())),
        other => panic!("{other:?}"),
    }
    assert!(matches!(documents::save_file(&db, &emp, &id, &docx.sha256, "制定", T0).await, Err(AppError::Forbidden)));
    let d = documents::save_file(&db, &writer, &id, &docx.sha256, "制定", T0 + 1).await.unwrap();
    let v = d.draft().unwrap();
    assert_eq!(v.file_sha256.as_deref(), Some(docx.sha256.as_str()));
    assert_eq!(v.file_name.as_deref(), Some("運用ルール.docx"));
    assert!(evidence::may_read(&db, &kanri, &docx).await.unwrap(), "the documents' editors read a draft's file");
    assert!(!evidence::may_read(&db, &emp, &docx).await.unwrap(), "a draft is not for every reader");
    assert!(!evidence::may_read(&db, &emp, &png).await.unwrap());
    // Approved as a file version; text versions keep working after it.
    let v = documents::approve(&db, &kanri, &id, T0 + 2).await.unwrap();
    assert_eq!((v.status.as_str(), v.file_sha256.is_some()), ("approved", true));
    assert!(!evidence::may_read(&db, &emp, &docx).await.unwrap(), "approved but not yet published to them");
    documents::publish(&db, &kanri, &id, Vec::new(), T0 + 2).await.unwrap();
    assert!(evidence::may_read(&db, &emp, &docx).await.unwrap(), "a published version's file is for its audience");
    let d = documents::save_draft(&db, &writer, &id, "第2版は本文で管理", "改訂", T0 + 3).await.unwrap();
    assert_eq!(
        (d.draft().unwrap().body.as_str(), d.draft().unwrap().file_sha256.as_deref()),
        ("第2版は本文で管理", None)
    );
    assert_eq!(
        d.approved().unwrap().file_sha256.as_deref(),
        Some(docx.sha256.as_str()),
        "approved versions are immutable"
    );
    let _ = std::fs::remove_dir_all(&store.dir);
}

on_both_engines!(the_named_documents_exist_once, the_bcp_is_approved_jointly, a_version_holds_an_uploaded_file);
