//! Login decisions and account lockout (regulation 8.5: after 3 consecutive failures the ID
//! is suspended until an administrator resets it).
//!
//! The decision is a pure function of the account's stored state, the organisation's limit
//! and whether the password matched. The application layer persists the outcome.

use serde::Serialize;

/// Default number of consecutive failures that locks an account.
pub const DEFAULT_LOCKOUT_THRESHOLD: u32 = 3;

/// The stored login state of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountState {
    /// Consecutive failed attempts since the last success or unlock.
    pub failed_attempts: u32,
    /// Whether the account is locked.
    pub locked: bool,
    /// Whether the account is disabled (e.g. a leaver).
    pub disabled: bool,
}

/// What a login attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum LoginOutcome {
    /// Password correct and account usable: reset the counter and start a session.
    Success,
    /// Wrong password; `remaining` attempts before the lock.
    Failed {
        /// Attempts left before lockout.
        remaining: u32,
    },
    /// This failure reached the threshold: lock the account and revoke its sessions.
    LockedNow,
    /// The account was already locked: refused whatever the password.
    Locked,
    /// The account is disabled and the password was right: say so (403). A wrong password on
    /// a disabled account is any wrong password, and counts toward the lockout: otherwise the
    /// 401/403 difference would let a leaver's password be guessed without limit.
    Disabled,
}

impl LoginOutcome {
    /// The state to persist after this outcome.
    pub fn next_state(self, before: AccountState) -> AccountState {
        match self {
            LoginOutcome::Success => AccountState { failed_attempts: 0, ..before },
            LoginOutcome::Failed { .. } => {
                AccountState { failed_attempts: before.failed_attempts.saturating_add(1), ..before }
            }
            LoginOutcome::LockedNow => {
                AccountState { failed_attempts: before.failed_attempts.saturating_add(1), locked: true, ..before }
            }
            LoginOutcome::Locked | LoginOutcome::Disabled => before,
        }
    }
}

/// Decides the outcome of one attempt. `threshold` of 0 is treated as 1.
pub fn decide(state: AccountState, threshold: u32, password_ok: bool) -> LoginOutcome {
    let threshold = threshold.max(1);
    if state.locked {
        return LoginOutcome::Locked;
    }
    if state.disabled && password_ok {
        return LoginOutcome::Disabled;
    }
    if password_ok {
        return LoginOutcome::Success;
    }
    let failures = state.failed_attempts.saturating_add(1);
    if failures >= threshold {
        LoginOutcome::LockedNow
    } else {
        LoginOutcome::Failed { remaining: threshold - failures }
    }
}

/// Login IDs: 1–64 characters of ASCII letters, digits, `.`, `_`, `-` and `@`.
pub fn valid_login_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FRESH: AccountState = AccountState { failed_attempts: 0, locked: false, disabled: false };

    #[test]
    fn third_failure_locks_and_right_password_is_then_refused() {
        let mut s = FRESH;
        let o1 = decide(s, 3, false);
        assert_eq!(o1, LoginOutcome::Failed { remaining: 2 });
        s = o1.next_state(s);
        let o2 = decide(s, 3, false);
        assert_eq!(o2, LoginOutcome::Failed { remaining: 1 });
        s = o2.next_state(s);
        let o3 = decide(s, 3, false);
        assert_eq!(o3, LoginOutcome::LockedNow);
        s = o3.next_state(s);
        assert!(s.locked);
        assert_eq!(decide(s, 3, true), LoginOutcome::Locked);
    }

    #[test]
    fn success_resets_the_counter() {
        let s = AccountState { failed_attempts: 2, ..FRESH };
        let o = decide(s, 3, true);
        assert_eq!(o, LoginOutcome::Success);
        assert_eq!(o.next_state(s).failed_attempts, 0);
    }

    #[test]
    fn a_disabled_account_counts_wrong_passwords_like_any_other() {
        let mut s = AccountState { disabled: true, ..FRESH };
        assert_eq!(decide(s, 3, true), LoginOutcome::Disabled);
        assert_eq!(LoginOutcome::Disabled.next_state(s), s, "a right password changes nothing");
        for remaining in [2, 1] {
            let o = decide(s, 3, false);
            assert_eq!(o, LoginOutcome::Failed { remaining });
            s = o.next_state(s);
        }
        assert_eq!(decide(s, 3, false), LoginOutcome::LockedNow, "the guesser is stopped at the threshold");
        s = LoginOutcome::LockedNow.next_state(s);
        assert_eq!(decide(s, 3, true), LoginOutcome::Locked);
    }

    #[test]
    fn login_ids() {
        assert!(valid_login_id("yamada.taro"));
        assert!(!valid_login_id(""));
        assert!(!valid_login_id("山田"));
        assert!(!valid_login_id("a b"));
    }

    proptest! {
        /// However the attempts go, the account is locked exactly when `threshold`
        /// consecutive failures happened, and never unlocks by itself.
        #[test]
        fn lock_after_exactly_threshold_failures(threshold in 1u32..10, attempts in proptest::collection::vec(any::<bool>(), 0..40)) {
            let mut s = FRESH;
            let mut run = 0u32;
            let mut locked = false;
            for ok in attempts {
                let o = decide(s, threshold, ok);
                s = o.next_state(s);
                if !locked {
                    if ok { run = 0 } else { run += 1 }
                    if run >= threshold { locked = true }
                }
                prop_assert_eq!(s.locked, locked);
            }
        }
    }
}
