//! Aggregate figures: upserts counted as new, updated or unchanged, one
//! transaction with provenance, nothing left behind by a failed import.

use trygg_core::{Area, AreaLevel, Code, Name};
use trygg_store::{CrimeCount, ImportMeta, PopulationCount, Store, StoreError, SurveyValue};

fn meta(kind: &str, source: &str) -> ImportMeta {
    ImportMeta {
        kind: kind.into(),
        source: source.into(),
        file_name: format!("{kind}.csv"),
        sha256: "ab".into(),
        rejected: 0,
        actor: "test".into(),
        started_at: 1,
    }
}

fn crimes(area: Option<&str>, thefts: i64) -> Vec<CrimeCount> {
    ["Stöldbrott", "Våldsbrott"]
        .iter()
        .enumerate()
        .map(|(i, t)| CrimeCount {
            region: "Rinkeby-Kista".into(),
            area: area.map(|a| Code::new(a).unwrap()),
            period: "2016-06".into(),
            crime_type: (*t).into(),
            count: if i == 0 { thefts } else { 74 },
        })
        .collect()
}

async fn crime_counts_upsert_and_count_changes(store: Store) {
    let city = Area::new(Code::new("stockholm").unwrap(), Name::new("Stockholm").unwrap(), AreaLevel::City);
    store.upsert_area(&city).await.unwrap();
    let run =
        store.import_crime_counts(&meta("statistics", "bra"), &crimes(Some("stockholm"), 269)).await.unwrap();
    assert_eq!((run.inserted, run.updated, run.unchanged, run.accepted), (2, 0, 0, 2));
    let run =
        store.import_crime_counts(&meta("statistics", "bra"), &crimes(Some("stockholm"), 270)).await.unwrap();
    assert_eq!((run.inserted, run.updated, run.unchanged), (0, 1, 1));
    let rows = store.crime_counts("bra").await.unwrap();
    assert_eq!(rows, crimes(Some("stockholm"), 270));
    assert!(store.crime_counts("other").await.unwrap().is_empty());
    let runs = store.import_runs(5).await.unwrap();
    assert_eq!((runs.len(), runs[0].kind.as_str(), runs[0].sha256.as_str()), (2, "statistics", "ab"));
}

async fn an_unknown_area_leaves_nothing_behind(store: Store) {
    let err = store
        .import_crime_counts(&meta("statistics", "bra"), &crimes(Some("atlantis"), 1))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { what: "area", ref key } if key == "atlantis"), "{err}");
    assert!(store.crime_counts("bra").await.unwrap().is_empty());
    assert!(store.import_runs(5).await.unwrap().is_empty());
}

async fn survey_values_keep_their_wave_and_population_round_trips(store: Store) {
    let value = |wave: i32, share: f64| SurveyValue {
        survey: "ntu".into(),
        wave,
        region: "Järva".into(),
        area: None,
        indicator: "otrygg".into(),
        group: "age:16-24".into(),
        respondents: Some(120),
        yes_count: None,
        share,
        weighted_share: Some(share + 0.5),
        source_url: None,
    };
    let values = vec![value(2023, 20.0), value(2017, 31.5)];
    store.import_survey_values(&meta("survey", "ntu"), &values).await.unwrap();
    let stored = store.survey_values("ntu").await.unwrap();
    assert_eq!(stored, vec![value(2017, 31.5), value(2023, 20.0)], "oldest wave first");
    let again = store.import_survey_values(&meta("survey", "ntu"), &values).await.unwrap();
    assert_eq!(again.unchanged, 2);
    assert!(store.import_survey_values(&meta("survey", "other"), &values).await.is_err());

    let people = vec![PopulationCount {
        region: "0180".into(),
        area: None,
        year: 2024,
        sex: "women".into(),
        age: "65+".into(),
        persons: 53_211,
    }];
    store.import_population(&meta("population", "scb"), &people).await.unwrap();
    assert_eq!(store.population("scb").await.unwrap(), people);
}

trygg_store::test_on_every_backend!(
    crime_counts_upsert_and_count_changes,
    an_unknown_area_leaves_nothing_behind,
    survey_values_keep_their_wave_and_population_round_trips,
);
