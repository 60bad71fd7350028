//! Account reconciliation (5.18, 8.2, 5.11): the admin center's accounts against the
//! organisation's people and the sign-in evidence. Pure: everything is a parameter.
//!
//! Flags per account:
//! - `leaver_enabled`: the account belongs to someone who has left (or whose mamori account is
//!   disabled) and can still sign in;
//! - `no_person`: no person of the organisation has this address, and it can sign in;
//! - `privileged_unlisted`: granted an administrator role (audit log) but not registered as a
//!   privileged ID (8.2);
//! - `unused`: can sign in but has not signed in for `unused_days` (or never, in the evidence).

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// An account of the admin center export.
#[derive(Debug, Clone)]
pub struct AccountIn {
    /// UPN, lower case.
    pub upn: String,
    /// Display name.
    pub display_name: String,
    /// Sign-in blocked.
    pub blocked: bool,
    /// Soft-deleted.
    pub deleted: bool,
}

/// A person of the organisation.
#[derive(Debug, Clone)]
pub struct PersonIn {
    /// E-mail, lower case.
    pub email: String,
    /// Left the organisation (leaving date passed, or mamori account disabled).
    pub left: bool,
}

/// One reconciled account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciled {
    /// UPN.
    pub upn: String,
    /// Display name.
    pub display_name: String,
    /// Can sign in.
    pub enabled: bool,
    /// Last successful sign-in seen (UTC), if any.
    pub last_sign_in: Option<String>,
    /// Flags (see the module).
    pub flags: Vec<&'static str>,
}

/// Reconciles. `last_sign_in`: UPN → latest `UserLoggedIn` time; `privileged`: UPNs granted a
/// role; `registered`: UPNs registered as privileged IDs; `today` is `YYYY-MM-DD`.
pub fn reconcile(
    accounts: &[AccountIn],
    people: &[PersonIn],
    last_sign_in: &BTreeMap<String, String>,
    privileged: &BTreeSet<String>,
    registered: &BTreeSet<String>,
    cutoff: &str,
) -> Vec<Reconciled> {
    accounts
        .iter()
        .map(|a| {
            let enabled = !a.blocked && !a.deleted;
            let person = people.iter().find(|p| p.email == a.upn);
            let last = last_sign_in.get(&a.upn).cloned();
            let mut flags = Vec::new();
            if enabled && person.is_some_and(|p| p.left) {
                flags.push("leaver_enabled");
            }
            if enabled && person.is_none() {
                flags.push("no_person");
            }
            if privileged.contains(&a.upn) && !registered.contains(&a.upn) {
                flags.push("privileged_unlisted");
            }
            if enabled && last.as_deref().is_none_or(|l| l < cutoff) {
                flags.push("unused");
            }
            Reconciled { upn: a.upn.clone(), display_name: a.display_name.clone(), enabled, last_sign_in: last, flags }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leavers_strangers_privileged_and_unused_accounts_are_flagged() {
        let acc =
            |upn: &str, blocked: bool| AccountIn { upn: upn.into(), display_name: upn.into(), blocked, deleted: false };
        let accounts =
            [acc("admin@x.jp", false), acc("jiro@x.jp", false), acc("old@x.jp", true), acc("vendor@x.jp", false)];
        let people = [
            PersonIn { email: "admin@x.jp".into(), left: false },
            PersonIn { email: "jiro@x.jp".into(), left: true },
            PersonIn { email: "old@x.jp".into(), left: true },
        ];
        let last: BTreeMap<String, String> = [
            ("admin@x.jp".to_string(), "2026-01-04T00:00:00".to_string()),
            ("jiro@x.jp".into(), "2025-01-01T00:00:00".into()),
        ]
        .into();
        let privileged: BTreeSet<String> = ["admin@x.jp".to_string(), "vendor@x.jp".to_string()].into();
        let registered: BTreeSet<String> = ["admin@x.jp".to_string()].into();
        let r = reconcile(&accounts, &people, &last, &privileged, &registered, "2025-10-01");
        let flags = |u: &str| r.iter().find(|x| x.upn == u).map(|x| x.flags.clone()).unwrap_or_default();
        assert!(flags("admin@x.jp").is_empty());
        assert_eq!(flags("jiro@x.jp"), ["leaver_enabled", "unused"]);
        assert!(flags("old@x.jp").is_empty(), "a blocked leaver is fine");
        assert_eq!(flags("vendor@x.jp"), ["no_person", "privileged_unlisted", "unused"]);
    }
}
