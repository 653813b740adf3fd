//! SQL for `login_failures`, the shared counters of the login throttle (contract 3.5).

use super::Conn;
use crate::with_conn;

/// The failures of `key` at or after `since`: how many, and the oldest instant.
pub async fn count_since(
    conn: Conn<'_>,
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

/// Records one failure.
pub async fn insert(conn: Conn<'_>, key: &str, now: i64) -> sqlx::Result<()> {
    with_conn!(conn, |c| sqlx::query(
        "INSERT INTO login_failures (email_key, created_at) VALUES (?, ?)"
    )
    .bind(key)
    .bind(now)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Clears every failure of `key`.
pub async fn clear(conn: Conn<'_>, key: &str) -> sqlx::Result<()> {
    with_conn!(conn, |c| sqlx::query(
        "DELETE FROM login_failures WHERE email_key = ?"
    )
    .bind(key)
    .execute(c)
    .await
    .map(|_| ()))
}
