//! Detections over stored audit events (8.15 (1), 8.16). Each rule is documented here with its
//! logic; thresholds are parameters ([`Thresholds`]) with defaults for a small company, after
//! the published heuristics collected in `../shared/docs/m365-formats.md` §3.
//!
//! - `password_spray`: failed sign-ins (`UserLoginFailed`) for at least `spray_users` distinct
//!   users from one IP within `spray_window_min` minutes. The hit's `user` is the IP.
//! - `brute_force`: at least `brute_failures` failed sign-ins for one user within
//!   `brute_window_min` minutes.
//! - `success_after_failures`: a successful sign-in (`UserLoggedIn`) of a user who had at least
//!   `success_after` failures in the `brute_window_min` minutes before it.
//! - `role_change`: every `Add member to role` (a privileged role granted).
//! - `mailbox_forwarding`: `New-InboxRule` / `Set-InboxRule` / `UpdateInboxRules` forwarding,
//!   redirecting or deleting, and `Set-Mailbox` with a forwarding address.
//! - `anonymous_link`: `AnonymousLinkCreated` / `AnonymousLinkUpdated` ("anyone" links).
//! - `mfa_change`: `Update user` changing StrongAuthentication settings, and security-info
//!   registrations or deletions.

use serde::Serialize;
use std::collections::BTreeMap;

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
    /// The original JSON.
    pub raw: &'a str,
}

/// Thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { spray_users: 5, spray_window_min: 30, brute_failures: 10, brute_window_min: 60, success_after: 5 }
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
    /// Their ids.
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

/// Groups of events (by key) in which some window of `window_s` seconds holds events that
/// satisfy `enough`; each maximal run of overlapping qualifying windows is one hit.
fn windows<'a>(
    rule: &'static str,
    groups: BTreeMap<String, Vec<(i64, Event<'a>)>>,
    window_s: i64,
    enough: impl Fn(&[(i64, Event<'a>)]) -> bool,
) -> Vec<Hit> {
    let mut out = Vec::new();
    for (key, mut evs) in groups {
        evs.sort_by(|a, b| (a.0, a.1.id).cmp(&(b.0, b.1.id)));
        let mut start = 0;
        let mut current: Option<(usize, usize)> = None;
        for end in 0..evs.len() {
            while evs[end].0 - evs[start].0 > window_s {
                start += 1;
            }
            if enough(&evs[start..=end]) {
                current = match current {
                    Some((s, _)) => Some((s.min(start), end)),
                    _ => Some((start, end)),
                };
            } else if let Some((s, e)) = current.take() {
                out.push(hit(rule, &key, &evs[s..=e]));
            }
        }
        if let Some((s, e)) = current {
            out.push(hit(rule, &key, &evs[s..=e]));
        }
    }
    out
}

fn hit(rule: &'static str, key: &str, evs: &[(i64, Event<'_>)]) -> Hit {
    Hit {
        rule,
        user: key.to_string(),
        first_seen: evs.first().map(|e| e.1.time.to_string()).unwrap_or_default(),
        last_seen: evs.last().map(|e| e.1.time.to_string()).unwrap_or_default(),
        count: evs.len(),
        event_ids: evs.iter().map(|e| e.1.id.to_string()).collect(),
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

/// Runs every rule.
pub fn detect(events: &[Event<'_>], t: &Thresholds) -> Vec<Hit> {
    let mut failures_by_ip: BTreeMap<String, Vec<(i64, Event<'_>)>> = BTreeMap::new();
    let mut failures_by_user: BTreeMap<String, Vec<(i64, Event<'_>)>> = BTreeMap::new();
    let mut out = Vec::new();
    for e in events {
        let Some(s) = epoch_seconds(e.time) else { continue };
        match e.operation {
            "UserLoginFailed" => {
                if !e.ip.is_empty() {
                    failures_by_ip.entry(e.ip.to_string()).or_default().push((s, *e));
                }
                failures_by_user.entry(e.user.to_string()).or_default().push((s, *e));
            }
            "Add member to role" => out.push(each("role_change", e)),
            "New-InboxRule" | "Set-InboxRule" | "UpdateInboxRules" | "Set-Mailbox"
                if FORWARD_KEYS.iter().any(|k| e.raw.contains(&format!("\"{k}\""))) =>
            {
                out.push(each("mailbox_forwarding", e))
            }
            "AnonymousLinkCreated" | "AnonymousLinkUpdated" => out.push(each("anonymous_link", e)),
            "Update user" if e.raw.contains("StrongAuthentication") => out.push(each("mfa_change", e)),
            "User registered security info" | "User deleted security info" | "Admin registered security info" => {
                out.push(each("mfa_change", e))
            }
            _ => {}
        }
    }
    let distinct_users = |w: &[(i64, Event<'_>)]| {
        let mut u: Vec<&str> = w.iter().map(|e| e.1.user).collect();
        u.sort_unstable();
        u.dedup();
        u.len()
    };
    out.extend(windows("password_spray", failures_by_ip, t.spray_window_min * 60, |w| {
        distinct_users(w) >= t.spray_users
    }));
    // Successes after a burst of failures, per user.
    for e in events.iter().filter(|e| e.operation == "UserLoggedIn") {
        let (Some(s), Some(fails)) = (epoch_seconds(e.time), failures_by_user.get(e.user)) else { continue };
        let before: Vec<&(i64, Event<'_>)> =
            fails.iter().filter(|f| f.0 <= s && s - f.0 <= t.brute_window_min * 60).collect();
        if before.len() >= t.success_after {
            let mut ids: Vec<String> = before.iter().map(|f| f.1.id.to_string()).collect();
            ids.push(e.id.to_string());
            out.push(Hit {
                rule: "success_after_failures",
                user: e.user.to_string(),
                first_seen: before.iter().map(|f| f.1.time).min().unwrap_or(e.time).to_string(),
                last_seen: e.time.to_string(),
                count: ids.len(),
                event_ids: ids,
            });
        }
    }
    out.extend(windows("brute_force", failures_by_user, t.brute_window_min * 60, |w| w.len() >= t.brute_failures));
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
}
