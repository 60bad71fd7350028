//! `mamori migrate`: applies the database migrations (opening the database does it).

use crate::context::{Ctx, DATA_DIR};
use anyhow::Result;

/// `mamori migrate`.
pub async fn run(ctx: &Ctx) -> Result<i32> {
    let db = ctx.open_db(DATA_DIR).await?;
    db.close().await;
    println!("migrations applied");
    Ok(0)
}
