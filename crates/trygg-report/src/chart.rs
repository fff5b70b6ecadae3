//! SVG charts: horizontal grouped bar charts, line charts and heat tables.
//!
//! Like the maps, each chart is one standalone `<svg>` element with a
//! `viewBox`, `role="img"` and an accessible name and description (element
//! ids prefixed with the chart's id). There are no `style` attributes and no
//! `<style>` element: defaults are presentation attributes, and pages may
//! restyle through the classes (`chart`, `series s0`…, `bar`, `line`,
//! `marker`, `value`, `cell c0`…`c4`, `legend`, `axis`, `grid`, `tick`).
//! Series are told apart by more than hue, so that the charts read for
//! colour-blind readers and in greyscale print: bars by lightness and
//! hatching, lines by marker shape and dash pattern, heat cells by a
//! single-hue lightness ramp. Numbers are written in the chart's language
//! (Swedish decimal comma) by [`format_number`].

use crate::doc::{NumberFormat, format_number};
use crate::map::{Num, escape, html_id};
use std::fmt::{self, Write};

/// One data series: a name and one value per category or x position.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// The name shown in the legend.
    pub name: String,
    /// The values in category order; `None` means no figure (a gap, not drawn).
    pub values: Vec<Option<f64>>,
}

/// A horizontal grouped bar chart: one group of bars per category, one bar per series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarChart {
    /// Prefix for element ids, unique on the page, e.g. `fig-crime`.
    pub id: String,
    /// Short title (the accessible name).
    pub title: String,
    /// What the chart shows, in a sentence or two (the accessible description).
    pub description: String,
    /// The category labels, top to bottom.
    pub categories: Vec<String>,
    /// The series; each has one value per category.
    pub series: Vec<Series>,
    /// The unit of the values, e.g. `per 1 000 inv.` or `%`; may be empty.
    pub unit: String,
    /// Language of the numbers and of the few words the chart writes itself, `sv` or `en`.
    pub lang: String,
    /// Width in pixels (720 ≈ 17 cm on A4); the height follows from the data.
    pub width: u32,
}

/// A line chart over evenly spaced x positions (periods, years).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    /// Prefix for element ids, unique on the page.
    pub id: String,
    /// Short title (the accessible name).
    pub title: String,
    /// What the chart shows, in a sentence or two (the accessible description).
    pub description: String,
    /// The labels of the x positions, left to right.
    pub x_labels: Vec<String>,
    /// The series; each has one value per x position.
    pub series: Vec<Series>,
    /// The unit of the values (shown above the y axis); may be empty.
    pub unit: String,
    /// Language of the numbers and of the few words the chart writes itself, `sv` or `en`.
    pub lang: String,
    /// Width in pixels (720 ≈ 17 cm on A4); the height follows from the width.
    pub width: u32,
}

/// A table of values drawn as shaded cells, e.g. 7 weekdays × 24 hours.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeatTable {
    /// Prefix for element ids, unique on the page.
    pub id: String,
    /// Short title (the accessible name).
    pub title: String,
    /// What the table shows, in a sentence or two (the accessible description).
    pub description: String,
    /// The row labels, top to bottom.
    pub row_labels: Vec<String>,
    /// The column labels, left to right.
    pub col_labels: Vec<String>,
    /// The values by row, then column; a non-finite or absent value is no figure.
    pub values: Vec<Vec<f64>>,
    /// The unit of the values (shown before the legend); may be empty.
    pub unit: String,
    /// Language of the numbers and of the few words the chart writes itself, `sv` or `en`.
    pub lang: String,
    /// Width in pixels (720 ≈ 17 cm on A4); the height follows from the data.
    pub width: u32,
}

/// Renders a horizontal grouped bar chart: a group per category, a bar per
/// series with its value written at the bar's end, a value axis with 1-2-5
/// ticks starting at zero (or below, for negative values), and a legend when
/// there is more than one series. Without any figure it renders a "no data" note.
pub fn bar_chart_svg(c: &BarChart) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_bar_chart(c, &mut out);
    out
}

/// Renders a line chart: axes with 1-2-5 ticks, y from zero unless a value is
/// negative, each series with its own colour, marker shape and dash pattern,
/// gaps where a value is `None`, and a legend. Without any figure it renders
/// a "no data" note.
pub fn line_chart_svg(c: &LineChart) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_line_chart(c, &mut out);
    out
}

/// Renders a heat table: one cell per value, shaded by five equal-interval
/// classes with round bounds on a single-hue lightness ramp, the value written
/// in the cell where it fits, and a legend with the class bounds. Without any
/// figure it renders a "no data" note.
pub fn heat_table_svg(c: &HeatTable) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_heat_table(c, &mut out);
    out
}

/// Bar fills (Okabe–Ito), from dark to light for the first two; from the
/// third on the bars are also hatched, so greyscale keeps them apart.
const BAR_COLOURS: [&str; 8] =
    ["#0072B2", "#E69F00", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#000000", "#F0E442"];
/// Line colours (Okabe–Ito, without the yellows that vanish on white).
const LINE_COLOURS: [&str; 6] = ["#0072B2", "#D55E00", "#009E73", "#000000", "#CC79A7", "#E69F00"];
/// Dash patterns per line series (empty: solid).
const DASHES: [&str; 6] = ["", "8 4", "2 3", "10 3 2 3", "4 4", "1 2"];
/// Marker shapes per line series.
const MARKERS: [Marker; 7] = [
    Marker::Circle,
    Marker::Square,
    Marker::TriangleUp,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Cross,
    Marker::Plus,
];
/// A sequential ramp of one hue (ColorBrewer Blues), light to dark.
pub(crate) const RAMP: [&str; 5] = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
/// Text colour on each class of [`RAMP`] (contrast at least 4.5:1).
const RAMP_TEXT: [&str; 5] = ["#212529", "#212529", "#212529", "#ffffff", "#ffffff"];

const TEXT: &str = "#212529";
const AXIS: &str = "#495057";
const GRID: &str = "#dee2e6";
const PAD: f64 = 8.0;
/// Font size of category labels and legends.
const LABEL: f64 = 13.0;
/// Font size of values and ticks.
const SMALL: f64 = 12.0;

fn is_sv(lang: &str) -> bool {
    lang == "sv" || lang.starts_with("sv-")
}

fn no_data_text(lang: &str) -> &'static str {
    if is_sv(lang) { "Inga uppgifter att visa" } else { "No data to show" }
}

fn missing_text(lang: &str) -> &'static str {
    if is_sv(lang) { "uppgift saknas" } else { "no figure" }
}

/// The chart's id made safe for `id` and `aria-labelledby`.
fn chart_id(id: &str) -> String {
    if id.trim().is_empty() { "chart".to_owned() } else { html_id(id) }
}

/// The drawing width: the asked width, 720 when none, at least 240.
fn chart_width(width: u32) -> f64 {
    if width == 0 { 720.0 } else { f64::from(width.max(240)) }
}

/// Writes the root element, the title and the description.
fn open_svg(
    out: &mut String,
    id: &str,
    kind: &str,
    (w, h): (f64, f64),
    title: &str,
    desc: &str,
) -> fmt::Result {
    let (w, h) = (Num(w.ceil()), Num(h.ceil()));
    write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" class="chart {kind}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="sans-serif" font-size="{SMALL}" fill="{TEXT}">"#
    )?;
    write!(
        out,
        r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(desc)
    )
}

/// A chart that has nothing to draw: its title, and a line saying there is no data.
fn write_no_data(
    out: &mut String,
    id: &str,
    kind: &str,
    width: f64,
    title: &str,
    desc: &str,
    lang: &str,
) -> fmt::Result {
    let note = no_data_text(lang);
    let desc = join_sentences(desc, note);
    open_svg(out, id, kind, (width, 60.0), title, &desc)?;
    write!(
        out,
        r#"<text class="no-data" x="{}" y="30" dy="0.35em" text-anchor="middle" font-size="{LABEL}">{}</text></svg>"#,
        Num(width / 2.0),
        escape(note)
    )
}

/// `a` and `b` as one text, with a full stop between when `a` lacks one.
fn join_sentences(a: &str, b: &str) -> String {
    let a = a.trim();
    if a.is_empty() {
        b.to_owned()
    } else if a.ends_with(['.', '!', '?', ':']) {
        format!("{a} {b}")
    } else {
        format!("{a}. {b}")
    }
}

/// The estimated width of `s` in a sans-serif font of `size` pixels (on the
/// wide side, as DejaVu Sans, so that text fits where it is placed).
pub(crate) fn text_width(s: &str, size: f64) -> f64 {
    let em: f64 = s
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '!' | '\'' | '|' | '\u{202f}' | '\u{a0}' => 0.3,
            ' ' | 'f' | 't' | 'r' | 'I' | '(' | ')' | '-' | '/' => 0.4,
            'm' | 'w' | 'M' | 'W' | '%' => 0.95,
            '0'..='9' | '–' | '−' => 0.64,
            c if c.is_uppercase() => 0.72,
            _ => 0.62,
        })
        .sum();
    em * size
}

/// How to write the values: whole numbers when they all are, otherwise one
/// decimal (two below 1, none from 1 000).
fn value_format(values: &[f64]) -> NumberFormat {
    let max_abs = values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if values.iter().all(|v| v.fract() == 0.0) {
        NumberFormat::Integer
    } else if max_abs >= 1000.0 {
        NumberFormat::Decimal(0)
    } else if max_abs >= 1.0 {
        NumberFormat::Decimal(1)
    } else {
        NumberFormat::Decimal(2)
    }
}

/// A value with its unit, e.g. `12,3 per 1 000 inv.` or `12,3 %`.
fn with_unit(v: f64, format: NumberFormat, unit: &str, lang: &str) -> String {
    let text = format_number(v, format, lang);
    match unit.trim() {
        "" => text,
        "%" if !is_sv(lang) => text + "%",
        u => format!("{text}\u{a0}{u}"),
    }
}

/// The value or the words for no figure.
fn value_words(v: Option<f64>, format: NumberFormat, unit: &str, lang: &str) -> String {
    v.map_or_else(|| missing_text(lang).to_owned(), |v| with_unit(v, format, unit, lang))
}

/// Ticks of a value axis: multiples of a 1-2-5 step from `k0 · step` to `k1 · step`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ticks {
    k0: i64,
    k1: i64,
    step: f64,
    decimals: u8,
}

impl Ticks {
    fn lo(&self) -> f64 {
        self.k0 as f64 * self.step
    }

    fn hi(&self) -> f64 {
        self.k1 as f64 * self.step
    }

    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        (self.k0..=self.k1).map(|k| k as f64 * self.step)
    }

    fn label(&self, v: f64, lang: &str) -> String {
        format_number(v, NumberFormat::Decimal(self.decimals), lang)
    }
}

/// The smallest number of the 1-2-5 series (…, 0.5, 1, 2, 5, 10, …) that is at
/// least `x`, with the decimals it needs. `x` must be positive and finite.
fn nice_ceil(x: f64) -> (f64, u8) {
    let x = if x.is_finite() && x > 0.0 { x } else { 1.0 };
    let mut exp = x.log10().floor() as i32;
    let f = x / 10f64.powi(exp);
    let m = if f <= 1.0 + 1e-9 {
        1.0
    } else if f <= 2.0 + 1e-9 {
        2.0
    } else if f <= 5.0 + 1e-9 {
        5.0
    } else {
        exp += 1;
        1.0
    };
    // Dividing by a whole power of ten keeps 0.2 as close to 0.2 as it gets.
    let step = if exp >= 0 { m * 10f64.powi(exp) } else { m / 10f64.powi(-exp) };
    (step, u8::try_from((-exp).max(0)).unwrap_or(u8::MAX))
}

/// Axis ticks covering `min..=max` with a 1-2-5 step giving about `target` intervals.
fn nice_ticks(min: f64, max: f64, target: usize) -> Ticks {
    let (min, mut max) =
        if min.is_finite() && max.is_finite() && min <= max { (min, max) } else { (0.0, 1.0) };
    if max - min <= f64::EPSILON * max.abs().max(1.0) {
        max = min + max.abs().max(1.0);
    }
    let (step, decimals) = nice_ceil((max - min) / target.max(1) as f64);
    let k0 = (min / step + 1e-9).floor() as i64;
    let mut k1 = (max / step - 1e-9).ceil() as i64;
    if k1 <= k0 {
        k1 = k0 + 1;
    }
    Ticks { k0, k1, step, decimals }
}

/// The smallest class width of the series 1, 2, 2.5, 5, 10, … that is at least
/// `x`, with its decimals; for whole numbers 2.5 only from 25 on.
fn class_step(x: f64, integer: bool) -> (f64, u8) {
    let (step, decimals) = nice_ceil(x);
    let exp = step.log10().floor();
    if (step / 10f64.powf(exp) - 5.0).abs() > 1e-9 {
        return (step, decimals);
    }
    let quarter = step / 2.0;
    if quarter < x || (integer && quarter < 25.0) {
        return (step, decimals);
    }
    (quarter, if exp >= 1.0 { 0 } else { decimals + 1 })
}

/// Five equal-interval classes with a round step, for shading.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Classes {
    lo: f64,
    step: f64,
    /// The upper bound of the top class: `lo + 5 · step`, or the maximum when
    /// the top class was widened to reach it.
    top: f64,
    decimals: u8,
    /// Whether all values are whole numbers (bounds then read `0–9`, `10–19`, …).
    integer: bool,
}

impl Classes {
    /// Classes from `lo` (zero, or a round number below a negative minimum).
    /// The step is the smallest round one whose five classes cover `max`,
    /// unless that would leave the two top classes empty: then it is the
    /// largest round step whose top class still has values, and the top
    /// class reaches up to `max`.
    fn new(min: f64, max: f64, integer: bool) -> Self {
        let min = min.min(0.0);
        let floor = if integer { 1.0 } else { 1e-9 };
        let lo_for = |step: f64| if min >= 0.0 { 0.0 } else { (min / step).floor() * step };
        let (mut step, mut decimals) = class_step(((max - min) / 5.0).max(floor), integer);
        for _ in 0..4 {
            if lo_for(step) + 5.0 * step >= max {
                break;
            }
            (step, decimals) = class_step(step * 1.1, integer);
        }
        let mut top = lo_for(step) + 5.0 * step;
        if lo_for(step) + 3.0 * step > max {
            // Halving steps down the series until four classes fit below the maximum.
            let mut down = (step, decimals);
            for _ in 0..3 {
                let smaller = class_step_below(down.0, integer);
                if smaller.0 >= down.0 {
                    break;
                }
                down = smaller;
                if lo_for(down.0) + 4.0 * down.0 <= max {
                    break;
                }
            }
            if lo_for(down.0) + 4.0 * down.0 <= max && lo_for(down.0) + 5.0 * down.0 < max {
                (step, decimals) = down;
                let scale = 10f64.powi(i32::from(decimals));
                top = (max * scale).ceil() / scale;
            } else if lo_for(down.0) + 4.0 * down.0 <= max {
                (step, decimals) = down;
                top = lo_for(step) + 5.0 * step;
            }
        }
        Self { lo: lo_for(step), step, top, decimals, integer: integer && step >= 1.0 }
    }

    /// The class (0–4) of a value; values beyond the ends go to the end classes.
    fn of(&self, v: f64) -> usize {
        (((v - self.lo) / self.step + 1e-9).floor().max(0.0) as usize).min(4)
    }

    /// The legend label of each class, e.g. `0–9`, `10–19`, …, `40–50`.
    fn labels(&self, lang: &str) -> Vec<String> {
        let fmt = |v: f64| format_number(v, NumberFormat::Decimal(self.decimals), lang);
        (0..5)
            .map(|i| {
                let a = self.lo + i as f64 * self.step;
                let b = if i == 4 { self.top } else { a + self.step };
                match (self.integer, i) {
                    (true, 4) | (false, _) => format!("{}–{}", fmt(a), fmt(b)),
                    (true, _) if self.step == 1.0 => fmt(a),
                    (true, _) => format!("{}–{}", fmt(a), fmt(b - 1.0)),
                }
            })
            .collect()
    }
}

/// The next smaller class width of the series of [`class_step`] (for whole
/// numbers not below 1).
fn class_step_below(step: f64, integer: bool) -> (f64, u8) {
    let (mut s, mut d) = class_step(step * 0.3, integer);
    for _ in 0..4 {
        let next = class_step(s * 1.05, integer);
        if next.0 >= step * (1.0 - 1e-9) {
            break;
        }
        (s, d) = next;
    }
    if integer && s < 1.0 { (1.0, 0) } else { (s, d) }
}

/// Breaks `text` into at most `max_lines` lines of at most `width` pixels;
/// a word longer than a line, or text beyond the last line, is cut with `…`.
fn wrap(text: &str, width: f64, size: f64, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if line.is_empty() || text_width(&candidate, size) <= width {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    let cut = lines.len() > max_lines;
    lines.truncate(max_lines.max(1));
    for (i, l) in lines.iter_mut().enumerate() {
        let last = i + 1 == max_lines.max(1);
        if text_width(l, size) > width || (cut && last) {
            while !l.is_empty() && text_width(&format!("{l}…"), size) > width {
                l.pop();
            }
            *l = format!("{}…", l.trim_end());
        }
    }
    lines
}

/// Places items of the given widths left to right from `x0`, wrapping before
/// `x1`; returns each item's top-left corner and the total height.
fn flow(widths: &[f64], (x0, x1): (f64, f64), y0: f64, row_h: f64) -> (Vec<(f64, f64)>, f64) {
    let (mut x, mut y) = (x0, y0);
    let mut at = Vec::with_capacity(widths.len());
    for &w in widths {
        if x > x0 && x + w > x1 {
            (x, y) = (x0, y + row_h);
        }
        at.push((x, y));
        x += w;
    }
    (at, if widths.is_empty() { 0.0 } else { y - y0 + row_h })
}

/// The data in words for the description, when there are at most 12 values:
/// `Rinkeby: 12,3; Tensta: 10,1` or, with several series,
/// `Rinkeby: 2024 12,3, 2025 11,0; …`.
fn data_words(
    labels: &[String],
    series: &[Series],
    format: NumberFormat,
    unit: &str,
    lang: &str,
    by_series: bool,
) -> Option<String> {
    if labels.len() * series.len() > 12 {
        return None;
    }
    let value = |s: &Series, i: usize| s.values.get(i).copied().flatten().filter(|v| v.is_finite());
    let words = |v| value_words(v, format, unit, lang);
    let parts: Vec<String> = if series.len() == 1 {
        labels.iter().enumerate().map(|(i, l)| format!("{l}: {}", words(value(&series[0], i)))).collect()
    } else if by_series {
        series
            .iter()
            .map(|s| {
                let vals: Vec<String> =
                    labels.iter().enumerate().map(|(i, l)| format!("{l} {}", words(value(s, i)))).collect();
                format!("{}: {}", s.name, vals.join(", "))
            })
            .collect()
    } else {
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let vals: Vec<String> =
                    series.iter().map(|s| format!("{} {}", s.name, words(value(s, i)))).collect();
                format!("{l}: {}", vals.join(", "))
            })
            .collect()
    };
    Some(parts.join("; ") + ".")
}

/// Pattern definitions for bar series from the third on, and the fill of each series.
fn bar_fills(id: &str, n: usize, defs: &mut String) -> Result<Vec<String>, fmt::Error> {
    const ANGLES: [i32; 4] = [45, -45, 0, 90];
    let mut fills = Vec::with_capacity(n);
    for i in 0..n {
        let colour = BAR_COLOURS[i % BAR_COLOURS.len()];
        if i < 2 {
            fills.push(colour.to_owned());
            continue;
        }
        let angle = ANGLES[(i - 2) % ANGLES.len()];
        write!(
            defs,
            r##"<pattern id="{id}-s{i}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate({angle})"><rect width="6" height="6" fill="{colour}"/><rect width="2" height="6" fill="#ffffff"/></pattern>"##
        )?;
        fills.push(format!("url(#{id}-s{i})"));
    }
    Ok(fills)
}

fn write_bar_chart(c: &BarChart, out: &mut String) -> fmt::Result {
    let (lang, unit) = (c.lang.as_str(), c.unit.as_str());
    let id = chart_id(&c.id);
    let width = chart_width(c.width);
    let n = c.categories.len();
    let value = |s: &Series, i: usize| s.values.get(i).copied().flatten().filter(|v| v.is_finite());
    let finite: Vec<f64> = c.series.iter().flat_map(|s| (0..n).filter_map(move |i| value(s, i))).collect();
    if finite.is_empty() {
        return write_no_data(out, &id, "bar-chart", width, &c.title, &c.description, lang);
    }
    let format = value_format(&finite);
    let desc = match data_words(&c.categories, &c.series, format, unit, lang, false) {
        Some(words) => join_sentences(&c.description, &words),
        None => c.description.clone(),
    };
    let (dmin, dmax) = finite.iter().fold((0.0_f64, 0.0_f64), |(a, b), &v| (a.min(v), b.max(v)));
    let ticks = nice_ticks(dmin, dmax, 5);
    let fmt_value = |v: f64| format_number(v, format, lang);

    // Horizontal layout: labels | negative value labels | plot | positive value labels.
    let widest = |vals: &mut dyn Iterator<Item = f64>| {
        vals.map(|v| text_width(&fmt_value(v), SMALL)).fold(0.0, f64::max)
    };
    let pos_w = widest(&mut finite.iter().copied().filter(|v| *v >= 0.0)).max(text_width("–", SMALL));
    let neg_w = widest(&mut finite.iter().copied().filter(|v| *v < 0.0));
    let last_tick = text_width(&ticks.label(ticks.hi(), lang), SMALL) / 2.0;
    let label_w = c.categories.iter().map(|s| text_width(s, LABEL)).fold(0.0, f64::max).min(width * 0.35);
    let plot_x0 = PAD + label_w + 10.0 + if neg_w > 0.0 { neg_w + 6.0 } else { 0.0 };
    let plot_x1 = (width - PAD - (pos_w + 6.0).max(last_tick)).max(plot_x0 + 40.0);
    let x = |v: f64| plot_x0 + (v - ticks.lo()) / (ticks.hi() - ticks.lo()) * (plot_x1 - plot_x0);

    let mut defs = String::new();
    let fills = bar_fills(&id, c.series.len(), &mut defs)?;
    let mut body = String::new();

    // The legend, above the bars.
    let mut y = PAD;
    if c.series.len() > 1 {
        let widths: Vec<f64> = c.series.iter().map(|s| 20.0 + text_width(&s.name, LABEL) + 16.0).collect();
        let (at, height) = flow(&widths, (PAD, width - PAD), y, 20.0);
        body.push_str(r#"<g class="legend" font-size="13">"#);
        for (i, (s, (lx, ly))) in c.series.iter().zip(at).enumerate() {
            write!(
                body,
                r##"<g class="series s{i}"><rect x="{}" y="{}" width="14" height="14" fill="{}" stroke="#343a40" stroke-width="0.75"/><text x="{}" y="{}" dy="0.35em">{}</text></g>"##,
                Num(lx),
                Num(ly + 1.0),
                fills[i],
                Num(lx + 20.0),
                Num(ly + 8.0),
                escape(&s.name)
            )?;
        }
        body.push_str("</g>");
        y += height + 8.0;
    }

    // The groups of bars.
    let n_ser = c.series.len() as f64;
    let bar_h = if c.series.len() > 1 { 14.0 } else { 20.0 };
    let inner = n_ser * bar_h + (n_ser - 1.0) * 2.0;
    let plot_top = y;
    let mut bars = String::new();
    let mut labels = String::new();
    let mut values = String::new();
    for (i, category) in c.categories.iter().enumerate() {
        let lines = wrap(category, label_w.max(20.0), LABEL, 3);
        let group_h = inner.max(lines.len() as f64 * 16.0);
        let first = y + group_h / 2.0 - (lines.len() as f64 - 1.0) * 8.0;
        write!(labels, r#"<text x="{}" y="{}">"#, Num(PAD + label_w), Num(first))?;
        for (j, line) in lines.iter().enumerate() {
            let dy = if j == 0 { "0.35em".to_owned() } else { "16".to_owned() };
            write!(labels, r#"<tspan x="{}" dy="{dy}">{}</tspan>"#, Num(PAD + label_w), escape(line))?;
        }
        labels.push_str("</text>");
        let top = y + (group_h - inner) / 2.0;
        for (j, s) in c.series.iter().enumerate() {
            let by = top + j as f64 * (bar_h + 2.0);
            let mid = Num(by + bar_h / 2.0);
            let words = value_words(value(s, i), format, unit, lang);
            let tip = if c.series.len() == 1 {
                format!("{category}: {words}")
            } else {
                format!("{category} – {}: {words}", s.name)
            };
            match value(s, i) {
                Some(v) => {
                    let (a, b) = (x(0.0), x(v));
                    // A zero-width rectangle is invalid SVG for some renderers: a zero has only its label.
                    if (b - a).abs() >= 0.01 {
                        write!(
                            bars,
                            r#"<rect class="bar series s{j}" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>"#,
                            Num(a.min(b)),
                            Num(by),
                            Num((b - a).abs()),
                            Num(bar_h),
                            fills[j],
                            escape(&tip)
                        )?;
                    }
                    let (tx, anchor) = if v < 0.0 { (b - 4.0, "end") } else { (b + 4.0, "start") };
                    write!(
                        values,
                        r#"<text class="value" x="{}" y="{mid}" dy="0.35em" text-anchor="{anchor}">{}</text>"#,
                        Num(tx),
                        escape(&fmt_value(v))
                    )?;
                }
                None => write!(
                    values,
                    r#"<text class="value missing" x="{}" y="{mid}" dy="0.35em"><title>{}</title>–</text>"#,
                    Num(x(0.0) + 4.0),
                    escape(&tip)
                )?,
            }
        }
        y += group_h + 12.0;
    }
    let plot_bottom = y - 6.0;

    // Grid, bars, zero line, ticks, labels.
    write!(body, r#"<g class="grid" stroke="{GRID}" stroke-width="1">"#)?;
    for v in ticks.values() {
        write!(
            body,
            r#"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}"/>"#,
            Num(x(v)),
            Num(plot_top - 4.0),
            Num(plot_bottom)
        )?;
    }
    body.push_str("</g>");
    write!(body, r##"<g class="bars" stroke="#343a40" stroke-width="0.75">{bars}</g>"##)?;
    write!(
        body,
        r#"<g class="axis" stroke="{AXIS}" stroke-width="1"><line x1="{0}" y1="{1}" x2="{0}" y2="{2}"/><line x1="{3}" y1="{2}" x2="{4}" y2="{2}"/></g>"#,
        Num(x(0.0)),
        Num(plot_top - 4.0),
        Num(plot_bottom),
        Num(plot_x0),
        Num(plot_x1)
    )?;
    write!(body, r#"<g class="values" font-size="{SMALL}">{values}</g>"#)?;
    write!(body, r#"<g class="labels" font-size="{LABEL}" text-anchor="end">{labels}</g>"#)?;
    write!(body, r#"<g class="tick" text-anchor="middle">"#)?;
    for v in ticks.values() {
        write!(
            body,
            r#"<text x="{}" y="{}">{}</text>"#,
            Num(x(v)),
            Num(plot_bottom + 16.0),
            escape(&ticks.label(v, lang))
        )?;
    }
    body.push_str("</g>");
    let mut height = plot_bottom + 22.0;
    if !unit.trim().is_empty() {
        write!(
            body,
            r#"<text class="unit" x="{}" y="{}" text-anchor="end">{}</text>"#,
            Num(plot_x1),
            Num(plot_bottom + 34.0),
            escape(unit)
        )?;
        height += 16.0;
    }

    open_svg(out, &id, "bar-chart", (width, height + PAD), &c.title, &desc)?;
    if !defs.is_empty() {
        write!(out, "<defs>{defs}</defs>")?;
    }
    out.push_str(&body);
    out.push_str("</svg>");
    Ok(())
}

/// The shape that marks a line series' points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
    Cross,
    Plus,
}

/// Writes a marker of radius about `r` centred on (`x`, `y`).
fn write_marker(
    out: &mut String,
    marker: Marker,
    (x, y): (f64, f64),
    r: f64,
    title: Option<&str>,
) -> fmt::Result {
    let corners: Vec<(f64, f64)> = match marker {
        Marker::Circle => Vec::new(),
        Marker::Square => {
            let s = r * 0.9;
            vec![(-s, -s), (s, -s), (s, s), (-s, s)]
        }
        Marker::TriangleUp => vec![(0.0, -r * 1.2), (r * 1.1, r * 0.8), (-r * 1.1, r * 0.8)],
        Marker::TriangleDown => vec![(0.0, r * 1.2), (r * 1.1, -r * 0.8), (-r * 1.1, -r * 0.8)],
        Marker::Diamond => vec![(0.0, -r * 1.25), (r * 1.1, 0.0), (0.0, r * 1.25), (-r * 1.1, 0.0)],
        Marker::Cross | Marker::Plus => {
            // A plus of arm half-width t, rotated 45° for the cross.
            let (t, a) = (r * 0.4, r * 1.2);
            let plus = [
                (-t, -a),
                (t, -a),
                (t, -t),
                (a, -t),
                (a, t),
                (t, t),
                (t, a),
                (-t, a),
                (-t, t),
                (-a, t),
                (-a, -t),
                (-t, -t),
            ];
            let rot = if marker == Marker::Cross { std::f64::consts::FRAC_1_SQRT_2 } else { 1.0 };
            let sin = if marker == Marker::Cross { std::f64::consts::FRAC_1_SQRT_2 } else { 0.0 };
            plus.iter().map(|&(px, py)| (px * rot - py * sin, px * sin + py * rot)).collect()
        }
    };
    if corners.is_empty() {
        write!(out, r#"<circle class="marker" cx="{}" cy="{}" r="{}">"#, Num(x), Num(y), Num(r))?;
    } else {
        out.push_str(r#"<path class="marker" d=""#);
        for (i, (dx, dy)) in corners.iter().enumerate() {
            write!(out, "{}{} {}", if i == 0 { "M" } else { "L" }, Num(x + dx), Num(y + dy))?;
        }
        out.push_str(r#"Z">"#);
    }
    if let Some(t) = title {
        write!(out, "<title>{}</title>", escape(t))?;
    }
    out.push_str(if corners.is_empty() { "</circle>" } else { "</path>" });
    Ok(())
}

/// The presentation attributes of line series `i`: stroke, fill and dashes.
fn line_attrs(i: usize) -> String {
    let colour = LINE_COLOURS[i % LINE_COLOURS.len()];
    let dash = DASHES[i % DASHES.len()];
    let dash = if dash.is_empty() { String::new() } else { format!(r#" stroke-dasharray="{dash}""#) };
    format!(r#"stroke="{colour}"{dash}"#)
}

fn write_line_chart(c: &LineChart, out: &mut String) -> fmt::Result {
    let (lang, unit) = (c.lang.as_str(), c.unit.as_str());
    let id = chart_id(&c.id);
    let width = chart_width(c.width);
    let n = c.x_labels.len();
    let value = |s: &Series, i: usize| s.values.get(i).copied().flatten().filter(|v| v.is_finite());
    let finite: Vec<f64> = c.series.iter().flat_map(|s| (0..n).filter_map(move |i| value(s, i))).collect();
    if finite.is_empty() {
        return write_no_data(out, &id, "line-chart", width, &c.title, &c.description, lang);
    }
    let format = value_format(&finite);
    let desc = match data_words(&c.x_labels, &c.series, format, unit, lang, true) {
        Some(words) => join_sentences(&c.description, &words),
        None => c.description.clone(),
    };
    let (dmin, dmax) = finite.iter().fold((0.0_f64, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let ticks = nice_ticks(dmin, dmax.max(0.0), 5);
    let mut body = String::new();

    // The legend: a stretch of line with its marker, and the name.
    let mut y = PAD;
    let widths: Vec<f64> = c.series.iter().map(|s| 36.0 + text_width(&s.name, LABEL) + 18.0).collect();
    let (at, legend_h) = flow(&widths, (PAD, width - PAD), y, 22.0);
    body.push_str(r#"<g class="legend" font-size="13">"#);
    for (i, (s, (lx, ly))) in c.series.iter().zip(at).enumerate() {
        let cy = ly + 9.0;
        write!(
            body,
            r#"<g class="series s{i}" {0} fill="{1}"><line class="line" x1="{3}" y1="{2}" x2="{4}" y2="{2}" stroke-width="2.5"/>"#,
            line_attrs(i),
            LINE_COLOURS[i % LINE_COLOURS.len()],
            Num(cy),
            Num(lx),
            Num(lx + 30.0),
        )?;
        write!(body, r##"<g stroke="#ffffff" stroke-width="1" stroke-dasharray="none">"##)?;
        write_marker(&mut body, MARKERS[i % MARKERS.len()], (lx + 15.0, cy), 4.5, None)?;
        write!(
            body,
            r#"</g><text x="{}" y="{}" dy="0.35em" stroke="none" fill="{TEXT}">{}</text></g>"#,
            Num(lx + 36.0),
            Num(cy),
            escape(&s.name)
        )?;
    }
    body.push_str("</g>");
    y += legend_h + 6.0;
    if !unit.trim().is_empty() {
        write!(
            body,
            r#"<text class="unit" x="{PAD}" y="{}" dy="0.35em">{}</text>"#,
            Num(y + 6.0),
            escape(unit)
        )?;
        y += 18.0;
    }

    // The plot area.
    let tick_w = ticks.values().map(|v| text_width(&ticks.label(v, lang), SMALL)).fold(0.0, f64::max);
    let label_ws: Vec<f64> = c.x_labels.iter().map(|l| text_width(l, SMALL)).collect();
    let plot_top = y + 8.0;
    let plot_h = (width * 0.4).clamp(140.0, 300.0);
    let plot_bottom = plot_top + plot_h;
    let plot_x0 = PAD + tick_w + 8.0;
    let inset = 12.0;
    let last_half = label_ws.last().copied().unwrap_or(0.0) / 2.0;
    let plot_x1 = (width - PAD - (last_half - inset).max(4.0)).max(plot_x0 + 60.0);
    let spacing = if n > 1 { (plot_x1 - plot_x0 - 2.0 * inset) / (n - 1) as f64 } else { 0.0 };
    let px = |i: usize| if n > 1 { plot_x0 + inset + i as f64 * spacing } else { (plot_x0 + plot_x1) / 2.0 };
    let py = |v: f64| plot_bottom - (v - ticks.lo()) / (ticks.hi() - ticks.lo()) * plot_h;

    write!(body, r#"<g class="grid" stroke="{GRID}" stroke-width="1">"#)?;
    for v in ticks.values() {
        write!(
            body,
            r#"<line x1="{0}" y1="{1}" x2="{2}" y2="{1}"/>"#,
            Num(plot_x0),
            Num(py(v)),
            Num(plot_x1)
        )?;
    }
    body.push_str("</g>");
    write!(
        body,
        r#"<g class="axis" stroke="{AXIS}" stroke-width="1"><line x1="{0}" y1="{1}" x2="{0}" y2="{2}"/><line x1="{0}" y1="{3}" x2="{4}" y2="{3}"/>"#,
        Num(plot_x0),
        Num(plot_top),
        Num(plot_bottom),
        Num(py(0.0)),
        Num(plot_x1)
    )?;
    for i in 0..n {
        write!(
            body,
            r#"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}"/>"#,
            Num(px(i)),
            Num(plot_bottom),
            Num(plot_bottom + 4.0)
        )?;
    }
    body.push_str("</g>");
    write!(body, r#"<g class="tick" text-anchor="end">"#)?;
    for v in ticks.values() {
        write!(
            body,
            r#"<text x="{}" y="{}" dy="0.35em">{}</text>"#,
            Num(plot_x0 - 6.0),
            Num(py(v)),
            escape(&ticks.label(v, lang))
        )?;
    }
    body.push_str("</g>");
    let widest = label_ws.iter().copied().fold(0.0, f64::max) + 8.0;
    let every = if n > 1 && spacing > 0.0 { (widest / spacing).ceil().max(1.0) as usize } else { 1 };
    write!(body, r#"<g class="tick" text-anchor="middle">"#)?;
    for (i, label) in c.x_labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        write!(body, r#"<text x="{}" y="{}">{}</text>"#, Num(px(i)), Num(plot_bottom + 18.0), escape(label))?;
    }
    body.push_str("</g>");

    // The series: lines broken at gaps, then markers with tooltips.
    body.push_str(r#"<g class="series-all" fill="none" stroke-width="2.5" stroke-linejoin="round">"#);
    for (j, s) in c.series.iter().enumerate() {
        write!(body, r#"<g class="series s{j}" {}>"#, line_attrs(j))?;
        // Runs of consecutive values; a lone value is only a marker.
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for i in 0..n {
            match value(s, i) {
                Some(v) => runs.last_mut().map_or((), |r| r.push((px(i), py(v)))),
                None => runs.push(Vec::new()),
            }
        }
        let mut d = String::new();
        for run in runs.iter().filter(|r| r.len() > 1) {
            for (k, (x, y)) in run.iter().enumerate() {
                write!(d, "{}{} {}", if k == 0 { "M" } else { "L" }, Num(*x), Num(*y))?;
            }
        }
        if !d.is_empty() {
            write!(body, r#"<path class="line" d="{d}"/>"#)?;
        }
        write!(
            body,
            r##"<g fill="{}" stroke="#ffffff" stroke-width="1" stroke-dasharray="none">"##,
            LINE_COLOURS[j % LINE_COLOURS.len()]
        )?;
        for i in 0..n {
            if let Some(v) = value(s, i) {
                let tip = format!("{} {}: {}", s.name, c.x_labels[i], with_unit(v, format, unit, lang));
                write_marker(&mut body, MARKERS[j % MARKERS.len()], (px(i), py(v)), 4.5, Some(tip.trim()))?;
            }
        }
        body.push_str("</g></g>");
    }
    body.push_str("</g>");

    open_svg(out, &id, "line-chart", (width, plot_bottom + 24.0 + PAD), &c.title, &desc)?;
    out.push_str(&body);
    out.push_str("</svg>");
    Ok(())
}

fn write_heat_table(c: &HeatTable, out: &mut String) -> fmt::Result {
    let (lang, unit) = (c.lang.as_str(), c.unit.as_str());
    let id = chart_id(&c.id);
    let width = chart_width(c.width);
    let (rows, cols) = (c.row_labels.len(), c.col_labels.len());
    let value =
        |r: usize, k: usize| c.values.get(r).and_then(|row| row.get(k)).copied().filter(|v| v.is_finite());
    let finite: Vec<f64> = (0..rows).flat_map(|r| (0..cols).filter_map(move |k| value(r, k))).collect();
    if finite.is_empty() {
        return write_no_data(out, &id, "heat-table", width, &c.title, &c.description, lang);
    }
    let format = value_format(&finite);
    let (min, max) = finite.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let classes = Classes::new(min, max, format == NumberFormat::Integer);
    let desc = if rows * cols <= 12 {
        let parts: Vec<String> = (0..rows)
            .flat_map(|r| (0..cols).map(move |k| (r, k)))
            .map(|(r, k)| {
                format!(
                    "{} {}: {}",
                    c.row_labels[r],
                    c.col_labels[k],
                    value_words(value(r, k), format, unit, lang)
                )
            })
            .collect();
        join_sentences(&c.description, &(parts.join("; ") + "."))
    } else {
        c.description.clone()
    };

    let row_w = c.row_labels.iter().map(|l| text_width(l, SMALL)).fold(0.0, f64::max).min(width * 0.3) + 8.0;
    let x0 = PAD + row_w;
    let cell_w = ((width - PAD - x0) / cols as f64).max(1.0);
    let cell_h = cell_w.clamp(18.0, 28.0);
    let col_label_w = c.col_labels.iter().map(|l| text_width(l, SMALL)).fold(0.0, f64::max) + 4.0;
    let every = (col_label_w / cell_w).ceil().max(1.0) as usize;
    let y0 = PAD + 20.0;
    let mut body = String::new();

    write!(body, r#"<g class="tick" text-anchor="middle">"#)?;
    for (k, label) in c.col_labels.iter().enumerate().filter(|(k, _)| k % every == 0) {
        write!(
            body,
            r#"<text x="{}" y="{}">{}</text>"#,
            Num(x0 + (k as f64 + 0.5) * cell_w),
            Num(y0 - 6.0),
            escape(label)
        )?;
    }
    body.push_str("</g>");
    write!(body, r#"<g class="labels" text-anchor="end">"#)?;
    for (r, label) in c.row_labels.iter().enumerate() {
        let line = wrap(label, row_w - 8.0, SMALL, 1).concat();
        write!(
            body,
            r#"<text x="{}" y="{}" dy="0.35em">{}</text>"#,
            Num(x0 - 6.0),
            Num(y0 + (r as f64 + 0.5) * cell_h),
            escape(&line)
        )?;
    }
    body.push_str("</g>");

    // Cells, and their values where they fit.
    let mut texts = String::new();
    body.push_str(r##"<g class="cells" stroke="#ffffff" stroke-width="1">"##);
    for r in 0..rows {
        for k in 0..cols {
            let (cx, cy) = (x0 + k as f64 * cell_w, y0 + r as f64 * cell_h);
            let v = value(r, k);
            let tip =
                format!("{} {}: {}", c.row_labels[r], c.col_labels[k], value_words(v, format, unit, lang));
            let (class, fill) = match v {
                Some(v) => {
                    let i = classes.of(v);
                    (format!("cell c{i}"), RAMP[i])
                }
                None => ("cell missing".to_owned(), "#ffffff"),
            };
            let stroke = if v.is_none() { r##" stroke="#adb5bd""## } else { "" };
            write!(
                body,
                r#"<rect class="{class}" x="{}" y="{}" width="{}" height="{}" fill="{fill}"{stroke}><title>{}</title></rect>"#,
                Num(cx),
                Num(cy),
                Num(cell_w),
                Num(cell_h),
                escape(&tip)
            )?;
            let text = v.map_or_else(|| "–".to_owned(), |v| format_number(v, format, lang));
            let size = 11.0_f64.min(cell_h * 0.55);
            if text_width(&text, size) <= cell_w - 3.0 {
                let colour = v.map_or(AXIS, |v| RAMP_TEXT[classes.of(v)]);
                write!(
                    texts,
                    r#"<text x="{}" y="{}" dy="0.35em" fill="{colour}" font-size="{}">{}</text>"#,
                    Num(cx + cell_w / 2.0),
                    Num(cy + cell_h / 2.0),
                    Num(size),
                    escape(&text)
                )?;
            }
        }
    }
    body.push_str("</g>");
    write!(body, r#"<g class="values" text-anchor="middle" aria-hidden="true">{texts}</g>"#)?;

    // The legend: the unit, then a swatch per class with its bounds.
    let y = y0 + rows as f64 * cell_h + 14.0;
    let mut items: Vec<(Option<(&str, String)>, String)> = Vec::new();
    if !unit.trim().is_empty() {
        items.push((None, unit.to_owned()));
    }
    for (i, label) in classes.labels(lang).into_iter().enumerate() {
        items.push((Some((RAMP[i], format!("legend-swatch c{i}"))), label));
    }
    if finite.len() < rows * cols {
        items.push((Some(("#ffffff", "legend-swatch missing".to_owned())), missing_text(lang).to_owned()));
    }
    let widths: Vec<f64> = items
        .iter()
        .map(|(sw, l)| if sw.is_some() { 20.0 } else { 0.0 } + text_width(l, SMALL) + 16.0)
        .collect();
    let (at, legend_h) = flow(&widths, (x0.min(width / 3.0), width - PAD), y, 22.0);
    body.push_str(r#"<g class="legend">"#);
    for ((swatch, label), (lx, ly)) in items.iter().zip(at) {
        let tx = match swatch {
            Some((fill, class)) => {
                write!(
                    body,
                    r##"<rect class="{class}" x="{}" y="{}" width="16" height="14" fill="{fill}" stroke="#adb5bd" stroke-width="0.75"/>"##,
                    Num(lx),
                    Num(ly + 2.0)
                )?;
                lx + 20.0
            }
            None => lx,
        };
        write!(body, r#"<text x="{}" y="{}" dy="0.35em">{}</text>"#, Num(tx), Num(ly + 9.0), escape(label))?;
    }
    body.push_str("</g>");

    open_svg(out, &id, "heat-table", (width, y + legend_h + PAD), &c.title, &desc)?;
    out.push_str(&body);
    out.push_str("</svg>");
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Checks that every element opened is closed in order, that attribute
    /// values are quoted, and that no `&` starts anything but an entity.
    pub(crate) fn assert_well_formed(svg: &str) {
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let text = &rest[..start];
            for (i, _) in text.match_indices('&') {
                let entity = &text[i..];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|e| entity.starts_with(e)),
                    "bare & in {text:?}"
                );
            }
            let end = start + rest[start..].find('>').expect("unclosed tag");
            let tag = &rest[start + 1..end];
            assert!(!tag.contains('<'), "< inside tag {tag:?}");
            assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes in {tag:?}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name), "closing {name} in {svg}");
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().unwrap());
            }
            rest = &rest[end + 1..];
        }
        assert!(stack.is_empty(), "unclosed {stack:?}");
        assert!(rest.trim().is_empty());
    }

    /// Values of `name="…"` on every `<tag ` element that has it, in order.
    fn attrs<'s>(svg: &'s str, tag: &str, name: &str) -> Vec<&'s str> {
        let key = format!(" {name}=\"");
        svg.split(&format!("<{tag} "))
            .skip(1)
            .filter_map(|el| {
                let el = &el[..el.find('>').unwrap()];
                let start = el.find(&key)? + key.len();
                Some(&el[start..start + el[start..].find('"').unwrap()])
            })
            .collect()
    }

    /// The text between `<desc …>` and `</desc>`.
    fn desc(svg: &str) -> &str {
        let start = svg.find("<desc").unwrap();
        let start = start + svg[start..].find('>').unwrap() + 1;
        &svg[start..start + svg[start..].find("</desc>").unwrap()]
    }

    /// The structure every chart shares: root, accessible name, no styles.
    fn assert_accessible(svg: &str, id: &str) {
        assert_well_formed(svg);
        assert!(svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 "#), "{svg}");
        assert!(svg.contains(&format!(r#"role="img" aria-labelledby="{id}-title {id}-desc""#)));
        assert!(
            svg.contains(&format!(r#"<title id="{id}-title">"#))
                && svg.contains(&format!(r#"<desc id="{id}-desc">"#))
        );
        assert!(svg.contains(r#"font-family="sans-serif""#));
        assert!(!svg.contains("style") && !svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }

    fn series(name: &str, values: &[Option<f64>]) -> Series {
        Series { name: name.to_owned(), values: values.to_vec() }
    }

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let t = nice_ticks(0.0, 37.0, 5);
        assert_eq!((t.lo(), t.hi(), t.step, t.decimals), (0.0, 40.0, 10.0, 0));
        let t = nice_ticks(0.0, 0.83, 5);
        assert_eq!((t.lo(), t.step, t.decimals), (0.0, 0.2, 1));
        assert!((t.hi() - 1.0).abs() < 1e-12);
        assert_eq!(
            t.values().map(|v| t.label(v, "sv")).collect::<Vec<_>>(),
            ["0,0", "0,2", "0,4", "0,6", "0,8", "1,0"]
        );
        let t = nice_ticks(-3.0, 12.0, 5);
        assert_eq!((t.lo(), t.hi(), t.step), (-5.0, 15.0, 5.0));
        let t = nice_ticks(0.0, 1234.0, 5);
        assert_eq!((t.lo(), t.hi(), t.step), (0.0, 1500.0, 500.0));
        assert_eq!(t.label(1000.0, "sv"), "1\u{202f}000");
        let t = nice_ticks(0.0, 100.0, 5);
        assert_eq!((t.hi(), t.step), (100.0, 20.0));
        let t = nice_ticks(0.0, 0.0, 5);
        assert_eq!((t.lo(), t.hi()), (0.0, 1.0));
        let t = nice_ticks(0.0, 0.004, 4);
        assert_eq!((t.step, t.decimals), (0.001, 3));
        for (lo, hi) in [(0.0, 7.3), (-42.0, 3.0), (0.0, 98_765.0), (0.5, 0.51)] {
            let t = nice_ticks(lo, hi, 5);
            assert!(t.lo() <= lo && t.hi() >= hi && t.k1 - t.k0 <= 10, "{lo}..{hi}: {t:?}");
            let mantissa = t.step / 10f64.powf(t.step.log10().floor());
            assert!([1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-9), "{t:?}");
        }
    }

    #[test]
    fn heat_classes_have_round_bounds() {
        let c = Classes::new(0.0, 37.0, true);
        assert_eq!(c.labels("sv"), ["0–9", "10–19", "20–29", "30–39", "40–50"]);
        assert_eq!((c.of(0.0), c.of(9.0), c.of(10.0), c.of(37.0), c.of(50.0)), (0, 0, 1, 3, 4));
        let c = Classes::new(1.0, 4.0, true);
        assert_eq!(c.labels("en"), ["0", "1", "2", "3", "4–5"]);
        assert_eq!((0..=4).map(|v| c.of(f64::from(v))).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
        let c = Classes::new(0.0, 0.83, false);
        assert_eq!(c.labels("sv")[0], "0,0–0,2");
        assert_eq!(c.labels("en")[4], "0.8–1.0");
        let c = Classes::new(-7.0, 12.0, true);
        assert_eq!(c.labels("en"), ["-10–-6", "-5–-1", "0–4", "5–9", "10–15"]);
        assert_eq!((c.of(-7.0), c.of(12.0)), (0, 4));
        // 51 would leave two of five classes of 20 empty: classes of 10, the top one to 51.
        let c = Classes::new(0.0, 51.0, true);
        assert_eq!(c.labels("sv"), ["0–9", "10–19", "20–29", "30–39", "40–51"]);
        // Every maximum lands in the top class or below, never beyond the last bound.
        for max in [1.0, 5.0, 49.0, 50.0, 51.0, 99.0, 100.0, 101.0, 1234.0] {
            let c = Classes::new(0.0, max, true);
            assert!(c.top >= max && c.of(max) == 4 || c.lo + 5.0 * c.step >= max, "{max}: {c:?}");
            assert!(c.lo + 3.0 * c.step <= max || c.step == 1.0, "{max}: two classes empty {c:?}");
            let labels = c.labels("en");
            assert!(
                labels[4].ends_with(&format_number(c.top, NumberFormat::Decimal(c.decimals), "en")),
                "{labels:?}"
            );
        }
    }

    #[test]
    fn bar_chart_draws_every_figure_with_its_value() {
        let chart = BarChart {
            id: "crime rate".to_owned(),
            title: "Brott <per> 1 000 invånare".to_owned(),
            description: "Anmälda brott & rån".to_owned(),
            categories: strings(&["Rinkeby-Kista", "Spånga-Tensta", "Stockholm <stad>"]),
            series: vec![
                series("2024", &[Some(12.34), Some(-3.0), Some(8.0)]),
                series("2025", &[Some(11.0), None, Some(234.5)]),
            ],
            unit: "per 1 000 inv.".to_owned(),
            lang: "sv".to_owned(),
            width: 720,
        };
        let svg = bar_chart_svg(&chart);
        assert_accessible(&svg, "crime-rate");
        assert!(svg.contains("<title id=\"crime-rate-title\">Brott &lt;per&gt; 1 000 invånare</title>"));
        assert_eq!(svg.matches(r#"class="bar series s0""#).count(), 3);
        assert_eq!(svg.matches(r#"class="bar series s1""#).count(), 2, "no bar for None");
        assert_eq!(svg.matches(r#"class="value missing""#).count(), 1);
        // Values with decimal comma and thousands space, at the bar ends.
        let values: Vec<&str> = svg
            .split(r#"<text class="value""#)
            .skip(1)
            .map(|t| &t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()])
            .collect();
        assert_eq!(values, ["12,3", "11,0", "\u{2212}3,0", "8,0", "234,5"]);
        // The negative bar ends left of the zero line, the others start at it.
        let xs: Vec<f64> = attrs(&svg, "rect", "x").iter().map(|v| v.parse().unwrap()).collect();
        let bars: Vec<f64> = svg
            .split("<rect class=\"bar")
            .skip(1)
            .map(|r| r[r.find(" x=\"").unwrap() + 4..].split('"').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(bars.len(), 5);
        assert!(bars[2] < bars[0] && bars[0] == bars[1] && bars[3] == bars[0], "{bars:?} {xs:?}");
        // A legend for two series, with the category text escaped.
        assert!(svg.contains(r#"<g class="legend""#) && svg.contains(">Stockholm &lt;stad&gt;</tspan>"));
        // The description lists the data in words (six values).
        let d = desc(&svg);
        assert!(
            d.starts_with("Anmälda brott &amp; rån. Rinkeby-Kista: 2024 12,3\u{a0}per 1 000 inv., 2025 11,0"),
            "{d}"
        );
        assert!(
            d.contains("Spånga-Tensta: 2024 \u{2212}3,0\u{a0}per 1 000 inv., 2025 uppgift saknas"),
            "{d}"
        );
        // One series: no legend, and bars are taller.
        let one = BarChart {
            series: vec![series("", &[Some(1.0), Some(2.0), Some(3.0)])],
            lang: "en".to_owned(),
            ..chart.clone()
        };
        let svg = bar_chart_svg(&one);
        assert_accessible(&svg, "crime-rate");
        assert!(
            !svg.contains("class=\"legend\"") && attrs(&svg, "rect", "height").iter().all(|h| *h == "20")
        );
        assert!(desc(&svg).ends_with("Stockholm &lt;stad&gt;: 3\u{a0}per 1 000 inv.."), "{}", desc(&svg));
        // Everything fits in the view box.
        let width: f64 = attrs(&svg, "svg", "width")[0].parse().unwrap();
        for x in attrs(&svg, "text", "x").iter().map(|v| v.parse::<f64>().unwrap()) {
            assert!((0.0..=width).contains(&x));
        }
    }

    #[test]
    fn many_bar_series_are_hatched_and_long_data_is_not_listed() {
        let cats: Vec<String> = (1..=4).map(|i| format!("Område {i}")).collect();
        let series: Vec<Series> =
            (0..4).map(|s| series(&format!("S{s}"), &[Some(1.5), Some(2.5), Some(0.5), Some(4.0)])).collect();
        let chart = BarChart {
            id: "b".into(),
            description: "Beskrivning".into(),
            categories: cats,
            series,
            lang: "sv".into(),
            ..Default::default()
        };
        let svg = bar_chart_svg(&chart);
        assert_accessible(&svg, "b");
        assert_eq!(svg.matches("<pattern ").count(), 2, "series 3 and 4 hatched");
        assert!(svg.contains(r#"fill="url(#b-s2)""#) && svg.contains(r#"<pattern id="b-s3""#));
        assert_eq!(desc(&svg), "Beskrivning", "16 values are too many to read out");
        assert_eq!(attrs(&svg, "svg", "width")[0], "720", "width 0 means A4 width");
    }

    #[test]
    fn line_chart_marks_series_apart_and_breaks_at_gaps() {
        let chart = LineChart {
            id: "trend".into(),
            title: "Trend".into(),
            description: "Anmälda brott per år".into(),
            x_labels: strings(&["2021", "2022", "2023", "2024", "2025"]),
            series: vec![
                series("Järva", &[Some(120.0), Some(131.0), None, Some(98.0), Some(101.0)]),
                series("Staden", &[Some(80.0), Some(82.5), Some(79.0), Some(81.0), Some(77.0)]),
                series("Tensta", &[Some(10.0), None, None, None, Some(12.0)]),
            ],
            unit: "antal".into(),
            lang: "en".into(),
            width: 600,
        };
        let svg = line_chart_svg(&chart);
        assert_accessible(&svg, "trend");
        // Paths: the first series breaks into two runs; Tensta has two lone points, no line.
        let lines: Vec<&str> =
            svg.split(r#"<path class="line" d=""#).skip(1).map(|p| &p[..p.find('"').unwrap()]).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0].matches('M').count(), 2);
        assert_eq!(lines[1].matches('M').count(), 1);
        // Markers: one per value, of three different shapes (circle, square, triangle).
        let marker_count = svg.matches(r#"class="marker""#).count();
        assert_eq!(marker_count, 4 + 5 + 2 + 3, "data markers plus one per legend entry");
        assert_eq!(svg.matches("<circle class=\"marker\"").count(), 4 + 1);
        // Dash patterns differ per series.
        assert!(
            svg.contains(r##"stroke="#0072B2">"##)
                && svg.contains(r#"stroke-dasharray="8 4""#)
                && svg.contains(r#"stroke-dasharray="2 3""#)
        );
        // The y axis starts at zero with round ticks.
        let ticks: Vec<&str> = svg
            .split(r#"<g class="tick" text-anchor="end">"#)
            .nth(1)
            .unwrap()
            .split("</g>")
            .next()
            .unwrap()
            .split("</text>")
            .filter_map(|t| t.rsplit('>').next())
            .filter(|t| !t.is_empty())
            .collect();
        assert_eq!(ticks, ["0", "50", "100", "150"]);
        // Higher values are drawn higher.
        let cy: Vec<f64> = attrs(&svg, "circle", "cy").iter().map(|v| v.parse().unwrap()).collect();
        assert!(cy[2] < cy[1], "131 above 120 (after the legend's marker): {cy:?}");
        // 15 values: too many to list; the description is kept.
        assert_eq!(desc(&svg), "Anmälda brott per år");
        assert!(svg.contains("<title>Järva 2022: 131.0\u{a0}antal</title>"), "{svg}");
    }

    #[test]
    fn line_chart_goes_below_zero_for_negative_values_and_thins_crowded_labels() {
        let labels: Vec<String> = (2000..2030).map(|y| format!("{y}-T1")).collect();
        let values: Vec<Option<f64>> = (0..30).map(|i| Some(f64::from(i) - 10.5)).collect();
        let chart = LineChart {
            id: "neg".into(),
            x_labels: labels,
            series: vec![series("Förändring", &values)],
            unit: "%".into(),
            lang: "sv".into(),
            width: 400,
            ..Default::default()
        };
        let svg = line_chart_svg(&chart);
        assert_accessible(&svg, "neg");
        assert!(svg.contains(">\u{2212}20</text>") || svg.contains(">\u{2212}10</text>"), "{svg}");
        let shown = svg.matches("-T1</text>").count();
        assert!((5..30).contains(&shown), "{shown} of 30 x labels shown");
        assert!(svg.contains("<title>Förändring 2000-T1: \u{2212}10,5\u{a0}%</title>"));
    }

    #[test]
    fn heat_table_shades_by_class() {
        let days = strings(&["mån", "tis", "ons", "tor", "fre", "lör", "sön"]);
        let hours: Vec<String> = (0..24).map(|h| h.to_string()).collect();
        let values: Vec<Vec<f64>> =
            (0..7).map(|d| (0..24).map(|h| f64::from((d * 24 + h) % 41)).collect()).collect();
        let mut chart = HeatTable {
            id: "week".into(),
            title: "Händelser per veckodag och timme".into(),
            description: "Flest på fredagskvällar".into(),
            row_labels: days,
            col_labels: hours,
            values,
            unit: "händelser".into(),
            lang: "sv".into(),
            width: 720,
        };
        chart.values[6][23] = f64::NAN;
        let svg = heat_table_svg(&chart);
        assert_accessible(&svg, "week");
        assert_eq!(svg.matches(r#"<rect class="cell "#).count(), 168);
        for (i, fill) in RAMP.iter().enumerate() {
            assert!(
                svg.contains(&format!(r#"class="cell c{i}""#)) && svg.contains(&format!(r#"fill="{fill}""#)),
                "class {i}"
            );
        }
        assert!(svg.contains(r#"<rect class="cell missing""#) && svg.contains(">uppgift saknas</text>"));
        for label in ["0–9", "10–19", "20–29", "30–39", "40–50", "händelser"] {
            assert!(svg.contains(&format!(">{label}</text>")), "{label}");
        }
        assert!(svg.contains("<title>fre 20: 34\u{a0}händelser</title>"), "value in the tooltip");
        assert_eq!(desc(&svg), "Flest på fredagskvällar");
        // Text on the dark classes is white, on the light ones dark.
        assert!(svg.contains(r##"fill="#ffffff" font-size="11">40</text>"##), "{svg}");
        assert!(svg.contains(r##"fill="#212529" font-size="11">1</text>"##));
        // A small table is read out in full.
        let small = HeatTable {
            row_labels: strings(&["a"]),
            col_labels: strings(&["x", "y"]),
            values: vec![vec![1.0, 2.5]],
            lang: "en".into(),
            ..chart
        };
        let svg = heat_table_svg(&small);
        assert_accessible(&svg, "week");
        assert_eq!(desc(&svg), "Flest på fredagskvällar. a x: 1.0\u{a0}händelser; a y: 2.5\u{a0}händelser.");
    }

    #[test]
    fn no_data_says_so_in_the_language() {
        let bar = BarChart { id: "e".into(), title: "T".into(), lang: "sv".into(), ..Default::default() };
        let svg = bar_chart_svg(&bar);
        assert_accessible(&svg, "e");
        assert!(svg.contains(">Inga uppgifter att visa</text>") && desc(&svg) == "Inga uppgifter att visa");
        let gaps = BarChart {
            categories: strings(&["a"]),
            series: vec![series("s", &[None, Some(f64::NAN)])],
            lang: "en".into(),
            description: "Rates".into(),
            ..bar
        };
        let svg = bar_chart_svg(&gaps);
        assert!(svg.contains(">No data to show</text>") && desc(&svg) == "Rates. No data to show", "{svg}");
        let line = LineChart {
            x_labels: strings(&["2024"]),
            series: vec![],
            lang: "en".into(),
            ..Default::default()
        };
        let svg = line_chart_svg(&line);
        assert_accessible(&svg, "chart");
        assert!(svg.contains("No data to show"));
        let heat = HeatTable {
            row_labels: strings(&["a"]),
            col_labels: vec![],
            values: vec![vec![1.0]],
            lang: "sv".into(),
            ..Default::default()
        };
        assert!(heat_table_svg(&heat).contains("Inga uppgifter att visa"));
    }

    #[test]
    fn long_labels_wrap_and_are_cut_with_an_ellipsis() {
        let lines = wrap("Rinkeby-Kista stadsdelsområde med omnejd och lite till", 120.0, 13.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| text_width(l, 13.0) <= 120.0), "{lines:?}");
        assert!(lines[1].ends_with('…'));
        assert_eq!(wrap("Kort", 120.0, 13.0, 3), ["Kort"]);
        assert_eq!(wrap("", 120.0, 13.0, 3), Vec::<String>::new());
    }

    /// Writes sample charts to a temporary directory and, where `rsvg-convert`
    /// is installed, renders them to PNG (to look at; the test checks that the
    /// renderer accepts the SVG).
    #[test]
    fn sample_charts_render() {
        let dir = std::env::temp_dir().join("trygg-charts");
        std::fs::create_dir_all(&dir).unwrap();
        let bar = bar_chart_svg(&BarChart {
            id: "sample-bar".into(),
            title: "Anmälda brott per 1 000 invånare".into(),
            description: "Per stadsdel, 2024 och 2025".into(),
            categories: strings(&[
                "Akalla",
                "Husby",
                "Kista",
                "Rinkeby",
                "Tensta",
                "Hjulsta",
                "Spånga med Solhem och Flysta",
            ]),
            series: vec![
                series(
                    "2024",
                    &[Some(61.2), Some(88.4), Some(72.0), Some(95.3), Some(90.1), Some(40.0), Some(35.5)],
                ),
                series(
                    "2025",
                    &[Some(58.0), Some(91.7), None, Some(89.9), Some(93.4), Some(44.2), Some(30.1)],
                ),
                series(
                    "Staden",
                    &[Some(70.0), Some(70.0), Some(70.0), Some(70.0), Some(70.0), Some(70.0), Some(70.0)],
                ),
            ],
            unit: "per 1 000 inv.".into(),
            lang: "sv".into(),
            width: 720,
        });
        let line = line_chart_svg(&LineChart {
            id: "sample-line".into(),
            title: "Utveckling".into(),
            description: "Per tertial".into(),
            x_labels: (2021..2026).flat_map(|y| (1..=3).map(move |t| format!("{y}-T{t}"))).collect(),
            series: (0..4)
                .map(|s| {
                    let vals = (0..15).map(|i| {
                        if s == 2 && i == 6 {
                            None
                        } else {
                            Some(f64::from(20 + s * 15) + f64::from((i * 7 + s * 3) % 11))
                        }
                    });
                    Series {
                        name: ["Järva", "Rinkeby-Kista", "Spånga-Tensta", "Staden"][s as usize].into(),
                        values: vals.collect(),
                    }
                })
                .collect(),
            unit: "händelser".into(),
            lang: "sv".into(),
            width: 720,
        });
        let heat = heat_table_svg(&HeatTable {
            id: "sample-heat".into(),
            title: "Veckodag och timme".into(),
            description: "Händelser".into(),
            row_labels: strings(&["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]),
            col_labels: (0..24).map(|h| format!("{h:02}")).collect(),
            values: (0..7)
                .map(|d| (0..24).map(|h| f64::from(((h - 20_i32).abs() * -2 + 40 + d * 3).max(0))).collect())
                .collect(),
            unit: "händelser".into(),
            lang: "sv".into(),
            width: 720,
        });
        for (name, svg) in [("bar", &bar), ("line", &line), ("heat", &heat)] {
            assert_well_formed(svg);
            let path = dir.join(format!("{name}.svg"));
            std::fs::write(&path, svg).unwrap();
            render_png(&path);
        }
    }

    /// Renders an SVG file to a PNG beside it with `rsvg-convert`, if installed.
    pub(crate) fn render_png(svg: &std::path::Path) {
        let png = svg.with_extension("png");
        match std::process::Command::new("rsvg-convert")
            .arg("-b")
            .arg("white")
            .arg("-o")
            .arg(&png)
            .arg(svg)
            .status()
        {
            Ok(status) => assert!(status.success(), "rsvg-convert failed on {}", svg.display()),
            Err(e) => eprintln!("not rendering {}: rsvg-convert: {e}", svg.display()),
        }
    }
}
