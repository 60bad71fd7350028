//! The engine switch: [`Db`], transactions, and the query macros.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or a query failed.
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A unique constraint was violated (e.g. a login ID already taken).
    #[error("already exists")]
    Conflict,
    /// The URL is not a database URL mamori understands.
    #[error("unsupported database URL (expected postgres://… or sqlite:…)")]
    BadUrl,
    /// Data could not be encoded for, or decoded from, the database.
    #[error("data error: {0}")]
    Invalid(String),
}

impl StoreError {
    /// Maps unique-constraint violations to [`StoreError::Conflict`].
    pub fn from_write(e: sqlx::Error) -> StoreError {
        if let sqlx::Error::Database(d) = &e
            && d.is_unique_violation()
        {
            return StoreError::Conflict;
        }
        StoreError::Sqlx(e)
    }
}

/// Which engine a handle talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A pool on one of the two engines.
#[derive(Debug, Clone)]
pub enum Db {
    /// SQLite pool.
    Sqlite(SqlitePool),
    /// PostgreSQL pool.
    Pg(PgPool),
}

/// A pooled connection on one of the engines.
pub enum Conn {
    /// SQLite connection.
    Sqlite(sqlx::pool::PoolConnection<Sqlite>),
    /// PostgreSQL connection.
    Pg(sqlx::pool::PoolConnection<Postgres>),
}

/// A write transaction on one of the engines.
pub enum Tx {
    /// SQLite transaction (started with `BEGIN IMMEDIATE`).
    Sqlite(Transaction<'static, Sqlite>),
    /// PostgreSQL transaction.
    Pg(Transaction<'static, Postgres>),
}

/// A borrowed connection: what every query function takes.
pub enum Ex<'a> {
    /// SQLite.
    Sqlite(&'a mut SqliteConnection),
    /// PostgreSQL.
    Pg(&'a mut PgConnection),
}

impl Conn {
    /// Borrows the connection for queries.
    pub fn ex(&mut self) -> Ex<'_> {
        match self {
            Conn::Sqlite(c) => Ex::Sqlite(&mut *c),
            Conn::Pg(c) => Ex::Pg(&mut *c),
        }
    }
}

impl Tx {
    /// Borrows the transaction's connection for queries.
    pub fn ex(&mut self) -> Ex<'_> {
        match self {
            Tx::Sqlite(t) => Ex::Sqlite(&mut *t),
            Tx::Pg(t) => Ex::Pg(&mut *t),
        }
    }

    /// Commits.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Pg(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Serialises writers of one organisation's audit chain. On SQLite the whole write
    /// transaction already holds the database write lock (`BEGIN IMMEDIATE`); on PostgreSQL
    /// the organisation row is locked until commit with `FOR NO KEY UPDATE`: it excludes the
    /// other appenders but not the key-share locks that every insert referencing the
    /// organisation takes (`FOR UPDATE` did, and two writers that had each inserted a row
    /// deadlocked upgrading to it).
    pub async fn lock_org(&mut self, org_id: &str) -> Result<(), StoreError> {
        if let Tx::Pg(t) = self {
            sqlx::query("SELECT id FROM organization WHERE id = $1 FOR NO KEY UPDATE")
                .bind(org_id)
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }
}

/// Runs a statement; evaluates to `Result<u64 /* rows affected */, sqlx::Error>`.
#[macro_export]
macro_rules! exec {
    ($ex:expr, $sql:expr $(, $b:expr)* $(,)?) => {
        match &mut *$ex {
            $crate::Ex::Sqlite(c) => $crate::sqlx::query($sql)$(.bind($b))*.execute(&mut **c).await.map(|r| r.rows_affected()),
            $crate::Ex::Pg(c) => $crate::sqlx::query($sql)$(.bind($b))*.execute(&mut **c).await.map(|r| r.rows_affected()),
        }
    };
}

/// Fetches all rows as `$t` (a `sqlx::FromRow` type).
#[macro_export]
macro_rules! fetch_all {
    ($ex:expr, $t:ty, $sql:expr $(, $b:expr)* $(,)?) => {
        match &mut *$ex {
            $crate::Ex::Sqlite(c) => $crate::sqlx::query_as::<_, $t>($sql)$(.bind($b))*.fetch_all(&mut **c).await,
            $crate::Ex::Pg(c) => $crate::sqlx::query_as::<_, $t>($sql)$(.bind($b))*.fetch_all(&mut **c).await,
        }
    };
}

/// Fetches at most one row as `$t`.
#[macro_export]
macro_rules! fetch_optional {
    ($ex:expr, $t:ty, $sql:expr $(, $b:expr)* $(,)?) => {
        match &mut *$ex {
            $crate::Ex::Sqlite(c) => $crate::sqlx::query_as::<_, $t>($sql)$(.bind($b))*.fetch_optional(&mut **c).await,
            $crate::Ex::Pg(c) => $crate::sqlx::query_as::<_, $t>($sql)$(.bind($b))*.fetch_optional(&mut **c).await,
        }
    };
}

/// Fetches one `i64` scalar (counts).
#[macro_export]
macro_rules! fetch_i64 {
    ($ex:expr, $sql:expr $(, $b:expr)* $(,)?) => {
        match &mut *$ex {
            $crate::Ex::Sqlite(c) => $crate::sqlx::query_scalar::<_, i64>($sql)$(.bind($b))*.fetch_one(&mut **c).await,
            $crate::Ex::Pg(c) => $crate::sqlx::query_scalar::<_, i64>($sql)$(.bind($b))*.fetch_one(&mut **c).await,
        }
    };
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static PG_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Opens (creating if needed) the SQLite database `mamori.db` in `dir`.
    pub async fn open_sqlite_dir(dir: &Path) -> Result<Db, StoreError> {
        let opts = SqliteConnectOptions::new().filename(dir.join("mamori.db"));
        Self::open_sqlite(opts).await
    }

    /// Opens a private in-memory SQLite database (tests).
    pub async fn open_sqlite_memory() -> Result<Db, StoreError> {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:")?;
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts.foreign_keys(true))
            .await?;
        Ok(Db::Sqlite(pool))
    }

    async fn open_sqlite(opts: SqliteConnectOptions) -> Result<Db, StoreError> {
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await?;
        Ok(Db::Sqlite(pool))
    }

    /// Opens a database by URL: `postgres://…`/`postgresql://…`, or `sqlite:PATH`.
    pub async fn open_url(url: &str) -> Result<Db, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Db::Pg(pool))
        } else if url.starts_with("sqlite:") {
            Self::open_sqlite(SqliteConnectOptions::from_str(url)?).await
        } else {
            Err(StoreError::BadUrl)
        }
    }

    /// A handle for one bulk write (a large import). On a SQLite file it is a separate
    /// one-connection pool whose commit does not checkpoint the WAL (and with a 32 MB page
    /// cache), so that the caller can run [`Db::checkpoint`] concurrently with its next reads
    /// instead of waiting for it inside the commit; close it after the commit. `None` (an
    /// in-memory database, PostgreSQL): use this handle.
    pub async fn bulk(&self) -> Result<Option<Db>, StoreError> {
        match self {
            Db::Sqlite(p) => {
                let opts = p.connect_options();
                if opts.get_filename() == Path::new(":memory:") || p.options().get_max_connections() == 1 {
                    return Ok(None);
                }
                let opts = (*opts).clone().pragma("wal_autocheckpoint", "0").pragma("cache_size", "-32768");
                let pool = SqlitePoolOptions::new().max_connections(1).connect_with(opts).await?;
                Ok(Some(Db::Sqlite(pool)))
            }
            Db::Pg(_) => Ok(None),
        }
    }

    /// Copies the WAL into the database file without blocking readers or writers (SQLite;
    /// nothing on PostgreSQL).
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if let Db::Sqlite(p) = self {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(p).await?;
        }
        Ok(())
    }

    /// The engine of this handle.
    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Pg(_) => Engine::Postgres,
        }
    }

    /// Applies pending migrations of this engine.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Db::Pg(p) => PG_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// Takes a connection for reads.
    pub async fn conn(&self) -> Result<Conn, StoreError> {
        Ok(match self {
            Db::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
            Db::Pg(p) => Conn::Pg(p.acquire().await?),
        })
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite, so that concurrent writers
    /// wait on the busy timeout instead of failing on lock upgrade).
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Pg(p) => Tx::Pg(p.begin().await?),
        })
    }

    /// Starts a read-only snapshot transaction: every read in it sees the database as of its
    /// first read while writers go on (SQLite: a deferred transaction in WAL mode; PostgreSQL:
    /// `REPEATABLE READ READ ONLY`). Used by the backup; end it with [`Tx::commit`].
    pub async fn begin_snapshot(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN DEFERRED").await?),
            Db::Pg(p) => Tx::Pg(p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?),
        })
    }

    /// Checks that the database answers (used by `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let one = fetch_i64!(&mut c.ex(), "SELECT CAST(1 AS BIGINT)")?;
        if one == 1 { Ok(()) } else { Err(StoreError::Sqlx(sqlx::Error::RowNotFound)) }
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Pg(p) => p.close().await,
        }
    }
}
