//! CLI contracts: the built `mamori` binary run as a user runs it, for every command of
//! README.md's "Commands" table — exit codes, `--format json` shapes and documented failures —
//! on SQLite and (for representative commands) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod audit;
mod backup;
mod certificates;
mod config;
mod exports;
mod m365;
mod people;
mod regulation;
mod server;
mod support;
