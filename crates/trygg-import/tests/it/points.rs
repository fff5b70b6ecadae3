//! The CSV point importer on real data (Vancouver's police incidents, UTM 10N)
//! and on Stockholm points in SWEREF 99 18 00.

use trygg_analysis::projection::TransverseMercator;
use trygg_import::points::{self, Mapping, PointsImportError};
use trygg_store::{AreaMethod, EventQuery, Store};

fn vancouver() -> Option<Vec<u8>> {
    crate::shared_data("crime/vancouver_vpd/crimedata_csv_AllNeighbourhoods_2026.csv")
}

fn vpd_mapping() -> Mapping {
    Mapping {
        source: "vancouver-vpd".into(),
        crs: "EPSG:26910".into(),
        x_column: "X".into(),
        y_column: "Y".into(),
        time_column: None,
        time_columns: Some(vec!["YEAR".into(), "MONTH".into(), "DAY".into(), "HOUR".into(), "MINUTE".into()]),
        category_column: "TYPE".into(),
        id_column: None,
        time_zone: Some("America/Vancouver".into()),
    }
}

async fn real_vancouver_incidents_import_idempotently(store: Store) {
    let Some(bytes) = vancouver() else { return };
    let rows = bytes.iter().filter(|&&b| b == b'\n').count() - 1;
    let locator = points::locator(&store).await.unwrap();
    let parsed = points::check("2026.csv", &bytes, &vpd_mapping(), &locator, false).unwrap();
    assert_eq!(parsed.events.len(), rows, "every row accepted");
    let blank = parsed.events.iter().filter(|e| e.position.is_none()).count();
    assert_eq!(blank, parsed.without_position);
    assert!(blank > 0, "privacy-offset rows are kept without a position");
    assert!(
        parsed
            .events
            .iter()
            .flat_map(|e| e.position)
            .all(|p| (49.1..49.4).contains(&p.lat) && (-123.3..-122.9).contains(&p.lon))
    );
    let run = points::load(&store, "2026.csv", &bytes, &vpd_mapping(), &parsed, "test").await.unwrap();
    assert_eq!(run.inserted as usize, rows, "repeated identical rows stay distinct");
    let again = points::load(&store, "2026.csv", &bytes, &vpd_mapping(), &parsed, "test").await.unwrap();
    assert_eq!((again.inserted, again.unchanged as usize), (0, rows));
}

async fn stockholm_points_are_placed_by_their_position(store: Store) {
    trygg_import::seed::seed_jarva(&store).await.unwrap();
    let tm = TransverseMercator::SWEREF99_1800;
    let (tx, ty) = tm.forward(59.3940, 17.9042); // Tensta centrum
    let (sx, sy) = tm.forward(59.3150, 18.0710); // Södermalm
    let csv = format!(
        "id,typ,datum,e,n\n1,Klotter,2025-05-02 21:10,{tx},{ty}\n2,Nedskräpning,2025-05-03,{sx},{sy}\n3,Klotter,2025-05-04,0,0\n"
    );
    let mapping = Mapping {
        source: "stadens-system".into(),
        crs: "EPSG:3011".into(),
        x_column: "e".into(),
        y_column: "n".into(),
        time_column: Some("datum".into()),
        time_columns: None,
        category_column: "typ".into(),
        id_column: Some("id".into()),
        time_zone: None,
    };
    let locator = points::locator(&store).await.unwrap();
    let parsed = points::check("s.csv", csv.as_bytes(), &mapping, &locator, false).unwrap();
    points::load(&store, "s.csv", csv.as_bytes(), &mapping, &parsed, "test").await.unwrap();
    let all = store.events(&EventQuery::default()).await.unwrap();
    let area = |id: &str| {
        all.iter().find(|e| e.event.source_id == id).unwrap().event.area.as_ref().map(|a| a.to_string())
    };
    assert_eq!(area("1").as_deref(), Some("tensta"));
    assert_eq!(area("2").as_deref(), Some("sodermalm"));
    assert_eq!(area("3"), None, "(0, 0) is a privacy offset, not a place");
    let p = all.iter().find(|e| e.event.source_id == "1").unwrap();
    assert_eq!(p.event.area_method, Some(AreaMethod::Point));
    let pos = p.event.position.unwrap();
    assert!(
        (pos.lat - 59.3940).abs() < 1e-9 && (pos.lon - 17.9042).abs() < 1e-9,
        "round trip through SWEREF 99 18 00"
    );
}

async fn bad_rows_are_named_and_nothing_is_written(store: Store) {
    let locator = points::locator(&store).await.unwrap();
    let mut csv = String::from("TYPE,YEAR,MONTH,DAY,HOUR,MINUTE,HUNDRED_BLOCK,NEIGHBOURHOOD,X,Y\n");
    for i in 0..20 {
        csv.push_str(&format!(
            "Mischief,2024,5,{},10,0,1XX MAIN ST,Strathcona,{},5458000\n",
            1 + i % 28,
            492000 + i
        ));
    }
    csv = csv.replacen("Mischief,2024,5,11", "Mischief,2024,13,11", 1).replacen(",492003,", ",abc,", 1);
    let err = points::check("bad.csv", csv.as_bytes(), &vpd_mapping(), &locator, false).unwrap_err();
    let PointsImportError::Rejected { rejected, .. } = &err else { panic!("{err}") };
    assert_eq!(rejected.len(), 2);
    assert_eq!((rejected[0].line, rejected[0].column.as_str()), (5, "X"));
    assert!(rejected[0].reason.contains("\"abc\" is not a number"));
    assert_eq!((rejected[1].line, rejected[1].column.as_str()), (12, "DAY"));
    assert!(
        err.to_string().contains("bad.csv: 2 rows refused, nothing imported (first: line 5, column X"),
        "{err}"
    );
    let parsed = points::check("bad.csv", csv.as_bytes(), &vpd_mapping(), &locator, true).unwrap();
    assert_eq!(parsed.events.len(), 18, "--skip-invalid keeps the good rows");
    let missing = Mapping { x_column: "LON".into(), ..vpd_mapping() };
    let err = points::check("bad.csv", csv.as_bytes(), &missing, &locator, false).unwrap_err().to_string();
    assert!(err.contains("no column \"LON\""), "{err}");
    assert!(store.events(&EventQuery::default()).await.unwrap().is_empty());
}

trygg_store::test_on_every_backend!(
    real_vancouver_incidents_import_idempotently,
    stockholm_points_are_placed_by_their_position,
    bad_rows_are_named_and_nothing_is_written,
);
