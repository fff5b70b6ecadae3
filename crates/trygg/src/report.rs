//! `trygg report situation …`: the situation report as a file.

use anyhow::{Context, Result, anyhow};
use clap::Subcommand;
use trygg_core::{Code, Period};
use trygg_report::output::{Format, render};
use trygg_report::situation::{SituationRequest, build, to_doc};
use trygg_report::text::Lang;
use trygg_store::{NewSnapshot, Store};

/// What `trygg report` can make.
#[derive(Subcommand)]
pub enum ReportCommand {
    /// The situation report (lägesbild) for an area and a period.
    ///
    /// Example: trygg report situation --area jarva --period 2025 --format pdf --output lagesbild-2025.pdf
    Situation {
        /// The area's code, e.g. jarva, rinkeby-kista or tensta.
        #[arg(long)]
        area: String,
        /// A year (2025) or a tertial (2025-T2).
        #[arg(long)]
        period: String,
        /// An area to compare with, e.g. spanga-tensta.
        #[arg(long)]
        comparison: Option<String>,
        /// Only this event category or crime type (repeat for several), e.g. Inbrott.
        #[arg(long = "category")]
        categories: Vec<String>,
        /// html, pdf, xlsx or json (the document itself).
        #[arg(long, default_value = "html")]
        format: String,
        /// sv (default) or en.
        #[arg(long, default_value = "sv")]
        lang: String,
        /// The file to write.
        #[arg(long)]
        output: std::path::PathBuf,
        /// Also store the report as a published, versioned snapshot.
        #[arg(long)]
        publish: bool,
    },
}

/// Runs a report command.
pub async fn run(store: &Store, command: ReportCommand) -> Result<()> {
    let ReportCommand::Situation { area, period, comparison, categories, format, lang, output, publish } =
        command;
    let format = Format::parse(&format)
        .ok_or_else(|| anyhow!("--format {format}: expected html, pdf, xlsx or json"))?;
    let lang = Lang::from_tag(&lang).ok_or_else(|| anyhow!("--lang {lang}: expected sv or en"))?;
    let period: Period = period.parse().with_context(|| format!("--period {period}"))?;
    let request = SituationRequest {
        area: Code::new(&area).with_context(|| format!("--area {area}"))?,
        period,
        comparison: comparison.as_deref().map(Code::new).transpose().context("--comparison")?,
        categories,
        now: trygg_store::now_ms(),
    };
    let situation = build(store, &request).await?;
    let doc = to_doc(&situation, lang, None);
    let bytes = render(&doc, format)?;
    std::fs::write(&output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
    println!("wrote {} ({} bytes)", output.display(), bytes.len());
    if publish {
        let json = serde_json::to_string(&doc)?;
        let period = request.period.to_string();
        let snapshot = NewSnapshot {
            kind: "situation",
            area: &request.area,
            period: &period,
            lang: lang.tag(),
            title: &doc.title,
            document: &json,
        };
        let info = store.publish_snapshot("cli", &snapshot).await?;
        println!("published as snapshot {} (version {})", info.id, info.version);
    }
    Ok(())
}
