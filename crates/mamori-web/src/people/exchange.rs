//! The directory's import and export: `POST /people/import` (the form on `/people`, multipart),
//! `GET /people/export?format=xlsx|csv`, `POST /api/v1/people/import?name=FILE` (the file as
//! the body, as `POST /api/v1/regulation`) and `GET /api/v1/people/export?format=xlsx|csv`.
//! All need `people.manage` (the use cases check). The import page lists every problem with
//! the file, row and column and what to do; a file beyond a limit is answered 413 naming it.

use super::views::{ImportPage, ImportProblem};
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::Session;
use crate::state::AppState;
use crate::upload::{self, PageForm};
use crate::views::{Layout, render};
use axum::Json;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::people::import;
use serde::Deserialize;

/// `?format=` of the export (`xlsx` or `csv`).
#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    format: String,
}

/// `GET /people/export?format=xlsx|csv` and `GET /api/v1/people/export?format=xlsx|csv`: the
/// directory (ID column included, so it imports again).
pub async fn export(State(state): State<AppState>, s: Session, Query(q): Query<ExportQuery>) -> WebResult {
    // Who may, before what was asked.
    let table = import::table(&state.db, &s.actor).await?;
    let format = match q.format.as_str() {
        "xlsx" | "csv" => q.format.clone(),
        _ => return Err(WebError::from(AppError::Validation(vec![("format".into(), "people-export-format".into())]))),
    };
    let title = table.title.clone();
    let bytes = mamori_app::export::render_export_async(table, format.clone()).await?;
    Ok(crate::respond::download(bytes, &format, &title))
}

/// `GET /people/import` (a reload after the post): back to the directory.
pub async fn back() -> Redirect {
    Redirect::to("/people#import")
}

/// `POST /people/import` (multipart: `csrf`, then `file`): the result page — who was added
/// and changed (更新), or every problem at its row and column (422), or the limit (413).
pub async fn import_page(State(state): State<AppState>, ctx: Ctx, s: Session, mp: Multipart) -> WebResult {
    if !mamori_app::people::may_manage(&s.actor) {
        return Err(WebError::from(AppError::Forbidden));
    }
    let t = ctx.tr();
    let mut form = PageForm::open(&ctx, mp).await?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form.next().await? {
        if field.name() == Some("file") {
            let name = upload::file_name(&field, "upload");
            file = Some((name, upload::bytes(field).await?));
        }
    }
    let (file, bytes) = file.unwrap_or_default();
    let mut page = ImportPage {
        layout: Layout::new(&ctx),
        file: file.clone(),
        created: Vec::new(),
        updated: Vec::new(),
        unchanged: 0,
        problems: Vec::new(),
        refused: String::new(),
    };
    if bytes.is_empty() {
        page.refused = t.t("people-import-no-file");
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    match import::import(&state.db, &s.actor, &file, &bytes, state.now()).await {
        Ok(r) => {
            page.created = r.created.into_iter().map(|l| (l.id, l.name, l.row.to_string())).collect();
            page.updated = r.updated.into_iter().map(|l| (l.id, l.name, l.row.to_string())).collect();
            page.unchanged = r.unchanged;
            Ok(render(&page))
        }
        Err(AppError::Rows(p)) => {
            page.problems = p
                .iter()
                .map(|p| ImportProblem {
                    row: p.row.to_string(),
                    column: p.column.clone(),
                    message: t.t(&p.message),
                    todo: t.t(&todo(&p.message)),
                })
                .collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e @ (AppError::TooLarge { .. } | AppError::Blocked(_) | AppError::FileRefused { .. })) => {
            page.refused = crate::error::message(&ctx, &e);
            Ok((crate::error::status(&e), render(&page)).into_response())
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// What to do about a problem (its message key → the advice's key).
fn todo(message: &str) -> String {
    match message {
        "import-no-header" | "import-missing-column" | "people-import-column-twice" => "people-import-todo-header",
        "import-unknown-id" | "people-import-duplicate-id" => "people-import-todo-id",
        "people-login-unknown" | "people-login-taken" => "people-import-todo-login",
        "field-unknown-person" | "people-import-manager-ambiguous" | "people-manager-self" => {
            "people-import-todo-manager"
        }
        "field-not-a-choice" => "people-import-todo-kind",
        "field-not-date" | "people-left-before-joined" => "people-import-todo-date",
        _ => "people-import-todo-fix",
    }
    .to_string()
}

/// Query of `POST /api/v1/people/import`.
#[derive(Deserialize)]
pub struct ImportQuery {
    name: Option<String>,
}

/// `POST /api/v1/people/import?name=FILE` with the file as the body (xlsx or CSV,
/// `application/octet-stream`) → `{created: [{row, id, name}], updated: [...], unchanged}`;
/// 422 `{error: {rows: [{row, column, field, message}]}}` naming every problem (nothing
/// stored), 413 `too_large` naming the limit.
pub async fn import_api(
    State(state): State<AppState>,
    s: Session,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> WebResult {
    let name = q.name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "upload".into());
    if body.is_empty() {
        return Err(WebError::from(AppError::Validation(vec![("file".into(), "field-required".into())])));
    }
    let r = import::import(&state.db, &s.actor, &name, &body, state.now()).await?;
    Ok(Json(r).into_response())
}
