//! SQL for `events`, `tasks`, `event_participations` and `event_overrides`.

use sqlx::FromRow;

use super::{Conn, InsertId};
use crate::with_conn;

/// A stored event (a single event or a recurring series).
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub calendar_id: i64,
    pub creator_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub category: String,
    pub event_type: String,
    pub started_at: i64,
    pub ended_at: i64,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub time_zone: String,
    pub all_day: bool,
    /// JSON array of lines, or NULL.
    pub recurrence: Option<String>,
    /// JSON array of minutes.
    pub reminders: String,
    pub color: String,
    pub range_end: Option<i64>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
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

/// One membership's participation in one event.
#[derive(Clone, Debug, FromRow, PartialEq, Eq, serde::Deserialize)]
pub struct Participation {
    pub id: i64,
    pub calendar_member_id: i64,
    pub event_id: i64,
    pub color: String,
    pub response_status: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A participation with its membership's user and calendar ids.
#[derive(Clone, Debug, FromRow)]
pub struct ParticipationOf {
    #[sqlx(flatten)]
    pub p: Participation,
    pub m_user_id: i64,
    pub m_calendar_id: i64,
    pub m_calendar_type: String,
    pub m_is_confirmed: bool,
}

/// One override of one occurrence (JSON of the replaced fields).
#[derive(Clone, Debug, FromRow)]
pub struct Override {
    pub event_id: i64,
    pub original_start: i64,
    pub fields: String,
}

macro_rules! event_cols {
    ($p:literal) => {
        concat!(
            $p,
            "id, ",
            $p,
            "calendar_id, ",
            $p,
            "creator_id, ",
            $p,
            "name, ",
            $p,
            "description, ",
            $p,
            "category, ",
            $p,
            "event_type, ",
            $p,
            "started_at, ",
            $p,
            "ended_at, ",
            $p,
            "start_date, ",
            $p,
            "end_date, ",
            $p,
            "time_zone, ",
            $p,
            "all_day, ",
            $p,
            "recurrence, ",
            $p,
            "reminders, ",
            $p,
            "color, ",
            $p,
            "range_end, ",
            $p,
            "version, ",
            $p,
            "created_at, ",
            $p,
            "updated_at"
        )
    };
}

macro_rules! part_cols {
    () => {
        "p.id, p.calendar_member_id, p.event_id, p.color, p.response_status, p.created_at, p.updated_at, \
         m.user_id AS m_user_id, m.calendar_id AS m_calendar_id, m.calendar_type AS m_calendar_type, \
         m.is_confirmed AS m_is_confirmed"
    };
}

/// Finds an event.
pub async fn find_by_id(conn: Conn<'_>, id: i64) -> sqlx::Result<Option<Event>> {
    with_conn!(conn, |c| sqlx::query_as::<_, Event>(concat!(
        "SELECT ",
        event_cols!(""),
        " FROM events WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(c)
    .await)
}

/// Finds an event and locks its row until the transaction ends (`FOR UPDATE` on MySQL), so the
/// writes of one event take turns. It must be the transaction's first read: on MySQL every later
/// plain read then sees what the previous writer committed.
pub async fn find_for_update(conn: Conn<'_>, id: i64) -> sqlx::Result<Option<Event>> {
    crate::with_conn_locking!(
        conn,
        concat!("SELECT ", event_cols!(""), " FROM events WHERE id = ?"),
        |c, sql| sqlx::query_as::<_, Event>(sql)
            .bind(id)
            .fetch_optional(c)
            .await
    )
}

/// Inserts an event; returns its id.
pub async fn insert(conn: Conn<'_>, e: &Event) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO events (calendar_id, creator_id, name, description, category, \
        event_type, started_at, ended_at, start_date, end_date, time_zone, all_day, recurrence, \
        reminders, color, range_end, version, created_at, updated_at) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)";
    with_conn!(conn, |c| sqlx::query(SQL)
        .bind(e.calendar_id)
        .bind(e.creator_id)
        .bind(&e.name)
        .bind(&e.description)
        .bind(&e.category)
        .bind(&e.event_type)
        .bind(e.started_at)
        .bind(e.ended_at)
        .bind(&e.start_date)
        .bind(&e.end_date)
        .bind(&e.time_zone)
        .bind(e.all_day)
        .bind(&e.recurrence)
        .bind(&e.reminders)
        .bind(&e.color)
        .bind(e.range_end)
        .bind(e.created_at)
        .bind(e.updated_at)
        .execute(c)
        .await
        .map(|r| r.insert_id()))
}

/// Writes every mutable column of an event and bumps its version, only if the stored version
/// is still `e.version` (the one the caller read); returns whether it did.
pub async fn update(conn: Conn<'_>, e: &Event) -> sqlx::Result<bool> {
    const SQL: &str = "UPDATE events SET name = ?, description = ?, category = ?, started_at = ?, \
        ended_at = ?, start_date = ?, end_date = ?, time_zone = ?, all_day = ?, recurrence = ?, \
        reminders = ?, range_end = ?, version = version + 1, updated_at = ? \
        WHERE id = ? AND version = ?";
    with_conn!(conn, |c| sqlx::query(SQL)
        .bind(&e.name)
        .bind(&e.description)
        .bind(&e.category)
        .bind(e.started_at)
        .bind(e.ended_at)
        .bind(&e.start_date)
        .bind(&e.end_date)
        .bind(&e.time_zone)
        .bind(e.all_day)
        .bind(&e.recurrence)
        .bind(&e.reminders)
        .bind(e.range_end)
        .bind(e.updated_at)
        .bind(e.id)
        .bind(e.version)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1))
}

/// Increments an event's version (a change to its task, overrides or participations).
pub async fn bump_version(conn: Conn<'_>, id: i64, now: i64) -> sqlx::Result<()> {
    with_conn!(conn, |c| sqlx::query(
        "UPDATE events SET version = version + 1, updated_at = ? WHERE id = ?"
    )
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Deletes an event (task, participations and overrides cascade).
pub async fn delete(conn: Conn<'_>, id: i64) -> sqlx::Result<()> {
    with_conn!(conn, |c| sqlx::query("DELETE FROM events WHERE id = ?")
        .bind(id)
        .execute(c)
        .await
        .map(|_| ()))
}

/// The task of an event.
pub async fn find_task(conn: Conn<'_>, event_id: i64) -> sqlx::Result<Option<Task>> {
    with_conn!(conn, |c| {
        sqlx::query_as::<_, Task>(
        "SELECT event_id, is_completed, priority, created_at, updated_at FROM tasks WHERE event_id = ?"
    )
    .bind(event_id)
    .fetch_optional(c)
    .await
    })
}

/// Inserts or rewrites a task row.
pub async fn upsert_task(conn: Conn<'_>, t: &Task, insert: bool) -> sqlx::Result<()> {
    let sql = if insert {
        "INSERT INTO tasks (is_completed, priority, created_at, updated_at, event_id) VALUES (?, ?, ?, ?, ?)"
    } else {
        "UPDATE tasks SET is_completed = ?, priority = ?, created_at = ?, updated_at = ? WHERE event_id = ?"
    };
    with_conn!(conn, |c| sqlx::query(sql)
        .bind(t.is_completed)
        .bind(&t.priority)
        .bind(t.created_at)
        .bind(t.updated_at)
        .bind(t.event_id)
        .execute(c)
        .await
        .map(|_| ()))
}

/// Every participation of an event with its membership's ids, by participation id.
pub async fn participations_of_event(
    conn: Conn<'_>,
    event_id: i64,
) -> sqlx::Result<Vec<ParticipationOf>> {
    with_conn!(conn, |c| sqlx::query_as::<_, ParticipationOf>(concat!(
        "SELECT ",
        part_cols!(),
        " FROM event_participations p JOIN calendar_members m ON m.id = p.calendar_member_id \
         WHERE p.event_id = ? ORDER BY p.id"
    ))
    .bind(event_id)
    .fetch_all(c)
    .await)
}

/// Inserts a participation; returns its id.
pub async fn insert_participation(
    conn: Conn<'_>,
    member_id: i64,
    event_id: i64,
    color: &str,
    status: Option<&str>,
    now: i64,
) -> sqlx::Result<i64> {
    with_conn!(conn, |c| sqlx::query(
        "INSERT INTO event_participations (calendar_member_id, event_id, color, response_status, \
         created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
    )
    .bind(member_id)
    .bind(event_id)
    .bind(color)
    .bind(status)
    .bind(now)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.insert_id()))
}

/// Sets a participation's status.
pub async fn set_status(
    conn: Conn<'_>,
    id: i64,
    status: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    with_conn!(conn, |c| sqlx::query(
        "UPDATE event_participations SET response_status = ?, updated_at = ? WHERE id = ?"
    )
    .bind(status)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Sets a participation's colour.
pub async fn set_color(conn: Conn<'_>, id: i64, color: &str, now: i64) -> sqlx::Result<()> {
    with_conn!(conn, |c| sqlx::query(
        "UPDATE event_participations SET color = ?, updated_at = ? WHERE id = ?"
    )
    .bind(color)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Deletes a participation.
pub async fn delete_participation(conn: Conn<'_>, id: i64) -> sqlx::Result<()> {
    with_conn!(conn, |c| sqlx::query(
        "DELETE FROM event_participations WHERE id = ?"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))
}

/// A participation by id.
pub async fn find_participation(conn: Conn<'_>, id: i64) -> sqlx::Result<Option<ParticipationOf>> {
    with_conn!(conn, |c| {
        sqlx::query_as::<_, ParticipationOf>(concat!(
        "SELECT ",
        part_cols!(),
        " FROM event_participations p JOIN calendar_members m ON m.id = p.calendar_member_id WHERE p.id = ?"
    ))
    .bind(id)
    .fetch_optional(c)
    .await
    })
}

/// The events whose home calendar is `calendar_id`.
pub async fn list_of_calendar(conn: Conn<'_>, calendar_id: i64) -> sqlx::Result<Vec<Event>> {
    with_conn!(conn, |c| sqlx::query_as::<_, Event>(concat!(
        "SELECT ",
        event_cols!(""),
        " FROM events WHERE calendar_id = ? ORDER BY id"
    ))
    .bind(calendar_id)
    .fetch_all(c)
    .await)
}

/// Locks every event of a calendar, by primary key in id order (`FOR UPDATE` on MySQL). A
/// calendar deletion takes them after the calendar and before its cascade reaches their
/// participations: the order every event write takes (event row, then its index entries and
/// rows), so the two cannot deadlock. A locking read through the calendar index would take
/// that index first and deadlock with a concurrent E4.
pub async fn lock_of_calendar(mut conn: Conn<'_>, calendar_id: i64) -> sqlx::Result<()> {
    let ids: Vec<i64> = with_conn!(super::reborrow(&mut conn), |c| sqlx::query_scalar(
        "SELECT id FROM events WHERE calendar_id = ? ORDER BY id"
    )
    .bind(calendar_id)
    .fetch_all(c)
    .await)?;
    lock_ids(conn, &ids).await
}

/// Locks the events a membership participates in, by primary key in id order, before its
/// participations go (a member's removal): event first, then its rows, as every event write.
pub async fn lock_of_member(mut conn: Conn<'_>, member_id: i64) -> sqlx::Result<Vec<i64>> {
    let ids: Vec<i64> = with_conn!(super::reborrow(&mut conn), |c| {
        sqlx::query_scalar(
        "SELECT event_id FROM event_participations WHERE calendar_member_id = ? ORDER BY event_id"
    )
    .bind(member_id)
    .fetch_all(c)
    .await
    })?;
    lock_ids(conn, &ids).await?;
    Ok(ids)
}

/// Ids as the text of an `IN (…)` list. The list holds integers only (formatted from `i64`), so
/// building it into the statement is safe; sqlx has no array binding that both engines share.
fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// `SELECT … WHERE id IN (…) FOR UPDATE` in chunks, on ids sorted ascending.
async fn lock_ids(mut conn: Conn<'_>, ids: &[i64]) -> sqlx::Result<()> {
    for chunk in ids.chunks(500) {
        let list = id_list(chunk);
        let select = format!("SELECT id FROM events WHERE id IN ({list}) ORDER BY id");
        match super::reborrow(&mut conn) {
            Conn::MySql(c) => {
                let sql = format!("{select} FOR UPDATE");
                super::timed(sqlx::query(&sql).fetch_all(c)).await?;
            }
            Conn::Sqlite(c) => {
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
    mut conn: Conn<'_>,
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
        with_conn!(super::reborrow(&mut conn), |c| sqlx::query(&delete)
            .bind(user_id)
            .execute(c)
            .await
            .map(|_| ()))?;
        with_conn!(super::reborrow(&mut conn), |c| sqlx::query(&bump)
            .bind(now)
            .execute(c)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

/// The overrides of an event.
pub async fn overrides_of(conn: Conn<'_>, event_id: i64) -> sqlx::Result<Vec<Override>> {
    with_conn!(conn, |c| {
        sqlx::query_as::<_, Override>(
        "SELECT event_id, original_start, fields FROM event_overrides WHERE event_id = ? ORDER BY original_start"
    )
    .bind(event_id)
    .fetch_all(c)
    .await
    })
}

/// The overrides of several events.
pub async fn overrides_of_events(conn: Conn<'_>, ids: &[i64]) -> sqlx::Result<Vec<Override>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = id_list(ids);
    let sql = format!(
        "SELECT event_id, original_start, fields FROM event_overrides WHERE event_id IN ({list})"
    );
    with_conn!(conn, |c| sqlx::query_as::<_, Override>(&sql)
        .fetch_all(c)
        .await)
}

/// Inserts or replaces one override.
pub async fn put_override(
    conn: Conn<'_>,
    event_id: i64,
    original: i64,
    fields: &str,
    now: i64,
) -> sqlx::Result<()> {
    with_conn!(conn, |c| {
        sqlx::query("DELETE FROM event_overrides WHERE event_id = ? AND original_start = ?")
            .bind(event_id)
            .bind(original)
            .execute(&mut *c)
            .await?;
        sqlx::query(
            "INSERT INTO event_overrides (event_id, original_start, fields, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(event_id)
        .bind(original)
        .bind(fields)
        .bind(now)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ())
    })
}

/// Deletes one override (or all of an event's when `original` is None).
pub async fn delete_overrides(
    conn: Conn<'_>,
    event_id: i64,
    original: Option<i64>,
) -> sqlx::Result<()> {
    with_conn!(conn, |c| sqlx::query(
        "DELETE FROM event_overrides WHERE event_id = ? AND (? IS NULL OR original_start = ?)"
    )
    .bind(event_id)
    .bind(original)
    .bind(original)
    .execute(c)
    .await
    .map(|_| ()))
}

/// A listing row: a participation with its event and task.
#[derive(Clone, Debug, FromRow, serde::Deserialize)]
pub struct ListingRow {
    #[sqlx(flatten)]
    pub p: Participation,
    pub m_calendar_type: String,
    pub m_calendar_id: i64,
    #[sqlx(flatten)]
    pub e: EventPrefixed,
    pub t_is_completed: Option<bool>,
    pub t_priority: Option<String>,
    pub t_created_at: Option<i64>,
    pub t_updated_at: Option<i64>,
}

/// An event read with `e_`-prefixed columns.
#[derive(Clone, Debug, FromRow, serde::Deserialize)]
pub struct EventPrefixed {
    pub e_id: i64,
    pub e_calendar_id: i64,
    pub e_creator_id: i64,
    pub e_name: String,
    pub e_description: Option<String>,
    pub e_category: String,
    pub e_event_type: String,
    pub e_started_at: i64,
    pub e_ended_at: i64,
    pub e_start_date: Option<String>,
    pub e_end_date: Option<String>,
    pub e_time_zone: String,
    pub e_all_day: bool,
    pub e_recurrence: Option<String>,
    pub e_reminders: String,
    pub e_color: String,
    pub e_range_end: Option<i64>,
    pub e_version: i64,
    pub e_created_at: i64,
    pub e_updated_at: i64,
}

impl EventPrefixed {
    /// The plain event.
    pub fn event(&self) -> Event {
        Event {
            id: self.e_id,
            calendar_id: self.e_calendar_id,
            creator_id: self.e_creator_id,
            name: self.e_name.clone(),
            description: self.e_description.clone(),
            category: self.e_category.clone(),
            event_type: self.e_event_type.clone(),
            started_at: self.e_started_at,
            ended_at: self.e_ended_at,
            start_date: self.e_start_date.clone(),
            end_date: self.e_end_date.clone(),
            time_zone: self.e_time_zone.clone(),
            all_day: self.e_all_day,
            recurrence: self.e_recurrence.clone(),
            reminders: self.e_reminders.clone(),
            color: self.e_color.clone(),
            range_end: self.e_range_end,
            version: self.e_version,
            created_at: self.e_created_at,
            updated_at: self.e_updated_at,
        }
    }
}

impl ListingRow {
    /// The task, for task events.
    pub fn task(&self) -> Option<Task> {
        Some(Task {
            event_id: self.e.e_id,
            is_completed: self.t_is_completed?,
            priority: self.t_priority.clone(),
            created_at: self.t_created_at?,
            updated_at: self.t_updated_at?,
        })
    }
}

macro_rules! listing_select {
    ($($where:tt)+) => {
        concat!(
            "SELECT p.id, p.calendar_member_id, p.event_id, p.color, p.response_status, p.created_at, \
             p.updated_at, m.calendar_type AS m_calendar_type, m.calendar_id AS m_calendar_id, ",
            "e.id AS e_id, e.calendar_id AS e_calendar_id, e.creator_id AS e_creator_id, e.name AS e_name, \
             e.description AS e_description, e.category AS e_category, e.event_type AS e_event_type, \
             e.started_at AS e_started_at, e.ended_at AS e_ended_at, e.start_date AS e_start_date, \
             e.end_date AS e_end_date, e.time_zone AS e_time_zone, e.all_day AS e_all_day, \
             e.recurrence AS e_recurrence, e.reminders AS e_reminders, e.color AS e_color, \
             e.range_end AS e_range_end, e.version AS e_version, e.created_at AS e_created_at, \
             e.updated_at AS e_updated_at, ",
            "t.is_completed AS t_is_completed, t.priority AS t_priority, t.created_at AS t_created_at, \
             t.updated_at AS t_updated_at ",
            listing_from!(),
            $($where)+
        )
    };
}

macro_rules! listing_from {
    () => {
        "FROM event_participations p JOIN calendar_members m ON m.id = p.calendar_member_id \
         JOIN events e ON e.id = p.event_id LEFT JOIN tasks t ON t.event_id = e.id "
    };
}

/// SQLite only: the rows of `listing_select!` as one JSON array of [`ListingRow`]s.
///
/// sqlx's SQLite driver copies every value of every row into its own allocation and hands
/// each row from its worker thread to the caller; for a month view (about 170 rows of 33
/// columns) that cost three times what SQLite took to run the query. One JSON value per query
/// leaves a single hand-off. Booleans are stored as 0/1 and are turned into JSON booleans here.
macro_rules! listing_json_select {
    ($($where:tt)+) => {
        concat!(
            "SELECT json_group_array(json_object(\
             'p', json_object('id', p.id, 'calendar_member_id', p.calendar_member_id, \
             'event_id', p.event_id, 'color', p.color, 'response_status', p.response_status, \
             'created_at', p.created_at, 'updated_at', p.updated_at), \
             'm_calendar_type', m.calendar_type, 'm_calendar_id', m.calendar_id, ",
            "'e', json_object('e_id', e.id, 'e_calendar_id', e.calendar_id, \
             'e_creator_id', e.creator_id, 'e_name', e.name, 'e_description', e.description, \
             'e_category', e.category, 'e_event_type', e.event_type, \
             'e_started_at', e.started_at, 'e_ended_at', e.ended_at, \
             'e_start_date', e.start_date, 'e_end_date', e.end_date, 'e_time_zone', e.time_zone, \
             'e_all_day', json(iif(e.all_day, 'true', 'false')), 'e_recurrence', e.recurrence, \
             'e_reminders', e.reminders, 'e_color', e.color, 'e_range_end', e.range_end, \
             'e_version', e.version, 'e_created_at', e.created_at, 'e_updated_at', e.updated_at), ",
            "'t_is_completed', json(CASE WHEN t.is_completed IS NULL THEN 'null' \
             WHEN t.is_completed THEN 'true' ELSE 'false' END), \
             't_priority', t.priority, 't_created_at', t.created_at, 't_updated_at', t.updated_at)) ",
            listing_from!(),
            $($where)+
        )
    };
}

/// Parses the array of `listing_json_select!`.
fn listing_rows_of_json(json: &str) -> sqlx::Result<Vec<ListingRow>> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

macro_rules! member_listing_where {
    () => {
        "WHERE p.calendar_member_id = ? \
         AND (m.calendar_type <> 'main' OR p.response_status IS NULL OR p.response_status <> 'invited') \
         AND e.started_at <= ? AND (e.range_end IS NULL OR e.range_end >= ?)"
    };
}

/// The participations of one membership that pass the listing filter (4.8.5), whose event may
/// overlap `[from, to]` (a coarse pre-filter: recurring series are expanded by the caller).
pub async fn listing_of_member(
    conn: Conn<'_>,
    member_id: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<ListingRow>> {
    match conn {
        Conn::Sqlite(c) => {
            let json: String = sqlx::query_scalar(listing_json_select!(member_listing_where!()))
                .bind(member_id)
                .bind(to)
                .bind(from)
                .fetch_one(c)
                .await?;
            listing_rows_of_json(&json)
        }
        Conn::MySql(c) => {
            sqlx::query_as(listing_select!(member_listing_where!()))
                .bind(member_id)
                .bind(to)
                .bind(from)
                .fetch_all(c)
                .await
        }
    }
}

/// Every listed participation of a user (confirmed memberships), newest event first (U8/U9).
///
/// `name_like` is an optional coarse pre-filter (a LIKE pattern with `!` as escape character);
/// when `expanding`, recurring series pass it unconditionally (their occurrences may carry other
/// names). Callers apply the exact name rule afterwards.
pub async fn listing_of_user(
    conn: Conn<'_>,
    user_id: i64,
    from: i64,
    to: i64,
    name_like: Option<&str>,
    expanding: bool,
) -> sqlx::Result<Vec<ListingRow>> {
    with_conn!(conn, |c| {
        sqlx::query_as::<_, ListingRow>(listing_select!(
        "WHERE m.user_id = ? AND m.is_confirmed = TRUE \
         AND (m.calendar_type <> 'main' OR p.response_status IS NULL OR p.response_status <> 'invited') \
         AND e.started_at <= ? AND (e.range_end IS NULL OR e.range_end >= ?) \
         AND (? IS NULL OR (? AND e.recurrence IS NOT NULL) OR e.name LIKE ? ESCAPE '!') \
         ORDER BY e.created_at DESC, e.id DESC, p.id"
    ))
    .bind(user_id)
    .bind(to)
    .bind(from)
    .bind(name_like)
    .bind(expanding)
    .bind(name_like)
    .fetch_all(c)
    .await
    })
}

/// Whether two users hold participations in a common event.
pub async fn share_an_event(conn: Conn<'_>, a: i64, b: i64) -> sqlx::Result<bool> {
    let n: i64 = with_conn!(conn, |c| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM event_participations x JOIN calendar_members mx ON mx.id = x.calendar_member_id \
         JOIN event_participations y ON y.event_id = x.event_id JOIN calendar_members my ON my.id = y.calendar_member_id \
         WHERE mx.user_id = ? AND my.user_id = ?"
    )
    .bind(a)
    .bind(b)
    .fetch_one(c)
    .await
    })?;
    Ok(n > 0)
}
