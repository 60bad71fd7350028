//! Any bytes through the staff directory importer's reader and sheet parser
//! (`people::import::parse_file`: the file cap, the xlsx expansion check, the register reader's
//! row, column, cell and cell-length caps, CSV decoding, then `people_sheet::parse`): no panic,
//! and memory bounded by the caps (run with `-rss_limit_mb`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mamori_app::people::import::parse_file("fuzz.xlsx", data);
});
