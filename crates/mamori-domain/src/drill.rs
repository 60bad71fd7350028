//! 標的型メール訓練 (targeted-mail drill, 6.3 awareness; 5.7/8.23 phishing): the pure rules.
//!
//! - **Templates as data** (`data/drill_templates.json`): realistic Japanese drill mails — key,
//!   title, the sender's display name, subject, body with `{name}` (the person's name) and
//!   `{link}` (their personal link), and the signs the lesson points out afterwards.
//!   [`render`] fills them in.
//! - **The allow list**: a drill mail goes only to an address whose domain the organisation
//!   allowed. Rules ([`check_address`]): the address is trimmed and must be one `local@domain`
//!   (local part 1–64 characters without spaces, quotes, angle brackets, commas or semicolons;
//!   whole address at most 254); the domain is compared in ASCII lower case without a trailing
//!   dot and is allowed when it **equals** an allowed domain or is a **subdomain** of one
//!   (`tokyo.example.co.jp` under `example.co.jp`; never a mere suffix: `badexample.co.jp` is
//!   not under `example.co.jp`). An allowed domain ([`parse_domains`]) is a DNS name of at least
//!   two labels (letters, digits, hyphens; no label starting or ending with a hyphen), not a
//!   public suffix of [`PUBLIC_SUFFIXES`] (`co.jp` would allow every company). Internationalised
//!   (non-ASCII) domains are refused: write them in their `xn--` form. No allowed domain at all
//!   refuses every address.
//! - **Tokens**: a personal link is `/drill/t/{token}`, the token 32 random bytes as 64 lower-case
//!   hex digits ([`is_token`]); only its SHA-256 is stored. [`redact`] removes the tokens from a
//!   mail body once it was delivered.
//! - **The tally** ([`tally`]): per person sent, clicked (the first click counts) and reported
//!   (the first report counts); per department and in all, the click and report rates over the
//!   mails sent, in tenths of a percent.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A drill mail template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// Stable key (`parcel`, `invoice`, `password`).
    pub key: String,
    /// What it imitates, in Japanese (宅配便の不在通知).
    pub title: String,
    /// The sender's display name.
    pub sender_name: String,
    /// Subject.
    pub subject: String,
    /// Body with `{name}` and `{link}`.
    pub body: String,
    /// The signs the lesson points out.
    pub signs: Vec<String>,
}

#[derive(Deserialize)]
struct Catalogue {
    templates: Vec<Template>,
}

/// The shipped templates.
pub fn templates() -> &'static [Template] {
    static C: OnceLock<Vec<Template>> = OnceLock::new();
    C.get_or_init(|| {
        serde_json::from_str::<Catalogue>(include_str!("../data/drill_templates.json"))
            .map(|c| c.templates)
            .unwrap_or_default()
    })
}

/// A template by key.
pub fn template(key: &str) -> Option<&'static Template> {
    templates().iter().find(|t| t.key == key)
}

/// Fills `{name}` and `{link}` into a text (other braces are left alone).
pub fn render(text: &str, name: &str, link: &str) -> String {
    text.replace("{name}", name).replace("{link}", link)
}

/// Why an address or a domain is refused; [`Refusal::key`] is its i18n message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// No address.
    Empty,
    /// Not one `local@domain` of the accepted form.
    Invalid,
    /// The organisation allowed no domain.
    NoAllowList,
    /// The domain is not an allowed domain nor a subdomain of one.
    Outside,
}

impl Refusal {
    /// The i18n message key.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::Empty => "drill-refused-empty",
            Refusal::Invalid => "drill-refused-invalid",
            Refusal::NoAllowList => "drill-refused-no-allow-list",
            Refusal::Outside => "drill-refused-outside",
        }
    }
}

/// Most allowed domains an organisation keeps.
pub const MAX_DOMAINS: usize = 20;

/// Suffixes under which anyone may register a name: never an allowed domain on their own.
pub const PUBLIC_SUFFIXES: &[&str] = &[
    "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "gr.jp", "ed.jp", "lg.jp", "ad.jp", "com.au", "co.uk", "org.uk",
    "com.cn", "com.tw", "co.kr", "com.sg",
];

fn is_label(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !l.starts_with('-')
        && !l.ends_with('-')
}

/// A domain in its compared form (ASCII lower case, no trailing dot), if it is a DNS name.
fn normalise(d: &str) -> Option<String> {
    let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
    (!d.is_empty() && d.len() <= 253 && d.is_ascii() && d.split('.').all(is_label)).then_some(d)
}

/// Whether `d` may be an allowed domain: a DNS name of two labels or more, not a public suffix.
pub fn is_allowable_domain(d: &str) -> bool {
    normalise(d).is_some_and(|d| d.contains('.') && !PUBLIC_SUFFIXES.contains(&d.as_str()))
}

/// Reads the allowed domains typed one a line (or separated by commas or spaces) → the
/// normalised, de-duplicated list, or the entries refused (as typed) with their reason key.
pub fn parse_domains(text: &str) -> Result<Vec<String>, Vec<(String, &'static str)>> {
    let mut out: Vec<String> = Vec::new();
    let mut bad = Vec::new();
    for raw in text.split(|c: char| c == ',' || c == '、' || c.is_whitespace()).filter(|s| !s.is_empty()) {
        let raw = raw.strip_prefix('@').unwrap_or(raw);
        match normalise(raw) {
            Some(d) if is_allowable_domain(&d) => {
                if !out.contains(&d) {
                    out.push(d);
                }
            }
            _ => bad.push((raw.chars().take(80).collect(), "drill-domain-invalid")),
        }
    }
    if out.len() > MAX_DOMAINS {
        bad.push((String::new(), "drill-domain-too-many"));
    }
    if bad.is_empty() { Ok(out) } else { Err(bad) }
}

/// Whether `domain` equals `allowed` or is a subdomain of it (both normalised).
fn under(domain: &str, allowed: &str) -> bool {
    domain == allowed || domain.strip_suffix(allowed).is_some_and(|head| head.ends_with('.'))
}

/// Checks a drill mail's address against the allowed domains (see the module's rules).
pub fn check_address(address: &str, allowed: &[String]) -> Result<(), Refusal> {
    let a = address.trim();
    if a.is_empty() {
        return Err(Refusal::Empty);
    }
    let mut parts = a.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Refusal::Invalid);
    };
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.chars().any(|c| c.is_whitespace() || c.is_control() || "\"<>,;()[]\\".contains(c));
    let Some(domain) = normalise(domain).filter(|_| local_ok && a.len() <= 254) else {
        return Err(Refusal::Invalid);
    };
    let allowed: Vec<String> = allowed.iter().filter_map(|d| normalise(d)).collect();
    if allowed.is_empty() {
        return Err(Refusal::NoAllowList);
    }
    if allowed.iter().any(|d| under(&domain, d)) { Ok(()) } else { Err(Refusal::Outside) }
}

/// Hex digits of a token.
pub const TOKEN_LEN: usize = 64;

/// The path prefix of a personal link.
pub const LINK_PATH: &str = "/drill/t/";

/// Whether `s` has the form of a token (64 hex digits).
pub fn is_token(s: &str) -> bool {
    s.len() == TOKEN_LEN && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A mail body with every personal link's token replaced by `…` (what the outbox keeps once
/// the mail was delivered, and what its readers are shown).
pub fn redact(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(LINK_PATH) {
        let (head, tail) = rest.split_at(at + LINK_PATH.len());
        out.push_str(head);
        let n = tail.bytes().take_while(u8::is_ascii_hexdigit).count();
        if n > 0 {
            out.push('…');
        }
        rest = tail.get(n..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// What one person did with their drill mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The mail was not sent (yet).
    NotSent,
    /// Reported without clicking: the hoped-for outcome.
    Reported,
    /// Clicked and reported.
    ClickedAndReported,
    /// Clicked, not reported.
    Clicked,
    /// Neither (yet).
    NoAction,
}

impl Outcome {
    /// Of a person's facts.
    pub fn of(sent: bool, clicked: bool, reported: bool) -> Outcome {
        match (sent, clicked, reported) {
            (false, _, _) => Outcome::NotSent,
            (true, false, true) => Outcome::Reported,
            (true, true, true) => Outcome::ClickedAndReported,
            (true, true, false) => Outcome::Clicked,
            (true, false, false) => Outcome::NoAction,
        }
    }

    /// The key (`drill-outcome-KEY` in the catalogues).
    pub fn key(self) -> &'static str {
        match self {
            Outcome::NotSent => "not_sent",
            Outcome::Reported => "reported",
            Outcome::ClickedAndReported => "clicked_and_reported",
            Outcome::Clicked => "clicked",
            Outcome::NoAction => "no_action",
        }
    }
}

/// One target's facts for the tally.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// Department (empty: none).
    pub department: &'a str,
    /// The mail was queued for sending.
    pub sent: bool,
    /// Clicked at least once.
    pub clicked: bool,
    /// Reported at least once.
    pub reported: bool,
}

/// Counts of a group of targets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// People chosen.
    pub targets: i64,
    /// Mails sent.
    pub sent: i64,
    /// People who clicked (each once).
    pub clicked: i64,
    /// People who reported (each once).
    pub reported: i64,
}

/// `part / whole` in tenths of a percent, rounded half up; `None` when nothing was sent.
pub fn rate(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| (part.clamp(0, whole) * 2000 + whole) / (2 * whole))
}

impl Counts {
    fn add(&mut self, f: &Facts<'_>) {
        self.targets += 1;
        if f.sent {
            self.sent += 1;
            self.clicked += i64::from(f.clicked);
            self.reported += i64::from(f.reported);
        }
    }

    /// Click rate over the mails sent, in tenths of a percent.
    pub fn click_rate(&self) -> Option<i64> {
        rate(self.clicked, self.sent)
    }

    /// Report rate over the mails sent, in tenths of a percent.
    pub fn report_rate(&self) -> Option<i64> {
        rate(self.reported, self.sent)
    }
}

/// The tally of a campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Everyone.
    pub all: Counts,
    /// By department ("" for people without one).
    pub by_department: BTreeMap<String, Counts>,
}

/// Counts a campaign's targets (a click or report of a mail not sent is not counted).
pub fn tally(targets: &[Facts<'_>]) -> Tally {
    let mut t = Tally::default();
    for f in targets {
        t.all.add(f);
        t.by_department.entry(f.department.trim().to_string()).or_default().add(f);
    }
    t
}

/// A rate in tenths of a percent as people read it (`25.0%`, `—` when nothing was sent).
pub fn format_rate(r: Option<i64>) -> String {
    match r {
        Some(r) => format!("{}.{}%", r / 10, r % 10),
        None => "—".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn allow(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn three_templates_at_least_each_with_its_placeholders() {
        let keys: Vec<&str> = templates().iter().map(|t| t.key.as_str()).collect();
        assert!(keys.len() >= 3);
        for k in ["parcel", "invoice", "password"] {
            let t = template(k).unwrap();
            assert!(t.body.contains("{link}") && t.body.contains("{name}"), "{k}");
            assert!(!t.subject.is_empty() && !t.sender_name.is_empty() && t.signs.len() >= 2, "{k}");
        }
        assert_eq!(template("parcel").unwrap().title, "宅配便の不在通知");
        assert_eq!(template("invoice").unwrap().title, "請求書の確認依頼");
        assert_eq!(template("password").unwrap().title, "パスワードの有効期限切れ");
        assert!(template("nope").is_none());
    }

    #[test]
    fn rendering_fills_name_and_link() {
        let t = template("password").unwrap();
        let body = render(&t.body, "山田 太郎", "https://isms.example.jp/drill/t/ab");
        assert!(body.starts_with("山田 太郎 様"));
        assert!(body.contains("https://isms.example.jp/drill/t/ab\n"));
        assert!(!body.contains("{link}") && !body.contains("{name}"));
    }

    #[test]
    fn the_allow_list_rules() {
        let a = allow(&["example.co.jp", "Group.Example.COM."]);
        assert_eq!(check_address("taro@example.co.jp", &a), Ok(()));
        assert_eq!(check_address("  Taro@EXAMPLE.co.jp. ", &a), Ok(()));
        assert_eq!(check_address("taro@tokyo.example.co.jp", &a), Ok(()));
        assert_eq!(check_address("taro@group.example.com", &a), Ok(()));
        assert_eq!(check_address("taro@example.com", &a), Err(Refusal::Outside));
        assert_eq!(check_address("taro@badexample.co.jp", &a), Err(Refusal::Outside));
        assert_eq!(check_address("taro@example.co.jp.evil.jp", &a), Err(Refusal::Outside));
        assert_eq!(check_address("taro@gmail.com", &a), Err(Refusal::Outside));
        assert_eq!(check_address("", &a), Err(Refusal::Empty));
        for bad in ["taro", "@example.co.jp", "a@b@example.co.jp", "taro @example.co.jp", "<taro@example.co.jp>"] {
            assert_eq!(check_address(bad, &a), Err(Refusal::Invalid), "{bad}");
        }
        assert_eq!(check_address("taro@例え.jp", &allow(&["例え.jp"])), Err(Refusal::Invalid));
        assert_eq!(check_address("taro@example.co.jp", &[]), Err(Refusal::NoAllowList));
        assert_eq!(Refusal::Outside.key(), "drill-refused-outside");
    }

    #[test]
    fn allowed_domains_are_read_and_checked() {
        assert_eq!(
            parse_domains("example.co.jp\n@Tokyo.Example.co.jp, example.co.jp"),
            Ok(allow(&["example.co.jp", "tokyo.example.co.jp"]))
        );
        assert_eq!(parse_domains("  "), Ok(vec![]));
        let e = parse_domains("co.jp jp -bad-.com example.co.jp").unwrap_err();
        let typed: Vec<&str> = e.iter().map(|(d, _)| d.as_str()).collect();
        assert_eq!(typed, ["co.jp", "jp", "-bad-.com"]);
        let many: Vec<String> = (0..21).map(|i| format!("d{i}.example.jp")).collect();
        assert_eq!(parse_domains(&many.join("\n")).unwrap_err(), vec![(String::new(), "drill-domain-too-many")]);
    }

    #[test]
    fn tokens_and_redaction() {
        let tok = "0123456789abcdef".repeat(4);
        assert!(is_token(&tok));
        assert!(!is_token(&tok[1..]) && !is_token(&format!("{}g", &tok[1..])));
        let body = format!("x https://h.jp/drill/t/{tok}\nand /drill/t/{tok}.");
        let r = redact(&body);
        assert_eq!(r, "x https://h.jp/drill/t/…\nand /drill/t/….");
        assert!(!r.contains(&tok));
        assert_eq!(redact("no link /drill/t/ here"), "no link /drill/t/ here");
    }

    #[test]
    fn the_tally_per_department() {
        let f = |department, sent, clicked, reported| Facts { department, sent, clicked, reported };
        let t = tally(&[
            f("営業部", true, true, false),
            f("営業部", true, false, true),
            f("営業部", true, true, true),
            f("営業部", true, false, false),
            f("総務部", true, false, true),
            f("", false, true, true),
        ]);
        assert_eq!(t.all, Counts { targets: 6, sent: 5, clicked: 2, reported: 3 });
        let sales = t.by_department["営業部"];
        assert_eq!((sales.click_rate(), sales.report_rate()), (Some(500), Some(500)));
        assert_eq!(t.by_department["総務部"].report_rate(), Some(1000));
        assert_eq!(t.by_department[""].click_rate(), None);
        assert_eq!(format_rate(t.all.click_rate()), "40.0%");
        assert_eq!(format_rate(rate(1, 3)), "33.3%");
        assert_eq!(format_rate(rate(2, 3)), "66.7%");
        assert_eq!(format_rate(None), "—");
        assert_eq!(Outcome::of(true, false, true), Outcome::Reported);
        assert_eq!(Outcome::of(false, true, true), Outcome::NotSent);
        assert_eq!(Outcome::of(true, true, false).key(), "clicked");
    }

    proptest! {
        #[test]
        fn any_text_is_checked_without_panic(a in "\\PC{0,80}", d in "\\PC{0,40}") {
            let _ = check_address(&a, std::slice::from_ref(&d));
            let _ = parse_domains(&d);
            let _ = redact(&a);
        }

        #[test]
        fn an_address_is_allowed_only_under_an_allowed_domain(
            local in "[a-z0-9._+-]{1,20}",
            sub in proptest::option::of("[a-z0-9]{1,10}"),
            base in "[a-z0-9]{1,12}\\.(jp|com|co\\.jp)",
            other in "[a-z0-9]{1,12}\\.(jp|com|co\\.jp)",
            upper in any::<bool>(),
        ) {
            let domain = match &sub { Some(s) => format!("{s}.{base}"), None => base.clone() };
            let mut addr = format!("{local}@{domain}");
            if upper { addr = addr.to_uppercase(); }
            let allowed = vec![base.clone()];
            prop_assert_eq!(check_address(&addr, &allowed), Ok(()));
            // Another domain passes only when it is the same or under the allowed one.
            let verdict = check_address(&format!("{local}@{other}"), &allowed);
            let expected = other == base || other.ends_with(&format!(".{base}"));
            prop_assert_eq!(verdict.is_ok(), expected);
            // A suffix that is not a label boundary never passes.
            let glued = format!("{local}@x{base}");
            prop_assert_eq!(check_address(&glued, &allowed), Err(Refusal::Outside));
        }
    }
}
