//! What the supplier page and the answers page add for questionnaires: the templates to send
//! (shipped and the organisation's own), the label of a questionnaire the re-evaluation sent,
//! and the download of a file the supplier sent with its answers (the supplier register's
//! readers only; a sandboxed attachment).

use crate::error::WebResult;
use crate::extract::Session;
use crate::i18n::Tr;
use crate::respond::urlencode;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use mamori_app::suppliers::{questionnaires, templates};
use mamori_app::{Actor, AppError};

/// The templates a questionnaire may be sent with: (key, title with its question count).
pub async fn template_choices(state: &AppState, actor: &Actor) -> Result<Vec<(String, String)>, AppError> {
    Ok(templates::list(&state.db, actor)
        .await?
        .into_iter()
        .map(|i| (i.key, format!("{}（{}）", i.title, i.questions)))
        .collect())
}

/// 「再評価（2027-01-05）で自動送信: a@b」 for a questionnaire a re-evaluation sent, else "".
pub fn auto_label(t: &Tr, reeval_due: Option<&str>, mailed_to: Option<&str>) -> String {
    match reeval_due {
        Some(due) => t.ta("sup-q-auto", &[("due", due), ("email", mailed_to.unwrap_or(""))]),
        None => String::new(),
    }
}

/// `GET /suppliers/{id}/questionnaires/{qid}/files/{fid}`: a file sent with the answers.
pub async fn download(
    State(state): State<AppState>,
    s: Session,
    Path((id, qid, fid)): Path<(String, String, String)>,
) -> WebResult {
    let (f, bytes) = questionnaires::file(&state.db, &state.evidence, &s.actor, &id, &qid, &fid, state.today()).await?;
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    let ctype = if f.content_type.starts_with("text/") { "text/plain; charset=utf-8" } else { f.content_type.as_str() };
    if let Ok(v) = HeaderValue::from_str(ctype) {
        h.insert(header::CONTENT_TYPE, v);
    }
    let encoded = urlencode(&f.name);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"file\"; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok(r)
}
