//! Aggregate crime statistics: reported crimes per region, period and crime
//! type, from CSV or XLSX. Two layouts are read:
//!
//! - long, one row per region, period and crime type (columns region,
//!   period, crime type, count), as in the city's own tables; and
//! - wide, Brå's export: one row per region and year, one column per crime
//!   type.
//!
//! Periods are `2016` (a year), `2016-06` (a month; `2016M06` is read too)
//! or `2016-T2` (a tertial). Counts are whole numbers ≥ 0; a blank cell in a
//! wide table is "no figure", not zero.

use crate::table::{AreaMatcher, Problem, Table, read_table, whole};
use trygg_store::{CrimeCount, ImportMeta, ImportRun, Store};

const REGION: &[&str] = &[
    "region",
    "område",
    "omrade",
    "stadsdelsområde",
    "stadsdelsomrade",
    "stadsdel",
    "kommun",
    "area",
    "län",
];
const PERIOD: &[&str] = &["period", "år", "ar", "year", "månad", "manad", "month"];
const CRIME_TYPE: &[&str] =
    &["brottskategori", "brottstyp", "brottsgrupp", "brott", "crime_type", "kategori", "category"];
const COUNT: &[&str] =
    &["antal", "antal_anmalda", "antal_anmälda", "anmälda_brott", "antal_anmälda_brott", "count", "anmalda"];

/// How to run an import of a table.
#[derive(Debug, Clone)]
pub struct TableOptions {
    /// The source (crime statistics, population) or survey name the rows are filed under.
    pub source: String,
    /// Who imports.
    pub actor: String,
    /// Check and count only.
    pub dry_run: bool,
    /// Import the good rows even if some are refused.
    pub skip_invalid: bool,
    /// The XLSX sheet (default: the first).
    pub sheet: Option<String>,
}

/// What an import of a table did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The file.
    pub file: String,
    /// Figures accepted.
    pub accepted: usize,
    /// Every refused row, with its place and reason.
    pub rejected: Vec<Problem>,
    /// Remarks that are not errors (missing values, dimensions left out).
    pub notes: Vec<String>,
    /// Figures whose region matched no stored area.
    pub unmatched_regions: Vec<String>,
    /// The provenance record, when written.
    pub run: Option<ImportRun>,
}

/// Why an import of a table failed; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum TableImportError {
    /// The file cannot be read as a whole (not a table, no header, truncated).
    #[error(transparent)]
    File(#[from] Problem),
    /// Rows were refused and `--skip-invalid` was not given.
    #[error("{} rows refused, nothing imported (first: {}); fix them or use --skip-invalid",
        .0.rejected.len(), .0.rejected[0])]
    Rejected(Box<Outcome>),
    /// The database refused.
    #[error(transparent)]
    Store(#[from] trygg_store::StoreError),
}

/// Parsed crime counts and the refused rows.
#[derive(Debug, Default)]
pub struct ParsedCounts {
    /// The figures.
    pub rows: Vec<CrimeCount>,
    /// Refused rows.
    pub rejected: Vec<Problem>,
}

/// Reads crime counts from a CSV or XLSX file.
pub fn parse(
    file: &str,
    bytes: &[u8],
    sheet: Option<&str>,
    areas: &AreaMatcher,
) -> Result<ParsedCounts, Problem> {
    let t = read_table(file, bytes, sheet)?;
    let (Some(region), Some(period)) = (t.column(REGION), t.column(PERIOD)) else {
        return Err(t.header_problem("expected a region column and a period column"));
    };
    let mut out = ParsedCounts::default();
    match (t.column(CRIME_TYPE), t.column(COUNT)) {
        (Some(kind), Some(count)) => {
            for (line, cells) in &t.rows {
                match long_row(&t, *line, cells, [region, period, kind, count], areas) {
                    Ok(r) => out.rows.push(r),
                    Err(p) => out.rejected.push(p),
                }
            }
        }
        _ => {
            let types: Vec<usize> = (0..t.header.len()).filter(|&c| c != region && c != period).collect();
            if types.is_empty() || types.iter().any(|&c| t.header[c].is_empty()) {
                return Err(t.header_problem(
                    "expected either crime type and count columns, or one named column per crime type",
                ));
            }
            for (line, cells) in &t.rows {
                match wide_row(&t, *line, cells, region, period, &types, areas) {
                    Ok(mut rows) => out.rows.append(&mut rows),
                    Err(p) => out.rejected.push(p),
                }
            }
        }
    }
    Ok(out)
}

fn cell(cells: &[String], c: usize) -> &str {
    cells.get(c).map_or("", String::as_str)
}

fn region_period(
    t: &Table,
    line: u64,
    cells: &[String],
    region: usize,
    period: usize,
) -> Result<(String, String), Problem> {
    let name = cell(cells, region);
    if name.is_empty() {
        return Err(t.problem(line, Some(region), "empty region"));
    }
    let p = parse_period(cell(cells, period)).map_err(|e| t.problem(line, Some(period), e))?;
    Ok((name.to_owned(), p))
}

fn long_row(
    t: &Table,
    line: u64,
    cells: &[String],
    c: [usize; 4],
    areas: &AreaMatcher,
) -> Result<CrimeCount, Problem> {
    let (region, period) = region_period(t, line, cells, c[0], c[1])?;
    let kind = cell(cells, c[2]);
    if kind.is_empty() {
        return Err(t.problem(line, Some(c[2]), "empty crime type"));
    }
    let count = count(cell(cells, c[3])).map_err(|e| t.problem(line, Some(c[3]), e))?;
    Ok(CrimeCount { area: areas.find(&region), region, period, crime_type: kind.to_owned(), count })
}

fn wide_row(
    t: &Table,
    line: u64,
    cells: &[String],
    region: usize,
    period: usize,
    types: &[usize],
    areas: &AreaMatcher,
) -> Result<Vec<CrimeCount>, Problem> {
    let (name, p) = region_period(t, line, cells, region, period)?;
    let area = areas.find(&name);
    let mut out = Vec::new();
    for &c in types {
        let v = cell(cells, c);
        if v.is_empty() {
            continue;
        }
        let count = count(v).map_err(|e| t.problem(line, Some(c), e))?;
        out.push(CrimeCount {
            region: name.clone(),
            area: area.clone(),
            period: p.clone(),
            crime_type: t.header[c].clone(),
            count,
        });
    }
    Ok(out)
}

fn count(s: &str) -> Result<i64, String> {
    match whole(s) {
        Some(n) if n >= 0 => Ok(n),
        _ => Err(format!("{s:?} is not a count (a whole number ≥ 0)")),
    }
}

/// `2016`, `2016-06`, `2016M06` or `2016-T2`, as stored: `2016`, `2016-06`, `2016-T2`.
pub fn parse_period(s: &str) -> Result<String, String> {
    let bad = || format!("{s:?} is not a period such as 2016, 2016-06 or 2016-T2");
    let s = s.trim();
    let year = |y: &str| y.len() == 4 && y.parse::<u16>().is_ok_and(|y| (1900..=2100).contains(&y));
    if year(s) {
        return Ok(s.to_owned());
    }
    if let Ok(p) = s.parse::<trygg_core::Period>() {
        return Ok(p.to_string());
    }
    let (y, m) = s.split_once('-').or_else(|| s.split_once('M')).ok_or_else(bad)?;
    match m.parse::<u8>() {
        Ok(month @ 1..=12) if year(y) && m.len() == 2 => Ok(format!("{y}-{month:02}")),
        _ => Err(bad()),
    }
}

/// The stored areas, for matching regions.
pub async fn matcher(store: &Store) -> Result<AreaMatcher, trygg_store::StoreError> {
    Ok(AreaMatcher::new(&store.areas(None, false).await?))
}

/// Checks and imports a file of crime counts in one transaction, with provenance.
pub async fn import(
    store: &Store,
    file: &str,
    bytes: &[u8],
    opts: &TableOptions,
) -> Result<Outcome, TableImportError> {
    let areas = matcher(store).await?;
    let parsed = parse(file, bytes, opts.sheet.as_deref(), &areas)?;
    let mut outcome = outcome(
        file,
        parsed.rows.len(),
        parsed.rejected,
        parsed.rows.iter().filter(|r| r.area.is_none()).map(|r| &r.region),
    );
    if !outcome.rejected.is_empty() && !opts.skip_invalid {
        return Err(TableImportError::Rejected(Box::new(outcome)));
    }
    if !opts.dry_run {
        let meta = meta("statistics", file, bytes, opts, outcome.rejected.len());
        outcome.run = Some(store.import_crime_counts(&meta, &parsed.rows).await?);
    }
    Ok(outcome)
}

/// An outcome before writing: counts, refusals, regions without an area.
pub(crate) fn outcome<'a>(
    file: &str,
    accepted: usize,
    rejected: Vec<Problem>,
    unmatched: impl Iterator<Item = &'a String>,
) -> Outcome {
    let mut regions: Vec<String> = unmatched.cloned().collect();
    regions.sort();
    regions.dedup();
    Outcome { file: file.into(), accepted, rejected, unmatched_regions: regions, ..Outcome::default() }
}

/// The provenance of an import of a table.
pub(crate) fn meta(kind: &str, file: &str, bytes: &[u8], opts: &TableOptions, rejected: usize) -> ImportMeta {
    ImportMeta {
        kind: kind.into(),
        source: opts.source.clone(),
        file_name: file.into(),
        sha256: crate::polisen::sha256_hex(bytes),
        rejected: rejected as i64,
        actor: opts.actor.clone(),
        started_at: trygg_store::now_ms(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        assert_eq!(parse_period("2016").unwrap(), "2016");
        assert_eq!(parse_period("2016-06").unwrap(), "2016-06");
        assert_eq!(parse_period("2016M06").unwrap(), "2016-06");
        assert_eq!(parse_period("2016-T2").unwrap(), "2016-T2");
        assert!(parse_period("2016-13").unwrap_err().contains("2016-T2"));
        assert!(parse_period("16").is_err());
    }
}
