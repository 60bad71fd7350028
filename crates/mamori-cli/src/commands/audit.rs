//! `mamori audit verify`: recomputes every organisation's hash chain; exit 1 when one is broken.

use crate::args::AuditCommand;
use crate::context::{Ctx, DATA_DIR, app_err};
use anyhow::Result;
use mamori_app::audit;

/// `mamori audit …`.
pub async fn run(c: AuditCommand, ctx: &Ctx) -> Result<i32> {
    match c {
        AuditCommand::Verify => {
            let db = ctx.open_db(DATA_DIR).await?;
            let mut broken = false;
            for v in audit::verify_all(&db).await.map_err(app_err)? {
                match v.result {
                    Ok(n) => println!("{}: ok ({n} rows)", v.org_slug),
                    Err(e) => {
                        broken = true;
                        println!("{}: BROKEN: {e}", v.org_slug);
                    }
                }
            }
            Ok(i32::from(broken))
        }
    }
}
