//! `cargo bench -p mamori-app --bench soa_export`
//!
//! Exports the 93-row SoA of the seed regulation as xlsx, side by side with the CSV export of
//! the same table as the baseline (same data, no zip/XML), measured in the same run.
//! Target: xlsx under 200 ms. Exits non-zero when missed.

use mamori_app::documents::{SoaView, facts, soa_table};
use mamori_app::export;
use std::hint::black_box;
use std::time::{Duration, Instant};

const SEED: &str = include_str!("../../../examples/seed-regulation.txt");
const FULL_RUNS: usize = 100;

/// `MAMORI_BENCH_SMOKE=1` (set by `scripts/test`): a few runs, target not enforced.
fn smoke() -> bool {
    std::env::var_os("MAMORI_BENCH_SMOKE").is_some()
}
const TARGET: Duration = Duration::from_millis(200);

fn measure(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..runs.min(5) {
        f();
    }
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    (t[runs / 2], t[runs * 95 / 100])
}

fn main() {
    let runs = if smoke() { 3 } else { FULL_RUNS };
    let reg = mamori_regulation::parse::parse_default(SEED).unwrap_or_else(|_| std::process::exit(2));
    let rows = mamori_domain::soa::derive(
        &facts(&reg.controls, &[], &("AB-標準-250503".to_string(), "情報セキュリティ管理策規程".to_string())),
        &[],
    );
    let view = SoaView {
        doc_number: "AB-標準-250503-SOA".into(),
        title: "適用宣言書".into(),
        edition: "初版".into(),
        status: "approved".into(),
        version_no: 1,
        approved_by: Some("keiei".into()),
        approved_date: Some("2026-11-25".into()),
        regulation_approved: true,
        authors: vec![],
        missing_reasons: vec![],
        label: "社外秘".into(),
        rows,
    };
    let table = soa_table(&view);
    let (csv_med, csv_p95) = measure(runs, || {
        black_box(export::csv(black_box(&table)));
    });
    let (x_med, x_p95) = measure(runs, || {
        black_box(export::xlsx(black_box(&table)).map(|b| b.len()).unwrap_or(0));
    });
    println!("SoA of the seed regulation: {} rows, {runs} runs", table.rows.len());
    println!("baseline (CSV of the same table): median {csv_med:?}, p95 {csv_p95:?}");
    println!(
        "xlsx export:                      median {x_med:?}, p95 {x_p95:?}  = {:.1} x baseline",
        x_med.as_secs_f64() / csv_med.as_secs_f64().max(1e-9)
    );
    println!("target: xlsx under {TARGET:?}: {}", if x_p95 < TARGET { "met" } else { "MISSED" });
    if x_p95 >= TARGET && !smoke() {
        std::process::exit(1);
    }
}
