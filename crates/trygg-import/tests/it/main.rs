//! trygg-import's integration tests. Tests that need a database run on
//! SQLite, and on PostgreSQL when `TRYGG_TEST_POSTGRES_URL` is set.

mod boundaries;
mod points;
mod polisen;
mod seed;
mod seed_data;
mod shapefile;
mod statistics;

/// A file under `shared/data/`, or `None` after saying why; under `CI=true`
/// a missing file fails the test instead.
pub fn shared_data(rel: &str) -> Option<Vec<u8>> {
    let path = format!("{}/../../../shared/data/{rel}", env!("CARGO_MANIFEST_DIR"));
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => panic!("{path} is missing under CI"),
        Err(_) => {
            eprintln!("skipping: {path} not found");
            None
        }
    }
}
