//! The in-memory list index of a register: search, sort and paging without a scan in SQL,
//! rebuilt when the register's `data_version` changes.

use super::defs::definition;
use super::{RowView, access, internal, view};
use crate::{Actor, AppError};
use mamori_domain::permission::Permission;
use mamori_domain::register::{self, FieldDef, FieldType, RegisterDef};
use mamori_store::Db;
use mamori_store::rows;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// An in-memory index of one register: rows with their parsed values, kept per
/// (organisation, register) and rebuilt when the register's `data_version` changed. Search,
/// sort and paging run here, so a list page costs one version check and no scan in SQL.
struct Index {
    version: i64,
    def: RegisterDef,
    rows: Vec<(Arc<RowView>, String, i64)>,
    /// Whether any row is 極秘 (only then are rows filtered by their reader).
    any_secret: bool,
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
        crate::cache_stats::REGISTER_INDEX.record(true);
        return Ok(ix);
    }
    // A miss: this request rebuilds the index, or waits for a concurrent rebuild.
    crate::cache_stats::REGISTER_INDEX.record(false);
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
    let any_secret = all.iter().any(|r| r.label == register::SECRET_LABEL);
    let ix = Arc::new(Index {
        version,
        def,
        any_secret,
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

/// Lists a page of a register: only a register the actor may read, and only the rows they may
/// see (search and sort results are cached for all readers; the 極秘 rows a reader may not see
/// are filtered out after, so totals and pages count only visible rows).
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
    access::require_view(actor, &ix.def)?;
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
    crate::cache_stats::REGISTER_RESULTS.record(cached.is_some());
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
    let order: Arc<Vec<usize>> = if ix.any_secret {
        let visible = |i: &&usize| {
            ix.rows.get(**i).is_some_and(|(r, _, _)| access::row_visible(actor, &r.label, &r.restricted_to))
        };
        if order.iter().all(|i| visible(&i)) {
            order
        } else {
            Arc::new(order.iter().filter(visible).copied().collect())
        }
    } else {
        order
    };
    let total = i64::try_from(order.len()).unwrap_or(i64::MAX);
    let start = usize::try_from((page - 1) * per_page).unwrap_or(usize::MAX);
    let rows =
        order.iter().skip(start).take(usize::try_from(per_page).unwrap_or(50)).map(|&i| ix.rows[i].0.clone()).collect();
    Ok(Page { rows, total, page, per_page })
}
