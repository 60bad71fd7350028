//! HTTP-level tests through the real router (pages and API), on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod answers;
mod api;
mod audit;
mod calendar;
mod certificate_checks;
mod certification_audits;
mod client;
mod continuity;
mod development;
mod devices;
mod drills;
mod duties;
mod first_run;
mod health;
mod incidents;
mod internal_audits;
mod isms_year_pages;
mod isolation;
mod m365;
mod management_reviews;
mod need_to_know;
mod objectives;
mod pages;
mod people;
mod people_exchange;
mod pledges;
mod questionnaire_templates;
mod registers;
mod regulation;
mod request_refusals;
mod requests;
mod route_matrix;
mod safety_checks;
// The app tests' local SMTP server (drill mails are delivered to it).
#[allow(dead_code)]
#[path = "../../../mamori-app/tests/it/smtp_sink.rs"]
mod smtp_sink;
mod soa;
mod supplier_edit;
mod suppliers;
mod training;
mod ux_cleanup;
mod visible_text;

// `mamori demo`'s own world builders (the visible-text crawl runs over the demo's records);
// they call `crate::context::app_err` and each other through `crate::`.
#[allow(dead_code, unused_imports)]
#[path = "../../../mamori-cli/src/demo_continuity.rs"]
mod demo_continuity;
#[allow(dead_code, unused_imports)]
#[path = "../../../mamori-cli/src/demo_development.rs"]
mod demo_development;
#[allow(dead_code, unused_imports)]
#[path = "../../../mamori-cli/src/demo_people.rs"]
mod demo_people;
#[allow(dead_code, unused_imports)]
#[path = "../../../mamori-cli/src/demo_training.rs"]
mod demo_training;
#[allow(dead_code, unused_imports)]
#[path = "../../../mamori-cli/src/demo_year.rs"]
mod demo_year;
/// The CLI's error conversion, as the demo builders expect it.
mod context {
    pub fn app_err(e: mamori_app::AppError) -> anyhow::Error {
        anyhow::anyhow!("{e:?}")
    }
}
