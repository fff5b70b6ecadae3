use trygg_store::testing::execute_raw;
use trygg_store::{SCHEMA_VERSION, Store, StoreError};

async fn migrating_twice_is_a_no_op(store: Store) {
    assert_eq!(store.schema_version().await.unwrap(), Some(SCHEMA_VERSION));
    store.migrate().await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), Some(SCHEMA_VERSION));
    store.ping().await.unwrap();
}

async fn a_newer_schema_is_a_clear_error(store: Store) {
    execute_raw(
        &store,
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', TRUE, '', 0)",
    )
    .await
    .ok();
    // SQLite and PostgreSQL type the checksum column differently; make sure the row is there.
    if store.schema_version().await.unwrap() != Some(9999) {
        execute_raw(
            &store,
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (9999, 'from the future', TRUE, '\\x00', 0)",
        )
        .await
        .unwrap();
    }
    let err = store.migrate().await.unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooNew { database: 9999, binary: SCHEMA_VERSION }), "{err}");
    assert!(err.to_string().contains("upgrade trygg"));
}

trygg_store::test_on_every_backend!(migrating_twice_is_a_no_op, a_newer_schema_is_a_clear_error);

#[tokio::test]
async fn unknown_url_schemes_are_refused() {
    let err = Store::connect("mysql://localhost/trygg").await.unwrap_err();
    assert!(err.to_string().contains("sqlite://PATH or postgres://"), "{err}");
}
