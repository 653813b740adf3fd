//! The listings (4.8.5): a membership's or a user's participations with their events and tasks,
//! in one query.

use serde::Deserialize;
use sqlx::FromRow;

use super::events::{Event, Task, event_columns, json_array_list, select_list};
use super::participations::Participation;
use super::{Conn, Connection};
use crate::domain::kinds::{CalendarKind, ResponseStatus};
use crate::fetch_all;

/// A listing row: a participation (`p_` columns) with its event and task.
#[derive(Clone, Debug, FromRow, Deserialize)]
pub struct ListingRow {
    #[sqlx(flatten)]
    pub e: Event,
    pub p_id: i64,
    pub p_calendar_member_id: i64,
    pub p_color: String,
    pub p_response_status: Option<ResponseStatus>,
    pub p_created_at: i64,
    pub p_updated_at: i64,
    pub m_calendar_type: CalendarKind,
    pub m_calendar_id: i64,
    #[serde(
        default,
        deserialize_with = "super::events::sqlite_json::nullable_boolean"
    )]
    pub t_is_completed: Option<bool>,
    pub t_priority: Option<String>,
    pub t_created_at: Option<i64>,
    pub t_updated_at: Option<i64>,
}

impl ListingRow {
    /// The participation.
    pub fn participation(&self) -> Participation {
        Participation {
            id: self.p_id,
            calendar_member_id: self.p_calendar_member_id,
            event_id: self.e.id,
            color: self.p_color.clone(),
            response_status: self.p_response_status,
            created_at: self.p_created_at,
            updated_at: self.p_updated_at,
        }
    }

    /// The task, for task events.
    pub fn task(&self) -> Option<Task> {
        Some(Task {
            event_id: self.e.id,
            is_completed: self.t_is_completed?,
            priority: self.t_priority.clone(),
            created_at: self.t_created_at?,
            updated_at: self.t_updated_at?,
        })
    }
}

/// The participation, membership and task columns of a listing row.
macro_rules! listing_rest {
    () => {
        "p.id AS p_id, p.calendar_member_id AS p_calendar_member_id, p.color AS p_color, \
         p.response_status AS p_response_status, p.created_at AS p_created_at, \
         p.updated_at AS p_updated_at, m.calendar_type AS m_calendar_type, \
         m.calendar_id AS m_calendar_id, t.is_completed AS t_is_completed, \
         t.priority AS t_priority, t.created_at AS t_created_at, t.updated_at AS t_updated_at "
    };
}

macro_rules! listing_from {
    () => {
        "FROM event_participations p JOIN calendar_members m ON m.id = p.calendar_member_id \
         JOIN events e ON e.id = p.event_id LEFT JOIN tasks t ON t.event_id = e.id "
    };
}

macro_rules! listing_select {
    ($($where:tt)+) => {
        concat!("SELECT ", event_columns!(select_list!("e.")), ", ", listing_rest!(),
            listing_from!(), $($where)+)
    };
}

/// SQLite only: the rows of `listing_select!` as one JSON array of [`ListingRow`]s, each an
/// object whose `e` is the event as a positional array.
///
/// sqlx's SQLite driver copies every value of every row into its own allocation and hands
/// each row from its worker thread to the caller; for a month view (about 170 rows of 33
/// columns) that cost three times what SQLite took to run the query. One JSON value per query
/// leaves a single hand-off.
macro_rules! listing_json_select {
    ($($where:tt)+) => {
        concat!(
            "SELECT json_group_array(json_object('e', ",
            event_columns!(json_array_list!("e.")),
            ", 'p_id', p.id, 'p_calendar_member_id', p.calendar_member_id, 'p_color', p.color, \
             'p_response_status', p.response_status, 'p_created_at', p.created_at, \
             'p_updated_at', p.updated_at, 'm_calendar_type', m.calendar_type, \
             'm_calendar_id', m.calendar_id, 't_is_completed', t.is_completed, \
             't_priority', t.priority, 't_created_at', t.created_at, \
             't_updated_at', t.updated_at)) ",
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
pub async fn of_member(
    mut conn: impl Connection,
    member_id: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<ListingRow>> {
    match conn.conn() {
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
            super::timed(
                sqlx::query_as(listing_select!(member_listing_where!()))
                    .bind(member_id)
                    .bind(to)
                    .bind(from)
                    .fetch_all(c),
            )
            .await
        }
    }
}

/// Every listed participation of a user (confirmed memberships), newest event first (U8/U9).
///
/// `name_like` is an optional coarse pre-filter (a LIKE pattern with `!` as escape character);
/// when `expanding`, recurring series pass it unconditionally (their occurrences may carry other
/// names). Callers apply the exact name rule afterwards.
pub async fn of_user(
    mut conn: impl Connection,
    user_id: i64,
    from: i64,
    to: i64,
    name_like: Option<&str>,
    expanding: bool,
) -> sqlx::Result<Vec<ListingRow>> {
    const SQL: &str = listing_select!(
        "WHERE m.user_id = ? AND m.is_confirmed = TRUE \
         AND (m.calendar_type <> 'main' OR p.response_status IS NULL OR p.response_status <> 'invited') \
         AND e.started_at <= ? AND (e.range_end IS NULL OR e.range_end >= ?) \
         AND (? IS NULL OR (? AND e.recurrence IS NOT NULL) OR e.name LIKE ? ESCAPE '!') \
         ORDER BY e.created_at DESC, e.id DESC, p.id"
    );
    fetch_all!(
        conn, ListingRow, SQL, user_id, to, from, name_like, expanding, name_like
    )
}
