//! The login throttle (contract 3.5): 5 failures of one e-mail key within 15 minutes lock the key
//! until the oldest of them is 15 minutes old. Counters live in the database, so every instance
//! shares them.

use crate::db::{Connection, Db, login_failures};
use crate::http::{ApiError, ApiResult};

/// The window.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures within the window that lock the key.
pub const MAX_FAILURES: i64 = 5;

/// Answers 429 with `Retry-After` when the key is locked.
pub async fn check(conn: impl Connection, key: &str, now: i64) -> ApiResult<()> {
    let (count, oldest) = login_failures::count_since(conn, key, now - WINDOW_MS).await?;
    if count >= MAX_FAILURES {
        let oldest = oldest.unwrap_or(now);
        return Err(ApiError::too_many_requests(
            "Too many failed login attempts. Try again later.",
            oldest + WINDOW_MS - now,
        ));
    }
    Ok(())
}

/// A login attempt recorded before its password was checked.
#[derive(Debug)]
pub struct Attempt {
    id: i64,
}

/// Counts and records an attempt of `key` atomically, before any credential check: 429 when
/// the key is locked (that attempt is not recorded), otherwise the attempt is stored as a
/// failure until [`forgive`] or a successful login clears it. Parallel attempts of one key
/// take turns on the key's lock row, so at most [`MAX_FAILURES`] passwords are ever checked
/// per window, however many arrive at once. The connection is released before returning: the
/// caller hashes without holding one.
pub async fn begin_attempt(db: &Db, key: &str, now: i64) -> ApiResult<Attempt> {
    login_failures::ensure_key(db.acquire().await?.conn(), key, now).await?;
    let mut tx = db.begin().await?;
    if !login_failures::lock_key(&mut tx, key, now).await? {
        // Only a cleanup between the two statements removes the row: no lock, so refuse.
        return Err(ApiError::internal(anyhow::anyhow!(
            "login throttle key vanished"
        )));
    }
    check(&mut tx, key, now).await?;
    let id = login_failures::insert(&mut tx, key, now).await?;
    tx.commit().await?;
    Ok(Attempt { id })
}

/// Un-records an attempt that was not a failure (an unverified e-mail's 403).
pub async fn forgive(db: &Db, attempt: Attempt) -> ApiResult<()> {
    login_failures::delete(db.acquire().await?.conn(), attempt.id).await?;
    Ok(())
}
