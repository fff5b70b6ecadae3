//! Transverse Mercator on GRS80 by Lantmäteriet's Gauss–Krüger formulas.
//!
//! The series (with n, â, β1..β4 forward and δ1..δ4 inverse, 4th order) are
//! those published by Lantmäteriet in "Gauss Krügers projektion"; within a
//! zone they are accurate to well under a millimetre.
//!
//! **Axis order.** Grid coordinates are `(x, y)` = (easting, northing) in
//! metres, the GIS and SVG order. Beware that Lantmäteriet and EPSG:3006
//! write them the other way round (N as "x", E as "y").
//!
//! SWEREF 99 equals WGS84/ETRS89 to well under a metre, so WGS84 positions
//! can be projected as they are.

/// GRS80 semi-major axis a, metres.
const SEMI_MAJOR: f64 = 6_378_137.0;
/// GRS80 flattening f.
const FLATTENING: f64 = 1.0 / 298.257_222_101;
/// First eccentricity squared, e² = f(2 − f), and its powers.
const E2: f64 = FLATTENING * (2.0 - FLATTENING);
const E4: f64 = E2 * E2;
const E6: f64 = E4 * E2;
const E8: f64 = E4 * E4;
/// Third flattening n = f / (2 − f), and its powers.
const N1: f64 = FLATTENING / (2.0 - FLATTENING);
const N2: f64 = N1 * N1;
const N3: f64 = N2 * N1;
const N4: f64 = N2 * N2;
/// Rectifying radius â = a / (1 + n) · (1 + n²/4 + n⁴/64).
const A_HAT: f64 = SEMI_MAJOR / (1.0 + N1) * (1.0 + N2 / 4.0 + N4 / 64.0);

/// Geodetic → conformal latitude: A, B, C, D.
const TO_CONFORMAL: [f64; 4] =
    [E2, (5.0 * E4 - E6) / 6.0, (104.0 * E6 - 45.0 * E8) / 120.0, 1237.0 * E8 / 1260.0];
/// Conformal → geodetic latitude: A*, B*, C*, D*.
const FROM_CONFORMAL: [f64; 4] = [
    E2 + E4 + E6 + E8,
    -(7.0 * E4 + 17.0 * E6 + 30.0 * E8) / 6.0,
    (224.0 * E6 + 889.0 * E8) / 120.0,
    -4279.0 * E8 / 1260.0,
];
/// Forward series β1..β4.
const BETA: [f64; 4] = [
    N1 / 2.0 - 2.0 * N2 / 3.0 + 5.0 * N3 / 16.0 + 41.0 * N4 / 180.0,
    13.0 * N2 / 48.0 - 3.0 * N3 / 5.0 + 557.0 * N4 / 1440.0,
    61.0 * N3 / 240.0 - 103.0 * N4 / 140.0,
    49561.0 * N4 / 161_280.0,
];
/// Inverse series δ1..δ4.
const DELTA: [f64; 4] = [
    N1 / 2.0 - 2.0 * N2 / 3.0 + 37.0 * N3 / 96.0 - N4 / 360.0,
    N2 / 48.0 + N3 / 15.0 - 437.0 * N4 / 1440.0,
    17.0 * N3 / 480.0 - 37.0 * N4 / 840.0,
    4397.0 * N4 / 161_280.0,
];

/// A transverse Mercator grid on GRS80 (latitude of origin 0°).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransverseMercator {
    /// Central meridian λ0, degrees east.
    pub lon0_deg: f64,
    /// Scale factor on the central meridian.
    pub k0: f64,
    /// Added to every easting, metres.
    pub false_easting: f64,
    /// Added to every northing, metres.
    pub false_northing: f64,
}

impl TransverseMercator {
    /// SWEREF 99 TM (EPSG:3006), the national grid: λ0 = 15°, k0 = 0.9996, FE = 500 000 m.
    pub const SWEREF99_TM: Self =
        Self { lon0_deg: 15.0, k0: 0.9996, false_easting: 500_000.0, false_northing: 0.0 };

    /// SWEREF 99 18 00 (EPSG:3011), the local grid for Stockholm: λ0 = 18°, k0 = 1, FE = 150 000 m.
    pub const SWEREF99_1800: Self =
        Self { lon0_deg: 18.0, k0: 1.0, false_easting: 150_000.0, false_northing: 0.0 };

    /// Projects a latitude and longitude in degrees to grid `(x, y)` =
    /// (easting, northing) in metres. Non-finite input gives non-finite output.
    pub fn forward(&self, lat_deg: f64, lon_deg: f64) -> (f64, f64) {
        let phi = lat_deg.to_radians();
        let (sin, cos) = phi.sin_cos();
        let phi_c = phi - sin * cos * series(sin * sin, &TO_CONFORMAL);
        let dlon = (lon_deg - self.lon0_deg).to_radians();
        let xi = phi_c.tan().atan2(dlon.cos());
        let eta = (phi_c.cos() * dlon.sin()).atanh();
        let (mut north, mut east) = (xi, eta);
        for (j, b) in BETA.iter().enumerate() {
            let k = 2.0 * (j + 1) as f64;
            north += b * (k * xi).sin() * (k * eta).cosh();
            east += b * (k * xi).cos() * (k * eta).sinh();
        }
        let scale = self.k0 * A_HAT;
        (scale * east + self.false_easting, scale * north + self.false_northing)
    }

    /// Inverts [`forward`](Self::forward): grid easting `x` and northing `y`
    /// in metres to `(lat, lon)` in degrees.
    pub fn inverse(&self, x: f64, y: f64) -> (f64, f64) {
        let scale = self.k0 * A_HAT;
        let xi = (y - self.false_northing) / scale;
        let eta = (x - self.false_easting) / scale;
        let (mut xi_p, mut eta_p) = (xi, eta);
        for (j, d) in DELTA.iter().enumerate() {
            let k = 2.0 * (j + 1) as f64;
            xi_p -= d * (k * xi).sin() * (k * eta).cosh();
            eta_p -= d * (k * xi).cos() * (k * eta).sinh();
        }
        let phi_c = (xi_p.sin() / eta_p.cosh()).asin();
        let dlon = eta_p.sinh().atan2(xi_p.cos());
        let (sin, cos) = phi_c.sin_cos();
        let phi = phi_c + sin * cos * series(sin * sin, &FROM_CONFORMAL);
        (phi.to_degrees(), self.lon0_deg + dlon.to_degrees())
    }
}

/// c0 + c1·s + c2·s² + c3·s³ (Horner), with s = sin²φ.
fn series(s: f64, c: &[f64; 4]) -> f64 {
    c[0] + s * (c[1] + s * (c[2] + s * c[3]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A file under `../shared/data`, or `None` (after saying why) when it is
    /// missing; under `CI=true` a missing file fails the test instead.
    fn shared_data(rel: &str) -> Option<PathBuf> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(rel);
        if path.is_file() {
            return Some(path);
        }
        let why = format!("test data {} not found", path.display());
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why} (required when CI=true)");
        eprintln!("skipping: {why}");
        None
    }

    /// Ground distance in metres of a small difference in degrees at `lat`.
    fn metres(dlat: f64, dlon: f64, lat: f64) -> f64 {
        let m_per_deg = SEMI_MAJOR.to_radians();
        (dlat * m_per_deg).hypot(dlon * m_per_deg * lat.to_radians().cos())
    }

    #[test]
    fn lantmateriet_control_points_both_ways() {
        let Some(path) = shared_data("crs/sweref99tm_control_points_lantmateriet.csv") else {
            return;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let (mut n, mut worst_fwd, mut worst_inv) = (0, 0.0_f64, 0.0_f64);
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.starts_with("point")) {
            let f: Vec<f64> = line.split(',').map(|v| v.trim().parse().unwrap()).collect();
            let (lat, lon) = (f[1] + f[2] / 60.0, f[3] + f[4] / 60.0);
            let (north, east) = (f[7], f[8]);
            let (x, y) = TransverseMercator::SWEREF99_TM.forward(lat, lon);
            worst_fwd = worst_fwd.max((x - east).abs()).max((y - north).abs());
            let (lat2, lon2) = TransverseMercator::SWEREF99_TM.inverse(east, north);
            // The published grid values are rounded to 1 mm, so compare on the ground.
            worst_inv = worst_inv.max(metres(lat2 - lat, lon2 - lon, lat));
            n += 1;
        }
        eprintln!(
            "{n} control points: forward max {:.3} mm, inverse max {:.3} mm",
            worst_fwd * 1e3,
            worst_inv * 1e3
        );
        assert_eq!(n, 15);
        assert!(worst_fwd < 0.001, "forward off by {worst_fwd} m");
        assert!(worst_inv < 0.001, "inverse off by {worst_inv} m");
    }

    #[test]
    fn inverse_undoes_forward_across_sweden() {
        let mut worst = 0.0_f64;
        for tm in [TransverseMercator::SWEREF99_TM, TransverseMercator::SWEREF99_1800] {
            for lat in (55..=69).map(f64::from) {
                for lon in (10..=25).map(|l| f64::from(l) + 0.25) {
                    let (x, y) = tm.forward(lat, lon);
                    let (lat2, lon2) = tm.inverse(x, y);
                    worst = worst.max((lat2 - lat).abs()).max((lon2 - lon).abs());
                }
            }
        }
        assert!(worst < 1e-9, "round trip off by {worst}°");
        let (x, y) = TransverseMercator::SWEREF99_TM.forward(0.0, 15.0);
        assert_eq!((x, y), (500_000.0, 0.0));
    }

    /// Shape type 5 (polygon) records as features → parts → (x, y).
    fn read_shapefile_polygons(bytes: &[u8]) -> Vec<Vec<Vec<(f64, f64)>>> {
        let i32_be = |at: usize| i32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        let i32_le = |at: usize| i32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let f64_le = |at: usize| f64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
        assert_eq!(i32_be(0), 9994, "not a shapefile");
        assert_eq!(i32_le(32), 5, "not a polygon shapefile");
        let (mut features, mut at) = (Vec::new(), 100);
        while at + 8 <= bytes.len() {
            let content = at + 8;
            let next = content + 2 * usize::try_from(i32_be(at + 4)).unwrap();
            assert_eq!(i32_le(content), 5, "record at byte {at} is not a polygon");
            let parts = usize::try_from(i32_le(content + 36)).unwrap();
            let points = usize::try_from(i32_le(content + 40)).unwrap();
            let mut starts: Vec<usize> =
                (0..parts).map(|p| usize::try_from(i32_le(content + 44 + 4 * p)).unwrap()).collect();
            starts.push(points);
            let xy = content + 44 + 4 * parts;
            let point = |i: usize| (f64_le(xy + 16 * i), f64_le(xy + 16 * i + 8));
            features.push(starts.windows(2).map(|w| (w[0]..w[1]).map(point).collect()).collect());
            at = next;
        }
        features
    }

    #[test]
    fn stockholm_districts_match_sweref99_1800_shapefile() {
        let dir = "stockholm-stadsdelar";
        let (Some(json), Some(shp)) = (
            shared_data(&format!("{dir}/stadsdelar_wgs84.geo.json")),
            shared_data(&format!("{dir}/stadsdelar_sweref99_1800.shp")),
        ) else {
            return;
        };
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
        let shapes = read_shapefile_polygons(&std::fs::read(shp).unwrap());
        let features = json["features"].as_array().unwrap();
        assert_eq!(features.len(), 117);
        assert_eq!(shapes.len(), features.len());
        let tm = TransverseMercator::SWEREF99_1800;
        let (mut n, mut worst_fwd, mut worst_inv) = (0, 0.0_f64, 0.0_f64);
        for (feature, parts) in features.iter().zip(&shapes) {
            let rings = feature["geometry"]["coordinates"].as_array().unwrap();
            assert_eq!(rings.len(), parts.len());
            for (ring, part) in rings.iter().zip(parts) {
                let ring = ring.as_array().unwrap();
                assert_eq!(ring.len(), part.len());
                for (pos, &(sx, sy)) in ring.iter().zip(part) {
                    let (lon, lat) = (pos[0].as_f64().unwrap(), pos[1].as_f64().unwrap());
                    let (x, y) = tm.forward(lat, lon);
                    worst_fwd = worst_fwd.max((x - sx).hypot(y - sy));
                    let (lat2, lon2) = tm.inverse(sx, sy);
                    worst_inv = worst_inv.max((lat2 - lat).abs()).max((lon2 - lon).abs());
                    n += 1;
                }
            }
        }
        eprintln!("{n} vertices: forward max {:.4} mm, inverse max {worst_inv:.1e}°", worst_fwd * 1e3);
        assert_eq!(n, 16_455);
        assert!(worst_fwd < 0.001, "forward off by {worst_fwd} m");
        assert!(worst_inv < 1e-9, "inverse off by {worst_inv}°");
    }
}
