//! Integration tests of the use cases, run on SQLite and on PostgreSQL.
//! One test binary for the crate (see ARCHITECTURE.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod documents;
mod duties;
pub use mamori_store::on_both_engines;
mod incidents;
mod m365;
mod oracles;
mod registers;
mod reminders;
mod requests;
mod smtp_sink;
mod users_and_login;
