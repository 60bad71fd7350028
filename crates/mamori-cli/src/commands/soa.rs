//! `mamori soa export` and `mamori documents export`: the Statement of Applicability and the
//! document list (文書一覧) as xlsx, PDF or CSV.

use crate::args::{DocumentsCommand, SoaCommand};
use crate::context::{Ctx, DATA_DIR, actor, app_err};
use anyhow::{Context, Result};

/// `mamori soa export`: the approved SoA, else the draft.
pub async fn run(c: SoaCommand, ctx: &Ctx) -> Result<i32> {
    let SoaCommand::Export { format, output, org } = c;
    let db = ctx.open_db(DATA_DIR).await?;
    let a = actor(&db, org.as_deref()).await?;
    let view = mamori_app::documents::soa(&db, &a, true).await.map_err(app_err)?;
    let bytes =
        mamori_app::documents::render_export(&mamori_app::documents::soa_table(&view), &format).map_err(app_err)?;
    std::fs::write(&output, bytes).with_context(|| format!("cannot write {}", output.display()))?;
    println!("wrote {} ({} rows, {})", output.display(), view.rows.len(), view.status);
    Ok(0)
}

/// `mamori documents export`: the document list.
pub async fn run_documents(c: DocumentsCommand, ctx: &Ctx) -> Result<i32> {
    let DocumentsCommand::Export { format, output, org } = c;
    let db = ctx.open_db(DATA_DIR).await?;
    let a = actor(&db, org.as_deref()).await?;
    let docs = mamori_app::documents::list(&db, &a).await.map_err(app_err)?;
    let bytes =
        mamori_app::documents::render_export(&mamori_app::documents::list_table(&docs), &format).map_err(app_err)?;
    std::fs::write(&output, bytes).with_context(|| format!("cannot write {}", output.display()))?;
    println!("wrote {} ({} documents)", output.display(), docs.len());
    Ok(0)
}
