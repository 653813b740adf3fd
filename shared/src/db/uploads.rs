//! SQL for `uploads`: avatar files and who uploaded them.

use super::Connection;
use crate::{execute, fetch_scalar, with_conn};

/// Records an uploaded file.
pub async fn insert(
    mut conn: impl Connection,
    user_id: i64,
    name: &str,
    now: i64,
) -> sqlx::Result<()> {
    execute!(
        conn,
        "INSERT INTO uploads (user_id, name, created_at) VALUES (?, ?, ?)",
        user_id,
        name,
        now
    )
    .map(drop)
}

/// Whether `name` was uploaded by `user_id` (and not replaced since).
pub async fn is_owned_by(
    mut conn: impl Connection,
    user_id: i64,
    name: &str,
) -> sqlx::Result<bool> {
    let n: i64 = fetch_scalar!(
        conn,
        i64,
        "SELECT COUNT(*) FROM uploads WHERE user_id = ? AND name = ? AND deleted_at IS NULL",
        user_id,
        name
    )?;
    Ok(n > 0)
}

/// Whether a file of that name was uploaded (and not replaced or cleaned up).
pub async fn exists(mut conn: impl Connection, name: &str) -> sqlx::Result<bool> {
    let n: i64 = fetch_scalar!(
        conn,
        i64,
        "SELECT COUNT(*) FROM uploads WHERE name = ? AND deleted_at IS NULL",
        name
    )?;
    Ok(n > 0)
}

/// The names of every file a user uploaded that is still stored.
pub async fn names_of_user(mut conn: impl Connection, user_id: i64) -> sqlx::Result<Vec<String>> {
    with_conn!(conn, |c| sqlx::query_scalar(
        "SELECT name FROM uploads WHERE user_id = ? AND deleted_at IS NULL"
    )
    .bind(user_id)
    .fetch_all(c)
    .await)
}

/// Forgets a file.
pub async fn delete(mut conn: impl Connection, name: &str) -> sqlx::Result<()> {
    execute!(conn, "DELETE FROM uploads WHERE name = ?", name).map(drop)
}

/// A user's uploads since `since` (replaced ones included): how many, and the oldest instant.
pub async fn count_since(
    mut conn: impl Connection,
    user_id: i64,
    since: i64,
) -> sqlx::Result<(i64, Option<i64>)> {
    with_conn!(conn, |c| sqlx::query_as::<_, (i64, Option<i64>)>(
        "SELECT COUNT(*), MIN(created_at) FROM uploads WHERE user_id = ? AND created_at > ?"
    )
    .bind(user_id)
    .bind(since)
    .fetch_one(c)
    .await)
}

/// The user's stored uploads other than `picture` (their current profile picture): the
/// unreferenced ones.
pub async fn unreferenced_of_user(
    mut conn: impl Connection,
    user_id: i64,
    picture: &str,
) -> sqlx::Result<Vec<String>> {
    with_conn!(conn, |c| sqlx::query_scalar(
        "SELECT name FROM uploads WHERE user_id = ? AND name <> ? AND deleted_at IS NULL"
    )
    .bind(user_id)
    .bind(picture)
    .fetch_all(c)
    .await)
}

/// Marks an upload replaced: its file is deleted, its row stays for the quota.
pub async fn mark_deleted(mut conn: impl Connection, name: &str, now: i64) -> sqlx::Result<()> {
    execute!(
        conn,
        "UPDATE uploads SET deleted_at = ? WHERE name = ? AND deleted_at IS NULL",
        now,
        name
    )
    .map(drop)
}
