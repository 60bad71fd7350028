//! Runs one async test body on both engines, on a database removed afterwards.

/// Defines `sqlite` and `postgres` tests calling `$body(db)` on a fresh database each; the
/// database is removed when the body returns (and by the guard's `Drop` when it panics).
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                if let Some(t) = mamori_store::testing::fresh_db(mamori_store::Engine::Sqlite).await {
                    super::$name(t.db().clone()).await;
                    t.cleanup().await;
                }
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(t) = mamori_store::testing::fresh_db(mamori_store::Engine::Postgres).await {
                    super::$name(t.db().clone()).await;
                    t.cleanup().await;
                }
            }
        }
    )*};
}
