//! The harness removes what it creates: by `cleanup`, and by the guard's `Drop` when a test
//! never gets there.

use mamori_store::testing::{TestDb, fresh_db};
use mamori_store::{Db, Engine};

/// The SQLite file behind a handle.
async fn sqlite_path(db: &Db) -> std::path::PathBuf {
    let Db::Sqlite(p) = db else { panic!("not SQLite") };
    let (_, _, file): (i64, String, String) =
        mamori_store::sqlx::query_as("SELECT seq, name, file FROM pragma_database_list WHERE name = 'main'")
            .fetch_one(p)
            .await
            .unwrap();
    file.into()
}

/// The database name behind a PostgreSQL handle.
async fn pg_name(db: &Db) -> String {
    let Db::Pg(p) = db else { panic!("not PostgreSQL") };
    mamori_store::sqlx::query_scalar("SELECT current_database()::text").fetch_one(p).await.unwrap()
}

/// Whether the server still has the database `name`.
async fn pg_exists(name: &str) -> bool {
    // A second guard gives a connection to the same server.
    let other = fresh_db(Engine::Postgres).await.unwrap();
    let Db::Pg(p) = other.db() else { panic!("not PostgreSQL") };
    let n: i64 = mamori_store::sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_one(p)
        .await
        .unwrap();
    other.cleanup().await;
    n == 1
}

#[tokio::test]
async fn sqlite_files_are_removed_by_cleanup_and_by_drop() {
    let t: TestDb = fresh_db(Engine::Sqlite).await.unwrap();
    let path = sqlite_path(t.db()).await;
    assert!(path.exists());
    t.cleanup().await;
    assert!(!path.exists(), "{} left behind", path.display());

    let t = fresh_db(Engine::Sqlite).await.unwrap();
    let path = sqlite_path(t.db()).await;
    assert!(path.exists());
    drop(t);
    assert!(!path.exists(), "{} left behind", path.display());
}

#[tokio::test]
async fn postgres_databases_are_dropped_by_cleanup_and_by_drop() {
    let Some(t) = fresh_db(Engine::Postgres).await else { return };
    let name = pg_name(t.db()).await;
    assert!(pg_exists(&name).await);
    t.cleanup().await;
    assert!(!pg_exists(&name).await, "{name} left behind by cleanup");

    let t = fresh_db(Engine::Postgres).await.unwrap();
    let name = pg_name(t.db()).await;
    // The pool still holds a connection: Drop must force it out.
    drop(t);
    assert!(!pg_exists(&name).await, "{name} left behind by drop");
}
