//! The tertial report: each common indicator against its target and
//! baseline, each measure's status as its owner reported it, who has not
//! reported, and the approvals — read from the stored (approved) figures,
//! never recomputed. Tertial 2 carries the previous year's situation report
//! (the strategy's annual lägesbild) and tertial 3 the year's own, so T3 is
//! also the annual report.

use crate::doc::{Block, Cell, Column, Doc, NumberFormat, Section, Table};
use crate::situation::{self, Situation, SituationError, SituationRequest};
use crate::text::{Lang, Texts};
use trygg_core::{Code, MeasureStatus, Period, Polarity};
use trygg_store::{Approval, FollowupRow, Indicator, IndicatorTarget, IndicatorValue, Store};

/// What to report on.
#[derive(Debug, Clone, PartialEq)]
pub struct TertialRequest {
    /// The area (usually Järva).
    pub area: Code,
    /// A tertial, e.g. `2026-T2`.
    pub period: Period,
    /// "Now", epoch ms.
    pub now: i64,
}

/// Why a tertial report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TertialError {
    /// The period is not a tertial.
    #[error("{0} is not a tertial (e.g. 2026-T2)")]
    NotATertial(String),
    /// The situation report inside failed (unknown area, future period, store).
    #[error(transparent)]
    Situation(#[from] SituationError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] trygg_store::StoreError),
}

/// One indicator in the tertial.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorLine {
    /// The definition.
    pub indicator: Indicator,
    /// The period its value is for: the tertial, its year (yearly cadence) or the latest wave up to it.
    pub value: Option<IndicatorValue>,
    /// Women's and men's values of the same period, where stored.
    pub by_sex: (Option<IndicatorValue>, Option<IndicatorValue>),
    /// The value of the period before (for the trend).
    pub previous: Option<IndicatorValue>,
    /// The target for the value's period (or its year).
    pub target: Option<IndicatorTarget>,
}

impl IndicatorLine {
    /// Whether the value meets the target, by the indicator's polarity.
    pub fn met(&self) -> Option<bool> {
        let (v, t) = (self.value.as_ref()?.value, self.target.as_ref()?.value);
        Some(match self.indicator.polarity {
            Polarity::LowerIsBetter => v <= t,
            Polarity::HigherIsBetter => v >= t,
        })
    }
}

/// The tertial report, computed.
#[derive(Debug, Clone)]
pub struct TertialReport {
    /// The request.
    pub request: TertialRequest,
    /// The area's name.
    pub area_name: String,
    /// Preparation and steering approvals so far.
    pub approvals: Vec<Approval>,
    /// Whether the steering group has locked the figures.
    pub locked: bool,
    /// Every indicator with a value or target for the area.
    pub indicators: Vec<IndicatorLine>,
    /// Every measure active in the tertial with its report, if any.
    pub measures: Vec<FollowupRow>,
    /// The annual situation report inside: T2 the previous year's, T3 this year's.
    pub annual: Option<Situation>,
}

/// Reads the tertial's figures.
pub async fn build(store: &Store, request: &TertialRequest) -> Result<TertialReport, TertialError> {
    let Period::Tertial(year, n) = request.period else {
        return Err(TertialError::NotATertial(request.period.to_string()));
    };
    let today = jiff::Timestamp::from_millisecond(request.now)
        .map(|t| t.to_zoned_datetime(situation::stockholm()).date())
        .map_err(|_| SituationError::FuturePeriod(request.period.to_string()))?;
    if request.period.start() > today {
        return Err(SituationError::FuturePeriod(request.period.to_string()).into());
    }
    let area = store
        .area(&request.area)
        .await?
        .ok_or_else(|| SituationError::UnknownArea(request.area.to_string()))?;
    let mut indicators = Vec::new();
    for indicator in store.indicators().await? {
        let values = store.indicator_values(&indicator.code, &request.area).await?;
        let targets = store.indicator_targets(&indicator.code, &request.area).await?;
        let line = indicator_line(indicator, &values, &targets, request.period);
        if line.value.is_some() || line.target.is_some() {
            indicators.push(line);
        }
    }
    let annual_year = match n {
        2 => Some(year - 1),
        3 => Some(year),
        _ => None,
    };
    let annual = match annual_year {
        Some(y) => {
            let req = SituationRequest {
                area: request.area.clone(),
                more_areas: Vec::new(),
                period: Period::Year(y).into(),
                comparison: None,
                categories: Vec::new(),
                now: request.now,
            };
            Some(situation::build(store, &req).await?)
        }
        None => None,
    };
    Ok(TertialReport {
        request: request.clone(),
        area_name: area.name.to_string(),
        approvals: store.approvals(&request.area, request.period).await?,
        locked: store.is_locked(&request.area, request.period).await?,
        indicators,
        measures: store.followup_overview(&request.area, request.period).await?,
        annual,
    })
}

/// The value for `period` (its tertial, else its year, else the latest up to its end), the one before, the target.
fn indicator_line(
    indicator: Indicator,
    values: &[IndicatorValue],
    targets: &[IndicatorTarget],
    period: Period,
) -> IndicatorLine {
    let year = Period::Year(period.year_number());
    let of = |p: &str, group: &str| values.iter().find(|v| v.period == p && v.group == group).cloned();
    let chosen =
        [period.to_string(), year.to_string()].into_iter().find(|p| of(p, "all").is_some()).or_else(|| {
            let mut earlier: Vec<&IndicatorValue> = values
                .iter()
                .filter(|v| {
                    v.group == "all" && v.period.parse::<Period>().is_ok_and(|p| p.end() <= period.end())
                })
                .collect();
            earlier.sort_by_key(|v| v.period.parse::<Period>().map(|p| p.end()).ok());
            earlier.last().map(|v| v.period.clone())
        });
    let value = chosen.as_deref().and_then(|p| of(p, "all"));
    let by_sex = chosen.as_deref().map_or((None, None), |p| (of(p, "women"), of(p, "men")));
    let previous = chosen.as_deref().and_then(|p| p.parse::<Period>().ok()).and_then(|p| {
        let before = match p {
            Period::Year(_) => p.same_last_year(),
            Period::Tertial(..) => p.previous(),
        };
        of(&before.to_string(), "all")
    });
    let target_period = chosen.clone().unwrap_or_else(|| period.to_string());
    let target = targets
        .iter()
        .find(|t| t.period == target_period)
        .or_else(|| targets.iter().find(|t| t.period == year.to_string()))
        .cloned();
    IndicatorLine { indicator, value, by_sex, previous, target }
}

/// Writes the tertial report in `lang`.
pub fn to_doc(r: &TertialReport, lang: Lang) -> Doc {
    let t = Texts::new(lang);
    let tag = lang.tag();
    let mut sections = vec![
        Section { id: "summary".into(), heading: t.get("tertial.section.summary"), blocks: summary(r, t) },
        Section {
            id: "indicators".into(),
            heading: t.get("tertial.section.indicators"),
            blocks: indicators(r, t),
        },
        Section { id: "measures".into(), heading: t.get("tertial.section.measures"), blocks: measures(r, t) },
    ];
    if let Some(annual) = &r.annual {
        let inner = situation::to_doc(annual, lang, None);
        let year = annual.window.period.to_string();
        sections.extend(inner.sections.into_iter().map(|s| Section {
            id: format!("annual-{}", s.id),
            heading: t.fill("tertial.annual-heading", &[("year", year.clone()), ("heading", s.heading)]),
            blocks: s.blocks.into_iter().map(|b| prefix_ids(b, "annual-")).collect(),
        }));
    }
    let period = r.request.period.to_string();
    Doc {
        lang: tag.to_owned(),
        title: t.fill("tertial.title", &[("area", r.area_name.clone()), ("period", period.clone())]),
        subtitle: t.fill("tertial.subtitle", &[("period", period), ("made", day(r.request.now))]),
        meta: vec![approval_line(r, t), t.get("meta.producer")],
        sections,
    }
}

/// Keeps table and figure ids unique when the annual report is inside.
fn prefix_ids(block: Block, prefix: &str) -> Block {
    match block {
        Block::Table(mut table) => {
            table.id = format!("{prefix}{}", table.id);
            Block::Table(table)
        }
        Block::Figure(mut figure) => {
            figure.id = format!("{prefix}{}", figure.id);
            Block::Figure(figure)
        }
        other => other,
    }
}

fn day(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned_datetime(situation::stockholm()).date().to_string())
        .unwrap_or_default()
}

fn approval_line(r: &TertialReport, t: Texts) -> String {
    if r.locked {
        let when = r.approvals.iter().map(|a| a.approved_at).max().map(day).unwrap_or_default();
        t.fill("tertial.locked", &[("date", when)])
    } else if !r.approvals.is_empty() {
        t.get("tertial.prepared")
    } else {
        t.get("tertial.not-approved")
    }
}

fn summary(r: &TertialReport, t: Texts) -> Vec<Block> {
    let count = |s: MeasureStatus| {
        r.measures.iter().filter(|m| m.followup.as_ref().is_some_and(|f| f.status == s)).count().to_string()
    };
    let missing = r.measures.iter().filter(|m| m.followup.is_none()).count();
    let with_target: Vec<&IndicatorLine> = r.indicators.iter().filter(|l| l.met().is_some()).collect();
    let met = with_target.iter().filter(|l| l.met() == Some(true)).count();
    let mut out = vec![
        Block::Paragraph(approval_line(r, t)),
        Block::Paragraph(t.fill(
            "tertial.summary-measures",
            &[
                ("n", r.measures.len().to_string()),
                ("green", count(MeasureStatus::Green)),
                ("yellow", count(MeasureStatus::Yellow)),
                ("red", count(MeasureStatus::Red)),
                ("missing", missing.to_string()),
            ],
        )),
        Block::Paragraph(t.fill(
            "tertial.summary-indicators",
            &[("met", met.to_string()), ("n", with_target.len().to_string())],
        )),
    ];
    if let Some(annual) = &r.annual {
        out.push(Block::Paragraph(
            t.fill("tertial.summary-annual", &[("year", annual.window.period.to_string())]),
        ));
    }
    out
}

fn col(t: Texts, key: &str, format: NumberFormat) -> Column {
    Column { header: t.get(key), unit: None, format }
}

fn indicators(r: &TertialReport, t: Texts) -> Vec<Block> {
    if r.indicators.is_empty() {
        return vec![Block::Note(t.get("tertial.no-indicators"))];
    }
    let lang = t.lang.tag();
    let num = |v: Option<f64>| v.map_or_else(|| Cell::Missing("–".into()), Cell::Num);
    let rows = r
        .indicators
        .iter()
        .map(|l| {
            // Counts are whole numbers; shares and rates keep a decimal.
            let count = l.indicator.factor == trygg_core::Factor::Count;
            let num = |v: Option<f64>| match v {
                Some(x) if count && x.fract() == 0.0 => Cell::Int(x as i64),
                other => num(other),
            };
            let unit = t.get(&format!("tertial.factor.{}", l.indicator.factor.as_str()));
            let trend = match (l.value.as_ref(), l.previous.as_ref()) {
                (Some(v), Some(p)) => {
                    let better = match l.indicator.polarity {
                        Polarity::LowerIsBetter => v.value < p.value,
                        Polarity::HigherIsBetter => v.value > p.value,
                    };
                    if (v.value - p.value).abs() < 1e-9 {
                        t.get("tertial.trend.same")
                    } else if better {
                        t.get("tertial.trend.better")
                    } else {
                        t.get("tertial.trend.worse")
                    }
                }
                _ => "–".into(),
            };
            vec![
                Cell::Text(l.indicator.name(lang).to_owned()),
                Cell::Text(unit),
                Cell::Text(l.value.as_ref().map_or_else(|| "–".into(), |v| v.period.clone())),
                num(l.value.as_ref().map(|v| v.value)),
                num(l.by_sex.0.as_ref().map(|v| v.value)),
                num(l.by_sex.1.as_ref().map(|v| v.value)),
                num(l.previous.as_ref().map(|v| v.value)),
                Cell::Text(trend),
                num(l.indicator.baseline_value),
                num(l.target.as_ref().map(|x| x.value)),
                Cell::Text(match l.met() {
                    Some(true) => t.get("yes"),
                    Some(false) => t.get("no"),
                    None => "–".into(),
                }),
            ]
        })
        .collect();
    let table = Table {
        id: "indicators".into(),
        caption: t.fill("tertial.indicators-caption", &[("period", r.request.period.to_string())]),
        columns: vec![
            col(t, "tertial.col.indicator", NumberFormat::Text),
            col(t, "tertial.col.unit", NumberFormat::Text),
            col(t, "tertial.col.period", NumberFormat::Text),
            col(t, "tertial.col.value", NumberFormat::Decimal(1)),
            col(t, "col.women", NumberFormat::Decimal(1)),
            col(t, "col.men", NumberFormat::Decimal(1)),
            col(t, "tertial.col.previous", NumberFormat::Decimal(1)),
            col(t, "tertial.col.trend", NumberFormat::Text),
            col(t, "tertial.col.baseline", NumberFormat::Decimal(1)),
            col(t, "tertial.col.target", NumberFormat::Decimal(1)),
            col(t, "tertial.col.met", NumberFormat::Text),
        ],
        rows,
        source: t.get("tertial.indicators-source"),
    };
    // Where each value comes from, apart: the texts are long.
    let sources = Table {
        id: "indicator-sources".into(),
        caption: t.get("tertial.sources-caption"),
        columns: vec![
            col(t, "tertial.col.indicator", NumberFormat::Text),
            col(t, "tertial.col.period", NumberFormat::Text),
            col(t, "tertial.col.origin", NumberFormat::Text),
            col(t, "tertial.col.source", NumberFormat::Text),
        ],
        rows: r
            .indicators
            .iter()
            .filter_map(|l| {
                let v = l.value.as_ref()?;
                Some(vec![
                    Cell::Text(l.indicator.name(lang).to_owned()),
                    Cell::Text(v.period.clone()),
                    Cell::Text(t.get(&format!("tertial.origin.{}", v.origin.as_str()))),
                    Cell::Text(v.source.clone()),
                ])
            })
            .collect(),
        source: t.get("tertial.indicators-source"),
    };
    vec![Block::Table(table), Block::Table(sources)]
}

fn measures(r: &TertialReport, t: Texts) -> Vec<Block> {
    if r.measures.is_empty() {
        return vec![Block::Note(t.get("tertial.no-measures"))];
    }
    let rows = r
        .measures
        .iter()
        .map(|m| {
            let (status, comment) = match &m.followup {
                Some(f) => (t.get(&format!("status.{}", f.status.as_str())), f.comment.clone()),
                None => (t.get("tertial.not-reported"), String::new()),
            };
            vec![
                Cell::Text(m.measure.name.clone()),
                Cell::Text(m.measure.plan_name.clone()),
                Cell::Text(m.measure.owner.clone()),
                Cell::Text(status),
                Cell::Text(comment),
            ]
        })
        .collect();
    let mut out = vec![Block::Table(Table {
        id: "measures".into(),
        caption: t.fill("tertial.measures-caption", &[("period", r.request.period.to_string())]),
        columns: vec![
            col(t, "col.measure", NumberFormat::Text),
            col(t, "tertial.col.plan", NumberFormat::Text),
            col(t, "col.owner", NumberFormat::Text),
            col(t, "col.status", NumberFormat::Text),
            col(t, "col.comment", NumberFormat::Text),
        ],
        rows,
        source: t.get("tertial.measures-source"),
    })];
    let missing: Vec<String> = r
        .measures
        .iter()
        .filter(|m| m.followup.is_none())
        .map(|m| format!("{} ({})", m.measure.name, m.measure.owner))
        .collect();
    if !missing.is_empty() {
        out.push(Block::Subheading(t.get("tertial.missing")));
        out.push(Block::List(missing));
    }
    out
}
