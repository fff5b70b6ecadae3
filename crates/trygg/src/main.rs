//! `trygg`: one binary for Trygg. Parses arguments and configuration, then
//! calls the library crates; errors go to stderr with a non-zero exit code.

mod analyze;
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
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per run; boxing would only obscure the clap derive"
)]
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
    /// Point events from CSV (police exports, incident systems, open data).
    ///
    /// Example: trygg import points crimedata_2024.csv --source vancouver-vpd --crs EPSG:26910
    ///   --x-column X --y-column Y --time-columns YEAR,MONTH,DAY,HOUR,MINUTE --category-column TYPE
    ///   --time-zone America/Vancouver
    ///
    /// Coordinates are converted to WGS84 and each point placed in the district
    /// containing it; blank or zero coordinates are kept without a position.
    /// Any refused row stops the import (nothing is written) unless --skip-invalid.
    Points(PointsArgs),
}

/// Column mapping for `import points`, from flags (a mapping file may give them instead).
#[derive(clap::Args)]
struct PointsArgs {
    /// The files to import.
    #[arg(required = true)]
    files: Vec<std::path::PathBuf>,
    /// A TOML file with the keys below (source, crs, x_column, …); flags override it.
    #[arg(long)]
    mapping: Option<std::path::PathBuf>,
    /// The source name the events are filed under, e.g. vancouver-vpd.
    #[arg(long)]
    source: Option<String>,
    /// Coordinate reference system: EPSG:4326, EPSG:3006, EPSG:3011 or a UTM zone (EPSG:326NN, 258NN, 269NN).
    #[arg(long)]
    crs: Option<String>,
    /// The x column (easting or longitude).
    #[arg(long)]
    x_column: Option<String>,
    /// The y column (northing or latitude).
    #[arg(long)]
    y_column: Option<String>,
    /// One date or date-time column.
    #[arg(long, conflicts_with = "time_columns")]
    time_column: Option<String>,
    /// YEAR,MONTH,DAY[,HOUR[,MINUTE]] columns.
    #[arg(long, value_delimiter = ',')]
    time_columns: Option<Vec<String>>,
    /// The category column.
    #[arg(long)]
    category_column: Option<String>,
    /// The source's id column; without it a row's identity is a hash of its content.
    #[arg(long)]
    id_column: Option<String>,
    /// Time zone of the times (default Europe/Stockholm).
    #[arg(long)]
    time_zone: Option<String>,
    /// Check and report without writing.
    #[arg(long)]
    dry_run: bool,
    /// Import the good rows even if some are refused (they are listed either way).
    #[arg(long)]
    skip_invalid: bool,
}

impl PointsArgs {
    fn mapping(&self) -> Result<trygg_import::points::Mapping> {
        #[derive(serde::Deserialize, Default)]
        #[serde(deny_unknown_fields)]
        struct File {
            source: Option<String>,
            crs: Option<String>,
            x_column: Option<String>,
            y_column: Option<String>,
            time_column: Option<String>,
            time_columns: Option<Vec<String>>,
            category_column: Option<String>,
            id_column: Option<String>,
            time_zone: Option<String>,
        }
        let f: File = match &self.mapping {
            Some(p) => toml::from_str(
                &std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
            )
            .with_context(|| format!("{}: invalid mapping", p.display()))?,
            None => File::default(),
        };
        let need = |flag: &Option<String>, file: Option<String>, name: &str| {
            flag.clone().or(file).with_context(|| {
                format!("--{name} (or `{}` in the mapping file) is required", name.replace('-', "_"))
            })
        };
        Ok(trygg_import::points::Mapping {
            source: need(&self.source, f.source, "source")?,
            crs: need(&self.crs, f.crs, "crs")?,
            x_column: need(&self.x_column, f.x_column, "x-column")?,
            y_column: need(&self.y_column, f.y_column, "y-column")?,
            time_column: self.time_column.clone().or(f.time_column),
            time_columns: self.time_columns.clone().or(f.time_columns),
            category_column: need(&self.category_column, f.category_column, "category-column")?,
            id_column: self.id_column.clone().or(f.id_column),
            time_zone: self.time_zone.clone().or(f.time_zone),
        })
    }
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
        Command::Analyze { command } => analyze::run(command),
        Command::Import { command: ImportCommand::Points(args) } => {
            let store = open(&settings.database_url(cli.database.as_deref(), false)).await?;
            import_points(&store, &args).await
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

async fn import_points(store: &Store, args: &PointsArgs) -> Result<()> {
    use trygg_import::points;
    let mapping = args.mapping()?;
    let locator = points::locator(store).await?;
    let mut checked = Vec::new();
    for path in &args.files {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let name = path.display().to_string();
        let parsed = match points::check(&name, &bytes, &mapping, &locator, args.skip_invalid) {
            Err(points::PointsImportError::Rejected { rejected, .. }) => {
                for r in rejected.iter().take(20) {
                    eprintln!("{name}: line {}, column {}: {}", r.line, r.column, r.reason);
                }
                bail!(
                    "{name}: {} rows refused; nothing was imported (use --skip-invalid to import the rest)",
                    rejected.len()
                );
            }
            other => other?,
        };
        for r in parsed.rejected.iter().take(20) {
            eprintln!("{name}: skipped line {}, column {}: {}", r.line, r.column, r.reason);
        }
        println!(
            "{name}: {} rows accepted ({} without a position, {} outside every district), {} refused",
            parsed.events.len(),
            parsed.without_position,
            parsed.outside_areas,
            parsed.rejected.len()
        );
        checked.push((name, bytes, parsed));
    }
    if args.dry_run {
        println!("dry run: nothing was written");
        return Ok(());
    }
    for (name, bytes, parsed) in checked {
        let run = points::load(store, &name, &bytes, &mapping, &parsed, "cli").await?;
        store.audit("cli", "import.points", &format!("import_run:{}", run.id), &name).await?;
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
