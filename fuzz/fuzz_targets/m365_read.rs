//! Any bytes through the Microsoft 365 importer (decoding, recognition, every format's reader):
//! no panic, and every row is either a record or a rejection.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = mamori_m365::decode(data) {
        let _ = mamori_m365::read(input, |_| {}, |_| {});
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = mamori_m365::parse_audit_data(s);
    }
});
