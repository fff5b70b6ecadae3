//! trygg-import's integration tests. Tests that need a database run on
//! SQLite, and on PostgreSQL when `TRYGG_TEST_POSTGRES_URL` is set.

mod boundaries;
mod points;
mod polisen;
mod seed;
mod seed_data;

/// Declares a `#[tokio::test]` that runs an `async fn(Store)` on every backend.
#[macro_export]
macro_rules! on_every_backend {
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
