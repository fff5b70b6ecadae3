use super::*;
use crate::rng::SeededRng;

fn square(x0: f64, y0: f64, side: f64) -> Ring {
    vec![[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side]]
}

fn reversed(mut r: Ring) -> Ring {
    r.reverse();
    r
}

/// Plain even–odd over every ring of an area, with the rings as given (no index, no bands).
fn brute_force(area: &Area, x: f64, y: f64) -> bool {
    area.iter().any(|rings| {
        let mut inside = false;
        for ring in rings {
            let n = ring.len();
            for i in 0..n {
                let (p, q) = (ring[i], ring[(i + 1) % n]);
                if (p[1] > y) != (q[1] > y) && x < p[0] + (y - p[1]) * (q[0] - p[0]) / (q[1] - p[1]) {
                    inside = !inside;
                }
            }
        }
        inside
    })
}

fn bounding_box(area: &Area) -> ([f64; 2], [f64; 2]) {
    let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
    for v in area.iter().flatten().flatten() {
        for d in 0..2 {
            lo[d] = lo[d].min(v[d]);
            hi[d] = hi[d].max(v[d]);
        }
    }
    (lo, hi)
}

fn uniform(rng: &mut SeededRng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * (rng.below(1 << 53) as f64 / (1u64 << 53) as f64)
}

#[test]
fn squares_with_holes_in_both_orientations() {
    // Area 0: a 10×10 square with a 4×4 hole (clockwise outline, counter-clockwise hole).
    // Area 1: a multipolygon: the hole's inner 2×2 island, and a far square (closed ring).
    let mut far = square(100.0, 100.0, 5.0);
    far.push(far[0]);
    let areas: Vec<Area> = vec![
        vec![vec![reversed(square(0.0, 0.0, 10.0)), square(3.0, 3.0, 4.0)]],
        vec![vec![reversed(square(4.0, 4.0, 2.0))], vec![far]],
    ];
    let idx = PolygonIndex::new(&areas).unwrap();
    assert_eq!(idx.len(), 2);
    assert_eq!(idx.locate(1.0, 1.0), Some(0));
    assert_eq!(idx.locate(3.5, 5.0), None, "in the hole");
    assert_eq!(idx.locate(5.0, 5.0), Some(1), "on the island");
    assert_eq!(idx.locate(102.0, 101.0), Some(1), "the far part");
    assert_eq!(idx.locate(50.0, 50.0), None);
    assert_eq!(idx.locate(f64::NAN, 1.0), None);
    assert_eq!(idx.locate_all(&[1.0, 5.0, -1.0], &[1.0, 5.0, 0.0]), vec![Some(0), Some(1), None]);
}

#[test]
fn boundaries_follow_the_half_open_rule_and_shared_edges_count_once() {
    // Two unit squares side by side, one above; plus a skewed shared edge.
    let tri_a = vec![[0.0, 10.0], [3.0, 10.0], [1.0, 13.0]];
    let tri_b = vec![[3.0, 10.0], [1.0, 13.0], [4.0, 13.0]];
    let areas: Vec<Area> = vec![
        vec![vec![square(0.0, 0.0, 1.0)]],
        vec![vec![reversed(square(1.0, 0.0, 1.0))]],
        vec![vec![square(0.0, 1.0, 1.0)]],
        vec![vec![tri_a]],
        vec![vec![tri_b]],
    ];
    let idx = PolygonIndex::new(&areas).unwrap();
    assert_eq!(idx.locate(0.0, 0.5), Some(0), "west edge is inside");
    assert_eq!(idx.locate(0.5, 0.0), Some(0), "south edge is inside");
    assert_eq!(idx.locate(1.0, 0.5), Some(1), "shared vertical edge goes east");
    assert_eq!(idx.locate(0.5, 1.0), Some(2), "shared horizontal edge goes north");
    assert_eq!(idx.locate(2.0, 0.5), None, "east edge is outside");
    assert_eq!(idx.locate(0.5, 2.0), None, "north edge is outside");
    // Points exactly on the skewed shared edge land in exactly one triangle.
    for k in 1..100 {
        let t = k as f64 / 100.0;
        let (x, y) = (3.0 - 2.0 * t, 10.0 + 3.0 * t);
        let hits = [3, 4].iter().filter(|&&a| idx.polygons[a].contains(x, y)).count();
        assert_eq!(hits, 1, "({x}, {y})");
    }
}

#[test]
fn overlapping_areas_give_the_lowest_index() {
    let areas: Vec<Area> = vec![
        vec![vec![square(5.0, 5.0, 10.0)]],
        vec![vec![square(0.0, 0.0, 10.0)]],
        vec![vec![square(2.0, 2.0, 2.0)]],
    ];
    let idx = PolygonIndex::new(&areas).unwrap();
    assert_eq!(idx.locate(6.0, 6.0), Some(0));
    assert_eq!(idx.locate(3.0, 3.0), Some(1));
    assert_eq!(idx.locate(12.0, 12.0), Some(0));
}

#[test]
fn bad_polygons_are_refused() {
    assert_eq!(PolygonIndex::new(&[]).unwrap_err(), PipError::NoAreas);
    assert_eq!(PolygonIndex::new(&[vec![]]).unwrap_err(), PipError::EmptyArea(0));
    let line: Area = vec![vec![vec![[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]];
    assert_eq!(PolygonIndex::new(&[line]).unwrap_err(), PipError::ShortRing { area: 0, polygon: 0, ring: 0 });
    let nan: Area = vec![vec![square(0.0, 0.0, 1.0), vec![[0.2, 0.2], [f64::NAN, 0.3], [0.3, 0.4]]]];
    let ok: Area = vec![vec![square(0.0, 0.0, 1.0)]];
    assert_eq!(
        PolygonIndex::new(&[ok, nan]).unwrap_err(),
        PipError::NonFinite { area: 1, polygon: 0, ring: 1 }
    );
}

/// The districts of `stadsdelar_wgs84.geo.json` as (NAME, area), or `None` if missing (outside CI).
fn stockholm_districts() -> Option<Vec<(String, Area)>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/stockholm-stadsdelar/stadsdelar_wgs84.geo.json"
    );
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{path} missing under CI: {e}");
            eprintln!("skipping: {path}: {e}");
            return None;
        }
    };
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let ring = |r: &serde_json::Value| -> Ring {
        r.as_array().unwrap().iter().map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()]).collect()
    };
    let polygon = |p: &serde_json::Value| -> Polygon { p.as_array().unwrap().iter().map(ring).collect() };
    let features = json["features"].as_array().unwrap();
    Some(
        features
            .iter()
            .map(|f| {
                let g = &f["geometry"];
                let coords = &g["coordinates"];
                let area = match g["type"].as_str().unwrap() {
                    "Polygon" => vec![polygon(coords)],
                    "MultiPolygon" => coords.as_array().unwrap().iter().map(polygon).collect(),
                    other => panic!("unexpected geometry {other}"),
                };
                (f["properties"]["name"].as_str().unwrap().to_string(), area)
            })
            .collect(),
    )
}

/// A point inside an area: the middle of the widest inside stretch of the
/// horizontal line through the middle of its bounding box.
fn interior_point(area: &Area) -> (f64, f64) {
    let ys = area.iter().flatten().flatten().map(|v| v[1]);
    let (lo, hi) = ys.fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)));
    let y = (lo + hi) / 2.0 + (hi - lo) * 1e-7;
    let mut xs: Vec<f64> = Vec::new();
    for ring in area.iter().flatten() {
        for i in 0..ring.len() {
            let (p, q) = (ring[i], ring[(i + 1) % ring.len()]);
            if (p[1] > y) != (q[1] > y) {
                xs.push(p[0] + (y - p[1]) * (q[0] - p[0]) / (q[1] - p[1]));
            }
        }
    }
    xs.sort_by(f64::total_cmp);
    let widest = xs.chunks(2).max_by(|a, b| (a[1] - a[0]).total_cmp(&(b[1] - b[0]))).unwrap();
    ((widest[0] + widest[1]) / 2.0, y)
}

#[test]
fn stockholm_districts_contain_their_own_interior_points_and_places() {
    let Some(districts) = stockholm_districts() else { return };
    assert_eq!(districts.len(), 117);
    let areas: Vec<Area> = districts.iter().map(|d| d.1.clone()).collect();
    let idx = PolygonIndex::new(&areas).unwrap();
    for (i, (name, area)) in districts.iter().enumerate() {
        let (x, y) = interior_point(area);
        assert_eq!(idx.locate(x, y), Some(i), "{name} at ({x}, {y})");
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/places/jarva_places.csv");
    let Ok(text) = std::fs::read_to_string(path) else {
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{path} missing under CI");
        return;
    };
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let (lat, lon, district) = (col("lat"), col("lon"), col("stadsdel"));
    let mut places = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let (x, y): (f64, f64) = (rec[lon].parse().unwrap(), rec[lat].parse().unwrap());
        let found = idx.locate(x, y).map(|i| districts[i].0.as_str());
        assert_eq!(found, Some(rec[district].to_uppercase().as_str()), "{:?}", &rec);
        places += 1;
    }
    assert_eq!(places, 11);
}

#[test]
fn stockholm_agrees_with_brute_force_even_odd_on_random_points() {
    let Some(districts) = stockholm_districts() else { return };
    let areas: Vec<Area> = districts.into_iter().map(|d| d.1).collect();
    let idx = PolygonIndex::new(&areas).unwrap();
    let (lo, hi) = bounding_box(&areas.concat());
    let mut rng = SeededRng::new(2024);
    let n = 100_000;
    let xs: Vec<f64> = (0..n).map(|_| uniform(&mut rng, lo[0], hi[0])).collect();
    let ys: Vec<f64> = (0..n).map(|_| uniform(&mut rng, lo[1], hi[1])).collect();
    let found = idx.locate_all(&xs, &ys);
    let boxes: Vec<([f64; 2], [f64; 2])> = areas.iter().map(bounding_box).collect();
    let in_box = |a: usize, x: f64, y: f64| {
        let (lo, hi) = boxes[a];
        x >= lo[0] && x <= hi[0] && y >= lo[1] && y <= hi[1]
    };
    let mut inside = 0;
    for i in 0..n {
        let (x, y) = (xs[i], ys[i]);
        let want =
            (0..areas.len()).find(|&a| in_box(a, x, y) && brute_force(&areas[a], x, y)).map(|a| a as u32);
        assert_eq!(found[i], want, "point {i} ({}, {})", xs[i], ys[i]);
        inside += usize::from(want.is_some());
    }
    assert!(inside > n / 3, "{inside}");
}
