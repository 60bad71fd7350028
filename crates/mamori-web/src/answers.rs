//! Cached serialised answers: the large, rarely changing JSON answers (`/api/v1/controls`,
//! `/api/v1/soa`, `/api/v1/catalogue`) are serialised once per data version of the
//! organisation, compressed once (gzip and brotli), and kept in the budgeted cache of
//! [`mamori_app::cache`]. Each carries an `ETag` (a hash of its body): a client that sends it
//! back in `If-None-Match` is answered `304 Not Modified` without a body. The cache-stats
//! endpoint `GET /api/v1/cache` reports the caches' hit rates and memory.

use crate::error::{WebError, WebResult};
use crate::extract::Session;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mamori_app::cache::{self, Key, Kind};
use std::future::Future;
use std::io::Write;
use std::sync::Arc;

/// Answers smaller than this are sent as they are (compression would not pay).
pub const COMPRESS_MIN_BYTES: usize = 1024;

/// One serialised answer with its compressed forms.
pub struct Answer {
    /// The data version it was built from.
    version: i64,
    etag: HeaderValue,
    content_type: &'static str,
    identity: Bytes,
    gzip: Option<Bytes>,
    br: Option<Bytes>,
}

fn gzip(body: &[u8]) -> Option<Bytes> {
    let mut e = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::new(6));
    e.write_all(body).ok()?;
    e.finish().ok().map(Bytes::from)
}

fn brotli(body: &[u8]) -> Option<Bytes> {
    let mut out = Vec::with_capacity(body.len() / 5);
    let params = brotli::enc::BrotliEncoderParams { quality: 9, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
    Some(Bytes::from(out))
}

impl Answer {
    /// Serialises `body`'s bytes: its ETag (the first 128 bits of its SHA-256) and, when large
    /// enough, its gzip and brotli forms.
    pub fn new(version: i64, content_type: &'static str, body: Vec<u8>) -> Answer {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(&body);
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        let etag = HeaderValue::from_str(&format!("\"{hex}\"")).unwrap_or(HeaderValue::from_static("\"0\""));
        let (gzip, br) = if body.len() >= COMPRESS_MIN_BYTES { (gzip(&body), brotli(&body)) } else { (None, None) };
        Answer { version, etag, content_type, identity: Bytes::from(body), gzip, br }
    }

    /// Bytes held (charged to the cache budget).
    pub fn bytes(&self) -> usize {
        256 + self.identity.len() + self.gzip.as_ref().map_or(0, Bytes::len) + self.br.as_ref().map_or(0, Bytes::len)
    }

    /// Its ETag.
    pub fn etag(&self) -> &HeaderValue {
        &self.etag
    }

    /// `304` when `If-None-Match` names this answer; otherwise the body in the best encoding
    /// the client accepts (brotli, then gzip, else none).
    pub fn respond(&self, req: &HeaderMap) -> Response {
        let mut h = HeaderMap::new();
        h.insert(header::ETAG, self.etag.clone());
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding, cookie"));
        // Private data: browsers may keep it, but must ask each time (and get a 304).
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
        if if_none_match(req, &self.etag) {
            return (StatusCode::NOT_MODIFIED, h).into_response();
        }
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        let accepted = |name: &str| accepts(req, name);
        let body = match (&self.br, &self.gzip) {
            (Some(b), _) if accepted("br") => {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
                b.clone()
            }
            (_, Some(g)) if accepted("gzip") => {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                g.clone()
            }
            _ => self.identity.clone(),
        };
        (StatusCode::OK, h, body).into_response()
    }
}

/// Whether `If-None-Match` lists `etag` (or `*`); weak validators compare equal (RFC 9110
/// weak comparison for GET).
pub fn if_none_match(req: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(want) = etag.to_str() else { return false };
    req.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| {
        let t = t.trim();
        t == "*" || t.strip_prefix("W/").unwrap_or(t) == want
    })
}

/// Whether `Accept-Encoding` accepts `coding` (listed, or `*`, with a non-zero quality).
pub fn accepts(req: &HeaderMap, coding: &str) -> bool {
    let mut star = false;
    for item in req.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')) {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let zero = parts
            .any(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
        if name == coding {
            return !zero;
        }
        if name == "*" {
            star = !zero;
        }
    }
    star
}

/// The organisation's cached answer for `route` at data version `version`, built by `build`
/// (JSON) on a miss.
pub async fn json<F, Fut>(req: &HeaderMap, org_id: &str, route: &str, version: i64, build: F) -> WebResult
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<serde_json::Value, WebError>>,
{
    let key = Key::new(Kind::Response, org_id, route, "");
    if let Some(a) = cache::get_if::<Answer>(&key, |a| a.version == version) {
        return Ok(a.respond(req));
    }
    let value = build().await?;
    let body = serde_json::to_vec(&value).map_err(|e| WebError::App(mamori_app::AppError::Internal(e.to_string())))?;
    let answer = Arc::new(
        tokio::task::spawn_blocking(move || Answer::new(version, "application/json", body))
            .await
            .map_err(|e| WebError::App(mamori_app::AppError::Internal(e.to_string())))?,
    );
    let bytes = answer.bytes();
    cache::insert(key, answer.clone(), bytes);
    Ok(answer.respond(req))
}

/// `GET /api/v1/cache`: the in-memory caches' hit rates, entries, memory and budget
/// (settings managers).
pub async fn stats(State(_state): State<AppState>, s: Session) -> WebResult {
    Ok(Json(mamori_app::cache::report(&s.actor)?).into_response())
}
