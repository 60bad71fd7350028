//! A small DER reader and what the certificate check reads from an X.509 certificate: the
//! validity (notBefore, notAfter), the subject's and issuer's common name and organisation,
//! and the subjectAltName's DNS names and IP addresses. Nothing is verified (the check
//! observes what a server presents, it does not trust it). Every length is checked against
//! what remains, so any input gives a value or an error, never a panic.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use std::net::IpAddr;

/// The largest certificate read (a real one is a few KiB).
pub const MAX_CERT_BYTES: usize = 64 * 1024;
/// Names kept from a subjectAltName (the rest are ignored).
pub const MAX_NAMES: usize = 500;
/// Characters kept of a name's string.
pub const MAX_STRING_CHARS: usize = 256;

/// Why a certificate could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DerError {
    /// The input ends inside an element.
    #[error("truncated DER")]
    Truncated,
    /// A length form DER does not allow (indefinite, or more than four bytes).
    #[error("unsupported DER length")]
    Length,
    /// Another element was found where one was expected.
    #[error("unexpected DER tag {0:#04x}")]
    Tag(u8),
    /// Over [`MAX_CERT_BYTES`].
    #[error("certificate too large")]
    TooLarge,
    /// A time that is not a DER UTCTime or GeneralizedTime.
    #[error("bad certificate time")]
    Time,
    /// Bytes after the certificate.
    #[error("trailing bytes after the certificate")]
    Trailing,
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const BOOLEAN: u8 = 0x01;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
/// 2.5.4.3 commonName.
const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
/// 2.5.4.10 organizationName.
const OID_O: &[u8] = &[0x55, 0x04, 0x0a];
/// 2.5.29.17 subjectAltName.
const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];

/// Reads DER elements (tag, content) one after the other from a slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    /// Whether every element has been read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next element's tag, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The next element: its tag and content.
    pub fn any(&mut self) -> Result<(u8, &'a [u8]), DerError> {
        let (&tag, rest) = self.rest.split_first().ok_or(DerError::Truncated)?;
        if tag & 0x1f == 0x1f {
            // High tag numbers do not occur in what is read here.
            return Err(DerError::Tag(tag));
        }
        let (&first, mut rest) = rest.split_first().ok_or(DerError::Truncated)?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 {
                return Err(DerError::Length);
            }
            let (bytes, after) = rest.split_at_checked(n).ok_or(DerError::Truncated)?;
            rest = after;
            bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        };
        let (content, after) = rest.split_at_checked(len).ok_or(DerError::Truncated)?;
        self.rest = after;
        Ok((tag, content))
    }

    /// The next element, which must have `tag`.
    pub fn expect(&mut self, tag: u8) -> Result<&'a [u8], DerError> {
        match self.any()? {
            (t, content) if t == tag => Ok(content),
            (t, _) => Err(DerError::Tag(t)),
        }
    }

    /// The next element when it has `tag` (else nothing is read).
    pub fn optional(&mut self, tag: u8) -> Result<Option<&'a [u8]>, DerError> {
        if self.peek_tag() == Some(tag) { self.expect(tag).map(Some) } else { Ok(None) }
    }
}

/// What the check reads from a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertInfo {
    /// notBefore (epoch milliseconds).
    pub not_before: i64,
    /// notAfter (epoch milliseconds).
    pub not_after: i64,
    /// The subject's common name.
    pub subject_cn: Option<String>,
    /// The subject's organisation.
    pub subject_o: Option<String>,
    /// The issuer's common name.
    pub issuer_cn: Option<String>,
    /// The issuer's organisation.
    pub issuer_o: Option<String>,
    /// subjectAltName DNS names, as written (at most [`MAX_NAMES`]).
    pub dns_names: Vec<String>,
    /// subjectAltName IP addresses.
    pub ip_addresses: Vec<IpAddr>,
}

impl CertInfo {
    /// The issuer as people name it: its organisation and common name (either may be missing).
    pub fn issuer_label(&self) -> String {
        label(&self.issuer_o, &self.issuer_cn)
    }

    /// The subject as people name it: its common name, else its organisation.
    pub fn subject_label(&self) -> String {
        self.subject_cn.clone().or_else(|| self.subject_o.clone()).unwrap_or_default()
    }
}

fn label(o: &Option<String>, cn: &Option<String>) -> String {
    match (o, cn) {
        (Some(o), Some(cn)) if o != cn => format!("{o} / {cn}"),
        (Some(x), _) | (None, Some(x)) => x.clone(),
        (None, None) => String::new(),
    }
}

/// Reads a DER-encoded X.509 certificate.
pub fn parse_certificate(der: &[u8]) -> Result<CertInfo, DerError> {
    if der.len() > MAX_CERT_BYTES {
        return Err(DerError::TooLarge);
    }
    let mut top = Reader::new(der);
    let cert = top.expect(SEQUENCE)?;
    if !top.is_empty() {
        return Err(DerError::Trailing);
    }
    let tbs = Reader::new(cert).expect(SEQUENCE)?;
    let mut t = Reader::new(tbs);
    t.optional(0xa0)?; // version
    t.expect(INTEGER)?; // serialNumber
    t.expect(SEQUENCE)?; // signature algorithm
    let issuer = t.expect(SEQUENCE)?;
    let validity = t.expect(SEQUENCE)?;
    let subject = t.expect(SEQUENCE)?;
    t.expect(SEQUENCE)?; // subjectPublicKeyInfo
    t.optional(0x81)?; // issuerUniqueID
    t.optional(0x82)?; // subjectUniqueID
    let extensions = t.optional(0xa3)?;
    let mut info = CertInfo::default();
    let mut v = Reader::new(validity);
    info.not_before = time(v.any()?)?;
    info.not_after = time(v.any()?)?;
    (info.issuer_cn, info.issuer_o) = name(issuer)?;
    (info.subject_cn, info.subject_o) = name(subject)?;
    if let Some(ext) = extensions {
        read_extensions(ext, &mut info)?;
    }
    Ok(info)
}

/// The common name and organisation of a Name (the last of each, as the most specific).
fn name(bytes: &[u8]) -> Result<(Option<String>, Option<String>), DerError> {
    let (mut cn, mut o) = (None, None);
    let mut rdns = Reader::new(bytes);
    while !rdns.is_empty() {
        let mut set = Reader::new(rdns.expect(SET)?);
        while !set.is_empty() {
            let mut atv = Reader::new(set.expect(SEQUENCE)?);
            let oid = atv.expect(OID)?;
            let (tag, value) = atv.any()?;
            if oid == OID_CN {
                cn = Some(string(tag, value));
            } else if oid == OID_O {
                o = Some(string(tag, value));
            }
        }
    }
    Ok((cn, o))
}

fn read_extensions(bytes: &[u8], info: &mut CertInfo) -> Result<(), DerError> {
    let mut list = Reader::new(Reader::new(bytes).expect(SEQUENCE)?);
    while !list.is_empty() {
        let mut ext = Reader::new(list.expect(SEQUENCE)?);
        let oid = ext.expect(OID)?;
        ext.optional(BOOLEAN)?; // critical
        let value = ext.expect(OCTET_STRING)?;
        if oid != OID_SAN {
            continue;
        }
        let mut names = Reader::new(Reader::new(value).expect(SEQUENCE)?);
        while !names.is_empty() {
            let (tag, v) = names.any()?;
            if info.dns_names.len() + info.ip_addresses.len() >= MAX_NAMES {
                continue;
            }
            match tag {
                // dNSName [2] IMPLICIT IA5String
                0x82 => info.dns_names.push(string(0x16, v)),
                // iPAddress [7] IMPLICIT OCTET STRING
                0x87 => {
                    if let Ok(a) = <[u8; 4]>::try_from(v) {
                        info.ip_addresses.push(IpAddr::from(a));
                    } else if let Ok(a) = <[u8; 16]>::try_from(v) {
                        info.ip_addresses.push(IpAddr::from(a));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// A directory string for display: UTF-8, BMP (UTF-16BE), universal (UTF-32BE), else one byte
/// a character; control characters become `?`; at most [`MAX_STRING_CHARS`] characters.
fn string(tag: u8, v: &[u8]) -> String {
    let s: String = match tag {
        0x0c => String::from_utf8_lossy(v).into_owned(),
        0x1e => char::decode_utf16(v.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])))
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
        0x1c => v
            .chunks_exact(4)
            .map(|c| {
                char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        _ => v.iter().map(|&b| char::from(b)).collect(),
    };
    s.chars().take(MAX_STRING_CHARS).map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// A UTCTime (`YYMMDDHHMMSSZ`, years 1950–2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`) as
/// epoch milliseconds.
fn time((tag, v): (u8, &[u8])) -> Result<i64, DerError> {
    let digits = |s: &[u8]| -> Result<i32, DerError> {
        s.iter().try_fold(0i32, |acc, &b| {
            if b.is_ascii_digit() { Ok(acc * 10 + i32::from(b - b'0')) } else { Err(DerError::Time) }
        })
    };
    let (year, rest) = match (tag, v.len()) {
        (UTC_TIME, 13) => {
            let yy = digits(&v[..2])?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &v[2..])
        }
        (GENERALIZED_TIME, 15) => (digits(&v[..4])?, &v[4..]),
        _ => return Err(DerError::Time),
    };
    if rest.get(10) != Some(&b'Z') {
        return Err(DerError::Time);
    }
    let part = |i: usize| rest.get(i..i + 2).ok_or(DerError::Time).and_then(digits);
    let narrow = |n: i32| i8::try_from(n).map_err(|_| DerError::Time);
    let year = i16::try_from(year).map_err(|_| DerError::Time)?;
    let at = DateTime::new(
        year,
        narrow(part(0)?)?,
        narrow(part(2)?)?,
        narrow(part(4)?)?,
        narrow(part(6)?)?,
        narrow(part(8)?)?,
        0,
    )
    .map_err(|_| DerError::Time)?;
    let ts = at.to_zoned_datetime(TimeZone::UTC).map_err(|_| DerError::Time)?;
    Ok(ts.timestamp().as_millisecond())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    const LOCALHOST: &[u8] = include_bytes!("../../fixtures/cert_localhost.der");
    const CN_ONLY: &[u8] = include_bytes!("../../fixtures/cert_cn_only_2051.der");

    fn ms(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn reads_the_localhost_fixture() {
        let c = parse_certificate(LOCALHOST).unwrap();
        assert_eq!(c.not_after, ms("2036-11-28T00:45:16Z"));
        assert_eq!(c.not_before, ms("2026-12-01T00:45:16Z"));
        assert_eq!(c.subject_cn.as_deref(), Some("localhost"));
        assert_eq!(c.issuer_o.as_deref(), Some("mamori test"));
        assert_eq!(c.issuer_label(), "mamori test / localhost");
        assert_eq!(c.dns_names, ["localhost", "*.test.example.jp"]);
        assert_eq!(c.ip_addresses, [IpAddr::from([127, 0, 0, 1])]);
    }

    #[test]
    fn reads_a_generalized_time_and_utf8_names_without_san() {
        let c = parse_certificate(CN_ONLY).unwrap();
        assert_eq!(c.not_after, ms("2051-07-23T00:45:19Z"));
        assert_eq!(c.subject_cn.as_deref(), Some("www.example.jp"));
        assert_eq!(c.subject_o.as_deref(), Some("テスト株式会社"));
        assert!(c.dns_names.is_empty() && c.ip_addresses.is_empty());
    }

    #[test]
    fn refuses_broken_input() {
        assert_eq!(parse_certificate(&[]), Err(DerError::Truncated));
        assert_eq!(parse_certificate(&LOCALHOST[..LOCALHOST.len() - 1]), Err(DerError::Truncated));
        let mut long = LOCALHOST.to_vec();
        long.push(0);
        assert_eq!(parse_certificate(&long), Err(DerError::Trailing));
        assert_eq!(parse_certificate(&[0x30, 0x80, 0, 0]), Err(DerError::Length));
        assert_eq!(parse_certificate(&[0x30, 0x85, 1, 1, 1, 1, 1]), Err(DerError::Length));
        assert_eq!(parse_certificate(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), Err(DerError::Truncated));
        assert_eq!(parse_certificate(&vec![0u8; MAX_CERT_BYTES + 1]), Err(DerError::TooLarge));
        assert!(time((UTC_TIME, b"261301004516Z")).is_err());
        assert!(time((UTC_TIME, b"2612010045161")).is_err());
        assert!(time((GENERALIZED_TIME, b"20261201004516+")).is_err());
        assert_eq!(time((UTC_TIME, b"500101000000Z")).unwrap(), ms("1950-01-01T00:00:00Z"));
    }

    proptest! {
        /// Arbitrary bytes give a value or an error, never a panic.
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = parse_certificate(&bytes);
        }

        /// Nor does a real certificate with some bytes changed or cut short.
        #[test]
        fn never_panics_on_a_damaged_certificate(
            edits in proptest::collection::vec((0usize..2000, any::<u8>()), 1..8),
            cut in 0usize..2000,
        ) {
            for base in [LOCALHOST, CN_ONLY] {
                let mut b = base.to_vec();
                for (i, v) in &edits {
                    let n = b.len();
                    b[i % n] = *v;
                }
                let _ = parse_certificate(&b);
                b.truncate(cut % base.len());
                let _ = parse_certificate(&b);
            }
        }
    }
}
