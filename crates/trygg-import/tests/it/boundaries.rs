//! The GeoJSON boundary parser against the city's real file and broken inputs.

use trygg_core::LatLon;
use trygg_import::boundaries::{BoundaryError, parse_boundaries};

const CITY: &str = include_str!("../../seed/stadsdelar_wgs84.geo.json");

const RING: &str = "[[17.90,59.39],[17.90,59.40],[17.91,59.40],[17.91,59.39],[17.90,59.39]]";

fn file(crs: &str, features: &[String]) -> String {
    format!(r#"{{"type":"FeatureCollection",{crs}"features":[{}]}}"#, features.join(","))
}

fn feature(name: &str, geometry: &str) -> String {
    format!(r#"{{"type":"Feature","properties":{{"name":"{name}"}},"geometry":{geometry}}}"#)
}

fn polygon(ring: &str) -> String {
    format!(r#"{{"type":"Polygon","coordinates":[{ring}]}}"#)
}

fn parse_err(text: &str) -> BoundaryError {
    parse_boundaries("test.geo.json", text, "name").unwrap_err()
}

/// Twice the signed area in lon/lat; negative for a clockwise ring.
fn signed_area(ring: &[LatLon]) -> f64 {
    ring.windows(2).map(|w| w[0].lon * w[1].lat - w[1].lon * w[0].lat).sum()
}

#[test]
fn the_citys_file_parses_with_clockwise_rings_kept() {
    let features = parse_boundaries("stadsdelar", CITY, "name").unwrap();
    assert_eq!(features.len(), 117);
    let tensta = features.iter().find(|f| f.name == "TENSTA").unwrap();
    assert_eq!(tensta.properties["name"], "TENSTA");
    let outer = &tensta.boundary.polygons()[0][0];
    assert!(signed_area(outer) < 0.0, "clockwise ring was flipped");
    assert!(tensta.boundary.contains(LatLon::new(59.3940, 17.9042).unwrap()));
}

#[test]
fn a_linestring_names_the_feature_and_the_geometry_type() {
    let line = r#"{"type":"LineString","coordinates":[[17.9,59.3],[17.9,59.4]]}"#;
    let text = file("", &[feature("A", &polygon(RING)), feature("B", line)]);
    let e = parse_err(&text);
    assert_eq!(e.feature, Some(1));
    assert_eq!(e.field, "geometry type");
    assert_eq!(
        e.to_string(),
        "test.geo.json: feature 1: geometry type LineString, expected Polygon or MultiPolygon"
    );
}

#[test]
fn a_projected_crs_is_rejected() {
    let crs = r#""crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3006"}},"#;
    let e = parse_err(&file(crs, &[feature("A", &polygon(RING))]));
    assert_eq!(e.feature, None);
    assert_eq!(e.field, "crs");
    let msg = e.to_string();
    assert!(msg.starts_with("test.geo.json: crs urn:ogc:def:crs:EPSG::3006, expected WGS84"), "{msg}");
}

#[test]
fn a_latitude_of_200_names_the_feature_and_the_position() {
    let bad = "[[17.90,59.39],[17.90,200],[17.91,59.40],[17.91,59.39],[17.90,59.39]]";
    let multi = format!(r#"{{"type":"MultiPolygon","coordinates":[[{RING}],[{bad}]]}}"#);
    let text = file("", &[feature("A", &polygon(RING)), feature("B", &polygon(RING)), feature("C", &multi)]);
    let e = parse_err(&text);
    assert_eq!(e.feature, Some(2));
    assert_eq!(e.field, "geometry.coordinates[1][0][1]");
    assert_eq!(e.found, "[17.9,200]");
    assert!(e.expected.contains("latitude −90..90"), "{}", e.expected);
}

#[test]
fn sweref_coordinates_without_a_crs_are_out_of_range() {
    let sweref = "[[[6575000,1650000],[6576000,1650000],[6576000,1651000],[6575000,1650000]]]";
    let text = file("", &[feature("A", &format!(r#"{{"type":"Polygon","coordinates":{sweref}}}"#))]);
    let e = parse_err(&text);
    assert_eq!((e.feature, e.field.as_str()), (Some(0), "geometry.coordinates[0][0]"));
}

#[test]
fn not_a_feature_collection() {
    let e = parse_err(r#"{"type":"Feature"}"#);
    assert_eq!(e.to_string(), "test.geo.json: type Feature, expected FeatureCollection");
}
