//! What every data command shares: the effective settings, where the database is, opening it
//! (`open_db`), the acting organisation (`actor`) and the wording of application errors (`app_err`).

use crate::config;
use anyhow::{Context, Result, anyhow};
use mamori_app::{Actor, AppError, org};
use mamori_store::Db;
use std::path::{Path, PathBuf};

/// The default data directory of every command but `demo`.
pub const DATA_DIR: &str = "./mamori-data";

/// The effective configuration and the global database flags of one invocation.
pub struct Ctx {
    /// Settings from the TOML file and the environment.
    pub settings: config::Settings,
    /// `--database-url`.
    pub database_url: Option<String>,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--audit-key-file`.
    pub audit_key_file: Option<PathBuf>,
}

impl Ctx {
    /// The data directory: the flag, else the setting, else `default`.
    pub fn dir_for(&self, default: &str) -> PathBuf {
        self.data_dir.clone().or_else(|| self.settings.data_dir.clone()).unwrap_or_else(|| PathBuf::from(default))
    }

    /// The audit signing key file: the flag, else the setting, else `audit-signing.key` in the
    /// data directory — on PostgreSQL too, where the data directory holds the evidence files
    /// (servers sharing a database share that directory, and so the key).
    pub fn audit_key_path(&self, default: &str) -> Option<PathBuf> {
        let configured = self.audit_key_file.clone().or_else(|| self.settings.audit_key_file.clone());
        Some(configured.unwrap_or_else(|| self.dir_for(default).join(mamori_app::audit::KEY_FILE_NAME)))
    }

    /// Opens (and migrates) the database, SQLite in the data directory (`default` when unset)
    /// unless a URL is given.
    pub async fn open_db(&self, default: &str) -> Result<Db> {
        open_db(&self.settings, self.database_url.as_deref(), &self.dir_for(default)).await
    }
}

/// Opens and migrates the database: the flag's URL, else the configured URL, else SQLite in `dir`.
pub async fn open_db(settings: &config::Settings, cli_url: Option<&str>, dir: &Path) -> Result<Db> {
    let db = match cli_url.map(str::to_string).or_else(|| settings.database_url.clone()) {
        Some(url) => {
            Db::open_url(&url).await.with_context(|| format!("cannot open database {}", config::redact_url(&url)))?
        }
        None => {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create data directory {}", dir.display()))?;
            Db::open_sqlite_dir(dir).await.with_context(|| format!("cannot open the database in {}", dir.display()))?
        }
    };
    db.migrate().await.context("migration failed")?;
    Ok(db)
}

/// An application error in the words the command line prints.
pub fn app_err(e: AppError) -> anyhow::Error {
    match e {
        AppError::PasswordPolicy(v) => anyhow!(
            "the password breaks the policy: {}",
            v.iter().map(|p| p.message_key()).collect::<Vec<_>>().join(", ")
        ),
        AppError::Validation(f) if f.iter().any(|(_, k)| k == "regulation-identical") => anyhow!(
            "the file is identical to the latest imported version of the regulation: nothing to import (import it again when the regulation is revised)"
        ),
        AppError::Validation(f) => {
            anyhow!("invalid input: {}", f.iter().map(|(f, k)| format!("{f} ({k})")).collect::<Vec<_>>().join(", "))
        }
        AppError::NotFound => anyhow!("not found"),
        AppError::Conflict => anyhow!("already exists"),
        // The evidence store's refusal in words, not its catalogue key.
        AppError::FileRefused { file, key, limit } => anyhow!(
            "{file}: {}",
            match key {
                "evidence-refused-kind" => {
                    "this kind of file is not kept as evidence: use PDF, an image, an Office document, ZIP or gzip, or text (txt, csv, log, json, eml, md, xml); executables are never accepted".to_string()
                }
                "evidence-refused-empty" => "the file is empty".to_string(),
                _ => format!("the file is larger than {limit} MB"),
            }
        ),
        AppError::OrganizationRequired => {
            anyhow!("several organisations exist: name one with --org")
        }
        other => anyhow!(other),
    }
}

/// The command line acting on the organisation `slug` (the only one when omitted).
pub async fn actor(db: &Db, slug: Option<&str>) -> Result<Actor> {
    let o = org::resolve(db, slug).await.map_err(|e| match e {
        AppError::NotFound => anyhow!("organisation {:?} not found", slug.unwrap_or("")),
        other => app_err(other),
    })?;
    Ok(Actor::cli(&o.id))
}

#[cfg(test)]
mod tests {
    use super::app_err;
    use mamori_app::AppError;

    #[test]
    fn a_refused_file_is_told_in_words_not_its_catalogue_key() {
        let said = |key| app_err(AppError::FileRefused { file: "a.exe".into(), key, limit: 50 }).to_string();
        assert!(said("evidence-refused-kind").starts_with("a.exe: this kind of file is not kept as evidence"));
        assert_eq!(said("evidence-refused-empty"), "a.exe: the file is empty");
        assert_eq!(said("evidence-refused-size"), "a.exe: the file is larger than 50 MB");
        assert!(!said("evidence-refused-kind").contains("evidence-refused"));
    }
}
