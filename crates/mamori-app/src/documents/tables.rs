//! Export tables of documents: 改訂履歴 of one document and the document list (文書一覧).

use super::{DEFAULT_LABEL, DocDetail};
use crate::export::{Cell, Table};

/// 改訂履歴 of a document (版数 | 改訂日 | 改訂内容 | 承認).
pub fn history_table(d: &DocDetail) -> Table {
    let mut versions = d.versions.clone();
    versions.sort_by_key(|v| v.version_no);
    Table {
        sheet: "改訂履歴".into(),
        title: format!("{} 改訂履歴", d.doc.title),
        doc_number: d.doc.doc_number.clone(),
        edition: d.approved().map(|v| v.edition.clone()).unwrap_or_else(|| "—".into()),
        label: d.doc.confidentiality.clone(),
        columns: vec![
            ("版数".into(), 10.0),
            ("改訂日".into(), 12.0),
            ("改訂内容".into(), 50.0),
            ("承認".into(), 16.0),
            ("状態".into(), 10.0),
        ],
        rows: versions
            .iter()
            .map(|v| {
                vec![
                    Cell::Text(v.edition.clone()),
                    match &v.revised_date {
                        Some(d) => Cell::Date(d.clone()),
                        None => Cell::Text(String::new()),
                    },
                    Cell::Text(v.change_summary.clone()),
                    Cell::Text(v.approver_label.clone().unwrap_or_default()),
                    Cell::Text(status_ja(&v.status).to_string()),
                ]
            })
            .collect(),
    }
}

fn status_ja(s: &str) -> &'static str {
    match s {
        "approved" => "承認済",
        "superseded" => "廃版",
        _ => "草案",
    }
}

fn kind_ja(k: &str) -> &'static str {
    match k {
        "regulation" => "規程",
        "soa" => "適用宣言書",
        "policy" => "方針",
        "manual" => "手順書・マニュアル",
        _ => "外部文書",
    }
}

/// The document list (文書一覧).
pub fn list_table(docs: &[DocDetail]) -> Table {
    Table {
        sheet: "文書一覧".into(),
        title: "ISMS 文書一覧".into(),
        doc_number: "—".into(),
        edition: "—".into(),
        label: DEFAULT_LABEL.into(),
        columns: vec![
            ("文書番号".into(), 18.0),
            ("文書名".into(), 34.0),
            ("種別".into(), 14.0),
            ("発行元".into(), 16.0),
            ("版数".into(), 8.0),
            ("制定日".into(), 12.0),
            ("改訂日".into(), 12.0),
            ("承認者".into(), 14.0),
            ("状態".into(), 10.0),
        ],
        rows: docs
            .iter()
            .map(|d| {
                let v = d.approved().or(d.draft()).or(d.versions.first());
                let date = |s: Option<String>| s.map(Cell::Date).unwrap_or(Cell::Text(String::new()));
                vec![
                    Cell::Text(d.doc.doc_number.clone()),
                    Cell::Text(d.doc.title.clone()),
                    Cell::Text(kind_ja(&d.doc.kind).to_string()),
                    Cell::Text(d.doc.issuer.clone().unwrap_or_default()),
                    Cell::Text(v.map(|v| v.edition.clone()).unwrap_or_default()),
                    date(v.and_then(|v| v.enacted_date.clone())),
                    date(v.and_then(|v| v.revised_date.clone())),
                    Cell::Text(v.and_then(|v| v.approver_label.clone()).unwrap_or_default()),
                    Cell::Text(v.map(|v| status_ja(&v.status)).unwrap_or("").to_string()),
                ]
            })
            .collect(),
    }
}
