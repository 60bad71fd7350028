//! `mamori org`: organisations (add, list, lockout threshold).

use crate::args::OrgCommand;
use crate::context::{Ctx, DATA_DIR, actor, app_err};
use anyhow::Result;
use mamori_app::{now_ms, org};

/// `mamori org …`.
pub async fn run(c: OrgCommand, ctx: &Ctx) -> Result<i32> {
    let db = ctx.open_db(DATA_DIR).await?;
    match c {
        OrgCommand::Add { slug, name } => {
            let o = org::create(&db, &slug, &name, now_ms()).await.map_err(app_err)?;
            println!("organization {} created", o.slug);
        }
        OrgCommand::SetLockoutThreshold { org, threshold } => {
            let a = actor(&db, org.as_deref()).await?;
            let o = org::set_lockout_threshold(&db, &a, threshold, now_ms()).await.map_err(app_err)?;
            println!(
                "{}: accounts lock after {} failed logins (the regulation's 8.5 says {})",
                o.slug,
                o.lockout_threshold,
                mamori_domain::auth::DEFAULT_LOCKOUT_THRESHOLD
            );
        }
        OrgCommand::List => {
            let mut conn = db.conn().await?;
            for o in mamori_store::rows::list_orgs(&mut conn.ex()).await? {
                println!("{}\t{}", o.slug, o.name);
            }
        }
    }
    Ok(0)
}
