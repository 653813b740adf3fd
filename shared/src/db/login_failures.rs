//! SQL for `login_failures`, the shared counters of the login throttle (contract 3.5).

use super::Connection;
use crate::{execute, insert, with_conn};

/// The failures of `key` at or after `since`: how many, and the oldest instant.
pub async fn count_since(
    mut conn: impl Connection,
    key: &str,
    since: i64,
) -> sqlx::Result<(i64, Option<i64>)> {
    const SQL: &str = "SELECT COUNT(*), MIN(created_at) FROM login_failures WHERE email_key = ? AND created_at > ?";
    with_conn!(conn, |c| sqlx::query_as::<_, (i64, Option<i64>)>(SQL)
        .bind(key)
        .bind(since)
        .fetch_one(c)
        .await)
}

/// Records one attempt, counted as a failure unless it is forgiven or cleared; returns its id.
pub async fn insert(mut conn: impl Connection, key: &str, now: i64) -> sqlx::Result<i64> {
    insert!(
        conn,
        "INSERT INTO login_failures (email_key, created_at) VALUES (?, ?)",
        key,
        now
    )
}

/// Forgets one recorded attempt (it turned out not to be a failure).
pub async fn delete(mut conn: impl Connection, id: i64) -> sqlx::Result<()> {
    execute!(conn, "DELETE FROM login_failures WHERE id = ?", id).map(drop)
}

/// Makes sure `key` has its lock row (run outside a transaction: a concurrent twin is a unique
/// violation, which means the row exists, as wanted).
pub async fn ensure_key(mut conn: impl Connection, key: &str, now: i64) -> sqlx::Result<()> {
    let res = execute!(
        conn,
        "INSERT INTO login_throttle_keys (email_key, updated_at) VALUES (?, ?)",
        key,
        now
    )
    .map(drop);
    match res {
        Err(e) if super::DbErrorExt::is_unique_violation(&e) => Ok(()),
        other => other,
    }
}

/// Locks `key`'s row until the transaction ends, so one attempt of the key at a time counts
/// and records (on MySQL the later plain reads of the transaction then see every attempt the
/// previous holder committed; on SQLite `BEGIN IMMEDIATE` already serialises). Returns whether
/// the row exists.
pub async fn lock_key(mut conn: impl Connection, key: &str, now: i64) -> sqlx::Result<bool> {
    execute!(
        conn,
        "UPDATE login_throttle_keys SET updated_at = ? WHERE email_key = ?",
        now,
        key
    )
    .map(|n| n == 1)
}

/// Clears every failure of `key`.
pub async fn clear(mut conn: impl Connection, key: &str) -> sqlx::Result<()> {
    execute!(conn, "DELETE FROM login_failures WHERE email_key = ?", key).map(drop)
}

/// Deletes the failure records created before `cutoff`, and the lock rows of keys not used
/// since (contract 6.2). Returns how many failure records went.
pub async fn delete_before(mut conn: impl Connection, cutoff: i64) -> sqlx::Result<u64> {
    const FAILURES: &str = "DELETE FROM login_failures WHERE created_at < ?";
    const KEYS: &str = "DELETE FROM login_throttle_keys WHERE updated_at < ?";
    let n = execute!(conn, FAILURES, cutoff)?;
    execute!(conn, KEYS, cutoff)?;
    Ok(n)
}
