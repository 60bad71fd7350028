//! A fixed-capacity token bucket per key (used to rate-limit login attempts per client IP).
//! Time is a parameter (epoch milliseconds).

use std::collections::HashMap;

/// Token buckets keyed by string.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    capacity: f64,
    refill_per_ms: f64,
    buckets: HashMap<String, (f64, i64)>,
    max_keys: usize,
}

impl RateLimiter {
    /// `capacity` attempts at once, refilled at `per_minute` attempts a minute.
    pub fn new(capacity: u32, per_minute: u32) -> RateLimiter {
        RateLimiter {
            capacity: f64::from(capacity.max(1)),
            refill_per_ms: f64::from(per_minute) / 60_000.0,
            buckets: HashMap::new(),
            max_keys: 100_000,
        }
    }

    /// Takes one token for `key` at `now_ms`; false when the key must wait.
    pub fn allow(&mut self, key: &str, now_ms: i64) -> bool {
        if self.buckets.len() >= self.max_keys && !self.buckets.contains_key(key) {
            // Bounded memory: forget full buckets (they carry no information).
            let cap = self.capacity;
            let rate = self.refill_per_ms;
            self.buckets.retain(|_, (tokens, at)| {
                let elapsed = (now_ms - *at).max(0) as f64;
                (*tokens + elapsed * rate) < cap
            });
        }
        let (tokens, at) = self.buckets.entry(key.to_string()).or_insert((self.capacity, now_ms));
        let elapsed = (now_ms - *at).max(0) as f64;
        *tokens = (*tokens + elapsed * self.refill_per_ms).min(self.capacity);
        *at = now_ms;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill() {
        let mut rl = RateLimiter::new(3, 60);
        assert!(rl.allow("ip", 0));
        assert!(rl.allow("ip", 0));
        assert!(rl.allow("ip", 0));
        assert!(!rl.allow("ip", 10));
        assert!(rl.allow("other", 10));
        assert!(rl.allow("ip", 1_010));
        assert!(!rl.allow("ip", 1_020));
    }
}
