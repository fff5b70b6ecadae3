//! One [`Store`] over two backends, chosen by URL: SQLite (`sqlite://PATH`,
//! the embedded default) and PostgreSQL (`postgres://…`).
//!
//! Queries are written once in the SQL both backends accept (numbered `$N`
//! parameters, `ON CONFLICT`, `RETURNING`) and run through sqlx's `Any`
//! driver, so the layers above compile once. Dates are stored as
//! `YYYY-MM-DD` text, instants as epoch milliseconds, flags as 0/1. The
//! migrations are embedded, one folder per backend; see [`Store::migrate`].

mod areas;
mod articles;
mod audit;
mod backup;
mod error;
mod events;
mod mail;
mod migrate;
mod org;
mod plans;
mod reports;
mod serious_talks;
mod snapshots;
mod statistics;
mod strategy;
mod users;
mod walks;

#[cfg(feature = "testing")]
pub mod testing;

pub use articles::{Article, ArticleState, MAX_ARTICLE_BODY, MAX_ARTICLE_TITLE, NewArticle};
pub use audit::{AuditEntry, AuditVerification};
pub use backup::{BackupSummary, backup_tables};
pub use error::StoreError;
pub use events::{
    AreaMethod, Event, EventImport, EventPoint, EventQuery, ImportMeta, ImportRun, NewEvent, hex,
};
pub use mail::OutgoingMail;
pub use migrate::SCHEMA_VERSION;
pub use plans::*;
pub use reports::{
    Category, Change, CreatedReport, Destination, EstDecision, MAX_DESCRIPTION, MAX_PHOTO_BYTES, MAX_PHOTOS,
    NewReport, Photo, PhotoMeta, ROUTING_TTL_MS, Recipient, Report, ReportFigures, ReportQuery, ReportUpdate,
    Reporter, Routing, Zone, check_description, check_week,
};
pub use serious_talks::{TalkAggregate, TalkQuery};
pub use snapshots::{NewSnapshot, Snapshot, SnapshotInfo};
pub use statistics::{CrimeCount, PopulationCount, SurveyValue};
pub use users::{NewAccount, NewUser, Session, User};
pub use walks::*;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use std::time::Duration;
use trygg_core::{Date, Invalid};

/// The result type of every store call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (WAL, foreign keys on, busy timeout).
    Sqlite,
    /// A PostgreSQL server, which several app servers can share.
    Postgres,
}

/// A handle to the database; cheap to clone, safe to share between tasks.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    routing: reports::RoutingCache,
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// A write transaction. On SQLite it also holds the store's writer lock:
/// SQLite allows one writer at a time, and writers that wait in turn here
/// are served in order, where writers left to SQLite's busy handler sleep
/// in growing steps (which showed as a 400 ms p99 under load).
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Commits the transaction (and lets the next writer in).
    pub(crate) async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl Store {
    /// Connects to `url` (`sqlite://PATH` creates the file if missing;
    /// `postgres://…`). Does not migrate: call [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10));
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                         PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
                    )
                    .await
                    .map(|_| ())
                })
            })
        } else {
            options
        };
        let pool =
            options.connect(&url).await.map_err(|e| StoreError::Connect { url: redact(&url), source: e })?;
        Ok(Self { pool, backend, routing: Default::default(), writer: Default::default() })
    }

    /// Begins a write transaction, in turn with this process's other writers on SQLite.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx> {
        let turn = match self.backend {
            Backend::Sqlite => Some(self.writer.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        Ok(WriteTx { tx: self.pool.begin().await?, _turn: turn })
    }

    /// Which backend this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks that the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn backend_of(url: &str) -> Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(Invalid::new("database URL", &redact(url), "sqlite://PATH or postgres://USER@HOST/DB").into())
    }
}

/// Hides a password in a database URL so that it can be logged or shown.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***{}", &url[..s], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// SHA-256 of `s` as lower-case hex: how secrets (follow-link tokens,
/// partner keys) are stored.
pub(crate) fn sha256_hex(s: &str) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(s.as_bytes()))
}

/// `n` random bytes from the OS generator, as hex: a fresh secret.
pub(crate) fn random_hex<const N: usize>() -> String {
    hex(&rand::random::<[u8; N]>())
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

fn date_text(d: Option<Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

fn parse_date(field: &'static str, s: Option<String>) -> Result<Option<Date>> {
    s.map(|s| s.parse::<Date>().map_err(|_| StoreError::Corrupt(format!("{field}: {s:?} is not a date"))))
        .transpose()
}

fn parse<T: std::str::FromStr<Err = Invalid>>(row: &AnyRow, col: &str) -> Result<T> {
    let s: String = row.try_get(col)?;
    s.parse().map_err(|e: Invalid| StoreError::Corrupt(format!("column {col}: {e}")))
}

/// An optional `f64` bind parameter that PostgreSQL always sees as
/// `double precision`. sqlx 0.9's `Any` driver sends a NULL `f64` as a
/// `real` (float4) parameter; the statement cache then keeps that type and a
/// later non-NULL value fails with "incorrect binary data format".
pub(crate) struct OptF64(pub Option<f64>);

impl sqlx::Type<sqlx::Any> for OptF64 {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <f64 as sqlx::Type<sqlx::Any>>::type_info()
    }
}

impl<'q> sqlx::Encode<'q, sqlx::Any> for OptF64 {
    fn encode_by_ref(
        &self,
        buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        use sqlx_core::any::{AnyTypeInfoKind, AnyValueKind};
        match self.0 {
            Some(v) => buf.0.push(AnyValueKind::Double(v)),
            // `Real` here is what sqlx maps to an `f64` NULL (see the type doc).
            None => buf.0.push(AnyValueKind::Null(AnyTypeInfoKind::Real)),
        }
        Ok(if self.0.is_some() { sqlx::encode::IsNull::No } else { sqlx::encode::IsNull::Yes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend_and_passwords_are_redacted() {
        assert_eq!(backend_of("sqlite://trygg.db").unwrap(), Backend::Sqlite);
        assert_eq!(backend_of("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert!(backend_of("mysql://h/db").is_err());
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
