//! Boundaries from ESRI shapefiles (`.shp` geometry, `.dbf` attributes,
//! `.prj` coordinate system, optional `.cpg` code page), as the City of
//! Stockholm publishes them: SWEREF 99 18 00 and Latin-1 attribute text.
//!
//! Geometry and attributes are read with the `shapefile` and `dbase` crates;
//! coordinates are converted to WGS84 with our projection. The text encoding
//! is the one given, else the `.cpg`'s, else Latin-1 (the DBF default), and
//! it is checked: UTF-8 that is not UTF-8, or Latin-1 that reads as UTF-8
//! bytes ("HÃ„SSELBY"), is an error naming the record and the field.

use crate::boundaries::BoundaryFeature;
use crate::points::Crs;
use std::io::Cursor;
use trygg_analysis::projection::TransverseMercator;
use trygg_core::{LatLon, Polygon};

/// The text encoding of a DBF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// ISO-8859-1 / Windows-1252 (Swedish letters as one byte each).
    Latin1,
    /// UTF-8.
    Utf8,
}

impl TextEncoding {
    /// Parses `latin1`, `iso-8859-1`, `windows-1252`, `cp1252`, `utf-8` (as in a `.cpg` too).
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "latin1" | "latin-1" | "iso-8859-1" | "iso8859-1" | "88591" | "windows-1252" | "cp1252"
            | "1252" => Ok(Self::Latin1),
            "utf-8" | "utf8" => Ok(Self::Utf8),
            other => Err(format!("unknown encoding {other:?}: expected latin1 or utf-8")),
        }
    }
}

/// The files of one shapefile.
#[derive(Debug, Clone, Copy)]
pub struct ShapefileParts<'a> {
    /// The `.shp`.
    pub shp: &'a [u8],
    /// The `.dbf`.
    pub dbf: &'a [u8],
    /// The `.prj`, if present.
    pub prj: Option<&'a str>,
    /// The `.cpg`, if present.
    pub cpg: Option<&'a str>,
}

/// A shapefile that cannot be read: the file (and record, field) and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ShapefileError {
    /// The file (or file and record).
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// Reads the polygons and their `name_field` text as boundary features in WGS84.
pub fn parse(
    file: &str,
    parts: ShapefileParts<'_>,
    name_field: &str,
    encoding: Option<TextEncoding>,
) -> Result<Vec<BoundaryFeature>, ShapefileError> {
    let fail = |f: &str, message: String| ShapefileError { file: f.into(), message };
    let prj_name = format!("{file}.prj");
    let crs =
        crs_of(parts.prj.ok_or_else(|| fail(&prj_name, "missing: the coordinate system is unknown".into()))?)
            .map_err(|m| fail(&prj_name, m))?;
    let encoding = match (encoding, parts.cpg) {
        (Some(e), _) => e,
        (None, Some(cpg)) => TextEncoding::parse(cpg).map_err(|m| fail(&format!("{file}.cpg"), m))?,
        (None, None) => TextEncoding::Latin1,
    };
    let shp_name = format!("{file}.shp");
    let polygons = ::shapefile::ShapeReader::new(Cursor::new(parts.shp))
        .and_then(|r| r.read_as::<::shapefile::Polygon>())
        .map_err(|e| fail(&shp_name, format!("not a polygon shapefile: {e}")))?;
    let names = names(file, parts.dbf, name_field, encoding)?;
    if names.len() != polygons.len() {
        return Err(fail(file, format!("{} shapes but {} attribute records", polygons.len(), names.len())));
    }
    polygons
        .iter()
        .zip(names)
        .enumerate()
        .map(|(i, (poly, name))| {
            let boundary =
                to_wgs84(poly, crs).map_err(|m| fail(&shp_name, format!("shape {}: {m}", i + 1)))?;
            let mut properties = serde_json::Map::new();
            properties.insert(name_field.into(), name.clone().into());
            Ok(BoundaryFeature { name, properties, boundary })
        })
        .collect()
}

/// SWEREF 99 TM, SWEREF 99 18 00 or WGS84, from a `.prj`'s WKT.
fn crs_of(prj: &str) -> Result<Crs, String> {
    let p = prj.to_ascii_uppercase().replace([' ', '_'], "");
    if p.contains("SWEREF991800") {
        Ok(Crs::Grid(TransverseMercator::SWEREF99_1800))
    } else if p.contains("SWEREF99TM") {
        Ok(Crs::Grid(TransverseMercator::SWEREF99_TM))
    } else if !p.contains("PROJCS") && (p.contains("WGS1984") || p.contains("WGS84")) {
        Ok(Crs::Wgs84)
    } else {
        let head: String = prj.chars().take(60).collect();
        Err(format!("coordinate system {head:?}… is not SWEREF 99 TM, SWEREF 99 18 00 or WGS84"))
    }
}

/// The `name_field` of every record, decoded and checked.
fn names(
    file: &str,
    dbf: &[u8],
    name_field: &str,
    encoding: TextEncoding,
) -> Result<Vec<String>, ShapefileError> {
    let dbf_name = format!("{file}.dbf");
    let fail = |message: String| ShapefileError { file: dbf_name.clone(), message };
    let builder = ::shapefile::dbase::ReaderBuilder::new();
    let builder = match encoding {
        TextEncoding::Latin1 => builder.with_encoding(::shapefile::dbase::encoding::EncodingRs::from(
            ::shapefile::dbase::encoding_rs::WINDOWS_1252,
        )),
        TextEncoding::Utf8 => builder.with_encoding(::shapefile::dbase::Unicode),
    };
    let mut reader = builder.build(Cursor::new(dbf)).map_err(|e| fail(format!("not a DBF table: {e}")))?;
    let fields: Vec<String> = reader.fields().iter().map(|f| f.name().to_owned()).collect();
    if !fields.iter().any(|f| f == name_field) {
        return Err(fail(format!("no field {name_field:?} (fields: {})", fields.join(", "))));
    }
    let mut out = Vec::new();
    for (i, record) in reader.iter_records().enumerate() {
        let at = format!("record {}, field {name_field:?}", i + 1);
        let record = record.map_err(|e| {
            let hint = if encoding == TextEncoding::Utf8 {
                " — the text is not UTF-8; the city's files are Latin-1 (give --encoding latin1)"
            } else {
                ""
            };
            fail(format!("{at}: cannot be read: {e}{hint}"))
        })?;
        let name = match record.get(name_field) {
            Some(::shapefile::dbase::FieldValue::Character(Some(s))) => s.trim().to_owned(),
            other => return Err(fail(format!("{at}: expected text, found {other:?}"))),
        };
        if encoding == TextEncoding::Latin1 && looks_like_utf8(&name) {
            return Err(fail(format!(
                "{at}: {name:?} looks like UTF-8 read as Latin-1 — give --encoding utf-8 (or a .cpg saying UTF-8)"
            )));
        }
        out.push(name);
    }
    Ok(out)
}

/// `Ã` or `Â` followed by a non-ASCII character that is not a Latin-1
/// letter (`Ã¥`, `Ã„`, `Ã…`): UTF-8 bytes decoded as Latin-1 or Windows-1252.
fn looks_like_utf8(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    c.windows(2)
        .any(|w| matches!(w[0], 'Ã' | 'Â') && !w[1].is_ascii() && !('\u{c0}'..='\u{ff}').contains(&w[1]))
}

/// A shapefile polygon (outer rings, each followed by its holes) in WGS84.
fn to_wgs84(poly: &::shapefile::Polygon, crs: Crs) -> Result<Polygon, String> {
    let mut polygons: Vec<Vec<Vec<LatLon>>> = Vec::new();
    for ring in poly.rings() {
        let points = ring
            .points()
            .iter()
            .map(|p| crs.to_wgs84(p.x, p.y).ok_or_else(|| format!("({}, {}) is not a position", p.x, p.y)))
            .collect::<Result<Vec<_>, _>>()?;
        match ring {
            ::shapefile::PolygonRing::Outer(_) => polygons.push(vec![points]),
            ::shapefile::PolygonRing::Inner(_) => match polygons.last_mut() {
                Some(p) => p.push(points),
                None => return Err("a hole before any outer ring".into()),
            },
        }
    }
    Polygon::new(polygons).map_err(|e| e.to_string())
}

/// The files of a shapefile as read from disk.
#[derive(Debug, Clone)]
pub struct ShapefileFiles {
    /// The `.shp`.
    pub shp: Vec<u8>,
    /// The `.dbf`.
    pub dbf: Vec<u8>,
    /// The `.prj`, if present.
    pub prj: Option<String>,
    /// The `.cpg`, if present.
    pub cpg: Option<String>,
}

impl ShapefileFiles {
    /// Reads `PATH.shp` with its `.dbf`, `.prj` and `.cpg` beside it.
    pub fn read(shp: &std::path::Path) -> Result<Self, ShapefileError> {
        let with = |ext: &str| shp.with_extension(ext);
        let read = |ext: &str| {
            std::fs::read(with(ext)).map_err(|e| ShapefileError {
                file: with(ext).display().to_string(),
                message: format!("cannot read: {e}"),
            })
        };
        let text = |ext: &str| std::fs::read_to_string(with(ext)).ok();
        Ok(Self { shp: read("shp")?, dbf: read("dbf")?, prj: text("prj"), cpg: text("cpg") })
    }

    /// The parts, for [`parse`].
    pub fn parts(&self) -> ShapefileParts<'_> {
        ShapefileParts { shp: &self.shp, dbf: &self.dbf, prj: self.prj.as_deref(), cpg: self.cpg.as_deref() }
    }
}

/// Boundaries matched to stored areas, and the features that matched none.
#[derive(Debug, Default)]
pub struct Matched {
    /// (area, boundary) for every feature whose name or code is an area's.
    pub boundaries: Vec<(trygg_core::Code, Polygon)>,
    /// Features that match no area: (position in the file, 1-based; name).
    pub unmatched: Vec<(usize, String)>,
}

/// Matches features to areas by name or code, case-insensitively.
pub fn match_areas(features: &[BoundaryFeature], areas: &crate::table::AreaMatcher) -> Matched {
    let mut out = Matched::default();
    for (i, f) in features.iter().enumerate() {
        match areas.find(&f.name) {
            Some(code) => out.boundaries.push((code, f.boundary.clone())),
            None => out.unmatched.push((i + 1, f.name.clone())),
        }
    }
    out
}
