//! Keeping each event's next reminder triggers (contract 6.3) in step with the event: every
//! write of an event (E2, E3 of either scope, E5, E6, a task's completion) calls [`refresh`] in
//! its transaction; deletions cascade. A refresh looks back over the due window (60 minutes), so
//! a trigger that came due just before an edit still fires; the delivery records keep it from
//! firing twice.

use crate::db::events::{self, Event};
use crate::db::{Connection, reminders};
use crate::domain::kinds::EventKind;
use crate::domain::triggers::{Schedule, offsets};

/// How late a trigger may still fire (6.3).
pub const LATE_MS: i64 = 60 * 60_000;

/// The (offset, next trigger) rows of event `e` as of `now`: for each offset, the first trigger
/// no earlier than the due window; none for a completed task.
pub fn pending(
    e: &Event,
    overrides: &[events::Override],
    completed: bool,
    now: i64,
) -> Vec<(i64, i64)> {
    if completed {
        return Vec::new();
    }
    let schedule = Schedule::new(e, overrides);
    offsets(e)
        .into_iter()
        .filter_map(|off| Some((off, schedule.next(off, now - LATE_MS)?.at)))
        .collect()
}

/// Recomputes and stores the triggers of event `id` (read in the caller's transaction, after its
/// writes). A missing event has none.
pub async fn refresh(mut conn: impl Connection, id: i64, now: i64) -> sqlx::Result<()> {
    let Some(e) = events::find_by_id(&mut conn, id).await? else {
        return Ok(());
    };
    refresh_for(conn, &e, now).await
}

/// As [`refresh`], for a caller that read event `e` as it is now in its transaction (E2).
pub async fn refresh_for(mut conn: impl Connection, e: &Event, now: i64) -> sqlx::Result<()> {
    let id = e.id;
    let overrides = if e.recurrence.is_some() {
        events::overrides_of(&mut conn, id).await?
    } else {
        Vec::new()
    };
    let completed = if e.kind == EventKind::Task {
        events::find_task(&mut conn, id)
            .await?
            .is_some_and(|t| t.is_completed)
    } else {
        false
    };
    reminders::put_triggers(conn, id, &pending(e, &overrides, completed, now)).await
}
