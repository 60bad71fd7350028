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
        "csv-sjis" => "text/csv; charset=Shift_JIS",
        _ => "text/csv; charset=utf-8",
    };
    // A Shift_JIS CSV is still a .csv file.
    let format = if format == "csv-sjis" { "csv" } else { format };
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

/// A return address that stays on this site: a path starting with one `/`, with no
/// backslash, white space or control character anywhere (browsers drop a tab or a newline, so
/// `/%09/evil` would become `//evil`, another origin). Anything else is `/`.
pub fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control()) =>
        {
            n
        }
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_of_this_site_are_followed() {
        assert_eq!(local_path(Some("/registers/assets?q=a")), "/registers/assets?q=a");
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil",
            "/\\evil",
            "https://evil.example",
            "evil",
            "/ /x",
            "/\u{3000}/x",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
