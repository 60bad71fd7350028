//! Configuration: defaults, then a TOML file, then `MAMORI_*` environment variables, then
//! command-line flags. Unknown keys in the file and unknown `MAMORI_*` variables are errors.
//! Secrets (the database password) are never printed: see [`redact_url`].

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file's shape.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// `postgres://…` or `sqlite:PATH`.
    pub database_url: Option<String>,
    /// Data directory for the embedded SQLite database.
    pub data_dir: Option<PathBuf>,
    /// Address to bind.
    pub bind: Option<String>,
    /// Port.
    pub port: Option<u16>,
    /// Mark cookies Secure (behind TLS).
    pub secure_cookies: Option<bool>,
    /// `text` or `json`.
    pub log_format: Option<String>,
    /// Login attempts per client at once.
    pub login_burst: Option<u32>,
    /// Login attempts refilled per minute.
    pub login_per_minute: Option<u32>,
    /// The server's public URL (links in reminder mails).
    pub base_url: Option<String>,
    /// Absolute session lifetime in hours (default 12), besides the 8-hour idle timeout.
    pub session_absolute_hours: Option<u32>,
    /// Reminder mail over SMTP (off when absent).
    pub smtp: Option<SmtpFile>,
    /// The audit signing key file (default `<data dir>/audit-signing.key`).
    pub audit_key_file: Option<PathBuf>,
    /// Minutes between audit checkpoints while serving (default 10).
    pub audit_checkpoint_minutes: Option<u64>,
    /// Memory budget of the in-memory caches in MiB (default 256; 0 turns them off).
    pub cache_budget_mb: Option<u64>,
}

/// The `[smtp]` section.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpFile {
    /// Server host.
    pub host: Option<String>,
    /// Port (587 for STARTTLS, 465 for TLS, 25 for none).
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `none`.
    pub security: Option<String>,
    /// User name.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Sender.
    pub from: Option<String>,
    /// Days before the due date for the first reminder (default 7).
    pub days_before: Option<i64>,
    /// Seconds between worker rounds (default 300).
    pub interval_seconds: Option<u64>,
}

/// The effective settings.
#[derive(Clone)]
pub struct Settings {
    /// Database URL, if PostgreSQL (or an explicit SQLite URL) is used.
    pub database_url: Option<String>,
    /// Data directory (SQLite) when no URL is given.
    pub data_dir: Option<PathBuf>,
    /// Bind address.
    pub bind: String,
    /// Port.
    pub port: u16,
    /// Secure cookies.
    pub secure_cookies: bool,
    /// JSON logs.
    pub log_json: bool,
    /// Login burst.
    pub login_burst: u32,
    /// Login refill per minute.
    pub login_per_minute: u32,
    /// Reminder mail, when an SMTP host is configured.
    pub smtp: Option<mamori_app::reminders::SmtpConfig>,
    /// Seconds between reminder rounds.
    pub reminder_interval_secs: u64,
    /// The audit signing key file, when configured.
    pub audit_key_file: Option<PathBuf>,
    /// Minutes between audit checkpoints while serving.
    pub audit_checkpoint_minutes: u64,
    /// The server's public URL (https: Secure cookies and HSTS).
    pub base_url: Option<String>,
    /// Absolute session lifetime in hours.
    pub session_absolute_hours: u32,
    /// Memory budget of the in-memory caches (MiB).
    pub cache_budget_mb: u64,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &self.database_url.as_deref().map(redact_url))
            .field("data_dir", &self.data_dir)
            .field("bind", &self.bind)
            .field("port", &self.port)
            .field("secure_cookies", &self.secure_cookies)
            .field("log_json", &self.log_json)
            .field("smtp_host", &self.smtp.as_ref().map(|s| (&s.host, s.port)))
            .field("audit_key_file", &self.audit_key_file)
            .field("cache_budget_mb", &self.cache_budget_mb)
            .finish()
    }
}

/// Replaces the password in `scheme://user:password@host/…` with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some(p) => p,
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

const ENV_KEYS: &[&str] = &[
    "MAMORI_CONFIG",
    "MAMORI_DATABASE_URL",
    "MAMORI_DATA_DIR",
    "MAMORI_BIND",
    "MAMORI_PORT",
    "MAMORI_SECURE_COOKIES",
    "MAMORI_LOG_FORMAT",
    "MAMORI_LOG",
    "MAMORI_LOGIN_BURST",
    "MAMORI_LOGIN_PER_MINUTE",
    "MAMORI_BASE_URL",
    "MAMORI_SMTP_HOST",
    "MAMORI_SMTP_PORT",
    "MAMORI_SMTP_SECURITY",
    "MAMORI_SMTP_USERNAME",
    "MAMORI_SMTP_PASSWORD",
    "MAMORI_SMTP_FROM",
    "MAMORI_REMINDER_DAYS_BEFORE",
    "MAMORI_REMINDER_INTERVAL_SECONDS",
    "MAMORI_AUDIT_KEY_FILE",
    "MAMORI_AUDIT_CHECKPOINT_MINUTES",
    "MAMORI_SESSION_ABSOLUTE_HOURS",
    "MAMORI_CACHE_BUDGET_MB",
];

fn parse_bool(name: &str, v: &str) -> Result<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => bail!("{name}: expected true or false, got {v:?}"),
    }
}

/// Loads the settings. `env` is the process environment (a parameter, for tests).
pub fn load(config_file: Option<&Path>, env: &[(String, String)]) -> Result<Settings> {
    for (k, _) in env {
        if k.starts_with("MAMORI_") && !k.starts_with("MAMORI_TEST_") && !ENV_KEYS.contains(&k.as_str()) {
            bail!("unknown environment variable {k} (known: {})", ENV_KEYS.join(", "));
        }
    }
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let file_path = config_file.map(Path::to_path_buf).or_else(|| get("MAMORI_CONFIG").map(PathBuf::from));
    let file: FileConfig = match &file_path {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("cannot read config file {}", p.display()))?;
            toml::from_str(&text).with_context(|| format!("invalid config file {}", p.display()))?
        }
        None => FileConfig::default(),
    };
    let port = match get("MAMORI_PORT") {
        Some(v) => v.parse().with_context(|| format!("MAMORI_PORT: not a port number: {v:?}"))?,
        None => file.port.unwrap_or(8080),
    };
    let secure_cookies = match get("MAMORI_SECURE_COOKIES") {
        Some(v) => parse_bool("MAMORI_SECURE_COOKIES", &v)?,
        None => file.secure_cookies.unwrap_or(false),
    };
    let log_format = get("MAMORI_LOG_FORMAT").or(file.log_format).unwrap_or_else(|| "text".into());
    if log_format != "text" && log_format != "json" {
        bail!("log_format: expected \"text\" or \"json\", got {log_format:?}");
    }
    let num = |k: &str, file_v: Option<u32>, default: u32| -> Result<u32> {
        match get(k) {
            Some(v) => v.parse().with_context(|| format!("{k}: not a number: {v:?}")),
            None => Ok(file_v.unwrap_or(default)),
        }
    };
    let smtp_file = file.smtp.unwrap_or_default();
    let smtp = match get("MAMORI_SMTP_HOST").or(smtp_file.host) {
        None => None,
        Some(host) => {
            let security_key = get("MAMORI_SMTP_SECURITY").or(smtp_file.security).unwrap_or_else(|| "starttls".into());
            let security = mamori_app::reminders::Security::from_key(&security_key)
                .with_context(|| format!("smtp.security: expected starttls, tls or none, got {security_key:?}"))?;
            let default_port = match security {
                mamori_app::reminders::Security::None => 25,
                mamori_app::reminders::Security::StartTls => 587,
                mamori_app::reminders::Security::Tls => 465,
            };
            let port = match get("MAMORI_SMTP_PORT") {
                Some(v) => v.parse().with_context(|| format!("MAMORI_SMTP_PORT: not a port number: {v:?}"))?,
                None => smtp_file.port.unwrap_or(default_port),
            };
            let days_before = match get("MAMORI_REMINDER_DAYS_BEFORE") {
                Some(v) => v.parse().with_context(|| format!("MAMORI_REMINDER_DAYS_BEFORE: not a number: {v:?}"))?,
                None => smtp_file.days_before.unwrap_or(7),
            };
            let from = get("MAMORI_SMTP_FROM")
                .or(smtp_file.from)
                .context("smtp.from (MAMORI_SMTP_FROM) is required when an SMTP host is set")?;
            Some(mamori_app::reminders::SmtpConfig {
                host,
                port,
                security,
                username: get("MAMORI_SMTP_USERNAME").or(smtp_file.username),
                password: get("MAMORI_SMTP_PASSWORD").or(smtp_file.password),
                from,
                base_url: get("MAMORI_BASE_URL").or(file.base_url.clone()),
                days_before,
            })
        }
    };
    let reminder_interval_secs = match get("MAMORI_REMINDER_INTERVAL_SECONDS") {
        Some(v) => v.parse().with_context(|| format!("MAMORI_REMINDER_INTERVAL_SECONDS: not a number: {v:?}"))?,
        None => smtp_file.interval_seconds.unwrap_or(300),
    };
    let audit_checkpoint_minutes = match get("MAMORI_AUDIT_CHECKPOINT_MINUTES") {
        Some(v) => v.parse().with_context(|| format!("MAMORI_AUDIT_CHECKPOINT_MINUTES: not a number: {v:?}"))?,
        None => file.audit_checkpoint_minutes.unwrap_or(10),
    };
    if audit_checkpoint_minutes == 0 {
        bail!("audit_checkpoint_minutes: must be at least 1");
    }
    let session_absolute_hours = num("MAMORI_SESSION_ABSOLUTE_HOURS", file.session_absolute_hours, 12)?;
    if session_absolute_hours == 0 {
        bail!("session_absolute_hours: must be at least 1");
    }
    let cache_budget_mb = match get("MAMORI_CACHE_BUDGET_MB") {
        Some(v) => v.parse().with_context(|| format!("MAMORI_CACHE_BUDGET_MB: not a number: {v:?}"))?,
        None => file.cache_budget_mb.unwrap_or(mamori_app::cache::DEFAULT_BUDGET_MB as u64),
    };
    Ok(Settings {
        cache_budget_mb,
        base_url: get("MAMORI_BASE_URL").or(file.base_url.clone()),
        session_absolute_hours,
        smtp,
        reminder_interval_secs,
        audit_key_file: get("MAMORI_AUDIT_KEY_FILE").map(PathBuf::from).or(file.audit_key_file),
        audit_checkpoint_minutes,
        database_url: get("MAMORI_DATABASE_URL").or(file.database_url),
        data_dir: get("MAMORI_DATA_DIR").map(PathBuf::from).or(file.data_dir),
        bind: get("MAMORI_BIND").or(file.bind).unwrap_or_else(|| "127.0.0.1".into()),
        port,
        secure_cookies,
        log_json: log_format == "json",
        login_burst: num("MAMORI_LOGIN_BURST", file.login_burst, 10)?,
        login_per_minute: num("MAMORI_LOGIN_PER_MINUTE", file.login_per_minute, 10)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn unknown_env_is_an_error_but_test_variables_are_not() {
        assert!(load(None, &env(&[("MAMORI_PROT", "1")])).is_err());
        assert!(load(None, &env(&[("MAMORI_TEST_PG_URL", "x")])).is_ok());
    }

    #[test]
    fn unknown_file_key_is_an_error_and_env_overrides_file() {
        let dir = std::env::temp_dir().join(format!("mamori-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "prot = 1\n").unwrap();
        let err = load(Some(&bad), &[]).err().unwrap();
        assert!(format!("{err:#}").contains("prot"), "{err:#}");
        let good = dir.join("good.toml");
        std::fs::write(&good, "port = 9000\nbind = \"0.0.0.0\"\n").unwrap();
        let s = load(Some(&good), &env(&[("MAMORI_PORT", "9100")])).unwrap();
        assert_eq!(s.port, 9100);
        assert_eq!(s.bind, "0.0.0.0");
    }

    #[test]
    fn session_lifetime_and_base_url() {
        let s = load(None, &[]).unwrap();
        assert_eq!((s.session_absolute_hours, s.base_url.clone()), (12, None));
        let s =
            load(None, &env(&[("MAMORI_SESSION_ABSOLUTE_HOURS", "4"), ("MAMORI_BASE_URL", "https://isms.example.jp")]))
                .unwrap();
        assert_eq!((s.session_absolute_hours, s.base_url.as_deref()), (4, Some("https://isms.example.jp")));
        let err = load(None, &env(&[("MAMORI_SESSION_ABSOLUTE_HOURS", "0")])).err().unwrap();
        assert!(format!("{err:#}").contains("session_absolute_hours"), "{err:#}");
    }

    #[test]
    fn cache_budget_from_default_file_and_env() {
        assert_eq!(load(None, &[]).unwrap().cache_budget_mb, 256);
        let dir = std::env::temp_dir().join(format!("mamori-cfg-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("cache.toml");
        std::fs::write(&f, "cache_budget_mb = 64\n").unwrap();
        assert_eq!(load(Some(&f), &[]).unwrap().cache_budget_mb, 64);
        assert_eq!(load(Some(&f), &env(&[("MAMORI_CACHE_BUDGET_MB", "8")])).unwrap().cache_budget_mb, 8);
        assert!(load(None, &env(&[("MAMORI_CACHE_BUDGET_MB", "lots")])).is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
        let s = Settings {
            database_url: Some("postgres://u:secret@h/db".into()),
            data_dir: None,
            bind: "x".into(),
            port: 1,
            secure_cookies: false,
            log_json: false,
            login_burst: 1,
            login_per_minute: 1,
            smtp: Some(mamori_app::reminders::SmtpConfig {
                host: "mail.example.jp".into(),
                port: 587,
                security: mamori_app::reminders::Security::StartTls,
                username: Some("isms".into()),
                password: Some("mailsecret".into()),
                from: "isms@example.jp".into(),
                base_url: None,
                days_before: 7,
            }),
            reminder_interval_secs: 300,
            audit_key_file: None,
            audit_checkpoint_minutes: 10,
            base_url: None,
            session_absolute_hours: 12,
            cache_budget_mb: 256,
        };
        assert!(!format!("{s:?}").contains("secret"));
    }

    #[test]
    fn smtp_from_file_and_env() {
        let dir = std::env::temp_dir().join(format!("mamori-cfg-smtp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("smtp.toml");
        std::fs::write(&f, "[smtp]\nhost = \"mail.example.jp\"\nsecurity = \"tls\"\nfrom = \"isms@example.jp\"\n")
            .unwrap();
        let s = load(Some(&f), &env(&[("MAMORI_REMINDER_DAYS_BEFORE", "3")])).unwrap();
        let smtp = s.smtp.unwrap();
        assert_eq!((smtp.port, smtp.security, smtp.days_before), (465, mamori_app::reminders::Security::Tls, 3));
        assert!(load(None, &env(&[("MAMORI_SMTP_HOST", "h")])).is_err(), "a sender is required");
        assert!(
            load(
                None,
                &env(&[("MAMORI_SMTP_HOST", "h"), ("MAMORI_SMTP_FROM", "a@b"), ("MAMORI_SMTP_SECURITY", "ssl3")])
            )
            .is_err()
        );
        assert!(load(None, &[]).unwrap().smtp.is_none());
    }

    #[test]
    fn audit_key_file_from_file_and_env() {
        let dir = std::env::temp_dir().join(format!("mamori-cfg-audit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("audit.toml");
        std::fs::write(&f, "audit_key_file = \"/etc/mamori/audit.key\"\naudit_checkpoint_minutes = 5\n").unwrap();
        let s = load(Some(&f), &[]).unwrap();
        assert_eq!(s.audit_key_file.as_deref(), Some(Path::new("/etc/mamori/audit.key")));
        assert_eq!(s.audit_checkpoint_minutes, 5);
        let s = load(Some(&f), &env(&[("MAMORI_AUDIT_KEY_FILE", "/k")])).unwrap();
        assert_eq!(s.audit_key_file.as_deref(), Some(Path::new("/k")));
        assert!(load(None, &env(&[("MAMORI_AUDIT_CHECKPOINT_MINUTES", "0")])).is_err());
        assert_eq!(load(None, &[]).unwrap().audit_key_file, None);
    }
}
