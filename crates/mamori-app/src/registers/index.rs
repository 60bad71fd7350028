//! The in-memory list index of a register: search, sort and paging without a scan in SQL,
//! rebuilt when the register's `data_version` changes, held in the budgeted cache.

use super::defs::definition;
use super::{RowView, access, internal, view};
use crate::{Actor, AppError};
use mamori_domain::permission::Permission;
use mamori_domain::register::{self, FieldDef, FieldType, RegisterDef};
use mamori_store::Db;
use mamori_store::rows;
use serde::Serialize;
use serde_json::Value;
use std::sync::{Arc, LazyLock, OnceLock};

/// An in-memory index of one register: rows with their parsed values and their search text,
/// kept per (organisation, register) in the budgeted cache ([`crate::cache`]) and rebuilt when
/// the register's `data_version` changed. Search, sort and paging run here, so a list page
/// costs one version check and no scan in SQL.
struct Index {
    version: i64,
    def: RegisterDef,
    rows: Vec<Arc<RowView>>,
    /// Creation time of each row (the last sort key).
    created: Vec<i64>,
    /// Each row's flags ([`DELETED`], [`SECRET`]), side by side: the page walk reads these
    /// and the search bitset, not the rows (which are scattered over the heap: reaching each
    /// of 10,000 rows in sort order was a cache miss per row).
    flags: Vec<u8>,
    /// Every row's search text (lower case), each followed by a NUL: one buffer searched with
    /// one SIMD substring finder instead of one search per row.
    haystack: String,
    /// Where row i's text starts in `haystack`; one more entry, the end.
    starts: Vec<usize>,
    /// Row positions sorted by each field of `def` (same positions as `def.fields`), both
    /// directions, computed when the index is built.
    orders: Vec<OnceLock<Orders>>,
    /// Estimated heap size (bytes), charged to the cache budget: it includes both orders of
    /// every field, whether computed yet or not, so that the charge never grows.
    bytes: usize,
}

/// Row positions in ascending and descending order of one field.
struct Orders {
    asc: Vec<u32>,
    desc: Vec<u32>,
}

/// Row flag: deleted.
const DELETED: u8 = 1;
/// Row flag: 極秘 (visible only to the roles and people it names).
const SECRET: u8 = 2;

impl Index {
    fn build(version: i64, def: RegisterDef, all: Vec<rows::RegisterRowRow>) -> Index {
        let mut haystack = String::with_capacity(all.iter().map(|r| r.search_text.len() + 1).sum());
        let mut starts = Vec::with_capacity(all.len() + 1);
        let mut created = Vec::with_capacity(all.len());
        let mut flags = Vec::with_capacity(all.len());
        let mut rows = Vec::with_capacity(all.len());
        let mut bytes = 0usize;
        for r in all {
            starts.push(haystack.len());
            haystack.push_str(&r.search_text);
            haystack.push('\0');
            created.push(r.created_at);
            flags.push(
                if r.deleted != 0 { DELETED } else { 0 } | if r.label == register::SECRET_LABEL { SECRET } else { 0 },
            );
            let v = view(r);
            bytes += std::mem::size_of::<RowView>()
                + 16
                + v.id.capacity()
                + v.label.capacity()
                + v.updated_by.capacity()
                + v.deleted_reason.as_ref().map_or(0, String::capacity)
                + v.restricted_to.iter().map(|s| 24 + s.capacity()).sum::<usize>()
                + v.values.iter().map(|(k, x)| 48 + k.capacity() + crate::cache::json_bytes(x)).sum::<usize>();
            rows.push(Arc::new(v));
        }
        starts.push(haystack.len());
        bytes += haystack.capacity() + starts.capacity() * 8 + created.capacity() * 8 + rows.capacity() * 8;
        bytes += flags.capacity();
        let orders = def.fields.iter().map(|_| OnceLock::new()).collect::<Vec<_>>();
        bytes += orders.len() * (64 + 2 * 4 * rows.len());
        Index { version, def, rows, created, flags, haystack, starts, orders, bytes }
    }

    /// Rows whose search text contains `needle`, as a bitset (`None`: no search, every row).
    fn matching(&self, needle: &str) -> Option<Vec<u64>> {
        if needle.is_empty() {
            return None;
        }
        let mut bits = vec![0u64; self.rows.len().div_ceil(64)];
        let mut set = |i: usize| {
            if let Some(w) = bits.get_mut(i / 64) {
                *w |= 1 << (i % 64);
            }
        };
        if needle.contains('\0') {
            // Cannot match across the separators: test each row (never true in practice).
            for (i, w) in self.starts.windows(2).enumerate() {
                if self.haystack.get(w[0]..w[1].saturating_sub(1)).is_some_and(|t| t.contains(needle)) {
                    set(i);
                }
            }
            return Some(bits);
        }
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let hay = self.haystack.as_bytes();
        let (mut pos, mut row) = (0usize, 0usize);
        while let Some(off) = hay.get(pos..).and_then(|h| finder.find(h)) {
            let at = pos + off;
            // The row holding `at` (matches only move forward, so the row cursor does too);
            // the next search starts at the next row.
            while self.starts.get(row + 1).is_some_and(|&s| s <= at) {
                row += 1;
            }
            set(row);
            pos = self.starts.get(row + 1).copied().unwrap_or(hay.len()).max(at + 1);
        }
        Some(bits)
    }

    /// Row positions in order of field number `f` of the definition (empty values last in both
    /// directions; ties by creation, then id).
    fn order(&self, f: usize, desc: bool) -> Option<&[u32]> {
        let (slot, field) = (self.orders.get(f)?, self.def.fields.get(f)?);
        crate::cache_stats::REGISTER_ORDER.record(slot.get().is_some());
        let o = slot.get_or_init(|| self.sort(field));
        Some(if desc { &o.desc } else { &o.asc })
    }

    fn sort(&self, field: &FieldDef) -> Orders {
        let numeric = matches!(field.ty, FieldType::Integer | FieldType::Decimal);
        let keys: Vec<(Option<f64>, String)> = self
            .rows
            .iter()
            .map(|r| {
                let v = r.values.get(&field.key).unwrap_or(&Value::Null);
                (if numeric { v.as_f64() } else { None }, register::format_cell(field, v))
            })
            .collect();
        let mut asc: Vec<u32> = (0..u32::try_from(self.rows.len()).unwrap_or(u32::MAX)).collect();
        let empty = |k: &(Option<f64>, String)| k.0.is_none() && k.1.is_empty();
        let at = |i: u32| usize::try_from(i).unwrap_or(usize::MAX);
        asc.sort_by(|&a, &b| {
            let (a, b) = (at(a), at(b));
            let (ka, kb) = (&keys[a], &keys[b]);
            match (empty(ka), empty(kb)) {
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ => ka.0.partial_cmp(&kb.0).unwrap_or(std::cmp::Ordering::Equal).then_with(|| ka.1.cmp(&kb.1)),
            }
            .then_with(|| self.created[a].cmp(&self.created[b]))
            .then_with(|| self.rows[a].id.cmp(&self.rows[b].id))
        });
        // Descending keeps empty values last.
        let filled = |i: &u32| {
            let v = self.rows[at(*i)].values.get(&field.key).unwrap_or(&Value::Null);
            !v.is_null() && v.as_str() != Some("")
        };
        let (f, e): (Vec<u32>, Vec<u32>) = asc.iter().copied().partition(filled);
        let desc = f.into_iter().rev().chain(e).collect();
        Orders { asc, desc }
    }
}

/// Rebuilds of one register are serialised (concurrent readers of a stale index wait for
/// one rebuild instead of all loading the register); rebuilds of different registers run
/// side by side (the lock is chosen by a hash of the organisation and register).
static REBUILD: LazyLock<Vec<tokio::sync::Mutex<()>>> =
    LazyLock::new(|| (0..64).map(|_| tokio::sync::Mutex::new(())).collect());

fn rebuild_lock(org_id: &str, key: &str) -> &'static tokio::sync::Mutex<()> {
    use std::hash::BuildHasher;
    static SEED: LazyLock<std::collections::hash_map::RandomState> = LazyLock::new(Default::default);
    let i = usize::try_from(SEED.hash_one((org_id, key)) % 64).unwrap_or(0);
    &REBUILD[i]
}

fn index_key(org_id: &str, key: &str) -> crate::cache::Key {
    crate::cache::Key::new(crate::cache::Kind::RegisterIndex, org_id, key, "")
}

async fn index(db: &Db, org_id: &str, key: &str) -> Result<Arc<Index>, AppError> {
    let version = {
        let mut c = db.conn().await?;
        rows::register_version(&mut c.ex(), org_id, key).await?
    };
    let cache_key = index_key(org_id, key);
    if let Some(ix) = crate::cache::get_if::<Index>(&cache_key, |ix| ix.version == version) {
        return Ok(ix);
    }
    // A miss: this request rebuilds the index, or waits for a concurrent rebuild.
    let _guard = rebuild_lock(org_id, key).lock().await;
    if let Some(ix) = crate::cache::peek::<Index>(&cache_key).filter(|ix| ix.version == version) {
        return Ok(ix);
    }
    let mut c = db.conn().await?;
    let def_row =
        rows::register_defs(&mut c.ex(), org_id).await?.into_iter().find(|d| d.key == key).ok_or(AppError::NotFound)?;
    let def: RegisterDef = serde_json::from_str(&def_row.def_json).map_err(internal)?;
    let all = rows::register_rows_all(&mut c.ex(), org_id, key, true).await?;
    drop(c);
    // A write committed between reading the version and the rows leaves an index newer than
    // its version: the next request sees a new version and rebuilds. Never stale for long.
    // Built with every sort order off the async workers: a sort of 10,000 rows takes
    // milliseconds, and computing orders lazily inside requests stalled a worker (and every
    // request queued on it) for each first use of a field: that was the list's tail latency.
    let ix = tokio::task::spawn_blocking(move || {
        let ix = Index::build(version, def, all);
        for (slot, field) in ix.orders.iter().zip(&ix.def.fields) {
            slot.get_or_init(|| ix.sort(field));
        }
        ix
    })
    .await
    .map_err(internal)?;
    let ix = Arc::new(ix);
    let bytes = ix.bytes;
    crate::cache::insert(cache_key, ix.clone(), bytes);
    Ok(ix)
}

/// Estimated memory of the list index of a register as last built, in bytes (`None` when it
/// is not in the cache): what a benchmark reports per 10,000 rows.
pub fn index_bytes(org_id: &str, key: &str) -> Option<usize> {
    crate::cache::peek::<Index>(&index_key(org_id, key)).map(|ix| ix.bytes)
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
/// see (the 極秘 rows a reader may not see are skipped in the walk, so totals and pages count
/// only visible rows).
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
        .position(|f| f.key == field)
        .or_else(|| def.default_sort.as_ref().and_then(|k| def.fields.iter().position(|f| &f.key == k)));
    let per_page = usize::try_from(pq.per_page.unwrap_or(50).clamp(1, 500)).unwrap_or(50);
    let page = pq.page.unwrap_or(1).max(1);
    let needle = pq.q.trim().to_lowercase();
    // Nothing of a list answer is cached but the index and its sort orders: the filter is one
    // SIMD substring search over all rows' text and the page one walk of the order.
    let order = field.and_then(|f| ix.order(f, desc));
    let bits = ix.matching(&needle);
    let start = usize::try_from(page - 1).unwrap_or(usize::MAX).saturating_mul(per_page);
    let mut total = 0usize;
    let mut rows = Vec::with_capacity(per_page);
    let want = if pq.deleted { DELETED } else { 0 };
    let mut visit = |i: usize| {
        let Some(&f) = ix.flags.get(i) else { return };
        if f & DELETED != want || bits.as_ref().is_some_and(|b| b.get(i / 64).is_none_or(|w| w >> (i % 64) & 1 == 0)) {
            return;
        }
        if f & SECRET != 0 && !ix.rows.get(i).is_some_and(|r| access::row_visible(actor, &r.label, &r.restricted_to)) {
            return;
        }
        if total >= start
            && rows.len() < per_page
            && let Some(r) = ix.rows.get(i)
        {
            rows.push(r.clone());
        }
        total += 1;
    };
    match order {
        Some(o) => o.iter().for_each(|&i| visit(usize::try_from(i).unwrap_or(usize::MAX))),
        None => (0..ix.rows.len()).for_each(&mut visit),
    }
    Ok(Page {
        rows,
        total: i64::try_from(total).unwrap_or(i64::MAX),
        page,
        per_page: i64::try_from(per_page).unwrap_or(50),
    })
}
