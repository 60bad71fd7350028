//! Integration tests of the use cases, run on SQLite and on PostgreSQL.
//! One test binary for the crate (see ARCHITECTURE.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod audit_anchor;
mod backup;
mod certificate_checks;
mod certification_audits;
mod continuity;
mod development;
mod documents;
mod drills;
mod duties;
mod field;
mod first_run;
mod health;
pub use mamori_store::on_both_engines;
mod incidents;
mod internal_audits;
mod m365;
mod management_reviews;
mod named_documents;
mod need_to_know;
mod nonconformities;
mod objectives;
mod open_items;
mod oracles;
mod people;
mod people_exchange;
mod pledges;
mod questionnaire_templates;
mod registers;
mod reminders;
mod requests;
mod safety_checks;
mod smtp_sink;
mod supplier_adoption;
mod suppliers;
mod support;
mod training;
mod users_and_login;
