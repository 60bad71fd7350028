//! Microsoft 365 exports: recognise a file by its header or shape (never its name), decode it
//! (UTF-8 with or without BOM, UTF-16 as Excel re-saves it, gzip), and stream its records with
//! bounded memory through one `AuditData` parser shared by every wrapper.
//!
//! Formats (see `../shared/docs/m365-formats.md`):
//! - `purview_classic`: `CreationDate,UserIds,Operations,AuditData` (optionally a leading
//!   `RecordType`);
//! - `purview_new`: `RecordId,CreationDate,RecordType,Operation,UserId,AuditData,…`;
//! - `powershell_csv`: `Search-UnifiedAuditLog | Export-Csv` (`…,ResultIndex,ResultCount,Identity,…`);
//! - `auditdata_json`: AuditData objects as a JSON array or JSON lines;
//! - `entra_signin_csv` / `entra_signin_json`: Entra ID sign-in log downloads, mapped to
//!   `UserLoggedIn` / `UserLoginFailed` records;
//! - `admin_users_csv`: the admin center's "Export users" (both header versions).

mod audit_data;
mod decode;
pub mod detect;
mod read;
pub mod recognise;
pub mod reconcile;
pub mod segment;

pub use audit_data::{AuditRecord, clean_ip, normalise_time, parse_audit_data};
pub use decode::{Caps, Limit, decode, decode_capped};
pub use read::{Account, Item, Rejected, read, read_capped};
pub use recognise::recognise;

/// A recognised file format (the contract's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic Purview audit search CSV.
    PurviewClassic,
    /// New Purview audit search CSV.
    PurviewNew,
    /// `Search-UnifiedAuditLog | Export-Csv`.
    PowershellCsv,
    /// AuditData JSON array or JSON lines.
    AuditDataJson,
    /// Entra ID sign-in log, CSV.
    EntraSigninCsv,
    /// Entra ID sign-in log, JSON.
    EntraSigninJson,
    /// Admin center "Export users".
    AdminUsersCsv,
}

impl Format {
    /// The contract's key.
    pub fn key(self) -> &'static str {
        match self {
            Format::PurviewClassic => "purview_classic",
            Format::PurviewNew => "purview_new",
            Format::PowershellCsv => "powershell_csv",
            Format::AuditDataJson => "auditdata_json",
            Format::EntraSigninCsv => "entra_signin_csv",
            Format::EntraSigninJson => "entra_signin_json",
            Format::AdminUsersCsv => "admin_users_csv",
        }
    }
}

/// Why a file cannot be read.
#[derive(Debug)]
pub enum Error {
    /// Reading or decompressing failed.
    Io(std::io::Error),
    /// The file is none of the known formats.
    Unknown(String),
    /// The file breaks one of the [`Caps`].
    Limit(Limit),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Io(e) => write!(f, "cannot read the file: {e}"),
            Error::Limit(l) => write!(f, "{l}"),
            Error::Unknown(head) => write!(
                f,
                "not a Microsoft 365 export this version reads (Purview audit CSV, Search-UnifiedAuditLog CSV, AuditData JSON, Entra sign-in CSV/JSON, admin center user export); it starts with: {head}"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    /// A broken [`Limit`] travels through readers as an IO error; it comes back out here.
    fn from(e: std::io::Error) -> Self {
        match e.get_ref().and_then(|inner| inner.downcast_ref::<Limit>()) {
            Some(l) => Error::Limit(*l),
            None => Error::Io(e),
        }
    }
}

#[cfg(test)]
mod tests;
