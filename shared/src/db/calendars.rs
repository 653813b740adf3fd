//! SQL for `calendars` and `calendar_members`.

use sqlx::FromRow;

use super::{Conn, InsertId};
use crate::with_conn;

/// A stored calendar.
#[derive(Clone, Debug, FromRow)]
pub struct Calendar {
    pub id: i64,
    pub creator_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A stored membership.
#[derive(Clone, Debug, FromRow)]
pub struct Member {
    pub id: i64,
    pub calendar_id: i64,
    pub user_id: i64,
    pub calendar_type: String,
    pub role: String,
    pub color: String,
    pub is_visible: bool,
    pub is_confirmed: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A membership joined with its calendar.
#[derive(Clone, Debug, FromRow)]
pub struct MemberWithCalendar {
    #[sqlx(flatten)]
    pub member: Member,
    pub cal_creator_id: i64,
    pub cal_name: String,
    pub cal_description: Option<String>,
    pub cal_created_at: i64,
    pub cal_updated_at: i64,
}

impl MemberWithCalendar {
    /// The calendar part.
    pub fn calendar(&self) -> Calendar {
        Calendar {
            id: self.member.calendar_id,
            creator_id: self.cal_creator_id,
            name: self.cal_name.clone(),
            description: self.cal_description.clone(),
            created_at: self.cal_created_at,
            updated_at: self.cal_updated_at,
        }
    }
}

/// The fields of a new membership.
pub struct NewMember<'a> {
    pub calendar_id: i64,
    pub user_id: i64,
    pub calendar_type: &'a str,
    pub role: &'a str,
    pub color: &'a str,
    pub is_confirmed: bool,
}

/// Inserts a calendar; returns its id.
pub async fn insert(
    conn: Conn<'_>,
    creator_id: i64,
    name: &str,
    description: Option<&str>,
    now: i64,
) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO calendars (creator_id, name, description, created_at, updated_at) \
        VALUES (?, ?, ?, ?, ?)";
    with_conn!(conn, |c| sqlx::query(SQL)
        .bind(creator_id)
        .bind(name)
        .bind(description)
        .bind(now)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.insert_id()))
}

/// Inserts a visible membership; returns its id.
pub async fn insert_member(conn: Conn<'_>, m: &NewMember<'_>, now: i64) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO calendar_members (calendar_id, user_id, calendar_type, role, \
        color, is_visible, is_confirmed, created_at, updated_at) \
        VALUES (?, ?, ?, ?, ?, TRUE, ?, ?, ?)";
    with_conn!(conn, |c| sqlx::query(SQL)
        .bind(m.calendar_id)
        .bind(m.user_id)
        .bind(m.calendar_type)
        .bind(m.role)
        .bind(m.color)
        .bind(m.is_confirmed)
        .bind(now)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.insert_id()))
}

/// Every confirmed membership of a user with its calendar, ordered by membership id (U7).
pub async fn list_confirmed_of_user(
    conn: Conn<'_>,
    user_id: i64,
) -> sqlx::Result<Vec<MemberWithCalendar>> {
    const SQL: &str = "SELECT m.id, m.calendar_id, m.user_id, m.calendar_type, m.role, m.color, \
        m.is_visible, m.is_confirmed, m.created_at, m.updated_at, c.creator_id AS cal_creator_id, \
        c.name AS cal_name, c.description AS cal_description, c.created_at AS cal_created_at, \
        c.updated_at AS cal_updated_at \
        FROM calendar_members m JOIN calendars c ON c.id = m.calendar_id \
        WHERE m.user_id = ? AND m.is_confirmed = TRUE ORDER BY m.id";
    with_conn!(conn, |c| sqlx::query_as::<_, MemberWithCalendar>(SQL)
        .bind(user_id)
        .fetch_all(c)
        .await)
}
