//! `mamori reminders send`: one round of the reminder worker over the configured SMTP server.

use crate::args::RemindersCommand;
use crate::context::{Ctx, DATA_DIR, app_err};
use anyhow::{Result, bail};
use mamori_app::now_ms;

/// `mamori reminders send`: exits 1 when a send failed (retried next round); an error (exit 2)
/// without an SMTP host.
pub async fn run(c: RemindersCommand, ctx: &Ctx) -> Result<i32> {
    let RemindersCommand::Send = c;
    let db = ctx.open_db(DATA_DIR).await?;
    let Some(smtp) = &ctx.settings.smtp else { bail!("no SMTP server configured (smtp.host or MAMORI_SMTP_HOST)") };
    let text = mamori_web::i18n::Tr { lang: mamori_web::i18n::Lang::Ja };
    let (queued, r) = mamori_app::reminders::run_once(&db, smtp, &text, now_ms()).await.map_err(app_err)?;
    println!("queued {queued}, sent {}, failed {}", r.sent, r.failed);
    db.close().await;
    Ok(if r.failed > 0 { 1 } else { 0 })
}
