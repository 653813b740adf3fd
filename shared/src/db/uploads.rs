//! SQL for `uploads`: avatar files and who uploaded them.

use super::Conn;
use crate::with_conn;

/// Records an uploaded file.
pub async fn insert(conn: Conn<'_>, user_id: i64, name: &str, now: i64) -> sqlx::Result<()> {
    with_conn!(conn, |c| sqlx::query(
        "INSERT INTO uploads (user_id, name, created_at) VALUES (?, ?, ?)"
    )
    .bind(user_id)
    .bind(name)
    .bind(now)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Whether `name` was uploaded by `user_id`.
pub async fn is_owned_by(conn: Conn<'_>, user_id: i64, name: &str) -> sqlx::Result<bool> {
    let n: i64 = with_conn!(conn, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM uploads WHERE user_id = ? AND name = ?"
    )
    .bind(user_id)
    .bind(name)
    .fetch_one(c)
    .await)?;
    Ok(n > 0)
}

/// Whether a file of that name was uploaded (and not cleaned up).
pub async fn exists(conn: Conn<'_>, name: &str) -> sqlx::Result<bool> {
    let n: i64 = with_conn!(conn, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM uploads WHERE name = ?"
    )
    .bind(name)
    .fetch_one(c)
    .await)?;
    Ok(n > 0)
}

/// The names of every file a user uploaded.
pub async fn names_of_user(conn: Conn<'_>, user_id: i64) -> sqlx::Result<Vec<String>> {
    with_conn!(conn, |c| sqlx::query_scalar(
        "SELECT name FROM uploads WHERE user_id = ?"
    )
    .bind(user_id)
    .fetch_all(c)
    .await)
}

/// Forgets a file.
pub async fn delete(conn: Conn<'_>, name: &str) -> sqlx::Result<()> {
    with_conn!(conn, |c| sqlx::query("DELETE FROM uploads WHERE name = ?")
        .bind(name)
        .execute(c)
        .await
        .map(|_| ()))
}
