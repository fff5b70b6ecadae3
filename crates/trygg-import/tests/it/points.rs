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

/// Rows of Stockholm points in WGS84 (lat, lon columns), one per line from line 2.
fn stockholm_rows(n: usize) -> String {
    let mut csv = String::from("id,typ,datum,lat,lon\n");
    for i in 0..n {
        csv.push_str(&format!(
            "{i},Klotter,2025-05-{:02} 21:10,59.{:04},17.9042\n",
            1 + i % 28,
            3900 + i % 80
        ));
    }
    csv
}

fn stockholm_mapping() -> Mapping {
    Mapping {
        source: "stadens-system".into(),
        crs: "EPSG:4326".into(),
        x_column: "lon".into(),
        y_column: "lat".into(),
        time_column: Some("datum".into()),
        time_columns: None,
        category_column: "typ".into(),
        id_column: Some("id".into()),
        time_zone: None,
    }
}

async fn stream(store: &Store, csv: String, skip_invalid: bool) -> points::ImportSummary {
    let locator = std::sync::Arc::new(points::locator(store).await.unwrap());
    let input = points::Input::Bytes { name: "incidents.csv".into(), bytes: csv.into_bytes().into() };
    let options = points::ImportOptions { actor: "test".into(), skip_invalid, dry_run: false };
    points::import_files(store, &[input], &stockholm_mapping(), locator, &options, &mut |_| {}).await.unwrap()
}

async fn a_bad_date_on_line_4711_and_swapped_coordinates_write_nothing(store: Store) {
    trygg_import::seed::seed_jarva(&store).await.unwrap();
    let mut lines: Vec<String> = stockholm_rows(6000).lines().map(str::to_owned).collect();
    lines[4710] = lines[4710].replace("2025-05-", "2025-15-"); // line 4711 of the file
    lines[5000] = "4999,Klotter,2025-05-02,17.9042,59.3950".into(); // lat and lon the wrong way round
    let csv = lines.join("\n") + "\n";
    let summary = stream(&store, csv.clone(), false).await;
    assert!(!summary.written);
    let rejected = &summary.files[0].rejected;
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert_eq!((rejected[0].line, rejected[0].column.as_str()), (4711, "datum"));
    assert!(rejected[0].reason.contains("is not a date"), "{}", rejected[0].reason);
    assert_eq!((rejected[1].line, rejected[1].column.as_str()), (5001, "lon/lat"));
    assert!(
        rejected[1].reason.contains("seem swapped") && rejected[1].reason.contains("tensta"),
        "{}",
        rejected[1].reason
    );
    assert!(store.events(&EventQuery::default()).await.unwrap().is_empty(), "the database is as it was");
    assert!(
        store.import_runs(10).await.unwrap().is_empty(),
        "no provenance for an import that did not happen"
    );

    let summary = stream(&store, csv, true).await;
    assert!(summary.written);
    let run = summary.files[0].run.as_ref().unwrap();
    assert_eq!((run.inserted, run.rejected), (5998, 2));
    let runs = store.import_runs(10).await.unwrap();
    assert_eq!(runs[0].sha256.len(), 64, "the streamed file's SHA-256 is recorded");
}

async fn streaming_import_of_many_rows_is_idempotent(store: Store) {
    trygg_import::seed::seed_jarva(&store).await.unwrap();
    // More rows than one multi-row INSERT carries on either backend (2,047 / 4,095).
    let csv = stockholm_rows(9000);
    let first = stream(&store, csv.clone(), false).await;
    assert_eq!(first.files[0].run.as_ref().unwrap().inserted, 9000);
    let again = stream(&store, csv.replacen("\n0,Klotter,", "\n0,Nedskräpning,", 1), false).await;
    let run = again.files[0].run.as_ref().unwrap();
    assert_eq!((run.inserted, run.updated, run.unchanged), (0, 1, 8999));
    let all = store.events(&EventQuery::default()).await.unwrap();
    assert_eq!(all.len(), 9000);
    assert!(all.iter().all(|e| e.event.area.as_ref().is_some_and(|a| a.as_str() == "tensta")));
    let changed = all.iter().find(|e| e.event.source_id == "0").unwrap();
    assert_eq!(changed.event.category, "Nedskräpning");
    assert_eq!(store.event_versions(changed.id).await.unwrap(), 1);
}

mod streaming {
    use super::*;
    trygg_store::test_on_every_backend!(
        a_bad_date_on_line_4711_and_swapped_coordinates_write_nothing,
        streaming_import_of_many_rows_is_idempotent,
    );
}
