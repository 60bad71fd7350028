//! The i18n catalogue (Fluent, compiled in). Japanese first, English second.
//!
//! Locale order: the `mamori_lang` cookie (the language switch), then `Accept-Language`,
//! then Japanese.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "ja",
        // Fluent wraps placeables in U+2068/U+2069 by default; they break text output.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static JA: LanguageIdentifier = langid!("ja");
static EN: LanguageIdentifier = langid!("en");

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Japanese (default).
    Ja,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// Parses a tag we support.
    pub fn from_tag(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the first supported language of an `Accept-Language` header, by q-value.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("");
            let q = it.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            if let Some(l) = Lang::from_tag(tag)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, l));
            }
        }
        best.map(|(_, l)| l)
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }
}

/// A translator bound to one language; templates call `t.t("key")`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    /// The language.
    pub lang: Lang,
}

impl Tr {
    /// The message for `key`.
    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(self.lang.id(), key)
    }

    /// The message for `key` with string arguments.
    pub fn ta(&self, key: &str, args: &[(&str, &str)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> =
            args.iter().map(|(k, v)| (Cow::Owned(k.to_string()), FluentValue::from(v.to_string()))).collect();
        LOCALES.lookup_with_args(self.lang.id(), key, &map)
    }

    /// The message for `key` with one string argument.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.ta(key, &[(name, value)])
    }

    /// The message for `key` with one number argument (plural-aware).
    pub fn tn(&self, key: &str, name: &str, value: impl std::borrow::Borrow<i64>) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        args.insert(Cow::Owned(name.to_string()), FluentValue::from(*value.borrow()));
        LOCALES.lookup_with_args(self.lang.id(), key, &args)
    }

    /// The message for `key` with number arguments (plural-aware).
    pub fn tnums<'a>(&self, key: &str, args: impl IntoIterator<Item = (&'a str, i64)>) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> =
            args.into_iter().map(|(k, v)| (Cow::Owned(k.to_string()), FluentValue::from(v))).collect();
        LOCALES.lookup_with_args(self.lang.id(), key, &map)
    }

    /// The message for `key` with two string arguments.
    pub fn t2(&self, key: &str, a: (&str, &str), b: (&str, &str)) -> String {
        self.ta(key, &[a, b])
    }
}

impl mamori_app::reminders::MailText for Tr {
    fn text(&self, key: &str, args: &[(&str, String)]) -> String {
        let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.ta(key, &args)
    }
}

/// Whether `key` exists in `lang` (tests check that both catalogues have every key).
pub fn has_key(lang: Lang, key: &str) -> bool {
    // Messages with placeables only resolve when their arguments are given.
    let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
    for name in [
        "name",
        "org",
        "roles",
        "login",
        "password",
        "detail",
        "version",
        "number",
        "edition",
        "date",
        "id",
        "title",
        "due",
        "control",
        "type",
        "action",
        "state",
        "actor",
        "read",
        "new",
        "duplicate",
        "rejected",
        "percent",
        "limit",
        "when",
        "done",
        "total",
        "who",
        "days",
        "window",
        "duties",
        "auditor",
        "from",
        "to",
        "body",
        "expires",
        "organisation",
        "supplier",
        "url",
        "email",
        "deviations",
        "file",
        "row",
        "column",
        "message",
        "size",
        "drill",
        "responded",
        "sent",
        "target",
        "actual",
        "host",
        "outcome",
        "year",
        "address",
        "ids",
        "unchanged",
    ] {
        args.insert(Cow::Borrowed(name), FluentValue::from("x"));
    }
    args.insert(Cow::Borrowed("count"), FluentValue::from(1));
    LOCALES.try_lookup_with_args(lang.id(), key, &args).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(src: &str) -> Vec<String> {
        src.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && l.contains(" = "))
            .filter_map(|l| l.split(" = ").next().map(str::to_string))
            .collect()
    }

    #[test]
    fn catalogues_have_the_same_keys() {
        let ja = keys(include_str!("../locales/ja/main.ftl"));
        let en = keys(include_str!("../locales/en/main.ftl"));
        assert!(ja.len() > 50);
        for k in &ja {
            assert!(en.contains(k), "en lacks {k}");
            assert!(has_key(Lang::En, k), "en catalogue does not load {k}");
        }
        for k in &en {
            assert!(ja.contains(k), "ja lacks {k}");
            assert!(has_key(Lang::Ja, k), "ja catalogue does not load {k}");
        }
    }

    #[test]
    fn lookups_and_arguments_without_isolation_marks() {
        let ja = Tr { lang: Lang::Ja };
        let en = Tr { lang: Lang::En };
        assert_eq!(ja.t("login-title"), "ログイン");
        assert_eq!(en.t("login-title"), "Log in");
        assert_eq!(en.t1("dashboard-welcome", "name", "Sato"), "Welcome, Sato.");
        assert_eq!(en.tn("users-failed-attempts", "count", 1), "1 failed attempt");
        assert_eq!(en.tn("users-failed-attempts", "count", 2), "2 failed attempts");
    }

    #[test]
    fn accept_language_negotiation() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,ja;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr, ja;q=0.5, en;q=0.3"), Some(Lang::Ja));
        assert_eq!(Lang::from_accept_language("fr"), None);
        assert_eq!(Lang::from_accept_language(""), None);
    }
}
