//! The listings (4.8.5): a membership's or a user's participations with their events and tasks,
//! in one query.

use serde::Deserialize;
use sqlx::types::Json;
use sqlx::{ColumnIndex, Decode, FromRow, Row, Type};

use super::events::{Event, EventFields, Task};
use super::participations::{Participation, SHORT_EVENT_MS, name_grams};
use super::{Conn, Connection};
use crate::domain::kinds::{CalendarKind, EventKind, ResponseStatus};
use crate::fetch_all;

/// A listing row: a participation (`p_` columns) with its event and task. Decoded from the
/// columns of `listing_select!` by position ([`Columns`]).
#[derive(Clone, Debug, Deserialize)]
pub struct ListingRow {
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

/// Reads a row's columns in the order they are selected. A listing is up to thousands of rows
/// of 32 columns, and sqlx's `FromRow` derive finds every value by its column name, a hash
/// lookup each: about a tenth of the month view's CPU in Chronos (issue 11). In debug builds
/// (every test) each read checks that the column has the name the derive would have looked up,
/// so a SELECT whose order differs from the decoder's fails the tests instead of misreading.
struct Columns<'r, R> {
    row: &'r R,
    next: usize,
}

impl<'r, R: Row> Columns<'r, R>
where
    usize: ColumnIndex<R>,
{
    fn new(row: &'r R) -> Self {
        Columns { row, next: 0 }
    }

    /// The next column's value, which is named `name`.
    fn get<T>(&mut self, name: &str) -> sqlx::Result<T>
    where
        T: Decode<'r, R::Database> + Type<R::Database>,
    {
        use sqlx::Column;
        let i = self.next;
        debug_assert_eq!(
            self.row.columns().get(i).map(|c| c.name()),
            Some(name),
            "listing column {i}"
        );
        self.next += 1;
        self.row.try_get(i)
    }
}

/// `FromRow` by position for a backend's row type (the listing statements are the same text on
/// both).
macro_rules! listing_from_row {
    ($row:ty) => {
        impl<'r> FromRow<'r, $row> for ListingRow {
            fn from_row(row: &'r $row) -> sqlx::Result<Self> {
                let mut c = Columns::new(row);
                let (id, calendar_id, creator_id) =
                    (c.get("id")?, c.get("calendar_id")?, c.get("creator_id")?);
                let fields = EventFields {
                    name: c.get("name")?,
                    description: c.get("description")?,
                    category: c.get("category")?,
                    kind: c.get("event_type")?,
                    started_at: c.get("started_at")?,
                    ended_at: c.get("ended_at")?,
                    start_date: c.get("start_date")?,
                    end_date: c.get("end_date")?,
                    time_zone: c.get("time_zone")?,
                    all_day: c.get("all_day")?,
                    recurrence: c
                        .get::<Option<Json<Vec<String>>>>("recurrence")?
                        .map(|j| j.0),
                    reminders: c.get::<Json<Vec<i64>>>("reminders")?.0,
                    color: c.get("color")?,
                    range_end: c.get("range_end")?,
                };
                Ok(ListingRow {
                    e: Event {
                        id,
                        calendar_id,
                        creator_id,
                        fields,
                        version: c.get("version")?,
                        created_at: c.get("created_at")?,
                        updated_at: c.get("updated_at")?,
                    },
                    p_id: c.get("p_id")?,
                    p_calendar_member_id: c.get("p_calendar_member_id")?,
                    p_color: c.get("p_color")?,
                    p_response_status: c.get("p_response_status")?,
                    p_created_at: c.get("p_created_at")?,
                    p_updated_at: c.get("p_updated_at")?,
                    m_calendar_type: c.get("m_calendar_type")?,
                    m_calendar_id: c.get("m_calendar_id")?,
                    t_is_completed: c.get("t_is_completed")?,
                    t_priority: c.get("t_priority")?,
                    t_created_at: c.get("t_created_at")?,
                    t_updated_at: c.get("t_updated_at")?,
                })
            }
        }
    };
}

listing_from_row!(sqlx::mysql::MySqlRow);
listing_from_row!(sqlx::sqlite::SqliteRow);

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

/// The event columns of a listing row as its participation carries them (migrations 0007 and
/// 0010), named as [`Event`]'s `FromRow` reads them.
macro_rules! copied_event_select {
    () => {
        "p.event_id AS id, p.event_calendar_id AS calendar_id, p.event_creator_id AS creator_id, \
         p.event_name AS name, p.event_description AS description, \
         p.event_category AS category, p.event_type, p.event_started_at AS started_at, \
         p.event_ended_at AS ended_at, p.event_start_date AS start_date, \
         p.event_end_date AS end_date, p.event_time_zone AS time_zone, \
         p.event_all_day AS all_day, p.event_recurrence AS recurrence, \
         p.event_reminders AS reminders, p.event_color AS color, p.event_range_end AS range_end, \
         p.event_version AS version, p.event_created_at AS created_at, \
         p.event_updated_at AS updated_at"
    };
}

/// [`copied_event_select!`] as one positional JSON array in [`Event`]'s field order (`e`
/// nested in an array of its own, as `#[serde(flatten)]`-free positional decoding wants), for
/// SQLite's listing fast path.
macro_rules! copied_event_json {
    () => {
        "json_array(p.event_id, p.event_calendar_id, p.event_creator_id, json_array(p.event_name, \
         p.event_description, p.event_category, p.event_type, p.event_started_at, \
         p.event_ended_at, p.event_start_date, p.event_end_date, p.event_time_zone, \
         p.event_all_day, p.event_recurrence, p.event_reminders, p.event_color, \
         p.event_range_end), p.event_version, p.event_created_at, p.event_updated_at)"
    };
}

/// The participation, membership and task columns of a listing row.
macro_rules! listing_rest {
    () => {
        "p.id AS p_id, p.calendar_member_id AS p_calendar_member_id, p.color AS p_color, \
         p.response_status AS p_response_status, p.created_at AS p_created_at, \
         p.updated_at AS p_updated_at, m.calendar_type AS m_calendar_type, \
         m.calendar_id AS m_calendar_id, p.task_is_completed AS t_is_completed, \
         p.task_priority AS t_priority, p.task_created_at AS t_created_at, \
         p.task_updated_at AS t_updated_at "
    };
}

/// A listing reads the participations and their memberships alone: each participation carries
/// its event's and task's rows (migration 0010).
macro_rules! listing_from {
    () => {
        "FROM event_participations p JOIN calendar_members m ON m.id = p.calendar_member_id "
    };
}

macro_rules! listing_select {
    ($($where:tt)+) => {
        concat!("SELECT ", copied_event_select!(), ", ", listing_rest!(), listing_from!(),
            $($where)+)
    };
}

/// [`listing_select!`] for the month view on MySQL, its index named: MariaDB otherwise weighs
/// every index of the participations that begins with the membership, with two dives into the
/// B-tree each, on every execution (a prepared statement is optimized each time it runs):
/// about a quarter of the statement's optimization time.
macro_rules! window_select {
    ($($where:tt)+) => {
        concat!("SELECT ", copied_event_select!(), ", ", listing_rest!(),
            "FROM event_participations p FORCE INDEX (event_participations_window_idx) \
             JOIN calendar_members m ON m.id = p.calendar_member_id ",
            $($where)+)
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
            copied_event_json!(),
            ", 'p_id', p.id, 'p_calendar_member_id', p.calendar_member_id, 'p_color', p.color, \
             'p_response_status', p.response_status, 'p_created_at', p.created_at, \
             'p_updated_at', p.updated_at, 'm_calendar_type', m.calendar_type, \
             'm_calendar_id', m.calendar_id, 't_is_completed', p.task_is_completed, \
             't_priority', p.task_priority, 't_created_at', p.task_created_at, \
             't_updated_at', p.task_updated_at)) ",
            listing_from!(),
            $($where)+
        )
    };
}

/// Parses the array of `listing_json_select!`.
fn listing_rows_of_json(json: &str) -> sqlx::Result<Vec<ListingRow>> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// The month view's filter (M7), on the participation's listing copies: a short event by its
/// start (it ends at most [`SHORT_EVENT_MS`] after it), anything else by its whole range. Both
/// arms are ranges of `event_participations_window_idx`, so the view reads the index entries of
/// the events it returns, plus the membership's long ones.
///
/// [`SHORT_EVENT_MS`]: super::participations::SHORT_EVENT_MS
macro_rules! member_listing_where {
    () => {
        concat!("WHERE p.calendar_member_id = ? ", window_where!())
    };
}

/// As [`member_listing_where!`] for the caller's own confirmed membership of a calendar, found
/// by `(calendar_id, user_id)` in the same statement.
macro_rules! own_listing_where {
    () => {
        concat!(
            "WHERE m.calendar_id = ? AND m.user_id = ? AND m.is_confirmed = TRUE ",
            window_where!()
        )
    };
}

/// The window and listing conditions of the month view, after the membership's.
macro_rules! window_where {
    () => {
        "AND ((p.event_long = FALSE AND p.event_started_at >= ? AND p.event_started_at <= ? \
               AND p.event_range_end >= ?) \
           OR (p.event_long = TRUE AND p.event_started_at <= ? \
               AND (p.event_range_end IS NULL OR p.event_range_end >= ?))) \
         AND (m.calendar_type <> 'main' OR p.response_status IS NULL OR p.response_status <> 'invited')"
    };
}

/// The SQL of [`of_member`] on MySQL (the month view).
pub(crate) const MEMBER_LISTING: &str = window_select!(member_listing_where!());

/// The SQL of [`of_own_membership`] on MySQL (the caller's own month view).
pub(crate) const OWN_LISTING: &str = window_select!(own_listing_where!());

/// The participations of one membership that pass the listing filter (4.8.5), whose event may
/// overlap `[from, to]` (a coarse pre-filter: recurring series are expanded by the caller).
pub async fn of_member(
    conn: impl Connection,
    member_id: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<ListingRow>> {
    const SQLITE: &str = listing_json_select!(member_listing_where!());
    window_rows(conn, (SQLITE, MEMBER_LISTING), &[member_id], from, to).await
}

/// As [`of_member`] for `user_id`'s own membership of `calendar_id`, if it is confirmed (none
/// otherwise): the month view a member asks of themself, without a statement to find the
/// membership first.
pub async fn of_own_membership(
    conn: impl Connection,
    calendar_id: i64,
    user_id: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<ListingRow>> {
    const SQLITE: &str = listing_json_select!(own_listing_where!());
    let who = [calendar_id, user_id];
    window_rows(conn, (SQLITE, OWN_LISTING), &who, from, to).await
}

/// Runs a month-view statement (`(SQLite, MySQL)` texts) with the membership's binds `who`,
/// then the window's.
async fn window_rows(
    mut conn: impl Connection,
    (sqlite, mysql): (&'static str, &'static str),
    who: &[i64],
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<ListingRow>> {
    let window = [from.saturating_sub(SHORT_EVENT_MS), to, from, to, from];
    let binds = who.iter().chain(&window);
    match conn.conn() {
        Conn::Sqlite(c) => {
            let mut q = sqlx::query_scalar::<_, String>(sqlite);
            for b in binds {
                q = q.bind(*b);
            }
            listing_rows_of_json(&q.fetch_one(c).await?)
        }
        Conn::MySql(c) => {
            let mut q = sqlx::query_as(mysql);
            for b in binds {
                q = q.bind(*b);
            }
            super::timed(q.fetch_all(c)).await
        }
    }
}

/// What the search (U8/U9) filters by in SQL, on the participations' listing copies.
#[derive(Clone, Copy, Debug)]
pub struct SearchFilter<'a> {
    pub user_id: i64,
    /// The term's [`name_key`](super::participations::name_key): the event's key contains it.
    pub name_key: Option<&'a str>,
    /// `None`: every kind.
    pub kind: Option<EventKind>,
    /// Date bounds (`i64::MIN / 4` and `i64::MAX / 4` when absent): the event's range overlaps
    /// them.
    pub from: i64,
    pub to: i64,
    /// Date bounds were given: recurring series are matched by their occurrences, in Rust
    /// ([`series_candidates`]), and [`plain_matches`] leaves them out.
    pub expanding: bool,
}

/// An event's place in the search order: `(createdAt, id)`, listed descending.
pub type SearchKey = (i64, i64);

/// A bind value of a statement built at run time (the search's, and the EXPLAIN test's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bind {
    Int(i64),
    Text(String),
    Null,
}

/// A search statement over the user's listed participations, read through
/// `event_participations_search_idx` (which holds every column used, one range per confirmed
/// membership). Only the filters given are written into it: MariaDB evaluates each condition
/// of the WHERE for every participation it reads, about 0.1-0.4 µs apiece.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchSql {
    /// The text MySQL runs (SQLite's is the same without [`SEARCH_INDEX_HINT`]).
    pub sql: String,
    pub binds: Vec<Bind>,
}

/// The index hint of a search that reads `event_participations_search_idx`, in
/// [`SearchSql::sql`] (MySQL's text); SQLite runs the text without it.
///
/// Why: on MariaDB 10.11 such a statement run on a connection right after the search's page
/// rows (`of_user_in_sql`, which reads the participations by event) was planned through another
/// index and cost twice its time or more: 9.2 ms instead of 5.3 ms for a common term over
/// 10,000 events, and 7 ms instead of 0.3 ms for an expanding search's series candidates,
/// every request after a connection's first. Run alone, or from the `mysql` client, it chose
/// this index. The plan no longer depends on what ran before.
const SEARCH_INDEX_HINT: &str = "FORCE INDEX (event_participations_search_idx) ";

impl SearchSql {
    fn new(f: &SearchFilter<'_>) -> Self {
        let mut q = SearchSql {
            sql: format!(
                "SELECT DISTINCT p.event_created_at, p.event_id \
                 FROM calendar_members m JOIN event_participations p {SEARCH_INDEX_HINT}\
                 ON p.calendar_member_id = m.id "
            ),
            binds: Vec::new(),
        };
        q.filters(f);
        q
    }

    /// A search statement that reads the participations through the postings of trigram
    /// `gram` ([`name_grams`]) instead of the whole search index.
    fn via_gram(f: &SearchFilter<'_>, gram: i64) -> Self {
        let mut q = SearchSql {
            sql: "SELECT DISTINCT p.event_created_at, p.event_id \
                  FROM calendar_members m JOIN participation_grams g \
                  ON g.calendar_member_id = m.id AND g.gram = ? \
                  JOIN event_participations p ON p.id = g.participation_id "
                .into(),
            binds: vec![Bind::Int(gram)],
        };
        q.filters(f);
        q
    }

    /// The `WHERE` of the search statements: the user's listed participations, and only the
    /// filters given.
    fn filters(&mut self, f: &SearchFilter<'_>) {
        let q = self;
        q.and(
            "WHERE m.user_id = ? AND m.is_confirmed = TRUE \
             AND (m.calendar_type <> 'main' OR p.response_status IS NULL \
             OR p.response_status <> 'invited')",
            [Bind::Int(f.user_id)],
        );
        if let Some(k) = f.kind {
            q.and(" AND p.event_type = ?", [Bind::Text(k.to_string())]);
        }
        if f.expanding {
            let dates = " AND p.event_started_at <= ? \
                AND (p.event_range_end IS NULL OR p.event_range_end >= ?)";
            q.and(dates, [Bind::Int(f.to), Bind::Int(f.from)]);
        }
    }

    fn and<const N: usize>(&mut self, sql: &str, binds: [Bind; N]) {
        self.sql.push_str(sql);
        self.binds.extend(binds);
    }

    fn name(&mut self, key: &str) {
        self.and(
            " AND p.event_name_key LIKE ? ESCAPE '!'",
            [Bind::Text(contains(key))],
        );
    }
}

/// A LIKE pattern matching values that contain `key` (`!` escapes).
fn contains(key: &str) -> String {
    let escaped = key.replace('!', "!!").replace('%', "!%").replace('_', "!_");
    format!("%{escaped}%")
}

/// How [`plain_matches`] reads the user's participations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Every listed participation, through `event_participations_search_idx`.
    Scan,
    /// The postings of one trigram of the term, through `participation_grams_member_gram_idx`.
    Gram(i64),
}

/// The statement of [`plain_matches`], reading the participations as `access` says.
pub fn plain_matches_sql(f: &SearchFilter<'_>, access: Access) -> SearchSql {
    let mut q = match access {
        Access::Scan => SearchSql::new(f),
        Access::Gram(gram) => SearchSql::via_gram(f, gram),
    };
    if let Some(key) = f.name_key {
        q.name(key);
    }
    if f.expanding {
        q.and(" AND p.event_recurring = FALSE", []);
    }
    q
}

/// At most this many trigrams of a term are probed ([`gram_probe_sql`]), spread over it.
pub const PROBED_GRAMS: usize = 8;

/// A probe counts at most this many postings of a trigram. A term all of whose probed trigrams
/// reach it is common among the user's events: its matches are read by a scan of the search
/// index, which then costs little more than the postings would (about as many entries, with no
/// second lookup of each).
pub const PROBE_CAP: i64 = 256;

/// The trigrams of `key` a search probes: at most [`PROBED_GRAMS`], evenly spread.
pub fn probed_grams(key: &str) -> Vec<i64> {
    let all = name_grams(key);
    if all.len() <= PROBED_GRAMS {
        return all;
    }
    (0..PROBED_GRAMS)
        .map(|i| all[i * (all.len() - 1) / (PROBED_GRAMS - 1)])
        .collect()
}

/// For each of `grams`, by its index, how many postings the user's confirmed memberships have,
/// counted up to [`PROBE_CAP`]: one statement, each count bounded.
pub fn gram_probe_sql(user_id: i64, grams: &[i64]) -> SearchSql {
    let arms: Vec<String> = (0..grams.len())
        .map(|i| {
            format!(
                "SELECT {i} AS k, COUNT(*) AS n FROM (SELECT 1 AS one FROM calendar_members m \
                 JOIN participation_grams g ON g.calendar_member_id = m.id \
                 WHERE m.user_id = ? AND m.is_confirmed = TRUE AND g.gram = ? \
                 LIMIT {PROBE_CAP}) x{i}"
            )
        })
        .collect();
    SearchSql {
        sql: arms.join(" UNION ALL "),
        binds: grams
            .iter()
            .flat_map(|&g| [Bind::Int(user_id), Bind::Int(g)])
            .collect(),
    }
}

/// How the matches of `f` are best read: through the postings of the term's rarest probed
/// trigram when it has fewer than [`PROBE_CAP`]; `None` when one of them has none (nothing
/// can match).
pub async fn access_for(
    conn: impl Connection,
    f: &SearchFilter<'_>,
) -> sqlx::Result<Option<Access>> {
    let Some(key) = f.name_key else {
        return Ok(Some(Access::Scan));
    };
    let grams = probed_grams(key);
    if grams.is_empty() {
        return Ok(Some(Access::Scan));
    }
    let counts = pairs(conn, &gram_probe_sql(f.user_id, &grams)).await?;
    let Some(&(k, n)) = counts.iter().min_by_key(|&&(_, n)| n) else {
        return Ok(Some(Access::Scan));
    };
    Ok(match n {
        0 => None,
        n if n < PROBE_CAP => Some(Access::Gram(grams[usize::try_from(k).unwrap_or(0)])),
        _ => Some(Access::Scan),
    })
}

/// The statement of [`series_candidates`]: the series whose own name matches or that have an
/// occurrence renamed (an override whose fields begin with a name).
pub fn series_candidates_sql(f: &SearchFilter<'_>) -> SearchSql {
    let mut q = SearchSql::new(f);
    q.and(" AND p.event_recurring = TRUE", []);
    if let Some(key) = f.name_key {
        q.and(
            " AND (p.event_name_key LIKE ? ESCAPE '!' OR EXISTS (SELECT 1 \
             FROM event_overrides o WHERE o.event_id = p.event_id \
             AND o.fields LIKE '{\"name\":%'))",
            [Bind::Text(contains(key))],
        );
    }
    q
}

/// Each of `binds` bound in order to `query` (any sqlx query type of either backend).
macro_rules! bind_each {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for b in $binds {
            query = match b {
                Bind::Int(i) => query.bind(*i),
                Bind::Text(t) => query.bind(t.as_str()),
                Bind::Null => query.bind(None::<i64>),
            };
        }
        query
    }};
}

/// The rows of a statement built at run time, as pairs of integers.
async fn pairs(mut conn: impl Connection, q: &SearchSql) -> sqlx::Result<Vec<(i64, i64)>> {
    let sql = match conn.conn() {
        Conn::MySql(_) => std::borrow::Cow::Borrowed(q.sql.as_str()),
        Conn::Sqlite(_) => std::borrow::Cow::Owned(q.sql.replacen(SEARCH_INDEX_HINT, "", 1)),
    };
    crate::with_conn!(conn, |c| bind_each!(
        sqlx::query_as::<_, (i64, i64)>(&sql),
        &q.binds
    )
    .fetch_all(c)
    .await)
}

/// Runs a statement built at run time; returns the number of rows it changed.
pub(crate) async fn execute(
    mut conn: impl Connection,
    sql: &str,
    binds: &[Bind],
) -> sqlx::Result<u64> {
    crate::with_conn!(conn, |c| bind_each!(sqlx::query(sql), binds)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

async fn search_keys(conn: impl Connection, q: &SearchSql) -> sqlx::Result<Vec<SearchKey>> {
    let mut keys = pairs(conn, q).await?;
    keys.sort_unstable_by(|a, b| b.cmp(a));
    Ok(keys)
}

/// The events the filter matches in SQL alone (by name and, when expanding, only events that
/// are not series), each once, newest first.
///
/// The contract's `total` counts every match, so a search reads every candidate whatever its
/// page: one statement yields the count and the page together (two integers a match), where a
/// count and a `LIMIT` query would read them twice. With a name, the candidates are the
/// postings of the term's rarest trigram ([`access_for`]); for a common term, every listed
/// participation of the user.
pub async fn plain_matches(
    mut conn: impl Connection,
    f: &SearchFilter<'_>,
) -> sqlx::Result<Vec<SearchKey>> {
    match access_for(&mut conn, f).await? {
        None => Ok(Vec::new()),
        Some(access) => search_keys(conn, &plain_matches_sql(f, access)).await,
    }
}

/// As [`plain_matches`], read as `access` says (the tests compare the two ways).
pub async fn plain_matches_by(
    conn: impl Connection,
    f: &SearchFilter<'_>,
    access: Access,
) -> sqlx::Result<Vec<SearchKey>> {
    search_keys(conn, &plain_matches_sql(f, access)).await
}

/// The series an expanding search must look at in Rust, newest first: those listed for the
/// user whose range meets the bounds and whose own name matches, or that have a renamed
/// occurrence. The others cannot match.
pub async fn series_candidates(
    conn: impl Connection,
    f: &SearchFilter<'_>,
) -> sqlx::Result<Vec<SearchKey>> {
    search_keys(conn, &series_candidates_sql(f)).await
}

/// The user's listed participations in the given events, with the events (U8/U9 build a page
/// from them), in no order: an ORDER BY over rows with TEXT columns made MariaDB write its
/// temporary table to disk, and the callers group by event anyway.
pub async fn of_user_in(
    mut conn: impl Connection,
    user_id: i64,
    event_ids: &[i64],
) -> sqlx::Result<Vec<ListingRow>> {
    if event_ids.is_empty() {
        return Ok(Vec::new());
    }
    fetch_all!(conn, ListingRow, &of_user_in_sql(event_ids), user_id)
}

/// The SQL of [`of_user_in`].
pub(crate) fn of_user_in_sql(event_ids: &[i64]) -> String {
    format!(
        concat!(
            listing_select!(
                "WHERE m.user_id = ? AND m.is_confirmed = TRUE \
                 AND (m.calendar_type <> 'main' OR p.response_status IS NULL \
                      OR p.response_status <> 'invited') AND p.event_id IN ("
            ),
            "{})"
        ),
        super::events::id_list(event_ids)
    )
}
