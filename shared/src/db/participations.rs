//! SQL for `event_participations`: one membership's part in one event.

use serde::Deserialize;
use sqlx::FromRow;

use super::Connection;
use super::calendars::{Calendar, Member};
use super::events::Event;
use super::listing::Bind;
use super::users::public_user_cols;
use crate::domain::kinds::{CalendarKind, EventKind, ResponseStatus, Role};
use crate::{execute, fetch_all, fetch_optional, fetch_scalar, insert};

/// One membership's participation in one event.
#[derive(Clone, Debug, FromRow, PartialEq, Eq, Deserialize)]
pub struct Participation {
    pub id: i64,
    pub calendar_member_id: i64,
    pub event_id: i64,
    pub color: String,
    pub response_status: Option<ResponseStatus>,
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
    pub m_calendar_type: CalendarKind,
    pub m_is_confirmed: bool,
}

/// A participation with everything the full Event embeds of it: the membership, its user and
/// its calendar, read in one query for all of an event's participations.
#[derive(Clone, Debug, FromRow)]
pub struct ParticipationDetail {
    #[sqlx(flatten)]
    pub of: ParticipationOf,
    pub m_role: Role,
    pub m_color: String,
    pub m_is_visible: bool,
    pub m_created_at: i64,
    pub m_updated_at: i64,
    #[sqlx(flatten)]
    pub user: super::users::PublicUserRow,
    pub c_creator_id: i64,
    pub c_name: String,
    pub c_description: Option<String>,
    pub c_created_at: i64,
    pub c_updated_at: i64,
}

impl ParticipationDetail {
    /// The membership.
    pub fn member(&self) -> Member {
        Member {
            id: self.of.p.calendar_member_id,
            calendar_id: self.of.m_calendar_id,
            user_id: self.of.m_user_id,
            calendar_type: self.of.m_calendar_type,
            role: self.m_role,
            color: self.m_color.clone(),
            is_visible: self.m_is_visible,
            is_confirmed: self.of.m_is_confirmed,
            created_at: self.m_created_at,
            updated_at: self.m_updated_at,
        }
    }

    /// The membership's calendar.
    pub fn calendar(&self) -> Calendar {
        Calendar {
            id: self.of.m_calendar_id,
            creator_id: self.c_creator_id,
            name: self.c_name.clone(),
            description: self.c_description.clone(),
            created_at: self.c_created_at,
            updated_at: self.c_updated_at,
        }
    }
}

/// The participation columns with the membership's ids (`ParticipationOf`).
macro_rules! part_cols {
    () => {
        "p.id, p.calendar_member_id, p.event_id, p.color, p.response_status, p.created_at, \
         p.updated_at, m.user_id AS m_user_id, m.calendar_id AS m_calendar_id, \
         m.calendar_type AS m_calendar_type, m.is_confirmed AS m_is_confirmed"
    };
}

/// Every participation of an event with its membership's ids, by participation id.
pub async fn of_event(
    mut conn: impl Connection,
    event_id: i64,
) -> sqlx::Result<Vec<ParticipationOf>> {
    const SQL: &str = concat!(
        "SELECT ",
        part_cols!(),
        " FROM event_participations p JOIN calendar_members m ON m.id = p.calendar_member_id \
         WHERE p.event_id = ? ORDER BY p.id"
    );
    fetch_all!(conn, ParticipationOf, SQL, event_id)
}

/// The select of [`ParticipationDetail`]s, before its `WHERE`.
macro_rules! detail_select {
    ($where:literal) => {
        concat!(
            "SELECT ",
            part_cols!(),
            ", m.role AS m_role, m.color AS m_color, m.is_visible AS m_is_visible, \
             m.created_at AS m_created_at, m.updated_at AS m_updated_at, ",
            public_user_cols!(),
            ", c.creator_id AS c_creator_id, c.name AS c_name, c.description AS c_description, \
             c.created_at AS c_created_at, c.updated_at AS c_updated_at \
             FROM event_participations p JOIN calendar_members m ON m.id = p.calendar_member_id \
             JOIN users u ON u.id = m.user_id JOIN calendars c ON c.id = m.calendar_id ",
            $where
        )
    };
}

/// Every participation of an event with its membership, user and calendar, by participation
/// id: what the full Event embeds, in one query.
pub async fn details_of_event(
    mut conn: impl Connection,
    event_id: i64,
) -> sqlx::Result<Vec<ParticipationDetail>> {
    const SQL: &str = detail_select!("WHERE p.event_id = ? ORDER BY p.id");
    fetch_all!(conn, ParticipationDetail, SQL, event_id)
}

/// One participation with its membership, user and calendar (ParticipationDetail, 4.9).
pub async fn find_detail(
    mut conn: impl Connection,
    id: i64,
) -> sqlx::Result<Option<ParticipationDetail>> {
    fetch_optional!(
        conn,
        ParticipationDetail,
        detail_select!("WHERE p.id = ?"),
        id
    )
}

/// A participation by id.
pub async fn find(mut conn: impl Connection, id: i64) -> sqlx::Result<Option<ParticipationOf>> {
    const SQL: &str = concat!(
        "SELECT ",
        part_cols!(),
        " FROM event_participations p JOIN calendar_members m ON m.id = p.calendar_member_id \
         WHERE p.id = ?"
    );
    fetch_optional!(conn, ParticipationOf, SQL, id)
}

/// A plain event (not a series) at most this long is "short": the listings find it by its
/// start alone (migration 0007, `event_long`).
pub const SHORT_EVENT_MS: i64 = 86_400_000;

/// The event columns each of its participations carries for the listings (migration 0007):
/// rewritten with every event write, in the same transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListingCopy {
    pub created_at: i64,
    pub started_at: i64,
    pub range_end: Option<i64>,
    pub long: bool,
    pub kind: EventKind,
    pub recurring: bool,
    pub name_key: String,
}

impl ListingCopy {
    /// The copy of `e`'s current columns.
    pub fn of(e: &Event) -> Self {
        ListingCopy {
            created_at: e.created_at,
            started_at: e.started_at,
            range_end: e.range_end,
            long: e
                .range_end
                .is_none_or(|end| end - e.started_at > SHORT_EVENT_MS),
            kind: e.kind,
            recurring: e.recurrence.is_some(),
            name_key: name_key(&e.name),
        }
    }
}

impl ListingCopy {
    /// The copy for an event that is gone: the insert fails on its foreign key anyway.
    fn missing() -> Self {
        ListingCopy {
            created_at: 0,
            started_at: 0,
            range_end: None,
            long: true,
            kind: EventKind::Arrangement,
            recurring: false,
            name_key: String::new(),
        }
    }
}

/// The search key of a name (and of a search term): compared byte for byte, a substring of
/// one key in another is the contract's case-insensitive substring match (4.5 U8).
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// The trigrams of a name key (migration 0008), distinct and sorted: every three consecutive
/// characters, packed 21 bits a character (a `char` is at most U+10FFFF), so no two trigrams
/// share a value. A key of fewer than three characters has none.
pub fn name_grams(key: &str) -> Vec<i64> {
    let chars: Vec<i64> = key.chars().map(|c| i64::from(u32::from(c))).collect();
    let mut grams: Vec<i64> = chars
        .windows(3)
        .map(|w| (w[0] << 42) | (w[1] << 21) | w[2])
        .collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// Writes the postings of `key`'s trigrams for the participations in event `event_id` that
/// `which` selects (`p.` columns, with `binds` for its placeholders): one `INSERT … SELECT`.
async fn insert_grams(
    conn: impl Connection,
    event_id: i64,
    key: &str,
    which: &str,
    binds: Vec<Bind>,
) -> sqlx::Result<()> {
    let grams = name_grams(key);
    if grams.is_empty() {
        return Ok(());
    }
    let list = vec!["SELECT ? AS gram"; grams.len()].join(" UNION ALL ");
    let sql = format!(
        "INSERT INTO participation_grams (participation_id, gram, calendar_member_id) \
         SELECT p.id, g.gram, p.calendar_member_id FROM event_participations p \
         CROSS JOIN ({list}) g WHERE p.event_id = ? AND {which}"
    );
    let mut all: Vec<Bind> = grams.into_iter().map(Bind::Int).collect();
    all.push(Bind::Int(event_id));
    all.extend(binds);
    super::listing::execute(conn, &sql, &all).await.map(drop)
}

/// The participations of an event whose name key is not `?` (yet): those a rename reaches.
macro_rules! key_changed {
    () => {
        "(p.event_name_key IS NULL OR p.event_name_key <> ?)"
    };
}

/// Inserts a participation in event `event_id`, with its listing copy; returns its id.
///
/// The copy is taken from the event's row read with a lock (`FOR UPDATE` on MySQL): a caller's
/// earlier plain read may be a snapshot older than a rename committed since, whose
/// [`copy_event`] could not reach a participation not inserted yet. The lock also makes a later
/// write of the event wait until this participation is committed, so that write's copy reaches
/// it. (Every caller locks the calendar, or this event, before; the order stays calendar, then
/// event.) A missing event leaves the insert to fail on its foreign key, as before.
pub async fn insert(
    mut conn: impl Connection,
    member_id: i64,
    event_id: i64,
    color: &str,
    status: Option<ResponseStatus>,
    now: i64,
) -> sqlx::Result<i64> {
    let current = super::events::find_for_update(&mut conn, event_id).await?;
    let c = current
        .as_ref()
        .map_or_else(ListingCopy::missing, ListingCopy::of);
    insert_copy(conn, member_id, event_id, color, status, now, &c).await
}

/// As [`insert`] in the event's colour, for a caller that holds event `e`'s lock and read `e`
/// under it (E2, which inserted the event in its transaction): the event is not read again.
pub async fn insert_for(
    conn: impl Connection,
    member_id: i64,
    e: &Event,
    status: Option<ResponseStatus>,
    now: i64,
) -> sqlx::Result<i64> {
    let c = ListingCopy::of(e);
    insert_copy(conn, member_id, e.id, &e.color, status, now, &c).await
}

/// The participation with the listing filter's columns `c`, then the rest of its listing rows
/// ([`copy_rows`]) and its name trigrams.
///
/// Not one `INSERT … SELECT` from the event and its task: with `innodb_autoinc_lock_mode = 1`
/// (MariaDB's default) InnoDB holds the table's auto-increment lock through such a statement,
/// foreign-key checks included, so one insert waiting on a locked membership stalled every
/// participation insert of the server (and failed them with error 1467, which is not retried).
/// A plain `INSERT … VALUES` takes that lock only for the id.
async fn insert_copy(
    mut conn: impl Connection,
    member_id: i64,
    event_id: i64,
    color: &str,
    status: Option<ResponseStatus>,
    now: i64,
    c: &ListingCopy,
) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO event_participations (calendar_member_id, event_id, color, \
        response_status, created_at, updated_at, event_created_at, event_started_at, \
        event_range_end, event_long, event_type, event_recurring, event_name_key) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    let id = insert!(
        conn,
        SQL,
        member_id,
        event_id,
        color,
        status,
        now,
        now,
        c.created_at,
        c.started_at,
        c.range_end,
        c.long,
        c.kind,
        c.recurring,
        &c.name_key
    )?;
    copy_rows(&mut conn, "p.id = ?", &[Bind::Int(id)]).await?;
    insert_grams(conn, event_id, &c.name_key, "p.id = ?", vec![Bind::Int(id)]).await?;
    Ok(id)
}

/// The postings a rename makes stale, on MySQL: a join from the event's participations, by key.
/// MariaDB runs `DELETE … WHERE participation_id IN (SELECT …)` as a scan of every posting with
/// a dependent subquery, locking all of them, so concurrent renames and confirmations of any
/// calendar deadlocked. SQLite has no multi-table DELETE, and seeks the subquery's ids.
pub(crate) const DROP_GRAMS_MYSQL: &str = concat!(
    "DELETE g FROM event_participations p JOIN participation_grams g \
     ON g.participation_id = p.id WHERE p.event_id = ? AND ",
    key_changed!()
);

/// Rewrites the listing copies of `e`'s participations (after a write of `e`), and, when it was
/// `renamed`, the name trigrams of those whose key changed. Those statements select what they
/// change by the stored key, reading the latest rows (writes lock what they read on MySQL), so
/// a participation inserted since the caller's snapshot is reached too. An event not renamed
/// has every participation keyed by its name already: each was inserted, or last rewritten,
/// under the event's lock, which the caller holds.
pub async fn copy_event(mut conn: impl Connection, e: &Event, renamed: bool) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE event_participations SET event_started_at = ?, \
        event_range_end = ?, event_long = ?, event_recurring = ?, event_name_key = ? \
        WHERE event_id = ?";
    const DROP_GRAMS_SQLITE: &str = concat!(
        "DELETE FROM participation_grams WHERE participation_id IN \
         (SELECT p.id FROM event_participations p WHERE p.event_id = ? AND ",
        key_changed!(),
        ")"
    );
    let c = ListingCopy::of(e);
    if renamed {
        let drop = match conn.conn() {
            super::Conn::MySql(_) => DROP_GRAMS_MYSQL,
            super::Conn::Sqlite(_) => DROP_GRAMS_SQLITE,
        };
        execute!(conn, drop, e.id, &c.name_key)?;
        let changed = vec![Bind::Text(c.name_key.clone())];
        insert_grams(&mut conn, e.id, &c.name_key, key_changed!(), changed).await?;
    }
    execute!(
        conn,
        SQL,
        c.started_at,
        c.range_end,
        c.long,
        c.recurring,
        &c.name_key,
        e.id
    )?;
    copy_rows_of_events(conn, &[e.id]).await
}

/// The columns [`copy_rows`] sets, each participation's from its event `e` and the event's task
/// `t` (none: NULL), in both engines' order.
macro_rules! copied_columns {
    ($m:ident) => {
        $m!(
            event_calendar_id = e.calendar_id,
            event_creator_id = e.creator_id,
            event_name = e.name,
            event_description = e.description,
            event_category = e.category,
            event_type = e.event_type,
            event_started_at = e.started_at,
            event_ended_at = e.ended_at,
            event_start_date = e.start_date,
            event_end_date = e.end_date,
            event_time_zone = e.time_zone,
            event_all_day = e.all_day,
            event_recurrence = e.recurrence,
            event_reminders = e.reminders,
            event_color = e.color,
            event_range_end = e.range_end,
            event_version = e.version,
            event_created_at = e.created_at,
            event_updated_at = e.updated_at,
            task_is_completed = t.is_completed,
            task_priority = t.priority,
            task_created_at = t.created_at,
            task_updated_at = t.updated_at
        )
    };
}

/// MySQL's multi-table `UPDATE`: `p.a = e.a, …`.
macro_rules! mysql_set {
    ($first:ident = $ft:ident.$fc:ident $(, $col:ident = $t:ident.$c:ident)*) => {
        concat!("p.", stringify!($first), " = ", stringify!($ft), ".", stringify!($fc)
            $(, ", p.", stringify!($col), " = ", stringify!($t), ".", stringify!($c))*)
    };
}

/// SQLite's row-value `UPDATE`: `(a, …) = (SELECT e.a, … FROM …`.
macro_rules! sqlite_set {
    ($first:ident = $ft:ident.$fc:ident $(, $col:ident = $t:ident.$c:ident)*) => {
        concat!("(", stringify!($first) $(, ", ", stringify!($col))*, ") = (SELECT ",
            stringify!($ft), ".", stringify!($fc) $(, ", ", stringify!($t), ".", stringify!($c))*)
    };
}

/// Rewrites the listing rows (migration 0010) of the participations that `which` selects
/// (`p.` columns, with `binds`): every column of their event and its task, read from those rows
/// as they are now. One statement. Every write of an event or its task calls it in the same
/// transaction, after the write and under the event's lock, so the copy is the latest row. (A
/// multi-table `UPDATE` on MySQL reads the joined rows as they are committed, with a lock, not
/// from the transaction's snapshot.)
pub(crate) async fn copy_rows(
    mut conn: impl Connection,
    which: &str,
    binds: &[Bind],
) -> sqlx::Result<()> {
    let sql = match conn.conn() {
        super::Conn::MySql(_) => format!(
            "UPDATE event_participations p JOIN events e ON e.id = p.event_id \
             LEFT JOIN tasks t ON t.event_id = e.id SET {} WHERE {which}",
            copied_columns!(mysql_set)
        ),
        // SQLite's UPDATE names no alias: `p` is the row updated, seen from the subquery.
        super::Conn::Sqlite(_) => format!(
            "UPDATE event_participations AS p SET {} FROM events e LEFT JOIN tasks t \
             ON t.event_id = e.id WHERE e.id = p.event_id) WHERE {which}",
            copied_columns!(sqlite_set)
        ),
    };
    super::listing::execute(conn, &sql, binds).await.map(drop)
}

/// [`copy_rows`] for every participation of the events `ids`.
pub(crate) async fn copy_rows_of_events(
    mut conn: impl Connection,
    ids: &[i64],
) -> sqlx::Result<()> {
    for chunk in ids.chunks(500) {
        let which = format!("p.event_id IN ({})", super::events::id_list(chunk));
        copy_rows(&mut conn, &which, &[]).await?;
    }
    Ok(())
}

/// Sets a participation's status.
pub async fn set_status(
    mut conn: impl Connection,
    id: i64,
    status: Option<ResponseStatus>,
    now: i64,
) -> sqlx::Result<()> {
    const SQL: &str =
        "UPDATE event_participations SET response_status = ?, updated_at = ? WHERE id = ?";
    execute!(conn, SQL, status, now, id).map(drop)
}

/// Sets a participation's colour.
pub async fn set_color(
    mut conn: impl Connection,
    id: i64,
    color: &str,
    now: i64,
) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE event_participations SET color = ?, updated_at = ? WHERE id = ?";
    execute!(conn, SQL, color, now, id).map(drop)
}

/// Deletes a participation.
pub async fn delete(mut conn: impl Connection, id: i64) -> sqlx::Result<()> {
    execute!(conn, "DELETE FROM event_participations WHERE id = ?", id).map(drop)
}

/// Whether two users hold participations in a common event.
pub async fn share_an_event(mut conn: impl Connection, a: i64, b: i64) -> sqlx::Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM event_participations x \
        JOIN calendar_members mx ON mx.id = x.calendar_member_id \
        JOIN event_participations y ON y.event_id = x.event_id \
        JOIN calendar_members my ON my.id = y.calendar_member_id \
        WHERE mx.user_id = ? AND my.user_id = ?";
    Ok(fetch_scalar!(conn, i64, SQL, a, b)? > 0)
}
