//! Any bytes through the questionnaire template importer (`parse_file`: the file cap, the xlsx
//! expansion check, the reader's row, column, cell and cell-length caps, then the check-sheet
//! parser): no panic, and memory bounded by the caps (run with `-rss_limit_mb`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mamori_app::suppliers::templates::parse_file("fuzz.xlsx", data, None);
    let _ = mamori_app::suppliers::templates::parse_file("fuzz.xlsx", data, Some("題"));
});
