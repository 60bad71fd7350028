//! Row types and the queries that read and write them, one module per capability. Every query on
//! domain data filters by `org_id`. Everything is re-exported here, so callers name
//! `mamori_store::rows::X` whichever file `X` lives in.

mod audit;
mod calendar;
mod certificate_checks;
mod certification_audits;
mod daily;
mod documents;
mod drills;
mod duties;
mod evidence;
mod first_run;
mod incidents;
mod internal_audits;
mod m365;
pub mod m365_events;
mod mail;
mod management_reviews;
mod nonconformities;
mod objectives;
mod open_items;
mod organisations;
mod people;
mod pledges;
mod questionnaires;
mod registers;
mod regulation;
mod requests;
mod safety_checks;
mod sessions;
mod suppliers;
mod training;
mod users;

pub use audit::*;
pub use calendar::*;
pub use certificate_checks::*;
pub use certification_audits::*;
pub use daily::*;
pub use documents::*;
pub use drills::*;
pub use duties::*;
pub use evidence::*;
pub use first_run::*;
pub use incidents::*;
pub use internal_audits::*;
pub use m365::*;
pub use m365_events::*;
pub use mail::*;
pub use management_reviews::*;
pub use nonconformities::*;
pub use objectives::*;
pub use open_items::*;
pub use organisations::*;
pub use people::*;
pub use pledges::*;
pub use questionnaires::*;
pub use registers::*;
pub use regulation::*;
pub use requests::*;
pub use safety_checks::*;
pub use sessions::*;
pub use suppliers::*;
pub use training::*;
pub use users::*;

/// Joins SQL text fixed at compile time (column lists and clauses) into one query.
fn sql(parts: &[&str]) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(parts.concat())
}
