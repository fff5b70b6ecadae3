//! Backup and restore: every table round-trips on each backend and across
//! them, the file covers every table of the schema, and a broken file
//! changes nothing.

use trygg_core::{Area, AreaLevel, Code, LatLon, Name};
use trygg_store::testing::TestDb;
use trygg_store::{ImportMeta, NewEvent, NewSnapshot, Store, backup_tables};

async fn some_data(store: &Store) {
    let mut tensta =
        Area::new(Code::new("tensta").unwrap(), Name::new("Tensta").unwrap(), AreaLevel::District);
    tensta.location = Some(LatLon::new(59.394, 17.904).unwrap());
    store.upsert_area(&tensta).await.unwrap();
    let meta = ImportMeta {
        kind: "points".into(),
        source: "test".into(),
        file_name: "a.csv".into(),
        sha256: "ab".repeat(32),
        rejected: 0,
        actor: "test".into(),
        started_at: 1_700_000_000_000,
    };
    let event = |id: &str, at: i64| NewEvent {
        source_id: id.into(),
        category: "Skadegörelse".into(),
        occurred_at: at,
        published_at: None,
        title: Some("Fönster krossat \"med\" sten".into()),
        summary: None,
        url: None,
        location_name: None,
        municipality: Some("Stockholm".into()),
        position: Some(LatLon::new(59.3941, 17.9043).unwrap()),
        area: Some(Code::new("tensta").unwrap()),
        area_method: Some(trygg_store::AreaMethod::Point),
    };
    store.import_events(&meta, &[event("1", 1_000), event("2", 2_000)]).await.unwrap();
    let area = Code::new("tensta").unwrap();
    let snapshot = NewSnapshot {
        kind: "situation",
        area: &area,
        period: "2025",
        lang: "sv",
        title: "Lägesbild Tensta 2025",
        document: "{\"å\": 1.5}",
    };
    store.publish_snapshot("user:1", &snapshot).await.unwrap();
    store.audit("user:1", "test.action", "record:1", "åäö").await.unwrap();
}

/// A backup as text without its creation time.
async fn dump(store: &Store) -> String {
    let mut out = Vec::new();
    store.backup(&mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["schema_version"], trygg_store::SCHEMA_VERSION);
    lines.collect::<Vec<_>>().join("\n")
}

async fn a_backup_restores_every_table_exactly(store: Store) {
    some_data(&store).await;
    let before = dump(&store).await;
    assert!(before.contains("\"table\":\"events\"") && before.contains("Fönster krossat"));
    let mut file = Vec::new();
    let summary = store.backup(&mut file).await.unwrap();
    assert_eq!(summary.tables, backup_tables().len());
    assert!(summary.rows >= 6, "{summary:?}");
    let target = TestDb::sqlite().await;
    target.store.restore(&mut file.as_slice()).await.unwrap();
    assert_eq!(dump(&target.store).await, before, "SQLite restores what {:?} backed up", store.backend());
    assert!(target.store.verify_audit().await.is_ok());
    if let Some(pg) = TestDb::postgres().await {
        pg.store.restore(&mut file.as_slice()).await.unwrap();
        assert_eq!(dump(&pg.store).await, before, "PostgreSQL restores what {:?} backed up", store.backend());
        // New rows after a restore get fresh ids.
        store_more(&pg.store).await;
        pg.finish().await;
    }
    target.finish().await;
}

async fn store_more(store: &Store) {
    let area = Code::new("tensta").unwrap();
    let again = NewSnapshot {
        kind: "situation",
        area: &area,
        period: "2025",
        lang: "sv",
        title: "v2",
        document: "{}",
    };
    let info = store.publish_snapshot("user:1", &again).await.unwrap();
    assert_eq!(info.version, 2);
}

async fn a_broken_backup_changes_nothing(store: Store) {
    some_data(&store).await;
    let mut file = Vec::new();
    store.backup(&mut file).await.unwrap();
    let text = String::from_utf8(file).unwrap();
    let before = dump(&store).await;
    let cut: String = text.lines().take(text.lines().count() - 3).collect::<Vec<_>>().join("\n");
    assert!(store.restore(&mut cut.as_bytes()).await.is_err(), "a truncated file is refused");
    assert!(store.restore(&mut "not json\n".as_bytes()).await.is_err());
    let newer = text.replacen(
        &format!("\"schema_version\":{}", trygg_store::SCHEMA_VERSION),
        "\"schema_version\":9999",
        1,
    );
    assert!(store.restore(&mut newer.as_bytes()).await.is_err(), "another schema version is refused");
    assert_eq!(dump(&store).await, before, "nothing changed");
}

async fn the_backup_covers_every_table_of_the_schema(store: Store) {
    let sql = match store.backend() {
        trygg_store::Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '_sqlx_migrations' ORDER BY name"
        }
        trygg_store::Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_name <> '_sqlx_migrations' ORDER BY table_name"
        }
    };
    let mut actual: Vec<String> = trygg_store::testing::query_strings(&store, sql).await.unwrap();
    actual.sort();
    let mut ours: Vec<String> = backup_tables().into_iter().map(str::to_owned).collect();
    ours.sort();
    assert_eq!(ours, actual);
}

trygg_store::test_on_every_backend!(
    a_backup_restores_every_table_exactly,
    a_broken_backup_changes_nothing,
    the_backup_covers_every_table_of_the_schema,
);
