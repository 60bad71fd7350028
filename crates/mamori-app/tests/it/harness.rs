//! Runs one async test body on both engines.

/// Defines `sqlite` and `postgres` tests calling `$body(db)`.
#[macro_export]
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
