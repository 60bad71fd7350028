//! Any bytes through the Microsoft 365 importer (decoding, recognition, every format's reader)
//! with small caps, so that the caps themselves are exercised (a gzip expanding past them, an
//! endless line, an oversized JSON element, too many records): no panic, and every row is
//! either a record or a rejection, or the read stops naming a cap.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let caps = mamori_m365::Caps { expanded_bytes: 1 << 20, line_bytes: 4096, record_bytes: 4096, records: 1000 };
    if let Ok(input) = mamori_m365::decode_capped(data, caps) {
        let _ = mamori_m365::read_capped(input, caps, |_| {}, |_| {});
    }
    // The default caps as the importer uses them.
    if let Ok(input) = mamori_m365::decode(data) {
        let _ = mamori_m365::read(input, |_| {}, |_| {});
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = mamori_m365::parse_audit_data(s);
    }
});
