//! The city's district shapefile (SWEREF 99 18 00, Latin-1 DBF) against the
//! same polygons as GeoJSON in WGS84, and text in the wrong encoding.

use trygg_import::shapefile::{self, ShapefileParts, TextEncoding};

struct Files {
    shp: Vec<u8>,
    dbf: Vec<u8>,
    prj: String,
}

fn files() -> Option<Files> {
    let base = "stockholm-stadsdelar/stadsdelar_sweref99_1800";
    Some(Files {
        shp: crate::shared_data(&format!("{base}.shp"))?,
        dbf: crate::shared_data(&format!("{base}.dbf"))?,
        prj: String::from_utf8(crate::shared_data(&format!("{base}.prj"))?).unwrap(),
    })
}

fn parts<'a>(f: &'a Files, dbf: &'a [u8]) -> ShapefileParts<'a> {
    ShapefileParts { shp: &f.shp, dbf, prj: Some(&f.prj), cpg: None }
}

#[test]
fn the_shapefile_matches_the_geojson_vertex_for_vertex() {
    let Some(f) = files() else { return };
    let features = shapefile::parse("stadsdelar", parts(&f, &f.dbf), "name", None).unwrap();
    assert_eq!(features.len(), 117);
    let Some(json) = crate::shared_data("stockholm-stadsdelar/stadsdelar_wgs84.geo.json") else { return };
    let oracle =
        trygg_import::boundaries::parse_boundaries("g", std::str::from_utf8(&json).unwrap(), "name").unwrap();
    let (mut vertices, mut worst) = (0usize, 0f64);
    for (s, g) in features.iter().zip(&oracle) {
        assert_eq!(s.name, g.name, "Latin-1 names decoded (e.g. VÅRBERG)");
        let (a, b) = (s.boundary.polygons(), g.boundary.polygons());
        assert_eq!(a.len(), b.len());
        for (ra, rb) in a.iter().flatten().zip(b.iter().flatten()) {
            assert_eq!(ra.len(), rb.len(), "{}", s.name);
            for (p, q) in ra.iter().zip(rb) {
                worst = worst.max((p.lat - q.lat).abs()).max((p.lon - q.lon).abs());
                vertices += 1;
            }
        }
    }
    assert_eq!(vertices, 16_455);
    assert!(worst < 1e-8, "largest difference {worst}° (1e-8° is about 1 mm)");
    assert!(features.iter().any(|f| f.name == "VÅRBERG"));
    assert!(features.iter().any(|f| f.name == "TENSTA"));
}

#[test]
fn text_in_the_wrong_encoding_is_refused_with_its_record() {
    let Some(f) = files() else { return };
    let err =
        shapefile::parse("stadsdelar", parts(&f, &f.dbf), "name", Some(TextEncoding::Utf8)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("stadsdelar.dbf: record 2, field \"name\": cannot be read"), "{msg}");
    assert!(msg.contains("give --encoding latin1"), "{msg}");

    // The same table with UTF-8 text, read as the default Latin-1.
    let mut utf8 = f.dbf.clone();
    let (header, record) = (65usize, 81usize);
    let start = header + record + 1; // record 2, after its deletion flag
    let name: Vec<u8> = "VÅRBERG".bytes().chain(std::iter::repeat(b' ')).take(80).collect();
    utf8[start..start + 80].copy_from_slice(&name);
    let err = shapefile::parse("stadsdelar", parts(&f, &utf8), "name", None).unwrap_err().to_string();
    assert!(err.contains("record 2, field \"name\": \"VÃ"), "{err}");
    assert!(err.contains("RBERG\" looks like UTF-8 read as Latin-1 — give --encoding utf-8"), "{err}");
    let ok = shapefile::parse("stadsdelar", parts(&f, &utf8), "name", Some(TextEncoding::Utf8));
    assert!(ok.is_err(), "the rest of the table is still Latin-1");

    let err =
        shapefile::parse("s", ShapefileParts { prj: None, ..parts(&f, &f.dbf) }, "name", None).unwrap_err();
    assert_eq!(err.to_string(), "s.prj: missing: the coordinate system is unknown");
    assert!(
        shapefile::parse("s", parts(&f, &f.dbf), "namn", None)
            .unwrap_err()
            .to_string()
            .contains("no field \"namn\" (fields: name)")
    );
}

async fn shapefile_boundaries_replace_the_districts(store: trygg_store::Store) {
    let Some(f) = files() else { return };
    trygg_import::seed::seed_jarva(&store).await.unwrap();
    let features = shapefile::parse("stadsdelar", parts(&f, &f.dbf), "name", None).unwrap();
    let areas = trygg_import::statistics::matcher(&store).await.unwrap();
    let matched = shapefile::match_areas(&features, &areas);
    assert_eq!(matched.boundaries.len(), 116);
    assert_eq!(
        matched.unmatched,
        [(51, "ULVSUNDA INDUSTRIOMR".to_owned())],
        "the city abbreviates it; the seed names the area Ulvsunda industriområde"
    );
    let meta = trygg_store::ImportMeta {
        kind: "boundaries".into(),
        source: "stadsdelar".into(),
        file_name: "stadsdelar.shp".into(),
        sha256: "00".into(),
        rejected: 1,
        actor: "test".into(),
        started_at: 0,
    };
    let run = store.import_boundaries(&meta, &matched.boundaries).await.unwrap();
    assert_eq!((run.updated, run.unchanged, run.rejected), (116, 0, 1));
    let again = store.import_boundaries(&meta, &matched.boundaries).await.unwrap();
    assert_eq!((again.updated, again.unchanged), (0, 116));
    let tensta = store.area(&trygg_core::Code::new("tensta").unwrap()).await.unwrap().unwrap();
    assert_eq!(tensta.boundary_source.as_deref(), Some("stadsdelar.shp"));
    let (p, q) = (
        tensta.boundary.unwrap(),
        &matched.boundaries.iter().find(|(c, _)| c.as_str() == "tensta").unwrap().1,
    );
    let (a, b) = (p.polygons().concat().concat(), q.polygons().concat().concat());
    assert_eq!(a.len(), b.len());
    let worst =
        a.iter().zip(&b).map(|(x, y)| (x.lat - y.lat).abs().max((x.lon - y.lon).abs())).fold(0.0, f64::max);
    assert!(worst < 1e-12, "stored as read, to the last digits ({worst}°)");

    let bad = vec![(trygg_core::Code::new("atlantis").unwrap(), q.clone())];
    assert!(store.import_boundaries(&meta, &bad).await.is_err());
    assert_eq!(store.import_runs(10).await.unwrap().len(), 2, "the failed import left nothing");
}

trygg_store::test_on_every_backend!(shapefile_boundaries_replace_the_districts);
