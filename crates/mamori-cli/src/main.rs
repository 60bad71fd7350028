//! The `mamori` binary: a thin shell over the application layer. This file holds the entry
//! point, logging and the dispatch of each command to its module.

mod args;
mod commands;
mod config;
mod context;
mod demo;
mod demo_continuity;
mod demo_development;
mod demo_people;
mod demo_training;
mod demo_year;
mod serve;

use anyhow::Result;
use args::{Cli, Command, M365Command, PeopleCommand, RegisterCommand, RegulationCommand, SuppliersCommand};
use clap::Parser;

/// mimalloc instead of the system allocator: the Microsoft 365 import allocates and frees
/// strings on three threads, and glibc's malloc cost about a tenth of its time there
/// (BENCHMARKS.md); the import benchmark uses the same allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn init_logging(json: bool) {
    let filter =
        std::env::var("MAMORI_LOG").or_else(|_| std::env::var("RUST_LOG")).unwrap_or_else(|_| "info,sqlx=warn".into());
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json { b.json().init() } else { b.init() }
}

/// Runs one command; the result is the exit code.
async fn run(cli: Cli) -> Result<i32> {
    if let Command::Regulation(RegulationCommand::Parse { file, format }) = &cli.command {
        // Pure: no database, no configuration needed.
        return commands::regulation::parse(file, format);
    }
    let env: Vec<(String, String)> = std::env::vars().collect();
    let settings = config::load(cli.config.as_deref(), &env)?;
    init_logging(settings.log_json);
    // The test clock (MAMORI_TEST_NOW / MAMORI_TEST_SHIFT_DAYS, environment only): refused when
    // unreadable, and never silent when set.
    match mamori_app::clock::test_clock() {
        Err(e) => anyhow::bail!(e),
        Ok(Some(what)) => tracing::warn!("{what}"),
        Ok(None) => {}
    }
    let ctx = context::Ctx {
        settings,
        database_url: cli.database_url,
        data_dir: cli.data_dir,
        audit_key_file: cli.audit_key_file,
    };
    // A successful import is followed by a signed audit checkpoint (when a key file is known).
    let import = matches!(
        &cli.command,
        Command::Register(RegisterCommand::Import { .. })
            | Command::M365(M365Command::Import { .. })
            | Command::Regulation(RegulationCommand::Import { .. })
            | Command::Suppliers(SuppliersCommand::Import { .. })
            | Command::People(PeopleCommand::Import { .. })
    );
    let code = match cli.command {
        Command::Demo { port, bind } => demo::run(&ctx, port, bind).await,
        Command::Serve { port, bind } => serve::run(&ctx, port, bind).await,
        Command::Migrate => commands::migrate::run(&ctx).await,
        Command::Org(c) => commands::org::run(c, &ctx).await,
        Command::User(c) => commands::user::run(c, &ctx).await,
        Command::Audit(c) => commands::audit::run(c, &ctx).await,
        Command::Regulation(c) => commands::regulation::run(c, &ctx).await,
        Command::Soa(c) => commands::soa::run(c, &ctx).await,
        Command::Documents(c) => commands::soa::run_documents(c, &ctx).await,
        Command::Register(c) => commands::register::run(c, &ctx).await,
        Command::Duties(c) => commands::duties::run(c, &ctx).await,
        Command::Suppliers(c) => commands::suppliers::run(c, &ctx).await,
        Command::People(c) => commands::people::run(c, &ctx).await,
        Command::Certificates(c) => commands::certificates::run(c, &ctx).await,
        Command::M365(c) => commands::m365::run(c, &ctx).await,
        Command::Reminders(c) => commands::reminders::run(c, &ctx).await,
        Command::Backup(a) => commands::backup::run(a, &ctx).await,
        Command::Restore { file } => commands::backup::restore(&file, &ctx).await,
    }?;
    if import && code == 0 {
        commands::audit::checkpoint_after_import(&ctx).await;
    }
    Ok(code)
}

/// Transparent huge pages off for a long-running server (Linux): mimalloc commits its arena
/// eagerly, and with THP `always` (common on distributions) every touched 2 MiB region became
/// resident: a fresh idle server held 33–37 MiB instead of 22 MiB (BENCHMARKS.md, idle
/// memory). Set before the runtime starts, so that almost nothing is mapped yet.
fn server_memory_settings(cli: &Cli) {
    if matches!(cli.command, Command::Serve { .. } | Command::Demo { .. }) {
        #[cfg(target_os = "linux")]
        if let Err(e) = rustix::thread::disable_transparent_huge_pages(true) {
            eprintln!("mamori: warning: cannot turn transparent huge pages off: {e}");
        }
    }
}

fn main() {
    let cli = Cli::parse();
    server_memory_settings(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mamori: error: cannot start the runtime: {e}");
            std::process::exit(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("mamori: error: {e:#}");
            std::process::exit(2);
        }
    }
}
