//! `trygg report situation …`: the situation report as a file.

use anyhow::{Context, Result, anyhow};
use clap::Subcommand;
use trygg_core::Code;
use trygg_report::doc::Doc;
use trygg_report::output::{Format, render};
use trygg_report::situation::{ReportPeriod, SituationRequest, build, to_doc};
use trygg_report::tertial::{self, TertialRequest};
use trygg_report::text::Lang;
use trygg_store::{NewSnapshot, Store};

/// What `trygg report` can make.
#[derive(Subcommand)]
pub enum ReportCommand {
    /// The situation report (lägesbild) for an area and a period.
    ///
    /// Example: trygg report situation --area jarva --period 2025 --format pdf --output lagesbild-2025.pdf
    Situation {
        /// The area's code, e.g. jarva, rinkeby-kista or tensta; repeat for a custom set (tensta, rinkeby…).
        #[arg(long = "area", required = true)]
        areas: Vec<String>,
        /// A year (2025), a tertial (2025-T2) or a range of them (2024-T3..2025-T2).
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
    /// The tertial report: indicators against targets and measure status, from the
    /// approved figures; T2 contains the previous year's situation report, T3 the year's.
    ///
    /// Example: trygg report tertial --area jarva --period 2026-T2 --format pdf --output tertial-2026-T2.pdf
    Tertial {
        /// The area's code, e.g. jarva.
        #[arg(long)]
        area: String,
        /// A tertial, e.g. 2026-T2.
        #[arg(long)]
        period: String,
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

/// Where and how to write a report.
struct Output {
    format: Format,
    lang: Lang,
    path: std::path::PathBuf,
    publish: bool,
}

impl Output {
    fn new(format: &str, lang: &str, path: std::path::PathBuf, publish: bool) -> Result<Output> {
        let format = Format::parse(format)
            .ok_or_else(|| anyhow!("--format {format}: expected html, pdf, xlsx or json"))?;
        let lang = Lang::from_tag(lang).ok_or_else(|| anyhow!("--lang {lang}: expected sv or en"))?;
        Ok(Output { format, lang, path, publish })
    }

    /// Writes the file and, if asked, publishes the document as the next version.
    async fn write(&self, store: &Store, doc: &Doc, kind: &str, area: &Code, period: &str) -> Result<()> {
        let bytes = render(doc, self.format)?;
        std::fs::write(&self.path, &bytes)
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        println!("wrote {} ({} bytes)", self.path.display(), bytes.len());
        if self.publish {
            let json = serde_json::to_string(doc)?;
            let snapshot =
                NewSnapshot { kind, area, period, lang: self.lang.tag(), title: &doc.title, document: &json };
            let info = store.publish_snapshot("cli", &snapshot).await?;
            println!("published as snapshot {} (version {})", info.id, info.version);
        }
        Ok(())
    }
}

/// Runs a report command.
pub async fn run(store: &Store, command: ReportCommand) -> Result<()> {
    match command {
        ReportCommand::Situation { areas, period, comparison, categories, format, lang, output, publish } => {
            let out = Output::new(&format, &lang, output, publish)?;
            let codes = areas
                .iter()
                .map(|a| Code::new(a).with_context(|| format!("--area {a}")))
                .collect::<Result<Vec<_>>>()?;
            let period: ReportPeriod = period.parse().with_context(|| format!("--period {period}"))?;
            let request = SituationRequest {
                area: codes[0].clone(),
                more_areas: codes[1..].to_vec(),
                period,
                comparison: comparison.as_deref().map(Code::new).transpose().context("--comparison")?,
                categories,
                now: trygg_store::now_ms(),
            };
            let situation = build(store, &request).await?;
            let doc = to_doc(&situation, out.lang, None);
            out.write(store, &doc, "situation", &request.area, &request.period.to_string()).await
        }
        ReportCommand::Tertial { area, period, format, lang, output, publish } => {
            let out = Output::new(&format, &lang, output, publish)?;
            let request = TertialRequest {
                area: Code::new(&area).with_context(|| format!("--area {area}"))?,
                period: period.parse().with_context(|| format!("--period {period}"))?,
                now: trygg_store::now_ms(),
            };
            let report = tertial::build(store, &request).await?;
            let doc = tertial::to_doc(&report, out.lang);
            out.write(store, &doc, "tertial", &request.area, &request.period.to_string()).await
        }
    }
}
