//! The plan as one printable page (A4 portrait, for the drawer): the document's number,
//! 版数 and dates, the 社外秘 mark and page x/y on every page, the approval boxes of its
//! approver roles with who approved and when, then every part in order. The draft prints as
//! 案 with the approvals recorded so far. Printed to PDF by headless Chromium
//! (`export::pdf`). The plan is a Japanese document: its captions are written here in Japanese,
//! as the 9.3.2 captions of the review minutes are.

use super::BcpView;
use crate::documents::{approvals_of, required_roles};
use crate::error::internal;
use crate::{AppError, export, tokyo_date};
use mamori_domain::bcp::Plan;
use mamori_domain::document::VersionStatus;
use mamori_domain::permission::default_role_permissions;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn lines(s: &str) -> String {
    esc(s).replace('\n', "<br>")
}

fn role_name(key: &str) -> String {
    default_role_permissions().into_iter().find(|r| r.key == key).map(|r| r.name_ja.to_string()).unwrap_or_default()
}

fn table(h: &mut String, head: &[&str], rows: Vec<Vec<String>>) {
    if rows.is_empty() {
        h.push_str("<p class=\"none\">（記載なし）</p>");
        return;
    }
    h.push_str("<table><thead><tr>");
    for c in head {
        h.push_str(&format!("<th>{}</th>", esc(c)));
    }
    h.push_str("</tr></thead><tbody>");
    for r in rows {
        h.push_str("<tr>");
        for c in r {
            // Short values (a post, a name, a priority) keep to one line so narrow columns
            // do not break them a character at a time.
            let class = if c.chars().count() <= 12 && !c.contains('\n') { " class=\"s\"" } else { "" };
            h.push_str(&format!("<td{class}>{}</td>", lines(&c)));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
}

/// The print page of the plan (the approved version, else the draft as 案); `None` when there
/// is no plan written as data yet.
pub fn html(view: &BcpView) -> Option<String> {
    let doc = view.doc.as_ref()?;
    let (version, plan) = view.printable()?;
    let draft = version.status == VersionStatus::Draft.key();
    let label = esc(&doc.doc.confidentiality);
    let mut h = String::new();
    h.push_str("<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>");
    h.push_str(&esc(&doc.doc.title));
    h.push_str("</title><style>");
    h.push_str(&format!(
        "@page{{size:A4;margin:16mm 14mm;@top-right{{content:\"{label}\";color:#b3261e;font-size:9pt}}@top-left{{content:\"{} {}\";font-size:8pt}}@bottom-center{{content:counter(page) \" / \" counter(pages);font-size:8pt}}}}",
        esc(&doc.doc.doc_number).replace('"', ""),
        esc(&version.edition).replace('"', "")
    ));
    h.push_str("body{font-family:'Noto Sans CJK JP','Noto Sans JP',sans-serif;font-size:10pt;line-height:1.5}h1{font-size:16pt;margin:0 0 4pt}h2{font-size:12pt;border-bottom:1px solid #555;margin:14pt 0 4pt;break-after:avoid}");
    h.push_str("table{border-collapse:collapse;width:100%;margin:4pt 0}th,td{border:1px solid #555;padding:2px 5px;vertical-align:top;text-align:left;overflow-wrap:anywhere}th{background:#eef1f5;white-space:nowrap}td.s{white-space:nowrap}tr{break-inside:avoid}");
    h.push_str(".meta{font-size:9pt}.stamps{float:right;border-collapse:collapse;width:auto}.stamps td,.stamps th{width:30mm;text-align:center;font-size:7.5pt;white-space:normal}.stamps td{height:16mm;vertical-align:middle;font-size:8pt}.draft{color:#b3261e;font-weight:bold}.none{color:#666}ol{margin:2pt 0 6pt 18pt;padding:0}</style></head><body>");
    // Approval boxes: one per approver role, with the approver's name and date when approved.
    let approvals = approvals_of(version);
    h.push_str("<table class=\"stamps\"><tr>");
    let roles = required_roles(&doc.doc);
    for r in &roles {
        h.push_str(&format!("<th>承認<br>{}</th>", esc(&role_name(r))));
    }
    h.push_str("</tr><tr>");
    for r in &roles {
        match approvals.iter().find(|a| &a.role == r) {
            Some(a) => h.push_str(&format!("<td>{}<br>{}</td>", esc(&a.label), tokyo_date(a.at))),
            None => h.push_str("<td></td>"),
        }
    }
    h.push_str("</tr></table>");
    h.push_str(&format!(
        "<h1>{}{}</h1>",
        esc(&doc.doc.title),
        if draft { "<span class=\"draft\">（案）</span>" } else { "" }
    ));
    let dates = match (version.enacted_date.as_deref(), version.revised_date.as_deref()) {
        (_, Some(r)) => format!("改訂日 {r}"),
        (Some(e), None) => format!("制定日 {e}"),
        _ => String::new(),
    };
    h.push_str(&format!(
        "<p class=\"meta\">文書番号 {}　版数 {}　{}　{}</p>",
        esc(&doc.doc.doc_number),
        esc(&version.edition),
        esc(&dates),
        label
    ));
    body(&mut h, plan);
    h.push_str("</body></html>");
    Some(h)
}

fn body(h: &mut String, p: &Plan) {
    h.push_str("<h2>1. 適用範囲と目的</h2>");
    h.push_str(&format!("<p>{}</p>", lines(&p.scope)));
    h.push_str("<h2>2. リスクの特定</h2>");
    table(
        h,
        &["緊急事態（原因事象）", "リスク（結果事象）"],
        p.risks.iter().map(|r| vec![r.event.clone(), r.consequence.clone()]).collect(),
    );
    h.push_str("<h2>3. 対策本部</h2>");
    h.push_str(&format!("<p><b>設置基準</b>　{}</p>", lines(&p.activation)));
    h.push_str(&format!("<p><b>設置場所</b>　{}</p>", lines(&p.location)));
    table(
        h,
        &["役割", "氏名", "代行者", "連絡先", "担当"],
        p.headquarters
            .iter()
            .map(|m| vec![m.post.clone(), m.name.clone(), m.deputy.clone(), m.contact.clone(), m.duties.clone()])
            .collect(),
    );
    h.push_str("<h2>4. 緊急連絡網</h2>");
    table(
        h,
        &["連絡元", "連絡先", "手段"],
        p.contacts.iter().map(|c| vec![c.from.clone(), c.to.clone(), c.means.clone()]).collect(),
    );
    h.push_str("<h2>5. 重要業務と目標復旧時間</h2>");
    let mut functions: Vec<_> = p.functions.iter().collect();
    functions.sort_by_key(|f| f.priority.unwrap_or(i64::MAX));
    table(
        h,
        &["優先順位", "重要業務", "目標復旧時間", "継続・代替の方法"],
        functions
            .iter()
            .map(|f| {
                vec![
                    f.priority.map(|n| n.to_string()).unwrap_or_default(),
                    f.name.clone(),
                    f.rto_hours.map(|n| format!("{n} 時間")).unwrap_or_default(),
                    f.how.clone(),
                ]
            })
            .collect(),
    );
    h.push_str("<h2>6. 復旧手順</h2>");
    if p.procedures.is_empty() {
        h.push_str("<p class=\"none\">（記載なし）</p>");
    }
    for pr in &p.procedures {
        h.push_str(&format!("<h3>{}</h3><ol>", esc(&pr.phase)));
        for l in pr.steps.lines().map(str::trim).filter(|l| !l.is_empty()) {
            h.push_str(&format!("<li>{}</li>", esc(l)));
        }
        h.push_str("</ol>");
    }
    h.push_str("<h2>7. 代替の連絡手段</h2>");
    table(h, &["手段", "使い方"], p.fallbacks.iter().map(|f| vec![f.name.clone(), f.how.clone()]).collect());
}

/// The plan as PDF (off the async threads: Chromium runs for about a second).
pub async fn pdf(view: &BcpView) -> Result<Vec<u8>, AppError> {
    let page = html(view).ok_or(AppError::NotFound)?;
    tokio::task::spawn_blocking(move || export::pdf(&page))
        .await
        .map_err(internal)?
        .map_err(|e| AppError::Blocked(e.to_string()))
}
