//! District boundaries from GeoJSON: a `FeatureCollection` of `Polygon` and
//! `MultiPolygon` features in WGS84 longitude/latitude → [`BoundaryFeature`]s.
//!
//! Rings keep the orientation they were given in: the City of Stockholm's
//! files are clockwise, which RFC 7946 discourages but which is common, so
//! they are neither rejected nor flipped. A declared `crs` other than
//! CRS84/EPSG:4326 is rejected, because projected coordinates (e.g. SWEREF 99)
//! would otherwise become nonsense positions.

use serde_json::{Map, Value};
use std::fmt;
use trygg_core::{LatLon, Polygon};

/// CRS names that mean WGS84 longitude/latitude (compared case-insensitively).
/// EPSG:4326 is taken as longitude/latitude order, as GeoJSON writers use it.
const WGS84_CRS: &[&str] = &[
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "http://www.opengis.net/def/crs/EPSG/0/4326",
    "OGC:CRS84",
    "CRS84",
    "EPSG:4326",
];

/// One feature of a boundary file: its name, all its properties and its boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryFeature {
    /// The value of the name property, trimmed, as written in the file.
    pub name: String,
    /// Every property of the feature, including the name.
    pub properties: Map<String, Value>,
    /// The (multi)polygon, rings in the file's orientation.
    pub boundary: Polygon,
}

/// A boundary file that could not be read: where, which field, what was
/// found and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct BoundaryError {
    /// The file's label, as passed to [`parse_boundaries`].
    pub file: String,
    /// The feature's position in `features` (from 0, as `jq '.features[12]'`),
    /// or `None` for the file as a whole.
    pub feature: Option<usize>,
    /// The field, e.g. `geometry type` or `geometry.coordinates[0][3]`.
    pub field: String,
    /// What was found, shortened.
    pub found: String,
    /// What would have been accepted.
    pub expected: String,
}

impl fmt::Display for BoundaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file)?;
        if let Some(i) = self.feature {
            write!(f, "feature {i}: ")?;
        }
        write!(f, "{} {}, expected {}", self.field, self.found, self.expected)
    }
}

/// Where in the file we are, for error messages.
#[derive(Clone, Copy)]
struct At<'a> {
    file: &'a str,
    feature: Option<usize>,
}

impl At<'_> {
    fn err(&self, field: &str, found: &str, expected: &str) -> BoundaryError {
        BoundaryError {
            file: self.file.to_owned(),
            feature: self.feature,
            field: field.to_owned(),
            found: found.to_owned(),
            expected: expected.to_owned(),
        }
    }
}

/// Parses a GeoJSON `FeatureCollection` of district polygons. `file` labels
/// the input in errors; `name_property` is the property holding each
/// feature's name (`name` in Stockholm's file).
pub fn parse_boundaries(
    file: &str,
    text: &str,
    name_property: &str,
) -> Result<Vec<BoundaryFeature>, BoundaryError> {
    let at = At { file, feature: None };
    let root: Value = serde_json::from_str(text)
        .map_err(|e| at.err("JSON", &format!("invalid ({e})"), "a GeoJSON FeatureCollection"))?;
    let Some(root) = root.as_object() else {
        return Err(at.err("top level", &shown(&root), "a GeoJSON object"));
    };
    expect_type(at, root, "type", "FeatureCollection")?;
    check_crs(at, root.get("crs"))?;
    let features = root
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| at.err("features", &shown_opt(root.get("features")), "an array"))?;
    features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let at = At { file, feature: Some(i) };
            parse_feature(at, f, name_property)
        })
        .collect()
}

fn expect_type(at: At<'_>, obj: &Map<String, Value>, field: &str, want: &str) -> Result<(), BoundaryError> {
    match obj.get("type").and_then(Value::as_str) {
        Some(t) if t == want => Ok(()),
        Some(t) => Err(at.err(field, t, want)),
        None => Err(at.err(field, &shown_opt(obj.get("type")), want)),
    }
}

/// Accepts no `crs` (RFC 7946: WGS84) or a named WGS84 one; rejects the rest.
fn check_crs(at: At<'_>, crs: Option<&Value>) -> Result<(), BoundaryError> {
    let Some(crs) = crs.filter(|c| !c.is_null()) else {
        return Ok(());
    };
    let name = crs.pointer("/properties/name").and_then(Value::as_str);
    match name {
        Some(n) if WGS84_CRS.iter().any(|w| w.eq_ignore_ascii_case(n.trim())) => Ok(()),
        _ => Err(at.err(
            "crs",
            name.unwrap_or(&shown(crs)),
            "WGS84 longitude/latitude (urn:ogc:def:crs:OGC:1.3:CRS84 or EPSG:4326); \
             reproject the file first, e.g. `ogr2ogr -t_srs EPSG:4326 out.geo.json in.geo.json`",
        )),
    }
}

fn parse_feature(at: At<'_>, feature: &Value, name_property: &str) -> Result<BoundaryFeature, BoundaryError> {
    let Some(obj) = feature.as_object() else {
        return Err(at.err("feature", &shown(feature), "a GeoJSON Feature object"));
    };
    expect_type(at, obj, "type", "Feature")?;
    let properties = match obj.get("properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(other) => return Err(at.err("properties", &shown(other), "an object")),
    };
    let name = properties
        .get(name_property)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            at.err(
                &format!("properties.{name_property}"),
                &shown_opt(properties.get(name_property)),
                "a non-empty name",
            )
        })?
        .to_owned();
    let boundary = parse_geometry(at, obj.get("geometry"))?;
    Ok(BoundaryFeature { name, properties, boundary })
}

fn parse_geometry(at: At<'_>, geometry: Option<&Value>) -> Result<Polygon, BoundaryError> {
    const KINDS: &str = "Polygon or MultiPolygon";
    let Some(g) = geometry.and_then(Value::as_object) else {
        return Err(at.err("geometry", &shown_opt(geometry), KINDS));
    };
    let coords = g.get("coordinates");
    let polygons = match g.get("type").and_then(Value::as_str) {
        Some("Polygon") => vec![rings(at, coords, "geometry.coordinates")?],
        Some("MultiPolygon") => array(at, coords, "geometry.coordinates", "an array of polygons")?
            .iter()
            .enumerate()
            .map(|(p, v)| rings(at, Some(v), &format!("geometry.coordinates[{p}]")))
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(at.err("geometry type", other, KINDS)),
        None => return Err(at.err("geometry type", &shown_opt(g.get("type")), KINDS)),
    };
    Polygon::new(polygons).map_err(|e| at.err("geometry", &e.value, &e.expected))
}

fn array<'v>(
    at: At<'_>,
    v: Option<&'v Value>,
    path: &str,
    expected: &str,
) -> Result<&'v Vec<Value>, BoundaryError> {
    v.and_then(Value::as_array).ok_or_else(|| at.err(path, &shown_opt(v), expected))
}

fn rings(at: At<'_>, v: Option<&Value>, path: &str) -> Result<Vec<Vec<LatLon>>, BoundaryError> {
    array(at, v, path, "an array of linear rings")?
        .iter()
        .enumerate()
        .map(|(r, ring)| parse_ring(at, ring, &format!("{path}[{r}]")))
        .collect()
}

fn parse_ring(at: At<'_>, v: &Value, path: &str) -> Result<Vec<LatLon>, BoundaryError> {
    let ring = array(at, Some(v), path, "an array of positions")?
        .iter()
        .enumerate()
        .map(|(i, p)| position(at, p, &format!("{path}[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    if ring.len() < 4 || ring.first() != ring.last() {
        let found = format!("a ring of {} positions", ring.len());
        let expected = "a closed ring of at least 4 positions (first = last)";
        return Err(at.err(path, &found, expected));
    }
    Ok(ring)
}

fn position(at: At<'_>, v: &Value, path: &str) -> Result<LatLon, BoundaryError> {
    let lon_lat = v.as_array().filter(|a| a.len() >= 2).and_then(|a| Some((a[0].as_f64()?, a[1].as_f64()?)));
    let Some((lon, lat)) = lon_lat else {
        return Err(at.err(path, &shown(v), "a position [longitude, latitude] in degrees"));
    };
    LatLon::new(lat, lon).map_err(|_| {
        at.err(
            path,
            &shown(v),
            "[longitude −180..180, latitude −90..90] in WGS84 degrees \
             (projected coordinates must be reprojected first)",
        )
    })
}

/// Compact JSON of `v`, at most 80 characters.
fn shown(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= 80 {
        return text;
    }
    let short: String = text.chars().take(77).collect();
    format!("{short}...")
}

fn shown_opt(v: Option<&Value>) -> String {
    v.map_or_else(|| "missing".to_owned(), shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection(geometry: &str) -> String {
        format!(
            r#"{{"type":"FeatureCollection","features":[
                {{"type":"Feature","properties":{{"name":"A"}},"geometry":{geometry}}}]}}"#
        )
    }

    const SQUARE: &str = "[[[17.9,59.4],[17.9,59.5],[18.0,59.5],[18.0,59.4],[17.9,59.4]]]";

    #[test]
    fn polygons_and_multipolygons_parse_in_either_orientation() {
        let poly = collection(&format!(r#"{{"type":"Polygon","coordinates":{SQUARE}}}"#));
        let f = parse_boundaries("t", &poly, "name").unwrap();
        assert_eq!(f[0].name, "A");
        assert!(f[0].boundary.contains(LatLon::new(59.45, 17.95).unwrap()));
        let reversed = "[[[17.9,59.4],[18.0,59.4],[18.0,59.5],[17.9,59.5],[17.9,59.4]]]";
        let multi = collection(&format!(r#"{{"type":"MultiPolygon","coordinates":[{SQUARE},{reversed}]}}"#));
        let f = parse_boundaries("t", &multi, "name").unwrap();
        assert_eq!(f[0].boundary.polygons().len(), 2);
        assert_eq!(f[0].boundary.polygons()[1][0][1].lon, 18.0, "not flipped");
    }

    #[test]
    fn open_rings_and_missing_names_are_named() {
        let open = collection(
            r#"{"type":"Polygon","coordinates":[[[17.9,59.4],[17.9,59.5],[18.0,59.5],[18.0,59.4]]]}"#,
        );
        let e = parse_boundaries("t", &open, "name").unwrap_err();
        assert_eq!(e.field, "geometry.coordinates[0]");
        let poly = collection(&format!(r#"{{"type":"Polygon","coordinates":{SQUARE}}}"#));
        let e = parse_boundaries("t", &poly, "NAMN").unwrap_err();
        assert_eq!(e.to_string(), "t: feature 0: properties.NAMN missing, expected a non-empty name");
    }

    #[test]
    fn null_geometry_and_bad_json_are_clear() {
        let e = parse_boundaries("t", &collection("null"), "name").unwrap_err();
        assert_eq!(e.to_string(), "t: feature 0: geometry null, expected Polygon or MultiPolygon");
        let e = parse_boundaries("f.json", "{", "name").unwrap_err();
        assert!(e.to_string().starts_with("f.json: JSON invalid"), "{e}");
    }

    #[test]
    fn crs_names_for_wgs84_are_accepted() {
        for name in ["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326"] {
            let text = format!(
                r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"{name}"}}}},"features":[]}}"#
            );
            assert!(parse_boundaries("t", &text, "name").unwrap().is_empty());
        }
    }
}
