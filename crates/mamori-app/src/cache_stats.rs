//! Hit and miss counters of the in-memory caches (the register list index and its sort
//! orders, the duty dashboard's open-occurrence snapshot, the web layer's serialised
//! answers), so that a benchmark or an administrator can see how much was served from a
//! cache. Process-wide, relaxed atomics: counters only, never used to decide anything.

use std::sync::atomic::{AtomicU64, Ordering};

/// One cache's counters.
pub struct Counter {
    /// Its name in reports.
    pub name: &'static str,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Counter {
    const fn new(name: &'static str) -> Counter {
        Counter { name, hits: AtomicU64::new(0), misses: AtomicU64::new(0) }
    }

    /// Counts a hit (`true`) or a miss.
    pub fn record(&self, hit: bool) {
        if hit { &self.hits } else { &self.misses }.fetch_add(1, Ordering::Relaxed);
    }

    /// (hits, misses) so far.
    pub fn get(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    fn reset(&self) {
        self.hits.store(0, Ordering::Relaxed);
        self.misses.store(0, Ordering::Relaxed);
    }
}

/// A register's in-memory index (rebuilt when the register's data version changed).
pub static REGISTER_INDEX: Counter = Counter::new("register index");
/// A register's row order by one field and direction (derived from its index).
pub static REGISTER_ORDER: Counter = Counter::new("register sort orders");
/// The duty dashboard's open-occurrence snapshot (rebuilt when `duty_version` or the day changed).
pub static DUTY_SNAPSHOT: Counter = Counter::new("duty snapshot");
/// Serialised answers of the web layer (controls, SoA, catalogue).
pub static RESPONSES: Counter = Counter::new("serialised answers");

/// Every counter.
pub fn all() -> [&'static Counter; 4] {
    [&REGISTER_INDEX, &REGISTER_ORDER, &DUTY_SNAPSHOT, &RESPONSES]
}

/// The counter of a kind of cache entry.
pub fn of(kind: crate::cache::Kind) -> &'static Counter {
    use crate::cache::Kind;
    match kind {
        Kind::RegisterIndex => &REGISTER_INDEX,
        Kind::DutySnapshot => &DUTY_SNAPSHOT,
        Kind::Response => &RESPONSES,
    }
}

/// Hits, misses and hit rate of one counter (reports, the cache API).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rate {
    /// The cache's name.
    pub name: &'static str,
    /// Hits.
    pub hits: u64,
    /// Misses.
    pub misses: u64,
    /// hits / (hits + misses), 0 when unused.
    pub hit_rate: f64,
}

/// Every counter's rate.
pub fn rates() -> Vec<Rate> {
    all()
        .iter()
        .map(|c| {
            let (hits, misses) = c.get();
            let total = hits + misses;
            Rate { name: c.name, hits, misses, hit_rate: if total == 0 { 0.0 } else { hits as f64 / total as f64 } }
        })
        .collect()
}

/// Sets every counter to zero.
pub fn reset() {
    for c in all() {
        c.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::Counter;

    #[test]
    fn counts_hits_and_misses() {
        let c = Counter::new("t");
        c.record(true);
        c.record(true);
        c.record(false);
        assert_eq!(c.get(), (2, 1));
        c.reset();
        assert_eq!(c.get(), (0, 0));
    }
}
