//! Test harness: a fresh, migrated database per test on either engine.
//!
//! SQLite: a new file in the temp directory. PostgreSQL: a new database `t_<random>` on the
//! server named by `MAMORI_TEST_PG_URL`. Without that variable the PostgreSQL tests are
//! skipped locally, but fail when `CI=true` (a suite that cannot run must not pass).

use crate::{Db, Engine};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{}_{}_{}", std::process::id(), t, n)
}

/// A fresh migrated database, or `None` when PostgreSQL is not configured outside CI.
///
/// # Panics
/// When the database cannot be created, or PostgreSQL is not configured and `CI=true`.
#[allow(clippy::panic, clippy::expect_used)]
pub async fn fresh(engine: Engine) -> Option<Db> {
    let db = match engine {
        Engine::Sqlite => {
            let path = std::env::temp_dir().join(format!("mamori-test-{}.db", unique()));
            Db::open_url(&format!("sqlite:{}", path.display())).await.expect("open sqlite")
        }
        Engine::Postgres => {
            let Ok(base) = std::env::var("MAMORI_TEST_PG_URL") else {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("CI=true but MAMORI_TEST_PG_URL is not set: the PostgreSQL suite cannot run");
                }
                eprintln!("skipping PostgreSQL test: MAMORI_TEST_PG_URL is not set");
                return None;
            };
            let admin = Db::open_url(&base).await.expect("connect to MAMORI_TEST_PG_URL");
            let name = format!("t_{}", unique());
            if let Db::Pg(p) = &admin {
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(p)
                    .await
                    .expect("create test database");
            }
            admin.close().await;
            let (prefix, _) = base.rsplit_once('/').expect("MAMORI_TEST_PG_URL ends with /DBNAME");
            Db::open_url(&format!("{prefix}/{name}")).await.expect("connect to test database")
        }
    };
    db.migrate().await.expect("migrate");
    Some(db)
}
