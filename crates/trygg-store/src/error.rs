use trygg_core::Invalid;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A value failed validation before it reached the database.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The database could not be reached or opened.
    #[error("cannot connect to the database {url}: {source}")]
    Connect {
        /// The URL with any password hidden.
        url: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// A referenced record does not exist.
    #[error("{what} {key:?} does not exist")]
    NotFound {
        /// What kind of record, e.g. "area".
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// A record with the same unique key exists already.
    #[error("{what} {key:?} already exists")]
    Conflict {
        /// What kind of record, e.g. "user".
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// The database was migrated by a newer Trygg than this one.
    #[error(
        "the database schema is version {database}, newer than this trygg knows (version {binary}); \
         upgrade trygg before using this database"
    )]
    SchemaTooNew {
        /// Highest migration applied in the database.
        database: i64,
        /// Highest migration this binary carries.
        binary: i64,
    },
    /// Stored data that does not parse back (edited by hand, or a bug).
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// A failure inside the process (a worker thread died).
    #[error("internal error: {0}")]
    Internal(String),
    /// Running the migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Maps a unique-constraint violation to [`StoreError::Conflict`].
    pub(crate) fn conflict_or(e: sqlx::Error, what: &'static str, key: &str) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict { what, key: key.to_owned() }
            }
            _ => StoreError::Database(e),
        }
    }
}
