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

/// Whether `name` was uploaded by `user_id` (and not replaced since). Share-locks the row until
/// the transaction ends, so the avatar clean-up cannot delete a file a U4 is choosing.
pub async fn is_owned_by(
    mut conn: impl Connection,
    user_id: i64,
    name: &str,
) -> sqlx::Result<bool> {
    let n: i64 = crate::with_conn_locking!(
        conn,
        shared: "SELECT COUNT(*) FROM uploads WHERE user_id = ? AND name = ? AND deleted_at IS NULL",
        |c, sql| sqlx::query_scalar(sql).bind(user_id).bind(name).fetch_one(c).await
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

/// Uploads created before `cutoff` that no user shows (contract 6.2): not their uploader's
/// current picture, or whose uploader is gone, or already replaced. At most `limit`, oldest first.
/// A user's picture is always one of their own uploads, so the check reads the uploader's row
/// by primary key.
pub async fn unreferenced_before(
    mut conn: impl Connection,
    cutoff: i64,
    limit: i64,
) -> sqlx::Result<Vec<String>> {
    const SQL: &str = "SELECT p.name FROM uploads p LEFT JOIN users u ON u.id = p.user_id \
        WHERE p.created_at < ? AND (u.id IS NULL OR u.profile_picture_name <> p.name \
        OR p.deleted_at IS NOT NULL) ORDER BY p.created_at, p.id LIMIT ?";
    with_conn!(conn, |c| sqlx::query_scalar(SQL)
        .bind(cutoff)
        .bind(limit)
        .fetch_all(c)
        .await)
}

/// Forgets upload `name` if it is still unreferenced, locking its row first (a U4 choosing it
/// as a picture share-locks it, so the two take turns); returns whether it did.
pub async fn delete_if_unreferenced(mut conn: impl Connection, name: &str) -> sqlx::Result<bool> {
    let found: Option<(i64, Option<i64>)> = crate::with_conn_locking!(
        conn,
        "SELECT id, user_id FROM uploads WHERE name = ?",
        |c, sql| sqlx::query_as(sql).bind(name).fetch_optional(c).await
    )?;
    let Some((id, user_id)) = found else {
        return Ok(false);
    };
    const SHOWN: &str = "SELECT COUNT(*) FROM users WHERE id = ? AND profile_picture_name = ?";
    let shown: i64 = crate::fetch_scalar!(conn, i64, SHOWN, user_id, name)?;
    if shown > 0 {
        return Ok(false);
    }
    execute!(conn, "DELETE FROM uploads WHERE id = ?", id).map(|n| n == 1)
}
