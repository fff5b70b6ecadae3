use trygg_core::{Area, AreaLevel, Code, LatLon, Name};
use trygg_store::{AreaMethod, EventQuery, ImportMeta, NewEvent, Store, StoreError};

fn meta(file: &str) -> ImportMeta {
    ImportMeta {
        kind: "polisen".into(),
        source: "polisen".into(),
        file_name: file.into(),
        sha256: "00".into(),
        rejected: 0,
        actor: "cli".into(),
        started_at: 1,
    }
}

fn event(id: &str, at: i64, area: Option<&str>) -> NewEvent {
    NewEvent {
        source_id: id.into(),
        category: "Skadegörelse".into(),
        occurred_at: at,
        published_at: Some(at + 60_000),
        title: Some(format!("Händelse {id}")),
        summary: Some("Klotter på en vägg.".into()),
        url: Some("https://polisen.se/x".into()),
        location_name: Some("Stockholm".into()),
        municipality: Some("Stockholm".into()),
        position: None,
        area: area.map(|a| Code::new(a).unwrap()),
        area_method: area.map(|_| AreaMethod::Text),
    }
}

async fn areas(store: &Store) {
    store
        .upsert_area(&Area::new(
            Code::new("stockholm").unwrap(),
            Name::new("Stockholm").unwrap(),
            AreaLevel::City,
        ))
        .await
        .unwrap();
    let mut tensta =
        Area::new(Code::new("tensta").unwrap(), Name::new("Tensta").unwrap(), AreaLevel::District);
    tensta.parents = vec![trygg_core::AreaParent {
        code: Code::new("stockholm").unwrap(),
        valid_from: None,
        valid_to: None,
    }];
    store.upsert_area(&tensta).await.unwrap();
}

async fn reimporting_adds_nothing_and_changes_keep_history(store: Store) {
    areas(&store).await;
    let mut batch = vec![
        event("1", 1_000, Some("tensta")),
        event("2", 2_000, None),
        event("3", 3_000, Some("stockholm")),
    ];
    batch[1].position = Some(LatLon::new(59.39, 17.90).unwrap());
    let run = store.import_events(&meta("a.json"), &batch).await.unwrap();
    assert_eq!((run.inserted, run.updated, run.unchanged, run.accepted), (3, 0, 0, 3));
    let again = store.import_events(&meta("a.json"), &batch).await.unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 3));

    batch[0].summary = Some("Klotter, uppdaterad text.".into());
    batch.push(event("4", 4_000, Some("tensta")));
    let later = store.import_events(&meta("b.json"), &batch).await.unwrap();
    assert_eq!((later.inserted, later.updated, later.unchanged), (1, 1, 2));

    let all = store.events(&EventQuery::default()).await.unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].event.source_id, "4", "newest first");
    let first = all.iter().find(|e| e.event.source_id == "1").unwrap();
    assert_eq!(first.event.summary.as_deref(), Some("Klotter, uppdaterad text."));
    assert_eq!(store.event_versions(first.id).await.unwrap(), 1);
    let second = all.iter().find(|e| e.event.source_id == "2").unwrap();
    assert_eq!(second.event, batch[1], "round trip, position included");

    let runs = store.import_runs(10).await.unwrap();
    assert_eq!(runs.iter().map(|r| r.file_name.as_str()).collect::<Vec<_>>(), ["b.json", "a.json", "a.json"]);
}

async fn events_are_queried_by_area_and_time(store: Store) {
    areas(&store).await;
    let batch = vec![
        event("1", 1_000, Some("tensta")),
        event("2", 2_000, Some("tensta")),
        event("3", 3_000, Some("stockholm")),
    ];
    store.import_events(&meta("a.json"), &batch).await.unwrap();
    let q = |areas: &[&str], from: Option<i64>, to: Option<i64>| EventQuery {
        areas: areas.iter().map(|a| Code::new(a).unwrap()).collect(),
        from,
        to,
        limit: None,
        source: None,
        categories: Vec::new(),
    };
    assert_eq!(store.events(&q(&["tensta"], None, None)).await.unwrap().len(), 2);
    assert_eq!(store.events(&q(&["tensta", "stockholm"], Some(2_000), None)).await.unwrap().len(), 2);
    assert_eq!(store.events(&q(&[], None, Some(2_000))).await.unwrap().len(), 1);
    assert_eq!(
        store.event_counts(&q(&["tensta"], None, None)).await.unwrap(),
        vec![("Skadegörelse".to_owned(), 2)]
    );
    let by_source = |source: &str| EventQuery { source: Some(source.into()), ..q(&[], None, None) };
    assert_eq!(store.event_counts(&by_source("polisen")).await.unwrap().len(), 1);
    assert!(store.event_counts(&by_source("other")).await.unwrap().is_empty());
    assert_eq!(store.event_sources().await.unwrap(), ["polisen"]);
    let of = |c: &str| EventQuery { categories: vec![c.into()], ..q(&["tensta"], None, None) };
    assert_eq!(store.event_counts(&of("Skadegörelse")).await.unwrap(), vec![("Skadegörelse".to_owned(), 2)]);
    assert!(store.event_counts(&of("Rån")).await.unwrap().is_empty());
}

async fn an_import_that_fails_leaves_nothing_behind(store: Store) {
    areas(&store).await;
    let batch = vec![event("1", 1_000, Some("tensta")), event("2", 2_000, Some("atlantis"))];
    let err = store.import_events(&meta("bad.json"), &batch).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { what: "area", ref key } if key == "atlantis"), "{err}");
    assert!(store.events(&EventQuery::default()).await.unwrap().is_empty());
    assert!(
        store.import_runs(10).await.unwrap().is_empty(),
        "no provenance for an import that did not happen"
    );
}

async fn one_transaction_many_files_and_repeats_within_a_file(store: Store) {
    areas(&store).await;
    let mut import = store.begin_import().await.unwrap();
    import.start_run(&meta("a.json")).await.unwrap();
    // More events than one multi-row INSERT carries, and the same id twice with other content.
    for i in 0..5000 {
        import.add(event(&i.to_string(), i, None)).await.unwrap();
    }
    import.add(event("7", 99_999, Some("tensta"))).await.unwrap();
    let a = import.finish_run("aa", 0).await.unwrap();
    assert_eq!((a.accepted, a.inserted, a.updated), (5001, 5000, 1));
    import.start_run(&meta("b.json")).await.unwrap();
    import.add(event("7", 99_999, Some("tensta"))).await.unwrap();
    import.add(event("5000", 5000, None)).await.unwrap();
    let b = import.finish_run("bb", 2).await.unwrap();
    assert_eq!((b.inserted, b.unchanged, b.rejected, b.sha256.as_str()), (1, 1, 2, "bb"));
    assert!(store.events(&EventQuery::default()).await.unwrap().is_empty(), "nothing visible before commit");
    import.commit().await.unwrap();
    let all = store.events(&EventQuery::default()).await.unwrap();
    assert_eq!(all.len(), 5001);
    let seven = all.iter().find(|e| e.event.source_id == "7").unwrap();
    assert_eq!((seven.event.occurred_at, store.event_versions(seven.id).await.unwrap()), (99_999, 1));
    let runs = store.import_runs(10).await.unwrap();
    assert_eq!(runs.iter().map(|r| r.sha256.as_str()).collect::<Vec<_>>(), ["bb", "aa"]);

    let mut dropped = store.begin_import().await.unwrap();
    dropped.start_run(&meta("c.json")).await.unwrap();
    dropped.add(event("new", 1, None)).await.unwrap();
    dropped.finish_run("cc", 0).await.unwrap();
    drop(dropped);
    assert_eq!(store.events(&EventQuery::default()).await.unwrap().len(), 5001, "dropped without commit");
    assert_eq!(store.import_runs(10).await.unwrap().len(), 2);
}

trygg_store::test_on_every_backend!(
    one_transaction_many_files_and_repeats_within_a_file,
    reimporting_adds_nothing_and_changes_keep_history,
    events_are_queried_by_area_and_time,
    an_import_that_fails_leaves_nothing_behind,
);
