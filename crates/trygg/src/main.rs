//! `trygg`: one binary for Trygg. Parses arguments and configuration, then
//! calls the library crates; errors go to stderr with a non-zero exit code.

mod config;
mod demo;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use config::Settings;
use std::process::ExitCode;
use trygg_core::{Code, Email, Name, Password, Role};
use trygg_store::{AuditVerification, NewAccount, Store};

/// Trygg: knowledge-based safety and crime-prevention work for a municipality.
#[derive(Parser)]
#[command(name = "trygg", version, about, long_about = None)]
struct Cli {
    /// Database URL: sqlite://PATH (default sqlite://trygg.db) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "TRYGG_DATABASE_URL")]
    database: Option<String>,
    /// Configuration file (default: ./trygg.toml if it exists).
    #[arg(long, global = true, env = "TRYGG_CONFIG")]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create or upgrade the database and seed Järva's geography and strategy (idempotent).
    Init,
    /// Serve the web application.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "TRYGG_BIND")]
        bind: Option<std::net::SocketAddr>,
        /// Serve demo data: creates (or reuses) trygg-demo.db with Järva and one user per role.
        #[arg(long)]
        demo: bool,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import data files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user. The password comes from TRYGG_PASSWORD or a prompt.
    Add {
        /// E-mail address (the login).
        #[arg(long)]
        email: String,
        /// Role: admin, coordinator, steering, member, partner or social_services.
        #[arg(long)]
        role: String,
        /// An area code the role applies to (repeat for several), e.g. jarva.
        #[arg(long = "area")]
        areas: Vec<String>,
        /// Display name (default: the e-mail address).
        #[arg(long)]
        name: Option<String>,
    },
    /// List users.
    List,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Police events from the police's open events API: JSON arrays, plain or .gz.
    ///
    /// Example: trygg import polisen events_2023.json.gz events_2024.json.gz
    ///
    /// Every file is checked before anything is written; each file is then
    /// imported in one transaction with its provenance. Importing the same
    /// events again adds nothing; changed events are updated and their
    /// earlier version kept.
    Polisen {
        /// The files to import.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// Check the files and report what would be imported, without writing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and report the first broken entry, if any.
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Init => {
            let store = open(&settings.database_url(cli.database.as_deref(), false)).await?;
            let report = trygg_import::seed::seed_jarva(&store).await.context("seeding Järva failed")?;
            println!(
                "database ready ({}); seeded: {report}",
                trygg_store::redact(&settings.database_url(cli.database.as_deref(), false))
            );
            Ok(())
        }
        Command::Serve { bind, demo } => {
            let url = settings.database_url(cli.database.as_deref(), demo);
            let store = open(&url).await?;
            let addr = bind.or(settings.bind).unwrap_or_else(|| ([127, 0, 0, 1], 8080).into());
            if demo {
                let logins = demo::prepare(&store).await?;
                demo::print_banner(&addr, &url, &logins);
            }
            let state = trygg_web::AppState::new(store, settings.web_config());
            tracing::info!(%addr, database = %trygg_store::redact(&url), "serving");
            trygg_web::serve(state, addr).await.with_context(|| format!("cannot serve on {addr}"))
        }
        Command::User { command } => {
            user(command, &open(&settings.database_url(cli.database.as_deref(), false)).await?).await
        }
        Command::Import { command: ImportCommand::Polisen { files, dry_run } } => {
            let store = open(&settings.database_url(cli.database.as_deref(), false)).await?;
            import_polisen(&store, &files, dry_run).await
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let store = open(&settings.database_url(cli.database.as_deref(), false)).await?;
            match store.verify_audit().await? {
                AuditVerification::Intact { entries } => {
                    println!("audit log intact: {entries} entries");
                    Ok(())
                }
                AuditVerification::Broken { seq, reason } => {
                    bail!("audit log broken at entry {seq}: {reason}")
                }
            }
        }
    }
}

/// Connects and migrates (a newer schema than this binary knows is an error).
async fn open(url: &str) -> Result<Store> {
    let store = Store::connect(url).await?;
    store.migrate().await?;
    Ok(store)
}

async fn user(command: UserCommand, store: &Store) -> Result<()> {
    match command {
        UserCommand::Add { email, role, areas, name } => {
            let email = Email::new(&email)?;
            let role: Role = role.parse()?;
            let areas = areas.iter().map(|a| Code::new(a)).collect::<Result<Vec<_>, _>>()?;
            let name = Name::new(name.as_deref().unwrap_or(email.as_str()))?;
            let password = Password::new(&read_password()?)?;
            let user = store.add_user("cli", NewAccount { email, name, role, areas, password }).await?;
            println!("added user {} ({}) with id {}", user.email, user.role, user.id);
            Ok(())
        }
        UserCommand::List => {
            for u in store.users().await? {
                let areas: Vec<&str> = u.areas.iter().map(Code::as_str).collect();
                let state = if u.disabled { " (disabled)" } else { "" };
                println!("{}\t{}\t{}\t{}{state}", u.id, u.email, u.role, areas.join(","));
            }
            Ok(())
        }
    }
}

async fn import_polisen(store: &Store, files: &[std::path::PathBuf], dry_run: bool) -> Result<()> {
    use trygg_import::polisen;
    let gazetteer = polisen::gazetteer(store).await?;
    let mut loaded = Vec::new();
    for path in files {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let name = path.display().to_string();
        let check = polisen::dry_run(&name, &bytes, &gazetteer)?;
        println!(
            "{name}: {} events, {} in the city, {} placed in an area by their text",
            check.events, check.in_city, check.placed_by_text
        );
        loaded.push((name, bytes));
    }
    if dry_run {
        println!("dry run: nothing was written");
        return Ok(());
    }
    for (name, bytes) in loaded {
        let run = polisen::load(store, &gazetteer, &name, &bytes, "cli").await?;
        store.audit("cli", "import.polisen", &format!("import_run:{}", run.id), &name).await?;
        println!(
            "{name}: {} new, {} updated, {} unchanged (import {})",
            run.inserted, run.updated, run.unchanged, run.id
        );
    }
    Ok(())
}

fn read_password() -> Result<String> {
    if let Ok(p) = std::env::var("TRYGG_PASSWORD") {
        return Ok(p);
    }
    let first = rpassword::prompt_password("Password (10–256 characters): ")
        .context("no TRYGG_PASSWORD set and no terminal to ask for a password")?;
    let second = rpassword::prompt_password("Password again: ")?;
    if first != second {
        bail!("the two passwords differ");
    }
    Ok(first)
}
