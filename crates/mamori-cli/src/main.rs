//! The `mamori` binary: a thin shell over the application layer.

mod config;

use anyhow::{Context, Result, anyhow, bail};

/// mimalloc instead of the system allocator: the Microsoft 365 import allocates and frees
/// strings on three threads, and glibc's malloc cost about a tenth of its time there
/// (BENCHMARKS.md); the import benchmark uses the same allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{Parser, Subcommand};
use mamori_app::{Actor, AppError, audit, now_ms, org, users};
use mamori_domain::permission::{ROLE_SYSTEM_ADMIN, ROLE_TOP_MANAGEMENT};
use mamori_store::Db;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(name = "mamori", version, about = "mamori (守り): ISMS operations platform")]
struct Cli {
    /// Data directory holding the embedded SQLite database (default ./mamori-data; ./mamori-demo for `demo`).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://…) instead of the embedded SQLite database.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// TOML configuration file (also MAMORI_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
}

#[derive(Subcommand)]
enum DutiesCommand {
    /// Lists the duties (offering any new ones from the current regulation first).
    List {
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// Output format.
        #[arg(long, default_value = "json")]
        format: String,
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
enum M365Command {
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
enum RemindersCommand {
    /// One round of the reminder worker: queues today's reminders and sends what is due over
    /// the configured SMTP server (each mail once; failures are retried on later rounds).
    Send,
}

#[derive(Subcommand)]
enum RegisterCommand {
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
enum SoaCommand {
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
enum DocumentsCommand {
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
enum RegulationCommand {
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
enum OrgCommand {
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
enum UserCommand {
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
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recomputes every organisation's hash chain; exits non-zero naming the first broken row.
    Verify,
}

fn init_logging(json: bool) {
    let filter =
        std::env::var("MAMORI_LOG").or_else(|_| std::env::var("RUST_LOG")).unwrap_or_else(|_| "info,sqlx=warn".into());
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json { b.json().init() } else { b.init() }
}

async fn open_db(settings: &config::Settings, cli_url: Option<&str>, dir: &Path) -> Result<Db> {
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

fn app_err(e: AppError) -> anyhow::Error {
    match e {
        AppError::PasswordPolicy(v) => anyhow!(
            "the password breaks the policy: {}",
            v.iter().map(|p| p.message_key()).collect::<Vec<_>>().join(", ")
        ),
        AppError::Validation(f) => {
            anyhow!("invalid input: {}", f.iter().map(|(f, k)| format!("{f} ({k})")).collect::<Vec<_>>().join(", "))
        }
        AppError::NotFound => anyhow!("not found"),
        AppError::Conflict => anyhow!("already exists"),
        AppError::OrganizationRequired => {
            anyhow!("several organisations exist: name one with --org")
        }
        other => anyhow!(other),
    }
}

async fn actor(db: &Db, slug: Option<&str>) -> Result<Actor> {
    let o = org::resolve(db, slug).await.map_err(|e| match e {
        AppError::NotFound => anyhow!("organisation {:?} not found", slug.unwrap_or("")),
        other => app_err(other),
    })?;
    Ok(Actor::cli(&o.id))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn serve(
    db: Db,
    settings: &config::Settings,
    bind: Option<String>,
    port: Option<u16>,
    evidence_dir: &Path,
) -> Result<()> {
    let bind = bind.unwrap_or_else(|| settings.bind.clone());
    let port = port.unwrap_or(settings.port);
    let addr = format!("{bind}:{port}");
    let listener = tokio::net::TcpListener::bind(&addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    eprintln!("mamori: serving on http://{}", listener.local_addr().map(|a| a.to_string()).unwrap_or(addr));
    let state = mamori_web::AppState::new(
        db.clone(),
        mamori_web::WebConfig {
            secure_cookies: settings.secure_cookies,
            login_burst: settings.login_burst,
            login_per_minute: settings.login_per_minute,
            evidence_dir: evidence_dir.to_path_buf(),
            evidence_max_bytes: 20 * 1024 * 1024,
        },
    );
    // Expired sessions are removed every ten minutes.
    let sweeper_db = db.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(600)).await;
            if let Ok(mut c) = sweeper_db.conn().await
                && let Err(e) = mamori_store::rows::delete_expired_sessions(&mut c.ex(), now_ms()).await
            {
                tracing::warn!(error = %e, "session sweep failed");
            }
        }
    });
    // Duties are materialised daily and reminders queued and sent every few minutes.
    let worker_db = db.clone();
    let smtp = settings.smtp.clone();
    let every = std::time::Duration::from_secs(settings.reminder_interval_secs.max(10));
    tokio::spawn(async move {
        let text = mamori_web::i18n::Tr { lang: mamori_web::i18n::Lang::Ja };
        let mut purged_on: Option<jiff::civil::Date> = None;
        loop {
            let now = now_ms();
            let today = mamori_app::tokyo_date(now);
            let purge_today = purged_on != Some(today);
            purged_on = Some(today);
            let orgs = match worker_db.conn().await {
                Ok(mut c) => mamori_store::rows::list_orgs(&mut c.ex()).await.unwrap_or_default(),
                Err(_) => Vec::new(),
            };
            for o in orgs {
                if let Err(e) = mamori_app::duties::ensure_materialized(&worker_db, &o.id, today).await {
                    tracing::warn!(error = %e, org = %o.slug, "materialising duties failed");
                }
                if purge_today {
                    // The Microsoft 365 retention setting (kept forever unless set).
                    let a = mamori_app::Actor::cli(&o.id);
                    match mamori_app::m365::purge(&worker_db, &a, today, now).await {
                        Ok(Some(p)) if p.events > 0 => {
                            tracing::info!(events = p.events, org = %o.slug, "retention purge")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, org = %o.slug, "retention purge failed"),
                    }
                }
            }
            if let Some(smtp) = &smtp {
                match mamori_app::reminders::run_once(&worker_db, smtp, &text, now).await {
                    Ok((queued, r)) if queued + r.sent + r.failed > 0 => {
                        tracing::info!(queued, sent = r.sent, failed = r.failed, "reminder round")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "reminder round failed"),
                }
            }
            tokio::time::sleep(every).await;
        }
    });
    mamori_web::serve(listener, state, shutdown_signal()).await.context("server failed")?;
    db.close().await;
    Ok(())
}

/// The customer's regulation shipped as example data; `demo` imports it.
const SEED_REGULATION: &str = include_str!("../../../examples/seed-regulation.txt");

/// The demo organisation's slug and administrator login.
const DEMO_ORG: &str = "demo";
const DEMO_ADMIN: &str = "admin";

async fn demo_setup(db: &Db) -> Result<Option<String>> {
    let existing = {
        let mut c = db.conn().await?;
        mamori_store::rows::list_orgs(&mut c.ex()).await?
    };
    if !existing.is_empty() {
        return Ok(None);
    }
    let now = now_ms();
    let o = org::create(db, DEMO_ORG, "デモ株式会社", now).await.map_err(app_err)?;
    let password = mamori_app::random::initial_password().map_err(app_err)?;
    users::create(
        db,
        &Actor::cli(&o.id),
        users::NewUser {
            login_id: DEMO_ADMIN.into(),
            display_name: "管理者".into(),
            email: "admin@example.jp".into(),
            password: password.clone(),
            roles: vec![ROLE_TOP_MANAGEMENT.into(), ROLE_SYSTEM_ADMIN.into()],
        },
        now,
    )
    .await
    .map_err(app_err)?;
    mamori_app::regulation::import_text(db, &Actor::cli(&o.id), "seed-regulation.txt", SEED_REGULATION, now)
        .await
        .map_err(app_err)?;
    let today = mamori_app::tokyo_date(now_ms());
    mamori_app::duties::offer_from_regulation(db, &Actor::cli(&o.id), today, now).await.map_err(app_err)?;
    // A few media in 媒体管理台帳, so a take-out request can be tried at once.
    for (id, kind, description) in [
        ("USB-01", "USB メモリ", "営業資料用"),
        ("HDD-01", "外付け HDD", "バックアップ用"),
        ("PC-01", "ノート PC", "貸出用"),
    ] {
        let mut v = serde_json::Map::new();
        v.insert("media_id".into(), id.into());
        v.insert("kind".into(), kind.into());
        v.insert("description".into(), description.into());
        mamori_app::registers::create(db, &Actor::cli(&o.id), "media_ledger", &v, None, now).await.map_err(app_err)?;
    }
    Ok(Some(password))
}

fn regulation_parse(file: &Path, format: &str) -> Result<i32> {
    if format != "json" {
        bail!("unknown format {format:?} (json)");
    }
    let reg = mamori_app::regulation_file::parse_file(file, &mamori_regulation::Dictionaries::default())?;
    for d in &reg.diagnostics {
        eprintln!("{}:{}: {}", file.display(), d.line, d.message);
    }
    println!("{}", serde_json::to_string_pretty(&reg)?);
    Ok(0)
}

async fn run(cli: Cli) -> Result<i32> {
    if let Command::Regulation(RegulationCommand::Parse { file, format }) = &cli.command {
        // Pure: no database, no configuration needed.
        return regulation_parse(file, format);
    }
    let env: Vec<(String, String)> = std::env::vars().collect();
    let settings = config::load(cli.config.as_deref(), &env)?;
    init_logging(settings.log_json);
    let url = cli.database_url.as_deref();
    let dir_for = |default: &str| {
        cli.data_dir.clone().or_else(|| settings.data_dir.clone()).unwrap_or_else(|| PathBuf::from(default))
    };
    match cli.command {
        Command::Demo { port, bind } => {
            let db = open_db(&settings, url, &dir_for("./mamori-demo")).await?;
            if let Some(pw) = demo_setup(&db).await? {
                println!("login: {DEMO_ADMIN} password: {pw}");
            }
            serve(db, &settings, bind, port, &dir_for("./mamori-demo").join("evidence")).await?;
        }
        Command::Serve { port, bind } => {
            let db = open_db(&settings, url, &dir_for("./mamori-data")).await?;
            serve(db, &settings, bind, port, &dir_for("./mamori-data").join("evidence")).await?;
        }
        Command::Migrate => {
            let db = open_db(&settings, url, &dir_for("./mamori-data")).await?;
            db.close().await;
            println!("migrations applied");
        }
        Command::Org(c) => {
            let db = open_db(&settings, url, &dir_for("./mamori-data")).await?;
            match c {
                OrgCommand::Add { slug, name } => {
                    let o = org::create(&db, &slug, &name, now_ms()).await.map_err(app_err)?;
                    println!("organization {} created", o.slug);
                }
                OrgCommand::SetLockoutThreshold { org, threshold } => {
                    let a = actor(&db, org.as_deref()).await?;
                    let o = org::set_lockout_threshold(&db, &a, threshold, now_ms()).await.map_err(app_err)?;
                    println!("{}: accounts lock after {} failed logins", o.slug, o.lockout_threshold);
                }
                OrgCommand::List => {
                    let mut conn = db.conn().await?;
                    for o in mamori_store::rows::list_orgs(&mut conn.ex()).await? {
                        println!("{}\t{}", o.slug, o.name);
                    }
                }
            }
        }
        Command::User(c) => {
            let db = open_db(&settings, url, &dir_for("./mamori-data")).await?;
            match c {
                UserCommand::Add { org, login_id, display_name, email, roles, password } => {
                    let a = actor(&db, org.as_deref()).await?;
                    let generated = password.is_none();
                    let pw = match password {
                        Some(p) => p,
                        None => mamori_app::random::initial_password().map_err(app_err)?,
                    };
                    let u = users::create(
                        &db,
                        &a,
                        users::NewUser {
                            display_name: display_name.unwrap_or_else(|| login_id.clone()),
                            login_id,
                            email,
                            password: pw.clone(),
                            roles,
                        },
                        now_ms(),
                    )
                    .await
                    .map_err(app_err)?;
                    if generated {
                        println!("login: {} password: {pw}", u.login_id);
                    } else {
                        println!("user {} created", u.login_id);
                    }
                }
                UserCommand::List { org, format } => {
                    let a = actor(&db, org.as_deref()).await?;
                    let list = users::list(&db, &a).await.map_err(app_err)?;
                    match format.as_str() {
                        "json" => println!("{}", serde_json::to_string_pretty(&list)?),
                        "table" => {
                            for u in list {
                                let state = if u.locked {
                                    "locked"
                                } else if u.disabled {
                                    "disabled"
                                } else {
                                    "active"
                                };
                                println!("{}\t{}\t{}\t{}", u.login_id, u.display_name, u.roles.join(","), state);
                            }
                        }
                        other => bail!("unknown format {other:?} (json or table)"),
                    }
                }
                UserCommand::ResetPassword { org, login_id, password } => {
                    let a = actor(&db, org.as_deref()).await?;
                    let pw = users::reset_password(&db, &a, &login_id, password, now_ms()).await.map_err(app_err)?;
                    println!("login: {login_id} password: {pw}");
                }
                UserCommand::Unlock { org, login_id } => {
                    let a = actor(&db, org.as_deref()).await?;
                    users::unlock(&db, &a, &login_id, now_ms()).await.map_err(app_err)?;
                    println!("{login_id} unlocked");
                }
            }
        }
        Command::Regulation(RegulationCommand::Parse { file, format }) => return regulation_parse(&file, &format),
        Command::Regulation(c) => {
            let db = open_db(&settings, url, &dir_for("./mamori-data")).await?;
            match c {
                RegulationCommand::Parse { .. } => {}
                RegulationCommand::Import { file, org } => {
                    let a = actor(&db, org.as_deref()).await?;
                    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
                    let text = mamori_app::regulation_file::text_of(&file, &bytes)?;
                    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    let imported = mamori_app::regulation::import_text(&db, &a, &name, &text, now_ms()).await.map_err(
                        |e| match e {
                            AppError::NotARegulation(m) => anyhow!("{}: {m}", file.display()),
                            other => app_err(other),
                        },
                    )?;
                    for d in &imported.diagnostics {
                        eprintln!("{}:{}: {}", file.display(), d.line, d.message);
                    }
                    println!(
                        "imported {} as version {} ({} controls, {} diagnostics)",
                        file.display(),
                        imported.version.version_no,
                        imported.controls,
                        imported.diagnostics.len()
                    );
                }
                RegulationCommand::Versions { org } => {
                    let a = actor(&db, org.as_deref()).await?;
                    for v in mamori_app::regulation::versions(&db, &a).await.map_err(app_err)? {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            v.version_no,
                            v.doc_number.unwrap_or_default(),
                            v.edition.unwrap_or_default(),
                            v.doc_date.unwrap_or_default(),
                            v.source_name
                        );
                    }
                }
                RegulationCommand::DictionaryAdd { org, kind, name, aliases } => {
                    let a = actor(&db, org.as_deref()).await?;
                    mamori_app::regulation::add_dictionary_entry(&db, &a, &kind, &name, aliases, now_ms())
                        .await
                        .map_err(app_err)?;
                    println!("{kind} {name} added");
                }
            }
        }
        Command::Soa(SoaCommand::Export { format, output, org }) => {
            let db = open_db(&settings, url, &dir_for("./mamori-data")).await?;
            let a = actor(&db, org.as_deref()).await?;
            let view = mamori_app::documents::soa(&db, &a, true).await.map_err(app_err)?;
            let bytes = mamori_app::documents::render_export(&mamori_app::documents::soa_table(&view), &format)
                .map_err(app_err)?;
            std::fs::write(&output, bytes).with_context(|| format!("cannot write {}", output.display()))?;
            println!("wrote {} ({} rows, {})", output.display(), view.rows.len(), view.status);
        }
        Command::Documents(DocumentsCommand::Export { format, output, org }) => {
            let db = open_db(&settings, url, &dir_for("./mamori-data")).await?;
            let a = actor(&db, org.as_deref()).await?;
            let docs = mamori_app::documents::list(&db, &a).await.map_err(app_err)?;
            let bytes = mamori_app::documents::render_export(&mamori_app::documents::list_table(&docs), &format)
                .map_err(app_err)?;
            std::fs::write(&output, bytes).with_context(|| format!("cannot write {}", output.display()))?;
            println!("wrote {} ({} documents)", output.display(), docs.len());
        }
        Command::Register(c) => {
            let db = open_db(&settings, url, &dir_for("./mamori-data")).await?;
            match c {
                RegisterCommand::List { org, format } => {
                    let a = actor(&db, org.as_deref()).await?;
                    let list = mamori_app::registers::list(&db, &a, now_ms()).await.map_err(app_err)?;
                    if format != "json" {
                        bail!("unknown format {format:?} (json)");
                    }
                    let out: Vec<serde_json::Value> = list
                        .iter()
                        .map(|s| serde_json::json!({"key": s.def.key, "name": s.def.name, "controls": s.def.controls, "rows": s.rows, "label": s.def.label}))
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&out)?);
                }
                RegisterCommand::Export { key, format, output, org } => {
                    let a = actor(&db, org.as_deref()).await?;
                    let table = mamori_app::registers::table(&db, &a, &key).await.map_err(app_err)?;
                    let bytes = mamori_app::documents::render_export(&table, &format).map_err(app_err)?;
                    std::fs::write(&output, bytes).with_context(|| format!("cannot write {}", output.display()))?;
                    println!("wrote {} ({} rows)", output.display(), table.rows.len());
                }
                RegisterCommand::Import { key, file, org } => {
                    let a = actor(&db, org.as_deref()).await?;
                    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
                    let name = file.display().to_string();
                    match mamori_app::registers::import(&db, &a, &key, &name, &bytes, now_ms()).await {
                        Ok(r) => println!(
                            "{}: {} added, {} updated, {} unchanged",
                            file.display(),
                            r.created,
                            r.updated,
                            r.unchanged
                        ),
                        Err(AppError::Rows(problems)) => {
                            for p in &problems {
                                eprintln!("{}: row {}, column {}: {}", file.display(), p.row, p.column, p.message);
                            }
                            eprintln!("{}: {} problems; nothing was imported", file.display(), problems.len());
                            return Ok(1);
                        }
                        Err(e) => return Err(app_err(e)),
                    }
                }
            }
        }
        Command::M365(c) => {
            let data = dir_for("./mamori-data");
            let db = open_db(&settings, url, &data).await?;
            match c {
                M365Command::Import { files, org, format } => {
                    if format != "json" {
                        bail!("unknown format {format:?} (json)");
                    }
                    let a = actor(&db, org.as_deref()).await?;
                    let store =
                        mamori_app::evidence::EvidenceStore { dir: data.join("evidence"), max_bytes: 20 * 1024 * 1024 };
                    let mut out = Vec::new();
                    let mut failed = false;
                    for f in &files {
                        match mamori_app::m365::import_file(&db, &a, &store, f, now_ms()).await {
                            Ok(r) => {
                                for (line, reason) in &r.rejections {
                                    eprintln!("{}: line {line}: {reason}", f.display());
                                }
                                out.push(serde_json::json!({
                                    "path": r.path, "format": r.format, "sha256": r.sha256, "read": r.read,
                                    "new": r.new, "duplicate": r.duplicate, "rejected": r.rejected,
                                }));
                            }
                            Err(e) => {
                                failed = true;
                                eprintln!("{}", app_err(e));
                            }
                        }
                    }
                    println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "files": out }))?);
                    db.close().await;
                    return Ok(i32::from(failed));
                }
                M365Command::Purge { org } => {
                    let a = actor(&db, org.as_deref()).await?;
                    let now = now_ms();
                    let purged =
                        mamori_app::m365::purge(&db, &a, mamori_app::tokyo_date(now), now).await.map_err(app_err)?;
                    println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "purged": purged }))?);
                }
                M365Command::Detect { org, since, format } => {
                    if format != "json" {
                        bail!("unknown format {format:?} (json)");
                    }
                    let a = actor(&db, org.as_deref()).await?;
                    let since = match since {
                        Some(s) => Some(
                            s.parse::<jiff::civil::Date>()
                                .with_context(|| format!("--since: not a date (YYYY-MM-DD): {s}"))?,
                        ),
                        None => None,
                    };
                    let hits = mamori_app::m365::detect(&db, &a, since).await.map_err(app_err)?;
                    println!("{}", serde_json::to_string_pretty(&hits)?);
                }
                M365Command::Events { org, user, operation, ip, workload, from, to, limit, format } => {
                    if format != "json" {
                        bail!("unknown format {format:?} (json)");
                    }
                    let a = actor(&db, org.as_deref()).await?;
                    let q = mamori_app::m365::EventQuery {
                        user: user.unwrap_or_default(),
                        operation: operation.unwrap_or_default(),
                        ip: ip.unwrap_or_default(),
                        workload: workload.unwrap_or_default(),
                        from: from.unwrap_or_default(),
                        to: to.unwrap_or_default(),
                        limit,
                    };
                    let list = mamori_app::m365::events(&db, &a, &q).await.map_err(app_err)?;
                    let out: Vec<serde_json::Value> = list
                        .iter()
                        .map(|e| {
                            serde_json::json!({
                                "id": e.audit_id, "time": e.at, "operation": e.operation, "user": e.user_id,
                                "ip": e.ip, "workload": e.workload, "record_type": e.record_type, "result": e.result,
                                "audit_data": serde_json::from_str::<serde_json::Value>(&e.raw).unwrap_or(serde_json::Value::Null),
                            })
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&out)?);
                }
            }
            db.close().await;
        }
        Command::Reminders(RemindersCommand::Send) => {
            let db = open_db(&settings, url, &dir_for("./mamori-data")).await?;
            let Some(smtp) = &settings.smtp else { bail!("no SMTP server configured (smtp.host or MAMORI_SMTP_HOST)") };
            let text = mamori_web::i18n::Tr { lang: mamori_web::i18n::Lang::Ja };
            let (queued, r) = mamori_app::reminders::run_once(&db, smtp, &text, now_ms()).await.map_err(app_err)?;
            println!("queued {queued}, sent {}, failed {}", r.sent, r.failed);
            db.close().await;
            return Ok(if r.failed > 0 { 1 } else { 0 });
        }
        Command::Duties(c) => {
            let db = open_db(&settings, url, &dir_for("./mamori-data")).await?;
            let today = mamori_app::tokyo_date(now_ms());
            let (org, format) = match &c {
                DutiesCommand::List { org, format } | DutiesCommand::Occurrences { org, format, .. } => {
                    (org.clone(), format.clone())
                }
            };
            if format != "json" {
                bail!("unknown format {format:?} (json)");
            }
            let a = actor(&db, org.as_deref()).await?;
            mamori_app::duties::offer_from_regulation(&db, &a, today, now_ms()).await.map_err(app_err)?;
            match c {
                DutiesCommand::List { .. } => {
                    let list = mamori_app::duties::list(&db, &a, today).await.map_err(app_err)?;
                    let out: Vec<serde_json::Value> = list.iter().map(|d| d.contract()).collect();
                    println!("{}", serde_json::to_string_pretty(&out)?);
                }
                DutiesCommand::Occurrences { from, to, .. } => {
                    let (fy_first, fy_last) = mamori_app::duties::fiscal_year_range(today).map_err(app_err)?;
                    let parse = |s: Option<String>, default: jiff::civil::Date| -> Result<jiff::civil::Date> {
                        match s {
                            Some(s) => s.parse().with_context(|| format!("not a date (YYYY-MM-DD): {s}")),
                            None => Ok(default),
                        }
                    };
                    let from = parse(from, fy_first)?;
                    let to = parse(to, fy_last)?;
                    let occ = mamori_app::duties::occurrences(&db, &a, from, to, today).await.map_err(app_err)?;
                    let out: Vec<serde_json::Value> = occ.iter().map(|o| o.contract()).collect();
                    println!("{}", serde_json::to_string_pretty(&out)?);
                }
            }
        }
        Command::Audit(AuditCommand::Verify) => {
            let db = open_db(&settings, url, &dir_for("./mamori-data")).await?;
            let mut broken = false;
            for v in audit::verify_all(&db).await.map_err(app_err)? {
                match v.result {
                    Ok(n) => println!("{}: ok ({n} rows)", v.org_slug),
                    Err(e) => {
                        broken = true;
                        println!("{}: BROKEN: {e}", v.org_slug);
                    }
                }
            }
            if broken {
                return Ok(1);
            }
        }
    }
    Ok(0)
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("mamori: error: {e:#}");
            std::process::exit(2);
        }
    }
}
