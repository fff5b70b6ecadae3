//! Test support (feature `testing`): fresh databases on every backend.
//!
//! SQLite always, in a temporary file; PostgreSQL when
//! `TRYGG_TEST_POSTGRES_URL` is set, each test in a schema of its own so
//! tests run in parallel. Under `CI=true` a missing PostgreSQL URL fails the
//! test instead of skipping it.

use crate::{Backend, Store};
use std::future::Future;

/// A fresh, migrated database that is removed by [`TestDb::finish`].
pub struct TestDb {
    /// The store to test.
    pub store: Store,
    /// The URL the store was opened with.
    pub url: String,
    schema: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A migrated SQLite database in a temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::connect(&url).await.expect("open SQLite");
        store.migrate().await.expect("migrate SQLite");
        TestDb { store, url, schema: None, _dir: Some(dir) }
    }

    /// A migrated PostgreSQL schema of its own, or `None` (with a note on
    /// stderr) when `TRYGG_TEST_POSTGRES_URL` is unset outside CI.
    pub async fn postgres() -> Option<TestDb> {
        let base = postgres_url()?;
        let admin = Store::connect(&base).await.expect("connect to TRYGG_TEST_POSTGRES_URL");
        let schema = format!("t_{:016x}", rand::random::<u64>());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin.pool)
            .await
            .expect("create test schema");
        admin.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        let store = Store::connect(&url).await.expect("connect to test schema");
        store.migrate().await.expect("migrate PostgreSQL");
        Some(TestDb { store, url, schema: Some((base, schema)), _dir: None })
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Closes the store and drops the PostgreSQL schema.
    pub async fn finish(self) {
        self.store.close().await;
        if let Some((base, schema)) = self.schema
            && let Ok(admin) = Store::connect(&base).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&admin.pool)
                .await;
            admin.close().await;
        }
    }
}

/// The PostgreSQL URL for tests; panics under `CI=true` when it is missing.
pub fn postgres_url() -> Option<String> {
    match std::env::var("TRYGG_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "CI=true but TRYGG_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite cannot run"
            )
        }
        _ => {
            eprintln!("note: TRYGG_TEST_POSTGRES_URL is not set; skipping the PostgreSQL run of this test");
            None
        }
    }
}

/// Runs `test` on a fresh SQLite database and, where available, a fresh
/// PostgreSQL schema.
pub async fn on_every_backend<F, Fut>(test: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let sqlite = TestDb::sqlite().await;
    test(sqlite.store.clone()).await;
    sqlite.finish().await;
    if let Some(pg) = TestDb::postgres().await {
        test(pg.store.clone()).await;
        pg.finish().await;
    }
}

/// Runs one raw statement, for tests that must reach past the API (e.g. to tamper).
pub async fn execute_raw(store: &Store, sql: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&store.pool).await?.rows_affected())
}

/// Declares, in a module `on_every_backend`, one `#[tokio::test]` per named
/// `async fn(Store)` that runs it through [`on_every_backend`].
#[macro_export]
macro_rules! test_on_every_backend {
    ($($name:ident),+ $(,)?) => {
        mod on_every_backend {
            $(
                #[tokio::test]
                async fn $name() {
                    $crate::testing::on_every_backend(super::$name).await;
                }
            )+
        }
    };
}

/// Runs one raw query whose first column is text, for tests that inspect the schema.
pub async fn query_strings(store: &Store, sql: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).fetch_all(&store.pool).await
}
