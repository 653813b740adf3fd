//! The login throttle (contract 3.5): 5 failures of one e-mail key within 15 minutes lock the key
//! until the oldest of them is 15 minutes old. Counters live in the database, so every instance
//! shares them.

use crate::db::{Conn, login_failures};
use crate::http::{ApiError, ApiResult};

/// The window.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures within the window that lock the key.
pub const MAX_FAILURES: i64 = 5;

/// Answers 429 with `Retry-After` when the key is locked.
pub async fn check(conn: Conn<'_>, key: &str, now: i64) -> ApiResult<()> {
    let (count, oldest) = login_failures::count_since(conn, key, now - WINDOW_MS).await?;
    if count >= MAX_FAILURES {
        let oldest = oldest.unwrap_or(now);
        let wait_ms = oldest + WINDOW_MS - now;
        let secs = (wait_ms + 999).div_euclid(1000).max(1);
        return Err(ApiError::too_many_requests(
            "Too many failed login attempts. Try again later.",
            secs,
        ));
    }
    Ok(())
}
