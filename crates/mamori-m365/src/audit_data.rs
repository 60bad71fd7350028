//! The one tolerant `AuditData` parser every wrapper shares (numbers sent as strings, enum
//! names, borrowed fast path), Entra sign-ins mapped to login records, and the normalisation
//! of IPs and times.

use serde_json::Value;

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
pub(crate) fn parse_audit_data_owned(json: String) -> Result<AuditRecord, String> {
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
pub(crate) fn record_from_value(v: &Value) -> Result<AuditRecord, String> {
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

pub(crate) fn signin_from_json(v: &Value) -> Result<AuditRecord, String> {
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
