//! `mamori certificates check`: reads the certificate of every host named in
//! 証明書・ドメイン管理台帳 now and prints what was found, one line per row in Japanese (the
//! results are stored as the daily check's are; the register is never written).

use crate::args::CertificatesCommand;
use crate::context::{Ctx, DATA_DIR, actor, app_err};
use anyhow::{Result, bail};
use mamori_app::now_ms;

/// `mamori certificates check [--org ORG] [--format text|json]`: exits 1 when a check is not
/// OK (needs attention or could not be made).
pub async fn run(c: CertificatesCommand, ctx: &Ctx) -> Result<i32> {
    let CertificatesCommand::Check { org, format } = c;
    if format != "text" && format != "json" {
        bail!("unknown format {format:?} (text, json)");
    }
    let db = ctx.open_db(DATA_DIR).await?;
    let a = actor(&db, org.as_deref()).await?;
    let done = mamori_app::certificates::check_now(&db, &a, now_ms()).await.map_err(app_err)?;
    db.close().await;
    let bad = done.iter().filter(|c| c.outcome != "ok").count();
    if format == "json" {
        println!("{}", serde_json::to_string_pretty(&done)?);
    } else {
        let t = mamori_web::i18n::Tr { lang: mamori_web::i18n::Lang::Ja };
        if done.is_empty() {
            println!("{}", t.t("cert-cli-nothing"));
        }
        for c in &done {
            let mut outcome = t.t(&format!("cert-outcome-{}", c.outcome));
            let findings: Vec<String> = c.findings.iter().map(|f| t.t(&format!("cert-finding-{f}"))).collect();
            if !findings.is_empty() {
                outcome = format!("{outcome} — {}", findings.join("、"));
            }
            println!("{}", t.ta("cert-cli-line", &[("name", &c.name), ("host", &c.host), ("outcome", &outcome)]));
            if let Some(date) = &c.not_after_date {
                let expires = c.registered_expiry.clone().unwrap_or_else(|| "-".into());
                let issuer = c.issuer.clone().unwrap_or_else(|| "-".into());
                println!(
                    "  {}",
                    t.ta("cert-cli-found", &[("date", date.as_str()), ("expires", &expires), ("body", &issuer)])
                );
            }
            if !c.detail.is_empty() {
                println!("  {}", t.t1("cert-cli-detail", "detail", &c.detail));
            }
        }
        let total = i64::try_from(bad).unwrap_or(i64::MAX);
        let count = i64::try_from(done.len()).unwrap_or(i64::MAX);
        println!("{}", t.tnums("cert-cli-summary", [("count", count), ("total", total)]));
    }
    Ok(if bad > 0 { 1 } else { 0 })
}
