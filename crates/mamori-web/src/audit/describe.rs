//! The audit trail in words (issue 15): who by name, what in Japanese (`action-*`), which
//! record by its kind (`audit-object-*`) and its title, and what changed with each field by its
//! label (`fieldname-*`, a register's own field labels) and each value as people read it —
//! names for user ids and login IDs, role names for role keys, JST for instants, states and
//! kinds through the catalogue (`audit-value-*`), never a UUID. The page, the CSV export and the
//! API's `description` share it; the stored row (what the chain hashes) is not changed.

use crate::i18n::{Tr, has_key};
use crate::tokyo_time;
use mamori_app::audit::AuditRow;
use mamori_app::users::{Person, name_of};
use mamori_domain::register::{self, RegisterDef};
use serde_json::{Map, Value};

/// What describing needs besides the row: the organisation's people and register definitions.
pub struct Vocabulary {
    /// People (names for ids and login IDs).
    pub people: Vec<Person>,
    /// Register definitions (names and field labels).
    pub registers: Vec<RegisterDef>,
    /// (role key, role name).
    pub roles: Vec<(String, String)>,
    /// (request type key, name) of the shipped request types.
    pub request_types: Vec<(String, String)>,
}

impl Vocabulary {
    /// The vocabulary of the actor's organisation (its people and registers).
    pub fn new(t: &Tr, (people, registers): (Vec<Person>, Vec<RegisterDef>)) -> Vocabulary {
        let roles = mamori_domain::permission::default_role_permissions()
            .into_iter()
            .map(|r| {
                (r.key.to_string(), if t.lang == crate::i18n::Lang::En { r.name_en } else { r.name_ja }.to_string())
            })
            .collect();
        let en = t.lang == crate::i18n::Lang::En;
        let request_types = mamori_domain::workflow::catalogue()
            .map(|c| {
                c.types.into_iter().map(|x| (x.key, if en { x.name_en.unwrap_or(x.name) } else { x.name })).collect()
            })
            .unwrap_or_default();
        Vocabulary { people, registers, roles, request_types }
    }

    fn register(&self, key: &str) -> Option<&RegisterDef> {
        self.registers.iter().find(|d| d.key == key)
    }
}

/// One audit row in words.
pub struct Described {
    /// Who, by name (or the command line / the system).
    pub actor: String,
    /// What was done.
    pub action: String,
    /// Which record: its kind and title.
    pub object: String,
    /// What changed (or what was recorded), field by field.
    pub detail: String,
}

/// The keys whose value names the record (first found wins).
const TITLE_KEYS: &[&str] = &["title", "name", "number", "doc_number", "display_name", "login_id", "subject", "slug"];

/// Keys never shown in the detail: ids, hashes of the chain, versions of the optimistic check.
const HIDDEN_KEYS: &[&str] = &["id", "org_id", "version", "data_version", "prev_hash", "hash"];

/// Describes `r` in the reader's language.
pub fn describe(t: &Tr, v: &Vocabulary, r: &AuditRow) -> Described {
    let parse = |s: &Option<String>| s.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok());
    let (before, after) = (parse(&r.before_json), parse(&r.after_json));
    let register = r.object_type.strip_prefix("register:").and_then(|k| v.register(k));
    Described {
        actor: actor_name(t, v, r.actor_id.as_deref(), &r.actor_label),
        action: t.t(&format!("action-{}", r.action)),
        object: object(t, v, r, register, after.as_ref().or(before.as_ref())),
        detail: detail(t, v, register, before.as_ref(), after.as_ref()),
    }
}

/// Who acted: a person's name, the command line or the system.
pub fn actor_name(t: &Tr, v: &Vocabulary, id: Option<&str>, label: &str) -> String {
    match (id, label) {
        (None, "cli") => t.t("audit-actor-cli"),
        (None, "system") => t.t("audit-actor-system"),
        (Some(id), _) if v.people.iter().any(|p| p.id == id) => name_of(&v.people, id),
        _ => name_of(&v.people, label),
    }
}

/// The object's kind label (`audit-object-TYPE`; a register's rows by the register's name).
pub fn object_kind(t: &Tr, v: &Vocabulary, object_type: &str) -> String {
    if let Some(key) = object_type.strip_prefix("register:") {
        let name = v.register(key).map(|d| d.name.clone()).unwrap_or_else(|| t.t("audit-object-register-unknown"));
        return t.t1("audit-object-register", "name", &name);
    }
    let key = format!("audit-object-{object_type}");
    if has_key(t.lang, &key) { t.t(&key) } else { t.t("audit-object-other") }
}

fn object(t: &Tr, v: &Vocabulary, r: &AuditRow, def: Option<&RegisterDef>, content: Option<&Value>) -> String {
    let kind = object_kind(t, v, &r.object_type);
    let title = match (def, content.and_then(|c| c.get("values")).and_then(Value::as_object)) {
        (Some(def), Some(values)) => mamori_app::registers::title_of(def, values),
        _ => content
            .and_then(Value::as_object)
            .and_then(|o| TITLE_KEYS.iter().find_map(|k| o.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty())))
            .map(|s| value_text(t, v, "title", &Value::from(s)))
            .or_else(|| {
                // A person's record (user, session, MFA) is named by the person.
                let id = r.object_id.as_deref()?;
                v.people.iter().any(|p| p.id == id).then(|| name_of(&v.people, id))
            })
            .unwrap_or_default(),
    };
    if title.is_empty() { kind } else { format!("{kind}「{title}」") }
}

fn detail(t: &Tr, v: &Vocabulary, def: Option<&RegisterDef>, before: Option<&Value>, after: Option<&Value>) -> String {
    let pairs = |x: Option<&Value>| -> Vec<(String, String)> {
        match x {
            Some(Value::Object(o)) => fields(t, v, def, o),
            Some(other) => vec![(String::new(), value_text(t, v, "", other))],
            None => Vec::new(),
        }
    };
    let (b, a) = (pairs(before), pairs(after));
    let line = |label: &str, value: String| if label.is_empty() { value } else { format!("{label}: {value}") };
    let shown: Vec<String> = if before.is_some() && after.is_some() {
        // A change: the fields whose value differs, before → after.
        let mut out = Vec::new();
        for (label, new) in &a {
            let old = b.iter().find(|(l, _)| l == label).map(|(_, x)| x.as_str()).unwrap_or("");
            if old != new {
                out.push(line(label, format!("{} → {}", or_blank(t, old), or_blank(t, new))));
            }
        }
        for (label, old) in b.iter().filter(|(l, _)| !a.iter().any(|(k, _)| k == l)) {
            out.push(line(label, format!("{} → {}", or_blank(t, old), t.t("audit-value-blank"))));
        }
        out
    } else {
        a.into_iter().chain(b).filter(|(_, x)| !x.is_empty()).map(|(l, x)| line(&l, x)).collect()
    };
    shown.join(" / ")
}

fn or_blank(t: &Tr, s: &str) -> String {
    if s.is_empty() { t.t("audit-value-blank") } else { s.to_string() }
}

/// An object's fields as (label, value) in order; a register row's `values` as the register's
/// own fields.
fn fields(t: &Tr, v: &Vocabulary, def: Option<&RegisterDef>, o: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, x) in o {
        if HIDDEN_KEYS.contains(&k.as_str()) || x.is_null() {
            continue;
        }
        match (k.as_str(), def, x) {
            ("values", Some(def), Value::Object(values)) => {
                for f in &def.fields {
                    if let Some(x) = values.get(&f.key).filter(|x| !x.is_null()) {
                        let text = register::format_cell(f, x);
                        out.push((f.label.clone(), value_text(t, v, &f.key, &Value::from(text))));
                    }
                }
            }
            // A row that is not deleted and unrestricted says nothing by these.
            ("deleted", _, Value::Bool(false)) => {}
            ("restricted_to", _, Value::Array(a)) if a.is_empty() => {}
            _ => out.push((key_label(t, k), value_text(t, v, k, x))),
        }
    }
    out
}

/// A JSON key's label (`fieldname-KEY`), else the catalogue's "other item".
pub fn key_label(t: &Tr, key: &str) -> String {
    crate::error::field_label(t, key).unwrap_or_else(|| t.t("audit-field-other"))
}

/// A value as people read it.
pub fn value_text(t: &Tr, v: &Vocabulary, key: &str, x: &Value) -> String {
    match x {
        Value::Null => String::new(),
        Value::Bool(b) => t.t(if *b { "audit-value-yes" } else { "audit-value-no" }),
        Value::Number(n) => match n.as_i64() {
            // Epoch milliseconds (…_at, …_ms, or a number in this century's range).
            Some(ms)
                if key.ends_with("_at")
                    || key.ends_with("_ms")
                    || (1_000_000_000_000..10_000_000_000_000).contains(&ms) =>
            {
                tokyo_time(ms)
            }
            _ => n.to_string(),
        },
        Value::String(s) => string_text(t, v, key, s),
        Value::Array(a) => {
            a.iter().map(|x| value_text(t, v, key, x)).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("、")
        }
        Value::Object(o) => {
            let inner: Vec<String> = fields(t, v, None, o)
                .into_iter()
                .filter(|(_, x)| !x.is_empty())
                .map(|(l, x)| format!("{l}: {x}"))
                .collect();
            format!("（{}）", inner.join("、"))
        }
    }
}

/// Catalogue prefixes of the words for stored keys (states, kinds, sources, frequencies).
const VALUE_PREFIXES: &[&str] =
    &["audit-value-", "nc-source-", "req-state-", "occ-", "freq-", "m365-format-", "people-kind-"];

/// A file's media type in words (an upload's `content_type`).
fn mime_text(t: &Tr, s: &str) -> String {
    let s = s.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match s.as_str() {
        "application/pdf" => "PDF".into(),
        "text/csv" => "CSV".into(),
        "application/zip" => "ZIP".into(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "Excel（xlsx）".into(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "Word（docx）".into(),
        _ if s.starts_with("text/") => t.t("audit-mime-text"),
        _ if s.starts_with("image/") => t.t("audit-mime-image"),
        _ => t.t("audit-mime-other"),
    }
}

/// Keys whose value is an identifier people type and know as it is.
const VERBATIM_KEYS: &[&str] = &["login_id", "slug", "doc_number", "number", "media_id"];

fn string_text(t: &Tr, v: &Vocabulary, key: &str, s: &str) -> String {
    if VERBATIM_KEYS.contains(&key) {
        return s.to_string();
    }
    // An upload's media type (`content_type`, or `type` of an evidence file).
    let mime = ["application/", "text/", "image/", "audio/", "video/"];
    if key == "content_type" || ((key == "type" || key == "mime") && mime.iter().any(|m| s.starts_with(m))) {
        return mime_text(t, s);
    }
    // JSON kept as text (a request's fields): its fields in words.
    if (s.starts_with('{') || s.starts_with('['))
        && let Ok(inner @ (Value::Object(_) | Value::Array(_))) = serde_json::from_str::<Value>(s)
    {
        return value_text(t, v, key, &inner);
    }
    if key.contains("register")
        && let Some(d) = v.register(s)
    {
        return d.name.clone();
    }
    if (key == "type_key" || key == "request_type" || key == "type")
        && let Some((_, name)) = v.request_types.iter().find(|(k, _)| k == s)
    {
        return name.clone();
    }
    if let Some(p) = v.people.iter().find(|p| p.id == s || p.login_id == s) {
        return p.name.clone();
    }
    if let Some((_, name)) = v.roles.iter().find(|(k, _)| k == s) {
        return name.clone();
    }
    if let Some(rest) = s.strip_prefix("role:") {
        return v.roles.iter().find(|(k, _)| k == rest).map(|(_, n)| n.clone()).unwrap_or_else(|| rest.to_string());
    }
    if let Some(rest) = s.strip_prefix("user:") {
        return name_of(&v.people, rest);
    }
    if let Some(d) = s.strip_prefix("register:").and_then(|k| v.register(k)) {
        return t.t1("audit-object-register-name", "name", &d.name);
    }
    if is_uuid(s) {
        return t.t("audit-value-id");
    }
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return t.t1("audit-value-sha", "id", &s[..8]);
    }
    if !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()) {
        // The audit's own words, else those the pages already use for the same keys.
        for prefix in VALUE_PREFIXES {
            // Some catalogues spell the stored key with hyphens (`part_time` → `people-kind-part-time`).
            for key in [format!("{prefix}{s}"), format!("{prefix}{}", s.replace('_', "-"))] {
                if has_key(t.lang, &key) {
                    return t.t(&key);
                }
            }
        }
    }
    // Text that contains ids (a reference "key/uuid") keeps its words, not the ids.
    let mut out = s.to_string();
    for id in uuids_in(s) {
        out = out.replace(&id, &t.t("audit-value-id"));
    }
    out
}

/// Whether `s` is a UUID (8-4-4-4-12 hexadecimal digits).
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

fn uuids_in(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    for (n, (i, _)) in chars.iter().enumerate() {
        if n + 36 <= chars.len() {
            let end = chars.get(n + 36).map(|(j, _)| *j).unwrap_or(s.len());
            if is_uuid(&s[*i..end]) {
                out.push(s[*i..end].to_string());
            }
        }
    }
    out
}
