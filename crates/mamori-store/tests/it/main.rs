//! Integration tests of the store, run on SQLite and on PostgreSQL: the two migration folders
//! build the same schema, and the row queries keep their stories on both engines.
//! One test binary for the crate (see ARCHITECTURE.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod cleanup;
mod schema;
mod stories;
