//! Detections over stored audit events (8.15 (1), 8.16). Each rule is documented here with its
//! logic; thresholds are parameters ([`Thresholds`], set per organisation) with defaults for a
//! small company, after the published heuristics collected in `../shared/docs/m365-formats.md`
//! §3.
//!
//! The [`Detector`] is streaming: it takes events in time order (time, then id) and keeps only
//! what its windows need, so memory does not grow with the number of events. Hits are taken out
//! as they are found ([`Detector::drain`]); each hit keeps at most [`MAX_IDS`] event ids (its
//! `count` is complete).
//!
//! - `password_spray`: failed sign-ins (`UserLoginFailed`) for at least `spray_users` distinct
//!   users from one IP within `spray_window_min` minutes. The hit's `user` is the IP.
//! - `brute_force`: at least `brute_failures` failed sign-ins for one user within
//!   `brute_window_min` minutes.
//! - `success_after_failures`: a successful sign-in (`UserLoggedIn`) of a user who had at least
//!   `success_after` failures in the `brute_window_min` minutes before it.
//! - `new_network`: a successful sign-in from a network (IPv4 /24, IPv6 /48) never seen before
//!   for that user, when the user already has sign-ins from other networks (the first sign-in
//!   ever only starts the baseline). Addresses on the allow list (the office, known VPNs) are
//!   never flagged. The baseline persists across runs (first-seen time per user and network),
//!   so a run over the same events gives the same hits. Audit-log sign-ins carry no country;
//!   a network is the finest location they give.
//! - `mass_download`: at least `download_events` downloads or full syncs (`FileDownloaded`,
//!   `FileSyncDownloadedFull`) by one user within `download_window_min` minutes.
//! - `role_change`: every `Add member to role` (a privileged role granted).
//! - `mailbox_forwarding`: `New-InboxRule` / `Set-InboxRule` / `UpdateInboxRules` forwarding,
//!   redirecting or deleting, and `Set-Mailbox` with a forwarding address.
//! - `anonymous_link`: `AnonymousLinkCreated` / `AnonymousLinkUpdated` ("anyone" links).
//! - `external_sharing`: `SharingSet` / `AddedToSecureLink` / `SharingInvitationCreated` /
//!   `AddedToGroup` to a guest (`TargetUserOrGroupType` `Guest`, or an `#EXT#` account) or to
//!   an anonymous sharing link (`SharingLinks.….Anonymous…`).
//! - `mfa_change`: `Update user` changing StrongAuthentication settings, and security-info
//!   registrations or deletions.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::IpAddr;

/// An event as the rules see it.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// AuditData.Id.
    pub id: &'a str,
    /// UTC `YYYY-MM-DDTHH:MM:SS`.
    pub time: &'a str,
    /// Operation.
    pub operation: &'a str,
    /// User.
    pub user: &'a str,
    /// Client IP.
    pub ip: &'a str,
    /// The original JSON (needed only for the operations in [`NEEDS_RAW`]; may be empty for
    /// the others).
    pub raw: &'a str,
}

/// Event ids kept per hit.
pub const MAX_IDS: usize = 500;

/// Operations the rules read.
pub const OPERATIONS: [&str; 20] = [
    "UserLoginFailed",
    "UserLoggedIn",
    "FileDownloaded",
    "FileSyncDownloadedFull",
    "Add member to role",
    "New-InboxRule",
    "Set-InboxRule",
    "UpdateInboxRules",
    "Set-Mailbox",
    "AnonymousLinkCreated",
    "AnonymousLinkUpdated",
    "SharingSet",
    "AddedToSecureLink",
    "SharingInvitationCreated",
    "AddedToGroup",
    "Update user",
    "User registered security info",
    "User deleted security info",
    "Admin registered security info",
    "Admin deleted security info",
];

/// Operations whose rules look into the raw JSON.
pub const NEEDS_RAW: [&str; 9] = [
    "New-InboxRule",
    "Set-InboxRule",
    "UpdateInboxRules",
    "Set-Mailbox",
    "SharingSet",
    "AddedToSecureLink",
    "SharingInvitationCreated",
    "AddedToGroup",
    "Update user",
];

/// Thresholds (per organisation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// Distinct users failing from one IP.
    pub spray_users: usize,
    /// Window of the spray rule, minutes.
    pub spray_window_min: i64,
    /// Failures of one user.
    pub brute_failures: usize,
    /// Window of the brute-force rule, minutes.
    pub brute_window_min: i64,
    /// Failures before a success that make it suspicious.
    pub success_after: usize,
    /// Downloads or syncs by one user.
    pub download_events: usize,
    /// Window of the mass-download rule, minutes.
    pub download_window_min: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            spray_users: 5,
            spray_window_min: 30,
            brute_failures: 10,
            brute_window_min: 60,
            success_after: 5,
            download_events: 50,
            download_window_min: 60,
        }
    }
}

impl Thresholds {
    /// Validation: counts of at least 2, windows from 1 minute to 7 days. Returns the names of
    /// the fields out of range.
    pub fn invalid_fields(&self) -> Vec<&'static str> {
        let mut bad = Vec::new();
        let counts = [
            ("spray_users", self.spray_users),
            ("brute_failures", self.brute_failures),
            ("success_after", self.success_after),
            ("download_events", self.download_events),
        ];
        for (name, v) in counts {
            if !(2..=1_000_000).contains(&v) {
                bad.push(name);
            }
        }
        let windows = [
            ("spray_window_min", self.spray_window_min),
            ("brute_window_min", self.brute_window_min),
            ("download_window_min", self.download_window_min),
        ];
        for (name, v) in windows {
            if !(1..=7 * 24 * 60).contains(&v) {
                bad.push(name);
            }
        }
        bad
    }
}

/// A rule's hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// Rule key.
    pub rule: &'static str,
    /// The user (the IP for `password_spray`).
    pub user: String,
    /// First event time.
    pub first_seen: String,
    /// Last event time.
    pub last_seen: String,
    /// Events involved.
    pub count: usize,
    /// Their ids (at most [`MAX_IDS`]).
    pub event_ids: Vec<String>,
}

/// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SS` (None when malformed).
pub fn epoch_seconds(t: &str) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| t.get(r).and_then(|s| s.parse::<i64>().ok());
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// An address block of the allow list (`203.0.113.0/24`, `2001:db8::/32`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

fn bits(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(a) => (u128::from(u32::from(a)) << 96, 32),
        IpAddr::V6(a) => (u128::from(a), 128),
    }
}

fn mask(prefix: u8) -> u128 {
    if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix)) }
}

impl Cidr {
    /// Parses `address[/prefix]`.
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr.trim().parse().map_err(|_| format!("{s:?} is not an IP address or block"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => {
                p.trim().parse::<u8>().ok().filter(|p| *p <= max).ok_or(format!("{s:?}: prefix must be 0–{max}"))?
            }
            None => max,
        };
        Ok(Cidr { net, prefix })
    }

    /// True when `ip` is in the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ((a, la), (b, lb)) = (bits(self.net), bits(ip));
        if la != lb {
            return false;
        }
        let m = mask(self.prefix);
        a & m == b & m
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

/// The network of an address as the new-network rule compares it: IPv4 /24, IPv6 /48.
pub fn network_of(ip: &str) -> Option<String> {
    match ip.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => {
            let o = a.octets();
            Some(format!("{}.{}.{}.0/24", o[0], o[1], o[2]))
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            Some(format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2]))
        }
    }
}

#[derive(Debug)]
struct Item {
    t: i64,
    time: String,
    id: String,
    who: String,
}

#[derive(Debug)]
struct Run {
    first_seen: String,
    last_seen: String,
    count: usize,
    ids: Vec<String>,
}

#[derive(Debug, Default)]
struct Window {
    items: VecDeque<Item>,
    /// Items per `who` (the spray rule's distinct users).
    distinct: HashMap<String, usize>,
    run: Option<Run>,
    last: i64,
}

impl Window {
    fn push(&mut self, item: Item, window_s: i64) {
        self.last = item.t;
        while self.items.front().is_some_and(|f| item.t - f.t > window_s) {
            if let Some(old) = self.items.pop_front()
                && let Some(n) = self.distinct.get_mut(&old.who)
            {
                *n -= 1;
                if *n == 0 {
                    self.distinct.remove(&old.who);
                }
            }
        }
        *self.distinct.entry(item.who.clone()).or_default() += 1;
        self.items.push_back(item);
    }

    /// Extends or starts the run when the window qualifies; returns the finished run when it
    /// stops qualifying.
    fn step(&mut self, qualifies: bool) -> Option<Run> {
        if qualifies {
            match &mut self.run {
                Some(r) => {
                    if let Some(last) = self.items.back() {
                        r.count += 1;
                        r.last_seen.clone_from(&last.time);
                        if r.ids.len() < MAX_IDS {
                            r.ids.push(last.id.clone());
                        }
                    }
                }
                None => {
                    self.run = Some(Run {
                        first_seen: self.items.front().map(|i| i.time.clone()).unwrap_or_default(),
                        last_seen: self.items.back().map(|i| i.time.clone()).unwrap_or_default(),
                        count: self.items.len(),
                        ids: self.items.iter().take(MAX_IDS).map(|i| i.id.clone()).collect(),
                    })
                }
            }
            None
        } else {
            self.run.take()
        }
    }
}

fn run_hit(rule: &'static str, key: &str, r: Run) -> Hit {
    Hit {
        rule,
        user: key.to_string(),
        first_seen: r.first_seen,
        last_seen: r.last_seen,
        count: r.count,
        event_ids: r.ids,
    }
}

fn each(rule: &'static str, e: &Event<'_>) -> Hit {
    Hit {
        rule,
        user: e.user.to_string(),
        first_seen: e.time.to_string(),
        last_seen: e.time.to_string(),
        count: 1,
        event_ids: vec![e.id.to_string()],
    }
}

const FORWARD_KEYS: [&str; 8] = [
    "ForwardTo",
    "ForwardAsAttachmentTo",
    "RedirectTo",
    "RedirectToRecipients",
    "ForwardingSmtpAddress",
    "ForwardingAddress",
    "DeleteMessage",
    "MoveToFolder",
];

/// True when a sharing event's AuditData shares with a guest or an anonymous link.
fn shares_externally(raw: &str) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(raw) else { return false };
    let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let target_type = field("TargetUserOrGroupType");
    let target = field("TargetUserOrGroupName").to_lowercase();
    target_type.eq_ignore_ascii_case("guest") || target.contains("#ext#") || target.contains(".anonymous")
}

/// A window rule's state: windows per key.
#[derive(Debug, Default)]
struct Keyed {
    windows: HashMap<String, Window>,
}

impl Keyed {
    fn sweep(&mut self, rule: &'static str, now: i64, window_s: i64, out: &mut Vec<Hit>) {
        self.windows.retain(|key, w| {
            if now - w.last > window_s {
                // No later event can join this window (counts are at least 2).
                if let Some(r) = w.run.take() {
                    out.push(run_hit(rule, key, r));
                }
                false
            } else {
                true
            }
        });
    }

    fn finish(&mut self, rule: &'static str, out: &mut Vec<Hit>) {
        for (key, w) in self.windows.drain() {
            if let Some(r) = w.run {
                out.push(run_hit(rule, &key, r));
            }
        }
    }
}

/// A user's sign-in networks: first sighting of each, and the earliest of all.
#[derive(Debug, Default)]
struct Networks {
    first: HashMap<String, String>,
    earliest: Option<String>,
}

impl Networks {
    /// Records a sighting; true when it is the network's first (or an earlier one).
    fn see(&mut self, net: String, time: &str) -> bool {
        if self.earliest.as_deref().is_none_or(|e| time < e) {
            self.earliest = Some(time.to_string());
        }
        match self.first.get_mut(&net) {
            Some(first) if first.as_str() <= time => first.as_str() == time,
            Some(first) => {
                *first = time.to_string();
                true
            }
            None => {
                self.first.insert(net, time.to_string());
                true
            }
        }
    }
}

/// The streaming detector.
#[derive(Debug)]
pub struct Detector {
    t: Thresholds,
    allow: Vec<Cidr>,
    spray: Keyed,
    brute: Keyed,
    downloads: Keyed,
    /// user → network → first seen.
    networks: HashMap<String, Networks>,
    /// Networks first seen (or seen earlier than recorded) in this run.
    learned: BTreeMap<(String, String), String>,
    out: Vec<Hit>,
    seen: u64,
    now: i64,
}

impl Detector {
    /// A detector with these thresholds, allow list and sign-in network baseline
    /// ((user, network, first seen) as stored by earlier runs).
    pub fn new(
        t: Thresholds,
        allow: Vec<Cidr>,
        baseline: impl IntoIterator<Item = (String, String, String)>,
    ) -> Detector {
        let mut networks: HashMap<String, Networks> = HashMap::new();
        for (user, net, first) in baseline {
            networks.entry(user).or_default().see(net, &first);
        }
        Detector {
            t,
            allow,
            spray: Keyed::default(),
            brute: Keyed::default(),
            downloads: Keyed::default(),
            networks,
            learned: BTreeMap::new(),
            out: Vec::new(),
            seen: 0,
            now: i64::MIN,
        }
    }

    /// How many windows the rules keep open now (the detector's memory grows with this, not
    /// with the number of events seen).
    pub fn open_windows(&self) -> usize {
        self.spray.windows.len() + self.brute.windows.len() + self.downloads.windows.len()
    }

    /// Takes one event (events must come in time order, then by id).
    pub fn push(&mut self, e: &Event<'_>) {
        let Some(s) = epoch_seconds(e.time) else { return };
        self.now = self.now.max(s);
        self.seen += 1;
        let t = self.t;
        let item = |who: &str| Item { t: s, time: e.time.to_string(), id: e.id.to_string(), who: who.to_string() };
        match e.operation {
            "UserLoginFailed" => {
                if !e.ip.is_empty() {
                    let w = self.spray.windows.entry(e.ip.to_string()).or_default();
                    w.push(item(e.user), t.spray_window_min * 60);
                    let q = w.distinct.len() >= t.spray_users;
                    if let Some(r) = w.step(q) {
                        self.out.push(run_hit("password_spray", e.ip, r));
                    }
                }
                let w = self.brute.windows.entry(e.user.to_string()).or_default();
                w.push(item(""), t.brute_window_min * 60);
                let q = w.items.len() >= t.brute_failures;
                if let Some(r) = w.step(q) {
                    self.out.push(run_hit("brute_force", e.user, r));
                }
            }
            "UserLoggedIn" => {
                self.after_failures(e, s);
                self.new_network(e);
            }
            "FileDownloaded" | "FileSyncDownloadedFull" => {
                let w = self.downloads.windows.entry(e.user.to_string()).or_default();
                w.push(item(""), t.download_window_min * 60);
                let q = w.items.len() >= t.download_events;
                if let Some(r) = w.step(q) {
                    self.out.push(run_hit("mass_download", e.user, r));
                }
            }
            "Add member to role" => self.out.push(each("role_change", e)),
            "New-InboxRule" | "Set-InboxRule" | "UpdateInboxRules" | "Set-Mailbox"
                if FORWARD_KEYS.iter().any(|k| e.raw.contains(&format!("\"{k}\""))) =>
            {
                self.out.push(each("mailbox_forwarding", e))
            }
            "AnonymousLinkCreated" | "AnonymousLinkUpdated" => self.out.push(each("anonymous_link", e)),
            "SharingSet" | "AddedToSecureLink" | "SharingInvitationCreated" | "AddedToGroup"
                if shares_externally(e.raw) =>
            {
                self.out.push(each("external_sharing", e))
            }
            "Update user" if e.raw.contains("StrongAuthentication") => self.out.push(each("mfa_change", e)),
            "User registered security info"
            | "User deleted security info"
            | "Admin registered security info"
            | "Admin deleted security info" => self.out.push(each("mfa_change", e)),
            _ => {}
        }
        if self.seen.is_multiple_of(4096) {
            let now = self.now;
            self.spray.sweep("password_spray", now, t.spray_window_min * 60, &mut self.out);
            self.brute.sweep("brute_force", now, t.brute_window_min * 60, &mut self.out);
            self.downloads.sweep("mass_download", now, t.download_window_min * 60, &mut self.out);
        }
    }

    fn after_failures(&mut self, e: &Event<'_>, s: i64) {
        let Some(w) = self.brute.windows.get(e.user) else { return };
        let window = self.t.brute_window_min * 60;
        let before: Vec<&Item> = w.items.iter().filter(|f| f.t <= s && s - f.t <= window).collect();
        if before.len() >= self.t.success_after {
            let mut ids: Vec<String> = before.iter().take(MAX_IDS - 1).map(|f| f.id.clone()).collect();
            ids.push(e.id.to_string());
            self.out.push(Hit {
                rule: "success_after_failures",
                user: e.user.to_string(),
                first_seen: before.first().map(|f| f.time.clone()).unwrap_or_else(|| e.time.to_string()),
                last_seen: e.time.to_string(),
                count: before.len() + 1,
                event_ids: ids,
            });
        }
    }

    fn new_network(&mut self, e: &Event<'_>) {
        let Some(net) = network_of(e.ip) else { return };
        let allowed = e.ip.parse::<IpAddr>().is_ok_and(|ip| self.allow.iter().any(|c| c.contains(ip)));
        let known = match self.networks.get_mut(e.user) {
            Some(k) => k,
            None => self.networks.entry(e.user.to_string()).or_default(),
        };
        let baseline = known.earliest.as_deref().is_some_and(|first| first < e.time);
        let seen_before = known.first.get(&net).is_some_and(|first| first.as_str() < e.time);
        if baseline && !seen_before && !allowed {
            self.out.push(Hit {
                rule: "new_network",
                user: e.user.to_string(),
                first_seen: e.time.to_string(),
                last_seen: e.time.to_string(),
                count: 1,
                event_ids: vec![e.id.to_string()],
            });
        }
        if known.see(net.clone(), e.time) {
            self.learned.insert((e.user.to_string(), net), e.time.to_string());
        }
    }

    /// Takes the hits found so far.
    pub fn drain(&mut self) -> Vec<Hit> {
        std::mem::take(&mut self.out)
    }

    /// Ends the stream: the open runs become hits. Returns the remaining hits and the networks
    /// learned (user, network, first seen) for the baseline.
    pub fn finish(mut self) -> (Vec<Hit>, Vec<(String, String, String)>) {
        self.spray.finish("password_spray", &mut self.out);
        self.brute.finish("brute_force", &mut self.out);
        self.downloads.finish("mass_download", &mut self.out);
        let learned = self.learned.into_iter().map(|((u, n), f)| (u, n, f)).collect();
        (self.out, learned)
    }
}

/// Runs every rule over `events` (any order) with no allow list and no earlier baseline;
/// hits sorted by first time, rule and subject.
pub fn detect(events: &[Event<'_>], t: &Thresholds) -> Vec<Hit> {
    let mut sorted: Vec<&Event<'_>> = events.iter().collect();
    sorted.sort_by(|a, b| (a.time, a.id).cmp(&(b.time, b.id)));
    let mut d = Detector::new(*t, Vec::new(), Vec::new());
    for e in sorted {
        d.push(e);
    }
    let (mut out, _) = d.finish();
    out.sort_by(|a, b| (&a.first_seen, a.rule, &a.user).cmp(&(&b.first_seen, b.rule, &b.user)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: &str, time: &str, op: &str, user: &str, ip: &str) -> (String, String, String, String, String) {
        (id.into(), time.into(), op.into(), user.into(), ip.into())
    }

    fn run(list: &[(String, String, String, String, String)], raw: &str) -> Vec<Hit> {
        let events: Vec<Event<'_>> =
            list.iter().map(|(id, t, op, u, ip)| Event { id, time: t, operation: op, user: u, ip, raw }).collect();
        detect(&events, &Thresholds::default())
    }

    fn at(min: i64) -> String {
        format!("2026-01-05T01:{:02}:00", min)
    }

    #[test]
    fn epoch_seconds_of_known_times() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00"), Some(0));
        assert_eq!(epoch_seconds("2026-01-01T00:00:00"), Some(1_767_225_600));
        assert_eq!(epoch_seconds("2024-02-29T12:00:00").map(|s| s % 86_400), Some(43_200));
        assert_eq!(epoch_seconds("garbage"), None);
    }

    #[test]
    fn spray_needs_enough_distinct_users_from_one_ip_in_the_window() {
        let users = ["a", "b", "c", "d", "e"];
        let spray: Vec<_> = users
            .iter()
            .enumerate()
            .map(|(i, u)| ev(&format!("s{i}"), &at(i as i64 * 5), "UserLoginFailed", u, "203.0.113.7"))
            .collect();
        let hits = run(&spray, "{}");
        let s: Vec<&Hit> = hits.iter().filter(|h| h.rule == "password_spray").collect();
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].user.as_str(), s[0].count), ("203.0.113.7", 5));
        // Four users, or five spread over more than 30 minutes, or five IPs: no spray.
        assert!(run(&spray[..4], "{}").iter().all(|h| h.rule != "password_spray"));
        let slow: Vec<_> = users
            .iter()
            .enumerate()
            .map(|(i, u)| ev(&format!("s{i}"), &at(i as i64 * 14), "UserLoginFailed", u, "203.0.113.7"))
            .collect();
        assert!(run(&slow, "{}").iter().all(|h| h.rule != "password_spray"));
        let many_ips: Vec<_> = users
            .iter()
            .enumerate()
            .map(|(i, u)| ev(&format!("s{i}"), &at(i as i64), "UserLoginFailed", u, &format!("203.0.113.{i}")))
            .collect();
        assert!(run(&many_ips, "{}").iter().all(|h| h.rule != "password_spray"));
    }

    #[test]
    fn brute_force_and_a_success_after_it() {
        let mut list: Vec<_> =
            (0..10).map(|i| ev(&format!("f{i}"), &at(i * 3), "UserLoginFailed", "taro", "198.51.100.1")).collect();
        let hits = run(&list, "{}");
        assert_eq!(hits.iter().filter(|h| h.rule == "brute_force").count(), 1);
        assert!(run(&list[..9], "{}").iter().all(|h| h.rule != "brute_force"), "nine failures are not enough");
        list.push(ev("ok", &at(40), "UserLoggedIn", "taro", "198.51.100.1"));
        let hits = run(&list, "{}");
        let s = hits.iter().find(|h| h.rule == "success_after_failures").unwrap();
        assert_eq!(s.count, 11);
        assert_eq!(s.event_ids.last().map(String::as_str), Some("ok"));
        // A success with only two failures before it is normal.
        let normal = vec![
            ev("f1", &at(0), "UserLoginFailed", "hanako", ""),
            ev("f2", &at(1), "UserLoginFailed", "hanako", ""),
            ev("ok", &at(2), "UserLoggedIn", "hanako", ""),
        ];
        assert!(run(&normal, "{}").is_empty());
    }

    #[test]
    fn single_event_rules() {
        let role = ev("r", &at(0), "Add member to role", "admin", "");
        assert_eq!(run(&[role], "{}")[0].rule, "role_change");
        let fwd = ev("m", &at(0), "New-InboxRule", "taro", "");
        assert_eq!(
            run(std::slice::from_ref(&fwd), r#"{"Parameters":[{"Name":"ForwardTo","Value":"x@evil.example"}]}"#)[0]
                .rule,
            "mailbox_forwarding"
        );
        assert!(run(&[fwd], r#"{"Parameters":[{"Name":"MarkAsRead","Value":"True"}]}"#).is_empty(), "a harmless rule");
        let anon = ev("a", &at(0), "AnonymousLinkCreated", "taro", "");
        assert_eq!(run(&[anon], "{}")[0].rule, "anonymous_link");
        let mfa = ev("u", &at(0), "Update user", "admin", "");
        assert_eq!(
            run(std::slice::from_ref(&mfa), r#"{"ModifiedProperties":[{"Name":"StrongAuthenticationMethod"}]}"#)[0]
                .rule,
            "mfa_change"
        );
        assert!(run(&[mfa], r#"{"ModifiedProperties":[{"Name":"DisplayName"}]}"#).is_empty());
    }

    fn hits_of<'a>(hits: &'a [Hit], rule: &str) -> Vec<&'a Hit> {
        hits.iter().filter(|h| h.rule == rule).collect()
    }

    #[test]
    fn new_network_needs_a_baseline_and_respects_the_allow_list() {
        let ok = |id: &str, min: i64, ip: &str| ev(id, &at(min), "UserLoggedIn", "taro", ip);
        // The first sign-in ever starts the baseline; the same /24 later is known.
        let list = vec![ok("a", 0, "198.51.100.10"), ok("b", 1, "198.51.100.99")];
        assert!(run(&list, "{}").is_empty());
        // Another network afterwards is new, once.
        let mut list2 = list.clone();
        list2.push(ok("c", 2, "203.0.113.5"));
        list2.push(ok("d", 3, "203.0.113.6"));
        let hits = run(&list2, "{}");
        let n = hits_of(&hits, "new_network");
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].event_ids, vec!["c".to_string()]);
        // On the allow list: not flagged.
        let events: Vec<Event<'_>> =
            list2.iter().map(|(id, t, op, u, ip)| Event { id, time: t, operation: op, user: u, ip, raw: "" }).collect();
        let mut d = Detector::new(Thresholds::default(), vec![Cidr::parse("203.0.113.0/25").unwrap()], Vec::new());
        for e in &events {
            d.push(e);
        }
        let (hits, learned) = d.finish();
        assert!(hits.is_empty(), "{hits:?}");
        assert!(learned.contains(&("taro".into(), "203.0.113.0/24".into(), at(2))));
        // A second run with the learned baseline gives the same hit again (idempotent), and a
        // run over later events only does not flag the known network.
        let mut d = Detector::new(Thresholds::default(), Vec::new(), learned.clone());
        for e in &events {
            d.push(e);
        }
        assert_eq!(d.finish().0.len(), 1);
        let later = ok("e", 30, "203.0.113.77");
        let mut d = Detector::new(Thresholds::default(), Vec::new(), learned);
        d.push(&Event { id: &later.0, time: &later.1, operation: &later.2, user: &later.3, ip: &later.4, raw: "" });
        assert!(d.finish().0.is_empty());
    }

    #[test]
    fn mass_download_counts_downloads_per_user_in_the_window() {
        let many: Vec<_> = (0..50)
            .map(|i| {
                ev(
                    &format!("d{i:02}"),
                    &format!("2026-01-05T01:{:02}:{:02}", i / 60, i % 60),
                    "FileDownloaded",
                    "taro",
                    "",
                )
            })
            .collect();
        let hits = run(&many, "{}");
        let m = hits_of(&hits, "mass_download");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].count, 50);
        assert!(run(&many[..49], "{}").is_empty(), "49 downloads are below the threshold");
        let slow: Vec<_> = (0..50)
            .map(|i| {
                ev(
                    &format!("d{i:02}"),
                    &format!("2026-01-{:02}T0{}:00:00", 5 + i / 8, i % 8),
                    "FileDownloaded",
                    "taro",
                    "",
                )
            })
            .collect();
        assert!(run(&slow, "{}").is_empty(), "one download an hour is normal");
    }

    #[test]
    fn external_sharing_to_guests_and_anonymous_links_only() {
        let share = ev("s", &at(0), "SharingSet", "taro", "");
        let guest = r#"{"TargetUserOrGroupType":"Guest","TargetUserOrGroupName":"partner@example.com"}"#;
        assert_eq!(run(std::slice::from_ref(&share), guest)[0].rule, "external_sharing");
        let ext = r#"{"TargetUserOrGroupType":"Member","TargetUserOrGroupName":"partner_example.com#EXT#@tenant.onmicrosoft.com"}"#;
        assert_eq!(run(std::slice::from_ref(&share), ext)[0].rule, "external_sharing");
        let anon = r#"{"TargetUserOrGroupName":"SharingLinks.0a1b.AnonymousEdit.2c3d"}"#;
        assert_eq!(run(std::slice::from_ref(&share), anon)[0].rule, "external_sharing");
        let member = r#"{"TargetUserOrGroupType":"Member","TargetUserOrGroupName":"hanako@example.jp"}"#;
        assert!(run(std::slice::from_ref(&share), member).is_empty(), "sharing inside the tenant");
        assert!(run(&[share], "not json").is_empty());
    }

    #[test]
    fn runs_end_when_their_key_goes_quiet() {
        // A brute force, then 10,000 unrelated failures of other users hours later: the brute
        // force is reported once, and the swept windows do not keep the old events.
        let mut list: Vec<_> =
            (0..10).map(|i| ev(&format!("f{i}"), &at(i), "UserLoginFailed", "taro", "198.51.100.1")).collect();
        for i in 0..10_000 {
            list.push(ev(
                &format!("x{i:05}"),
                &format!("2026-01-06T{:02}:{:02}:00", i / 600 % 24, i / 10 % 60),
                "UserLoginFailed",
                &format!("u{i}"),
                "",
            ));
        }
        let hits = run(&list, "{}");
        assert_eq!(hits_of(&hits, "brute_force").len(), 1);
        assert_eq!(hits_of(&hits, "brute_force")[0].user, "taro");
    }

    #[test]
    fn memory_is_bounded_by_the_window_not_by_the_history() {
        // 50,000 failures of 50,000 users, one every 6 s (three and a half days): an hour's
        // window holds 600 users, and windows are swept every 4,096 events, so the detector
        // never keeps more than about 4,700 windows — not one per user ever seen.
        let mut d = Detector::new(Thresholds::default(), Vec::new(), Vec::new());
        let mut most = 0;
        for i in 0..50_000i64 {
            let s = i * 6;
            let t = format!("2026-01-{:02}T{:02}:{:02}:{:02}", 5 + s / 86_400, s / 3_600 % 24, s / 60 % 60, s % 60);
            let (id, user) = (format!("x{i:06}"), format!("u{i}"));
            d.push(&Event { id: &id, time: &t, operation: "UserLoginFailed", user: &user, ip: "", raw: "{}" });
            most = most.max(d.open_windows());
        }
        assert!(most <= 600 + 4_096 + 1, "at most {most} windows were open at once");
        assert!(most > 600, "the window itself is kept: {most}");
    }

    #[test]
    fn hits_keep_at_most_max_ids_but_count_everything() {
        let list: Vec<_> = (0..(MAX_IDS + 100))
            .map(|i| {
                ev(
                    &format!("f{i:05}"),
                    &format!("2026-01-05T01:{:02}:{:02}", i / 60 % 60, i % 60),
                    "UserLoginFailed",
                    "taro",
                    "",
                )
            })
            .collect();
        let hits = run(&list, "{}");
        let b = hits_of(&hits, "brute_force");
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].count, MAX_IDS + 100);
        assert_eq!(b[0].event_ids.len(), MAX_IDS);
    }

    #[test]
    fn cidr_blocks() {
        let c = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(c.contains("203.0.113.200".parse().unwrap()));
        assert!(!c.contains("203.0.114.1".parse().unwrap()));
        assert!(!c.contains("2001:db8::1".parse().unwrap()));
        let one = Cidr::parse("198.51.100.7").unwrap();
        assert!(one.contains("198.51.100.7".parse().unwrap()) && !one.contains("198.51.100.8".parse().unwrap()));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8:ffff::1".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("office").is_err());
        assert_eq!(network_of("198.51.100.7").as_deref(), Some("198.51.100.0/24"));
        assert_eq!(network_of("2001:db8:1:2::5").as_deref(), Some("2001:db8:1::/48"));
        assert_eq!(network_of(""), None);
        assert_eq!(Thresholds::default().invalid_fields(), Vec::<&str>::new());
        let bad = Thresholds { brute_failures: 1, spray_window_min: 0, ..Thresholds::default() };
        assert_eq!(bad.invalid_fields(), vec!["brute_failures", "spray_window_min"]);
    }

    proptest::proptest! {
        #[test]
        fn every_v4_block_contains_its_own_addresses(a in 0u32.., prefix in 0u8..=32, host in 0u32..) {
            let net = std::net::Ipv4Addr::from(a);
            let c = Cidr::parse(&format!("{net}/{prefix}")).unwrap();
            let m: u32 = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
            let inside = std::net::Ipv4Addr::from((a & m) | (host & !m));
            proptest::prop_assert!(c.contains(IpAddr::V4(inside)));
            if prefix > 0 {
                let outside = std::net::Ipv4Addr::from(inside.to_bits() ^ (1u32 << (32 - u32::from(prefix))));
                proptest::prop_assert!(!c.contains(IpAddr::V4(outside)));
            }
        }

        #[test]
        fn any_text_parses_or_errs_without_panicking(s in ".{0,50}") {
            let _ = Cidr::parse(&s);
            let _ = network_of(&s);
        }
    }
}
