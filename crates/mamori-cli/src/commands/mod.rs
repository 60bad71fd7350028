//! One module per command group of the data commands; each exposes `run(command, ctx)`
//! returning the process exit code (errors are printed by `main` and exit 2).

pub mod audit;
pub mod backup;
pub mod certificates;
pub mod duties;
pub mod m365;
pub mod migrate;
pub mod org;
pub mod people;
pub mod register;
pub mod regulation;
pub mod reminders;
pub mod soa;
pub mod suppliers;
pub mod user;
