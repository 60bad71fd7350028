//! Hit and miss counters of the in-memory caches (the register list index and its result
//! cache, the duty dashboard's open-occurrence snapshot), so that a benchmark can report how
//! much of what it measured was served from a cache. Process-wide, relaxed atomics: counters
//! only, never used to decide anything.

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
/// The positions of a recent (query, deleted, sort) of a register list.
pub static REGISTER_RESULTS: Counter = Counter::new("register list results");
/// The duty dashboard's open-occurrence snapshot (rebuilt when `duty_version` or the day changed).
pub static DUTY_SNAPSHOT: Counter = Counter::new("duty snapshot");

/// Every counter.
pub fn all() -> [&'static Counter; 3] {
    [&REGISTER_INDEX, &REGISTER_RESULTS, &DUTY_SNAPSHOT]
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
