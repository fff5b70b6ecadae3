//! Areas: the city, district areas, districts and places, with validity
//! dates, a time-dependent hierarchy and WGS84 boundaries.

use crate::{Code, Date, Invalid, Name};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An area's stable identifier, e.g. `tensta` or `rinkeby-kista`.
pub type AreaCode = Code;

/// The level of an area in the hierarchy, from the city down to a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    /// The municipality (kommun).
    City,
    /// A district area (stadsdelsområde), e.g. Rinkeby-Kista.
    DistrictArea,
    /// A district (stadsdel), e.g. Tensta.
    District,
    /// A place (plats): a square, a centre, a station, a park.
    Place,
}

impl AreaLevel {
    /// All levels, from the top down.
    pub const ALL: [AreaLevel; 4] = [Self::City, Self::DistrictArea, Self::District, Self::Place];

    /// The stable text form used in storage and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::City => "city",
            Self::DistrictArea => "district_area",
            Self::District => "district",
            Self::Place => "place",
        }
    }
}

impl FromStr for AreaLevel {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| Invalid::new("level", s, "one of city, district_area, district, place"))
    }
}

impl fmt::Display for AreaLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A WGS84 position in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    /// Latitude, −90 to 90.
    pub lat: f64,
    /// Longitude, −180 to 180.
    pub lon: f64,
}

impl LatLon {
    /// Checks the ranges (and that both are finite).
    pub fn new(lat: f64, lon: f64) -> Result<Self, Invalid> {
        if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
            Ok(Self { lat, lon })
        } else {
            Err(Invalid::new(
                "position",
                &format!("{lat},{lon}"),
                "latitude −90..90 and longitude −180..180 in degrees (WGS84)",
            ))
        }
    }

    /// Great-circle distance in metres (haversine on the mean Earth radius;
    /// within 0.5 % of the ellipsoidal distance, enough for "within 50 m").
    pub fn distance_m(self, other: LatLon) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }

    /// The point `metres` away in the direction `bearing_deg` (clockwise from north),
    /// on a local flat approximation (good to a few millimetres within a kilometre).
    pub fn offset(self, metres: f64, bearing_deg: f64) -> LatLon {
        let b = bearing_deg.to_radians();
        let dlat = metres * b.cos() / EARTH_RADIUS_M;
        let dlon = metres * b.sin() / (EARTH_RADIUS_M * self.lat.to_radians().cos());
        LatLon { lat: self.lat + dlat.to_degrees(), lon: self.lon + dlon.to_degrees() }
    }
}

/// The mean Earth radius in metres (IUGG).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A WGS84 (multi)polygon boundary: one or more polygons, each an outer
/// ring followed by holes. Rings are closed and keep the orientation they
/// were given in (the city's files are clockwise; we neither reject nor flip).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polygon {
    polygons: Vec<Vec<Vec<LatLon>>>,
}

impl Polygon {
    /// Checks every ring: at least 4 positions, first equal to last.
    pub fn new(polygons: Vec<Vec<Vec<LatLon>>>) -> Result<Self, Invalid> {
        if polygons.is_empty() || polygons.iter().any(Vec::is_empty) {
            return Err(Invalid::new("boundary", "", "at least one polygon with an outer ring"));
        }
        for ring in polygons.iter().flatten() {
            if ring.len() < 4 || ring.first() != ring.last() {
                let shown = format!("ring of {} positions", ring.len());
                return Err(Invalid::new(
                    "boundary",
                    &shown,
                    "closed rings of at least 4 positions (first = last)",
                ));
            }
        }
        Ok(Self { polygons })
    }

    /// The polygons: for each, the outer ring and then the holes.
    pub fn polygons(&self) -> &[Vec<Vec<LatLon>>] {
        &self.polygons
    }

    /// Builds from GeoJSON-style coordinates: polygons of rings of `[lon, lat]`.
    pub fn from_lon_lat(coords: &[Vec<Vec<[f64; 2]>>]) -> Result<Self, Invalid> {
        let polygons = coords
            .iter()
            .map(|poly| {
                poly.iter()
                    .map(|ring| ring.iter().map(|&[lon, lat]| LatLon::new(lat, lon)).collect())
                    .collect()
            })
            .collect::<Result<_, _>>()?;
        Self::new(polygons)
    }

    /// GeoJSON `MultiPolygon` coordinates: polygons of rings of `[lon, lat]`.
    pub fn to_lon_lat(&self) -> Vec<Vec<Vec<[f64; 2]>>> {
        self.polygons
            .iter()
            .map(|poly| poly.iter().map(|ring| ring.iter().map(|p| [p.lon, p.lat]).collect()).collect())
            .collect()
    }

    /// The bounding box as (south-west, north-east).
    pub fn bbox(&self) -> (LatLon, LatLon) {
        let mut sw = LatLon { lat: f64::MAX, lon: f64::MAX };
        let mut ne = LatLon { lat: f64::MIN, lon: f64::MIN };
        for p in self.polygons.iter().flatten().flatten() {
            sw.lat = sw.lat.min(p.lat);
            sw.lon = sw.lon.min(p.lon);
            ne.lat = ne.lat.max(p.lat);
            ne.lon = ne.lon.max(p.lon);
        }
        (sw, ne)
    }

    /// A regular `sides`-gon of radius `metres` around `centre`, for a zone
    /// drawn as a circle.
    pub fn circle(centre: LatLon, metres: f64, sides: usize) -> Polygon {
        let sides = sides.max(3);
        let mut ring: Vec<LatLon> =
            (0..sides).map(|i| centre.offset(metres, 360.0 * i as f64 / sides as f64)).collect();
        ring.push(ring[0]);
        Polygon { polygons: vec![vec![ring]] }
    }

    /// The enclosed area in square metres (shoelace on a local equirectangular
    /// projection; holes subtracted; independent of ring orientation).
    pub fn area_m2(&self) -> f64 {
        let (sw, ne) = self.bbox();
        let lat0 = ((sw.lat + ne.lat) / 2.0).to_radians();
        let xy = |p: &LatLon| {
            (p.lon.to_radians() * EARTH_RADIUS_M * lat0.cos(), p.lat.to_radians() * EARTH_RADIUS_M)
        };
        let ring_area = |ring: &[LatLon]| {
            let twice: f64 = ring
                .windows(2)
                .map(|w| {
                    let ((x1, y1), (x2, y2)) = (xy(&w[0]), xy(&w[1]));
                    x1 * y2 - x2 * y1
                })
                .sum();
            twice.abs() / 2.0
        };
        self.polygons
            .iter()
            .map(|poly| {
                let outer = poly.first().map_or(0.0, |r| ring_area(r));
                outer - poly.iter().skip(1).map(|r| ring_area(r)).sum::<f64>()
            })
            .sum()
    }

    /// Whether `p` lies inside (even-odd rule over all rings; holes excluded).
    pub fn contains(&self, p: LatLon) -> bool {
        self.polygons
            .iter()
            .any(|poly| poly.iter().filter(|ring| ring_crossings(ring, p) % 2 == 1).count() % 2 == 1)
    }
}

fn ring_crossings(ring: &[LatLon], p: LatLon) -> usize {
    ring.windows(2)
        .filter(|w| {
            let (a, b) = (w[0], w[1]);
            (a.lat > p.lat) != (b.lat > p.lat)
                && p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon
        })
        .count()
}

/// Membership of an area in a parent, valid between two dates (inclusive; open when `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaParent {
    /// The parent area.
    pub code: AreaCode,
    /// First day of membership.
    pub valid_from: Option<Date>,
    /// Last day of membership.
    pub valid_to: Option<Date>,
}

/// An area: a unit of geography that data is reported for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    /// Stable identifier.
    pub code: AreaCode,
    /// Display name, e.g. "Spånga-Tensta".
    pub name: Name,
    /// Level in the hierarchy.
    pub level: AreaLevel,
    /// Parents, each with its own validity (a district can move between district areas).
    pub parents: Vec<AreaParent>,
    /// First day the area exists (`None`: always has).
    pub valid_from: Option<Date>,
    /// Last day the area exists (`None`: still does).
    pub valid_to: Option<Date>,
    /// Boundary in WGS84, where known.
    pub boundary: Option<Polygon>,
    /// Where the boundary came from (file, publisher, licence).
    pub boundary_source: Option<String>,
    /// A representative point (for places without a polygon).
    pub location: Option<LatLon>,
    /// For places: what kind of place (`metro_station`, `square`, `centre`, …).
    pub kind: Option<String>,
    /// Flagged as particularly exposed (e.g. by the police's classification).
    pub exposed: bool,
}

impl Area {
    /// A new area with no parents, no boundary and open validity.
    pub fn new(code: AreaCode, name: Name, level: AreaLevel) -> Self {
        Self {
            code,
            name,
            level,
            parents: Vec::new(),
            valid_from: None,
            valid_to: None,
            boundary: None,
            boundary_source: None,
            location: None,
            kind: None,
            exposed: false,
        }
    }

    /// Checks the rules that hold within one area: a valid date range, no
    /// parents for the city, and each membership range inside the area's.
    pub fn validate(&self) -> Result<(), Invalid> {
        check_range("valid_to", self.valid_from, self.valid_to)?;
        if self.level == AreaLevel::City && !self.parents.is_empty() {
            return Err(Invalid::new("parent", self.code.as_str(), "no parent for a city"));
        }
        for p in &self.parents {
            check_range("parent valid_to", p.valid_from, p.valid_to)?;
            if p.code == self.code {
                return Err(Invalid::new("parent", p.code.as_str(), "a parent other than the area itself"));
            }
        }
        Ok(())
    }

    /// Whether the area exists on `date`.
    pub fn is_valid_on(&self, date: Date) -> bool {
        in_range(date, self.valid_from, self.valid_to)
    }

    /// The parents the area belongs to on `date`.
    pub fn parents_on(&self, date: Date) -> impl Iterator<Item = &AreaCode> {
        self.parents.iter().filter(move |p| in_range(date, p.valid_from, p.valid_to)).map(|p| &p.code)
    }
}

fn in_range(d: Date, from: Option<Date>, to: Option<Date>) -> bool {
    from.is_none_or(|f| f <= d) && to.is_none_or(|t| d <= t)
}

fn check_range(field: &'static str, from: Option<Date>, to: Option<Date>) -> Result<(), Invalid> {
    match (from, to) {
        (Some(f), Some(t)) if t < f => {
            Err(Invalid::new(field, &t.to_string(), format!("a date on or after {f}")))
        }
        _ => Ok(()),
    }
}

/// `root` and every area below it, at any depth, whose membership overlaps
/// `[from, to)` (a `None` bound is open: `members(all, root, None, None)` is
/// everything that was ever below `root`). A district that belonged to
/// Rinkeby-Kista until 2023-06-30 is a member of it for 2023, not for 2024.
pub fn members(all: &[Area], root: &AreaCode, from: Option<Date>, to: Option<Date>) -> Vec<AreaCode> {
    let mut out = vec![root.clone()];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i].clone();
        for a in all {
            let linked = a.parents.iter().any(|p| {
                p.code == parent
                    && p.valid_from.zip(to).is_none_or(|(f, to)| f < to)
                    && p.valid_to.zip(from).is_none_or(|(t, from)| t >= from)
            });
            if linked && !out.contains(&a.code) {
                out.push(a.code.clone());
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_areas_and_circles_are_in_metres() {
        // Tensta centrum to Rinkeby torg: about 1.5 km.
        let tensta = LatLon::new(59.3940, 17.9042).unwrap();
        let rinkeby = LatLon::new(59.3883, 17.9283).unwrap();
        let d = tensta.distance_m(rinkeby);
        assert!((1400.0..1550.0).contains(&d), "{d}");
        assert!((tensta.distance_m(tensta.offset(50.0, 45.0)) - 50.0).abs() < 0.01);
        let c = Polygon::circle(tensta, 100.0, 64);
        let expected = std::f64::consts::PI * 100.0 * 100.0;
        assert!((c.area_m2() - expected).abs() / expected < 0.01, "{}", c.area_m2());
        assert!(c.contains(tensta.offset(90.0, 10.0)));
        assert!(!c.contains(tensta.offset(110.0, 10.0)));
    }
    use jiff::civil::date;

    #[test]
    fn members_follow_the_dates_of_each_membership() {
        let code = |c: &str| Code::new(c).unwrap();
        let area = |c: &str, level, parent: Option<(&str, Option<Date>, Option<Date>)>| {
            let mut a = Area::new(code(c), Name::new(c).unwrap(), level);
            a.parents = parent
                .map(|(p, valid_from, valid_to)| AreaParent { code: code(p), valid_from, valid_to })
                .into_iter()
                .collect();
            a
        };
        let all = vec![
            area("rinkeby-kista", AreaLevel::DistrictArea, None),
            area("jarva", AreaLevel::DistrictArea, None),
            area("husby", AreaLevel::District, Some(("rinkeby-kista", None, Some(date(2023, 6, 30))))),
            area("husby-centrum", AreaLevel::Place, Some(("husby", None, None))),
        ];
        let rk = code("rinkeby-kista");
        let names = |v: Vec<Code>| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(
            names(members(&all, &rk, Some(date(2023, 1, 1)), Some(date(2024, 1, 1)))),
            ["rinkeby-kista", "husby", "husby-centrum"]
        );
        assert_eq!(
            names(members(&all, &rk, Some(date(2024, 1, 1)), Some(date(2025, 1, 1)))),
            ["rinkeby-kista"]
        );
        assert_eq!(names(members(&all, &rk, None, None)).len(), 3, "open bounds: ever below");
    }

    fn square() -> Vec<Vec<LatLon>> {
        let p = |lat, lon| LatLon::new(lat, lon).unwrap();
        vec![vec![p(0.0, 0.0), p(1.0, 0.0), p(1.0, 1.0), p(0.0, 1.0), p(0.0, 0.0)]]
    }

    #[test]
    fn polygons_must_be_closed_rings() {
        assert!(Polygon::new(vec![square()]).is_ok());
        let mut open = square();
        open[0].pop();
        assert!(Polygon::new(vec![open]).is_err());
        assert!(Polygon::new(vec![]).is_err());
    }

    #[test]
    fn contains_respects_holes_and_either_orientation() {
        let mut cw = square();
        cw[0].reverse();
        for rings in [square(), cw] {
            let poly = Polygon::new(vec![rings]).unwrap();
            assert!(poly.contains(LatLon { lat: 0.5, lon: 0.5 }));
            assert!(!poly.contains(LatLon { lat: 1.5, lon: 0.5 }));
        }
        let p = |lat, lon| LatLon::new(lat, lon).unwrap();
        let hole = vec![p(0.4, 0.4), p(0.6, 0.4), p(0.6, 0.6), p(0.4, 0.6), p(0.4, 0.4)];
        let mut rings = square();
        rings.push(hole);
        let poly = Polygon::new(vec![rings]).unwrap();
        assert!(!poly.contains(LatLon { lat: 0.5, lon: 0.5 }));
        assert!(poly.contains(LatLon { lat: 0.2, lon: 0.2 }));
    }

    #[test]
    fn positions_are_range_checked() {
        assert!(LatLon::new(59.4, 17.9).is_ok());
        assert!(LatLon::new(91.0, 0.0).is_err());
        assert!(LatLon::new(f64::NAN, 0.0).is_err());
    }

    #[test]
    fn validity_and_membership_by_date() {
        let code = |s| Code::new(s).unwrap();
        let mut a = Area::new(code("akalla"), Name::new("Akalla").unwrap(), AreaLevel::District);
        a.parents = vec![
            AreaParent { code: code("rinkeby-kista"), valid_from: None, valid_to: Some(date(2023, 6, 30)) },
            AreaParent { code: code("jarva"), valid_from: Some(date(2023, 7, 1)), valid_to: None },
        ];
        assert!(a.validate().is_ok());
        assert_eq!(a.parents_on(date(2023, 6, 30)).collect::<Vec<_>>(), [&code("rinkeby-kista")]);
        assert_eq!(a.parents_on(date(2023, 7, 1)).collect::<Vec<_>>(), [&code("jarva")]);
        a.valid_from = Some(date(2024, 1, 1));
        a.valid_to = Some(date(2023, 1, 1));
        assert!(a.validate().is_err());
    }
}
