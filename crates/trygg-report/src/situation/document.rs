//! Writes a [`Situation`] as a [`Doc`]: the sections in the language asked
//! for, every table with its source, period and freshness, the maps and
//! charts as SVG with text alternatives, and the sources-and-methods appendix.

use super::counts::ALPHA;
use super::hotspots::{FDR_Q, NR_SIMULATIONS};
use super::summary::format_p;
use super::{Basis, CountTable, Situation, SurveyTable, TableKind};
use crate::chart::{BarChart, HeatTable, Series, bar_chart_svg, heat_table_svg};
use crate::doc::{Block, Cell, Column, Doc, Figure, NumberFormat, Section, Table};
use crate::map::{LegendItem, MapCell, MapPoint, MapShape, MapSpec, render_svg};
use crate::text::{Lang, Texts};
use jiff::Timestamp;

/// Chart and map width in pixels (about A4 text width).
const WIDTH: u32 = 720;

/// Writes the report in `lang`. `summary` replaces the generated summary
/// (the coordinator's edited text, one paragraph per entry) when given.
pub fn to_doc(s: &Situation, lang: Lang, summary: Option<&[String]>) -> Doc {
    let t = Texts::new(lang);
    let w = Writer { s, t, lang: lang.tag() };
    let generated;
    let summary = match summary {
        Some(text) => text,
        None => {
            generated = super::summary(s, t);
            &generated
        }
    };
    let sections = vec![
        w.section(
            "summary",
            "section.summary",
            summary.iter().map(|p| Block::Paragraph(p.clone())).collect(),
        ),
        w.section("context", "section.context", w.context()),
        w.section("crime", "section.crime", w.crime()),
        w.section("incidents", "section.incidents", w.incidents()),
        w.section("hotspots", "section.hotspots", w.hotspots()),
        w.section("safety", "section.safety", w.surveys(&s.safety, "safety")),
        w.section("youth", "section.youth", w.surveys(&s.youth, "youth")),
        w.section("measures", "section.measures", w.measures()),
        w.section("sources", "section.sources", w.sources()),
    ];
    Doc {
        lang: w.lang.to_owned(),
        title: t.fill(
            "title",
            &[("area", s.scope.area.name.to_string()), ("period", s.window.period.to_string())],
        ),
        subtitle: t
            .fill("subtitle", &[("covered", s.window.current.label.clone()), ("made", day(s.request.now))]),
        meta: [
            Some(if s.window.complete { t.get("meta.complete") } else { t.get("meta.running") }),
            (!s.scope.categories.is_empty())
                .then(|| t.fill("meta.categories", &[("categories", s.scope.categories.join(", "))])),
            Some(t.get("meta.producer")),
        ]
        .into_iter()
        .flatten()
        .collect(),
        sections,
    }
}

/// The date of an instant (Stockholm), `YYYY-MM-DD`.
fn day(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned_datetime(super::scope::stockholm()).date().to_string())
        .unwrap_or_default()
}

struct Writer<'a> {
    s: &'a Situation,
    t: Texts,
    lang: &'static str,
}

impl Writer<'_> {
    fn section(&self, id: &str, key: &str, blocks: Vec<Block>) -> Section {
        Section { id: id.to_owned(), heading: self.t.get(key), blocks }
    }

    fn num(&self, x: f64, f: NumberFormat) -> String {
        crate::doc::format_number(x, f, self.lang)
    }

    fn col(&self, key: &str, unit: Option<&str>, format: NumberFormat) -> Column {
        Column { header: self.t.get(key), unit: unit.map(|u| self.t.get(u)), format }
    }

    fn freshness(&self, source: &str) -> String {
        let latest = self.s.imports.iter().filter(|r| r.source == source).map(|r| r.finished_at).max();
        let name = self.t.name("source", source);
        match latest {
            Some(ms) => self.t.fill("freshness", &[("source", name), ("date", day(ms))]),
            None => name,
        }
    }

    fn context(&self) -> Vec<Block> {
        let c = &self.s.context;
        let mut out = Vec::new();
        if !c.districts.is_empty() {
            out.push(Block::Paragraph(
                self.t.fill("context.districts", &[("districts", c.districts.join(", "))]),
            ));
        }
        out.push(Block::Paragraph(if c.exposed.is_empty() {
            self.t.get("context.not-exposed")
        } else {
            self.t.fill("context.exposed", &[("districts", c.exposed.join(", "))])
        }));
        let Some(p) = &c.population else {
            out.push(Block::Note(self.t.get("context.no-population")));
            return out;
        };
        let mut text = self.t.fill(
            "context.population",
            &[("total", self.num(p.total as f64, NumberFormat::Integer)), ("year", p.year.to_string())],
        );
        if let Some((y, prev)) = p.previous
            && prev > 0
        {
            let pct = (p.total - prev) as f64 / prev as f64 * 100.0;
            text.push(' ');
            text.push_str(&self.t.fill(
                "context.population-change",
                &[("pct", self.num(pct, NumberFormat::Percent(1))), ("year", y.to_string())],
            ));
        }
        out.push(Block::Paragraph(text));
        if !p.by_age.is_empty() {
            let opt = |v: Option<i64>| v.map_or_else(|| Cell::Missing("–".into()), Cell::Int);
            out.push(Block::Table(Table {
                id: "population".into(),
                caption: self.t.fill("context.population-table", &[("year", p.year.to_string())]),
                columns: vec![
                    self.col("col.age", Some("unit.years"), NumberFormat::Text),
                    self.col("col.women", Some("unit.persons"), NumberFormat::Integer),
                    self.col("col.men", Some("unit.persons"), NumberFormat::Integer),
                    self.col("col.all", Some("unit.persons"), NumberFormat::Integer),
                ],
                rows: p
                    .by_age
                    .iter()
                    .map(|b| vec![Cell::Text(b.band.clone()), opt(b.women), opt(b.men), opt(b.all)])
                    .collect(),
                source: self.freshness(&p.source),
            }));
        }
        out
    }

    fn basis_header(&self, table: &CountTable, i: usize) -> String {
        match table.bases[i] {
            Basis::Previous | Basis::LastYear => table.basis_labels[i].clone(),
            Basis::City => {
                self.s.scope.city.as_ref().map_or_else(|| self.t.get("basis.city"), |c| c.name.to_string())
            }
            Basis::ComparisonArea => {
                self.s.scope.comparison.as_ref().map_or_else(String::new, |(a, _)| a.name.to_string())
            }
        }
    }

    fn crime(&self) -> Vec<Block> {
        let mut out = Vec::new();
        if self.s.crime.is_empty() {
            out.push(Block::Note(self.t.get("crime.no-statistics")));
        }
        for (k, table) in self.s.crime.iter().chain(&self.s.events).enumerate() {
            out.push(Block::Subheading(self.t.name("source", &table.source)));
            out.extend(self.count_table(table, k));
        }
        out.push(Block::Note(
            self.t.fill("crime.method", &[("alpha", self.num(ALPHA, NumberFormat::Decimal(2)))]),
        ));
        out
    }

    /// A count table: count, rate, then per comparison its figure, change and significance.
    fn count_table(&self, table: &CountTable, k: usize) -> Vec<Block> {
        let rates = table.population.is_some();
        let mut columns = vec![
            self.col("col.type", None, NumberFormat::Text),
            self.col("col.count", None, NumberFormat::Integer),
        ];
        if rates {
            columns.push(self.col("col.rate", Some("unit.per-1000"), NumberFormat::Decimal(1)));
        }
        for i in 0..table.bases.len() {
            let place = matches!(table.bases[i], Basis::City | Basis::ComparisonArea);
            let header = self.basis_header(table, i);
            if place {
                columns.push(Column {
                    header,
                    unit: Some(self.t.get("unit.per-1000")),
                    format: NumberFormat::Decimal(1),
                });
            } else {
                columns.push(Column { header, unit: None, format: NumberFormat::Integer });
            }
            columns.push(Column {
                header: self.t.get("col.change"),
                unit: Some("%".into()),
                format: NumberFormat::Decimal(0),
            });
            columns.push(self.col("col.significant", None, NumberFormat::Text));
        }
        let rows = table
            .rows
            .iter()
            .map(|row| {
                let label = match &row.label {
                    None => self.t.get("row.total"),
                    Some(l) if l.is_empty() => self.t.get("row.other"),
                    Some(l) => l.clone(),
                };
                let mut cells = vec![Cell::Text(label), Cell::Int(row.count)];
                if rates {
                    cells.push(row.rate.map_or_else(|| Cell::Missing("–".into()), Cell::Num));
                }
                for (i, cmp) in row.comparisons.iter().enumerate() {
                    let place = matches!(table.bases[i], Basis::City | Basis::ComparisonArea);
                    match cmp {
                        Some(c) => {
                            cells.push(if place {
                                c.rate.map_or_else(|| Cell::Missing("–".into()), Cell::Num)
                            } else {
                                Cell::Int(c.count)
                            });
                            cells.push(c.change_pct.map_or_else(|| Cell::Missing("–".into()), Cell::Num));
                            cells.push(Cell::Text(match c.p {
                                Some(p) if p < ALPHA => {
                                    format!("{} ({})", self.t.get("yes"), format_p(p, self.lang))
                                }
                                Some(p) => format!("{} ({})", self.t.get("no"), format_p(p, self.lang)),
                                None => "–".into(),
                            }));
                        }
                        None => cells.extend([
                            Cell::Missing("–".into()),
                            Cell::Missing("–".into()),
                            Cell::Missing("–".into()),
                        ]),
                    }
                }
                cells
            })
            .collect();
        let mut source = format!(
            "{} {}",
            self.freshness(&table.source),
            self.t.fill("period-covered", &[("periods", table.covered.join(", "))])
        );
        if let Some((year, pop)) = table.population {
            source.push(' ');
            source.push_str(&self.t.fill(
                "rates-from",
                &[("persons", self.num(pop as f64, NumberFormat::Integer)), ("year", year.to_string())],
            ));
        }
        let caption_key = if table.kind == TableKind::Statistics { "crime.table" } else { "events.table" };
        let caption = self.t.fill(caption_key, &[("source", self.t.name("source", &table.source))]);
        let mut out = vec![Block::Table(Table {
            id: format!("counts-{}", k + 1),
            caption: caption.clone(),
            columns,
            rows,
            source: source.clone(),
        })];
        out.extend(self.count_chart(table, k, &caption, &source));
        out
    }

    /// Bars of the largest types: this period against the first comparison.
    fn count_chart(&self, table: &CountTable, k: usize, caption: &str, source: &str) -> Option<Block> {
        let rows: Vec<_> =
            table.rows.iter().filter(|r| r.label.as_ref().is_some_and(|l| !l.is_empty())).take(8).collect();
        if rows.is_empty() || table.bases.is_empty() {
            return None;
        }
        let categories: Vec<String> = rows.iter().filter_map(|r| r.label.clone()).collect();
        let series = vec![
            Series {
                name: table.basis_labels[0].clone(),
                values: rows.iter().map(|r| r.comparisons[0].as_ref().map(|c| c.count as f64)).collect(),
            },
            Series {
                name: self.s.window.current.label.clone(),
                values: rows.iter().map(|r| Some(r.count as f64)).collect(),
            },
        ];
        let id = format!("chart-counts-{}", k + 1);
        let description = self.t.fill(
            "chart.counts-desc",
            &[("then", table.basis_labels[0].clone()), ("now", self.s.window.current.label.clone())],
        );
        let svg = bar_chart_svg(&BarChart {
            id: id.clone(),
            title: caption.to_owned(),
            description: description.clone(),
            categories,
            series,
            unit: self.t.get("unit.count"),
            lang: self.lang.to_owned(),
            width: WIDTH,
        });
        Some(Block::Figure(Figure {
            id,
            caption: caption.to_owned(),
            alt: description,
            svg,
            source: source.to_owned(),
        }))
    }

    fn incidents(&self) -> Vec<Block> {
        let inc = &self.s.incidents;
        let mut out = vec![Block::Paragraph(self.t.fill(
            "incidents.total",
            &[
                ("n", self.num(inc.total as f64, NumberFormat::Integer)),
                ("prev", self.num(inc.previous_total as f64, NumberFormat::Integer)),
                ("then", self.s.window.previous.label.clone()),
            ],
        ))];
        if inc.total == 0 {
            out.push(Block::Note(self.t.get("incidents.none")));
            return out;
        }
        if inc.deadline_decided > 0 {
            let share = inc.fixed_in_time as f64 / inc.deadline_decided as f64 * 100.0;
            out.push(Block::Paragraph(self.t.fill(
                "incidents.in-time",
                &[
                    ("pct", self.num(share, NumberFormat::Percent(0))),
                    ("n", self.num(inc.deadline_decided as f64, NumberFormat::Integer)),
                ],
            )));
        }
        let source = self.t.fill("incidents.source", &[("covered", self.s.window.current.label.clone())]);
        let name = |n: &(String, String)| if self.lang == "en" { n.1.clone() } else { n.0.clone() };
        let opt_num = |v: Option<f64>| v.map_or_else(|| Cell::Missing("–".into()), Cell::Num);
        out.push(Block::Table(Table {
            id: "incident-categories".into(),
            caption: self.t.get("incidents.by-category"),
            columns: vec![
                self.col("col.category", None, NumberFormat::Text),
                self.col("col.count", None, NumberFormat::Integer),
                Column {
                    header: self.s.window.previous.label.clone(),
                    unit: None,
                    format: NumberFormat::Integer,
                },
                self.col("col.fixed", None, NumberFormat::Integer),
                self.col("col.median-hours", Some("unit.hours"), NumberFormat::Decimal(0)),
                self.col("col.in-time", Some("unit.percent"), NumberFormat::Percent(0)),
            ],
            rows: inc
                .categories
                .iter()
                .map(|c| {
                    vec![
                        Cell::Text(name(&c.name)),
                        Cell::Int(c.count),
                        Cell::Int(c.previous),
                        Cell::Int(c.fixed),
                        opt_num(c.median_hours),
                        opt_num(c.in_time.map(|s| s * 100.0)),
                    ]
                })
                .collect(),
            source: source.clone(),
        }));
        let days: Vec<String> = (0..7).map(|d| self.t.get(&format!("weekday.{d}"))).collect();
        let hours: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
        let title = self.t.get("incidents.when");
        let description = self.t.get("incidents.when-desc");
        out.push(Block::Figure(Figure {
            id: "incidents-when".into(),
            caption: title.clone(),
            alt: description.clone(),
            svg: heat_table_svg(&HeatTable {
                id: "incidents-when".into(),
                title: title.clone(),
                description: description.clone(),
                row_labels: days,
                col_labels: hours,
                values: inc.by_hour.iter().map(|r| r.iter().map(|v| f64::from(*v)).collect()).collect(),
                unit: self.t.get("unit.reports"),
                lang: self.lang.to_owned(),
                width: WIDTH,
            }),
            source: source.clone(),
        }));
        out.push(Block::Table(Table {
            id: "incident-coverage".into(),
            caption: self.t.get("incidents.coverage"),
            columns: vec![
                self.col("col.district", None, NumberFormat::Text),
                self.col("col.staff", None, NumberFormat::Integer),
                self.col("col.partner", None, NumberFormat::Integer),
                self.col("col.resident", None, NumberFormat::Integer),
            ],
            rows: inc
                .coverage
                .iter()
                .map(|c| {
                    vec![
                        Cell::Text(c.district.clone()),
                        Cell::Int(c.staff),
                        Cell::Int(c.partner),
                        Cell::Int(c.resident),
                    ]
                })
                .collect(),
            source,
        }));
        out.push(Block::Note(self.t.get("incidents.coverage-note")));
        out
    }

    fn hotspots(&self) -> Vec<Block> {
        let h = &self.s.hotspots;
        let mut out = Vec::new();
        let Some(g) = &h.grid else {
            out.push(Block::Note(self.t.get("hotspots.none")));
            return out;
        };
        out.push(Block::Paragraph(self.t.fill(
            "hotspots.summary",
            &[
                ("events", self.num(h.events as f64, NumberFormat::Integer)),
                ("cell", self.num(g.grid.cell_size(), NumberFormat::Integer)),
                ("hot", self.num(g.hot_cells() as f64, NumberFormat::Integer)),
                ("persistent", self.num(g.persistent_cells() as f64, NumberFormat::Integer)),
                ("q", self.num(FDR_Q, NumberFormat::Decimal(2))),
            ],
        )));
        if !g.hot_places.is_empty() {
            out.push(Block::Paragraph(
                self.t.fill("hotspots.places", &[("places", g.hot_places.join(", "))]),
            ));
        }
        out.push(Block::Figure(self.hotspot_map(g)));
        match &h.near_repeat {
            Some(nr) => out.push(Block::Paragraph(match nr.ratio {
                Some(r) => self.t.fill(
                    "hotspots.near-repeat",
                    &[
                        ("category", nr.category.to_lowercase()),
                        ("distance", self.num(nr.distance_m, NumberFormat::Integer)),
                        ("ratio", self.num(r, NumberFormat::Decimal(1))),
                        ("days", self.num(nr.days, NumberFormat::Integer)),
                        ("n", self.num(nr.events as f64, NumberFormat::Integer)),
                        ("p", format_p(nr.p.unwrap_or(1.0), self.lang)),
                    ],
                ),
                None => self.t.fill(
                    "hotspots.no-near-repeat",
                    &[
                        ("category", nr.category.to_lowercase()),
                        ("n", self.num(nr.events as f64, NumberFormat::Integer)),
                    ],
                ),
            })),
            None => out.push(Block::Note(self.t.get("hotspots.near-repeat-not-run"))),
        }
        out
    }

    fn hotspot_map(&self, g: &super::HotspotGrid) -> Figure {
        let positive: Vec<f64> = g.density.iter().copied().filter(|d| *d > 0.0).collect();
        let breaks = quantile_breaks(&positive, 5);
        let mut cells = Vec::new();
        for id in 0..g.grid.len() {
            if !g.inside[id] {
                continue;
            }
            let class = breaks.iter().filter(|b| g.density[id] > **b).count();
            let mut classes = Vec::new();
            if g.density[id] > 0.0 {
                classes.push(format!("density-{}", class.clamp(1, 5)));
            }
            if g.hot[id] {
                classes.push("hot".to_owned());
            }
            if classes.is_empty() {
                continue;
            }
            let (cx, cy) = g.grid.center(id);
            let half = g.grid.cell_size() / 2.0;
            cells.push(MapCell {
                x0: cx - half,
                y0: cy - half,
                x1: cx + half,
                y1: cy + half,
                class: classes.join(" "),
                title: g.hot[id].then(|| {
                    self.t.fill(
                        "hotspots.cell-title",
                        &[
                            ("n", g.counts[id].to_string()),
                            ("z", self.num(g.z[id], NumberFormat::Decimal(1))),
                        ],
                    )
                }),
            });
        }
        let shapes: Vec<MapShape> = self
            .s
            .scope
            .districts
            .iter()
            .filter_map(|d| {
                Some(MapShape {
                    id: d.code.as_str(),
                    label: d.name.as_str(),
                    boundary: d.boundary.as_ref()?,
                    class: "district",
                    href: None,
                })
            })
            .collect();
        let points: Vec<MapPoint> = self
            .s
            .scope
            .places
            .iter()
            .filter_map(|p| {
                Some(MapPoint { label: p.name.as_str(), at: p.location?, class: "place", show_label: true })
            })
            .collect();
        let mut legend: Vec<LegendItem> = (1..=5)
            .map(|k| LegendItem { class: format!("density-{k}"), label: self.density_label(&breaks, k) })
            .collect();
        legend.push(LegendItem { class: "hot".into(), label: self.t.get("hotspots.legend-hot") });
        let title = self.t.fill("hotspots.map-title", &[("area", self.s.scope.area.name.to_string())]);
        let description = self.t.fill(
            "hotspots.map-desc",
            &[
                ("hot", self.num(g.hot_cells() as f64, NumberFormat::Integer)),
                ("places", if g.hot_places.is_empty() { "–".into() } else { g.hot_places.join(", ") }),
            ],
        );
        let svg = render_svg(&MapSpec {
            id: "map-hotspots",
            title: &title,
            description: &description,
            shapes,
            points,
            width: WIDTH,
            cells,
            outline_only: true,
            legend,
            north_arrow: true,
            scale_bar: true,
        });
        Figure {
            id: "map-hotspots".into(),
            caption: title,
            alt: description,
            svg,
            source: self.t.fill(
                "hotspots.source",
                &[
                    ("sources", h_sources(&self.s.hotspots.sources, self.t)),
                    ("bandwidth", self.num(g.bandwidth_m, NumberFormat::Integer)),
                    ("covered", self.s.window.current.label.clone()),
                ],
            ),
        }
    }

    fn density_label(&self, breaks: &[f64], k: usize) -> String {
        let lo = if k == 1 { 0.0 } else { breaks.get(k - 2).copied().unwrap_or(0.0) };
        let hi = breaks.get(k - 1).copied();
        let f = NumberFormat::Decimal(0);
        match hi {
            Some(hi) if k < 5 => {
                format!("{}–{} {}", self.num(lo, f), self.num(hi, f), self.t.get("unit.per-km2"))
            }
            _ => format!("> {} {}", self.num(lo, f), self.t.get("unit.per-km2")),
        }
    }

    fn surveys(&self, tables: &[SurveyTable], which: &str) -> Vec<Block> {
        let mut out = Vec::new();
        if tables.iter().all(|t| t.lines.is_empty()) {
            out.push(Block::Note(self.t.get(&format!("{which}.none"))));
            return out;
        }
        let pct = |f: Option<super::ShareFigure>| {
            f.map_or_else(|| Cell::Missing("–".into()), |f| Cell::Num(f.share))
        };
        let ci = |f: Option<super::ShareFigure>| {
            f.and_then(|f| f.ci).map_or_else(
                || Cell::Missing("–".into()),
                |(lo, hi)| {
                    Cell::Text(format!(
                        "{}–{}",
                        self.num(lo, NumberFormat::Decimal(0)),
                        self.num(hi, NumberFormat::Decimal(0))
                    ))
                },
            )
        };
        for (k, table) in tables.iter().enumerate() {
            let old: Vec<i32> = table.lines.iter().filter(|l| !l.current).map(|l| l.wave).collect();
            if let Some(w) = old.iter().max() {
                out.push(Block::Note(self.t.fill(
                    "survey.old-wave",
                    &[("wave", w.to_string()), ("year", self.s.window.period.year_number().to_string())],
                )));
            }
            let rows = table
                .lines
                .iter()
                .map(|l| {
                    vec![
                        Cell::Text(self.t.name("indicator", &l.indicator)),
                        Cell::Text(l.region.clone()),
                        Cell::Text(l.wave.to_string()),
                        pct(l.all),
                        ci(l.all),
                        pct(l.women),
                        ci(l.women),
                        pct(l.men),
                        ci(l.men),
                        Cell::Text(match l.gender_p {
                            Some(p) if p < ALPHA => {
                                format!("{} ({})", self.t.get("yes"), format_p(p, self.lang))
                            }
                            Some(p) => format!("{} ({})", self.t.get("no"), format_p(p, self.lang)),
                            None => "–".into(),
                        }),
                        l.city.map_or_else(|| Cell::Missing("–".into()), |(_, f)| Cell::Num(f.share)),
                        l.city.map_or_else(|| Cell::Missing("–".into()), |(w, _)| Cell::Text(w.to_string())),
                    ]
                })
                .collect();
            let source = self.freshness(&table.survey);
            let caption = self.t.get(&format!("{which}.table"));
            out.push(Block::Table(Table {
                id: format!("{which}-{}", k + 1),
                caption: caption.clone(),
                columns: vec![
                    self.col("col.indicator", None, NumberFormat::Text),
                    self.col("col.region", None, NumberFormat::Text),
                    self.col("col.wave", None, NumberFormat::Text),
                    self.col("col.all", Some("unit.percent"), NumberFormat::Percent(0)),
                    self.col("col.ci", Some("unit.percent"), NumberFormat::Text),
                    self.col("col.women", Some("unit.percent"), NumberFormat::Percent(0)),
                    self.col("col.ci", Some("unit.percent"), NumberFormat::Text),
                    self.col("col.men", Some("unit.percent"), NumberFormat::Percent(0)),
                    self.col("col.ci", Some("unit.percent"), NumberFormat::Text),
                    self.col("col.gender-diff", None, NumberFormat::Text),
                    self.col("col.city", Some("unit.percent"), NumberFormat::Percent(0)),
                    self.col("col.city-wave", None, NumberFormat::Text),
                ],
                rows,
                source: source.clone(),
            }));
            let gendered: Vec<_> =
                table.lines.iter().filter(|l| l.women.is_some() && l.men.is_some()).take(8).collect();
            if !gendered.is_empty() {
                let id = format!("chart-{which}-{}", k + 1);
                let description = self.t.get("survey.chart-desc");
                let svg = bar_chart_svg(&BarChart {
                    id: id.clone(),
                    title: caption.clone(),
                    description: description.clone(),
                    categories: gendered
                        .iter()
                        .map(|l| {
                            format!("{} ({}, {})", self.t.name("indicator", &l.indicator), l.region, l.wave)
                        })
                        .collect(),
                    series: vec![
                        Series {
                            name: self.t.get("col.women"),
                            values: gendered.iter().map(|l| l.women.map(|f| f.share)).collect(),
                        },
                        Series {
                            name: self.t.get("col.men"),
                            values: gendered.iter().map(|l| l.men.map(|f| f.share)).collect(),
                        },
                    ],
                    unit: "%".into(),
                    lang: self.lang.to_owned(),
                    width: WIDTH,
                });
                out.push(Block::Figure(Figure { id, caption, alt: description, svg, source }));
            }
        }
        out
    }

    fn measures(&self) -> Vec<Block> {
        match &self.s.measures {
            None => vec![Block::Note(self.t.get("measures.none"))],
            Some(list) if list.is_empty() => vec![Block::Note(self.t.get("measures.empty"))],
            Some(list) => vec![Block::Table(Table {
                id: "measures".into(),
                caption: self.t.get("section.measures"),
                columns: vec![
                    self.col("col.measure", None, NumberFormat::Text),
                    self.col("col.owner", None, NumberFormat::Text),
                    self.col("col.status", None, NumberFormat::Text),
                    self.col("col.comment", None, NumberFormat::Text),
                ],
                rows: list
                    .iter()
                    .map(|m| {
                        vec![
                            Cell::Text(m.name.clone()),
                            Cell::Text(m.owner.clone()),
                            Cell::Text(self.t.get(&format!("status.{}", m.status))),
                            Cell::Text(m.comment.clone()),
                        ]
                    })
                    .collect(),
                source: self.t.get("measures.source"),
            })],
        }
    }

    fn sources(&self) -> Vec<Block> {
        let mut out = vec![Block::Paragraph(self.t.get("sources.intro"))];
        out.push(Block::Table(Table {
            id: "imports".into(),
            caption: self.t.get("sources.imports"),
            columns: vec![
                self.col("col.import", None, NumberFormat::Text),
                self.col("col.source", None, NumberFormat::Text),
                self.col("col.file", None, NumberFormat::Text),
                self.col("col.sha256", None, NumberFormat::Text),
                self.col("col.rows", None, NumberFormat::Integer),
                self.col("col.imported", None, NumberFormat::Text),
                self.col("col.by", None, NumberFormat::Text),
            ],
            rows: self
                .s
                .imports
                .iter()
                .map(|r| {
                    vec![
                        Cell::Text(format!("#{}", r.id)),
                        Cell::Text(r.source.clone()),
                        Cell::Text(r.file_name.clone()),
                        Cell::Text(r.sha256.chars().take(12).collect()),
                        Cell::Int(r.accepted),
                        Cell::Text(day(r.finished_at)),
                        Cell::Text(r.actor.clone()),
                    ]
                })
                .collect(),
            source: self.t.get("sources.imports-source"),
        }));
        out.push(Block::Subheading(self.t.get("sources.methods")));
        let g = self.s.hotspots.grid.as_ref();
        out.push(Block::List(vec![
            self.t.fill("method.counts", &[("alpha", self.num(ALPHA, NumberFormat::Decimal(2)))]),
            self.t.get("method.rates"),
            self.t.fill(
                "method.gi",
                &[
                    (
                        "cell",
                        g.map_or_else(|| "–".into(), |g| self.num(g.grid.cell_size(), NumberFormat::Integer)),
                    ),
                    ("q", self.num(FDR_Q, NumberFormat::Decimal(2))),
                ],
            ),
            self.t.fill(
                "method.kde",
                &[(
                    "bandwidth",
                    g.map_or_else(|| "–".into(), |g| self.num(g.bandwidth_m, NumberFormat::Integer)),
                )],
            ),
            self.t.fill("method.near-repeat", &[("sims", NR_SIMULATIONS.to_string())]),
            self.t.get("method.wilson"),
            self.t.get("method.summary"),
        ]));
        out
    }
}

fn h_sources(sources: &[String], t: Texts) -> String {
    sources.iter().map(|s| t.name("source", s)).collect::<Vec<_>>().join(", ")
}

/// The upper bounds of `classes − 1` classes of equal counts (quantiles).
fn quantile_breaks(values: &[f64], classes: usize) -> Vec<f64> {
    if values.is_empty() {
        return Vec::new();
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    (1..classes).map(|k| v[(k * v.len() / classes).min(v.len() - 1)]).collect()
}
