//! SQL for `calendars` and `calendar_members`.

use sqlx::FromRow;

use super::Connection;
use crate::domain::kinds::{CalendarKind, Role};
use crate::{execute, fetch_all, fetch_optional, insert};

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
    pub calendar_type: CalendarKind,
    pub role: Role,
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
    pub calendar_type: CalendarKind,
    pub role: Role,
    pub color: &'a str,
    pub is_confirmed: bool,
}

/// Inserts a calendar; returns its id.
pub async fn insert(
    mut conn: impl Connection,
    creator_id: i64,
    name: &str,
    description: Option<&str>,
    now: i64,
) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO calendars (creator_id, name, description, created_at, updated_at) \
        VALUES (?, ?, ?, ?, ?)";
    insert!(conn, SQL, creator_id, name, description, now, now)
}

/// Inserts a visible membership; returns its id.
pub async fn insert_member(
    mut conn: impl Connection,
    m: &NewMember<'_>,
    now: i64,
) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO calendar_members (calendar_id, user_id, calendar_type, role, \
        color, is_visible, is_confirmed, created_at, updated_at) \
        VALUES (?, ?, ?, ?, ?, TRUE, ?, ?, ?)";
    insert!(
        conn,
        SQL,
        m.calendar_id,
        m.user_id,
        m.calendar_type,
        m.role,
        m.color,
        m.is_confirmed,
        now,
        now
    )
}

/// Every confirmed membership of a user with its calendar, ordered by membership id (U7).
pub async fn list_confirmed_of_user(
    mut conn: impl Connection,
    user_id: i64,
) -> sqlx::Result<Vec<MemberWithCalendar>> {
    fetch_all!(conn, MemberWithCalendar, CONFIRMED_OF_USER, user_id)
}

/// The SQL of [`list_confirmed_of_user`].
pub(crate) const CONFIRMED_OF_USER: &str = "SELECT m.id, m.calendar_id, m.user_id, m.calendar_type, m.role, m.color, \
        m.is_visible, m.is_confirmed, m.created_at, m.updated_at, c.creator_id AS cal_creator_id, \
        c.name AS cal_name, c.description AS cal_description, c.created_at AS cal_created_at, \
        c.updated_at AS cal_updated_at \
        FROM calendar_members m JOIN calendars c ON c.id = m.calendar_id \
        WHERE m.user_id = ? AND m.is_confirmed = TRUE ORDER BY m.id";

macro_rules! member_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, calendar_id, user_id, calendar_type, role, color, is_visible, is_confirmed, ",
            "created_at, updated_at FROM calendar_members ",
            $tail
        )
    };
}

/// Finds a calendar.
pub async fn find_by_id(mut conn: impl Connection, id: i64) -> sqlx::Result<Option<Calendar>> {
    fetch_optional!(
        conn,
        Calendar,
        "SELECT id, creator_id, name, description, created_at, updated_at FROM calendars WHERE id = ?",
        id
    )
}

/// Finds a calendar and locks its row until the transaction ends (`FOR UPDATE` on MySQL). Every
/// write to a calendar, its memberships, or its set of events starts with this, so those writes
/// take turns on MySQL as on SQLite (an event created while its calendar is deleted, a member
/// confirmed while an event is created) and later reads in the transaction are current.
pub async fn find_for_update(mut conn: impl Connection, id: i64) -> sqlx::Result<Option<Calendar>> {
    crate::with_conn_locking!(
        conn,
        "SELECT id, creator_id, name, description, created_at, updated_at FROM calendars WHERE id = ?",
        |c, sql| sqlx::query_as::<_, Calendar>(sql)
            .bind(id)
            .fetch_optional(c)
            .await
    )
}

/// Whether a calendar exists, holding a shared lock on its row until the transaction ends: it
/// cannot be deleted meanwhile, while other writers that only share the lock go on (a series
/// split, which adds an event to the calendar of the event it has already locked).
pub async fn lock_shared(mut conn: impl Connection, id: i64) -> sqlx::Result<bool> {
    let found: Option<i64> = crate::with_conn_locking!(conn, shared: "SELECT id FROM calendars WHERE id = ?", |c, sql| {
        sqlx::query_scalar(sql).bind(id).fetch_optional(c).await
    })?;
    Ok(found.is_some())
}

/// The membership of `user_id` in `calendar_id`, pending or confirmed.
pub async fn find_member(
    mut conn: impl Connection,
    calendar_id: i64,
    user_id: i64,
) -> sqlx::Result<Option<Member>> {
    fetch_optional!(conn, Member, MEMBER_OF_CALENDAR, calendar_id, user_id)
}

/// A membership by id.
pub async fn find_member_by_id(mut conn: impl Connection, id: i64) -> sqlx::Result<Option<Member>> {
    fetch_optional!(conn, Member, member_select!("WHERE id = ?"), id)
}

/// Writes a calendar's name, description and `updated_at`.
pub async fn update(mut conn: impl Connection, cal: &Calendar) -> sqlx::Result<()> {
    execute!(
        conn,
        "UPDATE calendars SET name = ?, description = ?, updated_at = ? WHERE id = ?",
        &cal.name,
        &cal.description,
        cal.updated_at,
        cal.id
    )
    .map(drop)
}

/// Deletes a calendar; its memberships go by cascade.
pub async fn delete(mut conn: impl Connection, id: i64) -> sqlx::Result<()> {
    execute!(conn, "DELETE FROM calendars WHERE id = ?", id).map(drop)
}

/// A membership joined with its user (public fields).
#[derive(Clone, Debug, FromRow)]
pub struct MemberWithUser {
    #[sqlx(flatten)]
    pub member: Member,
    #[sqlx(flatten)]
    pub user: super::users::PublicUserRow,
}

/// The memberships of a calendar with their users, by membership id; pending ones only when
/// `include_pending`.
pub async fn list_members(
    mut conn: impl Connection,
    calendar_id: i64,
    include_pending: bool,
) -> sqlx::Result<Vec<MemberWithUser>> {
    const SQL: &str = concat!(
        "SELECT m.id, m.calendar_id, m.user_id, m.calendar_type, m.role, m.color, \
         m.is_visible, m.is_confirmed, m.created_at, m.updated_at, ",
        super::users::public_user_cols!(),
        " FROM calendar_members m JOIN users u ON u.id = m.user_id \
         WHERE m.calendar_id = ? AND (m.is_confirmed = TRUE OR ?) ORDER BY m.id"
    );
    fetch_all!(conn, MemberWithUser, SQL, calendar_id, include_pending)
}

/// Writes a membership's role, colour, visibility, confirmation and `updated_at`.
pub async fn update_member(mut conn: impl Connection, m: &Member) -> sqlx::Result<()> {
    execute!(
        conn,
        "UPDATE calendar_members SET role = ?, color = ?, is_visible = ?, is_confirmed = ?, \
         updated_at = ? WHERE id = ?",
        m.role,
        &m.color,
        m.is_visible,
        m.is_confirmed,
        m.updated_at,
        m.id
    )
    .map(drop)
}

/// Deletes a membership.
pub async fn delete_member(mut conn: impl Connection, id: i64) -> sqlx::Result<()> {
    execute!(conn, "DELETE FROM calendar_members WHERE id = ?", id).map(drop)
}

/// A user's main-calendar membership.
pub async fn find_main_member(
    mut conn: impl Connection,
    user_id: i64,
) -> sqlx::Result<Option<Member>> {
    fetch_optional!(
        conn,
        Member,
        member_select!("WHERE user_id = ? AND calendar_type = 'main' ORDER BY id LIMIT 1"),
        user_id
    )
}

/// The confirmed memberships of a calendar.
pub async fn confirmed_members(
    mut conn: impl Connection,
    calendar_id: i64,
) -> sqlx::Result<Vec<Member>> {
    fetch_all!(conn, Member, CONFIRMED_MEMBERS, calendar_id)
}

/// The SQL of [`confirmed_members`].
pub(crate) const CONFIRMED_MEMBERS: &str =
    member_select!("WHERE calendar_id = ? AND is_confirmed = TRUE ORDER BY id");

/// The SQL of [`find_member`]: the membership check of nearly every route.
pub(crate) const MEMBER_OF_CALENDAR: &str = member_select!("WHERE calendar_id = ? AND user_id = ?");
