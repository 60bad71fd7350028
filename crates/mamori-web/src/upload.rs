//! Multipart forms of pages: the CSRF token comes first, then text fields and any number of
//! `file` fields, each streamed into the evidence store as it arrives.

use crate::FormData;
use crate::ctx::Ctx;
use crate::error::{PageError, page_actor as actor, page_fail as fail};
use crate::state::AppState;
use axum::extract::Multipart;
use mamori_app::AppError;
use mamori_store::rows::EvidenceRow;

/// Reads a multipart form: its text fields and the evidence files it carried (empty file
/// inputs are ignored). Fails before storing anything when the CSRF token is missing or wrong.
pub async fn receive_form(
    state: &AppState,
    ctx: &Ctx,
    mp: &mut Multipart,
) -> Result<(FormData, Vec<EvidenceRow>), PageError> {
    let a = actor(ctx)?;
    let mut fields = Vec::new();
    let mut files = Vec::new();
    let mut token_ok = false;
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(PageError::new(ctx, AppError::Blocked(e.body_text()))),
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "csrf" {
            token_ok = ctx.check_csrf(&field.text().await.unwrap_or_default());
            continue;
        }
        if !token_ok {
            return Err(PageError::new(ctx, AppError::Forbidden));
        }
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let mut up = state.evidence.begin(a).await.map_err(fail(ctx))?;
            let mut size = 0;
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        size += chunk.len();
                        up.write(&chunk).await.map_err(fail(ctx))?
                    }
                    Ok(None) => break,
                    Err(e) => return Err(PageError::new(ctx, AppError::Blocked(e.body_text()))),
                }
            }
            // A file input left empty still sends a part with no name and no bytes.
            if size > 0 || !file_name.is_empty() {
                let shown = if file_name.is_empty() { "upload".to_string() } else { file_name };
                files.push(up.finish(&state.db, a, &shown, state.now()).await.map_err(fail(ctx))?);
            }
        } else {
            fields.push((name, field.text().await.unwrap_or_default()));
        }
    }
    if !token_ok {
        return Err(PageError::new(ctx, AppError::Forbidden));
    }
    Ok((FormData(fields), files))
}
