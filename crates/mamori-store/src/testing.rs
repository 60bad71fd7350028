//! Test harness: a fresh, migrated database per test on either engine, and its removal.
//!
//! SQLite: a new file `mamori-test-<pid>_<nanos>_<n>.db` in the temp directory. PostgreSQL: a new
//! database `t_<pid>_<nanos>_<n>` on the server named by `MAMORI_TEST_PG_URL` (`<nanos>` is the
//! creation time). Without that variable the PostgreSQL tests fail (a test that cannot run must
//! not pass); `./scripts/test` starts a server for them.
//!
//! Removal happens in two ways:
//!
//! - [`fresh_db`] returns a [`TestDb`] guard. [`TestDb::cleanup`] closes the pool and removes the
//!   database: `DROP DATABASE … WITH (FORCE)` through the admin URL on PostgreSQL, the file and its
//!   `-wal`/`-shm` on SQLite. If the test panics before calling it, the guard's `Drop` does the
//!   same on a helper thread with its own runtime.
//! - [`fresh`] still returns a bare [`Db`] (its callers cannot tell the harness when a test ends),
//!   so what it creates outlives the test. To keep those from piling up, the first call of
//!   [`fresh`] or [`fresh_db`] in a process sweeps what earlier runs left: databases and files
//!   named as above whose creation time is more than [`STALE_AFTER`] ago. The age keeps the sweep
//!   away from test processes running at the same time (the server may be shared by several
//!   checkouts); no test runs that long. On PostgreSQL the sweep also drops *without* `FORCE`, so
//!   a database that still has a connection is refused and kept.

use crate::{Db, Engine};
use sqlx::{Connection, PgConnection};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How old a database or file left by an earlier run must be before the sweep removes it.
pub const STALE_AFTER: Duration = Duration::from_secs(15 * 60);

const SQLITE_PREFIX: &str = "mamori-test-";
const PG_PREFIX: &str = "t_";

static COUNTER: AtomicU64 = AtomicU64::new(0);
static SWEPT_SQLITE: AtomicBool = AtomicBool::new(false);
static SWEPT_PG: AtomicBool = AtomicBool::new(false);

#[allow(clippy::disallowed_methods)] // test database names carry their creation time
fn now_nanos() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

fn unique() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{}_{}_{}", std::process::id(), now_nanos(), n)
}

/// The creation time (nanoseconds since the epoch) in a name made by [`unique`], if it is one.
fn created_nanos(unique_part: &str) -> Option<u128> {
    let mut parts = unique_part.split('_');
    let (pid, nanos, n) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || pid.parse::<u32>().is_err() || n.parse::<u64>().is_err() {
        return None;
    }
    nanos.parse().ok()
}

/// Whether a name made by [`unique`] is older than [`STALE_AFTER`].
fn is_stale(unique_part: &str, now: u128) -> bool {
    created_nanos(unique_part).is_some_and(|t| now.saturating_sub(t) > STALE_AFTER.as_nanos())
}

/// The PostgreSQL URL of the test server.
///
/// # Panics
/// When `MAMORI_TEST_PG_URL` is not set: a PostgreSQL variant that cannot run fails instead
/// of passing without checking anything (`./scripts/test` starts a server, and leaves these
/// tests out — reported as skipped — only when none can start outside CI).
#[allow(clippy::panic, clippy::unnecessary_wraps)]
fn pg_base_url() -> Option<String> {
    match std::env::var("MAMORI_TEST_PG_URL") {
        Ok(base) => Some(base),
        Err(_) => {
            panic!("MAMORI_TEST_PG_URL is not set: this PostgreSQL test cannot run (./scripts/test starts a server)")
        }
    }
}

/// Where a test database lives, so that it can be removed.
#[derive(Debug, Clone)]
enum Place {
    /// The SQLite file.
    Sqlite(PathBuf),
    /// The database `name` on the server reached through `admin_url`.
    Pg { admin_url: String, name: String },
}

impl Place {
    async fn remove(&self) {
        match self {
            Place::Sqlite(path) => remove_sqlite_files(path),
            Place::Pg { admin_url, name } => {
                // Best effort: a failure leaves the database to a later sweep.
                if let Ok(mut c) = PgConnection::connect(admin_url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                        .execute(&mut c)
                        .await;
                    let _ = c.close().await;
                }
            }
        }
    }
}

fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// A fresh migrated database that is removed by [`TestDb::cleanup`] or, failing that, on drop.
#[derive(Debug)]
pub struct TestDb {
    db: Db,
    place: Option<Place>,
}

impl TestDb {
    /// The handle (clone it to pass it on; all clones share one pool).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Closes the pool (every clone of it) and removes the database.
    pub async fn cleanup(mut self) {
        self.db.close().await;
        if let Some(place) = self.place.take() {
            place.remove().await;
        }
    }

    /// Gives up the removal: the database outlives this guard (until a later sweep).
    pub fn keep(mut self) -> Db {
        self.place = None;
        self.db.clone()
    }
}

impl std::ops::Deref for TestDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(place) = self.place.take() else { return };
        match place {
            Place::Sqlite(path) => remove_sqlite_files(&path),
            Place::Pg { .. } => {
                // Drop cannot await, and may run inside the test's runtime: remove the database
                // on a helper thread with a runtime of its own, and wait for it.
                let worker = std::thread::spawn(move || {
                    if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                        rt.block_on(place.remove());
                    }
                });
                let _ = worker.join();
            }
        }
    }
}

/// Removes SQLite files of earlier runs older than [`STALE_AFTER`] (once per process).
fn sweep_sqlite() {
    if SWEPT_SQLITE.swap(true, Ordering::SeqCst) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    let now = now_nanos();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.strip_prefix(SQLITE_PREFIX) else { continue };
        let Some((stem, _)) = rest.split_once(".db") else { continue };
        if is_stale(stem, now) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Drops PostgreSQL test databases of earlier runs older than [`STALE_AFTER`] (once per
/// process), without `FORCE`: one still in use is refused and kept.
async fn sweep_pg(admin_url: &str) {
    if SWEPT_PG.swap(true, Ordering::SeqCst) {
        return;
    }
    let Ok(mut c) = PgConnection::connect(admin_url).await else { return };
    let names: Vec<String> = sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE 't\\_%'")
        .fetch_all(&mut c)
        .await
        .unwrap_or_default();
    let now = now_nanos();
    for name in names {
        let stale = name.strip_prefix(PG_PREFIX).is_some_and(|rest| is_stale(rest, now));
        if stale && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&mut c).await;
        }
    }
    let _ = c.close().await;
}

/// A fresh migrated database that is removed again by its guard, or `None` when PostgreSQL is
/// not configured outside CI.
///
/// # Panics
/// When the database cannot be created, or PostgreSQL is not configured and `CI=true`.
#[allow(clippy::panic, clippy::expect_used)]
pub async fn fresh_db(engine: Engine) -> Option<TestDb> {
    let (db, place) = match engine {
        Engine::Sqlite => {
            sweep_sqlite();
            let path = std::env::temp_dir().join(format!("{SQLITE_PREFIX}{}.db", unique()));
            let db = Db::open_url(&format!("sqlite:{}", path.display())).await.expect("open sqlite");
            (db, Place::Sqlite(path))
        }
        Engine::Postgres => {
            let base = pg_base_url()?;
            sweep_pg(&base).await;
            let name = format!("{PG_PREFIX}{}", unique());
            let mut admin = PgConnection::connect(&base).await.expect("connect to MAMORI_TEST_PG_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .expect("create test database");
            let _ = admin.close().await;
            let (prefix, _) = base.rsplit_once('/').expect("MAMORI_TEST_PG_URL ends with /DBNAME");
            let db = Db::open_url(&format!("{prefix}/{name}")).await.expect("connect to test database");
            (db, Place::Pg { admin_url: base, name })
        }
    };
    // The guard exists before migrating, so that a failed migration still removes the database.
    let guard = TestDb { db, place: Some(place) };
    guard.db.migrate().await.expect("migrate");
    Some(guard)
}

/// A fresh migrated database, or `None` when PostgreSQL is not configured outside CI. It is not
/// removed when the test ends (see the module documentation); prefer [`fresh_db`].
///
/// # Panics
/// When the database cannot be created, or PostgreSQL is not configured and `CI=true`.
pub async fn fresh(engine: Engine) -> Option<Db> {
    Some(fresh_db(engine).await?.keep())
}

/// Defines `sqlite` and `postgres` tests calling the async fn `$name(db)` on a fresh database
/// each; the database is removed when the body returns (and by the guard's `Drop` when it
/// panics). The one harness of every crate's integration tests that take a bare [`Db`].
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                if let Some(t) = $crate::testing::fresh_db($crate::Engine::Sqlite).await {
                    super::$name(t.db().clone()).await;
                    t.cleanup().await;
                }
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(t) = $crate::testing::fresh_db($crate::Engine::Postgres).await {
                    super::$name(t.db().clone()).await;
                    t.cleanup().await;
                }
            }
        }
    )*};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_parsed_and_aged() {
        let now = now_nanos();
        let old = now - STALE_AFTER.as_nanos() - 1;
        assert_eq!(created_nanos(&format!("12_{old}_3")), Some(old));
        assert!(is_stale(&format!("12_{old}_3"), now));
        assert!(!is_stale(&format!("12_{now}_3"), now));
        // Anything not made by `unique` is never swept.
        assert!(!is_stale("mamori_test", now));
        assert!(!is_stale(&format!("x_{old}_3"), now));
        assert!(!is_stale(&format!("12_{old}_3_4"), now));
        assert!(!is_stale(&format!("12_{old}"), now));
    }
}
