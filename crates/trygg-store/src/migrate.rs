//! Embedded migrations, one list per backend.

use crate::{Backend, Result, Store, StoreError};
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// (version, description, SQLite text, PostgreSQL text). Never edit an
/// applied migration: add a new one.
pub(crate) const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/sqlite/0001_foundation.sql"),
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "events",
        include_str!("../migrations/sqlite/0002_events.sql"),
        include_str!("../migrations/postgres/0002_events.sql"),
    ),
    (
        3,
        "reports",
        include_str!("../migrations/sqlite/0003_reports.sql"),
        include_str!("../migrations/postgres/0003_reports.sql"),
    ),
    (
        4,
        "statistics",
        include_str!("../migrations/sqlite/0004_statistics.sql"),
        include_str!("../migrations/postgres/0004_statistics.sql"),
    ),
    (
        5,
        "serious_talks",
        include_str!("../migrations/sqlite/0005_serious_talks.sql"),
        include_str!("../migrations/postgres/0005_serious_talks.sql"),
    ),
    (
        6,
        "report_snapshots",
        include_str!("../migrations/sqlite/0006_report_snapshots.sql"),
        include_str!("../migrations/postgres/0006_report_snapshots.sql"),
    ),
    (
        7,
        "plans",
        include_str!("../migrations/sqlite/0007_plans.sql"),
        include_str!("../migrations/postgres/0007_plans.sql"),
    ),
    (
        8,
        "governance",
        include_str!("../migrations/sqlite/0008_governance.sql"),
        include_str!("../migrations/postgres/0008_governance.sql"),
    ),
    (
        9,
        "walks",
        include_str!("../migrations/sqlite/0009_walks.sql"),
        include_str!("../migrations/postgres/0009_walks.sql"),
    ),
    (
        10,
        "articles",
        include_str!("../migrations/sqlite/0010_articles.sql"),
        include_str!("../migrations/postgres/0010_articles.sql"),
    ),
];

/// The schema version this binary brings.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

impl Store {
    /// Applies the migrations this binary carries that the database lacks.
    /// Fails with [`StoreError::SchemaTooNew`] if the database was migrated
    /// by a newer binary. On PostgreSQL an advisory lock serialises
    /// concurrent starts of several app servers.
    pub async fn migrate(&self) -> Result<()> {
        if let Some(database) = self.schema_version().await?
            && database > SCHEMA_VERSION
        {
            return Err(StoreError::SchemaTooNew { database, binary: SCHEMA_VERSION });
        }
        let migrations = MIGRATIONS
            .iter()
            .map(|(version, description, sqlite, postgres)| {
                let sql = if self.backend == Backend::Sqlite { *sqlite } else { *postgres };
                Migration::new(
                    *version,
                    (*description).into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect();
        Migrator::with_migrations(migrations).run(&self.pool).await?;
        Ok(())
    }

    /// The highest migration applied, or `None` for an empty database.
    pub async fn schema_version(&self) -> Result<Option<i64>> {
        let exists = match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '_sqlx_migrations' AND table_schema = current_schema()"
            }
        };
        let n: i64 = sqlx::query_scalar(exists).fetch_one(&self.pool).await?;
        if n == 0 {
            return Ok(None);
        }
        let v: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await?;
        Ok(v)
    }
}
