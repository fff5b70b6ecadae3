//! The seed's CSV files, read with the [`csv`] crate: lines starting with `#`
//! are comments, the first other line is the header, and fields are trimmed.
//! Errors name the file, the line and the column.

use super::{Embedded, SeedError};
use csv::{ErrorKind, Position, ReaderBuilder, StringRecord, Trim};
use std::fmt::Display;

/// A parsed CSV file: its header and its records.
pub(super) struct Table {
    file: Embedded,
    header: StringRecord,
    records: Vec<StringRecord>,
}

impl Table {
    /// Parses `file`; every record must have as many fields as the header.
    pub(super) fn parse(file: Embedded) -> Result<Self, SeedError> {
        let mut reader =
            ReaderBuilder::new().comment(Some(b'#')).trim(Trim::All).from_reader(file.text.as_bytes());
        let header = reader.headers().map_err(|e| read_error(file, &e))?.clone();
        if header.is_empty() {
            return Err(SeedError::data(file.name, "no header line"));
        }
        let records = reader.records().collect::<Result<_, _>>().map_err(|e| read_error(file, &e))?;
        Ok(Self { file, header, records })
    }

    /// The records in file order.
    pub(super) fn records(&self) -> &[StringRecord] {
        &self.records
    }

    /// The line `record` is on (from 1).
    pub(super) fn line(&self, record: &StringRecord) -> u64 {
        record.position().map_or(0, |pos| line_of(self.file.text, pos))
    }

    /// The (trimmed) value of `column` in `record`.
    pub(super) fn get<'a>(&self, record: &'a StringRecord, column: &str) -> Result<&'a str, SeedError> {
        let missing = || {
            let msg = format!("no column {column:?} in the header");
            SeedError::data(self.file.name, msg)
        };
        let i = self.header.iter().position(|h| h == column).ok_or_else(missing)?;
        record.get(i).ok_or_else(missing)
    }

    /// The value of `column` as a number.
    pub(super) fn number(&self, record: &StringRecord, column: &str) -> Result<f64, SeedError> {
        let text = self.get(record, column)?;
        text.parse().map_err(|_| self.error(record, column, format!("{text:?}, expected a number")))
    }

    /// An error that names the file, line and column.
    pub(super) fn error(&self, record: &StringRecord, column: &str, message: impl Display) -> SeedError {
        let msg = format!("line {}, column {column}: {message}", self.line(record));
        SeedError::data(self.file.name, msg)
    }
}

/// The line a record starts on. The `csv` crate's position is where reading
/// the record began, which is before any blank or comment lines it skipped.
fn line_of(text: &str, pos: &Position) -> u64 {
    let rest = usize::try_from(pos.byte()).ok().and_then(|b| text.get(b..)).unwrap_or_default();
    let skipped = rest.lines().take_while(|l| l.is_empty() || l.starts_with('#')).count();
    pos.line() + skipped as u64
}

/// A record that could not be read, e.g. one with too many fields.
fn read_error(file: Embedded, e: &csv::Error) -> SeedError {
    let msg = match e.kind() {
        ErrorKind::UnequalLengths { pos: Some(pos), expected_len, len } => format!(
            "line {}: {len} fields, expected {expected_len} as in the header",
            line_of(file.text, pos)
        ),
        _ => e.to_string(),
    };
    SeedError::data(file.name, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &'static str) -> Result<Table, SeedError> {
        Table::parse(Embedded { name: "t.csv", text })
    }

    #[test]
    fn comments_quotes_and_columns() {
        let t = table("# note\nid,note\n\na,\" x, \"\"y\"\" \"\n# more\nb , c\n").unwrap();
        let [a, b] = t.records() else { panic!("two records") };
        assert_eq!(t.get(a, "id").unwrap(), "a");
        assert_eq!(t.get(a, "note").unwrap(), "x, \"y\"");
        assert_eq!(t.get(b, "id").unwrap(), "b");
        assert_eq!((t.line(a), t.line(b)), (4, 6));
        assert_eq!(t.get(a, "nope").unwrap_err().to_string(), "t.csv: no column \"nope\" in the header");
        assert_eq!(t.error(b, "note", "bad").to_string(), "t.csv: line 6, column note: bad");
    }

    #[test]
    fn numbers_and_crlf() {
        let t = table("id,x\r\na,1.5\r\n\r\nb,x\r\n").unwrap();
        let [a, b] = t.records() else { panic!("two records") };
        assert_eq!(t.number(a, "x").unwrap(), 1.5);
        assert_eq!(
            t.number(b, "x").unwrap_err().to_string(),
            "t.csv: line 4, column x: \"x\", expected a number"
        );
    }

    #[test]
    fn lines_count_the_comments_before_the_header() {
        let t = Table::parse(super::super::EXPOSED).unwrap();
        let first = &t.records()[0];
        assert_eq!(t.line(first), 6);
        assert_eq!(t.get(first, "edition").unwrap(), "2019");
    }

    #[test]
    fn malformed_files() {
        let e = table("a,b\n\n# c\n1\n").err().unwrap();
        assert_eq!(e.to_string(), "t.csv: line 4: 1 fields, expected 2 as in the header");
        let e = table("# only a comment\n").err().unwrap();
        assert_eq!(e.to_string(), "t.csv: no header line");
    }
}
