//! `trygg`: one binary for Trygg. Parses arguments and configuration, then
//! calls the library crates; errors go to stderr with a non-zero exit code.

mod analyze;
mod config;
mod demo;
mod demo_plans;
mod demo_reports;
mod demo_situation;
mod imports;
mod partner;
mod report;
mod serious_talks;

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
        /// The address users reach the server at, for links in e-mail (default: http://BIND).
        #[arg(long, env = "TRYGG_PUBLIC_URL")]
        public_url: Option<String>,
        /// SMTP relay for notifications, HOST:PORT (without one, mail waits in the outbox).
        #[arg(long, env = "TRYGG_SMTP")]
        smtp: Option<String>,
        /// Sender address of notifications.
        #[arg(long, env = "TRYGG_MAIL_FROM", default_value = "trygg@localhost")]
        mail_from: String,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import data files.
    Import {
        #[command(subcommand)]
        command: imports::ImportCommand,
    },
    /// Partner organisations: Open311 API keys and notification addresses.
    Partner {
        #[command(subcommand)]
        command: partner::PartnerCommand,
    },
    /// Serious talks: delete records past the retention period, keeping their figures.
    SeriousTalks {
        #[command(subcommand)]
        command: serious_talks::SeriousTalksCommand,
    },
    /// Make reports: the situation report (lägesbild) as HTML, PDF, XLSX or JSON.
    Report {
        #[command(subcommand)]
        command: report::ReportCommand,
    },
    /// Write a consistent backup of every table to FILE, online (SQLite or PostgreSQL; portable between them).
    Backup {
        /// The file to write (replaced only when the backup is complete).
        file: std::path::PathBuf,
    },
    /// Replace every row of the database with the backup in FILE (all or nothing; audited).
    Restore {
        /// The backup file.
        file: std::path::PathBuf,
        /// Confirm that every row of the target database is to be replaced.
        #[arg(long)]
        yes: bool,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Analyse CSV files: hot spots, kernel density, near repeat, trends, comparisons, evaluations.
    Analyze {
        #[command(subcommand)]
        command: analyze::AnalyzeCommand,
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
enum AuditCommand {
    /// Recompute the hash chain and report the first broken entry, if any.
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Pure file-to-file analytics: no configuration, database or runtime.
    if let Command::Analyze { command } = cli.command {
        return analyze::main(command);
    }
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
        Command::Serve { bind, demo, public_url, smtp, mail_from } => {
            let url = settings.database_url(cli.database.as_deref(), demo);
            let store = open(&url).await?;
            let addr = bind.or(settings.bind).unwrap_or_else(|| ([127, 0, 0, 1], 8080).into());
            if demo {
                let logins = demo::prepare(&store).await?;
                demo::print_banner(&addr, &url, &logins);
            }
            let mut web = settings.web_config();
            match public_url.or(settings.public_url.clone()) {
                Some(u) => web.public_url = u.trim_end_matches('/').to_owned(),
                None => web.public_url = format!("http://{addr}"),
            }
            if let Some(relay) = smtp {
                let (host, port) = relay.rsplit_once(':').unwrap_or((relay.as_str(), "25"));
                let port = port.parse().with_context(|| format!("--smtp {relay}: expected HOST:PORT"))?;
                web.smtp = Some(trygg_web::SmtpConfig::new(host, port, &mail_from));
            }
            let state = trygg_web::AppState::new(store, web);
            tracing::info!(%addr, database = %trygg_store::redact(&url), "serving");
            trygg_web::serve(state, addr).await.with_context(|| format!("cannot serve on {addr}"))
        }
        Command::User { command } => {
            user(command, &open(&settings.database_url(cli.database.as_deref(), false)).await?).await
        }
        Command::Import { command } => {
            let store = open(&settings.database_url(cli.database.as_deref(), false)).await?;
            imports::run(&store, command).await
        }
        Command::Partner { command } => {
            partner::run(&open(&settings.database_url(cli.database.as_deref(), false)).await?, command).await
        }
        Command::SeriousTalks { command } => {
            let store = open(&settings.database_url(cli.database.as_deref(), false)).await?;
            serious_talks::run(&store, command, settings.web_config().serious_talk_retention_days).await
        }
        Command::Report { command } => {
            report::run(&open(&settings.database_url(cli.database.as_deref(), false)).await?, command).await
        }
        Command::Backup { file } => {
            backup(&open(&settings.database_url(cli.database.as_deref(), false)).await?, &file).await
        }
        Command::Restore { file, yes } => {
            if !yes {
                bail!("restore replaces every row of the database; run again with --yes to confirm");
            }
            let store = open(&settings.database_url(cli.database.as_deref(), false)).await?;
            let reader =
                std::fs::File::open(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let summary = store
                .restore(&mut std::io::BufReader::new(reader))
                .await
                .with_context(|| format!("{}: nothing was restored", file.display()))?;
            let detail = format!("{} rows in {} tables", summary.rows, summary.tables);
            store.audit("cli", "backup.restore", &file.display().to_string(), &detail).await?;
            println!("restored {detail} (schema version {})", summary.schema_version);
            Ok(())
        }
        Command::Analyze { command } => analyze::run(command),
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

/// Writes the backup next to `file` and moves it into place when it is complete.
async fn backup(store: &Store, file: &std::path::Path) -> Result<()> {
    let partial = file.with_extension("partial");
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(&partial).with_context(|| format!("cannot write {}", partial.display()))?,
    );
    let summary = store.backup(&mut out).await?;
    drop(out);
    std::fs::rename(&partial, file).with_context(|| format!("cannot write {}", file.display()))?;
    let detail = format!("{} rows in {} tables", summary.rows, summary.tables);
    store.audit("cli", "backup.write", &file.display().to_string(), &detail).await?;
    println!("wrote {} ({detail}, schema version {})", file.display(), summary.schema_version);
    Ok(())
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
