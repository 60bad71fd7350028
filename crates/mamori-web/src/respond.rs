//! Response helpers shared by the capabilities: cookies, percent-encoding, file downloads.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Appends a `Set-Cookie` header.
pub fn with_cookie(mut r: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// Percent-encodes a path or query component.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `?format=` of the exports.
#[derive(Deserialize)]
pub struct Format {
    pub format: String,
}

impl Format {
    /// The format asked for.
    pub fn format(&self) -> &str {
        &self.format
    }
}

/// Sends an export with a file name (RFC 5987 for the Japanese name).
pub fn download(bytes: Vec<u8>, format: &str, name: &str) -> Response {
    let ctype = match format {
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf" => "application/pdf",
        _ => "text/csv; charset=utf-8",
    };
    let file = format!("{name}.{format}");
    let encoded = urlencode(&file);
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) =
        HeaderValue::from_str(&format!("attachment; filename=\"export.{format}\"; filename*=UTF-8''{encoded}"))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
