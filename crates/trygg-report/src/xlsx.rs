//! A [`Doc`] as an Excel workbook: a sheet about the report, then one sheet per table.
//!
//! The first sheet ("Om rapporten" / "About") carries the title, subtitle and
//! meta lines and lists every table with its caption (a link to its sheet),
//! sheet name and source. Each table's sheet has a fixed layout, so that
//! formulas and queries can rely on it:
//!
//! | row | content |
//! |---|---|
//! | 1 | the caption (bold) |
//! | 3 | the column headers (bold, bottom border, wrapped) |
//! | 4 | the units (a per-cent column always says `%`) |
//! | 5… | the data |
//! | two below the last | the source line |
//!
//! Panes are frozen below the units (and right of the first column); the
//! autofilter sits on the units row, the header row directly above the data,
//! so that sorting and filtering never move the header rows.
//!
//! Figures are numbers, not text: whole numbers with the format `#,##0`,
//! decimals with `#,##0.0…`. **Per-cent figures are stored as per-cent
//! values** (12.5 means 12.5 %, as in the [`Doc`]) with the format `0.0…`
//! and `%` in the unit row; they are not divided by 100 and no Excel `%`
//! format is used, so a formula sees the same number the reader does. Excel
//! number formats are locale independent: Excel shows the reader's decimal
//! separator itself. A missing figure is written as its text (e.g. `..`),
//! right aligned.

use crate::doc::{Cell, Doc, NumberFormat, Table};
use rust_xlsxwriter::{DocProperties, Format, FormatAlign, FormatBorder, Url, Workbook, Worksheet};
use std::collections::HashSet;

/// Why the workbook could not be written.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    /// The workbook writer refused something (e.g. more rows or columns than Excel allows).
    #[error("could not write the workbook: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
}

/// Excel's limit on a sheet name, in UTF-16 code units.
const SHEET_NAME_MAX: usize = 31;
/// Excel's limit on the text of a cell, in UTF-16 code units.
const CELL_TEXT_MAX: usize = 32_767;
/// The zero-based rows of a table sheet's fixed layout.
const CAPTION_ROW: u32 = 0;
const HEADER_ROW: u32 = 2;
const UNIT_ROW: u32 = 3;
const FIRST_DATA_ROW: u32 = 4;
/// Excel's paper size code for A4.
const PAPER_A4: u8 = 9;

/// Renders the report as an XLSX workbook.
///
/// # Errors
/// [`XlsxError::Workbook`] when the writer refuses the content, e.g. a table
/// with more rows or columns than a sheet can hold.
pub fn render_xlsx(doc: &Doc) -> Result<Vec<u8>, XlsxError> {
    let labels = Labels::for_lang(&doc.lang);
    let mut names = SheetNames::default();
    let about_name = names.claim(labels.about, labels.table);
    let tables: Vec<(&Table, String)> = doc.tables().map(|t| (t, names.claim(&t.id, labels.table))).collect();

    let mut workbook = Workbook::new();
    workbook
        .set_properties(&DocProperties::new().set_title(clip(&doc.title)).set_subject(clip(&doc.subtitle)));

    let about = workbook.add_worksheet();
    about.set_name(&about_name)?;
    write_about(about, doc, &labels, &tables)?;

    for (table, name) in &tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        write_table(sheet, table, &doc.lang)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// The fixed texts of the workbook, in the document's language.
struct Labels {
    /// The first sheet's name.
    about: &'static str,
    /// The heading of the list of tables.
    tables: &'static str,
    /// Column headers of that list.
    table: &'static str,
    sheet: &'static str,
    source: &'static str,
}

impl Labels {
    fn for_lang(lang: &str) -> Labels {
        if lang.split(['-', '_']).next().is_some_and(|p| p.eq_ignore_ascii_case("en")) {
            Labels { about: "About", tables: "Tables", table: "Table", sheet: "Sheet", source: "Source" }
        } else {
            Labels {
                about: "Om rapporten",
                tables: "Tabeller",
                table: "Tabell",
                sheet: "Blad",
                source: "Källa",
            }
        }
    }
}

/// The sheet names given so far, compared as Excel does (ignoring case).
#[derive(Default)]
struct SheetNames {
    used: HashSet<String>,
}

impl SheetNames {
    /// A valid sheet name from `raw`, unique in the workbook.
    ///
    /// Characters Excel forbids (`[]:*?/\` and control characters) become
    /// `-`, apostrophes are trimmed from the ends, the name is cut to 31
    /// characters, and a clash gets `~2`, `~3`… (cutting the name to make
    /// room). An empty name falls back to `fallback`.
    fn claim(&mut self, raw: &str, fallback: &str) -> String {
        let cleaned: String = raw
            .chars()
            .map(|c| {
                if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() { '-' } else { c }
            })
            .collect();
        let trimmed = cleaned.trim().trim_matches('\'').trim();
        let base = if trimmed.is_empty() { fallback } else { trimmed };
        // Cutting may leave an apostrophe at the end, which Excel refuses too.
        let cut = |max: usize| cut_utf16(base, max).trim_end_matches('\'').to_owned();
        let mut name = cut(SHEET_NAME_MAX);
        let mut n = 2u32;
        // "History" is reserved by Excel.
        while name.is_empty()
            || self.used.contains(&name.to_lowercase())
            || name.eq_ignore_ascii_case("history")
        {
            let suffix = format!("~{n}");
            name = format!("{}{suffix}", cut(SHEET_NAME_MAX - suffix.len()));
            n += 1;
        }
        self.used.insert(name.to_lowercase());
        name
    }
}

/// The longest prefix of `s` of at most `max` UTF-16 code units.
fn cut_utf16(s: &str, max: usize) -> String {
    let mut units = 0;
    let mut out = String::new();
    for c in s.chars() {
        units += c.len_utf16();
        if units > max {
            break;
        }
        out.push(c);
    }
    out
}

/// Text cut to what a cell can hold.
fn clip(s: &str) -> String {
    cut_utf16(s, CELL_TEXT_MAX)
}

/// A link to cell A1 of a sheet of this workbook.
fn sheet_link(name: &str) -> Url {
    Url::new(format!("internal:'{}'!A1", name.replace('\'', "''")))
}

fn write_about(
    sheet: &mut Worksheet,
    doc: &Doc,
    labels: &Labels,
    tables: &[(&Table, String)],
) -> Result<(), XlsxError> {
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let header = header_format(false);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let link = Format::new().set_hyperlink().set_text_wrap().set_align(FormatAlign::Top);

    let mut row = 0;
    sheet.write_string_with_format(row, 0, clip(&doc.title), &title)?;
    row += 1;
    if !doc.subtitle.trim().is_empty() {
        sheet.write_string(row, 0, clip(&doc.subtitle))?;
        row += 1;
    }
    for line in doc.meta.iter().filter(|m| !m.trim().is_empty()) {
        sheet.write_string(row, 0, clip(line))?;
        row += 1;
    }
    row += 1;
    if !tables.is_empty() {
        sheet.write_string_with_format(row, 0, labels.tables, &bold)?;
        row += 1;
        sheet.write_string_with_format(row, 0, labels.table, &header)?;
        sheet.write_string_with_format(row, 1, labels.sheet, &header)?;
        sheet.write_string_with_format(row, 2, labels.source, &header)?;
        row += 1;
        for (table, name) in tables {
            let caption = if table.caption.trim().is_empty() { name.clone() } else { clip(&table.caption) };
            sheet.write_url_with_format(row, 0, sheet_link(name).set_text(caption), &link)?;
            sheet.write_string_with_format(row, 1, name, &wrap)?;
            sheet.write_string_with_format(row, 2, clip(&table.source), &wrap)?;
            row += 1;
        }
    }
    let widest = |texts: &mut dyn Iterator<Item = usize>, min: usize, max: usize| {
        texts.max().unwrap_or(0).clamp(min, max) as f64 + 2.0
    };
    sheet.set_column_width(0, widest(&mut tables.iter().map(|(t, _)| t.caption.chars().count()), 24, 70))?;
    sheet.set_column_width(1, widest(&mut tables.iter().map(|(_, n)| n.chars().count()), 10, 31))?;
    sheet.set_column_width(2, widest(&mut tables.iter().map(|(t, _)| t.source.chars().count()), 24, 70))?;
    sheet.set_paper_size(PAPER_A4);
    Ok(())
}

/// Bold, bottom border, wrapped; right aligned over a column of numbers.
fn header_format(numeric: bool) -> Format {
    let format = Format::new().set_bold().set_border_bottom(FormatBorder::Thin).set_text_wrap();
    if numeric { format.set_align(FormatAlign::Right) } else { format }
}

/// `base` with `decimals` zeros after a decimal point (none for 0).
fn with_decimals(base: &str, decimals: u8) -> String {
    let decimals = usize::from(decimals.min(15));
    if decimals == 0 { base.to_owned() } else { format!("{base}.{}", "0".repeat(decimals)) }
}

/// The Excel number format of a numeric cell in a column of this format, if any.
fn number_format(cell: &Cell, format: NumberFormat) -> Option<String> {
    match (cell, format) {
        (Cell::Int(_), _) | (Cell::Num(_), NumberFormat::Integer) => Some("#,##0".to_owned()),
        (Cell::Num(_), NumberFormat::Decimal(d)) => Some(with_decimals("#,##0", d)),
        (Cell::Num(_), NumberFormat::Percent(d)) => Some(with_decimals("0", d)),
        _ => None,
    }
}

fn write_table(sheet: &mut Worksheet, table: &Table, lang: &str) -> Result<(), XlsxError> {
    let caption = Format::new().set_bold();
    let unit_text = Format::new().set_italic().set_text_wrap();
    let right = Format::new().set_align(FormatAlign::Right);

    sheet.write_string_with_format(CAPTION_ROW, 0, clip(&table.caption), &caption)?;
    let mut widths: Vec<usize> = Vec::with_capacity(table.columns.len());
    for (i, column) in table.columns.iter().enumerate() {
        let col = col_num(i)?;
        let numeric = !matches!(column.format, NumberFormat::Text);
        sheet.write_string_with_format(HEADER_ROW, col, clip(&column.header), &header_format(numeric))?;
        let unit = match (column.format, column.unit.as_deref()) {
            (NumberFormat::Percent(_), None) => Some("%"),
            (_, unit) => unit.filter(|u| !u.trim().is_empty()),
        };
        if let Some(unit) = unit {
            let format =
                if numeric { unit_text.clone().set_align(FormatAlign::Right) } else { unit_text.clone() };
            sheet.write_string_with_format(UNIT_ROW, col, clip(unit), &format)?;
        }
        // A wrapped header needs room for its longest word, and about 20 characters a line.
        let header_chars = column.header.chars().count().min(20);
        let longest_word = column.header.split_whitespace().map(|w| w.chars().count()).max().unwrap_or(0);
        let unit_chars = unit.map_or(0, |u| u.chars().count());
        widths.push(header_chars.max(longest_word).max(unit_chars));
    }

    let mut row = FIRST_DATA_ROW;
    for cells in &table.rows {
        for (i, cell) in cells.iter().enumerate() {
            let col = col_num(i)?;
            let format = table.columns.get(i).map_or(NumberFormat::Text, |c| c.format);
            let shown = cell.display(format, lang).chars().count();
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(shown);
            }
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(row, col, clip(text))?;
                }
                Cell::Missing(text) => {
                    if matches!(format, NumberFormat::Text) {
                        sheet.write_string(row, col, clip(text))?;
                    } else {
                        sheet.write_string_with_format(row, col, clip(text), &right)?;
                    }
                }
                Cell::Int(_) | Cell::Num(_) => {
                    let value = match cell {
                        Cell::Int(n) => *n as f64,
                        Cell::Num(x) => *x,
                        _ => f64::NAN,
                    };
                    if !value.is_finite() {
                        // Excel has no NaN or infinity: write what the other outputs show.
                        sheet.write_string_with_format(row, col, cell.display(format, lang), &right)?;
                    } else if let Some(num_format) = number_format(cell, format) {
                        sheet.write_number_with_format(
                            row,
                            col,
                            value,
                            &Format::new().set_num_format(num_format),
                        )?;
                    } else {
                        sheet.write_number(row, col, value)?;
                    }
                }
            }
        }
        row += 1;
    }
    let last_row = row.saturating_sub(1).max(UNIT_ROW);

    if !table.source.trim().is_empty() {
        sheet.write_string(last_row + 2, 0, clip(&table.source))?;
    }
    for (i, width) in widths.iter().enumerate() {
        sheet.set_column_width(col_num(i)?, (*width).clamp(6, 60) as f64 + 2.0)?;
    }
    if let Some(last_col) = table.columns.len().checked_sub(1) {
        sheet.autofilter(UNIT_ROW, 0, last_row, col_num(last_col)?)?;
        sheet.set_freeze_panes(FIRST_DATA_ROW, if table.columns.len() > 1 { 1 } else { 0 })?;
        sheet.set_repeat_rows(HEADER_ROW, UNIT_ROW)?;
    }
    sheet.set_paper_size(PAPER_A4);
    Ok(())
}

/// A column index as the writer's column number; too many columns is an error.
fn col_num(i: usize) -> Result<u16, XlsxError> {
    u16::try_from(i).map_err(|_| {
        XlsxError::Workbook(rust_xlsxwriter::XlsxError::ParameterError(format!("column {i} is out of range")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut names = SheetNames::default();
        assert_eq!(names.claim("Om rapporten", "Tabell"), "Om rapporten");
        assert_eq!(names.claim("crime", "Tabell"), "crime");
        assert_eq!(names.claim("CRIME", "Tabell"), "CRIME~2", "Excel ignores case");
        assert_eq!(names.claim("crime", "Tabell"), "crime~3");
        assert_eq!(names.claim("a[b]:c*d?e/f\\g", "Tabell"), "a-b--c-d-e-f-g");
        assert_eq!(names.claim("'quoted'", "Tabell"), "quoted");
        assert_eq!(names.claim("", "Tabell"), "Tabell");
        assert_eq!(names.claim("History", "Tabell"), "History~2");
        let long = "x".repeat(40);
        assert_eq!(names.claim(&long, "Tabell"), "x".repeat(31));
        let second = names.claim(&long, "Tabell");
        assert_eq!(second, format!("{}~2", "x".repeat(29)));
        assert_eq!(second.len(), 31);
        assert_eq!(names.claim(&"å".repeat(40), "Tabell").chars().count(), 31);
        assert_eq!(names.claim(&format!("{}'{}", "y".repeat(30), "y".repeat(5)), "Tabell"), "y".repeat(30));
        assert_eq!(
            names.claim("😀".repeat(20).as_str(), "Tabell"),
            "😀".repeat(15),
            "31 UTF-16 units at most"
        );
    }

    #[test]
    fn number_formats_follow_the_column() {
        assert_eq!(number_format(&Cell::Int(3), NumberFormat::Decimal(2)).as_deref(), Some("#,##0"));
        assert_eq!(number_format(&Cell::Num(3.0), NumberFormat::Integer).as_deref(), Some("#,##0"));
        assert_eq!(number_format(&Cell::Num(3.0), NumberFormat::Decimal(0)).as_deref(), Some("#,##0"));
        assert_eq!(number_format(&Cell::Num(3.0), NumberFormat::Decimal(2)).as_deref(), Some("#,##0.00"));
        assert_eq!(number_format(&Cell::Num(3.0), NumberFormat::Percent(1)).as_deref(), Some("0.0"));
        assert_eq!(number_format(&Cell::Num(3.0), NumberFormat::Text), None);
        assert_eq!(number_format(&Cell::Text("3".into()), NumberFormat::Integer), None);
    }

    #[test]
    fn links_quote_the_sheet_name() {
        assert_eq!(cut_utf16("a😀b", 2), "a");
        assert_eq!(clip("abc"), "abc");
        let link = sheet_link("it's");
        let expected = Url::new("internal:'it''s'!A1");
        assert_eq!(format!("{link:?}"), format!("{expected:?}"));
    }
}
