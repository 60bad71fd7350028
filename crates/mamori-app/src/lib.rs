//! Application layer: the use cases shared by the web pages, the JSON API and the CLI.
//!
//! Each use case opens one transaction, applies a domain decision, writes rows and appends
//! to the audit trail in that same transaction, so a change and its audit row land together
//! or not at all. The current time is a parameter (`now`: epoch milliseconds).

pub mod audit;
pub mod backup;
pub mod cache;
pub mod cache_stats;
pub mod calendar;
pub mod certificates;
pub mod certification_audits;
pub mod checks;
pub mod clock;
pub mod context;
pub mod continuity;
pub mod daily;
pub mod devices;
pub mod documents;
pub mod drills;
pub mod duties;
pub mod error;
pub mod evidence;
pub mod export;
pub mod first_run;
pub mod health;
pub mod incidents;
pub mod internal_audits;
pub mod m365;
pub mod management_reviews;
pub mod me;
pub mod mfa;
pub mod nonconformities;
pub mod objectives;
pub mod onboarding;
pub mod open_items;
pub mod org;
pub mod outbox;
pub mod people;
pub mod pledges;
pub mod random;
pub mod registers;
pub mod regulation;
pub mod regulation_file;
pub mod reminders;
pub mod requests;
pub mod safety_checks;
pub mod session;
pub mod soa;
pub mod suppliers;
pub mod training;
pub mod users;

pub use error::AppError;
pub use mamori_store::Db;

use mamori_domain::permission::{Grants, Permission};

/// Who performs an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Organisation acted in.
    pub org_id: String,
    /// User id (none for the command line).
    pub user_id: Option<String>,
    /// Login ID, or `cli` for the command line.
    pub label: String,
    /// What the actor may do.
    pub grants: Grants,
    /// The roles held (keys), as loaded with the session; none for the command line.
    pub role_keys: Vec<String>,
}

impl Actor {
    /// The command line acting in an organisation: an operator with shell access to the
    /// server holds every permission.
    pub fn cli(org_id: &str) -> Actor {
        Actor {
            org_id: org_id.to_string(),
            user_id: None,
            label: "cli".into(),
            grants: Grants::from_keys(Permission::ALL.iter().map(|p| p.key())),
            role_keys: Vec::new(),
        }
    }

    /// Fails with [`AppError::Forbidden`] unless the actor holds `p`.
    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        if self.grants.has(p) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

pub use clock::now_ms;

/// The calendar date of an instant in Asia/Tokyo (due dates and 改訂日 are Japanese dates).
pub fn tokyo_date(ms: i64) -> jiff::civil::Date {
    let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned_datetime(tz).date())
        .unwrap_or(jiff::civil::date(1970, 1, 1))
}

/// An instant as people read it: `YYYY-MM-DD HH:MM:SS` in Asia/Tokyo.
pub fn tokyo_datetime(ms: i64) -> String {
    let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.to_zoned_datetime(tz).strftime("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => ms.to_string(),
    }
}

/// A new time-ordered id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
