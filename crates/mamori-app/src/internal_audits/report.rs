//! The internal audit report as a document (PDF, xlsx, CSV through `crate::export`): the plan,
//! the findings with their grades and corrective actions, the auditors' conclusion and its
//! approval — people by name, controls with their titles, times in JST.

use super::{findings, get, ids};
use crate::export::{Cell, Table};
use crate::{Actor, AppError};
use mamori_store::Db;
use mamori_store::rows;

/// The Japanese label of a finding grade.
pub fn grade_ja(g: &str) -> &'static str {
    match g {
        "major_nc" => "重大な不適合",
        "minor_nc" => "軽微な不適合",
        "observation" => "観察事項",
        _ => "改善の機会",
    }
}

/// The report of audit `id` as a table: (区分, 項目, 内容).
pub async fn report_table(db: &Db, actor: &Actor, id: &str) -> Result<Table, AppError> {
    let a = get(db, actor, id).await?;
    let list = findings(db, actor, id).await?;
    let users = crate::users::people(db, actor).await?;
    let name = |id: &str| users.iter().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_default();
    let current = crate::regulation::current(db, actor).await?;
    let title_of = |c: &str| {
        current.as_ref().and_then(|r| r.control(c)).map(|x| format!("{c} {}", x.title)).unwrap_or_else(|| c.to_string())
    };
    let numbers = {
        let mut c = db.conn().await?;
        rows::nonconformities(&mut c.ex(), &actor.org_id).await?
    };
    let t = |s: &str| Cell::Text(s.to_string());
    let mut out = vec![
        vec![t("監査計画"), t("監査名"), t(&a.title)],
        vec![t("監査計画"), t("実施日"), Cell::Date(a.planned_on.clone())],
        vec![
            t("監査計画"),
            t("監査範囲"),
            t(&ids(&a.scope_json).iter().map(|c| title_of(c)).collect::<Vec<_>>().join("\n")),
        ],
        vec![
            t("監査計画"),
            t("監査員"),
            t(&ids(&a.auditors_json).iter().map(|u| name(u)).collect::<Vec<_>>().join("、")),
        ],
    ];
    if list.is_empty() {
        out.push(vec![t("指摘事項"), t("―"), t("指摘事項なし")]);
    }
    for (i, f) in list.iter().enumerate() {
        let mut text = f.text.clone();
        if let Some(n) = f.nonconformity_id.as_deref().and_then(|n| numbers.iter().find(|x| x.id == n)) {
            text.push_str(&format!("\n是正処置: {}", crate::nonconformities::number_label(n.number)));
        }
        out.push(vec![
            t(&format!("指摘事項 {}", i + 1)),
            t(&format!("{}（{}）", title_of(&f.control_id), grade_ja(&f.grade))),
            t(&text),
        ]);
    }
    out.push(vec![t("監査報告"), t("結論"), t(a.report.as_deref().unwrap_or("（未作成）"))]);
    let approval = match (&a.approved_by, a.approved_at) {
        (Some(by), Some(at)) => format!("{}（{}）", name(by), crate::tokyo_datetime(at)),
        _ => "（未承認）".to_string(),
    };
    out.push(vec![t("承認"), t("経営責任者"), t(&approval)]);
    Ok(Table {
        sheet: "内部監査報告書".into(),
        title: format!("内部監査報告書 第 {} 回 {}", a.number, a.title),
        doc_number: format!("IA-{:04}", a.number),
        edition: if a.state == "approved" { "初版".into() } else { "初版（案）".into() },
        label: "社外秘".into(),
        columns: vec![("区分".into(), 12.0), ("項目".into(), 30.0), ("内容".into(), 70.0)],
        rows: out,
    })
}
