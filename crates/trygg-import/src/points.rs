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
use std::io::Read;
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
    let mut reader = PointReader::new(file, bytes, mapping)?;
    let mut out = Parsed::default();
    while reader.next_chunk(locator, usize::MAX, &mut out)? {}
    if out.events.is_empty() && out.rejected.is_empty() {
        return Err(reader.fail("the file has a header but no rows".into()));
    }
    Ok(out)
}

/// Reads a CSV file of points a chunk of rows at a time, so that memory
/// does not grow with the file; it hashes the bytes as it reads them.
pub struct PointReader<R: Read> {
    file: String,
    reader: csv::Reader<HashingReader<R>>,
    headers: csv::StringRecord,
    columns: Columns,
    crs: Crs,
    tz: TimeZone,
    offsets: HashMap<i64, i64>,
    seen: HashMap<u128, u32>,
    record: csv::StringRecord,
}

impl<R: Read> PointReader<R> {
    /// Reads the header and checks that the mapping's columns are there.
    pub fn new(file: &str, read: R, mapping: &Mapping) -> Result<Self, PointsError> {
        let fail = |message: String| PointsError { file: file.into(), message };
        let crs = Crs::parse(&mapping.crs).map_err(fail)?;
        let tz_name = mapping.time_zone.as_deref().unwrap_or("Europe/Stockholm");
        let tz = TimeZone::get(tz_name).map_err(|_| fail(format!("unknown time zone {tz_name:?}")))?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .buffer_capacity(1 << 16)
            .from_reader(HashingReader { inner: read, hash: Sha256::new(), bytes: 0 });
        let headers = reader.headers().map_err(|e| fail(format!("no header line: {e}")))?.clone();
        let columns = columns(&headers, mapping).map_err(fail)?;
        Ok(Self {
            file: file.into(),
            reader,
            headers,
            columns,
            crs,
            tz,
            offsets: HashMap::new(),
            seen: HashMap::new(),
            record: csv::StringRecord::new(),
        })
    }

    fn fail(&self, message: String) -> PointsError {
        PointsError { file: self.file.clone(), message }
    }

    /// Bytes of the file read so far.
    pub fn bytes_read(&self) -> u64 {
        self.reader.get_ref().bytes
    }

    /// SHA-256 (hex) of the bytes read so far: of the whole file once
    /// [`PointReader::next_chunk`] has returned `false`.
    pub fn sha256(&self) -> String {
        trygg_store::hex(&self.reader.get_ref().hash.clone().finalize())
    }

    /// Reads up to `max` rows into `out`; `false` when the file is done.
    pub fn next_chunk(
        &mut self,
        locator: &Locator,
        max: usize,
        out: &mut Parsed,
    ) -> Result<bool, PointsError> {
        for _ in 0..max {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return Ok(false),
                Ok(true) => {}
                Err(e) => {
                    return Err(self.fail(format!("line {}: {e}", e.position().map_or(0, |p| p.line()))));
                }
            }
            self.push_row(locator, out);
        }
        Ok(true)
    }

    fn push_row(&mut self, locator: &Locator, out: &mut Parsed) {
        let line = self.record.position().map_or(0, |p| p.line());
        let cx = RowContext { h: &self.headers, c: &self.columns, crs: self.crs, tz: &self.tz };
        match row(&self.record, &cx, &mut self.offsets) {
            Ok(mut event) => {
                event.source_id = match self.columns.id {
                    Some(i) => self.record[i].trim().to_owned(),
                    None => content_identity(&self.record, &mut self.seen),
                };
                match event.position {
                    None => out.without_position += 1,
                    Some(p) => match locator.locate(p) {
                        Some(code) => {
                            event.area = Some(code);
                            event.area_method = Some(AreaMethod::Point);
                        }
                        None => {
                            if let Some(reason) = self.swapped(locator) {
                                let (x, y) = (&self.headers[self.columns.x], &self.headers[self.columns.y]);
                                let column = format!("{x}/{y}");
                                out.rejected.push(Rejected { line, column, reason });
                                return;
                            }
                            out.outside_areas += 1;
                        }
                    },
                }
                out.events.push(event);
            }
            Err((column, reason)) => out.rejected.push(Rejected { line, column, reason }),
        }
    }
}

impl<R: Read> PointReader<R> {
    /// For a point outside every district: whether x and y read the other
    /// way round would lie in one (latitude and longitude swapped, or
    /// northing and easting), and if so the reason to refuse the row.
    fn swapped(&self, locator: &Locator) -> Option<String> {
        let number = |i: usize| self.record[i].trim().parse::<f64>().ok();
        let (x, y) = (number(self.columns.x)?, number(self.columns.y)?);
        let code = locator.locate(self.crs.to_wgs84(y, x)?)?;
        Some(format!(
            "x and y seem swapped: ({x}, {y}) lies outside every district, but ({y}, {x}) would lie in {code}"
        ))
    }
}

/// Passes bytes through while hashing and counting them.
struct HashingReader<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
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

type RowError = (String, String);

/// What [`row`] needs besides the record.
struct RowContext<'a> {
    h: &'a csv::StringRecord,
    c: &'a Columns,
    crs: Crs,
    tz: &'a TimeZone,
}

fn row(
    r: &csv::StringRecord,
    cx: &RowContext,
    offsets: &mut HashMap<i64, i64>,
) -> Result<NewEvent, RowError> {
    let c = cx.c;
    let err = |i: usize, reason: String| (cx.h[i].to_owned(), reason);
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
    let crs = cx.crs;
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
        TimeCols::One(i) => parse_time(r[*i].trim(), cx.tz).map_err(|e| err(*i, e))?,
        TimeCols::Parts(ix) => time_from_parts(r, ix, cx.tz, offsets).map_err(|(i, e)| err(i, e))?,
    };
    Ok(NewEvent {
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

/// Epoch ms of YEAR, MONTH, DAY[, HOUR[, MINUTE]] in `tz`. The UTC offset of
/// each civil hour is looked up once and cached in `offsets` when it holds
/// for the whole hour (time-zone lookups dominate the cost otherwise).
fn time_from_parts(
    r: &csv::StringRecord,
    ix: &[usize],
    tz: &TimeZone,
    offsets: &mut HashMap<i64, i64>,
) -> Result<i64, (usize, String)> {
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
    let local_hour = days_from_civil(v[0], v[1], v[2]) * 24 + i64::from(hour);
    let local_ms = (local_hour * 3600 + i64::from(minute) * 60) * 1000;
    if let Some(offset) = offsets.get(&local_hour) {
        return Ok(local_ms - offset);
    }
    let instant = |t: Time| {
        DateTime::from_parts(date, t)
            .to_zoned_datetime(tz.clone())
            .map(|z| z.timestamp().as_millisecond())
            .map_err(|e| (ix[0], e.to_string()))
    };
    let ms = instant(time)?;
    let (start, end) = (instant(Time::constant(hour, 0, 0, 0))?, instant(Time::constant(hour, 59, 0, 0))?);
    let start_offset = local_hour * 3_600_000 - start;
    if start_offset == local_hour * 3_600_000 + 59 * 60_000 - end {
        offsets.insert(local_hour, start_offset);
    }
    Ok(ms)
}

/// Days from 1970-01-01 to a valid proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// The content hash of a row, numbered when identical rows repeat, so that
/// re-importing the same file gives the same identities.
fn content_identity(r: &csv::StringRecord, seen: &mut HashMap<u128, u32>) -> String {
    let mut h = Sha256::new();
    for field in r {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    let digest = h.finalize();
    let key: [u8; 16] = digest[..16].try_into().unwrap_or_default();
    let hash = trygg_store::hex(&key);
    let n = seen.entry(u128::from_le_bytes(key)).or_default();
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

/// A file to import: on disk (streamed) or already in memory (an upload).
#[derive(Debug, Clone)]
pub enum Input {
    /// A path, read as it is parsed.
    Path(std::path::PathBuf),
    /// Bytes with the name to record.
    Bytes {
        /// The file's name.
        name: String,
        /// Its content.
        bytes: std::sync::Arc<[u8]>,
    },
}

impl Input {
    /// The name recorded in the provenance.
    pub fn name(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Bytes { name, .. } => name.clone(),
        }
    }

    /// Its size in bytes, if known.
    pub fn size(&self) -> Option<u64> {
        match self {
            Input::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Bytes { bytes, .. } => Some(bytes.len() as u64),
        }
    }
}

/// How to run [`import_files`].
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Who imports (recorded in the provenance).
    pub actor: String,
    /// Import the good rows even if some are refused.
    pub skip_invalid: bool,
    /// Check and count only; write nothing.
    pub dry_run: bool,
}

/// What one file gave.
#[derive(Debug, Clone, Default)]
pub struct FileOutcome {
    /// The file's name.
    pub file: String,
    /// Rows accepted.
    pub accepted: usize,
    /// Every refused row.
    pub rejected: Vec<Rejected>,
    /// Accepted rows without coordinates.
    pub without_position: usize,
    /// Accepted rows outside every district.
    pub outside_areas: usize,
    /// The provenance record, when the import was written.
    pub run: Option<trygg_store::ImportRun>,
}

/// What [`import_files`] did.
#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    /// One outcome per file, in order.
    pub files: Vec<FileOutcome>,
    /// Whether the import was committed (false for a dry run or refused rows).
    pub written: bool,
}

impl ImportSummary {
    /// Refused rows in all files.
    pub fn rejected(&self) -> usize {
        self.files.iter().map(|f| f.rejected.len()).sum()
    }
}

/// Rows per chunk handed from the parser to the writer.
const CHUNK_ROWS: usize = 4096;

enum Message {
    Start(String),
    Chunk(Parsed, u64),
    End(String),
    Failed(PointsError),
}

/// Imports `inputs` in one transaction, a provenance record per file:
/// a parser thread reads each file in chunks while the store writes the
/// previous chunk, so memory stays bounded and both cores work. If any row
/// is refused and `skip_invalid` is off, parsing goes on (to report every
/// refused row) but nothing is written. `progress` receives the bytes read
/// so far over all inputs.
pub async fn import_files(
    store: &trygg_store::Store,
    inputs: &[Input],
    mapping: &Mapping,
    locator: std::sync::Arc<Locator>,
    options: &ImportOptions,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<ImportSummary, PointsImportError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Message>(4);
    let producer = {
        let (inputs, mapping) = (inputs.to_vec(), mapping.clone());
        tokio::task::spawn_blocking(move || produce(&inputs, &mapping, &locator, &tx))
    };
    let mut import = if options.dry_run { None } else { Some(store.begin_import().await?) };
    let mut summary = ImportSummary::default();
    let mut refused = false;
    while let Some(message) = rx.recv().await {
        match message {
            Message::Start(file) => {
                if let Some(import) = import.as_mut() {
                    import.start_run(&run_meta(&file, mapping, options)).await?;
                }
                summary.files.push(FileOutcome { file, ..FileOutcome::default() });
            }
            Message::Chunk(parsed, bytes) => {
                let Some(outcome) = summary.files.last_mut() else { continue };
                outcome.accepted += parsed.events.len();
                outcome.without_position += parsed.without_position;
                outcome.outside_areas += parsed.outside_areas;
                outcome.rejected.extend(parsed.rejected);
                if !outcome.rejected.is_empty() && !options.skip_invalid {
                    refused = true;
                    import = None; // rolls back; keep parsing to report every refused row
                }
                if let Some(import) = import.as_mut() {
                    for e in parsed.events {
                        import.add(e).await?;
                    }
                }
                progress(bytes);
            }
            Message::End(sha256) => {
                if let (Some(import), Some(outcome)) = (import.as_mut(), summary.files.last_mut()) {
                    outcome.run = Some(import.finish_run(&sha256, outcome.rejected.len() as i64).await?);
                }
            }
            Message::Failed(e) => return Err(e.into()),
        }
    }
    producer.await.map_err(|e| PointsImportError::Areas(format!("the parser stopped: {e}")))?;
    if let Some(import) = import
        && !refused
    {
        import.commit().await?;
        summary.written = true;
    }
    Ok(summary)
}

fn run_meta(file: &str, mapping: &Mapping, options: &ImportOptions) -> trygg_store::ImportMeta {
    trygg_store::ImportMeta {
        kind: "points".into(),
        source: mapping.source.clone(),
        file_name: file.into(),
        sha256: String::new(),
        rejected: 0,
        actor: options.actor.clone(),
        started_at: trygg_store::now_ms(),
    }
}

/// The parser side of [`import_files`]: sends each file's chunks in order.
fn produce(inputs: &[Input], mapping: &Mapping, locator: &Locator, tx: &tokio::sync::mpsc::Sender<Message>) {
    let mut done_bytes = 0u64;
    for input in inputs {
        let name = input.name();
        let result = match input {
            Input::Path(p) => match std::fs::File::open(p) {
                Ok(f) => produce_one(&name, f, mapping, locator, tx, done_bytes),
                Err(e) => Err(PointsError { file: name.clone(), message: format!("cannot read: {e}") }),
            },
            Input::Bytes { bytes, .. } => produce_one(&name, &bytes[..], mapping, locator, tx, done_bytes),
        };
        match result {
            Ok(Some(n)) => done_bytes += n,
            Ok(None) => return, // the writer stopped
            Err(e) => {
                let _ = tx.blocking_send(Message::Failed(e));
                return;
            }
        }
    }
}

/// Sends one file; `Ok(None)` when the receiver is gone.
fn produce_one(
    name: &str,
    read: impl Read,
    mapping: &Mapping,
    locator: &Locator,
    tx: &tokio::sync::mpsc::Sender<Message>,
    done_bytes: u64,
) -> Result<Option<u64>, PointsError> {
    let mut reader = PointReader::new(name, read, mapping)?;
    if tx.blocking_send(Message::Start(name.to_owned())).is_err() {
        return Ok(None);
    }
    let mut rows = 0usize;
    loop {
        let mut chunk = Parsed::default();
        let more = reader.next_chunk(locator, CHUNK_ROWS, &mut chunk)?;
        rows += chunk.events.len() + chunk.rejected.len();
        if tx.blocking_send(Message::Chunk(chunk, done_bytes + reader.bytes_read())).is_err() {
            return Ok(None);
        }
        if !more {
            break;
        }
    }
    if rows == 0 {
        return Err(reader.fail("the file has a header but no rows".into()));
    }
    let n = reader.bytes_read();
    Ok(tx.blocking_send(Message::End(reader.sha256())).ok().map(|()| n))
}
