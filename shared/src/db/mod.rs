//! `Db`: a MySQL pool or an SQLite pool, chosen by `DATABASE_URL`, and the repositories.
//!
//! Every statement is written once, with `?` placeholders and the common subset of MySQL 8 /
//! MariaDB 10.11 and SQLite, and runs on either backend through [`with_conn!`], which expands
//! the same expression once per backend. We do not use `sqlx::Any`: it cannot decode MySQL
//! DATETIME or BOOLEAN columns. Instants are stored as BIGINT milliseconds (see the migrations).

pub mod calendars;
pub mod events;
pub mod explain;
pub mod holidays;
pub mod listing;
pub mod login_failures;
pub mod outbox;
pub mod participations;
pub mod reminders;
pub mod sessions;
pub mod uploads;
pub mod users;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{MySql, MySqlConnection, MySqlPool, Sqlite, SqliteConnection, SqlitePool, Transaction};

/// Runs one expression on whichever backend a [`Connection`] (a place: a variable or a field)
/// holds, borrowing it for that expression only. Inside, the identifier is bound to
/// `&mut MySqlConnection` or `&mut SqliteConnection`; the expression is type-checked for both and
/// must be a `sqlx::Result`. On MySQL it is bounded by [`STATEMENT_TIMEOUT`] (see [`timed`]).
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $crate::db::Connection::conn(&mut $conn) {
            $crate::db::Conn::MySql($c) => $crate::db::timed(async { $body }).await,
            $crate::db::Conn::Sqlite($c) => $body,
        }
    };
}

/// Like [`with_conn!`] for a `SELECT` that must lock what it reads until the transaction ends:
/// the identifier `$sql` is bound to the statement, with ` FOR UPDATE` appended on MySQL
/// (`shared:` before the statement: ` LOCK IN SHARE MODE`, which MySQL 8 and MariaDB both
/// accept, for a row that must not change while other sharers go on).
///
/// Why: a MySQL transaction's plain reads see the snapshot taken at its first read
/// (REPEATABLE READ), so a read-modify-write could act on a row another transaction has changed
/// since. A locking read waits for that transaction and reads the latest committed row, and
/// makes later writers of the row wait for this transaction. SQLite needs no suffix (and has
/// none): every write transaction is `BEGIN IMMEDIATE` and holds the database's write lock.
#[macro_export]
macro_rules! with_conn_locking {
    ($conn:expr, shared: $select:expr, |$c:ident, $sql:ident| $body:expr) => {
        $crate::with_conn_locking!(@ $conn, $select, " LOCK IN SHARE MODE", |$c, $sql| $body)
    };
    ($conn:expr, $select:expr, |$c:ident, $sql:ident| $body:expr) => {
        $crate::with_conn_locking!(@ $conn, $select, " FOR UPDATE", |$c, $sql| $body)
    };
    (@ $conn:expr, $select:expr, $suffix:literal, |$c:ident, $sql:ident| $body:expr) => {
        match $crate::db::Connection::conn(&mut $conn) {
            $crate::db::Conn::MySql($c) => {
                let $sql: &'static str = concat!($select, $suffix);
                $crate::db::timed(async { $body }).await
            }
            $crate::db::Conn::Sqlite($c) => {
                let $sql: &'static str = $select;
                $body
            }
        }
    };
}

/// `query_as::<_, $t>($sql)` with each argument bound in order, `fetch_optional` on either
/// backend: a repository statement reads as one call.
#[macro_export]
macro_rules! fetch_optional {
    ($conn:expr, $t:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::with_conn!($conn, |c| $crate::db::sqlx::query_as::<_, $t>($sql)
            $(.bind($arg))*.fetch_optional(c).await)
    };
}

/// As [`fetch_optional!`], every row.
#[macro_export]
macro_rules! fetch_all {
    ($conn:expr, $t:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::with_conn!($conn, |c| $crate::db::sqlx::query_as::<_, $t>($sql)
            $(.bind($arg))*.fetch_all(c).await)
    };
}

/// `query_scalar` of one row's first column as `$t`.
#[macro_export]
macro_rules! fetch_scalar {
    ($conn:expr, $t:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::with_conn!($conn, |c| $crate::db::sqlx::query_scalar::<_, $t>($sql)
            $(.bind($arg))*.fetch_one(c).await)
    };
}

/// Runs a statement; evaluates to the number of rows it affected.
#[macro_export]
macro_rules! execute {
    ($conn:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::with_conn!($conn, |c| $crate::db::sqlx::query($sql)
            $(.bind($arg))*.execute(c).await.map(|r| r.rows_affected()))
    };
}

/// Runs an `INSERT`; evaluates to the new row's id.
#[macro_export]
macro_rules! insert {
    ($conn:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::with_conn!($conn, |c| $crate::db::sqlx::query($sql)
            $(.bind($arg))*.execute(c).await.map(|r| $crate::db::InsertId::insert_id(&r)))
    };
}

/// The statement macros reach sqlx through here, so crates using them need no sqlx of their own.
#[doc(hidden)]
pub use sqlx;

/// How long a request waits for a pooled connection (including opening one and the pool's
/// liveness check) before it gives up with the contract's 500. A dead or frozen database is
/// answered within this bound instead of sqlx's default 30 s (or our former 10 s).
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);

/// A pooled MySQL connection idle this long is pinged before it is handed out (within
/// [`ACQUIRE_TIMEOUT`]), so one the server closed meanwhile is replaced instead of failing the
/// request. One used less than this long ago was alive then, unless a statement has failed on
/// its link since ([`LinkFailures`]): then it is pinged too.
pub const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// When a MySQL statement last failed on its connection rather than in the server (an I/O or
/// protocol error, or our own timeout), as milliseconds since the process's first database
/// call, plus one (0: never).
///
/// Skipping the ping for a connection used less than [`PING_AFTER_IDLE`] ago (as HikariCP's
/// `aliveBypassWindowMs` does) assumes nothing happened to the link meanwhile. A database
/// restart or a network cut breaks every idle connection at once, and the first request that
/// meets one learns it: from then on, every connection released before that failure is pinged
/// before it is handed out, so the requests after the database returns get a live (or new)
/// connection instead of one 500 per stale connection left in the pool. One process-wide mark,
/// not one per pool: a process has one pool in production, and a mark from another pool (the
/// tests run many) costs only pings.
struct LinkFailures;

static LINK_EPOCH: std::sync::LazyLock<std::time::Instant> =
    std::sync::LazyLock::new(std::time::Instant::now);
static LAST_LINK_FAILURE: AtomicU64 = AtomicU64::new(0);

impl LinkFailures {
    fn now_ms() -> u64 {
        u64::try_from(LINK_EPOCH.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Notes `error` if it says the connection, not the statement, failed.
    fn note(error: &sqlx::Error) {
        if matches!(
            error,
            sqlx::Error::Io(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::WorkerCrashed
        ) {
            LAST_LINK_FAILURE.fetch_max(Self::now_ms().saturating_add(1), Ordering::Relaxed);
        }
    }

    /// Whether a connection idle for `idle_for` may have been released before the last link
    /// failure. Both instants are whole milliseconds, each rounded down, so the release time
    /// computed here can be a millisecond late: one released up to a millisecond after the
    /// failure counts as before it too (one ping more, never one fewer).
    fn since(idle_for: Duration) -> bool {
        let last = LAST_LINK_FAILURE.load(Ordering::Relaxed);
        if last == 0 {
            return false;
        }
        let idle_ms = u64::try_from(idle_for.as_millis()).unwrap_or(u64::MAX);
        Self::now_ms().saturating_sub(idle_ms) <= last
    }
}

/// The client-side bound on one MySQL statement. The server is told to give up a little earlier
/// (`max_statement_time` on MariaDB, `max_execution_time` on MySQL, and the InnoDB lock wait), so
/// a slow statement normally ends with the server's own error and a clean connection; this
/// bound is what still holds when the server or the network is frozen.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_millis(2000);

/// The server-side limit, in milliseconds, set on every MySQL session.
const SERVER_STATEMENT_TIMEOUT_MS: u64 = 1800;

/// Bounds one statement's future by [`STATEMENT_TIMEOUT`]; an expiry is an I/O `TimedOut` error
/// (a 500 to the client). The connection is then left mid-statement; the pool tests it with a
/// ping when it is returned and closes it if it does not answer.
pub async fn timed<T>(fut: impl Future<Output = sqlx::Result<T>>) -> sqlx::Result<T> {
    bounded(STATEMENT_TIMEOUT, fut).await
}

async fn bounded<T>(
    limit: Duration,
    fut: impl Future<Output = sqlx::Result<T>>,
) -> sqlx::Result<T> {
    let result = match tokio::time::timeout(limit, fut).await {
        Ok(r) => r,
        Err(_) => Err(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!(
                "the database did not answer within {} ms",
                limit.as_millis()
            ),
        ))),
    };
    if let Err(e) = &result {
        LinkFailures::note(e);
    }
    result
}

/// The database: a pool for one of the two supported backends.
#[derive(Clone, Debug)]
pub enum Db {
    MySql(MySqlPool),
    /// SQLite, with the process's queue of write transactions ([`WriteLock`]).
    Sqlite(SqlitePool, WriteLock),
}

/// SQLite takes one writer at a time. Without a queue of our own, concurrent write transactions
/// all start `BEGIN IMMEDIATE` and every loser sleeps in SQLite's busy handler, whose back-off
/// (up to 100 ms a nap) made POST /api/events' p99 0.56 s with 8 clients (issue 11). So write
/// transactions queue on this async lock first, in arrival order, and hold it until they end;
/// reads never take it (WAL keeps them parallel). A transaction waits for its turn at most
/// [`WRITE_QUEUE_TIMEOUT`], as it waited for SQLite's lock before.
#[derive(Clone, Debug, Default)]
pub struct WriteLock(Arc<tokio::sync::Mutex<()>>);

/// How long a write transaction waits for its turn on SQLite before it fails.
pub const WRITE_QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

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

/// An open transaction; dropped without committing it rolls back. It remembers the outbox rows
/// queued in it ([`Tx::queued`]): the state's `commit` hands exactly those to delivery.
pub struct Tx {
    inner: TxInner,
    queued: Vec<i64>,
    /// SQLite: this transaction's turn in the write queue, released when it ends.
    _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
}

enum TxInner {
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
        match &mut self.inner {
            TxInner::MySql(t) => Conn::MySql(t),
            TxInner::Sqlite(t) => Conn::Sqlite(t),
        }
    }

    /// Records an outbox row written in this transaction.
    pub fn queued(&mut self, outbox_id: i64) {
        self.queued.push(outbox_id);
    }

    /// Commits every write and returns the outbox rows it queued, which the caller must hand
    /// to delivery (`Outbox::commit` does both; handlers use `AppState::commit`).
    pub async fn commit_queued(self) -> Result<Vec<i64>, sqlx::Error> {
        match self.inner {
            TxInner::MySql(t) => timed(t.commit()).await?,
            TxInner::Sqlite(t) => t.commit().await?,
        }
        Ok(self.queued)
    }

    /// Commits a transaction that queued no e-mail (bounded by [`STATEMENT_TIMEOUT`] on MySQL).
    /// One that did must go through `AppState::commit`, which hands its rows off: in a debug
    /// build (every test) committing one here fails loudly; in production its rows would wait
    /// for the reminders sweep to re-queue them.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let forgotten = !self.queued.is_empty();
        debug_assert!(
            !forgotten,
            "a transaction that queued e-mail was committed without its hand-off"
        );
        let ids = self.commit_queued().await?;
        if forgotten {
            tracing::error!(outbox_ids = ?ids, "e-mail committed without a hand-off");
        }
        Ok(())
    }
}

/// Anything a repository can run a statement on: a [`Tx`], a [`PoolConn`], a [`Conn`], or a
/// `&mut` of any of them. Repositories take `impl Connection`, so callers pass `&mut tx` or
/// `&mut c` as they are, and a repository that runs several statements passes `&mut db` on.
pub trait Connection: Send {
    /// The connection, borrowed for one statement.
    fn conn(&mut self) -> Conn<'_>;
}

impl Connection for Tx {
    fn conn(&mut self) -> Conn<'_> {
        Tx::conn(self)
    }
}

impl Connection for PoolConn {
    fn conn(&mut self) -> Conn<'_> {
        PoolConn::conn(self)
    }
}

impl Connection for Conn<'_> {
    fn conn(&mut self) -> Conn<'_> {
        match self {
            Conn::MySql(x) => Conn::MySql(x),
            Conn::Sqlite(x) => Conn::Sqlite(x),
        }
    }
}

impl<C: Connection + ?Sized> Connection for &mut C {
    fn conn(&mut self) -> Conn<'_> {
        (**self).conn()
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
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    // A connection is pinged when it was idle for a while, not on every
                    // checkout: a request checks out twice (the caller, then its handler), and
                    // two pings were two of a month view's seven round trips (issue 11).
                    .test_before_acquire(false)
                    .before_acquire(|c, meta| {
                        Box::pin(async move {
                            if meta.idle_for >= PING_AFTER_IDLE
                                || LinkFailures::since(meta.idle_for)
                            {
                                use sqlx::Connection;
                                c.ping().await?;
                            }
                            Ok(true)
                        })
                    })
                    .after_connect(|c, _| Box::pin(async move { limit_statements(c).await }));
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
                if let Some(dir) = opts.get_filename().parent()
                    && !dir.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await
                    .context("opening the SQLite database")?;
                Ok(Db::Sqlite(pool, WriteLock::default()))
            }
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self {
            Db::MySql(_) => Backend::MySql,
            Db::Sqlite(..) => Backend::Sqlite,
        }
    }

    /// Applies the migrations of `migrations/mysql` or `migrations/sqlite` (embedded at build
    /// time), then the back-fills in Rust that migrations 7 and 8 leave (SQL cannot compute
    /// them the way Rust does). A back-fill is recorded in `backfills` when it has finished, so
    /// one interrupted (a cold start cut short) runs again at the next start, and a finished one
    /// costs that start one lookup. Both are idempotent, so starts running them at once are safe.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        self.run_migrations().await?;
        let done: Vec<(String,)> = {
            let mut c = self.acquire().await?;
            fetch_all!(c, (String,), "SELECT name FROM backfills")?
        };
        let pending = |name: &str| !done.iter().any(|(d,)| d == name);
        if pending("name_keys") {
            self.key_names()
                .await
                .context("keying event names (migration 7)")?;
            self.mark_backfilled("name_keys").await?;
        }
        if pending("name_grams") {
            self.write_all_grams()
                .await
                .context("writing the name trigrams (migration 8)")?;
            self.mark_backfilled("name_grams").await?;
        }
        Ok(())
    }

    /// Records that back-fill `name` has finished (once, if starts finish it at once).
    async fn mark_backfilled(&self, name: &str) -> anyhow::Result<()> {
        const SQL: &str = "INSERT INTO backfills (name, done_at) VALUES (?, ?)";
        let mut c = self.acquire().await?;
        let now = crate::clock::Clock::system().now_ms();
        match execute!(c, SQL, name, now) {
            Err(e) if e.is_unique_violation() => Ok(()),
            r => r.map(drop).map_err(Into::into),
        }
    }

    /// Writes the trigram postings of every participation that has none (those that existed
    /// before migration 8), a thousand participations a transaction, in id order.
    ///
    /// It runs beside live traffic, which writes every new participation's postings itself. A
    /// rename committed after this read its key leaves postings of the old key too: harmless,
    /// as postings only name candidates, which the search tests with `LIKE` on the key. A
    /// participation is never left without its key's postings.
    async fn write_all_grams(&self) -> anyhow::Result<()> {
        const SQL: &str = "SELECT p.id, p.calendar_member_id, p.event_name_key \
            FROM event_participations p WHERE p.id > ? AND NOT EXISTS \
            (SELECT 1 FROM participation_grams g WHERE g.participation_id = p.id) \
            ORDER BY p.id LIMIT 1000";
        let mut after = 0_i64;
        loop {
            let mut tx = self.begin().await?;
            // Bytes: MySQL describes the `utf8mb4_bin` key as VARBINARY, which sqlx will not
            // decode as a string. The key is UTF-8, written from a Rust string.
            let rows: Vec<(i64, i64, Option<Vec<u8>>)> =
                fetch_all!(tx, (i64, i64, Option<Vec<u8>>), SQL, after)?;
            let Some(&(last, ..)) = rows.last() else {
                return Ok(());
            };
            let mut binds = Vec::new();
            for (id, member, key) in &rows {
                let key = String::from_utf8_lossy(key.as_deref().unwrap_or_default());
                for gram in participations::name_grams(&key) {
                    binds.extend([listing::Bind::Int(*id), listing::Bind::Int(gram)]);
                    binds.push(listing::Bind::Int(*member));
                }
            }
            // At most 999 rows a statement: SQLite binds at most 32,766 values.
            for chunk in binds.chunks(3 * 999) {
                let values = vec!["(?, ?, ?)"; chunk.len() / 3].join(", ");
                // Another start back-filling at once writes the same rows: the first wins.
                let ignore = match self.backend() {
                    Backend::MySql => "INSERT IGNORE",
                    Backend::Sqlite => "INSERT OR IGNORE",
                };
                let sql = format!(
                    "{ignore} INTO participation_grams (participation_id, gram, \
                     calendar_member_id) VALUES {values}"
                );
                listing::execute(&mut tx, &sql, chunk).await?;
            }
            tx.commit().await?;
            after = last;
        }
    }

    /// Gives every participation whose name key migration 7 left empty (the event's name is
    /// not ASCII, which SQL's LOWER() may fold differently from Rust's) its key, in Rust.
    async fn key_names(&self) -> anyhow::Result<()> {
        const SQL: &str = "SELECT DISTINCT e.id, e.name FROM events e \
            JOIN event_participations p ON p.event_id = e.id WHERE p.event_name_key IS NULL";
        const SET: &str = "UPDATE event_participations SET event_name_key = ? WHERE event_id = ?";
        let mut c = self.acquire().await?;
        let names: Vec<(i64, String)> = fetch_all!(c, (i64, String), SQL)?;
        for (id, name) in names {
            execute!(c, SET, participations::name_key(&name), id)?;
        }
        Ok(())
    }

    async fn run_migrations(&self) -> anyhow::Result<()> {
        match self {
            Db::MySql(p) => {
                // On a connection of its own, without the pool's statement limits: a migration's
                // ALTER TABLE may rightly run for minutes on a large table.
                use sqlx::Connection;
                let mut c = MySqlConnection::connect_with(&p.connect_options())
                    .await
                    .context("connecting to MySQL for the migrations")?;
                sqlx::migrate!("../migrations/mysql")
                    .run(&mut c)
                    .await
                    .context("running database migrations")?;
                return c.close().await.context("closing the migration connection");
            }
            Db::Sqlite(p, _) => sqlx::migrate!("../migrations/sqlite").run(p).await,
        }
        .context("running database migrations")
    }

    /// Checks out a connection for reads (within [`ACQUIRE_TIMEOUT`]).
    pub async fn acquire(&self) -> Result<PoolConn, sqlx::Error> {
        Ok(match self {
            Db::MySql(p) => PoolConn::MySql(p.acquire().await?),
            Db::Sqlite(p, _) => PoolConn::Sqlite(p.acquire().await?),
        })
    }

    /// Starts a transaction. On SQLite it is `BEGIN IMMEDIATE`: it takes the write lock up
    /// front, so a read-then-write transaction cannot fail to upgrade under concurrency. On MySQL
    /// the `BEGIN` is bounded like any statement.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let (inner, writer) = match self {
            Db::MySql(p) => {
                let t = bounded(ACQUIRE_TIMEOUT + STATEMENT_TIMEOUT, p.begin()).await?;
                (TxInner::MySql(t), None)
            }
            Db::Sqlite(p, lock) => {
                let turn = tokio::time::timeout(WRITE_QUEUE_TIMEOUT, lock.0.clone().lock_owned());
                let guard = turn.await.map_err(|_| sqlx::Error::PoolTimedOut)?;
                let t = p.begin_with("BEGIN IMMEDIATE").await?;
                (TxInner::Sqlite(t), Some(guard))
            }
        };
        Ok(Tx {
            inner,
            queued: Vec::new(),
            _writer: writer,
        })
    }

    /// Answers whether the database responds (C2 /health), within about two seconds.
    pub async fn ping(&self) -> bool {
        let res = match self {
            Db::MySql(p) => timed(sqlx::query("SELECT 1").execute(p)).await.map(|_| ()),
            Db::Sqlite(p, _) => sqlx::query("SELECT 1").execute(p).await.map(|_| ()),
        };
        res.is_ok()
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match self {
            Db::MySql(p) => p.close().await,
            Db::Sqlite(p, _) => p.close().await,
        }
    }
}

/// Tells a new MySQL session to end statements (and InnoDB lock waits) that run longer than
/// [`SERVER_STATEMENT_TIMEOUT_MS`]. MariaDB calls the variable `max_statement_time` (seconds,
/// every statement); MySQL 8 calls it `max_execution_time` (milliseconds, SELECTs only).
async fn limit_statements(c: &mut MySqlConnection) -> sqlx::Result<()> {
    use sqlx::Executor;
    let version: String = sqlx::query_scalar("SELECT VERSION()")
        .fetch_one(&mut *c)
        .await?;
    let ms = SERVER_STATEMENT_TIMEOUT_MS;
    let limit = if version.contains("MariaDB") {
        format!("SET SESSION max_statement_time = {}", ms as f64 / 1000.0)
    } else {
        format!("SET SESSION max_execution_time = {ms}")
    };
    c.execute(limit.as_str()).await?;
    // Whole seconds, below the client-side bound: the server ends a lock wait first, cleanly.
    let wait = (ms / 1000).max(1);
    c.execute(format!("SET SESSION innodb_lock_wait_timeout = {wait}").as_str())
        .await?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite's write queue: transactions take turns in arrival order, a rolled-back one
    /// releases its turn, and reads never wait for a writer.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_write_transactions_take_turns_and_reads_go_on() {
        let dir = std::env::temp_dir().join(format!("chronos-wq-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("q.db").display());
        let db = Db::connect(&url, 4, false).await.unwrap();
        let Db::Sqlite(pool, _) = &db else {
            unreachable!()
        };
        sqlx::query("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
            .execute(pool)
            .await
            .unwrap();

        let first = db.begin().await.unwrap();
        let db2 = db.clone();
        let second = tokio::spawn(async move {
            let mut tx = db2.begin().await.unwrap();
            execute!(tx, "INSERT INTO t (n) VALUES (2)").unwrap();
            tx.commit().await.unwrap();
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            !second.is_finished(),
            "the second writer waits for its turn"
        );
        let mut c = db.acquire().await.unwrap();
        let n: i64 = crate::fetch_scalar!(c, i64, "SELECT COUNT(*) FROM t").unwrap();
        assert_eq!(n, 0, "a read goes on meanwhile");
        drop(first); // rolled back: the turn passes on
        tokio::time::timeout(Duration::from_secs(5), second)
            .await
            .expect("the second writer ran")
            .unwrap();
        let n: i64 = crate::fetch_scalar!(c, i64, "SELECT COUNT(*) FROM t").unwrap();
        assert_eq!(n, 1);
        drop(c);
        db.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
