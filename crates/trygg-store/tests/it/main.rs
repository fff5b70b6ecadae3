//! The store conformance suite: every test runs on SQLite, and on
//! PostgreSQL when `TRYGG_TEST_POSTGRES_URL` is set (required under `CI=true`).

mod areas;
mod audit;
mod backup;
mod events;
mod governance;
mod indicators;
mod measures;
mod org;
mod problems;
mod reports;
mod schema;
mod serious_talks;
mod snapshots;
mod statistics;
mod users;
mod walks;
