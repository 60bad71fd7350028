//! Streaming records out of a decoded export: the format is recognised from the first line,
//! then CSV rows or JSON (array or lines) become [`Item`]s; rejected rows keep their line and
//! reason. Memory stays bounded by one record.

use crate::audit_data::{
    AuditRecord, clean_ip, normalise_time, parse_audit_data_owned, record_from_value, signin_from_json,
};
use crate::{Caps, Error, Format, Limit, recognise};
use serde_json::Value;
use std::io::{BufRead, Read};

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

/// Streams the records of `input` (already decoded) to `each`; rejected rows go to `rejected`.
/// Returns the format, or an error when the file is none of the known ones (nothing is yielded
/// then).
pub fn read(input: impl BufRead, each: impl FnMut(Item), rejected: impl FnMut(Rejected)) -> Result<Format, Error> {
    read_capped(input, Caps::default(), each, rejected)
}

/// [`read`] holding the file to `caps`: the records (events, accounts and rejected rows
/// together) and the size of one JSON array element. The decoded size and the line length are
/// held by [`crate::decode_capped`], which produced `input`.
pub fn read_capped(
    mut input: impl BufRead,
    caps: Caps,
    mut each: impl FnMut(Item),
    mut rejected: impl FnMut(Rejected),
) -> Result<Format, Error> {
    let mut records = Counter { n: 0, cap: caps.records };
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
        Format::AuditDataJson | Format::EntraSigninJson => {
            read_json(rest, format, caps.record_bytes, &mut records, &mut each, &mut rejected)
        }
        _ => read_csv(rest, format, &mut records, &mut each, &mut rejected).map(|()| format),
    }
}

/// Counts records (kept or rejected) against [`Caps::records`].
struct Counter {
    n: u64,
    cap: u64,
}

impl Counter {
    fn next(&mut self) -> Result<(), Error> {
        self.n += 1;
        if self.n > self.cap { Err(Error::Limit(Limit::Records(self.cap))) } else { Ok(()) }
    }
}

/// A reader error of the `csv` crate: an IO error (a broken cap among them) ends the file, any
/// other is a rejected row.
fn csv_io(e: csv::Error) -> Result<csv::Error, Error> {
    if !e.is_io_error() {
        return Ok(e);
    }
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Err(Error::from(io)),
        other => Err(Error::Io(std::io::Error::other(format!("{other:?}")))),
    }
}

fn read_csv(
    input: impl Read,
    format: Format,
    records: &mut Counter,
    each: &mut impl FnMut(Item),
    rejected: &mut impl FnMut(Rejected),
) -> Result<(), Error> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| match csv_io(e) {
            Err(io) => io,
            Ok(other) => Error::Io(std::io::Error::other(other.to_string())),
        })?
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
            Ok(true) => records.next()?,
            Err(e) => {
                let e = csv_io(e)?;
                records.next()?;
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
    record_bytes: u64,
    records: &mut Counter,
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
            records.next()?;
            // One element may take at most `record_bytes` (with one byte to spare, to tell a
            // full-sized element from a cut one).
            let mut element = (&mut input).take(record_bytes.saturating_add(1));
            let parsed = {
                let mut de = serde_json::Deserializer::from_reader(&mut element);
                <Value as serde::Deserialize>::deserialize(&mut de)
            };
            let cut = element.limit() == 0;
            match parsed {
                Ok(v) => handle(&v, n, each, rejected),
                Err(_) if cut => return Err(Error::Limit(Limit::RecordBytes { limit: record_bytes, element: n })),
                Err(e) if e.is_io() => return Err(Error::from(std::io::Error::from(e))),
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
        records.next()?;
        match serde_json::from_str::<Value>(t) {
            Ok(v) => handle(&v, n, each, rejected),
            Err(e) => rejected(Rejected { line: n, reason: format!("not JSON: {e}") }),
        }
    }
}
