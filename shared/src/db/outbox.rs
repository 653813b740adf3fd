//! SQL for the e-mail `outbox`: rows written in the same transaction as the change that caused
//! them, delivered after commit, retried with back-off, marked sent once the server accepted them.

use sqlx::FromRow;

use super::{Connection, DbErrorExt};
use crate::{execute, fetch_all, insert, with_conn};

/// A queued, fully rendered e-mail.
#[derive(Clone, Debug, FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub dedupe_key: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    /// JSON array of the links in the message.
    pub links: String,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
}

macro_rules! outbox_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, dedupe_key, kind, recipient, subject, html_body, text_body, links, ",
            "attempts, next_attempt_at, sent_at, failed_at, last_error, created_at FROM outbox ",
            $tail
        )
    };
}

/// A message to queue.
pub struct NewOutbox<'a> {
    pub dedupe_key: &'a str,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub html_body: &'a str,
    pub text_body: &'a str,
    pub links: &'a str,
}

/// Queues a message; `None` when a row with the same dedupe key already exists.
pub async fn insert(
    mut conn: impl Connection,
    m: &NewOutbox<'_>,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    const SQL: &str = "INSERT INTO outbox (dedupe_key, kind, recipient, subject, html_body, \
        text_body, links, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)";
    let res = insert!(
        conn,
        SQL,
        m.dedupe_key,
        m.kind,
        m.recipient,
        m.subject,
        m.html_body,
        m.text_body,
        m.links,
        now,
        now
    );
    match res {
        Ok(id) => Ok(Some(id)),
        Err(e) if e.is_unique_violation() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Unsent, not abandoned rows whose next attempt is due, oldest first.
pub async fn due(mut conn: impl Connection, now: i64, limit: i64) -> sqlx::Result<Vec<i64>> {
    with_conn!(conn, |c| sqlx::query_scalar(
        "SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL \
         AND next_attempt_at <= ? ORDER BY id LIMIT ?"
    )
    .bind(now)
    .bind(limit)
    .fetch_all(c)
    .await)
}

/// Claims row `id` for one delivery attempt: only if it is unsent, not abandoned, and its next
/// attempt is due (neither in back-off nor leased by another worker's attempt); pushes that to
/// `lease_until` and counts the attempt. Returns the row only to the one worker whose update
/// succeeded.
pub async fn claim(
    mut conn: impl Connection,
    id: i64,
    now: i64,
    lease_until: i64,
) -> sqlx::Result<Option<OutboxRow>> {
    const SQL: &str = "UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1 \
        WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?";
    if execute!(conn, SQL, lease_until, id, now)? != 1 {
        return Ok(None);
    }
    crate::fetch_optional!(conn, OutboxRow, outbox_select!("WHERE id = ?"), id)
}

/// A row by id.
pub async fn find(mut conn: impl Connection, id: i64) -> sqlx::Result<Option<OutboxRow>> {
    crate::fetch_optional!(conn, OutboxRow, outbox_select!("WHERE id = ?"), id)
}

/// Marks a row delivered.
pub async fn mark_sent(mut conn: impl Connection, id: i64, now: i64) -> sqlx::Result<()> {
    execute!(
        conn,
        "UPDATE outbox SET sent_at = ?, last_error = NULL WHERE id = ?",
        now,
        id
    )
    .map(drop)
}

/// Records a failed attempt: retry at `next_attempt_at`, or give up when it is `None`.
pub async fn mark_failed_attempt(
    mut conn: impl Connection,
    id: i64,
    error: &str,
    next_attempt_at: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    execute!(
        conn,
        "UPDATE outbox SET last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at), \
         failed_at = CASE WHEN ? IS NULL THEN ? ELSE NULL END WHERE id = ?",
        error,
        next_attempt_at,
        next_attempt_at,
        now,
        id
    )
    .map(drop)
}

/// Every row, oldest first (tests and diagnostics).
pub async fn list_all(mut conn: impl Connection) -> sqlx::Result<Vec<OutboxRow>> {
    fetch_all!(conn, OutboxRow, outbox_select!("ORDER BY id"))
}

/// Rows committed but never tried (no attempt, created before `before`), oldest first: what a
/// crash between a commit and its hand-off leaves behind.
pub async fn never_tried(
    mut conn: impl Connection,
    before: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    const SQL: &str = "SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL \
        AND attempts = 0 AND created_at < ? ORDER BY id LIMIT ?";
    with_conn!(conn, |c| sqlx::query_scalar(SQL)
        .bind(before)
        .bind(limit)
        .fetch_all(c)
        .await)
}
