//! SQL for `event_triggers`, `reminder_deliveries` and the back-fill cursor (contract 6.3).

use sqlx::FromRow;

use super::{Connection, DbErrorExt};
use crate::{execute, fetch_all, fetch_optional, with_conn};

/// The next trigger of one (event, offset).
#[derive(Clone, Copy, Debug, FromRow, PartialEq, Eq)]
pub struct DueTrigger {
    pub event_id: i64,
    pub offset_minutes: i64,
    pub next_at: i64,
}

/// A user a reminder goes to.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct Recipient {
    pub user_id: i64,
    pub email: String,
    pub time_zone: String,
}

/// Replaces the triggers of an event with `rows` of (offset, next trigger).
pub async fn put_triggers(
    mut conn: impl Connection,
    event_id: i64,
    rows: &[(i64, i64)],
) -> sqlx::Result<()> {
    const INSERT: &str =
        "INSERT INTO event_triggers (event_id, offset_minutes, next_at) VALUES (?, ?, ?)";
    execute!(
        conn,
        "DELETE FROM event_triggers WHERE event_id = ?",
        event_id
    )?;
    for &(offset, next_at) in rows {
        execute!(conn, INSERT, event_id, offset, next_at)?;
    }
    Ok(())
}

/// The triggers due at `now`, earliest first, at most `limit`.
pub async fn due(mut conn: impl Connection, now: i64, limit: i64) -> sqlx::Result<Vec<DueTrigger>> {
    fetch_all!(conn, DueTrigger, DUE, now, limit)
}

/// The SQL of [`due`]: the reminder sweep's read.
pub(crate) const DUE: &str = "SELECT event_id, offset_minutes, next_at FROM event_triggers \
    WHERE next_at <= ? ORDER BY next_at, event_id, offset_minutes LIMIT ?";

/// Claims a due trigger by moving it from `from` to `to` (or deleting it when the event has no
/// trigger left); `false` when another sweep (or a write of the event) moved it first.
pub async fn advance(
    mut conn: impl Connection,
    t: &DueTrigger,
    to: Option<i64>,
) -> sqlx::Result<bool> {
    const MOVE: &str = "UPDATE event_triggers SET next_at = ? \
        WHERE event_id = ? AND offset_minutes = ? AND next_at = ?";
    const DELETE: &str =
        "DELETE FROM event_triggers WHERE event_id = ? AND offset_minutes = ? AND next_at = ?";
    let n = match to {
        Some(next) => execute!(conn, MOVE, next, t.event_id, t.offset_minutes, t.next_at)?,
        None => execute!(conn, DELETE, t.event_id, t.offset_minutes, t.next_at)?,
    };
    Ok(n == 1)
}

/// The users a reminder of the event goes to (6.3): every distinct user with a participation
/// `invited`, `pending` or `accepted` through a confirmed membership.
pub async fn recipients(mut conn: impl Connection, event_id: i64) -> sqlx::Result<Vec<Recipient>> {
    const SQL: &str = "SELECT DISTINCT u.id AS user_id, u.email, u.time_zone \
        FROM event_participations p JOIN calendar_members m ON m.id = p.calendar_member_id \
        JOIN users u ON u.id = m.user_id \
        WHERE p.event_id = ? AND m.is_confirmed = TRUE \
        AND p.response_status IN ('invited', 'pending', 'accepted') ORDER BY u.id";
    fetch_all!(conn, Recipient, SQL, event_id)
}

/// Records one reminder e-mail (insert-first); `false` when it was queued already.
pub async fn record_delivery(
    mut conn: impl Connection,
    (event_id, occurrence_start, user_id, offset): (i64, i64, i64, i64),
    now: i64,
) -> sqlx::Result<bool> {
    const SQL: &str = "INSERT INTO reminder_deliveries (event_id, occurrence_start, user_id, \
        offset_minutes, created_at) VALUES (?, ?, ?, ?, ?)";
    match execute!(conn, SQL, event_id, occurrence_start, user_id, offset, now) {
        Ok(_) => Ok(true),
        Err(e) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Deletes the delivery records created before `cutoff` (6.2: after 30 days).
pub async fn delete_deliveries_before(mut conn: impl Connection, cutoff: i64) -> sqlx::Result<u64> {
    execute!(
        conn,
        "DELETE FROM reminder_deliveries WHERE created_at < ?",
        cutoff
    )
}

/// The back-fill cursor: the last event id done and the last id to do.
pub async fn backfill_cursor(mut conn: impl Connection) -> sqlx::Result<Option<(i64, i64)>> {
    const SQL: &str = "SELECT position, until_id FROM job_cursors WHERE name = 'trigger-backfill'";
    fetch_optional!(conn, (i64, i64), SQL)
}

/// Moves the back-fill cursor from `from` to `to`; `false` when another sweep did.
pub async fn move_backfill_cursor(
    mut conn: impl Connection,
    from: i64,
    to: i64,
) -> sqlx::Result<bool> {
    const SQL: &str =
        "UPDATE job_cursors SET position = ? WHERE name = 'trigger-backfill' AND position = ?";
    execute!(conn, SQL, to, from).map(|n| n == 1)
}

/// The ids of events after `after`, up to `until`, at most `limit`, in order.
pub async fn event_ids_between(
    mut conn: impl Connection,
    after: i64,
    until: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    const SQL: &str = "SELECT id FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?";
    with_conn!(conn, |c| sqlx::query_scalar(SQL)
        .bind(after)
        .bind(until)
        .bind(limit)
        .fetch_all(c)
        .await)
}
