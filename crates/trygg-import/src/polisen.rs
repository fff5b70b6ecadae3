//! The police's open events API (`polisen.se/api/events`): a JSON array of
//! `{id, datetime, name, summary, url, type, location{name, gps}}`, plain or
//! gzip-compressed.
//!
//! The quirks, each handled here and tested: `datetime` is not ISO 8601 and
//! its hour is not zero-padded (`2025-06-07 7:32:06 +02:00`) and it is the
//! *publication* time — the event's own time is in `name` (`06 juni 18.50`);
//! `url` is relative; `gps` is the centroid of the municipality or county,
//! never the event's position, so it is not stored as one; `location.name`
//! may be a county while the municipality is the last part of `name`; ids are
//! not ordered; new `type` values appear and are kept. Events in the city are
//! placed in a district or place when the text names one (see [`Gazetteer`]);
//! otherwise they stay at municipality level and never become map points.

use crate::gazetteer::Gazetteer;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use serde::Deserialize;
use std::io::Read;
use trygg_store::NewEvent;

/// Where police links point.
const POLICE_SITE: &str = "https://polisen.se";

/// A police file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct PolisenError {
    /// The file, as given.
    pub file: String,
    /// What is wrong and where (line/column, or event id and field).
    pub message: String,
}

#[derive(Deserialize)]
struct RawEvent {
    id: i64,
    datetime: String,
    name: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    url: String,
    #[serde(rename = "type")]
    kind: String,
    location: RawLocation,
}

#[derive(Deserialize)]
struct RawLocation {
    name: String,
    #[serde(default)]
    gps: String,
}

/// Reads the file's bytes, gunzipping when they are gzip-compressed.
pub fn decompress(file: &str, bytes: &[u8]) -> Result<Vec<u8>, PolisenError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes.to_vec());
    }
    let mut out = Vec::with_capacity(bytes.len() * 8);
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| PolisenError { file: file.into(), message: format!("not a readable gzip file: {e}") })?;
    Ok(out)
}

/// Parses a police events file (plain or gzip) into events, placing those
/// in `gazetteer`'s municipality by their text.
pub fn parse(file: &str, bytes: &[u8], gazetteer: &Gazetteer) -> Result<Vec<NewEvent>, PolisenError> {
    let text = decompress(file, bytes)?;
    let raw: Vec<RawEvent> = serde_json::from_slice(&text).map_err(|e| PolisenError {
        file: file.into(),
        message: format!("line {}, column {}: {}", e.line(), e.column(), json_problem(&e)),
    })?;
    raw.into_iter()
        .map(|r| {
            let id = r.id;
            to_event(r, gazetteer).map_err(|message| PolisenError {
                file: file.into(),
                message: format!("event {id}: {message}"),
            })
        })
        .collect()
}

fn json_problem(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Eof => {
            format!("the file ends in the middle of the data (truncated?): {e}")
        }
        _ => format!("expected an array of police events: {e}"),
    }
}

fn to_event(r: RawEvent, gazetteer: &Gazetteer) -> Result<NewEvent, String> {
    let published = parse_datetime(&r.datetime)?;
    let occurred = occurred_at(&r.name, published).unwrap_or(published);
    let (location_name, municipality) = municipality(&r.location.name, &r.name);
    check_gps(&r.location.gps)?;
    let day = published.to_zoned_datetime(stockholm()).date();
    let placed = municipality.as_deref().and_then(|m| gazetteer.place(m, &[&r.name, &r.summary], day));
    let (area, area_method) = match placed {
        Some((code, method)) => (Some(code), Some(method)),
        None => (None, None),
    };
    Ok(NewEvent {
        source_id: r.id.to_string(),
        category: clean(&r.kind).ok_or("field type: expected the event's type, found nothing")?,
        occurred_at: occurred.as_millisecond(),
        published_at: Some(published.as_millisecond()),
        title: clean(&r.name),
        summary: clean(&r.summary),
        url: clean(&r.url).map(|u| if u.starts_with('/') { format!("{POLICE_SITE}{u}") } else { u }),
        location_name: Some(location_name),
        municipality,
        position: None,
        area,
        area_method,
    })
}

/// Trims and replaces non-breaking spaces; `None` when empty.
fn clean(s: &str) -> Option<String> {
    let t = s.replace('\u{a0}', " ").trim().to_owned();
    (!t.is_empty()).then_some(t)
}

fn stockholm() -> TimeZone {
    TimeZone::get("Europe/Stockholm").unwrap_or(TimeZone::UTC)
}

/// `2025-06-07 7:32:06 +02:00` (hour not zero-padded) → an instant.
pub fn parse_datetime(s: &str) -> Result<jiff::Timestamp, String> {
    let bad = || format!("field datetime: expected a time like 2025-06-07 7:32:06 +02:00, found {s:?}");
    let mut parts = s.split_whitespace();
    let (Some(d), Some(t), Some(off), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let date: Date = d.parse().map_err(|_| bad())?;
    let nums: Vec<i8> = t.split(':').map(|n| n.parse::<i8>()).collect::<Result<_, _>>().map_err(|_| bad())?;
    let [h, m, sec] = nums[..] else { return Err(bad()) };
    let time = Time::new(h, m, sec, 0).map_err(|_| bad())?;
    let sign = match off.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(bad()),
    };
    let (oh, om) = off[1..].split_once(':').ok_or_else(bad)?;
    let secs =
        sign * (oh.parse::<i32>().map_err(|_| bad())? * 3600 + om.parse::<i32>().map_err(|_| bad())? * 60);
    let offset = jiff::tz::Offset::from_seconds(secs).map_err(|_| bad())?;
    offset.to_timestamp(DateTime::from_parts(date, time)).map_err(|_| bad())
}

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

/// The event's own time from `name` (`06 juni 18.50, …` or `20 mars 10:14, …`),
/// in Swedish local time; the year is the publication's, or the one before
/// when that would put the event after its publication.
fn occurred_at(name: &str, published: jiff::Timestamp) -> Option<jiff::Timestamp> {
    let head = name.split(',').next()?;
    let mut words = head.split_whitespace();
    let day: i8 = words.next()?.parse().ok()?;
    let month_name = words.next()?.to_lowercase();
    let month = MONTHS.iter().position(|m| *m == month_name)? as i8 + 1;
    let (h, m) = words.next()?.split_once(['.', ':'])?;
    let time = Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()?;
    let year = published.to_zoned_datetime(stockholm()).year();
    let at = |y: i16| {
        let date = Date::new(y, month, day).ok()?;
        DateTime::from_parts(date, time).to_zoned_datetime(stockholm()).ok().map(|z| z.timestamp())
    };
    let this_year = at(year)?;
    if this_year > published + jiff::SignedDuration::from_hours(24) { at(year - 1) } else { Some(this_year) }
}

/// (location name as given, municipality): a county's events name the
/// municipality last in `name` (`15 januari 11.11, Mord/dråp, Stockholm`).
fn municipality(location: &str, name: &str) -> (String, Option<String>) {
    let location = location.trim().to_owned();
    if !location.ends_with(" län") {
        return (location.clone(), Some(location));
    }
    let last = name.rsplit(',').next().map(str::trim).filter(|l| !l.is_empty() && !l.ends_with(" län"));
    (location, last.map(str::to_owned))
}

/// Checks the centroid's format; its value is deliberately not used.
fn check_gps(gps: &str) -> Result<(), String> {
    if gps.is_empty() {
        return Ok(());
    }
    let ok = gps
        .split_once(',')
        .is_some_and(|(a, b)| a.trim().parse::<f64>().is_ok() && b.trim().parse::<f64>().is_ok());
    if ok { Ok(()) } else { Err(format!("field location.gps: expected \"lat,lng\", found {gps:?}")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_with_unpadded_hours_parse() {
        let t = parse_datetime("2025-06-07 7:32:06 +02:00").unwrap();
        assert_eq!(t.to_string(), "2025-06-07T05:32:06Z");
        let w = parse_datetime("2023-03-20 10:19:26 +01:00").unwrap();
        assert_eq!(w.to_string(), "2023-03-20T09:19:26Z");
        for bad in
            ["2025-06-07T07:32:06+02:00", "2025-06-07 7:32 +02:00", "igår", "2025-13-07 7:32:06 +02:00", ""]
        {
            assert!(parse_datetime(bad).unwrap_err().contains("field datetime"), "{bad}");
        }
    }

    #[test]
    fn the_event_time_comes_from_the_name() {
        let published = parse_datetime("2025-06-07 7:32:06 +02:00").unwrap();
        let t = occurred_at("06 juni 18.50, Trafikbrott, Kungsör", published).unwrap();
        assert_eq!(t.to_string(), "2025-06-06T16:50:00Z");
        let colon = occurred_at("07 juni 07:25, Sammanfattning natt, Örebro län", published).unwrap();
        assert_eq!(colon.to_string(), "2025-06-07T05:25:00Z");
        let new_year = parse_datetime("2024-01-01 0:40:00 +01:00").unwrap();
        let t = occurred_at("31 december 23.10, Brand, Stockholm", new_year).unwrap();
        assert_eq!(t.to_string(), "2023-12-31T22:10:00Z", "the year before");
        assert!(occurred_at("Sammanfattning", published).is_none());
    }

    #[test]
    fn the_most_specific_municipality_is_taken() {
        assert_eq!(municipality("Stockholm", "x"), ("Stockholm".into(), Some("Stockholm".into())));
        assert_eq!(
            municipality("Stockholms län", "15 januari 11.11, Mord/dråp, försök, Stockholm"),
            ("Stockholms län".into(), Some("Stockholm".into()))
        );
        assert_eq!(
            municipality("Örebro län", "07 juni 07.25, Sammanfattning natt, Örebro län"),
            ("Örebro län".into(), None)
        );
    }
}

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error(transparent)]
    File(#[from] PolisenError),
    /// The database refused (nothing was written).
    #[error(transparent)]
    Store(#[from] trygg_store::StoreError),
    /// There is no city to place events in: run `trygg init` first.
    #[error("the database has no city area; run `trygg init` first")]
    NoCity,
}

/// The outcome of checking a file without writing (`--dry-run`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DryRun {
    /// Events in the file.
    pub events: usize,
    /// Events in the city.
    pub in_city: usize,
    /// Events placed in a district or place by their text.
    pub placed_by_text: usize,
}

/// The gazetteer of the stored areas.
pub async fn gazetteer(store: &trygg_store::Store) -> Result<Gazetteer, ImportError> {
    let areas = store.areas(None, false).await?;
    Gazetteer::new(&areas, crate::gazetteer::ALIASES).ok_or(ImportError::NoCity)
}

/// Checks a file and reports what an import would do, writing nothing.
pub fn dry_run(file: &str, bytes: &[u8], gazetteer: &Gazetteer) -> Result<DryRun, PolisenError> {
    let events = parse(file, bytes, gazetteer)?;
    Ok(DryRun {
        events: events.len(),
        in_city: events.iter().filter(|e| e.area.is_some()).count(),
        placed_by_text: events
            .iter()
            .filter(|e| e.area_method == Some(trygg_store::AreaMethod::Text))
            .count(),
    })
}

/// Imports one file in one transaction, with its provenance (name, SHA-256,
/// counts, who). Importing the same events again adds nothing.
pub async fn load(
    store: &trygg_store::Store,
    gazetteer: &Gazetteer,
    file: &str,
    bytes: &[u8],
    actor: &str,
) -> Result<trygg_store::ImportRun, ImportError> {
    let started_at = trygg_store::now_ms();
    let events = parse(file, bytes, gazetteer)?;
    let meta = trygg_store::ImportMeta {
        kind: "polisen".into(),
        source: "polisen".into(),
        file_name: file.into(),
        sha256: sha256_hex(bytes),
        rejected: 0,
        actor: actor.into(),
        started_at,
    };
    Ok(store.import_events(&meta, &events).await?)
}

/// SHA-256 of a file's bytes, hex: the identity recorded with each import.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Every police event of 2023 and 2024 (see `seed/SOURCES.md`), embedded
/// for the demo: (file name, gzip bytes).
pub const DEMO_ARCHIVES: [(&str, &[u8]); 2] = [
    ("events_2023.json.gz", include_bytes!("../seed/polisen/events_2023.json.gz")),
    ("events_2024.json.gz", include_bytes!("../seed/polisen/events_2024.json.gz")),
];
