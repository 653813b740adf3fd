//! SQL for `events`, `tasks` and `event_overrides`. Participations are in
//! [`super::participations`], the listings in [`super::listing`].
//!
//! To add a column to `events`: a field in [`EventFields`] (or [`Event`] if it never changes),
//! its name in [`event_columns!`] at the same position, and its value in [`INSERT`] and
//! [`UPDATE`]. Every select and both listing decoders follow from the list.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use sqlx::types::Json;

use super::Connection;
use crate::domain::kinds::EventKind;
use crate::{execute, fetch_all, fetch_optional, insert, with_conn};

/// A stored event (a single event or a recurring series): its identity and bookkeeping, and the
/// fields an edit may change (reached through `Deref`, so `e.name` reads as a column).
#[derive(Clone, Debug, FromRow, PartialEq, Eq, Deserialize)]
pub struct Event {
    pub id: i64,
    pub calendar_id: i64,
    pub creator_id: i64,
    #[sqlx(flatten)]
    pub fields: EventFields,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What an event holds, as inserted by E2 and edited by E3-E6.
#[derive(Clone, Debug, FromRow, PartialEq, Eq, Deserialize)]
pub struct EventFields {
    pub name: String,
    pub description: Option<String>,
    pub category: String,
    #[sqlx(rename = "event_type")]
    pub kind: EventKind,
    pub started_at: i64,
    pub ended_at: i64,
    /// `YYYY-MM-DD` of an all-day event.
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub time_zone: String,
    #[serde(deserialize_with = "sqlite_json::boolean")]
    pub all_day: bool,
    /// The recurrence lines (`None`: a single event).
    #[sqlx(json(nullable))]
    #[serde(deserialize_with = "sqlite_json::nullable_text")]
    pub recurrence: Option<Vec<String>>,
    /// Minutes before the start.
    #[sqlx(json)]
    #[serde(deserialize_with = "sqlite_json::text")]
    pub reminders: Vec<i64>,
    pub color: String,
    /// The end of the last occurrence (`None`: the series never ends).
    pub range_end: Option<i64>,
}

impl std::ops::Deref for Event {
    type Target = EventFields;

    fn deref(&self) -> &EventFields {
        &self.fields
    }
}

impl std::ops::DerefMut for Event {
    fn deref_mut(&mut self) -> &mut EventFields {
        &mut self.fields
    }
}

impl EventFields {
    /// The recurrence lines, if the event recurs (an empty stored list is no recurrence).
    pub fn lines(&self) -> Option<&[String]> {
        self.recurrence.as_deref().filter(|l| !l.is_empty())
    }
}

/// An event to insert: what the row holds before the database gives it an id and a version.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub calendar_id: i64,
    pub creator_id: i64,
    pub fields: EventFields,
}

/// The task part of a task event.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct Task {
    pub event_id: i64,
    pub is_completed: bool,
    pub priority: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One override of one occurrence (E5).
#[derive(Clone, Debug, FromRow)]
pub struct Override {
    pub event_id: i64,
    pub original_start: i64,
    #[sqlx(json)]
    pub fields: OverrideFields,
}

/// The fields an override replaces, stored as JSON with the contract's names. A `startedAt` or
/// `endedAt` is the rendered time (a date when the series is all-day).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OverrideFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Some(None)`: the occurrence's description is replaced by `null`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub description: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
}

/// A key that is present is `Some`, even when its value is `null`.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The columns of `events` in [`Event`]'s field order, rendered by `$render!`: `[id and its
/// fixed columns] [EventFields] [bookkeeping]`. The one list every select and decoder follows.
macro_rules! event_columns {
    ($render:ident!($($args:tt)*)) => {
        $render!($($args)*
            [calendar_id creator_id]
            [name description category event_type started_at ended_at start_date end_date
             time_zone all_day recurrence reminders color range_end]
            [version created_at updated_at])
    };
}

/// `p.id, p.calendar_id, …`: the columns with a table prefix (`""` for none), named as in the
/// table, for [`Event`]'s `FromRow`.
macro_rules! select_list {
    ($p:literal [$($a:ident)*] [$($f:ident)*] [$($z:ident)*]) => {
        concat!($p, "id" $(, ", ", $p, stringify!($a))* $(, ", ", $p, stringify!($f))*
            $(, ", ", $p, stringify!($z))*)
    };
}

/// `SELECT <every column> FROM events <tail>`.
macro_rules! select_events {
    ($tail:literal) => {
        concat!(
            "SELECT ",
            event_columns!(select_list!("")),
            " FROM events ",
            $tail
        )
    };
}

const INSERT: &str = "INSERT INTO events (calendar_id, creator_id, name, description, category, \
    event_type, started_at, ended_at, start_date, end_date, time_zone, all_day, recurrence, \
    reminders, color, range_end, version, created_at, updated_at) \
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)";

const UPDATE: &str = "UPDATE events SET name = ?, description = ?, category = ?, \
    started_at = ?, ended_at = ?, start_date = ?, end_date = ?, time_zone = ?, all_day = ?, \
    recurrence = ?, reminders = ?, range_end = ?, version = version + 1, updated_at = ? \
    WHERE id = ? AND version = ?";

/// Finds an event.
pub async fn find_by_id(mut conn: impl Connection, id: i64) -> sqlx::Result<Option<Event>> {
    fetch_optional!(conn, Event, select_events!("WHERE id = ?"), id)
}

/// Finds an event and locks its row until the transaction ends (`FOR UPDATE` on MySQL), so the
/// writes of one event take turns. It must be the transaction's first read: on MySQL every later
/// plain read then sees what the previous writer committed.
pub async fn find_for_update(mut conn: impl Connection, id: i64) -> sqlx::Result<Option<Event>> {
    crate::with_conn_locking!(conn, select_events!("WHERE id = ?"), |c, sql| {
        sqlx::query_as::<_, Event>(sql)
            .bind(id)
            .fetch_optional(c)
            .await
    })
}

/// Inserts an event with version 1; returns its id.
pub async fn insert(mut conn: impl Connection, e: &NewEvent, now: i64) -> sqlx::Result<i64> {
    let f = &e.fields;
    insert!(
        conn,
        INSERT,
        e.calendar_id,
        e.creator_id,
        &f.name,
        &f.description,
        &f.category,
        f.kind,
        f.started_at,
        f.ended_at,
        &f.start_date,
        &f.end_date,
        &f.time_zone,
        f.all_day,
        f.recurrence.as_ref().map(Json),
        Json(&f.reminders),
        &f.color,
        f.range_end,
        now,
        now,
    )
}

/// As [`insert`], returning the row as stored without reading it back: the statement writes
/// every column from `e` and `now`, and the version 1 (a test compares it with the row read).
pub async fn insert_row(conn: impl Connection, e: &NewEvent, now: i64) -> sqlx::Result<Event> {
    let id = insert(conn, e, now).await?;
    Ok(Event {
        id,
        calendar_id: e.calendar_id,
        creator_id: e.creator_id,
        fields: e.fields.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

/// Writes every mutable column of an event and bumps its version, only if the stored version
/// is still `e.version` (the one the caller read); returns whether it did. `renamed`: `e.name`
/// differs from the stored row's, which the caller holds locked (the name trigrams are
/// rewritten only then).
pub async fn update(mut conn: impl Connection, e: &Event, renamed: bool) -> sqlx::Result<bool> {
    let n = execute!(
        conn,
        UPDATE,
        &e.name,
        &e.description,
        &e.category,
        e.started_at,
        e.ended_at,
        &e.start_date,
        &e.end_date,
        &e.time_zone,
        e.all_day,
        e.recurrence.as_ref().map(Json),
        Json(&e.reminders),
        e.range_end,
        e.updated_at,
        e.id,
        e.version,
    )?;
    if n == 1 {
        super::participations::copy_event(conn, e, renamed).await?;
    }
    Ok(n == 1)
}

/// Increments an event's version (a change to its task, overrides or participations).
pub async fn bump_version(mut conn: impl Connection, id: i64, now: i64) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE events SET version = version + 1, updated_at = ? WHERE id = ?";
    execute!(conn, SQL, now, id)?;
    super::participations::copy_rows_of_events(conn, &[id]).await
}

/// Deletes an event (task, participations and overrides cascade).
pub async fn delete(mut conn: impl Connection, id: i64) -> sqlx::Result<()> {
    execute!(conn, "DELETE FROM events WHERE id = ?", id).map(drop)
}

/// The task of an event.
pub async fn find_task(mut conn: impl Connection, event_id: i64) -> sqlx::Result<Option<Task>> {
    const SQL: &str = "SELECT event_id, is_completed, priority, created_at, updated_at \
        FROM tasks WHERE event_id = ?";
    fetch_optional!(conn, Task, SQL, event_id)
}

/// Inserts the task row of a new task event.
pub async fn insert_task(mut conn: impl Connection, t: &Task) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO tasks (event_id, is_completed, priority, created_at, \
        updated_at) VALUES (?, ?, ?, ?, ?)";
    let (id, done, priority) = (t.event_id, t.is_completed, &t.priority);
    execute!(conn, SQL, id, done, priority, t.created_at, t.updated_at)?;
    super::participations::copy_rows_of_events(conn, &[id]).await
}

/// Rewrites a task's completion and priority.
pub async fn update_task(mut conn: impl Connection, t: &Task) -> sqlx::Result<()> {
    const SQL: &str =
        "UPDATE tasks SET is_completed = ?, priority = ?, updated_at = ? WHERE event_id = ?";
    execute!(
        conn,
        SQL,
        t.is_completed,
        &t.priority,
        t.updated_at,
        t.event_id
    )?;
    super::participations::copy_rows_of_events(conn, &[t.event_id]).await
}

/// The events whose home calendar is `calendar_id`.
pub async fn list_of_calendar(
    mut conn: impl Connection,
    calendar_id: i64,
) -> sqlx::Result<Vec<Event>> {
    fetch_all!(
        conn,
        Event,
        select_events!("WHERE calendar_id = ? ORDER BY id"),
        calendar_id
    )
}

/// Locks every event of a calendar, by primary key in id order (`FOR UPDATE` on MySQL). A
/// calendar deletion takes them after the calendar and before its cascade reaches their
/// participations: the order every event write takes (event row, then its index entries and
/// rows), so the two cannot deadlock. A locking read through the calendar index would take
/// that index first and deadlock with a concurrent E4.
pub async fn lock_of_calendar(mut conn: impl Connection, calendar_id: i64) -> sqlx::Result<()> {
    const SQL: &str = "SELECT id FROM events WHERE calendar_id = ? ORDER BY id";
    let ids: Vec<i64> = with_conn!(conn, |c| sqlx::query_scalar(SQL)
        .bind(calendar_id)
        .fetch_all(c)
        .await)?;
    lock_ids(conn, &ids).await
}

/// Locks the events a membership participates in, by primary key in id order, before its
/// participations go (a member's removal): event first, then its rows, as every event write.
pub async fn lock_of_member(mut conn: impl Connection, member_id: i64) -> sqlx::Result<Vec<i64>> {
    const SQL: &str = "SELECT event_id FROM event_participations WHERE calendar_member_id = ? \
        ORDER BY event_id";
    let ids: Vec<i64> = with_conn!(conn, |c| sqlx::query_scalar(SQL)
        .bind(member_id)
        .fetch_all(c)
        .await)?;
    lock_ids(conn, &ids).await?;
    Ok(ids)
}

/// Ids as the text of an `IN (…)` list. The list holds integers only (formatted from `i64`), so
/// building it into the statement is safe; sqlx has no array binding that both engines share.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// `SELECT … WHERE id IN (…) FOR UPDATE` in chunks, on ids sorted ascending.
async fn lock_ids(mut conn: impl Connection, ids: &[i64]) -> sqlx::Result<()> {
    for chunk in ids.chunks(500) {
        let list = id_list(chunk);
        let select = format!("SELECT id FROM events WHERE id IN ({list}) ORDER BY id");
        match conn.conn() {
            super::Conn::MySql(c) => {
                let sql = format!("{select} FOR UPDATE");
                super::timed(sqlx::query(&sql).fetch_all(c)).await?;
            }
            super::Conn::Sqlite(c) => {
                sqlx::query(&select).fetch_all(c).await?;
            }
        }
    }
    Ok(())
}

/// Of the events `ids` (already locked), deletes the tasks `user_id` created and bumps the
/// version of the rest: what a member's removal does to the events it took part in. By primary
/// key only, so no other row of the calendar is locked on the way.
pub async fn leave_events(
    mut conn: impl Connection,
    ids: &[i64],
    user_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    for chunk in ids.chunks(500) {
        let list = id_list(chunk);
        let delete = format!(
            "DELETE FROM events WHERE id IN ({list}) AND creator_id = ? AND event_type = 'task'"
        );
        let bump =
            format!("UPDATE events SET version = version + 1, updated_at = ? WHERE id IN ({list})");
        execute!(conn, &delete, user_id)?;
        execute!(conn, &bump, now)?;
        super::participations::copy_rows_of_events(&mut conn, chunk).await?;
    }
    Ok(())
}

/// The overrides of an event.
pub async fn overrides_of(mut conn: impl Connection, event_id: i64) -> sqlx::Result<Vec<Override>> {
    const SQL: &str = "SELECT event_id, original_start, fields FROM event_overrides \
        WHERE event_id = ? ORDER BY original_start";
    fetch_all!(conn, Override, SQL, event_id)
}

/// The overrides of several events.
pub async fn overrides_of_events(
    mut conn: impl Connection,
    ids: &[i64],
) -> sqlx::Result<Vec<Override>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = id_list(ids);
    let sql = format!(
        "SELECT event_id, original_start, fields FROM event_overrides WHERE event_id IN ({list})"
    );
    fetch_all!(conn, Override, &sql)
}

/// Inserts or replaces one override.
pub async fn put_override(
    mut conn: impl Connection,
    event_id: i64,
    original: i64,
    fields: &OverrideFields,
    now: i64,
) -> sqlx::Result<()> {
    let fields = Json(fields);
    const DELETE: &str = "DELETE FROM event_overrides WHERE event_id = ? AND original_start = ?";
    const INSERT: &str = "INSERT INTO event_overrides (event_id, original_start, fields, \
        created_at, updated_at) VALUES (?, ?, ?, ?, ?)";
    execute!(conn, DELETE, event_id, original)?;
    execute!(conn, INSERT, event_id, original, fields, now, now).map(drop)
}

/// Deletes one override (or all of an event's when `original` is None).
pub async fn delete_overrides(
    mut conn: impl Connection,
    event_id: i64,
    original: Option<i64>,
) -> sqlx::Result<()> {
    const SQL: &str =
        "DELETE FROM event_overrides WHERE event_id = ? AND (? IS NULL OR original_start = ?)";
    execute!(conn, SQL, event_id, original, original).map(drop)
}

/// serde decoders for the values of SQLite's `json_array` rows, where booleans are 0/1 and JSON
/// columns are text.
pub(crate) mod sqlite_json {
    use serde::Deserialize;
    use serde::de::{DeserializeOwned, Deserializer, Error};

    /// A boolean as SQLite's JSON has it: `true`/`false`, or a 1/0 column value.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Boolean {
        Bool(bool),
        Int(i64),
    }

    impl From<Boolean> for bool {
        fn from(b: Boolean) -> bool {
            match b {
                Boolean::Bool(b) => b,
                Boolean::Int(i) => i != 0,
            }
        }
    }

    /// `true`/`false` or SQLite's 1/0.
    pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Boolean::deserialize(d).map(bool::from)
    }

    /// As [`boolean`], or null (a LEFT JOIN's missing row).
    pub fn nullable_boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Option::<Boolean>::deserialize(d).map(|b| b.map(bool::from))
    }

    /// A JSON document stored as text.
    pub fn text<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<T, D::Error> {
        let s = String::deserialize(d)?;
        serde_json::from_str(&s).map_err(D::Error::custom)
    }

    /// A nullable JSON document stored as text.
    pub fn nullable_text<'de, D: Deserializer<'de>, T: DeserializeOwned>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| serde_json::from_str(&s).map_err(D::Error::custom))
            .transpose()
    }
}
