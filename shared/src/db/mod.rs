//! `Db`: a MySQL pool or an SQLite pool, chosen by `DATABASE_URL`, and the repositories.
//!
//! Every statement is written once, with `?` placeholders and the common subset of MySQL 8 /
//! MariaDB 10.11 and SQLite, and runs on either backend through [`with_conn!`], which expands
//! the same expression once per backend. We do not use `sqlx::Any`: it cannot decode MySQL
//! DATETIME or BOOLEAN columns. Instants are stored as BIGINT milliseconds (see the migrations).

pub mod calendars;
pub mod events;
pub mod holidays;
pub mod login_failures;
pub mod outbox;
pub mod sessions;
pub mod uploads;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{MySql, MySqlConnection, MySqlPool, Sqlite, SqliteConnection, SqlitePool, Transaction};

/// Runs one expression on whichever backend a [`Conn`] holds. Inside, the identifier is bound to
/// `&mut MySqlConnection` or `&mut SqliteConnection`; the expression is type-checked for both.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::Conn::MySql($c) => $body,
            $crate::db::Conn::Sqlite($c) => $body,
        }
    };
}

/// The database: a pool for one of the two supported backends.
#[derive(Clone, Debug)]
pub enum Db {
    MySql(MySqlPool),
    Sqlite(SqlitePool),
}

/// A borrowed connection (from a pool or inside a transaction) that repositories run on.
pub enum Conn<'c> {
    MySql(&'c mut MySqlConnection),
    Sqlite(&'c mut SqliteConnection),
}

/// A connection checked out of the pool for a sequence of reads.
pub enum PoolConn {
    MySql(PoolConnection<MySql>),
    Sqlite(PoolConnection<Sqlite>),
}

/// An open transaction; dropped without [`Tx::commit`] it rolls back.
pub enum Tx {
    MySql(Transaction<'static, MySql>),
    Sqlite(Transaction<'static, Sqlite>),
}

impl PoolConn {
    /// The connection, for a repository call.
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            PoolConn::MySql(c) => Conn::MySql(c),
            PoolConn::Sqlite(c) => Conn::Sqlite(c),
        }
    }
}

impl Tx {
    /// The transaction's connection, for a repository call.
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::MySql(t) => Conn::MySql(t),
            Tx::Sqlite(t) => Conn::Sqlite(t),
        }
    }

    /// Commits every write of the transaction.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::MySql(t) => t.commit().await,
            Tx::Sqlite(t) => t.commit().await,
        }
    }
}

/// Which backend a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    MySql,
    Sqlite,
}

impl Backend {
    /// The backend of a `DATABASE_URL`.
    pub fn of_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            Ok(Backend::MySql)
        } else if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else {
            anyhow::bail!("DATABASE_URL must start with mysql:// or sqlite:")
        }
    }
}

impl Db {
    /// Opens a pool. `lazy` defers connecting until first use (Lambda cold starts).
    pub async fn connect(url: &str, max_connections: u32, lazy: bool) -> anyhow::Result<Self> {
        match Backend::of_url(url)? {
            Backend::MySql => {
                let url = url.replacen("mariadb://", "mysql://", 1);
                let opts = MySqlConnectOptions::from_str(&url)
                    .context("parsing the MySQL DATABASE_URL")?
                    .charset("utf8mb4");
                let pool = MySqlPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10));
                let pool = if lazy {
                    pool.connect_lazy_with(opts)
                } else {
                    pool.connect_with(opts)
                        .await
                        .context("connecting to MySQL")?
                };
                Ok(Db::MySql(pool))
            }
            Backend::Sqlite => {
                let opts = SqliteConnectOptions::from_str(url)
                    .context("parsing the SQLite DATABASE_URL")?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true);
                if let Some(dir) = opts.get_filename().parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir)
                            .with_context(|| format!("creating {}", dir.display()))?;
                    }
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await
                    .context("opening the SQLite database")?;
                Ok(Db::Sqlite(pool))
            }
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self {
            Db::MySql(_) => Backend::MySql,
            Db::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Applies the migrations of `migrations/mysql` or `migrations/sqlite` (embedded at build time).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::MySql(p) => sqlx::migrate!("../migrations/mysql").run(p).await,
            Db::Sqlite(p) => sqlx::migrate!("../migrations/sqlite").run(p).await,
        }
        .context("running database migrations")
    }

    /// Checks out a connection for reads.
    pub async fn acquire(&self) -> Result<PoolConn, sqlx::Error> {
        Ok(match self {
            Db::MySql(p) => PoolConn::MySql(p.acquire().await?),
            Db::Sqlite(p) => PoolConn::Sqlite(p.acquire().await?),
        })
    }

    /// Starts a transaction. On SQLite it is `BEGIN IMMEDIATE`: it takes the write lock up
    /// front, so a read-then-write transaction cannot fail to upgrade under concurrency.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::MySql(p) => Tx::MySql(p.begin().await?),
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
        })
    }

    /// Answers whether the database responds (C2 /health).
    pub async fn ping(&self) -> bool {
        let res = match self {
            Db::MySql(p) => sqlx::query("SELECT 1").execute(p).await.map(|_| ()),
            Db::Sqlite(p) => sqlx::query("SELECT 1").execute(p).await.map(|_| ()),
        };
        res.is_ok()
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match self {
            Db::MySql(p) => p.close().await,
            Db::Sqlite(p) => p.close().await,
        }
    }
}

/// The id of the row an INSERT created, on either backend.
pub trait InsertId {
    /// The generated primary key.
    fn insert_id(&self) -> i64;
}

impl InsertId for sqlx::mysql::MySqlQueryResult {
    fn insert_id(&self) -> i64 {
        i64::try_from(self.last_insert_id()).unwrap_or(i64::MAX)
    }
}

impl InsertId for sqlx::sqlite::SqliteQueryResult {
    fn insert_id(&self) -> i64 {
        self.last_insert_rowid()
    }
}

/// Classifies database errors that callers turn into 4xx answers.
pub trait DbErrorExt {
    /// A UNIQUE constraint rejected the write.
    fn is_unique_violation(&self) -> bool;
    /// A FOREIGN KEY constraint rejected the write.
    fn is_foreign_key_violation(&self) -> bool;
}

impl DbErrorExt for sqlx::Error {
    fn is_unique_violation(&self) -> bool {
        self.as_database_error()
            .is_some_and(|e| e.kind() == sqlx::error::ErrorKind::UniqueViolation)
    }
    fn is_foreign_key_violation(&self) -> bool {
        self.as_database_error()
            .is_some_and(|e| e.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
    }
}
