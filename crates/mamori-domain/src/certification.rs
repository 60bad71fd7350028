//! Certification audits by an external body and the certificate they lead to: the kinds of
//! audit, and when a reminder of the certificate's expiry is due.
//!
//! Reminders go out at [`REMINDER_DAYS`] days before expiry (the first one on or after each
//! threshold, so a worker that was down for a day still sends it) and name the threshold in
//! their dedupe key, so each is sent once.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The kind of an external audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// 第一段階審査.
    Stage1,
    /// 第二段階審査.
    Stage2,
    /// サーベイランス審査.
    Surveillance,
    /// 再認証審査.
    Recertification,
}

impl AuditKind {
    /// Every kind, in the order of a certification cycle.
    pub const ALL: [AuditKind; 4] =
        [AuditKind::Stage1, AuditKind::Stage2, AuditKind::Surveillance, AuditKind::Recertification];

    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            AuditKind::Stage1 => "stage1",
            AuditKind::Stage2 => "stage2",
            AuditKind::Surveillance => "surveillance",
            AuditKind::Recertification => "recertification",
        }
    }

    /// Parses a key.
    pub fn from_key(k: &str) -> Option<AuditKind> {
        AuditKind::ALL.into_iter().find(|x| x.key() == k)
    }

    /// The Japanese name (for records written in Japanese: corrective actions, the review).
    pub fn name_ja(self) -> &'static str {
        match self {
            AuditKind::Stage1 => "第一段階審査",
            AuditKind::Stage2 => "第二段階審査",
            AuditKind::Surveillance => "サーベイランス審査",
            AuditKind::Recertification => "再認証審査",
        }
    }
}

/// The days before expiry at which a reminder goes out.
pub const REMINDER_DAYS: [i64; 3] = [90, 30, 7];

/// The window in which the dashboard shows a certificate as expiring.
pub const EXPIRY_WINDOW_DAYS: i64 = 90;

/// Days from `today` until `expires_on` (negative once expired).
pub fn days_left(expires_on: Date, today: Date) -> i64 {
    i64::from((expires_on - today).get_days())
}

/// Whether the dashboard shows the certificate (expiring within the window, or expired).
pub fn expiring(expires_on: Date, today: Date) -> bool {
    days_left(expires_on, today) <= EXPIRY_WINDOW_DAYS
}

/// The reminder threshold due today, if any: the smallest threshold the days left have
/// reached, while the certificate has not expired.
pub fn reminder_due(expires_on: Date, today: Date) -> Option<i64> {
    let left = days_left(expires_on, today);
    if left < 0 {
        return None;
    }
    REMINDER_DAYS.into_iter().filter(|d| left <= *d).min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn kinds_round_trip() {
        for k in AuditKind::ALL {
            assert_eq!(AuditKind::from_key(k.key()), Some(k));
        }
        assert_eq!(AuditKind::from_key("stage3"), None);
        assert_eq!(AuditKind::Surveillance.name_ja(), "サーベイランス審査");
    }

    #[test]
    fn reminders_at_each_threshold_until_expiry() {
        let exp = date(2026, 12, 31);
        assert_eq!(reminder_due(exp, date(2026, 9, 1)), None, "121 days left");
        assert_eq!(reminder_due(exp, date(2026, 10, 2)), Some(90));
        assert_eq!(reminder_due(exp, date(2026, 11, 15)), Some(90), "a late worker still sends it");
        assert_eq!(reminder_due(exp, date(2026, 12, 1)), Some(30));
        assert_eq!(reminder_due(exp, date(2026, 12, 24)), Some(7));
        assert_eq!(reminder_due(exp, date(2026, 12, 31)), Some(7));
        assert_eq!(reminder_due(exp, date(2027, 1, 1)), None, "expired");
        assert!(expiring(exp, date(2026, 10, 2)) && !expiring(exp, date(2026, 10, 1)));
        assert!(expiring(exp, date(2027, 2, 1)), "an expired one is shown too");
    }
}
