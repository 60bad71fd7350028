//! Microsoft 365 evidence: imports of audit-log, sign-in and account exports, kept beyond
//! Microsoft's retention, and the event search.
//!
//! An import recognises the file first (an unknown file stores nothing), keeps the file in the
//! evidence store with its SHA-256, then streams its records from a blocking parser thread
//! through a bounded channel into one transaction: events are de-duplicated by `AuditData.Id`
//! and never edited; rejected rows are counted with their line and reason.
//!
//! `import` is the pipeline (recognise, store loop, finish) and `parser` its blocking side;
//! `search` the event search; `scan` the streaming detections; `settings` the thresholds,
//! allow list and retention purge; `review` the findings and the yearly access review.

mod import;
mod parser;
mod review;
mod scan;
mod search;
mod settings;

pub use import::{ImportReport, Phases, import_file, imports};
pub use mamori_m365::detect::{Hit, Thresholds};
pub use review::{REVIEW_DECISIONS, ReviewLine, decide_account, decide_finding, findings, review};
pub use scan::{detect, refresh_findings};
pub use search::{EventQuery, events};
pub use settings::{MIN_RETENTION_DAYS, Settings, purge, save_settings, settings};
