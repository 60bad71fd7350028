//! Microsoft 365 exports: recognise a file by its header or shape (never its name), decode it
//! (UTF-8 with or without BOM, UTF-16 as Excel re-saves it, gzip), and stream its records with
//! bounded memory through one `AuditData` parser shared by every wrapper.
//!
//! Formats (see `../shared/docs/m365-formats.md`):
//! - `purview_classic`: `CreationDate,UserIds,Operations,AuditData` (optionally a leading
//!   `RecordType`);
//! - `purview_new`: `RecordId,CreationDate,RecordType,Operation,UserId,AuditData,…`;
//! - `powershell_csv`: `Search-UnifiedAuditLog | Export-Csv` (`…,ResultIndex,ResultCount,Identity,…`);
//! - `auditdata_json`: AuditData objects as a JSON array or JSON lines;
//! - `entra_signin_csv` / `entra_signin_json`: Entra ID sign-in log downloads, mapped to
//!   `UserLoggedIn` / `UserLoginFailed` records;
//! - `admin_users_csv`: the admin center's "Export users" (both header versions).

pub mod detect;
pub mod recognise;
pub mod reconcile;
pub mod segment;

pub use recognise::recognise;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};

/// A recognised file format (the contract's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic Purview audit search CSV.
    PurviewClassic,
    /// New Purview audit search CSV.
    PurviewNew,
    /// `Search-UnifiedAuditLog | Export-Csv`.
    PowershellCsv,
    /// AuditData JSON array or JSON lines.
    AuditDataJson,
    /// Entra ID sign-in log, CSV.
    EntraSigninCsv,
    /// Entra ID sign-in log, JSON.
    EntraSigninJson,
    /// Admin center "Export users".
    AdminUsersCsv,
}

impl Format {
    /// The contract's key.
    pub fn key(self) -> &'static str {
        match self {
            Format::PurviewClassic => "purview_classic",
            Format::PurviewNew => "purview_new",
            Format::PowershellCsv => "powershell_csv",
            Format::AuditDataJson => "auditdata_json",
            Format::EntraSigninCsv => "entra_signin_csv",
            Format::EntraSigninJson => "entra_signin_json",
            Format::AdminUsersCsv => "admin_users_csv",
        }
    }
}

/// Why a file cannot be read.
#[derive(Debug)]
pub enum Error {
    /// Reading or decompressing failed.
    Io(std::io::Error),
    /// The file is none of the known formats.
    Unknown(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Io(e) => write!(f, "cannot read the file: {e}"),
            Error::Unknown(head) => write!(
                f,
                "not a Microsoft 365 export this version reads (Purview audit CSV, Search-UnifiedAuditLog CSV, AuditData JSON, Entra sign-in CSV/JSON, admin center user export); it starts with: {head}"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

/// Undoes gzip and decodes UTF-16 (by its BOM) to UTF-8; a UTF-8 BOM is dropped.
pub fn decode<'a>(r: impl Read + 'a) -> Result<Box<dyn BufRead + 'a>, Error> {
    let mut r = BufReader::with_capacity(1 << 16, r);
    let gz = r.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let inner: Box<dyn Read + 'a> = if gz { Box::new(flate2::read::MultiGzDecoder::new(r)) } else { Box::new(r) };
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new().bom_sniffing(true).strip_bom(true).build(inner);
    Ok(Box::new(BufReader::with_capacity(1 << 16, decoded)))
}

/// One audit event, normalised; `raw` is the AuditData JSON as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// `AuditData.Id` (sign-ins from Entra: `entra:` + the request id).
    pub id: String,
    /// `AuditData.CreationTime`, UTC, `YYYY-MM-DDTHH:MM:SS`.
    pub time: String,
    /// Operation, with a final period trimmed (`Add member to role`).
    pub operation: String,
    /// User, lower-cased.
    pub user: String,
    /// Client IP without port or brackets (empty when absent).
    pub ip: String,
    /// Workload.
    pub workload: String,
    /// RecordType as a number when known (0 otherwise).
    pub record_type: i64,
    /// ResultStatus as given.
    pub result: String,
    /// The original JSON.
    pub raw: String,
}

/// An account of the admin center's user export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// User principal name, lower-cased.
    pub upn: String,
    /// Display name.
    pub display_name: String,
    /// Sign-in blocked.
    pub blocked: bool,
    /// Licences as exported.
    pub licenses: String,
    /// Created.
    pub created: String,
    /// Soft-deleted at (empty when not deleted).
    pub deleted: String,
}

/// What a file yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// An audit event.
    Event(AuditRecord),
    /// An account.
    Account(Account),
}

/// A rejected row: its line (CSV, JSON lines) or position (JSON array), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// 1-based line or element number.
    pub line: u64,
    /// Reason.
    pub reason: String,
}

fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The client IP without a port, brackets or an IPv4-mapped prefix.
pub fn clean_ip(s: &str) -> String {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("").to_string();
    }
    let s = s.strip_prefix("::ffff:").unwrap_or(s);
    // One colon: IPv4 with a port. More: IPv6.
    if s.matches(':').count() == 1 { s.split(':').next().unwrap_or("").to_string() } else { s.to_string() }
}

/// `YYYY-MM-DDTHH:MM:SS` from AuditData's time (a space instead of `T`, fractions and a `Z`
/// are tolerated).
pub fn normalise_time(s: &str) -> Option<String> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || (b[10] != b'T' && b[10] != b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    if digits.iter().any(|&i| !b[i].is_ascii_digit()) {
        return None;
    }
    let mut out = String::with_capacity(19);
    out.push_str(&s[..10]);
    out.push('T');
    out.push_str(&s[11..19]);
    Some(out)
}

const RECORD_TYPES: [(&str, i64); 8] = [
    ("ExchangeAdmin", 1),
    ("ExchangeItem", 2),
    ("SharePoint", 4),
    ("SharePointFileOperation", 6),
    ("AzureActiveDirectory", 8),
    ("AzureActiveDirectoryStsLogon", 15),
    ("SharePointSharingOperation", 14),
    ("MicrosoftTeams", 25),
];

/// Parses one AuditData object (tolerant of numbers sent as strings and of enum names).
///
/// The fields the record needs are read straight into borrowed strings, skipping the rest
/// (most of an AuditData); an object this fast path cannot take (a duplicate key, not an
/// object) goes through a `serde_json::Value`, which also words the error.
pub fn parse_audit_data(json: &str) -> Result<AuditRecord, String> {
    parse_audit_data_owned(json.to_string())
}

/// [`parse_audit_data`] keeping `json` itself as the record's raw JSON (no copy).
fn parse_audit_data_owned(json: String) -> Result<AuditRecord, String> {
    let fast = match serde_json::from_str::<Fields<'_>>(&json) {
        Ok(f) => Some(record_from(|k| f.get(k))),
        Err(_) => None,
    };
    let mut r = match fast {
        Some(r) => r?,
        None => {
            let v: Value = serde_json::from_str(&json).map_err(|e| format!("AuditData is not JSON: {e}"))?;
            record_from_value(&v)?
        }
    };
    r.raw = json;
    Ok(r)
}

/// A JSON scalar as text (a string, number or boolean; anything else reads as absent).
#[derive(Debug, Default)]
struct Scalar<'a>(Option<std::borrow::Cow<'a, str>>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Scalar<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar(Some(std::borrow::Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar(Some(std::borrow::Cow::Owned(v.to_string()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar(Some(std::borrow::Cow::Owned(v))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(std::borrow::Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(std::borrow::Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                // Worded as serde_json's Value would word it.
                Ok(Scalar(serde_json::Number::from_f64(v).map(|n| std::borrow::Cow::Owned(n.to_string()))))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Scalar(Some(std::borrow::Cow::Owned(v.to_string()))))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The AuditData fields a record needs; the others are skipped.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct Fields<'a> {
    #[serde(rename = "Id", borrow)]
    id: Scalar<'a>,
    #[serde(rename = "CreationTime", borrow)]
    creation_time: Scalar<'a>,
    #[serde(rename = "Operation", borrow)]
    operation: Scalar<'a>,
    #[serde(rename = "RecordType", borrow)]
    record_type: Scalar<'a>,
    #[serde(rename = "ClientIP", borrow)]
    client_ip: Scalar<'a>,
    #[serde(rename = "ClientIPAddress", borrow)]
    client_ip_address: Scalar<'a>,
    #[serde(rename = "ActorIpAddress", borrow)]
    actor_ip_address: Scalar<'a>,
    #[serde(rename = "UserId", borrow)]
    user_id: Scalar<'a>,
    #[serde(rename = "Workload", borrow)]
    workload: Scalar<'a>,
    #[serde(rename = "ResultStatus", borrow)]
    result_status: Scalar<'a>,
}

impl Fields<'_> {
    fn get(&self, k: &str) -> String {
        let s = match k {
            "Id" => &self.id,
            "CreationTime" => &self.creation_time,
            "Operation" => &self.operation,
            "RecordType" => &self.record_type,
            "ClientIP" => &self.client_ip,
            "ClientIPAddress" => &self.client_ip_address,
            "ActorIpAddress" => &self.actor_ip_address,
            "UserId" => &self.user_id,
            "Workload" => &self.workload,
            "ResultStatus" => &self.result_status,
            _ => return String::new(),
        };
        s.0.as_deref().unwrap_or("").to_string()
    }
}

/// The record from a parsed AuditData (`raw` left empty for the caller).
fn record_from_value(v: &Value) -> Result<AuditRecord, String> {
    let o = v.as_object().ok_or("AuditData is not an object")?;
    record_from(|k| o.get(k).and_then(str_of).unwrap_or_default())
}

/// The record from AuditData's fields (`get` gives a field as text, "" when absent); `raw` is
/// left empty for the caller.
fn record_from(get: impl Fn(&str) -> String) -> Result<AuditRecord, String> {
    let id = get("Id");
    if id.trim().is_empty() {
        return Err("AuditData.Id is missing".into());
    }
    let time = normalise_time(&get("CreationTime")).ok_or("AuditData.CreationTime is missing or not a date-time")?;
    let operation = get("Operation").trim().trim_end_matches('.').to_string();
    if operation.is_empty() {
        return Err("AuditData.Operation is missing".into());
    }
    let rt = get("RecordType");
    let record_type = rt
        .trim()
        .parse::<i64>()
        .ok()
        .or_else(|| RECORD_TYPES.iter().find(|(n, _)| *n == rt).map(|(_, n)| *n))
        .unwrap_or(0);
    let ip = ["ClientIP", "ClientIPAddress", "ActorIpAddress"]
        .iter()
        .map(|k| get(k))
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    Ok(AuditRecord {
        id: id.trim().to_string(),
        time,
        operation,
        user: get("UserId").trim().to_lowercase(),
        ip: clean_ip(&ip),
        workload: get("Workload"),
        record_type,
        result: get("ResultStatus"),
        raw: String::new(),
    })
}

fn signin_from_json(v: &Value) -> Result<AuditRecord, String> {
    let get = |path: &[&str]| {
        let mut cur = v;
        for p in path {
            cur = cur.get(p).unwrap_or(&Value::Null);
        }
        str_of(cur).unwrap_or_default()
    };
    let id = get(&["id"]);
    if id.is_empty() {
        return Err("sign-in id is missing".into());
    }
    let time = normalise_time(&get(&["createdDateTime"])).ok_or("createdDateTime is missing")?;
    let code = get(&["status", "errorCode"]);
    let ok = code.is_empty() || code == "0";
    Ok(AuditRecord {
        id: format!("entra:{id}"),
        time,
        operation: if ok { "UserLoggedIn" } else { "UserLoginFailed" }.into(),
        user: get(&["userPrincipalName"]).to_lowercase(),
        ip: clean_ip(&get(&["ipAddress"])),
        workload: "AzureActiveDirectory".into(),
        record_type: 15,
        result: if ok { "Success".into() } else { format!("Failed {code}") },
        raw: v.to_string(),
    })
}

/// Streams the records of `input` (already decoded) to `each`; rejected rows go to `rejected`.
/// Returns the format, or an error when the file is none of the known ones (nothing is yielded
/// then).
pub fn read(
    mut input: impl BufRead,
    mut each: impl FnMut(Item),
    mut rejected: impl FnMut(Rejected),
) -> Result<Format, Error> {
    let mut first = String::new();
    while first.trim().is_empty() {
        first.clear();
        if input.read_line(&mut first)? == 0 {
            return Err(Error::Unknown("(an empty file)".into()));
        }
    }
    let format = match recognise(&first) {
        Some(Format::AuditDataJson) if first.trim_start().starts_with('[') && first.trim() == "[" => {
            // A pretty-printed array: decide on the first element's content later.
            Format::AuditDataJson
        }
        Some(f) => f,
        None => return Err(Error::Unknown(first.trim().chars().take(80).collect())),
    };
    let rest = std::io::Cursor::new(first.clone().into_bytes()).chain(input);
    match format {
        Format::AuditDataJson | Format::EntraSigninJson => read_json(rest, format, &mut each, &mut rejected),
        _ => read_csv(rest, format, &mut each, &mut rejected).map(|()| format),
    }
}

fn read_csv(
    input: impl Read,
    format: Format,
    each: &mut impl FnMut(Item),
    rejected: &mut impl FnMut(Rejected),
) -> Result<(), Error> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let col = |n: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(n));
    let audit = col("AuditData");
    let mut record = csv::StringRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                rejected(Rejected { line, reason: format!("not a CSV row: {e}") });
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").trim().to_string();
        let item = match format {
            Format::PurviewClassic | Format::PurviewNew | Format::PowershellCsv => {
                let raw = cell(audit);
                if raw.is_empty() {
                    Err("the AuditData column is empty".to_string())
                } else {
                    parse_audit_data_owned(raw).map(Item::Event)
                }
            }
            Format::EntraSigninCsv => {
                let id = cell(col("Request ID"));
                let status = cell(col("Status"));
                let code = cell(col("Sign-in error code"));
                match normalise_time(&cell(col("Date (UTC)"))) {
                    None => Err("Date (UTC) is missing or not a date-time".to_string()),
                    Some(_) if id.is_empty() => Err("Request ID is missing".to_string()),
                    Some(time) => {
                        let ok = status.eq_ignore_ascii_case("Success") || code == "0";
                        let raw: serde_json::Map<String, Value> = headers
                            .iter()
                            .enumerate()
                            .map(|(i, h)| (h.clone(), Value::from(record.get(i).unwrap_or(""))))
                            .collect();
                        Ok(Item::Event(AuditRecord {
                            id: format!("entra:{id}"),
                            time,
                            operation: if ok { "UserLoggedIn" } else { "UserLoginFailed" }.into(),
                            user: cell(col("Username")).to_lowercase(),
                            ip: clean_ip(&cell(col("IP address"))),
                            workload: "AzureActiveDirectory".into(),
                            record_type: 15,
                            result: if ok { "Success".into() } else { format!("{status} {code}") },
                            raw: Value::Object(raw).to_string(),
                        }))
                    }
                }
            }
            Format::AdminUsersCsv => {
                let upn = cell(col("User principal name")).to_lowercase();
                if upn.is_empty() {
                    Err("User principal name is empty".to_string())
                } else {
                    Ok(Item::Account(Account {
                        upn,
                        display_name: cell(col("Display name")),
                        blocked: cell(col("Block credential")).eq_ignore_ascii_case("true"),
                        licenses: cell(col("Licenses")),
                        created: cell(col("When created")),
                        deleted: cell(col("Soft deletion time stamp")),
                    }))
                }
            }
            Format::AuditDataJson | Format::EntraSigninJson => Err("unreachable format".to_string()),
        };
        match item {
            Ok(i) => each(i),
            Err(reason) => rejected(Rejected { line, reason }),
        }
    }
    Ok(())
}

fn read_json(
    mut input: impl BufRead,
    format: Format,
    each: &mut impl FnMut(Item),
    rejected: &mut impl FnMut(Rejected),
) -> Result<Format, Error> {
    // A pretty-printed array shows its records only after the first line: the first record
    // decides between AuditData and Entra sign-ins.
    let mut format = format;
    let mut decided = format == Format::EntraSigninJson;
    let mut handle = |v: &Value, n: u64, each: &mut dyn FnMut(Item), rejected: &mut dyn FnMut(Rejected)| {
        if !decided {
            decided = true;
            if v.get("createdDateTime").is_some() && v.get("CreationTime").is_none() {
                format = Format::EntraSigninJson;
            }
        }
        let signin = format == Format::EntraSigninJson;
        let r = if signin {
            signin_from_json(v)
        } else {
            record_from_value(v).map(|mut r| {
                r.raw = v.to_string();
                r
            })
        };
        match r {
            Ok(rec) => each(Item::Event(rec)),
            Err(reason) => rejected(Rejected { line: n, reason }),
        }
    };
    // Peek the first non-space byte: `[` is an array (streamed element by element), else lines.
    let first = loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(format);
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                let c = buf[i];
                input.consume(i);
                break c;
            }
            None => {
                let n = buf.len();
                input.consume(n);
            }
        }
    };
    if first == b'[' {
        input.consume(1);
        let mut n = 0u64;
        loop {
            // Skip whitespace and commas between elements.
            let next = loop {
                let buf = input.fill_buf()?;
                if buf.is_empty() {
                    return Ok(format);
                }
                match buf.iter().position(|b| !b.is_ascii_whitespace() && *b != b',') {
                    Some(i) => {
                        let c = buf[i];
                        input.consume(i);
                        break c;
                    }
                    None => {
                        let len = buf.len();
                        input.consume(len);
                    }
                }
            };
            if next == b']' {
                return Ok(format);
            }
            n += 1;
            let mut de = serde_json::Deserializer::from_reader(&mut input);
            match <Value as serde::Deserialize>::deserialize(&mut de) {
                Ok(v) => handle(&v, n, each, rejected),
                Err(e) => {
                    rejected(Rejected { line: n, reason: format!("not JSON: {e}") });
                    return Ok(format);
                }
            }
        }
    }
    let mut line = String::new();
    let mut n = 0u64;
    // The first byte was consumed by nothing: it is still in the buffer.
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(format);
        }
        n += 1;
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(t) {
            Ok(v) => handle(&v, n, each, rejected),
            Err(e) => rejected(Rejected { line: n, reason: format!("not JSON: {e}") }),
        }
    }
}

#[cfg(test)]
mod tests;
