//! The register engine's rules: a register is data (fields with types, required/unique flags,
//! choices, ranges, computed fields, the controls it serves) and one set of functions parses,
//! validates, computes and formats the values of any register. No register has code of its own.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

mod templates;
use templates::TEMPLATES;
pub use templates::{managed_at, template_revision, templates, upgrade_stored};

/// A field type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// One line of text.
    Text,
    /// Several lines of text.
    LongText,
    /// Whole number.
    Integer,
    /// Decimal number.
    Decimal,
    /// Calendar date (YYYY-MM-DD).
    Date,
    /// Date and time (YYYY-MM-DD HH:MM, Asia/Tokyo).
    Datetime,
    /// Yes / no.
    Boolean,
    /// One of the choices.
    Choice,
    /// Any of the choices.
    MultiChoice,
    /// A person of the organisation (login ID or name).
    Person,
    /// A row of another register (its id or its first field's value).
    Reference,
    /// An Annex A control id.
    Control,
    /// Evidence files (SHA-256 of stored files).
    File,
}

/// A computed value, declared in the register definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Compute {
    /// The largest of `fields`; the top of the scale (`max`) when `force_if_set` has a value.
    MaxOf {
        /// Numeric fields.
        fields: Vec<String>,
        /// A field that forces the maximum when non-empty (e.g. personal information held).
        force_if_set: Option<String>,
        /// The top of the scale.
        max: i64,
    },
    /// 被害発生可能性 from 脅威 and 脆弱性 (IPA table, 1–3).
    IpaLikelihood {
        /// 脅威 field.
        threat: String,
        /// 脆弱性 field.
        vulnerability: String,
    },
    /// Risk value by the method chosen in `method` (stored with the row): `ipa9` =
    /// importance × likelihood (1–9), `avt27` = asset value × threat × vulnerability (1–27).
    Risk {
        /// Method field.
        method: String,
        /// 重要度 / 資産価値 field.
        importance: String,
        /// 被害発生可能性 field.
        likelihood: String,
        /// 脅威 field.
        threat: String,
        /// 脆弱性 field.
        vulnerability: String,
    },
}

/// A field of a register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    /// Stable key.
    pub key: String,
    /// Japanese label (also the column header in exports).
    pub label: String,
    /// English label.
    #[serde(default)]
    pub label_en: Option<String>,
    /// Type.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Must have a value.
    #[serde(default)]
    pub required: bool,
    /// No two live rows share a value.
    #[serde(default)]
    pub unique: bool,
    /// Choices (choice, multi_choice).
    #[serde(default)]
    pub choices: Vec<String>,
    /// Smallest number.
    #[serde(default)]
    pub min: Option<f64>,
    /// Largest number.
    #[serde(default)]
    pub max: Option<f64>,
    /// Longest text.
    #[serde(default)]
    pub max_len: Option<usize>,
    /// The register a reference points to.
    #[serde(default)]
    pub reference: Option<String>,
    /// For a date: another date field of the same row this one may not be before (a return
    /// date and its take-out date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// Computed (read-only) value.
    #[serde(default)]
    pub compute: Option<Compute>,
    /// Value used when none is given.
    #[serde(default)]
    pub default: Option<Value>,
    /// The template revision that added the field (0: there from the start); a stored copy of
    /// an older revision gets it ([`upgrade_stored`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub since: u32,
}

/// A register definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterDef {
    /// Stable key (`assets`, …).
    pub key: String,
    /// Japanese name (as the regulation names the record).
    pub name: String,
    /// English name.
    #[serde(default)]
    pub name_en: Option<String>,
    /// Controls it serves.
    #[serde(default)]
    pub controls: Vec<String>,
    /// Confidentiality label of the register (社外秘 / 極秘).
    #[serde(default = "default_label")]
    pub label: String,
    /// Default sort field.
    #[serde(default)]
    pub default_sort: Option<String>,
    /// Fields in display order.
    pub fields: Vec<FieldDef>,
    /// Roles whose holders may read the rows (with `registers.view`); `None`: the default
    /// ([`default_access`]). Need-to-know, 5.12 / 8.3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_roles: Option<Vec<String>>,
    /// Roles whose holders may change the rows (with `registers.edit`); `None`: the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit_roles: Option<Vec<String>>,
    /// The page where the rows are added, changed and ended, when not the register's own (a
    /// supplier brings requirements and recurring checks, so its rows are written through
    /// `/suppliers`): the generic forms, import, deletion and the designer refuse. Always the
    /// shipped template's ([`managed_at`]), whatever a stored copy says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_at: Option<String>,
    /// The duties its rows complete, bring or make due (data: [`crate::register_duty`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duties: Option<crate::register_duty::RegisterDuties>,
    /// The shipped template's revision this copy follows ([`upgrade_stored`]): a template that
    /// gains fields raises it, and a stored copy of an older revision gets them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub revision: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The five role keys, in the regulation's order.
pub const ROLE_KEYS: [&str; 5] = ["top_management", "security_manager", "system_admin", "internal_auditor", "employee"];

/// The roles that hold `registers.edit` by default (the register default for editing).
pub const DEFAULT_EDIT_ROLES: [&str; 3] = ["top_management", "security_manager", "system_admin"];

/// Who may see a 極秘 row whose `restricted_to` names nobody.
pub const SECRET_DEFAULT_ROLES: [&str; 2] = ["top_management", "security_manager"];

/// The label that restricts a row to named roles or people.
pub const SECRET_LABEL: &str = "極秘";

/// The view and edit roles of a register: its own when set, else the template's for its
/// key, else every role reads and the roles holding `registers.edit` by default edit. Defaults
/// of the regulation: NDAs and pledges for 経営責任者 and 情報セキュリティ管理者 only; the risk
/// assessment (情報資産リスクアセスメント表) not for employees.
pub fn default_access(def: &RegisterDef) -> (Vec<String>, Vec<String>) {
    let template = if def.view_roles.is_none() || def.edit_roles.is_none() {
        TEMPLATES.iter().find(|t| t.key == def.key)
    } else {
        None
    };
    let pick = |own: &Option<Vec<String>>, tpl: Option<&Option<Vec<String>>>, fallback: &[&str]| {
        own.clone()
            .or_else(|| tpl.and_then(|t| t.clone()))
            .unwrap_or_else(|| fallback.iter().map(|s| s.to_string()).collect())
    };
    (
        pick(&def.view_roles, template.map(|t| &t.view_roles), &ROLE_KEYS),
        pick(&def.edit_roles, template.map(|t| &t.edit_roles), &DEFAULT_EDIT_ROLES),
    )
}

/// The definition with its view and edit roles filled in ([`default_access`]), the page
/// managing its rows ([`managed_at`]) and its duty data (always the shipped template's).
pub fn with_access(mut def: RegisterDef) -> RegisterDef {
    let (v, e) = default_access(&def);
    def.view_roles = Some(v);
    def.edit_roles = Some(e);
    def.managed_at = managed_at(&def.key);
    def.duties = TEMPLATES.iter().find(|t| t.key == def.key).and_then(|t| t.duties.clone());
    def
}

/// Whether someone holding `roles` (and logged in as `login`) may see a row with `label` and
/// `restricted_to` (entries `role:KEY` or `user:LOGIN`). Only 極秘 rows are restricted; one
/// naming nobody is for [`SECRET_DEFAULT_ROLES`].
pub fn row_visible(label: &str, restricted_to: &[String], roles: &[String], login: &str) -> bool {
    if label != SECRET_LABEL {
        return true;
    }
    if restricted_to.is_empty() {
        return roles.iter().any(|r| SECRET_DEFAULT_ROLES.contains(&r.as_str()));
    }
    restricted_to.iter().any(|e| match e.split_once(':') {
        Some(("role", k)) => roles.iter().any(|r| r == k),
        Some(("user", l)) => !login.is_empty() && l == login,
        _ => false,
    })
}

/// Problems with a row restriction list (unknown roles or people, bad entries), as i18n keys.
pub fn check_restriction(restricted_to: &[String], people: &BTreeSet<String>) -> Option<&'static str> {
    for e in restricted_to {
        let ok = match e.split_once(':') {
            Some(("role", k)) => ROLE_KEYS.contains(&k),
            Some(("user", l)) => people.contains(l),
            _ => false,
        };
        if !ok {
            return Some("field-not-a-choice");
        }
    }
    None
}

fn default_label() -> String {
    "社外秘".to_string()
}

/// The confidentiality labels (5.13).
pub const LABELS: [&str; 2] = ["社外秘", "極秘"];

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Field key.
    pub field: String,
    /// Field label.
    pub label: String,
    /// i18n key of the message.
    pub message: String,
}

/// What validation needs to know outside the row.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Login IDs and names of the organisation's people.
    pub people: BTreeSet<String>,
    /// For reference fields: register key → ids and first-field values of its live rows.
    pub references: BTreeMap<String, BTreeSet<String>>,
    /// For unique fields: field key → values of the other live rows.
    pub taken: BTreeMap<String, BTreeSet<String>>,
    /// Evidence hashes the organisation has stored.
    pub files: BTreeSet<String>,
}

fn empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn valid_date(s: &str) -> bool {
    let p: Vec<&str> = s.split('-').collect();
    let [y, m, d] = p.as_slice() else { return false };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) else { return false };
    if y.to_string().len() != 4 || m.to_string().len() > 2 || !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    days.get((m - 1) as usize).is_some_and(|max| d <= *max)
}

/// Normalises a date written as 2025-07-11, 2025/7/11, 2025.7.11 or 2025年7月11日.
pub fn normalize_date(s: &str) -> Option<String> {
    let t: String = s.trim().replace(['/', '.', '年', '月'], "-").replace('日', "");
    let p: Vec<&str> = t.split('-').collect();
    let [y, m, d] = p.as_slice() else { return None };
    let out = format!(
        "{:04}-{:02}-{:02}",
        y.trim().parse::<u32>().ok()?,
        m.trim().parse::<u32>().ok()?,
        d.trim().parse::<u32>().ok()?
    );
    valid_date(&out).then_some(out)
}

/// Parses one cell as written in a form, CSV or xlsx. An empty cell is `Null`.
pub fn parse_cell(f: &FieldDef, raw: &str) -> Result<Value, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(Value::Null);
    }
    let nfkc_digits: String = s
        .chars()
        .map(|c| if ('０'..='９').contains(&c) { char::from_u32(c as u32 - 0xFEE0).unwrap_or(c) } else { c })
        .collect();
    match f.ty {
        FieldType::Text | FieldType::LongText | FieldType::Person | FieldType::Reference | FieldType::Choice => {
            Ok(Value::String(s.to_string()))
        }
        FieldType::Control => Ok(Value::String(nfkc_digits)),
        FieldType::Integer => {
            let n = nfkc_digits.replace(',', "");
            match n.parse::<i64>() {
                Ok(i) => Ok(Value::from(i)),
                Err(_) => match n.parse::<f64>() {
                    Ok(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Ok(Value::from(x as i64)),
                    _ => Err("field-not-integer"),
                },
            }
        }
        FieldType::Decimal => nfkc_digits
            .replace(',', "")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or("field-not-number"),
        FieldType::Date => normalize_date(&nfkc_digits).map(Value::String).ok_or("field-not-date"),
        FieldType::Datetime => {
            let t = nfkc_digits.replace('T', " ");
            let (d, time) = t.split_once(' ').unwrap_or((&t, "00:00"));
            let date = normalize_date(d).ok_or("field-not-datetime")?;
            let hm: Vec<&str> = time.trim().split(':').collect();
            match hm.as_slice() {
                [h, m] | [h, m, _] => match (h.parse::<u32>(), m.parse::<u32>()) {
                    (Ok(h), Ok(m)) if h < 24 && m < 60 => Ok(Value::String(format!("{date} {h:02}:{m:02}"))),
                    _ => Err("field-not-datetime"),
                },
                _ => Err("field-not-datetime"),
            }
        }
        FieldType::Boolean => match s.to_lowercase().as_str() {
            "true" | "1" | "yes" | "はい" | "有" | "あり" | "○" | "〇" | "済" => Ok(Value::Bool(true)),
            "false" | "0" | "no" | "いいえ" | "無" | "なし" | "×" | "未" => Ok(Value::Bool(false)),
            _ => Err("field-not-boolean"),
        },
        FieldType::MultiChoice | FieldType::File => {
            let items: Vec<Value> = s
                .split(['、', ',', '\n', ';'])
                .map(|x| x.trim())
                .filter(|x| !x.is_empty())
                .map(|x| Value::String(x.to_string()))
                .collect();
            // Only separators (";", "、、") is no choice at all, as an empty cell is.
            Ok(if items.is_empty() { Value::Null } else { Value::Array(items) })
        }
    }
}

/// Formats a stored value for display and export (the inverse of [`parse_cell`]).
pub fn format_cell(f: &FieldDef, v: &Value) -> String {
    match (f.ty, v) {
        (_, Value::Null) => String::new(),
        (FieldType::Boolean, Value::Bool(b)) => if *b { "はい" } else { "いいえ" }.to_string(),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Number(n)) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => n.to_string(),
        },
        (_, Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string()))
            .collect::<Vec<_>>()
            .join("、"),
        (_, other) => other.to_string(),
    }
}

fn num(values: &Map<String, Value>, key: &str) -> Option<i64> {
    values.get(key).and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
}

/// The IPA 被害発生可能性 table: threat × vulnerability (1–3 each) → 1–3.
pub fn ipa_likelihood(threat: i64, vulnerability: i64) -> Option<i64> {
    const T: [[i64; 3]; 3] = [[1, 1, 2], [1, 2, 3], [2, 3, 3]];
    let (t, v) = (usize::try_from(threat - 1).ok()?, usize::try_from(vulnerability - 1).ok()?);
    T.get(t)?.get(v).copied()
}

/// Fills the computed fields of a row.
pub fn compute(def: &RegisterDef, values: &mut Map<String, Value>) {
    for f in &def.fields {
        let Some(c) = &f.compute else { continue };
        let v = match c {
            Compute::MaxOf { fields, force_if_set, max } => {
                let forced = force_if_set.as_ref().is_some_and(|k| values.get(k).is_some_and(|v| !empty(v)));
                let m = fields.iter().filter_map(|k| num(values, k)).max();
                match (forced, m) {
                    (true, _) => Some(*max),
                    (false, m) => m,
                }
            }
            Compute::IpaLikelihood { threat, vulnerability } => match (num(values, threat), num(values, vulnerability))
            {
                (Some(t), Some(v)) => ipa_likelihood(t, v),
                _ => None,
            },
            Compute::Risk { method, importance, likelihood, threat, vulnerability } => {
                let m = values.get(method).and_then(Value::as_str).unwrap_or("");
                if m.contains("27") {
                    match (num(values, importance), num(values, threat), num(values, vulnerability)) {
                        (Some(a), Some(t), Some(v)) => Some(a * t * v),
                        _ => None,
                    }
                } else {
                    match (num(values, importance), num(values, likelihood)) {
                        (Some(a), Some(l)) => Some(a * l),
                        _ => None,
                    }
                }
            }
        };
        values.insert(f.key.clone(), v.map(Value::from).unwrap_or(Value::Null));
    }
}

/// Validates input for a row: fills defaults, checks every field (collecting every problem),
/// computes computed fields. Unknown keys are ignored; computed fields cannot be set.
pub fn validate(
    def: &RegisterDef,
    input: &Map<String, Value>,
    ctx: &Context,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut out = Map::new();
    let mut errors = Vec::new();
    let err =
        |f: &FieldDef, m: &str| FieldError { field: f.key.clone(), label: f.label.clone(), message: m.to_string() };
    for f in &def.fields {
        if f.compute.is_some() {
            continue;
        }
        let mut v = input.get(&f.key).cloned().unwrap_or(Value::Null);
        if empty(&v)
            && let Some(d) = &f.default
        {
            v = d.clone();
        }
        if empty(&v) {
            if f.required {
                errors.push(err(f, "field-required"));
            }
            out.insert(f.key.clone(), Value::Null);
            continue;
        }
        // Values given as strings (forms, imports) are parsed by type.
        if let Value::String(s) = &v
            && !matches!(
                f.ty,
                FieldType::Text | FieldType::LongText | FieldType::Person | FieldType::Reference | FieldType::Choice
            )
        {
            match parse_cell(f, s) {
                Ok(p) => v = p,
                Err(m) => {
                    errors.push(err(f, m));
                    continue;
                }
            }
        }
        let problem: Option<&str> = match (f.ty, &v) {
            (FieldType::Text | FieldType::LongText, Value::String(s)) => f
                .max_len
                .filter(|m| s.chars().count() > *m)
                .map(|_| "field-too-long")
                .or_else(|| (f.ty == FieldType::Text && s.contains('\n')).then_some("field-one-line")),
            (FieldType::Integer, Value::Number(n)) if n.is_i64() => {
                let x = n.as_f64().unwrap_or(0.0);
                if f.min.is_some_and(|m| x < m) || f.max.is_some_and(|m| x > m) {
                    Some("field-out-of-range")
                } else {
                    None
                }
            }
            (FieldType::Decimal, Value::Number(n)) => {
                let x = n.as_f64().unwrap_or(0.0);
                if f.min.is_some_and(|m| x < m) || f.max.is_some_and(|m| x > m) {
                    Some("field-out-of-range")
                } else {
                    None
                }
            }
            (FieldType::Date, Value::String(s)) => (!valid_date(s)).then_some("field-not-date"),
            (FieldType::Datetime, Value::String(s)) => parse_cell(f, s).err(),
            (FieldType::Boolean, Value::Bool(_)) => None,
            (FieldType::Choice, Value::String(s)) => match canonical_choice(&f.choices, s) {
                Some(c) => {
                    v = Value::from(c);
                    None
                }
                None => Some("field-not-a-choice"),
            },
            (FieldType::MultiChoice, Value::Array(a)) => {
                let mapped: Option<Vec<Value>> = a
                    .iter()
                    .map(|x| x.as_str().and_then(|s| canonical_choice(&f.choices, s)).map(Value::from))
                    .collect();
                match mapped {
                    Some(m) => {
                        v = Value::Array(m);
                        None
                    }
                    None => Some("field-not-a-choice"),
                }
            }
            (FieldType::Person, Value::String(s)) => (!ctx.people.contains(s)).then_some("field-unknown-person"),
            (FieldType::Reference, Value::String(s)) => {
                let known = f.reference.as_ref().and_then(|r| ctx.references.get(r)).is_some_and(|set| set.contains(s));
                (!known).then_some("field-unknown-reference")
            }
            (FieldType::Control, Value::String(s)) => {
                (!crate::register::is_control_id(s)).then_some("field-unknown-control")
            }
            (FieldType::File, Value::Array(a)) => {
                a.iter().any(|x| x.as_str().is_none_or(|h| !ctx.files.contains(h))).then_some("field-unknown-file")
            }
            _ => Some("field-wrong-type"),
        };
        if let Some(m) = problem {
            errors.push(err(f, m));
            continue;
        }
        if f.unique && ctx.taken.get(&f.key).is_some_and(|t| t.contains(&format_cell(f, &v))) {
            errors.push(err(f, "field-not-unique"));
            continue;
        }
        out.insert(f.key.clone(), v);
    }
    // A date that may not be before another date of the row (both given and valid).
    for f in def.fields.iter().filter(|f| f.ty == FieldType::Date) {
        let Some(other) = f.not_before.as_deref() else { continue };
        let (Some(Value::String(a)), Some(Value::String(b))) = (out.get(&f.key), out.get(other)) else { continue };
        let ymd = |s: &str| -> Option<(i32, u32, u32)> {
            let mut p = s.split('-').map(str::parse::<u32>);
            let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (p.next(), p.next(), p.next()) else { return None };
            Some((i32::try_from(y).ok()?, m, d))
        };
        if valid_date(a) && valid_date(b) && ymd(a) < ymd(b) {
            errors.push(err(f, "field-date-before-start"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    compute(def, &mut out);
    Ok(out)
}

/// The choice `s` means: itself, or the choice it equals but for a CP932 round trip
/// ([`crate::people_sheet::excel_fold`]: an export saved by Excel as CP932 gives 〜 back as ～).
pub fn canonical_choice(choices: &[String], s: &str) -> Option<String> {
    if choices.iter().any(|c| c == s) {
        return Some(s.to_string());
    }
    choices.iter().find(|c| crate::people_sheet::same_text(c, s)).cloned()
}

/// Whether `s` is an Annex A control id (5.1–5.37, 6.1–6.8, 7.1–7.14, 8.1–8.34).
pub fn is_control_id(s: &str) -> bool {
    let Some((a, b)) = s.split_once('.') else { return false };
    let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) else { return false };
    let max = match a {
        5 => 37,
        6 => 8,
        7 => 14,
        8 => 34,
        _ => return false,
    };
    (1..=max).contains(&b) && !s.starts_with('0') && !s.contains("..")
}

/// Problems with a definition itself (for the designer): keys, choices, references.
pub fn check_definition(def: &RegisterDef) -> Vec<String> {
    let mut problems = Vec::new();
    let mut keys = BTreeSet::new();
    let key_ok = |k: &str| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !key_ok(&def.key) {
        problems.push(format!("register key {:?} must be lower-case ASCII", def.key));
    }
    for f in &def.fields {
        if !key_ok(&f.key) {
            problems.push(format!("field key {:?} must be lower-case ASCII", f.key));
        }
        if !keys.insert(f.key.clone()) {
            problems.push(format!("field key {:?} is repeated", f.key));
        }
        if matches!(f.ty, FieldType::Choice | FieldType::MultiChoice) && f.choices.is_empty() {
            problems.push(format!("field {:?} needs choices", f.key));
        }
        if f.ty == FieldType::Reference && f.reference.is_none() {
            problems.push(format!("field {:?} needs the register it refers to", f.key));
        }
    }
    for c in &def.controls {
        if !is_control_id(c) {
            problems.push(format!("{c} is not an Annex A control"));
        }
    }
    for (what, roles) in [("view", &def.view_roles), ("edit", &def.edit_roles)] {
        if let Some(roles) = roles {
            if roles.is_empty() {
                problems.push(format!("{what} roles must name at least one role"));
            }
            for r in roles.iter().filter(|r| !ROLE_KEYS.contains(&r.as_str())) {
                problems.push(format!("{r:?} is not a role"));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn field(key: &str, ty: FieldType) -> FieldDef {
        FieldDef {
            key: key.into(),
            label: key.into(),
            label_en: None,
            ty,
            required: false,
            unique: false,
            choices: vec![],
            min: None,
            max: None,
            max_len: None,
            reference: None,
            compute: None,
            default: None,
            since: 0,
            not_before: None,
        }
    }

    fn def(fields: Vec<FieldDef>) -> RegisterDef {
        RegisterDef {
            key: "t".into(),
            name: "t".into(),
            name_en: None,
            controls: vec![],
            label: "社外秘".into(),
            default_sort: None,
            fields,
            view_roles: None,
            edit_roles: None,
            managed_at: None,
            duties: None,
            revision: 0,
        }
    }

    fn obj(v: serde_json::Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn every_type_validates() {
        let mut choice = field("c", FieldType::Choice);
        choice.choices = vec!["高".into(), "低".into()];
        let mut multi = field("m", FieldType::MultiChoice);
        multi.choices = vec!["個人情報".into(), "要配慮個人情報".into()];
        let mut int = field("i", FieldType::Integer);
        int.min = Some(1.0);
        int.max = Some(3.0);
        let mut text = field("t", FieldType::Text);
        text.max_len = Some(5);
        text.required = true;
        let mut reference = field("r", FieldType::Reference);
        reference.reference = Some("media".into());
        let d = def(vec![
            text,
            field("l", FieldType::LongText),
            int,
            field("x", FieldType::Decimal),
            field("d", FieldType::Date),
            field("dt", FieldType::Datetime),
            field("b", FieldType::Boolean),
            choice,
            multi,
            field("p", FieldType::Person),
            reference,
            field("k", FieldType::Control),
            field("f", FieldType::File),
        ]);
        let mut ctx = Context::default();
        ctx.people.insert("sato".into());
        ctx.references.insert("media".into(), ["USB-01".to_string()].into());
        ctx.files.insert("ab".repeat(32));
        let ok = obj(
            json!({"t": "資産", "l": "一\n二", "i": "２", "x": "1,234.5", "d": "2025/7/11", "dt": "2025-07-11 9:05",
            "b": "はい", "c": "高", "m": "個人情報、要配慮個人情報", "p": "sato", "r": "USB-01", "k": "8.13", "f": ["ab".repeat(32)]}),
        );
        let v = validate(&d, &ok, &ctx).unwrap();
        assert_eq!(v["i"], json!(2));
        assert_eq!(v["x"], json!(1234.5));
        assert_eq!(v["d"], json!("2025-07-11"));
        assert_eq!(v["dt"], json!("2025-07-11 09:05"));
        assert_eq!(v["b"], json!(true));
        assert_eq!(v["m"], json!(["個人情報", "要配慮個人情報"]));

        let bad = obj(
            json!({"t": "長すぎるテキスト", "i": "4", "x": "abc", "d": "2025-02-30", "dt": "2025-07-11 25:00", "b": "maybe",
            "c": "中", "m": "その他", "p": "nobody", "r": "USB-99", "k": "9.1", "f": ["00"]}),
        );
        let errs: Vec<(String, String)> =
            validate(&d, &bad, &ctx).unwrap_err().into_iter().map(|e| (e.field, e.message)).collect();
        let expect = [
            ("t", "field-too-long"),
            ("i", "field-out-of-range"),
            ("x", "field-not-number"),
            ("d", "field-not-date"),
            ("dt", "field-not-datetime"),
            ("b", "field-not-boolean"),
            ("c", "field-not-a-choice"),
            ("m", "field-not-a-choice"),
            ("p", "field-unknown-person"),
            ("r", "field-unknown-reference"),
            ("k", "field-unknown-control"),
            ("f", "field-unknown-file"),
        ];
        assert_eq!(errs, expect.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>());
        let missing = validate(&d, &Map::new(), &ctx).unwrap_err();
        assert_eq!(missing.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(), ["field-required"]);
    }

    #[test]
    fn unique_and_defaults() {
        let mut f = field("no", FieldType::Text);
        f.unique = true;
        let mut g = field("state", FieldType::Choice);
        g.choices = vec!["保管中".into(), "持出中".into()];
        g.default = Some(json!("保管中"));
        let d = def(vec![f, g]);
        let mut ctx = Context::default();
        ctx.taken.insert("no".into(), ["A-1".to_string()].into());
        assert_eq!(validate(&d, &obj(json!({"no": "A-1"})), &ctx).unwrap_err()[0].message, "field-not-unique");
        let v = validate(&d, &obj(json!({"no": "A-2"})), &ctx).unwrap();
        assert_eq!(v["state"], json!("保管中"));
    }

    #[test]
    fn ipa_computation() {
        let mut pi = field("pi", FieldType::MultiChoice);
        pi.choices = vec!["個人情報".into()];
        let n = |k: &str| {
            let mut f = field(k, FieldType::Integer);
            f.min = Some(1.0);
            f.max = Some(3.0);
            f
        };
        let mut imp = field("importance", FieldType::Integer);
        imp.compute = Some(Compute::MaxOf {
            fields: vec!["c".into(), "i".into(), "a".into()],
            force_if_set: Some("pi".into()),
            max: 3,
        });
        let mut lik = field("likelihood", FieldType::Integer);
        lik.compute = Some(Compute::IpaLikelihood { threat: "threat".into(), vulnerability: "vuln".into() });
        let mut method = field("method", FieldType::Choice);
        method.choices = vec!["IPA（1〜9）".into(), "資産価値×脅威×脆弱性（1〜27）".into()];
        method.default = Some(json!("IPA（1〜9）"));
        let mut risk = field("risk", FieldType::Integer);
        risk.compute = Some(Compute::Risk {
            method: "method".into(),
            importance: "importance".into(),
            likelihood: "likelihood".into(),
            threat: "threat".into(),
            vulnerability: "vuln".into(),
        });
        let d = def(vec![pi, n("c"), n("i"), n("a"), imp, n("threat"), n("vuln"), lik, method, risk]);
        let ctx = Context::default();
        let v = validate(&d, &obj(json!({"c": 2, "i": 1, "a": 1, "threat": 3, "vuln": 2})), &ctx).unwrap();
        assert_eq!(
            (v["importance"].clone(), v["likelihood"].clone(), v["risk"].clone()),
            (json!(2), json!(3), json!(6))
        );
        let v = validate(&d, &obj(json!({"pi": ["個人情報"], "c": 1, "i": 1, "a": 1, "threat": 1, "vuln": 1})), &ctx)
            .unwrap();
        assert_eq!((v["importance"].clone(), v["risk"].clone()), (json!(3), json!(3)), "personal information forces 3");
        let v = validate(
            &d,
            &obj(json!({"c": 2, "i": 3, "a": 1, "threat": 2, "vuln": 3, "method": "資産価値×脅威×脆弱性（1〜27）"})),
            &ctx,
        )
        .unwrap();
        assert_eq!(v["risk"], json!(18));
        // Computed fields cannot be set by input.
        let v = validate(&d, &obj(json!({"c": 1, "i": 1, "a": 1, "threat": 1, "vuln": 1, "risk": 9})), &ctx).unwrap();
        assert_eq!(v["risk"], json!(1));
    }

    #[test]
    fn control_ids() {
        assert!(is_control_id("5.37") && is_control_id("8.34") && is_control_id("6.1"));
        assert!(!is_control_id("5.38") && !is_control_id("9.1") && !is_control_id("5") && !is_control_id("05.1"));
    }

    #[test]
    fn only_separators_is_no_choice() {
        let f = field("m", FieldType::MultiChoice);
        assert_eq!(parse_cell(&f, ";"), Ok(Value::Null));
        assert_eq!(parse_cell(&f, "、 、"), Ok(Value::Null));
        assert_eq!(parse_cell(&f, "a;"), Ok(serde_json::json!(["a"])));
    }

    #[test]
    fn cp932_variants_read_as_the_choice() {
        let mut c = field("method", FieldType::Choice);
        c.choices = vec!["IPA（重要度×被害発生可能性 1\u{301C}9）".into(), "その他".into()];
        let mut m = field("tags", FieldType::MultiChoice);
        m.choices = vec!["A\u{2014}B".into(), "C".into()];
        let d = def(vec![c, m]);
        let ctx = Context::default();
        // As Excel saves it in CP932: ～ (U+FF5E) for 〜, ― (U+2015) for —.
        let v = validate(
            &d,
            &obj(json!({"method": "IPA（重要度×被害発生可能性 1\u{FF5E}9）", "tags": "A\u{2015}B"})),
            &ctx,
        )
        .unwrap();
        assert_eq!(v["method"], json!("IPA（重要度×被害発生可能性 1\u{301C}9）"));
        assert_eq!(v["tags"], json!(["A\u{2014}B"]));
        let e = validate(&d, &obj(json!({"method": "IPA（重要度×被害発生可能性 1?9）"})), &ctx).unwrap_err();
        assert_eq!(e[0].message, "field-not-a-choice");
    }

    #[test]
    fn a_date_not_before_another() {
        let taken = field("taken_on", FieldType::Date);
        let mut back = field("returned_on", FieldType::Date);
        back.not_before = Some("taken_on".into());
        let d = def(vec![taken, back]);
        let ctx = Context::default();
        let e = validate(&d, &obj(json!({"taken_on": "2026-05-10", "returned_on": "2026-05-09"})), &ctx).unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].message.as_str()), ("returned_on", "field-date-before-start"));
        assert!(validate(&d, &obj(json!({"taken_on": "2026-05-10", "returned_on": "2026-5-10"})), &ctx).is_ok());
        assert!(validate(&d, &obj(json!({"taken_on": "2026-05-10", "returned_on": "2026-12-01"})), &ctx).is_ok());
        assert!(validate(&d, &obj(json!({"returned_on": "2026-05-09"})), &ctx).is_ok());
    }

    proptest! {
        /// A choice given as itself is always itself.
        #[test]
        fn folding_keeps_choices(raw in "\\PC{0,12}") {
            prop_assert_eq!(canonical_choice(std::slice::from_ref(&raw), &raw), Some(raw.clone()));
        }

        /// format_cell and parse_cell are inverse for every value parse_cell accepts.
        #[test]
        fn cells_round_trip(raw in "\\PC{0,20}", ty in 0usize..7) {
            let types = [FieldType::Text, FieldType::Integer, FieldType::Decimal, FieldType::Date, FieldType::Datetime, FieldType::Boolean, FieldType::MultiChoice];
            let f = field("f", types[ty]);
            if let Ok(v) = parse_cell(&f, &raw) {
                let again = parse_cell(&f, &format_cell(&f, &v)).unwrap();
                prop_assert_eq!(again, v);
            }
        }
    }
}
