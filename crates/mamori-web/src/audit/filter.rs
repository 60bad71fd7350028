//! The audit log's filter (issue 15, item 6): who, which kind of record, which action, which
//! record and which period (JST calendar days, both ends included). One query string serves
//! the page, its CSV/xlsx exports and `GET /api/v1/audit`.

use crate::respond::urlencode;
use crate::views::Tried;
use jiff::civil::Date;
use mamori_app::audit::{AuditFilter, tokyo_day_start};
use serde::Deserialize;

/// The longest value a filter field takes (ids, keys and dates are all far shorter).
const MAX_LEN: usize = 200;

/// `?actor=&kind=&action=&record=&from=&to=&page=`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FilterQuery {
    /// The actor's user id.
    #[serde(default)]
    pub actor: String,
    /// The record kind (`object_type`).
    #[serde(default)]
    pub kind: String,
    /// The action key.
    #[serde(default)]
    pub action: String,
    /// One record's id.
    #[serde(default)]
    pub record: String,
    /// First day (YYYY-MM-DD or YYYY/M/D, JST).
    #[serde(default)]
    pub from: String,
    /// Last day (included).
    #[serde(default)]
    pub to: String,
    /// Page (50 rows each), from 0.
    pub page: Option<i64>,
}

/// A calendar day as typed: `2026-04-01`, `2026/4/1`, full-width digits too.
pub fn parse_day(s: &str) -> Option<Date> {
    let s: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '/' | '／' | '－' | '.' => '-',
            c => c,
        })
        .collect();
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?.parse().ok()?, it.next()?.parse().ok()?, it.next()?.parse().ok()?);
    if it.next().is_some() {
        return None;
    }
    Date::new(y, m, d).ok()
}

impl FilterQuery {
    /// The filter, or the problems at their fields (all of them at once).
    pub fn read(&self) -> Result<AuditFilter, Vec<(String, String)>> {
        let mut problems = Vec::new();
        for (field, v) in self.texts() {
            if v.chars().count() > MAX_LEN {
                problems.push((field.to_string(), "field-too-long".to_string()));
            }
        }
        let mut day = |field: &str, v: &str| -> Option<Date> {
            if v.trim().is_empty() {
                return None;
            }
            let d = parse_day(v);
            if d.is_none() {
                problems.push((field.to_string(), "field-not-date".to_string()));
            }
            d
        };
        let (from, to) = (day("from", &self.from), day("to", &self.to));
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            problems.push(("to".to_string(), "audit-filter-to-before-from".to_string()));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(AuditFilter {
            actor_id: some(&self.actor),
            object_type: some(&self.kind),
            object_id: some(&self.record),
            action: some(&self.action),
            from_ms: from.map(tokyo_day_start),
            to_ms: to.and_then(|d| d.tomorrow().ok()).map(tokyo_day_start),
        })
    }

    fn texts(&self) -> [(&'static str, &str); 6] {
        [
            ("actor", &self.actor),
            ("kind", &self.kind),
            ("action", &self.action),
            ("record", &self.record),
            ("from", &self.from),
            ("to", &self.to),
        ]
    }

    /// Whether any filter is set.
    pub fn any(&self) -> bool {
        self.texts().iter().any(|(_, v)| !v.trim().is_empty())
    }

    /// The filter as a query string (without the page), `&`-joined, for links.
    pub fn query(&self) -> String {
        self.texts()
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The filter form as typed, with `problems` (catalogue keys, translated) at their fields.
    pub fn tried(&self, t: &crate::i18n::Tr, problems: &[(String, String)]) -> Tried {
        Tried {
            form: if problems.is_empty() { String::new() } else { "filter".to_string() },
            values: self.texts().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            errors: problems.iter().map(|(f, k)| (f.clone(), t.t(k))).collect(),
            message: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_as_people_type_them_and_periods_include_their_last_day() {
        assert_eq!(parse_day("2026/4/1"), Some(jiff::civil::date(2026, 4, 1)));
        assert_eq!(parse_day("２０２６－０４－０１"), Some(jiff::civil::date(2026, 4, 1)));
        assert_eq!(parse_day("2026-02-30"), None);
        assert_eq!(parse_day("2026-4-1-2"), None);
        let q = FilterQuery { from: "2026-04-01".into(), to: "2026-04-01".into(), ..FilterQuery::default() };
        let f = q.read().expect("a valid day");
        // One JST day: 2026-03-31 15:00 UTC to 2026-04-01 15:00 UTC.
        assert_eq!(f.from_ms, Some(1_774_969_200_000));
        assert_eq!(f.to_ms, Some(1_774_969_200_000 + 86_400_000));
        let bad = FilterQuery { from: "2026-04-02".into(), to: "2026-04-01".into(), actor: "x".repeat(201), ..q };
        let problems = bad.read().expect_err("refused");
        assert!(problems.contains(&("to".into(), "audit-filter-to-before-from".into())), "{problems:?}");
        assert!(problems.contains(&("actor".into(), "field-too-long".into())), "{problems:?}");
    }

    #[test]
    fn the_query_string_carries_only_what_is_set() {
        let q = FilterQuery { kind: "register:assets".into(), from: "2026-04-01".into(), ..FilterQuery::default() };
        assert_eq!(q.query(), "kind=register%3Aassets&from=2026-04-01");
        assert!(q.any());
        assert!(!FilterQuery::default().any());
    }
}
