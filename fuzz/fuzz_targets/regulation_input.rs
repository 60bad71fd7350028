//! Decoding uploaded bytes (UTF-8, Shift_JIS, UTF-16, .docx) and parsing the result must never
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mamori_regulation::input;

fuzz_target!(|data: &[u8]| {
    let text = match input::detect(data) {
        input::Kind::Docx => input::docx_text(data),
        _ => input::decode_text(data),
    };
    if let Ok(t) = text {
        let _ = mamori_regulation::parse::parse_default(&t);
    }
});
