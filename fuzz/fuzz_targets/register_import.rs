//! Any bytes through the register importer's reader (an xlsx — zip expansion checked first,
//! then read cell by cell — or CSV in UTF-8 / Shift_JIS), with its caps on rows, columns,
//! cells and cell length in place: no panic, and memory bounded by the caps (run with
//! `-rss_limit_mb`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mamori_app::registers::read_grid("fuzz.xlsx", data);
    let _ = mamori_app::registers::read_grid("fuzz.csv", data);
});
