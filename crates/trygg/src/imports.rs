//! `trygg import …`: reads the files, runs the importers of `trygg-import`,
//! reports every refused row with its file, line and column, and exits
//! non-zero if any row was refused (unless `--skip-invalid`). Long imports
//! show a progress bar on the terminal (hidden when stderr is not one).

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use std::io::IsTerminal;
use std::sync::Arc;
use trygg_store::Store;

#[derive(Subcommand)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per run; boxing would only obscure the clap derive"
)]
pub enum ImportCommand {
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
    /// Reported crimes per region, period and crime type (CSV or XLSX).
    ///
    /// Example: trygg import statistics bra_anmalda_brott.xlsx --source bra
    ///
    /// Either one row per region, period and crime type (columns such as
    /// region, period, brottskategori, antal) or Brå's export with one row per
    /// region and year and one column per crime type.
    Statistics(TableArgs),
    /// Survey values from the template in docs/import-templates.md (CSV or XLSX).
    ///
    /// Example: trygg import survey trygghetsmatning.csv --source trygghetsmatningen
    ///
    /// --source names the survey when the file has no survey column.
    Survey(TableArgs),
    /// Population: SCB PX-Web (v1 json, v2 JSON-stat 2.0) or CSV/XLSX of area, year, sex, age, population.
    ///
    /// Example: trygg import population BE0101A.json --source scb
    Population(TableArgs),
    /// Boundaries of existing areas from a shapefile (.shp with .dbf, .prj) or GeoJSON.
    ///
    /// Example: trygg import boundaries stadsdelar_sweref99_1800.shp --name-field name
    ///
    /// Features are matched to areas by name or code (case-insensitive); one
    /// that matches none is refused. Shapefiles in SWEREF 99 TM, SWEREF 99 18 00
    /// or WGS84; DBF text in Latin-1 unless --encoding or a .cpg says otherwise.
    Boundaries(BoundaryArgs),
    /// Incident categories, the partners that own zones, and responsibility
    /// zones for rapid action (TOML, the format of the Järva seed's
    /// crates/trygg-import/seed/rapid_action_jarva.toml).
    ///
    /// Example: trygg import rapid-action rapid_action_malmo.toml
    ///
    /// Zones are drawn from areas already in the database (`area = CODE`) or as
    /// circles around places (`around = CODE`, `radius_m = N`).
    RapidAction {
        /// The TOML file.
        file: std::path::PathBuf,
        /// Check the file against the database and report, without writing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Arguments of `import boundaries`.
#[derive(clap::Args)]
pub struct BoundaryArgs {
    /// A .shp (with its .dbf and .prj beside it) or a .geojson/.json file.
    file: std::path::PathBuf,
    /// The attribute holding each feature's name.
    #[arg(long, default_value = "name")]
    name_field: String,
    /// Text encoding of the shapefile's DBF: latin1 or utf-8 (default: the .cpg's, else latin1).
    #[arg(long)]
    encoding: Option<String>,
    /// Check and report without writing.
    #[arg(long)]
    dry_run: bool,
    /// Import the matched boundaries even if some features match no area.
    #[arg(long)]
    skip_invalid: bool,
}

/// Arguments of the table importers (statistics, survey, population).
#[derive(clap::Args)]
pub struct TableArgs {
    /// The files to import (each in its own transaction, with its own provenance).
    #[arg(required = true)]
    files: Vec<std::path::PathBuf>,
    /// The source (or survey) the figures are filed under, e.g. bra, scb, trygghetsmatningen.
    #[arg(long)]
    source: String,
    /// The XLSX sheet to read (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// Check and report without writing.
    #[arg(long)]
    dry_run: bool,
    /// Import the good rows even if some are refused (they are listed either way).
    #[arg(long)]
    skip_invalid: bool,
}

/// Column mapping for `import points`, from flags (a mapping file may give them instead).
#[derive(clap::Args)]
pub struct PointsArgs {
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

/// Runs one `trygg import` command against `store`.
pub async fn run(store: &Store, command: ImportCommand) -> Result<()> {
    match command {
        ImportCommand::Polisen { files, dry_run } => import_polisen(store, &files, dry_run).await,
        ImportCommand::Points(args) => import_points(store, &args).await,
        ImportCommand::Statistics(args) => import_tables(store, "statistics", &args).await,
        ImportCommand::Survey(args) => import_tables(store, "survey", &args).await,
        ImportCommand::Population(args) => import_tables(store, "population", &args).await,
        ImportCommand::Boundaries(args) => import_boundaries(store, &args).await,
        ImportCommand::RapidAction { file, dry_run } => import_rapid_action(store, &file, dry_run).await,
    }
}

async fn import_rapid_action(store: &Store, file: &std::path::Path, dry_run: bool) -> Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.display().to_string();
    let r = trygg_import::seed::load_rapid_action(store, &name, &text, "cli", dry_run).await?;
    let verb = if dry_run { "checked (dry run, nothing written)" } else { "loaded" };
    println!("{name}: {verb}: {} categories, {} partners, {} zones", r.categories, r.partners, r.zones);
    Ok(())
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
    use trygg_import::points::{self, ImportOptions, Input};
    let mapping = args.mapping()?;
    let locator = Arc::new(points::locator(store).await?);
    let inputs: Vec<Input> = args.files.iter().cloned().map(Input::Path).collect();
    let total: u64 = inputs.iter().filter_map(Input::size).sum();
    let bar = progress_bar(total);
    let options =
        ImportOptions { actor: "cli".into(), skip_invalid: args.skip_invalid, dry_run: args.dry_run };
    let mut progress = |bytes: u64| bar.set_position(bytes);
    let summary = points::import_files(store, &inputs, &mapping, locator, &options, &mut progress).await;
    bar.finish_and_clear();
    let summary = summary?;
    for f in &summary.files {
        let verb = if args.skip_invalid { "skipped" } else { "refused" };
        for r in &f.rejected {
            eprintln!("{}: line {}, column {}: {verb}: {}", f.file, r.line, r.column, r.reason);
        }
        println!(
            "{}: {} rows accepted ({} without a position, {} outside every district), {} refused",
            f.file,
            f.accepted,
            f.without_position,
            f.outside_areas,
            f.rejected.len()
        );
        if let Some(run) = &f.run {
            store.audit("cli", "import.points", &format!("import_run:{}", run.id), &f.file).await?;
            println!(
                "{}: {} new, {} updated, {} unchanged (import {})",
                f.file, run.inserted, run.updated, run.unchanged, run.id
            );
        }
    }
    finish(summary.rejected(), args.skip_invalid, args.dry_run, summary.written)
}

/// Checks every file first; writes only if none has a refused row (or with
/// `--skip-invalid`), each file in its own transaction with its provenance.
async fn import_tables(store: &Store, kind: &str, args: &TableArgs) -> Result<()> {
    use trygg_import::statistics::{Outcome, TableImportError, TableOptions};
    let mut opts = TableOptions {
        source: args.source.clone(),
        actor: "cli".into(),
        dry_run: true,
        skip_invalid: args.skip_invalid,
        sheet: args.sheet.clone(),
    };
    let mut files = Vec::new();
    for path in &args.files {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        files.push((path.display().to_string(), bytes));
    }
    let run = async |name: &str, bytes: &[u8], opts: &TableOptions| -> Result<Outcome, TableImportError> {
        match kind {
            "statistics" => trygg_import::statistics::import(store, name, bytes, opts).await,
            "survey" => trygg_import::surveys::import(store, name, bytes, opts).await,
            _ => trygg_import::population::import(store, name, bytes, opts).await,
        }
    };
    let mut refused = 0;
    for (name, bytes) in &files {
        match run(name, bytes, &opts).await {
            Ok(o) => report_table(name, &o),
            Err(TableImportError::Rejected(o)) => {
                o.rejected.iter().for_each(|p| eprintln!("{p}"));
                refused += o.rejected.len();
            }
            Err(e) => return Err(e.into()),
        }
    }
    if refused > 0 {
        bail!("{refused} rows refused; nothing was imported (fix them, or use --skip-invalid)");
    }
    if args.dry_run {
        println!("dry run: nothing was written");
        return Ok(());
    }
    opts.dry_run = false;
    for (name, bytes) in &files {
        if let Some(r) = run(name, bytes, &opts).await?.run {
            store.audit("cli", &format!("import.{kind}"), &format!("import_run:{}", r.id), name).await?;
            println!(
                "{name}: {} new, {} updated, {} unchanged (import {})",
                r.inserted, r.updated, r.unchanged, r.id
            );
        }
    }
    Ok(())
}

async fn import_boundaries(store: &Store, args: &BoundaryArgs) -> Result<()> {
    use trygg_import::shapefile::{self, TextEncoding};
    let name = args.file.display().to_string();
    let is_shp = args.file.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    let (features, bytes) = if is_shp {
        let files = shapefile::ShapefileFiles::read(&args.file)?;
        let encoding =
            args.encoding.as_deref().map(TextEncoding::parse).transpose().map_err(anyhow::Error::msg)?;
        let stem = args.file.with_extension("").display().to_string();
        let features = shapefile::parse(&stem, files.parts(), &args.name_field, encoding)?;
        (features, [files.shp, files.dbf].concat())
    } else {
        let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {name}"))?;
        let text = String::from_utf8(bytes.clone()).with_context(|| format!("{name}: not UTF-8 text"))?;
        (trygg_import::boundaries::parse_boundaries(&name, &text, &args.name_field)?, bytes)
    };
    let areas = trygg_import::statistics::matcher(store).await?;
    let matched = shapefile::match_areas(&features, &areas);
    for (i, n) in &matched.unmatched {
        eprintln!("{name}: feature {i} ({n:?}): no area with this name or code");
    }
    println!("{name}: {} features, {} matched to areas", features.len(), matched.boundaries.len());
    if !matched.unmatched.is_empty() && !args.skip_invalid {
        bail!(
            "{} features match no area; nothing was imported (use --skip-invalid to import the rest)",
            matched.unmatched.len()
        );
    }
    if args.dry_run {
        println!("dry run: nothing was written");
        return Ok(());
    }
    let meta = trygg_store::ImportMeta {
        kind: "boundaries".into(),
        source: name.clone(),
        file_name: name.clone(),
        sha256: trygg_import::polisen::sha256_hex(&bytes),
        rejected: matched.unmatched.len() as i64,
        actor: "cli".into(),
        started_at: trygg_store::now_ms(),
    };
    let run = store.import_boundaries(&meta, &matched.boundaries).await?;
    store.audit("cli", "import.boundaries", &format!("import_run:{}", run.id), &name).await?;
    println!("{name}: {} boundaries updated, {} unchanged (import {})", run.updated, run.unchanged, run.id);
    Ok(())
}

fn report_table(name: &str, o: &trygg_import::statistics::Outcome) {
    for p in &o.rejected {
        eprintln!("{p} (skipped)");
    }
    for n in &o.notes {
        eprintln!("{name}: note: {n}");
    }
    if !o.unmatched_regions.is_empty() {
        eprintln!("{name}: note: no stored area for {}", o.unmatched_regions.join(", "));
    }
    println!("{name}: {} figures accepted, {} refused", o.accepted, o.rejected.len());
}

/// A progress bar over `total` bytes on stderr, hidden when stderr is not a terminal.
fn progress_bar(total: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}

/// The closing line and the exit status of an import of rows.
fn finish(rejected: usize, skip_invalid: bool, dry_run: bool, written: bool) -> Result<()> {
    if rejected > 0 && !skip_invalid {
        bail!(
            "{rejected} rows refused; nothing was imported (fix them, or use --skip-invalid to import the rest)"
        );
    }
    if dry_run {
        println!("dry run: nothing was written");
    } else if !written {
        bail!("nothing was written");
    } else if rejected > 0 {
        println!("{rejected} refused rows were skipped (--skip-invalid)");
    }
    Ok(())
}
