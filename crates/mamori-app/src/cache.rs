//! The memory budget of the in-memory caches: one least-recently-used store, process-wide,
//! shared by every organisation and every kind of cached value (a register's list index with
//! its sort orders, the duty dashboard's open-occurrence snapshot, serialised answers of the web
//! layer). Each entry carries an estimate of its size in bytes; inserting beyond the budget
//! (`cache_budget_mb`, [`set_budget_bytes`]) evicts the least recently used entries first, and
//! a value larger than the whole budget is not kept at all (it is rebuilt on every use).
//!
//! Values are `Arc`s: a request still holding an evicted value keeps it alive until it is
//! done, so the process can briefly hold more than the budget by what the requests in flight
//! are using. Hits, misses and evictions are counted per kind (see [`crate::cache_stats`]).

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

/// Default budget when none is configured: 256 MiB.
pub const DEFAULT_BUDGET_MB: usize = 256;

static BUDGET: AtomicUsize = AtomicUsize::new(DEFAULT_BUDGET_MB * 1024 * 1024);

/// What an entry is for (part of its key, and its line in the statistics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A register's list index (rows, search text, sort orders).
    RegisterIndex,
    /// An organisation's open duty occurrences.
    DutySnapshot,
    /// A serialised (and compressed) answer of the web layer.
    Response,
}

/// The key of an entry: its kind, its organisation (empty for shared values), its scope
/// within the organisation (a register key, a route) and a detail (a version, a field).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Kind.
    pub kind: Kind,
    /// Organisation id.
    pub org: String,
    /// Scope (register key, route…).
    pub scope: String,
    /// Detail (version, field…).
    pub detail: String,
}

impl Key {
    /// A key.
    pub fn new(kind: Kind, org: &str, scope: &str, detail: impl Into<String>) -> Key {
        Key { kind, org: org.to_string(), scope: scope.to_string(), detail: detail.into() }
    }
}

struct Slot {
    value: Arc<dyn Any + Send + Sync>,
    bytes: usize,
    tick: u64,
}

#[derive(Default)]
struct Lru {
    map: HashMap<Key, Slot>,
    /// Entries by last use (tick → key): the first is evicted first.
    by_use: BTreeMap<u64, Key>,
    tick: u64,
    bytes: usize,
    peak: usize,
    evictions: u64,
}

impl Lru {
    fn touch(&mut self, key: &Key) {
        self.tick += 1;
        let tick = self.tick;
        if let Some(s) = self.map.get_mut(key) {
            self.by_use.remove(&s.tick);
            s.tick = tick;
            self.by_use.insert(tick, key.clone());
        }
    }

    fn remove(&mut self, key: &Key) {
        if let Some(s) = self.map.remove(key) {
            self.by_use.remove(&s.tick);
            self.bytes -= s.bytes;
        }
    }

    fn evict_to(&mut self, budget: usize) {
        while self.bytes > budget {
            let Some((_, key)) = self.by_use.pop_first() else { break };
            if let Some(s) = self.map.remove(&key) {
                self.bytes -= s.bytes;
                self.evictions += 1;
            }
        }
    }
}

static LRU: LazyLock<Mutex<Lru>> = LazyLock::new(|| Mutex::new(Lru::default()));

fn with<R>(f: impl FnOnce(&mut Lru) -> R) -> R {
    // A poisoned lock means a panic elsewhere while the map was consistent (every update
    // completes before it returns); keep serving from it.
    let mut g = LRU.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut g)
}

/// Sets the budget (bytes) and evicts down to it.
pub fn set_budget_bytes(bytes: usize) {
    BUDGET.store(bytes, Ordering::Relaxed);
    with(|l| l.evict_to(bytes));
}

/// Sets the budget in MiB (`cache_budget_mb`).
pub fn set_budget_mb(mb: usize) {
    set_budget_bytes(mb.saturating_mul(1024 * 1024));
}

/// The budget in bytes.
pub fn budget_bytes() -> usize {
    BUDGET.load(Ordering::Relaxed)
}

/// The entry under `key` if present and of type `T` (marks it used). Counts a hit or a miss.
pub fn get<T: Any + Send + Sync>(key: &Key) -> Option<Arc<T>> {
    get_if(key, |_| true)
}

/// The entry under `key` if present, of type `T` and accepted by `fresh` (marks it used).
/// Counts a hit or a miss (a stale entry is a miss).
pub fn get_if<T: Any + Send + Sync>(key: &Key, fresh: impl FnOnce(&T) -> bool) -> Option<Arc<T>> {
    let found = with(|l| {
        let v = l.map.get(key).map(|s| s.value.clone());
        if v.is_some() {
            l.touch(key);
        }
        v
    })
    .and_then(|v| v.downcast::<T>().ok())
    .filter(|v| fresh(v));
    crate::cache_stats::of(key.kind).record(found.is_some());
    found
}

/// The entry under `key` if present and of type `T`, without counting or marking it used.
pub fn peek<T: Any + Send + Sync>(key: &Key) -> Option<Arc<T>> {
    with(|l| l.map.get(key).map(|s| s.value.clone())).and_then(|v| v.downcast::<T>().ok())
}

/// Stores `value` under `key` with its estimated size, evicting the least recently used
/// entries beyond the budget. A value larger than the budget is not stored (returns false).
pub fn insert<T: Any + Send + Sync>(key: Key, value: Arc<T>, bytes: usize) -> bool {
    let budget = budget_bytes();
    with(|l| {
        l.remove(&key);
        if bytes > budget {
            return false;
        }
        l.tick += 1;
        let tick = l.tick;
        l.by_use.insert(tick, key.clone());
        l.map.insert(key, Slot { value, bytes, tick });
        l.bytes += bytes;
        l.evict_to(budget);
        l.peak = l.peak.max(l.bytes);
        true
    })
}

/// Drops every entry of `kind` (or of every kind when `None`) of `org` and `scope`: what was
/// derived from a value that has just been replaced.
pub fn remove_scope(kind: Option<Kind>, org: &str, scope: &str) {
    with(|l| {
        let keys: Vec<Key> = l
            .map
            .keys()
            .filter(|k| kind.is_none_or(|kd| k.kind == kd) && k.org == org && k.scope == scope)
            .cloned()
            .collect();
        for k in keys {
            l.remove(&k);
        }
    });
}

/// Drops every entry (tests, benchmarks).
pub fn clear() {
    with(|l| {
        l.map.clear();
        l.by_use.clear();
        l.bytes = 0;
    });
}

/// What the store holds now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    /// Entries held.
    pub entries: usize,
    /// Their estimated size (bytes).
    pub bytes: usize,
    /// The largest `bytes` since the start (or the last [`reset_peak`]).
    pub peak_bytes: usize,
    /// The budget (bytes).
    pub budget_bytes: usize,
    /// Entries evicted to stay inside the budget, since the start.
    pub evictions: u64,
}

/// The store's current usage.
pub fn usage() -> Usage {
    with(|l| Usage {
        entries: l.map.len(),
        bytes: l.bytes,
        peak_bytes: l.peak,
        budget_bytes: budget_bytes(),
        evictions: l.evictions,
    })
}

/// Sets the peak to the current size.
pub fn reset_peak() {
    with(|l| l.peak = l.bytes);
}

/// The data version of the actor's organisation: the sequence number of its last audit row.
/// Every use case that changes data appends to the audit trail in its own transaction, so a
/// cached answer keyed by this number is never served after a change of the organisation's
/// data (and is rebuilt at most once per change).
pub async fn data_version(db: &crate::Db, actor: &crate::Actor) -> Result<i64, crate::AppError> {
    let mut c = db.conn().await?;
    Ok(mamori_store::rows::audit_seq(&mut c.ex(), &actor.org_id).await?)
}

/// The caches' figures (the cache-stats API).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// The store's usage.
    pub usage: Usage,
    /// Hits and misses per cache since the start.
    pub caches: Vec<crate::cache_stats::Rate>,
}

/// The caches' figures: settings managers only (they are process-wide, not per organisation,
/// and name no data).
pub fn report(actor: &crate::Actor) -> Result<Report, crate::AppError> {
    actor.require(mamori_domain::permission::Permission::SettingsManage)?;
    Ok(Report { usage: usage(), caches: crate::cache_stats::rates() })
}

/// Estimated heap size of a JSON value (its text length is a floor; maps and strings
/// carry allocation headers and capacity).
pub fn json_bytes(v: &serde_json::Value) -> usize {
    use serde_json::Value;
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) => 32,
        Value::String(s) => 32 + s.capacity(),
        Value::Array(a) => 32 + a.iter().map(json_bytes).sum::<usize>(),
        Value::Object(m) => 32 + m.iter().map(|(k, v)| 48 + k.capacity() + json_bytes(v)).sum::<usize>(),
    }
}

#[cfg(test)]
mod tests {
    // The store is process-wide; these tests use their own kinds of keys under a unique
    // organisation and never change the budget (the eviction test is in the app's
    // integration tests, in its own process).
    use super::*;

    #[test]
    fn get_returns_what_was_inserted_with_its_type() {
        let k = Key::new(Kind::Response, "unit-test-org", "s", "1");
        assert!(insert(k.clone(), Arc::new(7u32), 10));
        assert_eq!(get::<u32>(&k).as_deref(), Some(&7));
        assert!(get::<String>(&k).is_none(), "another type is a miss");
        remove_scope(None, "unit-test-org", "s");
        assert!(get::<u32>(&k).is_none());
    }
}
