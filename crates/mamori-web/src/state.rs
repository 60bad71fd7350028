//! Shared state of the HTTP server.

use mamori_domain::ratelimit::RateLimiter;
use mamori_store::Db;
use std::sync::{Arc, Mutex};

/// Returns the current time in epoch milliseconds (replaceable in tests).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when serving behind TLS). Requests that arrive with
    /// `X-Forwarded-Proto: https` get `Secure` cookies regardless.
    pub secure_cookies: bool,
    /// Login attempts allowed at once per client address.
    pub login_burst: u32,
    /// Login attempts refilled per minute per client address.
    pub login_per_minute: u32,
    /// Where evidence files are stored (content-addressed).
    pub evidence_dir: std::path::PathBuf,
    /// Largest evidence file accepted.
    pub evidence_max_bytes: u64,
    /// The audit signing key file (its public key checks the checkpoints shown on the audit
    /// page); `None` when none is configured.
    pub audit_key_file: Option<std::path::PathBuf>,
    /// The server's public URL; when it is `https://…`, cookies are `Secure` and responses carry
    /// `Strict-Transport-Security`.
    pub base_url: Option<String>,
    /// Absolute lifetime of a session from login (milliseconds), besides the idle timeout.
    pub session_absolute_ms: i64,
}

impl WebConfig {
    /// Whether the configured public URL is https.
    pub fn https(&self) -> bool {
        self.base_url.as_deref().is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://"))
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            login_burst: 10,
            login_per_minute: 10,
            evidence_dir: std::env::temp_dir().join("mamori-evidence"),
            evidence_max_bytes: 20 * 1024 * 1024,
            audit_key_file: None,
            base_url: None,
            session_absolute_ms: mamori_app::session::ABSOLUTE_MS,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The clock.
    pub clock: Clock,
    /// Login rate limiter (per client address).
    pub login_limiter: Arc<Mutex<RateLimiter>>,
    /// Settings.
    pub config: WebConfig,
    /// The evidence store.
    pub evidence: mamori_app::evidence::EvidenceStore,
}

impl AppState {
    /// State with the system clock.
    pub fn new(db: Db, config: WebConfig) -> AppState {
        AppState::with_clock(db, config, Arc::new(mamori_app::now_ms))
    }

    /// State with a given clock.
    pub fn with_clock(db: Db, config: WebConfig, clock: Clock) -> AppState {
        let limiter = RateLimiter::new(config.login_burst, config.login_per_minute);
        let evidence = mamori_app::evidence::EvidenceStore {
            dir: config.evidence_dir.clone(),
            max_bytes: config.evidence_max_bytes,
        };
        AppState { db, clock, login_limiter: Arc::new(Mutex::new(limiter)), config, evidence }
    }

    /// Now, in epoch milliseconds.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Today in Asia/Tokyo (due dates, fiscal years and 改訂日 are Japanese dates).
    pub fn today(&self) -> jiff::civil::Date {
        mamori_app::tokyo_date(self.now())
    }

    /// Takes one login attempt for `key`; false when rate-limited.
    pub fn allow_login(&self, key: &str) -> bool {
        let now = self.now();
        match self.login_limiter.lock() {
            Ok(mut l) => l.allow(key, now),
            // A poisoned lock means a panic elsewhere; fail closed.
            Err(_) => false,
        }
    }
}
