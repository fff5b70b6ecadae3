//! Tables from CSV or XLSX for the aggregate importers (crime statistics,
//! surveys, population): every cell as text, with its place (file, sheet,
//! line or row, column) so that every error can name it; the columns found
//! by their names (Swedish or English, case-insensitive); and the matching
//! of a region's name to a stored area.
//!
//! The header must be the first row (after `#` comment lines in CSV). A
//! file whose first row is not a header, such as an XLSX export with a title
//! row above it, is refused with an error naming the row and, if a later row
//! looks like the header, that row — rather than guessed at: a guessed
//! header would silently misread a file whose title happens to match a
//! column name.

use std::collections::HashMap;
use std::fmt;
use std::io::Cursor;
use trygg_core::{Area, AreaLevel, Code};

/// Where a value is: file, sheet (XLSX), line or row, column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The file's name.
    pub file: String,
    /// The sheet, for XLSX.
    pub sheet: Option<String>,
    /// The line (CSV) or row (XLSX), 1-based as an editor or Excel shows it.
    pub row: u64,
    /// The column's header (and, in XLSX, its letter).
    pub column: String,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sheet {
            Some(sheet) => write!(f, "{}, sheet {sheet:?}, row {}", self.file, self.row)?,
            None => write!(f, "{}, line {}", self.file, self.row)?,
        }
        if !self.column.is_empty() {
            write!(f, ", column {}", self.column)?;
        }
        Ok(())
    }
}

/// A refused row or an unreadable file: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {reason}")]
pub struct Problem {
    /// Where.
    pub place: Place,
    /// What is wrong and what was expected.
    pub reason: String,
}

/// A table read from a file.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file's name.
    pub file: String,
    /// The sheet, for XLSX.
    pub sheet: Option<String>,
    /// The header row's cells, trimmed.
    pub header: Vec<String>,
    /// The header's line or row number.
    pub header_row: u64,
    /// Data rows: (line or row number, cells).
    pub rows: Vec<(u64, Vec<String>)>,
    /// XLSX column letters, by column index.
    letters: Vec<String>,
}

impl Table {
    /// The place of column `col` in row `row`.
    pub fn place(&self, row: u64, col: Option<usize>) -> Place {
        let column = match (col, &self.sheet) {
            (None, _) => String::new(),
            (Some(c), Some(_)) => format!("{} ({})", self.letters[c], self.header[c]),
            (Some(c), None) => self.header[c].clone(),
        };
        Place { file: self.file.clone(), sheet: self.sheet.clone(), row, column }
    }

    /// A problem at a cell.
    pub fn problem(&self, row: u64, col: Option<usize>, reason: impl Into<String>) -> Problem {
        Problem { place: self.place(row, col), reason: reason.into() }
    }

    /// The index of the first column whose normalised name is in `names`.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.header.iter().position(|h| names.contains(&normalise(h).as_str()))
    }

    /// Like [`Table::column`], but a missing column is a problem at the header.
    pub fn require(&self, what: &str, names: &[&str]) -> Result<usize, Problem> {
        self.column(names)
            .ok_or_else(|| self.header_problem(&format!("no {what} column ({})", names.join(", "))))
    }

    /// A problem with the header row, saying which later row looks like a
    /// header if one does (an extra title row above the header).
    pub fn header_problem(&self, what: &str) -> Problem {
        let found = self.header.iter().filter(|h| !h.is_empty()).cloned().collect::<Vec<_>>().join(", ");
        let mut reason = format!("{what}: the first row must be the header; found \"{found}\"");
        if let Some((row, _)) = self.rows.iter().take(10).find(|(_, cells)| self.looks_like_header(cells)) {
            reason.push_str(&format!(
                "; row {row} looks like the header — remove the rows above it (an extra title row?)"
            ));
        }
        Problem { place: self.place(self.header_row, None), reason }
    }

    fn looks_like_header(&self, cells: &[String]) -> bool {
        let known = KNOWN_HEADERS;
        cells.iter().filter(|c| known.contains(&normalise(c).as_str())).count() >= 2
    }
}

/// Column names any importer here recognises, to spot a header row.
const KNOWN_HEADERS: &[&str] = &[
    "region",
    "område",
    "omrade",
    "area",
    "stadsdel",
    "stadsdelsområde",
    "stadsdelsomrade",
    "kommun",
    "period",
    "år",
    "ar",
    "year",
    "wave",
    "brottskategori",
    "brottstyp",
    "crime_type",
    "antal",
    "count",
    "indicator",
    "indikator",
    "survey",
    "sex",
    "kön",
    "age",
    "ålder",
    "population",
    "folkmängd",
];

/// Lower case, trimmed, inner spaces as `_`: `Antal anmälda` → `antal_anmälda`.
pub fn normalise(s: &str) -> String {
    s.trim().to_lowercase().split_whitespace().collect::<Vec<_>>().join("_")
}

/// Reads CSV (`,` or `;`, `#` comment lines) or XLSX (the first sheet, or
/// the one named), chosen by the file's content.
pub fn read_table(file: &str, bytes: &[u8], sheet: Option<&str>) -> Result<Table, Problem> {
    if bytes.starts_with(b"PK\x03\x04") { read_xlsx(file, bytes, sheet) } else { read_csv(file, bytes) }
}

fn file_problem(file: &str, reason: String) -> Problem {
    Problem { place: Place { file: file.into(), sheet: None, row: 0, column: String::new() }, reason }
}

fn read_csv(file: &str, bytes: &[u8]) -> Result<Table, Problem> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        file_problem(file, format!("line {line}: not UTF-8 text (save the file as UTF-8)"))
    })?;
    let first = text.lines().find(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() { b';' } else { b',' };
    // Comment lines are skipped here rather than by the csv crate, which
    // reports a record after comments at the line where the comments began.
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            file_problem(file, format!("line {line}: {e}"))
        })?;
        let line = record.position().map_or(0, |p| start_line(text.as_bytes(), p));
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        if cells.first().is_some_and(|c| c.starts_with('#')) {
            continue;
        }
        if cells.iter().any(|c| !c.is_empty()) {
            rows.push((line, cells));
        }
    }
    table(file, None, rows)
}

/// The line a record starts on: the csv crate reports the position before
/// the blank lines it skipped, so step over them.
fn start_line(bytes: &[u8], p: &csv::Position) -> u64 {
    let mut line = p.line();
    for &b in bytes.iter().skip(p.byte() as usize).take_while(|&&b| b == b'\n' || b == b'\r') {
        line += u64::from(b == b'\n');
    }
    line
}

fn read_xlsx(file: &str, bytes: &[u8], sheet: Option<&str>) -> Result<Table, Problem> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| file_problem(file, format!("not a readable XLSX workbook: {e}")))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| file_problem(file, format!("no sheet {s:?} (sheets: {})", names.join(", "))))?,
        None => {
            names.first().cloned().ok_or_else(|| file_problem(file, "the workbook has no sheets".into()))?
        }
    };
    let range =
        book.worksheet_range(&name).map_err(|e| file_problem(file, format!("sheet {name:?}: {e}")))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut rows = Vec::new();
    for (i, r) in range.rows().enumerate() {
        let cells: Vec<String> = r.iter().map(cell_text).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            rows.push((u64::from(row0) + i as u64 + 1, cells));
        }
    }
    let mut t = table(file, Some(name), rows)?;
    t.letters = (0..t.header.len()).map(|c| column_letter(col0 as usize + c)).collect();
    Ok(t)
}

fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// `A`, `B`, …, `Z`, `AA`, …
fn column_letter(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn table(file: &str, sheet: Option<String>, mut rows: Vec<(u64, Vec<String>)>) -> Result<Table, Problem> {
    if rows.is_empty() {
        return Err(file_problem(file, "the file has no rows".into()));
    }
    let (header_row, header) = rows.remove(0);
    let letters = (0..header.len()).map(column_letter).collect();
    Ok(Table { file: file.into(), sheet, header, header_row, rows, letters })
}

/// Matches region names and codes in files to stored areas.
#[derive(Debug, Clone, Default)]
pub struct AreaMatcher {
    by_key: HashMap<String, Code>,
}

impl AreaMatcher {
    /// Indexes the areas by code and by name (case-insensitive); a city is
    /// also found as "Stockholms stad" / "Stockholm stad".
    pub fn new(areas: &[Area]) -> Self {
        let mut by_key = HashMap::new();
        for a in areas {
            by_key.insert(a.code.as_str().to_lowercase(), a.code.clone());
            let name = a.name.to_string().to_lowercase();
            if a.level == AreaLevel::City {
                by_key.insert(format!("{name}s stad"), a.code.clone());
                by_key.insert(format!("{name} stad"), a.code.clone());
                by_key.insert(format!("{name}s kommun"), a.code.clone());
            }
            by_key.insert(name, a.code.clone());
        }
        Self { by_key }
    }

    /// The area a region's name or code refers to, if any.
    pub fn find(&self, region: &str) -> Option<Code> {
        self.by_key.get(&region.trim().to_lowercase()).cloned()
    }
}

/// Parses a whole number, allowing spaces as thousands separators (`1 234`).
pub fn whole(s: &str) -> Option<i64> {
    let t: String = s.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}').collect();
    t.parse::<i64>().ok().or_else(|| t.parse::<f64>().ok().filter(|f| f.fract() == 0.0).map(|f| f as i64))
}

/// Parses a decimal number with `.` or `,` as the decimal separator.
pub fn decimal(s: &str) -> Option<f64> {
    let t: String = s.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}').collect();
    t.replace(',', ".").parse::<f64>().ok().filter(|f| f.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_lines_count_comments_and_the_delimiter_is_detected() {
        let t = read_table("a.csv", b"# note\n# more\na;b\n1;2\n\n3;4\n", None).unwrap();
        assert_eq!(t.header, ["a", "b"]);
        assert_eq!(t.header_row, 3);
        assert_eq!(
            t.rows,
            vec![(4, vec!["1".to_owned(), "2".to_owned()]), (6, vec!["3".into(), "4".into()])]
        );
        assert_eq!(t.place(6, Some(1)).to_string(), "a.csv, line 6, column b");
    }

    #[test]
    fn numbers_and_letters() {
        assert_eq!(whole("1 234"), Some(1234));
        assert_eq!(whole("269.0"), Some(269));
        assert_eq!(whole("2.5"), None);
        assert_eq!(decimal("10,5"), Some(10.5));
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(normalise(" Antal  anmälda "), "antal_anmälda");
    }
}
