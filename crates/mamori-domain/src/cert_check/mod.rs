//! The certificate check (8.24): a row of 証明書・ドメイン管理台帳 may name a host
//! (`check_host`, 自動確認するホスト, `host[:port]`, port 443 by default) whose TLS certificate
//! mamori reads itself. This module holds the pure part: [`parse_target`] (what a host field
//! may hold: a DNS name, an IPv4 address or a bracketed IPv6 address, with an optional port;
//! never a URL, a path, spaces or an out-of-range port), [`der`] (the certificate read with a
//! small DER reader) and [`assess`] (what was found compared with the row: the expiry
//! registered, the lead time, the host name). The registered expiry is never changed by the
//! check: a difference is a [`Finding`].

pub mod der;

use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use der::{CertInfo, DerError, parse_certificate};

/// The register field naming the host to check.
pub const HOST_FIELD: &str = "check_host";
/// The register whose rows are checked.
pub const REGISTER: &str = "certificates";
/// The port when none is given.
pub const DEFAULT_PORT: u16 = 443;
/// The longest host field accepted (a DNS name is at most 253 characters).
pub const MAX_INPUT_CHARS: usize = 260;
/// Days either way a found expiry may differ from the registered date and still match (the
/// certificate's instant is UTC; people write the day they read, in Japan or not).
pub const EXPIRY_TOLERANCE_DAYS: i64 = 1;

/// A host to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A DNS name, lower case, without a trailing dot.
    Name(String),
    /// An IP address.
    Ip(IpAddr),
}

/// A host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The host.
    pub host: Host,
    /// The port.
    pub port: u16,
}

impl Target {
    /// The host as written in a connection (`[::1]` for IPv6).
    pub fn host_text(&self) -> String {
        match &self.host {
            Host::Name(n) => n.clone(),
            Host::Ip(IpAddr::V6(a)) => format!("[{a}]"),
            Host::Ip(a) => a.to_string(),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host_text(), self.port)
    }
}

/// Why a host field cannot be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// Nothing written.
    #[error("empty host")]
    Empty,
    /// Over [`MAX_INPUT_CHARS`], or a DNS name over 253 characters or a label over 63.
    #[error("host too long")]
    TooLong,
    /// A URL, a path, a query or credentials (`https://…`, `a/b`, `user@host`).
    #[error("a URL or path, not a host")]
    Url,
    /// Spaces inside.
    #[error("spaces in the host")]
    Space,
    /// A port that is not 1–65535.
    #[error("port out of range")]
    Port,
    /// Not a DNS name or IP address (other characters, empty labels, non-ASCII).
    #[error("not a host name")]
    Name,
}

impl HostError {
    /// A stable key (the i18n message is `cert-host-<key>`).
    pub fn key(self) -> &'static str {
        match self {
            HostError::Empty => "empty",
            HostError::TooLong => "too-long",
            HostError::Url => "url",
            HostError::Space => "space",
            HostError::Port => "port",
            HostError::Name => "name",
        }
    }
}

/// Parses a host field: `host`, `host:port`, `[v6]`, `[v6]:port` (surrounding spaces ignored).
pub fn parse_target(raw: &str) -> Result<Target, HostError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(HostError::Empty);
    }
    if s.chars().count() > MAX_INPUT_CHARS {
        return Err(HostError::TooLong);
    }
    if s.chars().any(char::is_whitespace) {
        return Err(HostError::Space);
    }
    if s.contains("://") || s.contains(['/', '?', '#', '@', '\\']) {
        return Err(HostError::Url);
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (inner, after) = rest.split_once(']').ok_or(HostError::Name)?;
        let a: Ipv6Addr = inner.parse().map_err(|_| HostError::Name)?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(HostError::Name)?),
        };
        (Host::Ip(IpAddr::V6(a)), port)
    } else if let Ok(a) = s.parse::<Ipv6Addr>() {
        (Host::Ip(IpAddr::V6(a)), None)
    } else {
        let (h, p) = match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        };
        (host(h)?, p)
    };
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => parse_port(p)?,
    };
    Ok(Target { host, port })
}

fn parse_port(p: &str) -> Result<u16, HostError> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HostError::Port);
    }
    match p.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(HostError::Port),
    }
}

fn host(h: &str) -> Result<Host, HostError> {
    let h = h.strip_suffix('.').unwrap_or(h);
    if h.is_empty() || !h.is_ascii() {
        return Err(HostError::Name);
    }
    if let Ok(a) = h.parse::<Ipv4Addr>() {
        return Ok(Host::Ip(IpAddr::V4(a)));
    }
    if h.len() > 253 {
        return Err(HostError::TooLong);
    }
    let h = h.to_ascii_lowercase();
    let mut numeric = true;
    for label in h.split('.') {
        if label.len() > 63 {
            return Err(HostError::TooLong);
        }
        let ok = !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !ok {
            return Err(HostError::Name);
        }
        numeric &= label.bytes().all(|b| b.is_ascii_digit());
    }
    // All digits but not an IPv4 address (`999.1.1.1`, `10.1`).
    if numeric {
        return Err(HostError::Name);
    }
    Ok(Host::Name(h))
}

/// What the check found wrong (or could not do), in the order shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Finding {
    /// The host field is not a host.
    InvalidHost,
    /// No connection (refused, no such name, no route).
    Unreachable,
    /// No answer within the time limit.
    Timeout,
    /// The TLS handshake failed.
    HandshakeFailed,
    /// A certificate was presented but could not be read.
    Unreadable,
    /// The certificate has expired.
    Expired,
    /// The certificate is not valid yet.
    NotYetValid,
    /// The certificate expires within the row's lead time.
    ExpiresSoon,
    /// The certificate's expiry is not the date registered.
    ExpiryDiffers,
    /// The certificate does not name the host.
    NameNotCovered,
}

impl Finding {
    /// Every finding.
    pub const ALL: [Finding; 10] = [
        Finding::InvalidHost,
        Finding::Unreachable,
        Finding::Timeout,
        Finding::HandshakeFailed,
        Finding::Unreadable,
        Finding::Expired,
        Finding::NotYetValid,
        Finding::ExpiresSoon,
        Finding::ExpiryDiffers,
        Finding::NameNotCovered,
    ];

    /// Stored key (the i18n label is `cert-finding-<key>`).
    pub fn key(self) -> &'static str {
        match self {
            Finding::InvalidHost => "invalid_host",
            Finding::Unreachable => "unreachable",
            Finding::Timeout => "timeout",
            Finding::HandshakeFailed => "handshake_failed",
            Finding::Unreadable => "unreadable",
            Finding::Expired => "expired",
            Finding::NotYetValid => "not_yet_valid",
            Finding::ExpiresSoon => "expires_soon",
            Finding::ExpiryDiffers => "expiry_differs",
            Finding::NameNotCovered => "name_not_covered",
        }
    }

    /// Parses a stored key.
    pub fn from_key(key: &str) -> Option<Finding> {
        Finding::ALL.into_iter().find(|f| f.key() == key)
    }

    /// Whether it means no certificate was seen (the check itself failed).
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Finding::InvalidHost
                | Finding::Unreachable
                | Finding::Timeout
                | Finding::HandshakeFailed
                | Finding::Unreadable
        )
    }
}

/// The overall outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The certificate was read and nothing is wrong.
    Ok,
    /// The certificate was read and something needs attention.
    Attention,
    /// No certificate could be read.
    Failed,
}

impl Outcome {
    /// The outcome of a set of findings.
    pub fn of(findings: &[Finding]) -> Outcome {
        if findings.iter().any(|f| f.is_failure()) {
            Outcome::Failed
        } else if findings.is_empty() {
            Outcome::Ok
        } else {
            Outcome::Attention
        }
    }

    /// Stored key (the i18n label is `cert-outcome-<key>`).
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Attention => "attention",
            Outcome::Failed => "failed",
        }
    }
}

/// What the row says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registered {
    /// 有効期限.
    pub expires_on: Option<Date>,
    /// 更新の通知（日前）.
    pub lead_days: i64,
}

/// Japan's offset (no daylight saving time).
fn japan() -> TimeZone {
    TimeZone::fixed(Offset::constant(9))
}

/// The date of an instant (epoch milliseconds) in Japan.
pub fn japan_date(ms: i64) -> Option<Date> {
    jiff::Timestamp::from_millisecond(ms).ok().map(|t| t.to_zoned_datetime(japan()).date())
}

fn utc_date(ms: i64) -> Option<Date> {
    jiff::Timestamp::from_millisecond(ms).ok().map(|t| t.to_zoned_datetime(TimeZone::UTC).date())
}

/// Compares a certificate read from `target` with the row at `now` (epoch milliseconds):
/// expired or not yet valid, expiring within the lead time, an expiry other than the
/// registered date (within [`EXPIRY_TOLERANCE_DAYS`] of its UTC or Japanese date matches), a
/// host the certificate does not name. Sorted, each at most once.
pub fn assess(target: &Target, cert: &CertInfo, registered: &Registered, now: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    let today = japan_date(now);
    if cert.not_after < now {
        out.push(Finding::Expired);
    } else if let (Some(end), Some(today)) = (japan_date(cert.not_after), today)
        && (end - today).get_days() <= i32::try_from(registered.lead_days.clamp(0, 3650)).unwrap_or(0)
    {
        out.push(Finding::ExpiresSoon);
    }
    if cert.not_before > now {
        out.push(Finding::NotYetValid);
    }
    if let Some(reg) = registered.expires_on {
        let near = |d: Option<Date>| d.is_some_and(|d| i64::from((d - reg).get_days()).abs() <= EXPIRY_TOLERANCE_DAYS);
        if !near(japan_date(cert.not_after)) && !near(utc_date(cert.not_after)) {
            out.push(Finding::ExpiryDiffers);
        }
    }
    if !names_cover(target, cert) {
        out.push(Finding::NameNotCovered);
    }
    out.sort();
    out.dedup();
    out
}

/// Whether the certificate names the host: a subjectAltName entry (a DNS name, with `*.` as
/// exactly one leftmost label; an IP address), or the subject's common name when the
/// certificate has no subjectAltName.
pub fn names_cover(target: &Target, cert: &CertInfo) -> bool {
    match &target.host {
        Host::Ip(a) => {
            cert.ip_addresses.contains(a)
                || (cert.dns_names.is_empty() && cert.ip_addresses.is_empty())
                    && cert.subject_cn.as_deref().is_some_and(|cn| cn.parse::<IpAddr>().ok() == Some(*a))
        }
        Host::Name(h) => {
            if cert.dns_names.is_empty() && cert.ip_addresses.is_empty() {
                cert.subject_cn.as_deref().is_some_and(|cn| dns_matches(cn, h))
            } else {
                cert.dns_names.iter().any(|p| dns_matches(p, h))
            }
        }
    }
}

fn dns_matches(pattern: &str, host: &str) -> bool {
    let p = pattern.trim_end_matches('.').to_ascii_lowercase();
    match p.strip_prefix("*.") {
        Some(base) => host.split_once('.').is_some_and(|(first, rest)| !first.is_empty() && rest == base),
        None => p == host,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    const LOCALHOST: &[u8] = include_bytes!("../../fixtures/cert_localhost.der");
    const CN_ONLY: &[u8] = include_bytes!("../../fixtures/cert_cn_only_2051.der");

    fn t(s: &str) -> Target {
        parse_target(s).unwrap()
    }

    fn at(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn host_fields() {
        assert_eq!(t("www.Example.JP"), Target { host: Host::Name("www.example.jp".into()), port: 443 });
        assert_eq!(t(" mail.example.jp:8443 ").port, 8443);
        assert_eq!(t("example.jp.").host, Host::Name("example.jp".into()));
        assert_eq!(t("127.0.0.1:4433").to_string(), "127.0.0.1:4433");
        assert_eq!(t("[::1]:8443").to_string(), "[::1]:8443");
        assert_eq!(t("::1").port, 443);
        assert_eq!(t("localhost").host, Host::Name("localhost".into()));
        let err = |s: &str| parse_target(s).unwrap_err();
        assert_eq!(err(""), HostError::Empty);
        assert_eq!(err("   "), HostError::Empty);
        assert_eq!(err("https://example.jp"), HostError::Url);
        assert_eq!(err("example.jp/path"), HostError::Url);
        assert_eq!(err("user@example.jp"), HostError::Url);
        assert_eq!(err("example.jp?x"), HostError::Url);
        assert_eq!(err("exa mple.jp"), HostError::Space);
        assert_eq!(err("example.jp\u{3000}x"), HostError::Space);
        assert_eq!(err("example.jp:0"), HostError::Port);
        assert_eq!(err("example.jp:65536"), HostError::Port);
        assert_eq!(err("example.jp:"), HostError::Port);
        assert_eq!(err("example.jp:-1"), HostError::Port);
        assert_eq!(err("example.jp:443:1"), HostError::Port);
        assert_eq!(err("[::1]x"), HostError::Name);
        assert_eq!(err("例え.jp"), HostError::Name);
        assert_eq!(err("a..jp"), HostError::Name);
        assert_eq!(err("-a.jp"), HostError::Name);
        assert_eq!(err("a_b.jp"), HostError::Name);
        assert_eq!(err("999.1.1.1"), HostError::Name);
        assert_eq!(err(&format!("{}.jp", "a".repeat(64))), HostError::TooLong);
        assert_eq!(err(&"a.".repeat(140)), HostError::TooLong);
        assert_eq!(err(&"a".repeat(300)), HostError::TooLong);
    }

    #[test]
    fn a_matching_certificate_is_fine() {
        let c = parse_certificate(LOCALHOST).unwrap();
        let reg = Registered { expires_on: Some(date(2036, 11, 28)), lead_days: 30 };
        let now = at("2027-01-01T00:00:00Z");
        assert_eq!(assess(&t("localhost:4433"), &c, &reg, now), []);
        assert_eq!(assess(&t("127.0.0.1"), &c, &reg, now), []);
        assert_eq!(assess(&t("www.test.example.jp"), &c, &reg, now), []);
        // The day before or after (UTC and Japan differ) still matches.
        let reg2 = Registered { expires_on: Some(date(2036, 11, 29)), ..reg };
        assert_eq!(assess(&t("localhost"), &c, &reg2, now), []);
    }

    #[test]
    fn differences_are_reported_not_fixed() {
        let c = parse_certificate(LOCALHOST).unwrap();
        let reg = Registered { expires_on: Some(date(2036, 6, 30)), lead_days: 30 };
        let now = at("2027-01-01T00:00:00Z");
        assert_eq!(assess(&t("localhost"), &c, &reg, now), [Finding::ExpiryDiffers]);
        assert_eq!(assess(&t("a.b.test.example.jp"), &c, &reg, now), [Finding::ExpiryDiffers, Finding::NameNotCovered]);
        assert_eq!(assess(&t("test.example.jp"), &c, &reg, now).last(), Some(&Finding::NameNotCovered));
        let reg = Registered { expires_on: Some(date(2036, 11, 28)), lead_days: 30 };
        assert_eq!(assess(&t("localhost"), &c, &reg, at("2036-11-10T00:00:00Z")), [Finding::ExpiresSoon]);
        assert_eq!(assess(&t("localhost"), &c, &reg, at("2036-10-10T00:00:00Z")), []);
        assert_eq!(assess(&t("localhost"), &c, &reg, at("2036-11-28T00:45:17Z")), [Finding::Expired]);
        assert_eq!(assess(&t("localhost"), &c, &reg, at("2026-11-30T00:00:00Z")), [Finding::NotYetValid]);
        let none = Registered { expires_on: None, lead_days: 0 };
        assert_eq!(assess(&t("localhost"), &c, &none, at("2036-11-28T00:00:00Z")), [Finding::ExpiresSoon]);
    }

    #[test]
    fn the_common_name_counts_only_without_san() {
        let c = parse_certificate(CN_ONLY).unwrap();
        let reg = Registered { expires_on: None, lead_days: 30 };
        let now = at("2027-01-01T00:00:00Z");
        assert_eq!(assess(&t("www.example.jp"), &c, &reg, now), []);
        assert_eq!(assess(&t("example.jp"), &c, &reg, now), [Finding::NameNotCovered]);
        let local = parse_certificate(LOCALHOST).unwrap();
        assert!(names_cover(&t("localhost"), &local));
        assert!(!names_cover(&t("127.0.0.2"), &local));
    }

    #[test]
    fn outcomes_and_keys() {
        assert_eq!(Outcome::of(&[]), Outcome::Ok);
        assert_eq!(Outcome::of(&[Finding::ExpiryDiffers]), Outcome::Attention);
        assert_eq!(Outcome::of(&[Finding::HandshakeFailed, Finding::Expired]), Outcome::Failed);
        for f in Finding::ALL {
            assert_eq!(Finding::from_key(f.key()), Some(f));
        }
    }

    proptest! {
        /// Any text gives a target or an error; a target prints back as something parsed again
        /// to itself.
        #[test]
        fn host_parsing_never_panics(s in "\\PC{0,80}") {
            if let Ok(target) = parse_target(&s) {
                prop_assert_eq!(parse_target(&target.to_string()).unwrap(), target);
            }
        }
    }
}
