//! 質問票のひな形: the shipped templates and the organisation's own with their question counts,
//! the form importing a check sheet (xlsx) — a refused file comes back on the same page with
//! each problem naming the file, the row and the column —, the export of a template in the same
//! format, and the API (`GET`/`POST /api/v1/questionnaire-templates`).

use super::views::{TemplateRow, TemplatesPage};
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::Session;
use crate::state::AppState;
use crate::upload::{PageForm, Refused};
use crate::views::{Layout, Tried, render};
use axum::Json;
use axum::extract::multipart::Field;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::suppliers::templates::{self, MAX_FILE_BYTES, TemplateInfo};
use serde::Deserialize;

/// Each problem of a refused import as a line naming the file, the row and the column.
pub fn problem_lines(ctx: &Ctx, file: &str, e: &AppError) -> Vec<String> {
    let t = ctx.tr();
    match e {
        AppError::Rows(rows) => rows
            .iter()
            .take(100)
            .map(|r| {
                let msg = t.t(&r.message);
                if r.row > 0 {
                    t.ta(
                        "qt-problem-row",
                        &[("file", file), ("row", &r.row.to_string()), ("column", &r.column), ("message", &msg)],
                    )
                } else {
                    t.ta("qt-problem-file", &[("file", file), ("column", &r.column), ("message", &msg)])
                }
            })
            .collect(),
        other => vec![t.ta(
            "qt-problem-file",
            &[("file", file), ("column", &t.t("qt-col-file")), ("message", &crate::error::message(ctx, other))],
        )],
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    tried: Tried,
    status: StatusCode,
    done: Option<&str>,
) -> WebResult {
    let t = ctx.tr();
    let rows = templates::list(&state.db, &s.actor)
        .await?
        .into_iter()
        .map(|i| TemplateRow {
            kind: t.t(if i.shipped { "qt-shipped" } else { "qt-own" }),
            questions: i.questions,
            updated: i.updated_at.map(crate::tokyo_time).unwrap_or_default(),
            source: i.source_name,
            title: i.title,
            key: i.key,
        })
        .collect();
    let may_import = match mamori_app::registers::definition(&state.db, &s.actor, mamori_app::suppliers::REGISTER).await
    {
        Ok(def) => mamori_app::registers::access::may_edit(&s.actor, &def),
        Err(_) => false,
    };
    let layout = Layout::new(ctx).with_done("qt", done);
    Ok((status, render(&TemplatesPage { layout, rows, may_import, tried })).into_response())
}

/// `GET /questionnaire-templates`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Query(q): Query<crate::views::Done>,
) -> WebResult {
    page(&state, &ctx, &s, Tried::default(), StatusCode::OK, q.done.as_deref()).await
}

/// Reads a part whole, never more than `cap` + 1 bytes kept (the rest is read and dropped) →
/// (bytes, more arrived than the cap).
pub async fn capped_bytes(field: &mut Field<'_>, cap: usize) -> Result<(Vec<u8>, bool), Refused> {
    let mut out = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await.map_err(|e| Refused::Read(e.body_text()))? {
        if out.len() + chunk.len() > cap {
            over = true;
            continue;
        }
        out.extend_from_slice(&chunk);
    }
    Ok((out, over))
}

fn too_large(name: &str) -> AppError {
    AppError::TooLarge {
        file: name.to_string(),
        key: "limit-file-mb",
        limit: (MAX_FILE_BYTES / (1024 * 1024)) as u64,
        detail: format!("larger than {MAX_FILE_BYTES} bytes"),
    }
}

/// `POST /questionnaire-templates` (multipart: `csrf` first, `title`, `file`): imports a check
/// sheet; a refused one comes back with the title kept and the problems at the file.
pub async fn import(State(state): State<AppState>, ctx: Ctx, s: Session, mp: Multipart) -> WebResult {
    let t = ctx.tr();
    let mut form = PageForm::open(&ctx, mp).await?;
    let (mut title, mut file) = (String::new(), None);
    while let Some(mut field) = form.next().await? {
        match field.name() {
            Some("title") => title = field.text().await.unwrap_or_default().chars().take(1000).collect(),
            Some("file") => {
                let name = crate::upload::file_name(&field, "");
                let (bytes, over) = capped_bytes(&mut field, MAX_FILE_BYTES).await?;
                file = Some((name, bytes, over));
            }
            _ => {}
        }
    }
    let values = vec![("title".to_string(), title.clone())];
    let refuse = |errors: Vec<(String, String)>| Tried {
        form: "import".into(),
        values: values.clone(),
        errors,
        message: String::new(),
    };
    let Some((name, bytes, over)) = file.filter(|(n, b, _)| !n.is_empty() || !b.is_empty()) else {
        let tried = refuse(vec![("file".into(), t.t("field-required"))]);
        return page(&state, &ctx, &s, tried, StatusCode::UNPROCESSABLE_ENTITY, None).await;
    };
    let result = if over {
        Err(too_large(&name))
    } else {
        templates::import(
            &state.db,
            &s.actor,
            &name,
            &bytes,
            Some(title.as_str()).filter(|x| !x.trim().is_empty()),
            state.now(),
        )
        .await
    };
    match result {
        Ok(_) => Ok(Redirect::to("/questionnaire-templates?done=imported").into_response()),
        Err(
            e @ (AppError::Rows(_) | AppError::TooLarge { .. } | AppError::Blocked(_) | AppError::FileRefused { .. }),
        ) => {
            let status = if matches!(e, AppError::Rows(_)) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                crate::error::status(&e)
            };
            let mut errors: Vec<(String, String)> = Vec::new();
            if let AppError::Rows(rows) = &e {
                for r in rows.iter().filter(|r| r.field == "title") {
                    errors.push(("title".into(), t.t(&r.message)));
                }
            }
            errors.extend(problem_lines(&ctx, &name, &e).into_iter().map(|l| ("file".to_string(), l)));
            page(&state, &ctx, &s, refuse(errors), status, None).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `GET /questionnaire-templates/{template}/export`: the template as a check sheet (xlsx).
pub async fn export(State(state): State<AppState>, s: Session, Path(template): Path<String>) -> WebResult {
    let table = templates::table(&state.db, &s.actor, &template).await?;
    let name = table.title.clone();
    let bytes = mamori_app::export::render_export_async(table, "xlsx".into()).await?;
    Ok(crate::respond::download(bytes, "xlsx", &name))
}

fn contract(i: &TemplateInfo) -> serde_json::Value {
    serde_json::json!({"key": i.key, "title": i.title, "questions": i.questions, "shipped": i.shipped, "source_name": i.source_name})
}

/// `GET /api/v1/questionnaire-templates` → `[{key, title, questions, shipped, source_name}]`.
pub async fn api_list(State(state): State<AppState>, s: Session) -> WebResult {
    let list = templates::list(&state.db, &s.actor).await?;
    Ok(Json(list.iter().map(contract).collect::<Vec<_>>()).into_response())
}

/// Query of `POST /api/v1/questionnaire-templates`.
#[derive(Deserialize)]
pub struct ImportQuery {
    name: Option<String>,
    title: Option<String>,
}

/// `POST /api/v1/questionnaire-templates?name=F.xlsx[&title=T]` (body: the xlsx) → 201 the
/// template; 422 `{error: {code, message, file, rows: [{row, column, field, message}]}}` naming
/// each problem; 413 beyond a cap.
pub async fn api_import(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> WebResult {
    let name = q.name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "upload.xlsx".into());
    match templates::import(&state.db, &s.actor, &name, &body, q.title.as_deref(), state.now()).await {
        Ok(i) => Ok((StatusCode::CREATED, Json(contract(&i))).into_response()),
        Err(e @ AppError::Rows(_)) => {
            let t = ctx.tr();
            let AppError::Rows(rows) = &e else { return Err(e.into()) };
            let body = serde_json::json!({"error": {
                "code": e.code(),
                "message": problem_lines(&ctx, &name, &e).join(" "),
                "file": name,
                "rows": rows.iter().map(|r| serde_json::json!({"row": r.row, "column": r.column, "field": r.field, "message": t.t(&r.message)})).collect::<Vec<_>>(),
            }});
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
