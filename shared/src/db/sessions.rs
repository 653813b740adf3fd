//! SQL for `sessions` and their chain of `refresh_nonces` (contract 3.4).

use sqlx::FromRow;

use super::{Connection, InsertId};
use crate::{execute, fetch_optional, insert, with_conn};

/// One refresh nonce of a session.
#[derive(Clone, Debug, FromRow)]
pub struct Nonce {
    pub id: i64,
    pub session_id: i64,
    pub user_id: i64,
    pub nonce: String,
    pub created_at: i64,
    pub replaced_at: Option<i64>,
}

macro_rules! nonce_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, session_id, user_id, nonce, created_at, replaced_at FROM refresh_nonces ",
            $tail
        )
    };
}

/// Creates a session for a user whose password version is still `password_version` (the one
/// the login verified); returns its id (`sid`), or `None` when the user is gone or changed the
/// password meanwhile (a reset or U5 that committed during the hash check must win).
pub async fn insert_session(
    mut conn: impl Connection,
    user_id: i64,
    password_version: i64,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    with_conn!(conn, |c| sqlx::query(
        "INSERT INTO sessions (user_id, created_at) \
         SELECT id, ? FROM users WHERE id = ? AND password_version = ?"
    )
    .bind(now)
    .bind(user_id)
    .bind(password_version)
    .execute(c)
    .await
    .map(|r| (r.rows_affected() == 1).then(|| r.insert_id())))
}

/// Adds a current nonce to a session.
pub async fn insert_nonce(
    mut conn: impl Connection,
    session_id: i64,
    user_id: i64,
    nonce: &str,
    now: i64,
) -> sqlx::Result<i64> {
    insert!(
        conn,
        "INSERT INTO refresh_nonces (session_id, user_id, nonce, created_at) VALUES (?, ?, ?, ?)",
        session_id,
        user_id,
        nonce,
        now
    )
}

/// Finds the nonce `nonce` of user `user_id`.
pub async fn find_nonce(
    mut conn: impl Connection,
    user_id: i64,
    nonce: &str,
) -> sqlx::Result<Option<Nonce>> {
    fetch_optional!(
        conn,
        Nonce,
        nonce_select!("WHERE nonce = ? AND user_id = ?"),
        nonce,
        user_id
    )
}

/// Locks a session's row until the transaction ends (`FOR UPDATE` on MySQL); returns whether
/// it exists. A refresh or logout takes it first, so the requests of one session take turns:
/// a second refresh sees the first's rotation (N replaced, S committed) and hands out S too
/// (contract 3.4 step 4). Session first, then its nonces, is also the order in which a
/// revocation's cascade locks them, so the two cannot deadlock. (Locking the nonce instead
/// deadlocked on MariaDB: inserting S needs the gap before N, which the waiters queue on.)
pub async fn lock_session(mut conn: impl Connection, session_id: i64) -> sqlx::Result<bool> {
    let found: Option<i64> =
        crate::with_conn_locking!(conn, "SELECT id FROM sessions WHERE id = ?", |c, sql| {
            sqlx::query_scalar(sql)
                .bind(session_id)
                .fetch_optional(c)
                .await
        })?;
    Ok(found.is_some())
}

/// The current (not replaced) nonce of a session.
pub async fn current_nonce(
    mut conn: impl Connection,
    session_id: i64,
) -> sqlx::Result<Option<Nonce>> {
    fetch_optional!(
        conn,
        Nonce,
        nonce_select!("WHERE session_id = ? AND replaced_at IS NULL ORDER BY id DESC LIMIT 1"),
        session_id
    )
}

/// Marks a nonce replaced, only if it is still current; returns whether this call did it.
pub async fn mark_replaced(
    mut conn: impl Connection,
    nonce_id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    execute!(
        conn,
        "UPDATE refresh_nonces SET replaced_at = ? WHERE id = ? AND replaced_at IS NULL",
        now,
        nonce_id
    )
    .map(|n| n == 1)
}

/// Deletes one session with its nonces.
pub async fn delete_session(mut conn: impl Connection, session_id: i64) -> sqlx::Result<()> {
    execute!(conn, "DELETE FROM sessions WHERE id = ?", session_id).map(drop)
}

/// Deletes every session of a user except `keep` (pass 0 to delete all).
pub async fn delete_user_sessions(
    mut conn: impl Connection,
    user_id: i64,
    keep: i64,
) -> sqlx::Result<u64> {
    execute!(
        conn,
        "DELETE FROM sessions WHERE user_id = ? AND id <> ?",
        user_id,
        keep
    )
    .map(|n| n)
}

/// Counts a user's sessions (used by tests and diagnostics).
pub async fn count_user_sessions(mut conn: impl Connection, user_id: i64) -> sqlx::Result<i64> {
    with_conn!(conn, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions WHERE user_id = ?"
    )
    .bind(user_id)
    .fetch_one(c)
    .await)
}

/// Deletes the refresh nonces created before `cutoff` (expired, current or replaced), then the
/// sessions created before `cutoff` that have none left (contract 6.2). Returns both counts.
pub async fn delete_expired(mut conn: impl Connection, cutoff: i64) -> sqlx::Result<(u64, u64)> {
    const NONCES: &str = "DELETE FROM refresh_nonces WHERE created_at < ?";
    const SESSIONS: &str = "DELETE FROM sessions WHERE created_at < ? \
        AND NOT EXISTS (SELECT 1 FROM refresh_nonces n WHERE n.session_id = sessions.id)";
    let nonces = execute!(conn, NONCES, cutoff)?;
    let sessions = execute!(conn, SESSIONS, cutoff)?;
    Ok((nonces, sessions))
}
