//! The register engine's use cases: any register (a definition stored as data) gets listing
//! with search/sort/paging, validated create/update, soft delete/restore with history, and
//! all-or-nothing xlsx/CSV import plus export that round-trips.

use crate::audit::{self, Entry};
use crate::error::RowProblem;
use crate::export::{Cell, Table};
use crate::{Actor, AppError, new_id};
use mamori_domain::audit::AuditAction;
use mamori_domain::permission::Permission;
use mamori_domain::register::{self, Context, FieldDef, FieldType, LABELS, RegisterDef};
use mamori_store::Db;
use mamori_store::rows::{self, RegisterDefRow, RegisterHistoryRow, RegisterRowRow};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// Column header of the row id in exports (what makes a re-import update instead of add).
pub const ID_COLUMN: &str = "ID";
/// Column header of the confidentiality label in exports.
pub const LABEL_COLUMN: &str = "ラベル";

fn internal<E: std::fmt::Display>(e: E) -> AppError {
    AppError::Internal(e.to_string())
}

/// A register with its live row count.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The definition.
    #[serde(flatten)]
    pub def: RegisterDef,
    /// Live rows.
    pub rows: i64,
}

/// A row as shown and returned by the API.
#[derive(Debug, Clone, Serialize)]
pub struct RowView {
    /// Id.
    pub id: String,
    /// Values by field key.
    pub values: Map<String, Value>,
    /// 社外秘 / 極秘.
    pub label: String,
    /// Deleted (with reason).
    pub deleted: bool,
    /// Why deleted.
    pub deleted_reason: Option<String>,
    /// Version.
    pub version: i64,
    /// Last change.
    pub updated_at: i64,
    /// By whom.
    pub updated_by: String,
}

fn view(r: RegisterRowRow) -> RowView {
    RowView {
        values: serde_json::from_str(&r.values_json).unwrap_or_default(),
        id: r.id,
        label: r.label,
        deleted: r.deleted != 0,
        deleted_reason: r.deleted_reason,
        version: r.version,
        updated_at: r.updated_at,
        updated_by: r.updated_by,
    }
}

/// Installs the 20 templates an organisation does not have yet.
pub async fn ensure_templates(db: &Db, org_id: &str, now: i64) -> Result<(), AppError> {
    let have: BTreeSet<String> = {
        let mut c = db.conn().await?;
        rows::register_defs(&mut c.ex(), org_id).await?.into_iter().map(|d| d.key).collect()
    };
    let missing: Vec<RegisterDef> = register::templates().into_iter().filter(|t| !have.contains(&t.key)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for (i, t) in missing.iter().enumerate() {
        rows::upsert_register_def(
            &mut tx.ex(),
            &RegisterDefRow {
                org_id: org_id.to_string(),
                key: t.key.clone(),
                name: t.name.clone(),
                def_json: serde_json::to_string(t).map_err(internal)?,
                created_at: now + i64::try_from(i).unwrap_or(0),
                updated_at: now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The organisation's registers with row counts.
pub async fn list(db: &Db, actor: &Actor, now: i64) -> Result<Vec<Summary>, AppError> {
    actor.require(Permission::RegistersView)?;
    ensure_templates(db, &actor.org_id, now).await?;
    let mut c = db.conn().await?;
    let defs = rows::register_defs(&mut c.ex(), &actor.org_id).await?;
    let counts = rows::register_counts(&mut c.ex(), &actor.org_id).await?;
    defs.into_iter()
        .map(|d| {
            let def: RegisterDef = serde_json::from_str(&d.def_json).map_err(internal)?;
            let n = counts.iter().find(|(k, _)| *k == d.key).map(|(_, n)| *n).unwrap_or(0);
            Ok(Summary { def, rows: n })
        })
        .collect()
}

/// One register's definition.
pub async fn definition(db: &Db, actor: &Actor, key: &str) -> Result<RegisterDef, AppError> {
    actor.require(Permission::RegistersView)?;
    definition_unchecked(db, &actor.org_id, key).await
}

async fn definition_unchecked(db: &Db, org_id: &str, key: &str) -> Result<RegisterDef, AppError> {
    let mut c = db.conn().await?;
    let d = rows::register_defs(&mut c.ex(), org_id).await?.into_iter().find(|d| d.key == key);
    match d {
        Some(d) => serde_json::from_str(&d.def_json).map_err(internal),
        None => {
            drop(c);
            // Templates appear on first use.
            ensure_templates(db, org_id, crate::now_ms()).await?;
            let mut c = db.conn().await?;
            let d = rows::register_defs(&mut c.ex(), org_id)
                .await?
                .into_iter()
                .find(|d| d.key == key)
                .ok_or(AppError::NotFound)?;
            serde_json::from_str(&d.def_json).map_err(internal)
        }
    }
}

/// Adds or replaces a register definition (the designer). Existing rows keep their values.
pub async fn define(db: &Db, actor: &Actor, def: RegisterDef, now: i64) -> Result<RegisterDef, AppError> {
    actor.require(Permission::RegistersDesign)?;
    let problems = register::check_definition(&def);
    if !problems.is_empty() {
        return Err(AppError::Blocked(problems.join("; ")));
    }
    let mut tx = db.begin().await?;
    rows::upsert_register_def(
        &mut tx.ex(),
        &RegisterDefRow {
            org_id: actor.org_id.clone(),
            key: def.key.clone(),
            name: def.name.clone(),
            def_json: serde_json::to_string(&def).map_err(internal)?,
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    rows::bump_register_version(&mut tx.ex(), &actor.org_id, &def.key).await?;
    audit::append(
        &mut tx,
        Entry::by(
            actor,
            AuditAction::Update,
            "register_def",
            Some(&def.key),
            None,
            Some(serde_json::to_value(&def).map_err(internal)?),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(def)
}

/// What validation needs: people, referenced rows, values taken by other rows.
async fn context(
    db: &Db,
    actor: &Actor,
    def: &RegisterDef,
    existing: &[RegisterRowRow],
    except: Option<&str>,
) -> Result<Context, AppError> {
    let mut ctx = Context::default();
    let mut c = db.conn().await?;
    for u in rows::list_users(&mut c.ex(), &actor.org_id).await? {
        ctx.people.insert(u.login_id);
        ctx.people.insert(u.display_name);
    }
    let all_defs = rows::register_defs(&mut c.ex(), &actor.org_id).await?;
    for f in def.fields.iter().filter(|f| f.ty == FieldType::Reference) {
        let Some(target) = &f.reference else { continue };
        let tdef: Option<RegisterDef> =
            all_defs.iter().find(|d| &d.key == target).and_then(|d| serde_json::from_str(&d.def_json).ok());
        let first = tdef.as_ref().and_then(|d| d.fields.first().cloned());
        let mut set = BTreeSet::new();
        for r in rows::register_rows_all(&mut c.ex(), &actor.org_id, target, false).await? {
            if let (Some(first), Ok(values)) = (&first, serde_json::from_str::<Map<String, Value>>(&r.values_json)) {
                set.insert(register::format_cell(first, values.get(&first.key).unwrap_or(&Value::Null)));
            }
            set.insert(r.id);
        }
        ctx.references.insert(target.clone(), set);
    }
    for f in def.fields.iter().filter(|f| f.unique) {
        let taken = existing
            .iter()
            .filter(|r| r.deleted == 0 && Some(r.id.as_str()) != except)
            .filter_map(|r| serde_json::from_str::<Map<String, Value>>(&r.values_json).ok())
            .map(|v| register::format_cell(f, v.get(&f.key).unwrap_or(&Value::Null)))
            .filter(|s| !s.is_empty())
            .collect();
        ctx.taken.insert(f.key.clone(), taken);
    }
    // File fields name evidence the organisation has stored.
    if def.fields.iter().any(|f| f.ty == FieldType::File) {
        ctx.files.extend(rows::evidence_hashes(&mut c.ex(), &actor.org_id).await?);
    }
    Ok(ctx)
}

/// The lower-cased text of every value (what search matches).
fn search_text(def: &RegisterDef, values: &Map<String, Value>) -> String {
    def.fields
        .iter()
        .map(|f| register::format_cell(f, values.get(&f.key).unwrap_or(&Value::Null)).to_lowercase())
        .collect::<Vec<_>>()
        .join(" \u{1f} ")
}

/// An in-memory index of one register: rows with their parsed values, kept per
/// (organisation, register) and rebuilt when the register's `data_version` changed. Search,
/// sort and paging run here, so a list page costs one version check and no scan in SQL.
struct Index {
    version: i64,
    def: RegisterDef,
    rows: Vec<(Arc<RowView>, String, i64)>,
    /// Row positions sorted by a field (ascending), computed on first use.
    sorted: Mutex<HashMap<String, Arc<Vec<usize>>>>,
    /// Positions matching recent (query, deleted, sort) requests; bounded, dropped with the index.
    results: Mutex<HashMap<ResultKey, Arc<Vec<usize>>>>,
}

/// (lower-cased query, deleted rows?, sort).
type ResultKey = (String, bool, String);

/// How many distinct list queries an index remembers.
const RESULT_CACHE: usize = 64;

impl Index {
    /// Row positions in ascending order of `field` (empty values last; ties by creation).
    fn order(&self, field: &FieldDef) -> Arc<Vec<usize>> {
        if let Ok(m) = self.sorted.lock()
            && let Some(o) = m.get(&field.key)
        {
            return o.clone();
        }
        let numeric = matches!(field.ty, FieldType::Integer | FieldType::Decimal);
        let keys: Vec<(Option<f64>, String)> = self
            .rows
            .iter()
            .map(|(r, _, _)| {
                let v = r.values.get(&field.key).unwrap_or(&Value::Null);
                (if numeric { v.as_f64() } else { None }, register::format_cell(field, v))
            })
            .collect();
        let mut order: Vec<usize> = (0..self.rows.len()).collect();
        let empty = |k: &(Option<f64>, String)| k.0.is_none() && k.1.is_empty();
        order.sort_by(|&a, &b| {
            let (ka, kb) = (&keys[a], &keys[b]);
            match (empty(ka), empty(kb)) {
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ => ka.0.partial_cmp(&kb.0).unwrap_or(std::cmp::Ordering::Equal).then_with(|| ka.1.cmp(&kb.1)),
            }
            .then_with(|| self.rows[a].2.cmp(&self.rows[b].2))
            .then_with(|| self.rows[a].0.id.cmp(&self.rows[b].0.id))
        });
        let order = Arc::new(order);
        if let Ok(mut m) = self.sorted.lock() {
            m.insert(field.key.clone(), order.clone());
        }
        order
    }
}

type IndexCache = Mutex<HashMap<(String, String), Arc<Index>>>;
static INDEXES: LazyLock<IndexCache> = LazyLock::new(|| Mutex::new(HashMap::new()));
/// One rebuild at a time: concurrent readers of a stale index wait for it instead of all
/// loading the register.
static REBUILD: LazyLock<tokio::sync::Mutex<()>> = LazyLock::new(|| tokio::sync::Mutex::new(()));

fn cached(cache_key: &(String, String), version: i64) -> Option<Arc<Index>> {
    INDEXES.lock().ok().and_then(|m| m.get(cache_key).filter(|ix| ix.version == version).cloned())
}

async fn index(db: &Db, org_id: &str, key: &str) -> Result<Arc<Index>, AppError> {
    let version = {
        let mut c = db.conn().await?;
        rows::register_version(&mut c.ex(), org_id, key).await?
    };
    let cache_key = (org_id.to_string(), key.to_string());
    if let Some(ix) = cached(&cache_key, version) {
        return Ok(ix);
    }
    let _guard = REBUILD.lock().await;
    if let Some(ix) = cached(&cache_key, version) {
        return Ok(ix);
    }
    let mut c = db.conn().await?;
    let def_row =
        rows::register_defs(&mut c.ex(), org_id).await?.into_iter().find(|d| d.key == key).ok_or(AppError::NotFound)?;
    let def: RegisterDef = serde_json::from_str(&def_row.def_json).map_err(internal)?;
    let all = rows::register_rows_all(&mut c.ex(), org_id, key, true).await?;
    // A write committed between reading the version and the rows leaves an index newer than
    // its version: the next request sees a new version and rebuilds. Never stale for long.
    let ix = Arc::new(Index {
        version,
        def,
        rows: all
            .into_iter()
            .map(|r| {
                let search = r.search_text.clone();
                let created = r.created_at;
                (Arc::new(view(r)), search, created)
            })
            .collect(),
        sorted: Mutex::new(HashMap::new()),
        results: Mutex::new(HashMap::new()),
    });
    if let Ok(mut map) = INDEXES.lock() {
        map.insert(cache_key, ix.clone());
    }
    Ok(ix)
}

pub fn problems(errors: Vec<register::FieldError>, row: usize) -> AppError {
    AppError::Rows(
        errors.into_iter().map(|e| RowProblem { row, column: e.label, field: e.field, message: e.message }).collect(),
    )
}

fn check_label(label: &str) -> Result<(), AppError> {
    if LABELS.contains(&label) {
        Ok(())
    } else {
        Err(AppError::Rows(vec![RowProblem {
            row: 0,
            column: LABEL_COLUMN.into(),
            field: "label".into(),
            message: "field-not-a-choice".into(),
        }]))
    }
}

/// A page of a register.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// Rows of the page (shared with the in-memory index, not copied).
    pub rows: Vec<Arc<RowView>>,
    /// Matching rows in all.
    pub total: i64,
    /// Page (from 1).
    pub page: i64,
    /// Rows per page.
    pub per_page: i64,
}

/// What a list page asks for.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PageQuery {
    /// Text searched in every value.
    #[serde(default)]
    pub q: String,
    /// Field key to sort by; prefix `-` for descending.
    #[serde(default)]
    pub sort: String,
    /// Page, from 1.
    #[serde(default)]
    pub page: Option<i64>,
    /// Rows per page (1–500, default 50).
    #[serde(default)]
    pub per_page: Option<i64>,
    /// Show deleted rows instead of live ones.
    #[serde(default)]
    pub deleted: bool,
}

/// Lists a page of a register.
pub async fn page(db: &Db, actor: &Actor, key: &str, pq: &PageQuery) -> Result<Page, AppError> {
    actor.require(Permission::RegistersView)?;
    let ix = match index(db, &actor.org_id, key).await {
        Err(AppError::NotFound) => {
            // Templates appear on first use.
            definition(db, actor, key).await?;
            index(db, &actor.org_id, key).await?
        }
        other => other?,
    };
    let def = &ix.def;
    let (desc, field) = match pq.sort.strip_prefix('-') {
        Some(f) => (true, f),
        None => (false, pq.sort.as_str()),
    };
    let field = def
        .fields
        .iter()
        .find(|f| f.key == field)
        .or_else(|| def.default_sort.as_ref().and_then(|k| def.fields.iter().find(|f| &f.key == k)));
    let per_page = pq.per_page.unwrap_or(50).clamp(1, 500);
    let page = pq.page.unwrap_or(1).max(1);
    let needle = pq.q.trim().to_lowercase();
    let cache_key = (
        needle.clone(),
        pq.deleted,
        format!("{}{}", if desc { "-" } else { "" }, field.map(|f| f.key.as_str()).unwrap_or("")),
    );
    let cached = ix.results.lock().ok().and_then(|m| m.get(&cache_key).cloned());
    let order: Arc<Vec<usize>> = match cached {
        Some(o) => o,
        None => {
            let matches = |i: &usize| {
                ix.rows.get(*i).is_some_and(|(r, search, _)| {
                    r.deleted == pq.deleted && (needle.is_empty() || search.contains(&needle))
                })
            };
            let order: Vec<usize> = match field {
                Some(f) => {
                    let o = ix.order(f);
                    if desc {
                        // Descending keeps empty values last.
                        let (filled, empty): (Vec<usize>, Vec<usize>) = o.iter().copied().partition(|&i| {
                            let v = ix.rows[i].0.values.get(&f.key).unwrap_or(&Value::Null);
                            !v.is_null() && v.as_str() != Some("")
                        });
                        filled.into_iter().rev().chain(empty).filter(matches).collect()
                    } else {
                        o.iter().copied().filter(matches).collect()
                    }
                }
                None => (0..ix.rows.len()).filter(matches).collect(),
            };
            let order = Arc::new(order);
            if let Ok(mut m) = ix.results.lock() {
                if m.len() >= RESULT_CACHE {
                    m.clear();
                }
                m.insert(cache_key, order.clone());
            }
            order
        }
    };
    let total = i64::try_from(order.len()).unwrap_or(i64::MAX);
    let start = usize::try_from((page - 1) * per_page).unwrap_or(usize::MAX);
    let rows =
        order.iter().skip(start).take(usize::try_from(per_page).unwrap_or(50)).map(|&i| ix.rows[i].0.clone()).collect();
    Ok(Page { rows, total, page, per_page })
}

/// One row.
pub async fn get(db: &Db, actor: &Actor, key: &str, id: &str) -> Result<RowView, AppError> {
    actor.require(Permission::RegistersView)?;
    let mut c = db.conn().await?;
    let r = rows::register_row(&mut c.ex(), &actor.org_id, id)
        .await?
        .filter(|r| r.register_key == key)
        .ok_or(AppError::NotFound)?;
    Ok(view(r))
}

/// The row's history entry alone (imports record one audit entry for the whole file).
async fn history_only(
    tx: &mut mamori_store::Tx,
    actor: &Actor,
    row: &RegisterRowRow,
    action: &str,
    now: i64,
) -> Result<(), AppError> {
    rows::insert_register_history(
        &mut tx.ex(),
        &actor.org_id,
        &RegisterHistoryRow {
            row_id: row.id.clone(),
            version: row.version,
            action: action.to_string(),
            values_json: row.values_json.clone(),
            label: row.label.clone(),
            reason: None,
            actor_label: actor.label.clone(),
            at_ms: now,
        },
    )
    .await?;
    Ok(())
}

async fn write(
    tx: &mut mamori_store::Tx,
    actor: &Actor,
    def: &RegisterDef,
    row: &RegisterRowRow,
    action: &str,
    before: Option<&RegisterRowRow>,
    now: i64,
) -> Result<(), AppError> {
    rows::insert_register_history(
        &mut tx.ex(),
        &actor.org_id,
        &RegisterHistoryRow {
            row_id: row.id.clone(),
            version: row.version,
            action: action.to_string(),
            values_json: row.values_json.clone(),
            label: row.label.clone(),
            reason: row.deleted_reason.clone().filter(|_| action == "delete"),
            actor_label: actor.label.clone(),
            at_ms: now,
        },
    )
    .await?;
    let as_json = |r: &RegisterRowRow| serde_json::json!({ "values": serde_json::from_str::<Value>(&r.values_json).unwrap_or(Value::Null), "label": r.label, "deleted": r.deleted != 0, "reason": r.deleted_reason });
    audit::append(
        tx,
        Entry::by(
            actor,
            match action {
                "create" => AuditAction::Create,
                "delete" => AuditAction::Delete,
                _ => AuditAction::Update,
            },
            &format!("register:{}", def.key),
            Some(&row.id),
            before.map(as_json),
            Some(as_json(row)),
        ),
        now,
    )
    .await
}

/// Adds a row.
pub async fn create(
    db: &Db,
    actor: &Actor,
    key: &str,
    input: &Map<String, Value>,
    label: Option<&str>,
    now: i64,
) -> Result<RowView, AppError> {
    actor.require(Permission::RegistersEdit)?;
    let p = prepare_create(db, actor, key, input, label, now).await?;
    let mut tx = db.begin().await?;
    apply(&mut tx, actor, &p, now).await?;
    tx.commit().await?;
    Ok(view(p.row))
}

/// A register write validated outside a transaction and applied inside the caller's (a
/// request's transition writes its row together with the new state).
#[derive(Debug, Clone)]
pub struct Prepared {
    def: RegisterDef,
    /// The row as it will be stored.
    pub row: RegisterRowRow,
    before: Option<RegisterRowRow>,
}

/// Validates a new row. No register permission is checked: callers decide (the public
/// [`create`] needs registers.edit; a request type names its register).
pub async fn prepare_create(
    db: &Db,
    actor: &Actor,
    key: &str,
    input: &Map<String, Value>,
    label: Option<&str>,
    now: i64,
) -> Result<Prepared, AppError> {
    let def = definition_unchecked(db, &actor.org_id, key).await?;
    let label = label.filter(|l| !l.is_empty()).unwrap_or(&def.label).to_string();
    check_label(&label)?;
    let existing = {
        let mut c = db.conn().await?;
        rows::register_rows_all(&mut c.ex(), &actor.org_id, key, false).await?
    };
    let ctx = context(db, actor, &def, &existing, None).await?;
    let values = register::validate(&def, input, &ctx).map_err(|e| problems(e, 0))?;
    let search = search_text(&def, &values);
    let row = RegisterRowRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        register_key: key.to_string(),
        values_json: Value::Object(values).to_string(),
        label,
        search_text: search,
        deleted: 0,
        deleted_reason: None,
        version: 1,
        created_at: now,
        created_by: actor.label.clone(),
        updated_at: now,
        updated_by: actor.label.clone(),
    };
    Ok(Prepared { def, row, before: None })
}

/// Validates setting `patch` on a live row (other values are kept). No register permission is
/// checked (see [`prepare_create`]).
pub async fn prepare_patch(
    db: &Db,
    actor: &Actor,
    key: &str,
    id: &str,
    patch: &Map<String, Value>,
    now: i64,
) -> Result<Prepared, AppError> {
    let def = definition_unchecked(db, &actor.org_id, key).await?;
    let existing = {
        let mut c = db.conn().await?;
        rows::register_rows_all(&mut c.ex(), &actor.org_id, key, true).await?
    };
    let cur = existing.iter().find(|r| r.id == id && r.deleted == 0).cloned().ok_or(AppError::NotFound)?;
    let ctx = context(db, actor, &def, &existing, Some(id)).await?;
    let mut input: Map<String, Value> = serde_json::from_str(&cur.values_json).map_err(internal)?;
    for (k, v) in patch {
        input.insert(k.clone(), v.clone());
    }
    let values = register::validate(&def, &input, &ctx).map_err(|e| problems(e, 0))?;
    let next = RegisterRowRow {
        search_text: search_text(&def, &values),
        values_json: Value::Object(values).to_string(),
        version: cur.version + 1,
        updated_at: now,
        updated_by: actor.label.clone(),
        ..cur.clone()
    };
    Ok(Prepared { def, row: next, before: Some(cur) })
}

/// Writes a prepared row, its history and its audit entry in the caller's transaction.
pub async fn apply(tx: &mut mamori_store::Tx, actor: &Actor, p: &Prepared, now: i64) -> Result<(), AppError> {
    match &p.before {
        None => rows::insert_register_row(&mut tx.ex(), &p.row).await?,
        Some(_) => {
            if rows::update_register_row(&mut tx.ex(), &p.row).await? == 0 {
                return Err(AppError::Conflict);
            }
        }
    }
    rows::bump_register_version(&mut tx.ex(), &actor.org_id, &p.row.register_key).await?;
    let action = if p.before.is_some() { "update" } else { "create" };
    write(tx, actor, &p.def, &p.row, action, p.before.as_ref(), now).await
}

async fn change(
    db: &Db,
    actor: &Actor,
    key: &str,
    id: &str,
    f: impl FnOnce(&RegisterDef, &RegisterRowRow, &Context) -> Result<(RegisterRowRow, &'static str), AppError>,
    now: i64,
) -> Result<RowView, AppError> {
    actor.require(Permission::RegistersEdit)?;
    let def = definition(db, actor, key).await?;
    let (existing, current) = {
        let mut c = db.conn().await?;
        let all = rows::register_rows_all(&mut c.ex(), &actor.org_id, key, true).await?;
        let cur = all.iter().find(|r| r.id == id).cloned().ok_or(AppError::NotFound)?;
        (all, cur)
    };
    let ctx = context(db, actor, &def, &existing, Some(id)).await?;
    let (mut next, action) = f(&def, &current, &ctx)?;
    next.version = current.version + 1;
    next.updated_at = now;
    next.updated_by = actor.label.clone();
    let values: Map<String, Value> = serde_json::from_str(&next.values_json).map_err(internal)?;
    next.search_text = search_text(&def, &values);
    let mut tx = db.begin().await?;
    if rows::update_register_row(&mut tx.ex(), &next).await? == 0 {
        return Err(AppError::Conflict);
    }
    rows::bump_register_version(&mut tx.ex(), &actor.org_id, key).await?;
    write(&mut tx, actor, &def, &next, action, Some(&current), now).await?;
    tx.commit().await?;
    Ok(view(next))
}

/// Changes a row (a deleted row must be restored first).
pub async fn update(
    db: &Db,
    actor: &Actor,
    key: &str,
    id: &str,
    input: &Map<String, Value>,
    label: Option<&str>,
    now: i64,
) -> Result<RowView, AppError> {
    change(
        db,
        actor,
        key,
        id,
        |def, cur, ctx| {
            if cur.deleted != 0 {
                return Err(AppError::Conflict);
            }
            let label = label.filter(|l| !l.is_empty()).unwrap_or(&cur.label).to_string();
            check_label(&label)?;
            let values = register::validate(def, input, ctx).map_err(|e| problems(e, 0))?;
            Ok((RegisterRowRow { values_json: Value::Object(values).to_string(), label, ..cur.clone() }, "update"))
        },
        now,
    )
    .await
}

/// Soft-deletes a row with a reason (nothing is lost; privileged roles can restore it).
pub async fn delete(db: &Db, actor: &Actor, key: &str, id: &str, reason: &str, now: i64) -> Result<RowView, AppError> {
    if reason.trim().is_empty() {
        return Err(AppError::Validation(vec![("reason".into(), "field-required".into())]));
    }
    change(
        db,
        actor,
        key,
        id,
        |_, cur, _| {
            if cur.deleted != 0 {
                return Err(AppError::Conflict);
            }
            Ok((
                RegisterRowRow { deleted: 1, deleted_reason: Some(reason.trim().to_string()), ..cur.clone() },
                "delete",
            ))
        },
        now,
    )
    .await
}

/// Restores a deleted row (its unique values must still be free).
pub async fn restore(db: &Db, actor: &Actor, key: &str, id: &str, now: i64) -> Result<RowView, AppError> {
    change(
        db,
        actor,
        key,
        id,
        |def, cur, ctx| {
            if cur.deleted == 0 {
                return Err(AppError::Conflict);
            }
            let values: Map<String, Value> = serde_json::from_str(&cur.values_json).map_err(internal)?;
            register::validate(def, &values, ctx).map_err(|e| problems(e, 0))?;
            Ok((RegisterRowRow { deleted: 0, deleted_reason: None, ..cur.clone() }, "restore"))
        },
        now,
    )
    .await
}

/// One version of a row with what changed from the previous one.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    /// Version.
    pub version: i64,
    /// create, update, delete, restore.
    pub action: String,
    /// Who.
    pub actor: String,
    /// When.
    pub at_ms: i64,
    /// Deletion reason.
    pub reason: Option<String>,
    /// (field label, before, after) for every changed field (and the label).
    pub changes: Vec<(String, String, String)>,
}

/// The history of a row with differences.
pub async fn history(db: &Db, actor: &Actor, key: &str, id: &str) -> Result<Vec<HistoryEntry>, AppError> {
    let def = definition(db, actor, key).await?;
    get(db, actor, key, id).await?;
    let mut c = db.conn().await?;
    let h = rows::register_history(&mut c.ex(), &actor.org_id, id).await?;
    let mut prev: Map<String, Value> = Map::new();
    let mut prev_label = String::new();
    let mut out = Vec::new();
    for e in h {
        let values: Map<String, Value> = serde_json::from_str(&e.values_json).unwrap_or_default();
        let mut changes = Vec::new();
        for f in &def.fields {
            let (b, a) = (
                register::format_cell(f, prev.get(&f.key).unwrap_or(&Value::Null)),
                register::format_cell(f, values.get(&f.key).unwrap_or(&Value::Null)),
            );
            if a != b {
                changes.push((f.label.clone(), b, a));
            }
        }
        if e.label != prev_label {
            changes.push((LABEL_COLUMN.to_string(), prev_label.clone(), e.label.clone()));
        }
        out.push(HistoryEntry {
            version: e.version,
            action: e.action,
            actor: e.actor_label,
            at_ms: e.at_ms,
            reason: e.reason,
            changes,
        });
        prev = values;
        prev_label = e.label;
    }
    Ok(out)
}

/// The register as an export table: ID, every field, the label.
pub async fn table(db: &Db, actor: &Actor, key: &str) -> Result<Table, AppError> {
    let def = definition(db, actor, key).await?;
    let rows = {
        let mut c = db.conn().await?;
        rows::register_rows_all(&mut c.ex(), &actor.org_id, key, false).await?
    };
    let mut columns = vec![(ID_COLUMN.to_string(), 38.0)];
    columns.extend(def.fields.iter().map(|f| (f.label.clone(), if f.ty == FieldType::LongText { 40.0 } else { 16.0 })));
    columns.push((LABEL_COLUMN.to_string(), 8.0));
    let out_rows = rows
        .iter()
        .map(|r| {
            let values: Map<String, Value> = serde_json::from_str(&r.values_json).unwrap_or_default();
            let mut cells = vec![Cell::Text(r.id.clone())];
            cells.extend(def.fields.iter().map(|f| {
                let s = register::format_cell(f, values.get(&f.key).unwrap_or(&Value::Null));
                if f.ty == FieldType::Date && !s.is_empty() { Cell::Date(s) } else { Cell::Text(s) }
            }));
            cells.push(Cell::Text(r.label.clone()));
            cells
        })
        .collect();
    let strictest = if rows.iter().any(|r| r.label == "極秘") { "極秘".to_string() } else { def.label.clone() };
    Ok(Table {
        sheet: def.name.chars().take(31).collect(),
        title: def.name.clone(),
        doc_number: def.key.clone(),
        edition: "—".into(),
        label: strictest,
        columns,
        rows: out_rows,
    })
}

/// Reads a spreadsheet or CSV into rows of text cells (xlsx via calamine; CSV in UTF-8 with or
/// without BOM, or Shift_JIS/CP932).
pub fn read_grid(file_name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, AppError> {
    if bytes.starts_with(b"PK\x03\x04") {
        use calamine::{Data, Reader, Xlsx};
        let mut wb: Xlsx<_> =
            Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| AppError::Blocked(format!("{file_name}: {e}")))?;
        let sheet =
            wb.sheet_names().first().cloned().ok_or_else(|| AppError::Blocked(format!("{file_name}: no sheet")))?;
        let range = wb.worksheet_range(&sheet).map_err(|e| AppError::Blocked(format!("{file_name}: {e}")))?;
        return Ok(range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|d| match d {
                        Data::DateTime(dt) => excel_date(dt.as_f64()).unwrap_or_else(|| d.to_string()),
                        Data::DateTimeIso(s) => s.chars().take(10).collect(),
                        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", *f as i64),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect());
    }
    let text =
        mamori_regulation::input::decode_text(bytes).map_err(|e| AppError::Blocked(format!("{file_name}: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Ok(parse_csv(text))
}

/// An Excel serial date (days since 1899-12-30) as YYYY-MM-DD.
fn excel_date(serial: f64) -> Option<String> {
    let base = jiff::civil::date(1899, 12, 30);
    let days = serial.floor();
    if !(0.0..3_000_000.0).contains(&days) {
        return None;
    }
    base.checked_add(jiff::Span::new().days(days as i64)).ok().map(|d| d.to_string())
}

/// A small RFC 4180 CSV reader (quotes, doubled quotes, CRLF, newlines in quoted fields).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// What an import did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    /// Rows added.
    pub created: usize,
    /// Rows changed.
    pub updated: usize,
    /// Rows identical to what is stored.
    pub unchanged: usize,
}

/// Imports a file into a register: columns are matched by header (field label or key), every
/// row is validated first, and only a fully valid file is written, in one transaction.
pub async fn import(
    db: &Db,
    actor: &Actor,
    key: &str,
    file_name: &str,
    bytes: &[u8],
    now: i64,
) -> Result<ImportReport, AppError> {
    actor.require(Permission::RegistersEdit)?;
    let def = definition(db, actor, key).await?;
    let grid = read_grid(file_name, bytes)?;
    // The header row is the one (among the first ten) naming the most fields.
    let matches = |row: &Vec<String>| {
        row.iter().filter(|h| def.fields.iter().any(|f| f.label == h.trim() || f.key == h.trim())).count()
    };
    let (header_idx, header) = grid
        .iter()
        .enumerate()
        .take(10)
        .max_by_key(|(i, r)| (matches(r), std::cmp::Reverse(*i)))
        .filter(|(_, r)| matches(r) > 0)
        .ok_or_else(|| {
            AppError::Rows(vec![RowProblem {
                row: 1,
                column: "—".into(),
                field: String::new(),
                message: "import-no-header".into(),
            }])
        })?;
    let col_of = |f: &FieldDef| header.iter().position(|h| h.trim() == f.label || h.trim() == f.key);
    let id_col = header.iter().position(|h| h.trim() == ID_COLUMN);
    let label_col = header.iter().position(|h| h.trim() == LABEL_COLUMN);
    let existing = {
        let mut c = db.conn().await?;
        rows::register_rows_all(&mut c.ex(), &actor.org_id, key, true).await?
    };
    let mut ctx = context(db, actor, &def, &existing, None).await?;
    let mut problems_all = Vec::new();
    let mut plan: Vec<(Option<RegisterRowRow>, Map<String, Value>, String)> = Vec::new();
    for f in def.fields.iter().filter(|f| f.required && f.compute.is_none()) {
        if col_of(f).is_none() {
            problems_all.push(RowProblem {
                row: header_idx + 1,
                column: f.label.clone(),
                field: f.key.clone(),
                message: "import-missing-column".into(),
            });
        }
    }
    // Values of unique fields: stored (value → row id, computed once) and seen in the file.
    let mut seen: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    let stored_unique: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> = def
        .fields
        .iter()
        .filter(|f| f.unique)
        .map(|f| {
            let m = existing
                .iter()
                .filter(|r| r.deleted == 0)
                .filter_map(|r| {
                    serde_json::from_str::<Map<String, Value>>(&r.values_json).ok().map(|v| (r.id.clone(), v))
                })
                .map(|(id, v)| (register::format_cell(f, v.get(&f.key).unwrap_or(&Value::Null)), id))
                .filter(|(v, _)| !v.is_empty())
                .collect();
            (f.key.clone(), m)
        })
        .collect();
    // Uniqueness is checked here against stored rows and the file; validation skips it.
    for f in def.fields.iter().filter(|f| f.unique) {
        ctx.taken.insert(f.key.clone(), BTreeSet::new());
    }
    for (i, raw) in grid.iter().enumerate().skip(header_idx + 1) {
        if raw.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = i + 1;
        let cell = |c: Option<usize>| c.and_then(|c| raw.get(c)).map(|s| s.trim().to_string()).unwrap_or_default();
        let id = cell(id_col);
        let current = if id.is_empty() { None } else { existing.iter().find(|r| r.id == id).cloned() };
        if !id.is_empty() && current.is_none() {
            problems_all.push(RowProblem {
                row: line,
                column: ID_COLUMN.into(),
                field: "id".into(),
                message: "import-unknown-id".into(),
            });
            continue;
        }
        let mut input = Map::new();
        for f in def.fields.iter().filter(|f| f.compute.is_none()) {
            let text = cell(col_of(f));
            match register::parse_cell(f, &text) {
                Ok(v) => {
                    input.insert(f.key.clone(), v);
                }
                Err(m) => problems_all.push(RowProblem {
                    row: line,
                    column: f.label.clone(),
                    field: f.key.clone(),
                    message: m.to_string(),
                }),
            }
        }
        let label = Some(cell(label_col))
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| current.as_ref().map(|c| c.label.clone()).unwrap_or_else(|| def.label.clone()));
        if !LABELS.contains(&label.as_str()) {
            problems_all.push(RowProblem {
                row: line,
                column: LABEL_COLUMN.into(),
                field: "label".into(),
                message: "field-not-a-choice".into(),
            });
        }
        // Uniqueness against other stored rows (not this one) and earlier rows of the file.
        for f in def.fields.iter().filter(|f| f.unique) {
            let mine = register::format_cell(f, input.get(&f.key).unwrap_or(&Value::Null));
            if mine.is_empty() {
                continue;
            }
            let owner = stored_unique.get(&f.key).and_then(|m| m.get(&mine));
            let taken_elsewhere = owner.is_some_and(|id| Some(id) != current.as_ref().map(|c| &c.id));
            let file_seen = seen.entry(f.key.clone()).or_default();
            if taken_elsewhere || !file_seen.insert(mine.clone()) {
                problems_all.push(RowProblem {
                    row: line,
                    column: f.label.clone(),
                    field: f.key.clone(),
                    message: "field-not-unique".into(),
                });
            }
        }
        match register::validate(&def, &input, &ctx) {
            Ok(values) => plan.push((current, values, label)),
            Err(errs) => problems_all.extend(errs.into_iter().map(|e| RowProblem {
                row: line,
                column: e.label,
                field: e.field,
                message: e.message,
            })),
        }
    }
    if !problems_all.is_empty() {
        problems_all.sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
        problems_all.dedup();
        return Err(AppError::Rows(problems_all));
    }
    let mut report = ImportReport { created: 0, updated: 0, unchanged: 0 };
    let mut tx = db.begin().await?;
    for (current, values, label) in plan {
        let search = search_text(&def, &values);
        let json = Value::Object(values.clone()).to_string();
        match current {
            Some(cur) => {
                let same_values =
                    serde_json::from_str::<Map<String, Value>>(&cur.values_json).is_ok_and(|v| v == values);
                if same_values && cur.label == label && cur.deleted == 0 {
                    report.unchanged += 1;
                    continue;
                }
                let next = RegisterRowRow {
                    values_json: json,
                    label,
                    search_text: search,
                    deleted: 0,
                    deleted_reason: None,
                    version: cur.version + 1,
                    updated_at: now,
                    updated_by: actor.label.clone(),
                    ..cur.clone()
                };
                if rows::update_register_row(&mut tx.ex(), &next).await? == 0 {
                    return Err(AppError::Conflict);
                }
                history_only(&mut tx, actor, &next, "update", now).await?;
                report.updated += 1;
            }
            None => {
                let row = RegisterRowRow {
                    id: new_id(),
                    org_id: actor.org_id.clone(),
                    register_key: key.to_string(),
                    values_json: json,
                    label,
                    search_text: search,
                    deleted: 0,
                    deleted_reason: None,
                    version: 1,
                    created_at: now,
                    created_by: actor.label.clone(),
                    updated_at: now,
                    updated_by: actor.label.clone(),
                };
                rows::insert_register_row(&mut tx.ex(), &row).await?;
                history_only(&mut tx, actor, &row, "create", now).await?;
                report.created += 1;
            }
        }
    }
    rows::bump_register_version(&mut tx.ex(), &actor.org_id, key).await?;
    audit::append(
        &mut tx,
        Entry::by(actor, AuditAction::Update, &format!("register:{key}"), None, None, Some(serde_json::json!({
                "import": file_name,
                "sha256": mamori_domain::hex::encode(&sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), bytes))),
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            })),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// Adds a stored evidence file to a file field of a row.
pub async fn attach(
    db: &Db,
    actor: &Actor,
    key: &str,
    id: &str,
    field: &str,
    sha256: &str,
    now: i64,
) -> Result<RowView, AppError> {
    let def = definition(db, actor, key).await?;
    let f = def.fields.iter().find(|f| f.key == field && f.ty == FieldType::File).ok_or(AppError::NotFound)?;
    let current = get(db, actor, key, id).await?;
    let mut values = current.values.clone();
    let mut files: Vec<Value> = values.get(&f.key).and_then(Value::as_array).cloned().unwrap_or_default();
    if !files.iter().any(|v| v.as_str() == Some(sha256)) {
        files.push(Value::String(sha256.to_string()));
    }
    values.insert(f.key.clone(), Value::Array(files));
    for c in def.fields.iter().filter(|f| f.compute.is_some()) {
        values.remove(&c.key);
    }
    update(db, actor, key, id, &values, Some(&current.label), now).await
}

/// What the regulation's named record (【…】) corresponds to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RecordHome {
    /// A register with this key.
    Register(String),
    /// A controlled document with this id.
    Document(String),
    /// Nothing yet: a register can be created for it.
    Missing,
}

/// For each record name, where it is kept (matching register names and document titles).
pub async fn record_homes(
    db: &Db,
    actor: &Actor,
    names: &[String],
    now: i64,
) -> Result<Vec<(String, RecordHome)>, AppError> {
    let registers = list(db, actor, now).await?;
    let docs = {
        let mut c = db.conn().await?;
        rows::list_documents(&mut c.ex(), &actor.org_id).await?
    };
    Ok(names
        .iter()
        .map(|n| {
            let home = if let Some(r) = registers.iter().find(|r| &r.def.name == n) {
                RecordHome::Register(r.def.key.clone())
            } else if let Some(d) = docs.iter().find(|d| &d.title == n) {
                RecordHome::Document(d.id.clone())
            } else {
                RecordHome::Missing
            };
            (n.clone(), home)
        })
        .collect())
}

/// Creates a register for a record the regulation names but no register keeps yet: one
/// required 名称 field to start with (the designer adds the rest).
pub async fn offer(
    db: &Db,
    actor: &Actor,
    name: &str,
    controls: Vec<String>,
    now: i64,
) -> Result<RegisterDef, AppError> {
    actor.require(Permission::RegistersDesign)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::Validation(vec![("name".into(), "field-required".into())]));
    }
    let existing = list(db, actor, now).await?;
    if existing.iter().any(|r| r.def.name == name) {
        return Err(AppError::Conflict);
    }
    use sha2::Digest;
    let key = format!("record_{}", &mamori_domain::hex::encode(&sha2::Sha256::digest(name.as_bytes()))[..10]);
    let def: RegisterDef = serde_json::from_value(serde_json::json!({
        "key": key,
        "name": name,
        "controls": controls,
        "default_sort": "title",
        "fields": [
            { "key": "title", "label": "名称", "type": "text", "required": true },
            { "key": "recorded_on", "label": "記録日", "type": "date" },
            { "key": "notes", "label": "備考", "type": "long_text" }
        ]
    }))
    .map_err(internal)?;
    define(db, actor, def, now).await
}
