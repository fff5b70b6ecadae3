//! A small reader for the seed's CSV files: blank lines and lines starting
//! with `#` are skipped, the first other line is the header, and a field may
//! be quoted (`""` inside quotes is a quote). Fields do not span lines.

use super::SeedError;
use std::fmt::Display;

/// A parsed CSV file: the header and the records, with their line numbers.
pub(super) struct Table {
    file: &'static str,
    header: Vec<String>,
    records: Vec<Record>,
}

/// One record and the line it was on (from 1).
pub(super) struct Record {
    line: usize,
    fields: Vec<String>,
}

impl Record {
    /// The line the record was on (from 1).
    pub(super) fn line(&self) -> usize {
        self.line
    }
}

impl Table {
    /// Parses `text`; `file` names it in errors.
    pub(super) fn parse(file: &'static str, text: &str) -> Result<Self, SeedError> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
        let (n, first) = lines
            .next()
            .ok_or_else(|| SeedError::data(file, "no header line"))?;
        let header = split(file, n, first)?;
        let records = lines
            .map(|(n, l)| {
                let fields = split(file, n, l)?;
                if fields.len() != header.len() {
                    let msg = format!(
                        "line {n}: {} fields, expected {} as in the header",
                        fields.len(),
                        header.len()
                    );
                    return Err(SeedError::data(file, msg));
                }
                Ok(Record { line: n, fields })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            file,
            header,
            records,
        })
    }

    /// The records in file order.
    pub(super) fn records(&self) -> &[Record] {
        &self.records
    }

    /// The trimmed value of `column` in `record`.
    pub(super) fn get<'a>(&self, record: &'a Record, column: &str) -> Result<&'a str, SeedError> {
        let i = self
            .header
            .iter()
            .position(|h| h.trim() == column)
            .ok_or_else(|| {
                SeedError::data(self.file, format!("no column {column:?} in the header"))
            })?;
        Ok(record.fields[i].trim())
    }

    /// The value of `column` as a number.
    pub(super) fn number(&self, record: &Record, column: &str) -> Result<f64, SeedError> {
        let text = self.get(record, column)?;
        text.parse()
            .map_err(|_| self.error(record, column, format!("{text:?} is not a number")))
    }

    /// An error that names the file, line and column.
    pub(super) fn error(&self, record: &Record, column: &str, message: impl Display) -> SeedError {
        let msg = format!("line {}, column {column}: {message}", record.line);
        SeedError::data(self.file, msg)
    }
}

fn split(file: &'static str, n: usize, line: &str) -> Result<Vec<String>, SeedError> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return Err(SeedError::data(
            file,
            format!("line {n}: unterminated quoted field"),
        ));
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_quotes_and_columns() {
        let text = "# note\nid,note\n\na,\"x, \"\"y\"\"\"\n";
        let t = Table::parse("t.csv", text).unwrap();
        let r = &t.records()[0];
        assert_eq!(t.get(r, "id").unwrap(), "a");
        assert_eq!(t.get(r, "note").unwrap(), "x, \"y\"");
        assert!(t.get(r, "nope").is_err());
        let e = Table::parse("t.csv", "a,b\n1\n").err().unwrap();
        assert_eq!(
            e.to_string(),
            "t.csv: line 2: 1 fields, expected 2 as in the header"
        );
    }
}
