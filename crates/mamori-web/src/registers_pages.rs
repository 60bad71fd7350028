//! Pages of the register engine: one set of handlers for every register (list with search,
//! sort and paging; row form with validation in place; history with differences; import and
//! export; heat map; designer).

use crate::ctx::Ctx;
use crate::error::PageError;
use crate::error::{PageResult, page_actor as actor, page_csrf as csrf, page_fail as fail};
use crate::state::AppState;
use crate::views::{Layout, render};
use crate::{FormData, tokyo_time};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use mamori_app::registers::{self, PageQuery};
use mamori_app::{Actor, AppError};
use mamori_domain::permission::Permission;
use mamori_domain::register::{FieldDef, FieldType, LABELS, RegisterDef, format_cell};
use serde_json::{Map, Value};

fn type_key(t: FieldType) -> String {
    serde_json::to_value(t).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "registers.html")]
struct RegistersPage {
    layout: Layout,
    registers: Vec<(String, String, Vec<String>, i64, String)>,
    can_design: bool,
}

/// `GET /registers`.
pub async fn list(State(state): State<AppState>, Extension(ctx): Extension<Ctx>) -> PageResult {
    let a = actor(&ctx)?;
    let list = registers::list(&state.db, a, state.now()).await.map_err(fail(&ctx))?;
    Ok(render(&RegistersPage {
        layout: Layout::new(&ctx),
        registers: list.into_iter().map(|s| (s.def.key, s.def.name, s.def.controls, s.rows, s.def.label)).collect(),
        can_design: a.grants.has(Permission::RegistersDesign),
    }))
}

/// `POST /registers`: a new, empty register (fields are added in the designer).
pub async fn create_register(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<FormData>,
) -> PageResult {
    csrf(&ctx, &form)?;
    let key = form.get("key").trim().to_string();
    let def = RegisterDef {
        key: key.clone(),
        name: form.get("name").trim().to_string(),
        name_en: None,
        controls: vec![],
        label: "社外秘".into(),
        default_sort: None,
        fields: vec![],
    };
    let a = actor(&ctx)?;
    if registers::list(&state.db, a, state.now()).await.map_err(fail(&ctx))?.iter().any(|s| s.def.key == key) {
        return Err(PageError::new(&ctx, AppError::Conflict));
    }
    registers::define(&state.db, a, def, state.now()).await.map_err(fail(&ctx))?;
    Ok(Redirect::to(&format!("/registers/{key}/design")).into_response())
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    layout: Layout,
    def: RegisterDef,
    q: String,
    deleted: bool,
    sorts: Vec<(String, String, bool)>,
    headers: Vec<String>,
    rows: Vec<(String, String, Vec<String>, String)>,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
    can_edit: bool,
    can_design: bool,
    heatmap: Option<String>,
    problems: Vec<(String, String, String)>,
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
    key: &str,
    pq: PageQuery,
    problems: Vec<(String, String, String)>,
) -> PageResult {
    let t = ctx.tr();
    let a = actor(ctx)?;
    let def = registers::definition(&state.db, a, key).await.map_err(fail(ctx))?;
    let page = registers::page(&state.db, a, key, &pq).await.map_err(fail(ctx))?;
    let shown = list_fields(&def);
    let mut sorts = Vec::new();
    for f in &shown {
        sorts.push((f.key.clone(), format!("{} ↑", f.label), pq.sort == f.key));
        sorts.push((format!("-{}", f.key), format!("{} ↓", f.label), pq.sort == format!("-{}", f.key)));
    }
    let link = |p: i64| {
        format!(
            "/registers/{key}?q={}&sort={}&page={p}{}",
            crate::pages::urlencode(&pq.q),
            crate::pages::urlencode(&pq.sort),
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
        layout: Layout::new(ctx),
        headers: shown.iter().map(|f| f.label.clone()).collect(),
        heatmap: heat_fields(&def).map(|_| format!("/registers/{key}/heatmap")),
        q: pq.q.clone(),
        deleted: pq.deleted,
        sorts,
        rows,
        total: page.total,
        prev: (page.page > 1).then(|| link(page.page - 1)),
        next: (page.page * page.per_page < page.total).then(|| link(page.page + 1)),
        can_edit: a.grants.has(Permission::RegistersEdit),
        can_design: a.grants.has(Permission::RegistersDesign),
        problems,
        def,
    }))
}

/// `GET /registers/{key}`.
pub async fn rows(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(key): Path<String>,
    Query(pq): Query<PageQuery>,
) -> PageResult {
    register_page(&state, &ctx, &key, pq, vec![]).await
}

/// A field as the form shows it.
struct FieldView {
    files: Vec<(String, String)>,
    key: String,
    label: String,
    kind: String,
    input_type: &'static str,
    value: String,
    required: bool,
    computed: bool,
    options: Vec<(String, bool)>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "register_row.html")]
struct RowPage {
    layout: Layout,
    def: RegisterDef,
    row_id: Option<String>,
    action: String,
    fields: Vec<FieldView>,
    label: String,
    labels: Vec<String>,
    deleted: bool,
    deleted_reason: Option<String>,
    readonly: bool,
    can_edit: bool,
    errors: Vec<String>,
}

/// Choices offered for a field: its own, people, referenced rows, control ids.
async fn options(state: &AppState, a: &Actor, f: &FieldDef) -> Result<Vec<String>, AppError> {
    Ok(match f.ty {
        FieldType::Choice | FieldType::MultiChoice => f.choices.clone(),
        FieldType::Person => {
            let mut c = state.db.conn().await?;
            mamori_store::rows::list_users(&mut c.ex(), &a.org_id).await?.into_iter().map(|u| u.login_id).collect()
        }
        FieldType::Control => mamori_regulation::catalogue::controls().iter().map(|c| c.id.clone()).collect(),
        FieldType::Reference => {
            let Some(target) = &f.reference else { return Ok(vec![]) };
            let tdef = registers::definition(&state.db, a, target).await?;
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
    def: RegisterDef,
    row: Option<registers::RowView>,
    submitted: Option<&FormData>,
    problems: &[mamori_app::error::RowProblem],
    status: axum::http::StatusCode,
) -> PageResult {
    let t = ctx.tr();
    let a = actor(ctx)?;
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
        let opts = options(state, a, f).await.map_err(fail(ctx))?;
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
    let can_edit = a.grants.has(Permission::RegistersEdit);
    let deleted = row.as_ref().is_some_and(|r| r.deleted);
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
        errors: problems
            .iter()
            .filter(|p| !def.fields.iter().any(|f| f.key == p.field))
            .map(|p| format!("{}: {}", p.column, t.t(&p.message)))
            .collect(),
        def,
    });
    *r.status_mut() = status;
    Ok(r)
}

/// `GET /registers/{key}/new`.
pub async fn new_row(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(key): Path<String>,
) -> PageResult {
    let def = registers::definition(&state.db, actor(&ctx)?, &key).await.map_err(fail(&ctx))?;
    row_page(&state, &ctx, def, None, None, &[], axum::http::StatusCode::OK).await
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
    Extension(ctx): Extension<Ctx>,
    Path(key): Path<String>,
    Form(form): Form<FormData>,
) -> PageResult {
    csrf(&ctx, &form)?;
    let a = actor(&ctx)?;
    let def = registers::definition(&state.db, a, &key).await.map_err(fail(&ctx))?;
    match registers::create(&state.db, a, &key, &input_of(&def, &form), Some(form.get("__label")), state.now()).await {
        Ok(r) => Ok(Redirect::to(&format!("/registers/{key}/rows/{}", r.id)).into_response()),
        Err(AppError::Rows(p)) => {
            row_page(&state, &ctx, def, None, Some(&form), &p, axum::http::StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(PageError::new(&ctx, e)),
    }
}

/// `GET /registers/{key}/rows/{id}`.
pub async fn row(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((key, id)): Path<(String, String)>,
) -> PageResult {
    let a = actor(&ctx)?;
    let def = registers::definition(&state.db, a, &key).await.map_err(fail(&ctx))?;
    let r = registers::get(&state.db, a, &key, &id).await.map_err(fail(&ctx))?;
    row_page(&state, &ctx, def, Some(r), None, &[], axum::http::StatusCode::OK).await
}

/// `POST /registers/{key}/rows/{id}`.
pub async fn update_row(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((key, id)): Path<(String, String)>,
    Form(form): Form<FormData>,
) -> PageResult {
    csrf(&ctx, &form)?;
    let a = actor(&ctx)?;
    let def = registers::definition(&state.db, a, &key).await.map_err(fail(&ctx))?;
    match registers::update(&state.db, a, &key, &id, &input_of(&def, &form), Some(form.get("__label")), state.now())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/registers/{key}/rows/{id}")).into_response()),
        Err(AppError::Rows(p)) => {
            let r = registers::get(&state.db, a, &key, &id).await.map_err(fail(&ctx))?;
            row_page(&state, &ctx, def, Some(r), Some(&form), &p, axum::http::StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(PageError::new(&ctx, e)),
    }
}

/// `POST /registers/{key}/rows/{id}/delete`.
pub async fn delete_row(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((key, id)): Path<(String, String)>,
    Form(form): Form<FormData>,
) -> PageResult {
    csrf(&ctx, &form)?;
    registers::delete(&state.db, actor(&ctx)?, &key, &id, form.get("reason"), state.now()).await.map_err(fail(&ctx))?;
    Ok(Redirect::to(&format!("/registers/{key}/rows/{id}")).into_response())
}

/// `POST /registers/{key}/rows/{id}/restore`.
pub async fn restore_row(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((key, id)): Path<(String, String)>,
    Form(form): Form<FormData>,
) -> PageResult {
    csrf(&ctx, &form)?;
    registers::restore(&state.db, actor(&ctx)?, &key, &id, state.now()).await.map_err(fail(&ctx))?;
    Ok(Redirect::to(&format!("/registers/{key}/rows/{id}")).into_response())
}

/// (version, action, who, when, reason, [(field, before, after)]).
type HistoryView = (i64, String, String, String, Option<String>, Vec<(String, String, String)>);

#[derive(Template)]
#[template(path = "register_history.html")]
struct HistoryPage {
    layout: Layout,
    key: String,
    name: String,
    id: String,
    entries: Vec<HistoryView>,
}

/// `GET /registers/{key}/rows/{id}/history`.
pub async fn history(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((key, id)): Path<(String, String)>,
) -> PageResult {
    let t = ctx.tr();
    let a = actor(&ctx)?;
    let def = registers::definition(&state.db, a, &key).await.map_err(fail(&ctx))?;
    let h = registers::history(&state.db, a, &key, &id).await.map_err(fail(&ctx))?;
    Ok(render(&HistoryPage {
        layout: Layout::new(&ctx),
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
    Extension(ctx): Extension<Ctx>,
    Path(key): Path<String>,
    Query(f): Query<crate::documents_pages::Format>,
) -> PageResult {
    let table = registers::table(&state.db, actor(&ctx)?, &key).await.map_err(fail(&ctx))?;
    let title = table.title.clone();
    let bytes = mamori_app::documents::render_export_async(table, f.format().to_string()).await.map_err(fail(&ctx))?;
    Ok(crate::documents_pages::download(bytes, f.format(), &title))
}

/// `POST /registers/{key}/import` (multipart): all or nothing; problems are listed by row and column.
pub async fn import(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(key): Path<String>,
    mut mp: Multipart,
) -> PageResult {
    let t = ctx.tr();
    let mut token = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = mp.next_field().await {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().unwrap_or("upload").to_string();
        let Ok(bytes) = field.bytes().await else { break };
        match name.as_str() {
            "csrf" => token = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => file = Some((file_name, bytes.to_vec())),
            _ => {}
        }
    }
    if !ctx.check_csrf(&token) {
        return Err(PageError::new(&ctx, AppError::Forbidden));
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(PageError::new(&ctx, AppError::Validation(vec![("file".into(), "field-required".into())])));
    };
    match registers::import(&state.db, actor(&ctx)?, &key, &name, &bytes, state.now()).await {
        Ok(r) => Ok(Redirect::to(&format!("/registers/{key}?imported={}", r.created + r.updated)).into_response()),
        Err(AppError::Rows(p)) => {
            let problems = p.iter().map(|p| (p.row.to_string(), p.column.clone(), t.t(&p.message))).collect();
            let mut r = register_page(&state, &ctx, &key, PageQuery::default(), problems).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(PageError::new(&ctx, e)),
    }
}

#[derive(Template)]
#[template(path = "heatmap.html")]
struct HeatmapPage {
    layout: Layout,
    key: String,
    name: String,
    x_label: String,
    y_label: String,
    xs: Vec<i64>,
    grid: Vec<(i64, Vec<(i64, i64)>)>,
}

/// `GET /registers/{key}/heatmap`: rows counted by 重要度 (rows, 3 at the top) × 被害発生可能性.
pub async fn heatmap(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(key): Path<String>,
) -> PageResult {
    let a = actor(&ctx)?;
    let def = registers::definition(&state.db, a, &key).await.map_err(fail(&ctx))?;
    let (xk, yk) = heat_fields(&def).ok_or_else(|| PageError::new(&ctx, AppError::NotFound))?;
    let label = |k: &str| def.fields.iter().find(|f| f.key == k).map(|f| f.label.clone()).unwrap_or_default();
    let all = registers::page(&state.db, a, &key, &PageQuery { per_page: Some(500), ..PageQuery::default() })
        .await
        .map_err(fail(&ctx))?;
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
        .await
        .map_err(fail(&ctx))?
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

#[derive(Template)]
#[template(path = "register_design.html")]
struct DesignPage {
    layout: Layout,
    def: RegisterDef,
    fields: Vec<(String, String, String, bool, bool, String)>,
    all_types: Vec<String>,
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

/// `GET /registers/{key}/design`.
pub async fn design(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(key): Path<String>,
) -> PageResult {
    let def = registers::definition(&state.db, actor(&ctx)?, &key).await.map_err(fail(&ctx))?;
    Ok(render(&DesignPage {
        layout: Layout::new(&ctx),
        fields: def
            .fields
            .iter()
            .map(|f| (f.key.clone(), f.label.clone(), type_key(f.ty), f.required, f.unique, f.choices.join("、")))
            .collect(),
        all_types: ALL_TYPES.iter().map(|t| type_key(*t)).collect(),
        def,
    }))
}

/// `POST /registers/{key}/design`: adds a field.
pub async fn add_field(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(key): Path<String>,
    Form(form): Form<FormData>,
) -> PageResult {
    csrf(&ctx, &form)?;
    let a = actor(&ctx)?;
    let mut def = registers::definition(&state.db, a, &key).await.map_err(fail(&ctx))?;
    let ty: FieldType = serde_json::from_value(Value::String(form.get("type").to_string()))
        .map_err(|_| PageError::new(&ctx, AppError::Validation(vec![("type".into(), "field-required".into())])))?;
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
    });
    registers::define(&state.db, a, def, state.now()).await.map_err(fail(&ctx))?;
    Ok(Redirect::to(&format!("/registers/{key}/design")).into_response())
}

/// Streams the `file` part of a multipart request into the evidence store.
pub async fn receive_file(
    state: &AppState,
    ctx: &Ctx,
    mp: &mut Multipart,
) -> Result<mamori_store::rows::EvidenceRow, PageError> {
    let (_, files) = crate::upload::receive_form(state, ctx, mp).await?;
    files
        .into_iter()
        .next()
        .ok_or_else(|| PageError::new(ctx, AppError::Validation(vec![("file".into(), "field-required".into())])))
}

/// `POST /registers/{key}/rows/{id}/files/{field}` (multipart: `csrf` first, then `file`).
pub async fn attach_file(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((key, id, field)): Path<(String, String, String)>,
    mut mp: Multipart,
) -> PageResult {
    let stored = receive_file(&state, &ctx, &mut mp).await?;
    registers::attach(&state.db, actor(&ctx)?, &key, &id, &field, &stored.sha256, state.now())
        .await
        .map_err(fail(&ctx))?;
    Ok(Redirect::to(&format!("/registers/{key}/rows/{id}#field-{field}")).into_response())
}

/// `GET /evidence/{sha256}`: the stored file, as an attachment with safe headers.
pub async fn evidence(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(sha): Path<String>,
) -> PageResult {
    use axum::http::{HeaderValue, header};
    // Incident evidence (5.28) is for the people with access to the incident.
    if !mamori_app::incidents::may_download(&state.db, actor(&ctx)?, &sha).await.map_err(fail(&ctx))? {
        return Err(PageError::new(&ctx, AppError::Forbidden));
    }
    let (row, bytes) = state.evidence.open(&state.db, actor(&ctx)?, &sha).await.map_err(fail(&ctx))?;
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    // Only types that browsers cannot execute are named; everything is an attachment.
    let ctype =
        if row.content_type.starts_with("text/") { "text/plain; charset=utf-8" } else { row.content_type.as_str() };
    if let Ok(v) = HeaderValue::from_str(ctype) {
        h.insert(header::CONTENT_TYPE, v);
    }
    let encoded = crate::pages::urlencode(&row.original_name);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"evidence\"; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert("x-evidence-sha256", HeaderValue::from_str(&row.sha256).unwrap_or(HeaderValue::from_static("")));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok(r)
}
