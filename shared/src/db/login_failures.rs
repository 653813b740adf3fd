//! SQL for `login_failures`, the shared counters of the login throttle (contract 3.5).

use super::{Connection, InsertId};
use crate::with_conn;

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
    with_conn!(conn, |c| sqlx::query(
        "INSERT INTO login_failures (email_key, created_at) VALUES (?, ?)"
    )
    .bind(key)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.insert_id()))
}

/// Forgets one recorded attempt (it turned out not to be a failure).
pub async fn delete(mut conn: impl Connection, id: i64) -> sqlx::Result<()> {
    with_conn!(conn, |c| sqlx::query(
        "DELETE FROM login_failures WHERE id = ?"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Makes sure `key` has its lock row (run outside a transaction: a concurrent twin is a unique
/// violation, which means the row exists, as wanted).
pub async fn ensure_key(mut conn: impl Connection, key: &str, now: i64) -> sqlx::Result<()> {
    let res = with_conn!(conn, |c| sqlx::query(
        "INSERT INTO login_throttle_keys (email_key, updated_at) VALUES (?, ?)"
    )
    .bind(key)
    .bind(now)
    .execute(c)
    .await
    .map(|_| ()));
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
    with_conn!(conn, |c| sqlx::query(
        "UPDATE login_throttle_keys SET updated_at = ? WHERE email_key = ?"
    )
    .bind(now)
    .bind(key)
    .execute(c)
    .await
    .map(|r| r.rows_affected() == 1))
}

/// Clears every failure of `key`.
pub async fn clear(mut conn: impl Connection, key: &str) -> sqlx::Result<()> {
    with_conn!(conn, |c| sqlx::query(
        "DELETE FROM login_failures WHERE email_key = ?"
    )
    .bind(key)
    .execute(c)
    .await
    .map(|_| ()))
}
