//! Format recognition: which Microsoft 365 export a file is, by its header or shape (never
//! its name). Attack detection is [`crate::detect`].

use crate::Format;

fn header_names(line: &str) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(line.as_bytes());
    rdr.records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|c| c.trim().trim_start_matches('\u{feff}').to_string()).collect())
        .unwrap_or_default()
}

/// Recognises a format from the file's first line (or, for JSON, its first object).
pub fn recognise(first_line: &str) -> Option<Format> {
    let t = first_line.trim_start_matches('\u{feff}').trim();
    if t.starts_with('[') || t.starts_with('{') {
        let signin =
            t.contains("\"createdDateTime\"") && (t.contains("\"userPrincipalName\"") || t.contains("\"ipAddress\""));
        if signin {
            return Some(Format::EntraSigninJson);
        }
        // An empty first line of a pretty-printed array: decide on the records themselves.
        return Some(Format::AuditDataJson);
    }
    let h = header_names(t);
    let has = |n: &str| h.iter().any(|x| x.eq_ignore_ascii_case(n));
    let at = |i: usize, n: &str| h.get(i).is_some_and(|x| x.eq_ignore_ascii_case(n));
    if at(0, "RecordId") && has("AuditData") && has("Operation") {
        Some(Format::PurviewNew)
    } else if has("AuditData") && has("Operations") && (has("ResultIndex") || has("Identity")) {
        Some(Format::PowershellCsv)
    } else if has("AuditData") && has("Operations") && has("CreationDate") {
        Some(Format::PurviewClassic)
    } else if has("Date (UTC)") && has("Request ID") {
        Some(Format::EntraSigninCsv)
    } else if has("User principal name") && has("Block credential") {
        Some(Format::AdminUsersCsv)
    } else {
        None
    }
}
