//! The printable certificate of a signature (A4, for the personnel file): the pledge's text of
//! the version signed, then the signature block — who, when (JST), how (in mamori or on
//! paper), the version and 版数, the SHA-256 of the content signed, and the record's number in
//! the audit trail's terms. Printed to PDF by headless Chromium (`export::pdf`). The
//! certificate is a Japanese document: its captions are written here in Japanese, as the
//! BCP's print captions are.

use super::{PledgeSignatureRow, signature};
use crate::error::internal;
use crate::{Actor, AppError, export, tokyo_datetime};
use mamori_store::Db;
use mamori_store::rows::{self, PersonRow};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The certificate page of a signature, with the organisation's name and the version's text.
pub fn certificate_html(
    org_name: &str,
    title: &str,
    body: &str,
    sig: &PledgeSignatureRow,
    person: &PersonRow,
) -> String {
    let method = if sig.method == "paper" {
        "書面（署名済みの原本を電子化して保管）"
    } else {
        "mamori 上で本人が内容を確認し、氏名を入力して誓約"
    };
    let mut h = String::new();
    h.push_str("<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>");
    h.push_str(&esc(title));
    h.push_str("</title><style>@page{size:A4;margin:18mm 16mm;@bottom-center{content:counter(page) \" / \" counter(pages);font-size:8pt}}");
    h.push_str("body{font-family:'Noto Sans CJK JP','Noto Sans JP',sans-serif;font-size:10.5pt;line-height:1.7}h1{font-size:16pt;text-align:center;margin:0 0 10pt}");
    h.push_str(".org{text-align:right;font-size:9pt}.body{white-space:pre-wrap;border:1px solid #999;padding:8pt 10pt;margin:8pt 0}");
    h.push_str("table{border-collapse:collapse;width:100%;margin-top:10pt;break-inside:avoid}th,td{border:1px solid #555;padding:3px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}th{background:#eef1f5;white-space:nowrap;width:32%}.mono{font-family:monospace;font-size:9pt}</style></head><body>");
    h.push_str(&format!("<p class=\"org\">{}</p>", esc(org_name)));
    h.push_str(&format!("<h1>{}</h1>", esc(title)));
    h.push_str(&format!("<div class=\"body\">{}</div>", esc(body)));
    h.push_str("<h2 style=\"font-size:12pt\">署名の記録</h2><table>");
    let row = |h: &mut String, k: &str, v: &str| h.push_str(&format!("<tr><th>{}</th><td>{}</td></tr>", esc(k), v));
    row(&mut h, "氏名", &esc(&person.name));
    if !person.department.is_empty() {
        row(&mut h, "所属", &esc(&person.department));
    }
    row(&mut h, "入力された氏名", &esc(&sig.typed_name));
    row(&mut h, "署名日", &esc(&sig.signed_on));
    row(&mut h, "記録日時", &format!("{} (JST)", esc(&tokyo_datetime(sig.signed_at))));
    row(&mut h, "方法", &esc(method));
    row(&mut h, "誓約書の版", &esc(&sig.edition));
    row(&mut h, "署名した内容の SHA-256", &format!("<span class=\"mono\">{}</span>", esc(&sig.content_sha256)));
    if let Some(scan) = &sig.evidence_sha256 {
        row(&mut h, "原本の電子化ファイル SHA-256", &format!("<span class=\"mono\">{}</span>", esc(scan)));
    }
    h.push_str("</table><p style=\"font-size:8.5pt;color:#555\">この記録は改ざん検知可能な監査証跡に記録されています。内容の SHA-256 が版の内容と一致することで、署名した版を確認できます。</p></body></html>");
    h
}

/// The certificate of signature `id` as a PDF (the signer themselves or `people.manage`).
pub async fn pdf(db: &Db, actor: &Actor, id: &str) -> Result<(Vec<u8>, String), AppError> {
    let (sig, person) = signature(db, actor, id).await?;
    let (org, doc, version) = {
        let mut c = db.conn().await?;
        let org = rows::org_by_id(&mut c.ex(), &actor.org_id).await?.ok_or(AppError::NotFound)?;
        let doc = rows::document(&mut c.ex(), &actor.org_id, &sig.document_id).await?.ok_or(AppError::NotFound)?;
        let version = rows::doc_versions(&mut c.ex(), &actor.org_id, &sig.document_id)
            .await?
            .into_iter()
            .find(|v| v.id == sig.version_id)
            .ok_or(AppError::NotFound)?;
        (org, doc, version)
    };
    let body = if version.file_sha256.is_some() {
        format!("（誓約書の本文はファイル「{}」です。）", version.file_name.clone().unwrap_or_default())
    } else {
        version.body.clone()
    };
    let page = certificate_html(&org.name, &doc.title, &body, &sig, &person);
    let bytes = tokio::task::spawn_blocking(move || export::pdf(&page))
        .await
        .map_err(internal)?
        .map_err(|e| AppError::Blocked(e.to_string()))?;
    Ok((bytes, format!("{}_{}_{}", doc.title, person.name, sig.signed_on)))
}
