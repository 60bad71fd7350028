//! Command-line arguments: the `mamori` command, its global flags and every sub-command (clap).

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "mamori", version, about = "mamori (守り): ISMS operations platform")]
pub struct Cli {
    /// Data directory holding the embedded SQLite database (default ./mamori-data; ./mamori-demo for `demo`).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://…) instead of the embedded SQLite database.
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// TOML configuration file (also MAMORI_CONFIG).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// The audit signing key file (default <data dir>/audit-signing.key; also MAMORI_AUDIT_KEY_FILE).
    #[arg(long, global = true)]
    pub audit_key_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Creates a demo organisation and administrator on first run, then serves the web UI.
    Demo {
        /// Port.
        #[arg(long)]
        port: Option<u16>,
        /// Address to bind.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Serves the web UI and the API.
    Serve {
        /// Port.
        #[arg(long)]
        port: Option<u16>,
        /// Address to bind.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Applies database migrations.
    Migrate,
    /// Organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// User accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The organisation's 情報セキュリティ管理策規程.
    #[command(subcommand)]
    Regulation(RegulationCommand),
    /// The Statement of Applicability (適用宣言書).
    #[command(subcommand)]
    Soa(SoaCommand),
    /// Controlled documents.
    #[command(subcommand)]
    Documents(DocumentsCommand),
    /// Reminder mail of duties.
    #[command(subcommand)]
    Reminders(RemindersCommand),
    /// Microsoft 365 audit-log, sign-in and account exports.
    #[command(subcommand)]
    M365(M365Command),
    /// Registers (台帳・記録).
    #[command(subcommand)]
    Register(RegisterCommand),
    /// Recurring duties (定期業務).
    #[command(subcommand)]
    Duties(DutiesCommand),
    /// Suppliers (取引先・委託先): questionnaire templates.
    #[command(subcommand)]
    Suppliers(SuppliersCommand),
    /// The staff directory (社員名簿): import and export.
    #[command(subcommand)]
    People(PeopleCommand),
    /// Certificates and domains (証明書・ドメイン管理台帳): the check of the hosts' certificates.
    #[command(subcommand)]
    Certificates(CertificatesCommand),
    /// Backs up mamori (database and evidence files) into one archive, or checks a backup.
    Backup(BackupArgs),
    /// Restores a backup into the empty target named by --data-dir / --database-url.
    Restore {
        /// The backup archive.
        file: PathBuf,
    },
}

/// `mamori backup --output FILE [--complete-duty --as LOGIN]` and `mamori backup verify FILE`.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub command: Option<BackupCommand>,
    /// The archive to write (a zip file).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Also record the backup as the completion of the organisation's backup duty (8.13).
    #[arg(long)]
    pub complete_duty: bool,
    /// The person completing the duty (login ID); required with --complete-duty.
    #[arg(long = "as", value_name = "LOGIN")]
    pub as_login: Option<String>,
    /// Organisation whose duty is completed (may be omitted when there is only one).
    #[arg(long)]
    pub org: Option<String>,
}

#[derive(Subcommand)]
pub enum BackupCommand {
    /// Checks a backup without restoring it anywhere: manifest hashes, members, row counts,
    /// evidence hashes and the audit chains (restored into a temporary SQLite database).
    Verify {
        /// The backup archive.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum DutiesCommand {
    /// Lists the duties (offering any new ones from the current regulation first).
    List {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// Output format.
        #[arg(long, default_value = "json")]
        format: String,
    },
    /// Confirms offered duties so that they are scheduled (all of them, or those named by --id).
    Confirm {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// A duty to confirm (repeatable); none: every offered duty.
        #[arg(long = "id")]
        ids: Vec<String>,
        /// First day of the schedule, YYYY-MM-DD (default: today; an earlier day of the fiscal
        /// year records work done before).
        #[arg(long)]
        from: Option<String>,
    },
    /// Lists occurrences due between two dates with their state (open, done, skipped, overdue).
    Occurrences {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// First due date (default: start of the current fiscal year).
        #[arg(long)]
        from: Option<String>,
        /// Last due date (default: end of the current fiscal year).
        #[arg(long)]
        to: Option<String>,
        /// Output format.
        #[arg(long, default_value = "json")]
        format: String,
    },
}

#[derive(Subcommand)]
pub enum M365Command {
    /// Imports exports (format recognised by content; re-imports add nothing twice); each file
    /// is kept as evidence. Exits 1 when a file is not a Microsoft 365 export.
    Import {
        /// Files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// Output format.
        #[arg(long, default_value = "json")]
        format: String,
    },
    /// Runs the detections over the stored events with the organisation's thresholds and allow
    /// list (password spray, brute force, success after failures, new network, mass download,
    /// role changes, mailbox forwarding, anonymous links, external sharing, MFA changes).
    Detect {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// First day (YYYY-MM-DD, UTC); all events when omitted.
        #[arg(long)]
        since: Option<String>,
        /// Output format.
        #[arg(long, default_value = "json")]
        format: String,
    },
    /// Applies the retention setting now (`serve` does it daily): deletes events older than
    /// the organisation's retention days, recorded in the audit trail. Prints what it deleted.
    Purge {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
    },
    /// Searches the stored events.
    Events {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// User (UPN).
        #[arg(long)]
        user: Option<String>,
        /// Operation.
        #[arg(long)]
        operation: Option<String>,
        /// Client IP.
        #[arg(long)]
        ip: Option<String>,
        /// Workload (Exchange, SharePoint, OneDrive, AzureActiveDirectory, …).
        #[arg(long)]
        workload: Option<String>,
        /// First day (YYYY-MM-DD, UTC).
        #[arg(long)]
        from: Option<String>,
        /// Last day (YYYY-MM-DD, UTC).
        #[arg(long)]
        to: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 1000)]
        limit: i64,
        /// Output format.
        #[arg(long, default_value = "json")]
        format: String,
    },
}

#[derive(Subcommand)]
pub enum CertificatesCommand {
    /// Reads the certificate of every host named in the register now (each within 10 seconds)
    /// and compares it with the row; the results are stored, the register is not changed.
    Check {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// text (Japanese lines) or json.
        #[arg(long, default_value = "text")]
        format: String,
    },
}

#[derive(Subcommand)]
pub enum RemindersCommand {
    /// One round of the reminder worker: queues today's reminders and sends what is due over
    /// the configured SMTP server (each mail once; failures are retried on later rounds).
    Send,
}

#[derive(Subcommand)]
pub enum RegisterCommand {
    /// Lists the registers with their controls and row counts.
    List {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// Output format.
        #[arg(long, default_value = "json")]
        format: String,
    },
    /// Writes a register as xlsx or CSV (UTF-8 with BOM).
    Export {
        /// Register key (e.g. assets).
        key: String,
        /// xlsx, csv or pdf.
        #[arg(long)]
        format: String,
        /// Output file.
        #[arg(long)]
        output: PathBuf,
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
    },
    /// Imports an xlsx or CSV file: all rows or none; every problem is printed as row, column, message.
    Import {
        /// Register key.
        key: String,
        /// The file.
        file: PathBuf,
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum PeopleCommand {
    /// Imports the staff directory from xlsx or CSV (ID, 氏名, メールアドレス, 区分, 部署, 入社日,
    /// 退職日, ログインID, 上長): a row with an ID updates that person, others are added; all rows
    /// or none: every problem is printed with the file, row and column (exit 1).
    Import {
        /// The xlsx or CSV file.
        file: PathBuf,
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
    },
    /// Writes the staff directory (ID column included, so it imports again).
    Export {
        /// `xlsx` or `csv`.
        #[arg(long)]
        format: String,
        /// Output file.
        #[arg(long)]
        output: PathBuf,
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum SuppliersCommand {
    /// Imports a questionnaire template from an xlsx check sheet (区分 | 質問 | 期待する回答 |
    /// 関連する要求事項): all questions or none; every problem is printed with the file, row and
    /// column (exit 1).
    #[command(name = "questionnaire-import")]
    Import {
        /// The xlsx file.
        #[arg(long)]
        file: PathBuf,
        /// Title (default: the file's name).
        #[arg(long)]
        title: Option<String>,
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
    },
    /// Writes a questionnaire template as an xlsx check sheet (imports again as it is).
    #[command(name = "questionnaire-export")]
    Export {
        /// The template's key (`standard`, or an imported one's from questionnaire-templates).
        #[arg(long)]
        template: String,
        /// Output file.
        #[arg(long)]
        output: PathBuf,
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
    },
    /// Lists the questionnaire templates (shipped and imported) as JSON.
    #[command(name = "questionnaire-templates")]
    Templates {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum SoaCommand {
    /// Writes the current SoA (the approved version, else the draft marked as draft).
    Export {
        /// xlsx, pdf or csv.
        #[arg(long)]
        format: String,
        /// Output file.
        #[arg(long)]
        output: PathBuf,
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum DocumentsCommand {
    /// Writes the document list (文書一覧).
    Export {
        /// xlsx, pdf or csv.
        #[arg(long)]
        format: String,
        /// Output file.
        #[arg(long)]
        output: PathBuf,
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum RegulationCommand {
    /// Parses a regulation (text, Shift_JIS, .docx or PDF) and prints its structure.
    Parse {
        /// The file.
        file: PathBuf,
        /// Output format.
        #[arg(long, default_value = "json")]
        format: String,
    },
    /// Imports a regulation as the organisation's next version (the previous ones are kept).
    Import {
        /// The file (text, Shift_JIS, .docx or PDF).
        file: PathBuf,
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
    },
    /// Lists the imported versions.
    Versions {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
    },
    /// Adds a role or external system (with aliases) to the organisation's dictionary.
    DictionaryAdd {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// `role` or `system`.
        #[arg(long)]
        kind: String,
        /// The name to report.
        #[arg(long)]
        name: String,
        /// Other spellings (repeatable).
        #[arg(long = "alias")]
        aliases: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Creates an organisation with the regulation's roles.
    Add {
        /// Short ID used with --org.
        #[arg(long)]
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
    },
    /// Lists organisations.
    List,
    /// Sets how many consecutive failed logins lock an account (default 3).
    SetLockoutThreshold {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// 1–10.
        #[arg(long)]
        threshold: i64,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Adds a user with an initial password (printed when generated).
    Add {
        /// Organisation (may be omitted when there is only one).
        #[arg(long)]
        org: Option<String>,
        /// Login ID.
        #[arg(long)]
        login_id: String,
        /// Display name (defaults to the login ID).
        #[arg(long)]
        display_name: Option<String>,
        /// E-mail.
        #[arg(long, default_value = "")]
        email: String,
        /// Role key (repeatable): top_management, security_manager, system_admin, internal_auditor, employee.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Initial password (generated when omitted).
        #[arg(long)]
        password: Option<String>,
    },
    /// Lists users.
    List {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// Output format.
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// Issues a new initial password (printed), unlocks the account and ends its sessions.
    ResetPassword {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// Login ID.
        #[arg(long)]
        login_id: String,
        /// The new initial password (generated when omitted).
        #[arg(long)]
        password: Option<String>,
    },
    /// Unlocks an account locked by failed logins.
    Unlock {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// Login ID.
        #[arg(long)]
        login_id: String,
    },
    /// Disables an account (a leaver): no login, its sessions and calendar feed stop; history kept.
    Disable {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// Login ID.
        #[arg(long)]
        login_id: String,
    },
    /// Removes an account's MFA (lost authenticator and recovery codes); it enrols again.
    ResetMfa {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// Login ID.
        #[arg(long)]
        login_id: String,
    },
    /// Enables a disabled account again.
    Enable {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// Login ID.
        #[arg(long)]
        login_id: String,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Verifies every organisation's chain against its signed checkpoints; exits 1 naming the
    /// organisation and the first missing or altered seq.
    Verify,
    /// Signs a checkpoint of every organisation's chain head (creates the key file on first use).
    Checkpoint,
    /// Writes the audit log for people: Japanese column titles, names, JST, each action and
    /// record in words, the chain's verification below the rows.
    Export {
        /// `csv` (UTF-8 with BOM) or `xlsx`.
        #[arg(long)]
        format: String,
        /// Output file.
        #[arg(long)]
        output: PathBuf,
        /// First day (JST, YYYY-MM-DD), included.
        #[arg(long)]
        from: Option<String>,
        /// Last day (JST, YYYY-MM-DD), included.
        #[arg(long)]
        to: Option<String>,
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
    },
}
