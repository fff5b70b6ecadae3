//! The store conformance suite: every test runs on SQLite, and on
//! PostgreSQL when `TRYGG_TEST_POSTGRES_URL` is set (required under `CI=true`).

mod areas;
mod audit;
mod events;
mod org;
mod schema;
mod users;

/// Declares a `#[tokio::test]` that runs an `async fn(Store)` on every backend.
#[macro_export]
macro_rules! conformance {
    ($($name:ident),+ $(,)?) => {
        mod on_every_backend {
            $(
                #[tokio::test]
                async fn $name() {
                    trygg_store::testing::on_every_backend(super::$name).await;
                }
            )+
        }
    };
}
