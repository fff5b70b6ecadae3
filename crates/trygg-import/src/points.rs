//! Point events from CSV: police exports, the city's incident systems,
//! other cities' open data. A mapping names the columns and the coordinate
//! reference system; coordinates are converted to WGS84 and each point is
//! placed in the district that contains it. Rows with blank or zero
//! coordinates (privacy offsets) are kept without a position or an area,
//! and counted — never placed at (0, 0).

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use trygg_analysis::pip::PolygonIndex;
use trygg_analysis::projection::TransverseMercator;
use trygg_core::{Area, AreaLevel, Code, LatLon};
use trygg_store::{AreaMethod, NewEvent};

/// A coordinate reference system we can read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crs {
    /// EPSG:4326, latitude and longitude in degrees (x = longitude, y = latitude).
    Wgs84,
    /// A transverse Mercator grid in metres on GRS80 (SWEREF 99, ETRS89/NAD83 UTM).
    Grid(TransverseMercator),
}

impl Crs {
    /// Parses `EPSG:CODE`: 4326, 3006 (SWEREF 99 TM), 3011 (SWEREF 99 18 00),
    /// UTM north 326NN/258NN/269NN and south 327NN.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "unknown CRS {s:?}: expected EPSG:4326, EPSG:3006, EPSG:3011 or a UTM zone such as EPSG:32633"
            )
        };
        let code: u32 = s
            .trim()
            .to_ascii_uppercase()
            .strip_prefix("EPSG:")
            .ok_or_else(bad)?
            .parse()
            .map_err(|_| bad())?;
        let utm = |zone: u32, south: bool| {
            Crs::Grid(TransverseMercator {
                lon0_deg: f64::from(zone) * 6.0 - 183.0,
                k0: 0.9996,
                false_easting: 500_000.0,
                false_northing: if south { 10_000_000.0 } else { 0.0 },
            })
        };
        match code {
            4326 => Ok(Crs::Wgs84),
            3006 => Ok(Crs::Grid(TransverseMercator::SWEREF99_TM)),
            3011 => Ok(Crs::Grid(TransverseMercator::SWEREF99_1800)),
            32601..=32660 => Ok(utm(code - 32600, false)),
            32701..=32760 => Ok(utm(code - 32700, true)),
            25801..=25860 => Ok(utm(code - 25800, false)),
            26901..=26923 => Ok(utm(code - 26900, false)),
            _ => Err(bad()),
        }
    }

    /// WGS84 of (x, y) in this system, if it lands on the globe.
    pub fn to_wgs84(self, x: f64, y: f64) -> Option<LatLon> {
        let (lat, lon) = match self {
            Crs::Wgs84 => (y, x),
            Crs::Grid(tm) => tm.inverse(x, y),
        };
        LatLon::new(lat, lon).ok()
    }
}

/// Which columns hold what; from flags or a TOML mapping file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The source name events are filed under, e.g. `vancouver-vpd`.
    pub source: String,
    /// `EPSG:CODE`.
    pub crs: String,
    /// The x (easting or longitude) column.
    pub x_column: String,
    /// The y (northing or latitude) column.
    pub y_column: String,
    /// One date or date-time column…
    pub time_column: Option<String>,
    /// …or YEAR,MONTH,DAY[,HOUR[,MINUTE]] columns.
    pub time_columns: Option<Vec<String>>,
    /// The category column.
    pub category_column: String,
    /// A column with the source's own id; without it a row's identity is a hash of its content.
    pub id_column: Option<String>,
    /// The time zone of the times (default Europe/Stockholm).
    pub time_zone: Option<String>,
}

/// A row that was refused: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Line in the file (1-based, the header is line 1).
    pub line: u64,
    /// The column at fault.
    pub column: String,
    /// What was wrong.
    pub reason: String,
}

/// The parsed file.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The accepted events.
    pub events: Vec<NewEvent>,
    /// Rows refused.
    pub rejected: Vec<Rejected>,
    /// Accepted rows without coordinates (blank or zero).
    pub without_position: usize,
    /// Accepted rows with a position outside every district.
    pub outside_areas: usize,
}

/// A file that cannot be read at all (as opposed to single bad rows).
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct PointsError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// Locates points in the stored districts.
pub struct Locator {
    index: Option<PolygonIndex>,
    codes: Vec<Code>,
}

impl Locator {
    /// An index over the districts that have boundaries.
    pub fn new(areas: &[Area]) -> Result<Self, String> {
        let districts: Vec<&Area> =
            areas.iter().filter(|a| a.level == AreaLevel::District && a.boundary.is_some()).collect();
        let polygons: Vec<trygg_analysis::pip::Area> = districts
            .iter()
            .filter_map(|a| a.boundary.as_ref())
            .map(|b| {
                b.polygons()
                    .iter()
                    .map(|poly| {
                        poly.iter().map(|ring| ring.iter().map(|p| [p.lon, p.lat]).collect()).collect()
                    })
                    .collect()
            })
            .collect();
        let index = if polygons.is_empty() {
            None
        } else {
            Some(PolygonIndex::new(&polygons).map_err(|e| e.to_string())?)
        };
        Ok(Self { index, codes: districts.iter().map(|a| a.code.clone()).collect() })
    }

    fn locate(&self, p: LatLon) -> Option<Code> {
        self.index.as_ref()?.locate(p.lon, p.lat).map(|i| self.codes[i].clone())
    }
}

struct Columns {
    x: usize,
    y: usize,
    category: usize,
    id: Option<usize>,
    time: TimeCols,
}

enum TimeCols {
    One(usize),
    Parts(Vec<usize>),
}

/// Parses a CSV file with `mapping`. Bad rows are collected, not fatal;
/// a missing column or an unreadable file is.
pub fn parse(file: &str, bytes: &[u8], mapping: &Mapping, locator: &Locator) -> Result<Parsed, PointsError> {
    let fail = |message: String| PointsError { file: file.into(), message };
    let crs = Crs::parse(&mapping.crs).map_err(fail)?;
    let tz_name = mapping.time_zone.as_deref().unwrap_or("Europe/Stockholm");
    let tz = TimeZone::get(tz_name).map_err(|_| fail(format!("unknown time zone {tz_name:?}")))?;
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers = reader.headers().map_err(|e| fail(format!("no header line: {e}")))?.clone();
    let columns = columns(&headers, mapping).map_err(fail)?;
    let mut out = Parsed::default();
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(fail(format!("line {}: {e}", e.position().map_or(0, |p| p.line())))),
        }
        let line = record.position().map_or(0, |p| p.line());
        match row(&record, &headers, &columns, crs, &tz) {
            Ok(mut row) => {
                let identity = match columns.id {
                    Some(i) => record[i].trim().to_owned(),
                    None => content_identity(&record, &mut seen),
                };
                row.event.source_id = identity;
                match row.event.position {
                    None => out.without_position += 1,
                    Some(p) => match locator.locate(p) {
                        Some(code) => {
                            row.event.area = Some(code);
                            row.event.area_method = Some(AreaMethod::Point);
                        }
                        None => out.outside_areas += 1,
                    },
                }
                out.events.push(row.event);
            }
            Err((column, reason)) => out.rejected.push(Rejected { line, column, reason }),
        }
    }
    if out.events.is_empty() && out.rejected.is_empty() {
        return Err(fail("the file has a header but no rows".into()));
    }
    Ok(out)
}

fn columns(headers: &csv::StringRecord, m: &Mapping) -> Result<Columns, String> {
    let find = |name: &str| {
        headers.iter().position(|h| h.trim() == name).ok_or_else(|| {
            let all: Vec<&str> = headers.iter().collect();
            format!("no column {name:?} in the header (columns: {})", all.join(", "))
        })
    };
    let time = match (&m.time_column, &m.time_columns) {
        (Some(t), None) => TimeCols::One(find(t)?),
        (None, Some(parts)) if (3..=5).contains(&parts.len()) => {
            TimeCols::Parts(parts.iter().map(|p| find(p)).collect::<Result<_, _>>()?)
        }
        _ => {
            return Err("give either a time column or 3–5 time columns YEAR,MONTH,DAY[,HOUR[,MINUTE]]".into());
        }
    };
    Ok(Columns {
        x: find(&m.x_column)?,
        y: find(&m.y_column)?,
        category: find(&m.category_column)?,
        id: m.id_column.as_deref().map(find).transpose()?,
        time,
    })
}

struct Row {
    event: NewEvent,
}

type RowError = (String, String);

fn row(
    r: &csv::StringRecord,
    h: &csv::StringRecord,
    c: &Columns,
    crs: Crs,
    tz: &TimeZone,
) -> Result<Row, RowError> {
    let err = |i: usize, reason: String| (h[i].to_owned(), reason);
    let number = |i: usize| -> Result<Option<f64>, RowError> {
        let v = r[i].trim();
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| err(i, format!("{v:?} is not a number")))
    };
    let position = match (number(c.x)?, number(c.y)?) {
        (Some(x), Some(y)) if x != 0.0 || y != 0.0 => Some(
            crs.to_wgs84(x, y).ok_or_else(|| err(c.x, format!("({x}, {y}) is not a position in {crs:?}")))?,
        ),
        _ => None,
    };
    let category = r[c.category].trim();
    if category.is_empty() {
        return Err(err(c.category, "empty category".into()));
    }
    let occurred_at = match &c.time {
        TimeCols::One(i) => parse_time(r[*i].trim(), tz).map_err(|e| err(*i, e))?,
        TimeCols::Parts(ix) => time_from_parts(r, ix, tz).map_err(|(i, e)| err(i, e))?,
    };
    Ok(Row {
        event: NewEvent {
            source_id: String::new(),
            category: category.to_owned(),
            occurred_at,
            published_at: None,
            title: None,
            summary: None,
            url: None,
            location_name: None,
            municipality: None,
            position,
            area: None,
            area_method: None,
        },
    })
}

/// A date (`2024-01-31`), a date-time (`2024-01-31 10:15[:00]` or with `T`),
/// or an instant with an offset (RFC 3339), as epoch ms.
fn parse_time(s: &str, tz: &TimeZone) -> Result<i64, String> {
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    let civil = s
        .parse::<DateTime>()
        .or_else(|_| s.parse::<Date>().map(|d| d.to_datetime(Time::midnight())))
        .map_err(|_| format!("{s:?} is not a date or date-time such as 2024-01-31 or 2024-01-31T10:15"))?;
    civil.to_zoned_datetime(tz.clone()).map(|z| z.timestamp().as_millisecond()).map_err(|e| e.to_string())
}

fn time_from_parts(r: &csv::StringRecord, ix: &[usize], tz: &TimeZone) -> Result<i64, (usize, String)> {
    let mut v = [0i64; 5];
    for (k, &i) in ix.iter().enumerate() {
        v[k] = r[i].trim().parse().map_err(|_| (i, format!("{:?} is not a whole number", r[i].trim())))?;
    }
    let small = |x: i64, i: usize| i8::try_from(x).map_err(|_| (ix[i], format!("{x} is out of range")));
    let year = i16::try_from(v[0]).map_err(|_| (ix[0], format!("{} is not a year", v[0])))?;
    let date = Date::new(year, small(v[1], 1)?, small(v[2], 2)?).map_err(|e| (ix[2], e.to_string()))?;
    let hour = if ix.len() > 3 { small(v[3], 3)? } else { 0 };
    let minute = if ix.len() > 4 { small(v[4], 4)? } else { 0 };
    let time = Time::new(hour, minute, 0, 0).map_err(|e| (ix[3.min(ix.len() - 1)], e.to_string()))?;
    DateTime::from_parts(date, time)
        .to_zoned_datetime(tz.clone())
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|e| (ix[0], e.to_string()))
}

/// The content hash of a row, numbered when identical rows repeat, so that
/// re-importing the same file gives the same identities.
fn content_identity(r: &csv::StringRecord, seen: &mut HashMap<String, u32>) -> String {
    let mut h = Sha256::new();
    for field in r {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    let hash: String = h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
    let n = seen.entry(hash.clone()).or_default();
    *n += 1;
    if *n == 1 { hash } else { format!("{hash}-{n}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crs_codes_and_utm_zones() {
        assert_eq!(Crs::parse("EPSG:3006").unwrap(), Crs::Grid(TransverseMercator::SWEREF99_TM));
        assert_eq!(Crs::parse("epsg:4326").unwrap(), Crs::Wgs84);
        let Crs::Grid(utm) = Crs::parse("EPSG:26910").unwrap() else { panic!() };
        assert_eq!(utm.lon0_deg, -123.0);
        assert!(Crs::parse("EPSG:2400").unwrap_err().contains("EPSG:3006"));
        // Vancouver City Hall, about 49.2606 N, -123.1140 E, in UTM 10N.
        let p = Crs::parse("EPSG:26910").unwrap().to_wgs84(491_700.0, 5_455_700.0).unwrap();
        assert!((p.lat - 49.26).abs() < 0.01 && (p.lon + 123.11).abs() < 0.01, "{p:?}");
    }

    #[test]
    fn times_in_several_forms() {
        let tz = TimeZone::get("Europe/Stockholm").unwrap();
        let ms = |s| jiff::Timestamp::from_millisecond(parse_time(s, &tz).unwrap()).unwrap().to_string();
        assert_eq!(ms("2024-01-31"), "2024-01-30T23:00:00Z");
        assert_eq!(ms("2024-07-01 10:15"), "2024-07-01T08:15:00Z");
        assert_eq!(ms("2024-07-01T10:15:00"), "2024-07-01T08:15:00Z");
        assert_eq!(ms("2024-07-01T10:15:00Z"), "2024-07-01T10:15:00Z");
        assert!(parse_time("31/01/2024", &tz).unwrap_err().contains("2024-01-31"));
    }

    #[test]
    fn repeated_rows_keep_distinct_stable_identities() {
        let r = csv::StringRecord::from(vec!["a", "b"]);
        let mut seen = HashMap::new();
        let (a, b) = (content_identity(&r, &mut seen), content_identity(&r, &mut seen));
        assert_ne!(a, b);
        assert_eq!(b, format!("{a}-2"));
        let mut again = HashMap::new();
        assert_eq!(content_identity(&r, &mut again), a);
    }
}

/// What went wrong with an import of points.
#[derive(Debug, thiserror::Error)]
pub enum PointsImportError {
    /// The file could not be read at all.
    #[error(transparent)]
    File(#[from] PointsError),
    /// Rows were refused and `--skip-invalid` was not given: nothing was written.
    #[error("{file}: {} rows refused, nothing imported (first: line {}, column {}: {}); fix them or use --skip-invalid",
        .rejected.len(), .rejected[0].line, .rejected[0].column, .rejected[0].reason)]
    Rejected {
        /// The file.
        file: String,
        /// Every refused row.
        rejected: Vec<Rejected>,
    },
    /// The areas could not be indexed.
    #[error("cannot index the districts: {0}")]
    Areas(String),
    /// The database refused (nothing was written).
    #[error(transparent)]
    Store(#[from] trygg_store::StoreError),
}

/// The district locator over the stored areas.
pub async fn locator(store: &trygg_store::Store) -> Result<Locator, PointsImportError> {
    Locator::new(&store.areas(Some(AreaLevel::District), true).await?).map_err(PointsImportError::Areas)
}

/// Parses and checks a file; refuses it if any row is bad unless `skip_invalid`.
pub fn check(
    file: &str,
    bytes: &[u8],
    mapping: &Mapping,
    locator: &Locator,
    skip_invalid: bool,
) -> Result<Parsed, PointsImportError> {
    let parsed = parse(file, bytes, mapping, locator)?;
    if !parsed.rejected.is_empty() && !skip_invalid {
        return Err(PointsImportError::Rejected { file: file.into(), rejected: parsed.rejected });
    }
    Ok(parsed)
}

/// Imports checked rows in one transaction, with provenance.
pub async fn load(
    store: &trygg_store::Store,
    file: &str,
    bytes: &[u8],
    mapping: &Mapping,
    parsed: &Parsed,
    actor: &str,
) -> Result<trygg_store::ImportRun, PointsImportError> {
    let meta = trygg_store::ImportMeta {
        kind: "points".into(),
        source: mapping.source.clone(),
        file_name: file.into(),
        sha256: crate::polisen::sha256_hex(bytes),
        rejected: parsed.rejected.len() as i64,
        actor: actor.into(),
        started_at: trygg_store::now_ms(),
    };
    Ok(store.import_events(&meta, &parsed.events).await?)
}
