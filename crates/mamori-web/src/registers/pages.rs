//! Pages of the register engine: one set of handlers for every register (list with search,
//! sort and paging; row form with validation in place; history with differences; import and
//! export; heat map; designer; files attached to a row).

use super::views::*;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::respond::urlencode;
use crate::state::AppState;
use crate::upload::{self, PageForm};
use crate::views::{Layout, render};
use crate::{FormData, tokyo_time};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_app::Actor;
use mamori_app::AppError;
use mamori_app::registers::{self, PageQuery};
use mamori_domain::permission::Permission;
use mamori_domain::register::{FieldDef, FieldType, LABELS, RegisterDef, format_cell};
use serde_json::{Map, Value};

fn type_key(t: FieldType) -> String {
    serde_json::to_value(t).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// A field type in words (`field-type-long_text` → 長文).
fn type_label(t: &crate::i18n::Tr, ty: FieldType) -> String {
    t.t(&format!("field-type-{}", type_key(ty)))
}

/// `GET /registers`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    let a = &s.actor;
    let list = registers::list(&state.db, a, state.now()).await?;
    Ok(render(&RegistersPage {
        layout: Layout::new(&ctx),
        registers: list.into_iter().map(|s| (s.def.key, s.def.name, s.def.controls, s.rows, s.def.label)).collect(),
        can_design: a.grants.has(Permission::RegistersDesign),
    }))
}

/// `POST /registers`: a new, empty register (fields are added in the designer).
pub async fn create_register(State(state): State<AppState>, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let key = form.get("key").trim().to_string();
    let def = RegisterDef {
        key: key.clone(),
        name: form.get("name").trim().to_string(),
        name_en: None,
        controls: vec![],
        label: "社外秘".into(),
        default_sort: None,
        fields: vec![],
        view_roles: None,
        edit_roles: None,
        managed_at: None,
        duties: None,
        revision: 0,
    };
    let a = &s.actor;
    if registers::list(&state.db, a, state.now()).await?.iter().any(|s| s.def.key == key) {
        return Err(WebError::from(AppError::Conflict));
    }
    registers::define(&state.db, a, def, state.now()).await?;
    Ok(Redirect::to(&format!("/registers/{key}/design")).into_response())
}

/// The fields shown as list columns (long texts stay on the row page).
fn list_fields(def: &RegisterDef) -> Vec<&FieldDef> {
    // The default sort field (the row's name, e.g. 情報資産名称) comes first and links the row.
    let lead = def.default_sort.as_ref().and_then(|k| def.fields.iter().find(|f| &f.key == k));
    lead.into_iter()
        .chain(def.fields.iter().filter(|f| f.ty != FieldType::LongText && Some(*f) != lead))
        .take(8)
        .collect()
}

fn heat_fields(def: &RegisterDef) -> Option<(String, String)> {
    let has = |k: &str| def.fields.iter().any(|f| f.key == k);
    (has("importance") && has("likelihood")).then(|| ("likelihood".to_string(), "importance".to_string()))
}

async fn register_page(
    state: &AppState,
    ctx: &Ctx,
    a: &Actor,
    key: &str,
    pq: PageQuery,
    problems: Vec<(String, String, String)>,
    flash: Option<String>,
) -> WebResult {
    let t = ctx.tr();
    let def = registers::definition(&state.db, a, key).await?;
    let page = registers::page(&state.db, a, key, &pq).await?;
    let shown = list_fields(&def);
    let mut sorts = Vec::new();
    for f in &shown {
        sorts.push((f.key.clone(), format!("{} ↑", f.label), pq.sort == f.key));
        sorts.push((format!("-{}", f.key), format!("{} ↓", f.label), pq.sort == format!("-{}", f.key)));
    }
    let link = |p: i64| {
        format!(
            "/registers/{key}?q={}&sort={}&page={p}{}",
            urlencode(&pq.q),
            urlencode(&pq.sort),
            if pq.deleted { "&deleted=true" } else { "" }
        )
    };
    let rows = page
        .rows
        .iter()
        .map(|r| {
            let mut cells: Vec<String> =
                shown.iter().map(|f| format_cell(f, r.values.get(&f.key).unwrap_or(&Value::Null))).collect();
            let first = if cells.is_empty() { "—".to_string() } else { cells.remove(0) };
            let first = if first.is_empty() { "—".to_string() } else { first };
            (r.id.clone(), first, cells, r.label.clone())
        })
        .collect();
    let _ = &t;
    Ok(render(&RegisterPage {
        layout: Layout { flash, ..Layout::new(ctx) },
        headers: shown.iter().map(|f| f.label.clone()).collect(),
        heatmap: heat_fields(&def).map(|_| format!("/registers/{key}/heatmap")),
        q: pq.q.clone(),
        deleted: pq.deleted,
        sorts,
        rows,
        total: page.total,
        prev: (page.page > 1).then(|| link(page.page - 1)),
        next: (page.page * page.per_page < page.total).then(|| link(page.page + 1)),
        can_edit: registers::access::may_edit_here(a, &def),
        can_design: a.grants.has(Permission::RegistersDesign),
        problems,
        def,
    }))
}

/// `GET /registers/{key}`.
pub async fn rows(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(key): Path<String>,
    Query(pq): Query<PageQuery>,
    Query(done): Query<Imported>,
) -> WebResult {
    // After an import: how many rows were written and how many were already as stored.
    let flash = done.imported.map(|n| {
        let t = ctx.tr();
        t.ta("register-imported", &[("count", &n.to_string()), ("unchanged", &done.unchanged.unwrap_or(0).to_string())])
    });
    register_page(&state, &ctx, &s.actor, &key, pq, vec![], flash).await
}

/// `?imported=N&unchanged=M` after an import.
#[derive(serde::Deserialize, Default)]
pub struct Imported {
    imported: Option<usize>,
    unchanged: Option<usize>,
}

/// Choices offered for a field: its own, people, referenced rows, control ids.
async fn options(state: &AppState, a: &Actor, f: &FieldDef) -> Result<Vec<String>, AppError> {
    Ok(match f.ty {
        FieldType::Choice | FieldType::MultiChoice => f.choices.clone(),
        FieldType::Person => {
            // Login users and the staff directory's active people (with or without a login).
            let mut people = mamori_app::users::login_ids(&state.db, a).await?;
            for name in mamori_app::people::links::picker_names(&state.db, a, state.today()).await? {
                if !people.contains(&name) {
                    people.push(name);
                }
            }
            people
        }
        FieldType::Control => mamori_regulation::catalogue::controls().iter().map(|c| c.id.clone()).collect(),
        FieldType::Reference => {
            let Some(target) = &f.reference else { return Ok(vec![]) };
            // A register the reader may not read offers no choices.
            let tdef = match registers::definition(&state.db, a, target).await {
                Err(AppError::NotFound) => return Ok(vec![]),
                other => other?,
            };
            let Some(first) = tdef.fields.first() else { return Ok(vec![]) };
            let all = registers::page(&state.db, a, target, &PageQuery { per_page: Some(500), ..PageQuery::default() })
                .await?;
            all.rows.iter().map(|r| format_cell(first, r.values.get(&first.key).unwrap_or(&Value::Null))).collect()
        }
        _ => vec![],
    })
}

#[allow(clippy::too_many_arguments)]
async fn row_page(
    state: &AppState,
    ctx: &Ctx,
    a: &Actor,
    def: RegisterDef,
    row: Option<registers::RowView>,
    submitted: Option<&FormData>,
    problems: &[mamori_app::error::RowProblem],
    status: axum::http::StatusCode,
) -> WebResult {
    let t = ctx.tr();
    let mut fields = Vec::new();
    for f in &def.fields {
        let stored = row.as_ref().and_then(|r| r.values.get(&f.key)).cloned().unwrap_or(Value::Null);
        let value = match submitted {
            Some(form) if f.compute.is_none() => match f.ty {
                FieldType::MultiChoice => form.all(&f.key).join("、"),
                _ => form.get(&f.key).to_string(),
            },
            _ => format_cell(f, &stored),
        };
        let opts = options(state, a, f).await?;
        let selected: Vec<&str> = value.split('、').collect();
        let files = match (&stored, f.ty) {
            (Value::Array(a), FieldType::File) => {
                a.iter().filter_map(|v| v.as_str()).map(|h| (h.to_string(), h.chars().take(12).collect())).collect()
            }
            _ => vec![],
        };
        fields.push(FieldView {
            files,
            key: f.key.clone(),
            label: if ctx.lang == crate::i18n::Lang::En {
                f.label_en.clone().unwrap_or_else(|| f.label.clone())
            } else {
                f.label.clone()
            },
            kind: type_key(f.ty),
            input_type: match f.ty {
                FieldType::Integer | FieldType::Decimal => "text",
                FieldType::Date => "date",
                _ => "text",
            },
            required: f.required,
            computed: f.compute.is_some(),
            options: opts
                .into_iter()
                .map(|o| {
                    let on = selected.contains(&o.as_str());
                    (o, on)
                })
                .collect(),
            error: problems.iter().find(|p| p.field == f.key).map(|p| t.t(&p.message)),
            value,
        });
    }
    let can_edit = registers::access::may_edit_here(a, &def);
    let deleted = row.as_ref().is_some_and(|r| r.deleted);
    let restricted: Vec<String> = match submitted {
        Some(form) => form.all("__restricted"),
        None => row.as_ref().map(|r| r.restricted_to.clone()).unwrap_or_default(),
    };
    let restricted_roles = role_names(ctx)
        .into_iter()
        .map(|(k, name)| {
            let v = format!("role:{k}");
            let on = restricted.contains(&v);
            (v, name, on)
        })
        .collect();
    let restricted_people =
        restricted.iter().filter_map(|e| e.strip_prefix("user:").map(|l| (e.clone(), l.to_string()))).collect();
    let restricted_error = problems.iter().find(|p| p.field == "restricted_to").map(|p| t.t(&p.message));
    let mut layout = Layout::new(ctx);
    if !problems.is_empty() {
        layout.error = Some(t.t("error-validation"));
    }
    let mut r = render(&RowPage {
        layout,
        action: match &row {
            Some(r) => format!("/registers/{}/rows/{}", def.key, r.id),
            None => format!("/registers/{}", def.key),
        },
        row_id: row.as_ref().map(|r| r.id.clone()),
        row_title: row.as_ref().map(|r| r.title(&def)).unwrap_or_default(),
        fields,
        label: submitted
            .map(|f| f.get("__label").to_string())
            .filter(|l| !l.is_empty())
            .or_else(|| row.as_ref().map(|r| r.label.clone()))
            .unwrap_or_else(|| def.label.clone()),
        labels: LABELS.iter().map(|l| l.to_string()).collect(),
        deleted,
        deleted_reason: row.as_ref().and_then(|r| r.deleted_reason.clone()),
        readonly: !can_edit || deleted,
        can_edit,
        restricted_roles,
        restricted_people,
        restricted_error,
        errors: problems
            .iter()
            .filter(|p| !def.fields.iter().any(|f| f.key == p.field) && p.field != "restricted_to")
            .map(|p| format!("{}: {}", p.column, t.t(&p.message)))
            .collect(),
        def,
    });
    *r.status_mut() = status;
    Ok(r)
}

/// `GET /registers/{key}/new`.
pub async fn new_row(State(state): State<AppState>, ctx: Ctx, s: Session, Path(key): Path<String>) -> WebResult {
    let def = registers::definition(&state.db, &s.actor, &key).await?;
    row_page(&state, &ctx, &s.actor, def, None, None, &[], StatusCode::OK).await
}

fn input_of(def: &RegisterDef, form: &FormData) -> Map<String, Value> {
    let mut m = Map::new();
    for f in def.fields.iter().filter(|f| f.compute.is_none()) {
        let v = match f.ty {
            FieldType::MultiChoice | FieldType::File => Value::String(form.all(&f.key).join("、")),
            FieldType::Boolean => {
                Value::String(if form.get(&f.key).is_empty() { "いいえ".into() } else { "はい".into() })
            }
            _ => Value::String(form.get(&f.key).to_string()),
        };
        m.insert(f.key.clone(), v);
    }
    m
}

/// `POST /registers/{key}`: adds a row; invalid input is shown again with messages in place.
pub async fn create_row(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let a = &s.actor;
    let def = registers::definition(&state.db, a, &key).await?;
    let restricted = form.all("__restricted");
    match registers::create_restricted(
        &state.db,
        a,
        &key,
        &input_of(&def, &form),
        Some(form.get("__label")),
        Some(&restricted),
        state.now(),
    )
    .await
    {
        Ok(r) => Ok(Redirect::to(&format!("/registers/{key}/rows/{}", r.id)).into_response()),
        Err(AppError::Rows(p)) => {
            row_page(&state, &ctx, &s.actor, def, None, Some(&form), &p, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `GET /registers/{key}/rows/{id}`.
pub async fn row(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path((key, id)): Path<(String, String)>,
) -> WebResult {
    let a = &s.actor;
    let def = registers::definition(&state.db, a, &key).await?;
    let r = registers::get(&state.db, a, &key, &id).await?;
    row_page(&state, &ctx, &s.actor, def, Some(r), None, &[], StatusCode::OK).await
}

/// `POST /registers/{key}/rows/{id}`.
pub async fn update_row(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path((key, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let a = &s.actor;
    let def = registers::definition(&state.db, a, &key).await?;
    let restricted = form.all("__restricted");
    match registers::update_restricted(
        &state.db,
        a,
        &key,
        &id,
        &input_of(&def, &form),
        Some(form.get("__label")),
        Some(&restricted),
        state.now(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/registers/{key}/rows/{id}")).into_response()),
        Err(AppError::Rows(p)) => {
            let r = registers::get(&state.db, a, &key, &id).await?;
            row_page(&state, &ctx, &s.actor, def, Some(r), Some(&form), &p, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /registers/{key}/rows/{id}/delete`.
pub async fn delete_row(
    State(state): State<AppState>,
    s: Session,
    Path((key, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    registers::delete(&state.db, &s.actor, &key, &id, form.get("reason"), state.now()).await?;
    Ok(Redirect::to(&format!("/registers/{key}/rows/{id}")).into_response())
}

/// `POST /registers/{key}/rows/{id}/restore`.
pub async fn restore_row(
    State(state): State<AppState>,
    s: Session,
    Path((key, id)): Path<(String, String)>,
    _: CsrfForm,
) -> WebResult {
    registers::restore(&state.db, &s.actor, &key, &id, state.now()).await?;
    Ok(Redirect::to(&format!("/registers/{key}/rows/{id}")).into_response())
}

/// `GET /registers/{key}/rows/{id}/history`.
pub async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path((key, id)): Path<(String, String)>,
) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let def = registers::definition(&state.db, a, &key).await?;
    let h = registers::history(&state.db, a, &key, &id).await?;
    let title = registers::get(&state.db, a, &key, &id).await?.title(&def);
    Ok(render(&HistoryPage {
        layout: Layout::new(&ctx),
        title: if title.is_empty() { t.t("register-row-untitled") } else { title },
        name: def.name,
        entries: h
            .into_iter()
            .rev()
            .map(|e| {
                (e.version, t.t(&format!("row-action-{}", e.action)), e.actor, tokyo_time(e.at_ms), e.reason, e.changes)
            })
            .collect(),
        key,
        id,
    }))
}

/// `GET /registers/{key}/export?format=`.
pub async fn export(
    State(state): State<AppState>,
    s: Session,
    Path(key): Path<String>,
    Query(f): Query<crate::respond::Format>,
) -> WebResult {
    let mut table = registers::table(&state.db, &s.actor, &key).await?;
    // The row ID is what makes a re-imported CSV/xlsx update its rows; on paper it means nothing.
    if f.format() == "pdf" && table.columns.first().is_some_and(|c| c.0 == registers::ID_COLUMN) {
        table.columns.remove(0);
        for r in &mut table.rows {
            if !r.is_empty() {
                r.remove(0);
            }
        }
    }
    let title = table.title.clone();
    let bytes = mamori_app::documents::render_export_async(table, f.format().to_string()).await?;
    Ok(crate::respond::download(bytes, f.format(), &title))
}

/// `POST /registers/{key}/import` (multipart): all or nothing; problems are listed by row and column.
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(key): Path<String>,
    mp: Multipart,
) -> WebResult {
    let t = ctx.tr();
    let mut form = PageForm::open(&ctx, mp).await?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form.next().await? {
        if field.name() == Some("file") {
            let file_name = upload::file_name(&field, "upload");
            file = Some((file_name, upload::bytes(field).await?));
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(WebError::from(AppError::Validation(vec![("file".into(), "field-required".into())])));
    };
    match registers::import(&state.db, &s.actor, &key, &name, &bytes, state.now()).await {
        Ok(r) => {
            Ok(Redirect::to(&format!("/registers/{key}?imported={}&unchanged={}", r.created + r.updated, r.unchanged))
                .into_response())
        }
        Err(AppError::Rows(p)) => {
            let problems = p.iter().map(|p| (p.row.to_string(), p.column.clone(), t.t(&p.message))).collect();
            let mut r = register_page(&state, &ctx, &s.actor, &key, PageQuery::default(), problems, None).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        // A file beyond a limit, or one that cannot be read: the register page again, the
        // reason next to the file's name.
        Err(e @ (AppError::TooLarge { .. } | AppError::Blocked(_) | AppError::FileRefused { .. })) => {
            let problems = vec![(String::new(), name.clone(), crate::error::message(&ctx, &e))];
            let mut r = register_page(&state, &ctx, &s.actor, &key, PageQuery::default(), problems, None).await?;
            *r.status_mut() = crate::error::status(&e);
            Ok(r)
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `GET /registers/{key}/heatmap`: rows counted by 重要度 (rows, 3 at the top) × 被害発生可能性.
pub async fn heatmap(State(state): State<AppState>, ctx: Ctx, s: Session, Path(key): Path<String>) -> WebResult {
    let a = &s.actor;
    let def = registers::definition(&state.db, a, &key).await?;
    let (xk, yk) = heat_fields(&def).ok_or_else(|| WebError::from(AppError::NotFound))?;
    let label = |k: &str| def.fields.iter().find(|f| f.key == k).map(|f| f.label.clone()).unwrap_or_default();
    let all = registers::page(&state.db, a, &key, &PageQuery { per_page: Some(500), ..PageQuery::default() }).await?;
    let mut counts = [[0i64; 3]; 3];
    let mut page_no = 1;
    let mut rows = all.rows;
    let mut total = all.total;
    loop {
        for r in &rows {
            let (x, y) = (r.values.get(&xk).and_then(Value::as_i64), r.values.get(&yk).and_then(Value::as_i64));
            if let (Some(x), Some(y)) = (x, y)
                && (1..=3).contains(&x)
                && (1..=3).contains(&y)
                && let Some(cell) = counts.get_mut((y - 1) as usize).and_then(|row| row.get_mut((x - 1) as usize))
            {
                *cell += 1;
            }
        }
        total -= i64::try_from(rows.len()).unwrap_or(0);
        if total <= 0 || rows.is_empty() {
            break;
        }
        page_no += 1;
        rows = registers::page(
            &state.db,
            a,
            &key,
            &PageQuery { per_page: Some(500), page: Some(page_no), ..PageQuery::default() },
        )
        .await?
        .rows;
    }
    let grid = (1..=3i64)
        .rev()
        .map(|y| {
            let cells = (1..=3i64)
                .map(|x| {
                    let n = counts.get((y - 1) as usize).and_then(|r| r.get((x - 1) as usize)).copied().unwrap_or(0);
                    let heat = if n == 0 { 0 } else { ((x * y) as f64 / 9.0 * 4.0).ceil() as i64 };
                    (n, heat)
                })
                .collect();
            (y, cells)
        })
        .collect();
    Ok(render(&HeatmapPage {
        layout: Layout::new(&ctx),
        x_label: label(&xk),
        y_label: label(&yk),
        name: def.name,
        key,
        xs: vec![1, 2, 3],
        grid,
    }))
}

const ALL_TYPES: [FieldType; 13] = [
    FieldType::Text,
    FieldType::LongText,
    FieldType::Integer,
    FieldType::Decimal,
    FieldType::Date,
    FieldType::Datetime,
    FieldType::Boolean,
    FieldType::Choice,
    FieldType::MultiChoice,
    FieldType::Person,
    FieldType::Reference,
    FieldType::Control,
    FieldType::File,
];

/// (role key, role name in the request's language) of the five roles.
fn role_names(ctx: &Ctx) -> Vec<(String, String)> {
    mamori_domain::permission::default_role_permissions()
        .into_iter()
        .map(|r| (r.key.to_string(), if ctx.lang == crate::i18n::Lang::En { r.name_en } else { r.name_ja }.to_string()))
        .collect()
}

/// `GET /registers/{key}/design`.
pub async fn design(State(state): State<AppState>, ctx: Ctx, s: Session, Path(key): Path<String>) -> WebResult {
    let def = registers::definition(&state.db, &s.actor, &key).await?;
    design_page(&ctx, def, None, StatusCode::OK)
}

fn design_page(ctx: &Ctx, def: RegisterDef, access_error: Option<String>, status: StatusCode) -> WebResult {
    let (view, edit) = mamori_domain::register::default_access(&def);
    let access = role_names(ctx)
        .into_iter()
        .map(|(k, name)| {
            let (v, e) = (view.contains(&k), edit.contains(&k));
            (k, name, v, e)
        })
        .collect();
    let t = ctx.tr();
    let mut r = render(&DesignPage {
        access,
        access_error,
        layout: Layout::new(ctx),
        fields: def
            .fields
            .iter()
            .map(|f| (f.key.clone(), f.label.clone(), type_label(&t, f.ty), f.required, f.unique, f.choices.join("、")))
            .collect(),
        all_types: ALL_TYPES.iter().map(|ty| (type_key(*ty), type_label(&t, *ty))).collect(),
        def,
    });
    *r.status_mut() = status;
    Ok(r)
}

/// `POST /registers/{key}/access`: the register's view and edit roles (administrators); a
/// refusal shows the designer again with the problem at the roles.
pub async fn set_access(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let a = &s.actor;
    match registers::set_access(&state.db, a, &key, form.all("view_roles"), form.all("edit_roles"), state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/registers/{key}/design")).into_response()),
        Err(AppError::Validation(p)) => {
            let def = registers::definition(&state.db, a, &key).await?;
            let t = ctx.tr();
            let msg = p.iter().map(|(_, m)| t.t(m)).collect::<Vec<_>>().join(" ");
            design_page(&ctx, def, Some(msg), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /registers/{key}/design`: adds a field.
pub async fn add_field(
    State(state): State<AppState>,
    s: Session,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let a = &s.actor;
    let mut def = registers::definition(&state.db, a, &key).await?;
    let ty: FieldType = serde_json::from_value(Value::String(form.get("type").to_string()))
        .map_err(|_| WebError::from(AppError::Validation(vec![("type".into(), "field-required".into())])))?;
    def.fields.push(FieldDef {
        key: form.get("key").trim().to_string(),
        label: form.get("label").trim().to_string(),
        label_en: None,
        ty,
        required: form.get("required") == "1",
        unique: form.get("unique") == "1",
        choices: form
            .get("choices")
            .split(['、', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        min: None,
        max: None,
        max_len: None,
        reference: Some(form.get("reference").trim().to_string()).filter(|s| !s.is_empty()),
        compute: None,
        default: None,
        since: 0,
        not_before: None,
    });
    registers::define(&state.db, a, def, state.now()).await?;
    Ok(Redirect::to(&format!("/registers/{key}/design")).into_response())
}

/// `POST /registers/{key}/rows/{id}/files/{field}` (multipart: `csrf` first, then `file`).
pub async fn attach_file(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path((key, id, field)): Path<(String, String, String)>,
    mp: Multipart,
) -> WebResult {
    let (_, files) = upload::receive_form(&state, &ctx, &s.actor, mp).await?;
    let stored = files
        .into_iter()
        .next()
        .ok_or_else(|| WebError::from(AppError::Validation(vec![("file".into(), "field-required".into())])))?;
    registers::attach(&state.db, &s.actor, &key, &id, &field, &stored.sha256, state.now()).await?;
    Ok(Redirect::to(&format!("/registers/{key}/rows/{id}#field-{field}")).into_response())
}
