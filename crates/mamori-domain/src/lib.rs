//! mamori's domain: the rules of the platform, with no IO.
//!
//! Everything here is a pure function of its inputs. Time (epoch milliseconds), ids and
//! random salts are parameters, so callers (the application layer, tests) control them.

pub mod audit;
pub mod auth;
pub mod bcp;
pub mod cert_check;
pub mod certification;
pub mod development;
pub mod device;
pub mod document;
pub mod drill;
pub mod duty;
pub mod health;
pub mod hex;
pub mod internal_audit;
pub mod nonconformity;
pub mod objective;
pub mod password;
pub mod people;
pub mod people_sheet;
pub mod permission;
pub mod pledge;
pub mod questionnaire;
pub mod questionnaire_sheet;
pub mod ratelimit;
pub mod register;
pub mod register_duty;
pub mod safety;
pub mod schedule;
pub mod soa;
pub mod supplier;
pub mod totp;
pub mod training;
pub mod workflow;
