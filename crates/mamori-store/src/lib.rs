//! Storage: one [`Db`] handle over SQLite (embedded default) or PostgreSQL.
//!
//! Every query is written once in the common SQL dialect (`$N` placeholders, no
//! engine-specific functions) and run on either engine through the macros in [`db`].
//! Engine-specific behaviour (SQLite `BEGIN IMMEDIATE`, PostgreSQL row locks) sits behind
//! methods of [`Db`] and [`Tx`]. This crate has no business rules: it reads and writes rows.

pub mod db;
pub mod dump;
pub mod rows;
#[cfg(feature = "testing")]
pub mod testing;

pub use db::{Conn, Db, Engine, Ex, StoreError, Tx};
/// Microsoft 365 event storage, kept at its former path; it lives in [`rows::m365_events`].
pub use rows::m365_events;
pub use sqlx;
