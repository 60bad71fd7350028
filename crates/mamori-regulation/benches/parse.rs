//! `cargo bench -p mamori-regulation --bench parse`
//!
//! Parses the seed regulation many times and reports the median and 95th percentile, side by
//! side with a baseline measured in the same run: NFKC-normalising every line of the same
//! text (the least work any parser of this document must do). Target: a parse under 50 ms.
//! Exits non-zero when the target is missed.

use std::hint::black_box;
use std::time::{Duration, Instant};

const SEED: &str = include_str!("../../../examples/seed-regulation.txt");
const FULL_RUNS: usize = 200;

/// `MAMORI_BENCH_SMOKE=1` (set by `scripts/test`): a few runs, target not enforced.
fn smoke() -> bool {
    std::env::var_os("MAMORI_BENCH_SMOKE").is_some()
}
const TARGET: Duration = Duration::from_millis(50);

fn measure(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..runs.min(10) {
        f();
    }
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[runs / 2], times[runs * 95 / 100])
}

fn main() {
    let runs = if smoke() { 3 } else { FULL_RUNS };
    let (base_med, base_p95) = measure(runs, || {
        let n: usize = SEED.lines().map(|l| black_box(mamori_regulation::nfkc(l)).len()).sum();
        black_box(n);
    });
    let (med, p95) = measure(runs, || {
        let r = mamori_regulation::parse::parse_default(black_box(SEED));
        black_box(r.map(|r| r.controls.len()).unwrap_or(0));
    });
    let ratio = med.as_secs_f64() / base_med.as_secs_f64().max(1e-9);
    println!("seed regulation: {} bytes, {} lines, {runs} runs", SEED.len(), SEED.lines().count());
    println!("baseline (NFKC of every line): median {base_med:?}, p95 {base_p95:?}");
    println!("parse (93 controls):            median {med:?}, p95 {p95:?}  = {ratio:.1} x baseline");
    println!("target: parse under {TARGET:?}: {}", if p95 < TARGET { "met" } else { "MISSED" });
    if p95 >= TARGET && !smoke() {
        std::process::exit(1);
    }
}
