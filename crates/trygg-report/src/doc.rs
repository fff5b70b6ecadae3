//! The document model every report is written in and every output reads.
//!
//! A report (the situation report, the tertial report) is built once as a
//! [`Doc`]: sections of headings, paragraphs, tables and SVG figures, with
//! the text already in the reader's language. The renderers (`html`,
//! `xlsx`, `pdf`) only lay it out, so the web page, the HTML file, the
//! workbook and the PDF cannot disagree about a figure. A published report
//! is stored as its `Doc` in JSON, so it can be rendered again exactly.

use serde::{Deserialize, Serialize};

/// A whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    /// BCP 47 language tag of all the text, `sv` or `en`.
    pub lang: String,
    /// The title, e.g. "Lägesbild Järva 2025".
    pub title: String,
    /// A line under the title: area, period, when produced.
    pub subtitle: String,
    /// Lines printed small under the subtitle: status ("Utkast"), version, producer.
    pub meta: Vec<String>,
    /// The sections in reading order.
    pub sections: Vec<Section>,
}

/// A numbered section of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Stable anchor, ASCII `[a-z0-9-]`, unique in the document, e.g. `crime`.
    pub id: String,
    /// The heading.
    pub heading: String,
    /// The content in order.
    pub blocks: Vec<Block>,
}

/// One piece of content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Block {
    /// A paragraph of plain text (no markup; renderers escape it).
    Paragraph(String),
    /// A sub-heading inside a section.
    Subheading(String),
    /// A bulleted list of plain-text items.
    List(Vec<String>),
    /// A remark set apart: a caveat, a data gap, a method note.
    Note(String),
    /// A table of figures.
    Table(Table),
    /// A chart or map.
    Figure(Figure),
}

/// A table. In the workbook each table is a sheet of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Stable identifier, ASCII `[a-z0-9-]`, unique in the document; the
    /// workbook's sheet name is derived from it (at most 31 characters).
    pub id: String,
    /// The caption, e.g. "Anmälda brott per 1 000 invånare".
    pub caption: String,
    /// The columns, left to right.
    pub columns: Vec<Column>,
    /// The rows; each has exactly one cell per column.
    pub rows: Vec<Vec<Cell>>,
    /// Where the figures come from and how fresh they are, in one line.
    pub source: String,
}

/// A table column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// The header text.
    pub header: String,
    /// The unit, if any, e.g. "per 1 000 inv." or "%"; shown under the header.
    pub unit: Option<String>,
    /// How numbers in the column are written.
    pub format: NumberFormat,
}

/// How a column's numbers are formatted (text cells ignore it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NumberFormat {
    /// Text, left aligned.
    Text,
    /// Whole numbers with a thousands separator.
    Integer,
    /// Fixed decimals.
    Decimal(u8),
    /// A share already in per cent (12.5 means 12.5 %), with these decimals.
    Percent(u8),
}

/// One table cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A number.
    Num(f64),
    /// No figure: the text says why (e.g. `..` for suppressed, `–` for missing).
    Missing(String),
}

/// A chart or a map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Stable identifier, ASCII `[a-z0-9-]`, unique in the document.
    pub id: String,
    /// The caption shown under the figure.
    pub caption: String,
    /// The text alternative: what the figure shows, for readers who cannot see it.
    pub alt: String,
    /// A standalone `<svg>` element with a `viewBox`; no scripts, no
    /// external references, no `style` attributes.
    pub svg: String,
    /// Where the figures come from, in one line.
    pub source: String,
}

impl Doc {
    /// Every table in document order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.sections.iter().flat_map(|s| &s.blocks).filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
    }

    /// Every figure in document order.
    pub fn figures(&self) -> impl Iterator<Item = &Figure> {
        self.sections.iter().flat_map(|s| &s.blocks).filter_map(|b| match b {
            Block::Figure(f) => Some(f),
            _ => None,
        })
    }
}

impl Cell {
    /// The cell as text in the given language's number style (Swedish: decimal
    /// comma and a narrow no-break space between thousands).
    pub fn display(&self, format: NumberFormat, lang: &str) -> String {
        match self {
            Cell::Text(s) | Cell::Missing(s) => s.clone(),
            Cell::Int(n) => group_thousands(&n.to_string(), lang),
            Cell::Num(x) => format_number(*x, format, lang),
        }
    }
}

/// Formats a number as the column asks, in the language's style.
pub fn format_number(x: f64, format: NumberFormat, lang: &str) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    let (decimals, suffix) = match format {
        NumberFormat::Text => (2, ""),
        NumberFormat::Integer => (0, ""),
        NumberFormat::Decimal(d) => (d, ""),
        NumberFormat::Percent(d) => (d, if lang == "sv" { "\u{a0}%" } else { "%" }),
    };
    let text = format!("{x:.*}", decimals as usize);
    let (int, frac) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = group_thousands(int, lang);
    if let Some(f) = frac {
        out.push(if lang == "sv" { ',' } else { '.' });
        out.push_str(f);
    }
    if lang == "sv" && out.starts_with('-') {
        out.replace_range(0..1, "\u{2212}");
    }
    out + suffix
}

/// Puts a thousands separator into the digits of a whole number.
fn group_thousands(int: &str, lang: &str) -> String {
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let sep = if lang == "sv" { '\u{202f}' } else { ',' };
    let mut out = String::from(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(format_number(12345.678, NumberFormat::Decimal(1), "sv"), "12\u{202f}345,7");
        assert_eq!(format_number(12345.678, NumberFormat::Decimal(1), "en"), "12,345.7");
        assert_eq!(format_number(-3.25, NumberFormat::Percent(1), "sv"), "\u{2212}3,2\u{a0}%");
        assert_eq!(format_number(999.0, NumberFormat::Integer, "en"), "999");
        assert_eq!(Cell::Int(1_000_000).display(NumberFormat::Integer, "en"), "1,000,000");
        assert_eq!(format_number(f64::NAN, NumberFormat::Integer, "sv"), "–");
    }
}
