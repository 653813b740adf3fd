//! The hot queries with the indexes they must be read through (issue 11): the EXPLAIN test on
//! MariaDB (`functions/events/tests/api/explain.rs`) runs each and fails when a table in a plan
//! is scanned or read through another index. The SQL is the text the repositories run.

pub use super::listing::Bind;
use super::{calendars, listing, reminders, users};

/// What the hot queries are run with: ids of real rows, so the optimizer plans real lookups.
#[derive(Clone, Debug)]
pub struct Sample {
    pub user_id: i64,
    pub email_key: String,
    pub calendar_id: i64,
    pub member_id: i64,
    pub event_ids: Vec<i64>,
    pub from: i64,
    pub to: i64,
    pub now: i64,
}

/// One hot query: its SQL, its binds, and for each table (by its alias in the SQL) the indexes
/// MySQL may read it through; `covering` tables must be read from the index alone.
#[derive(Clone, Debug)]
pub struct HotQuery {
    pub name: &'static str,
    pub sql: String,
    pub args: Vec<Bind>,
    pub keys: Vec<(&'static str, &'static [&'static str])>,
    pub covering: &'static [&'static str],
    /// Its derived tables hold at most a `LIMIT` of rows each (the trigram probe): reading
    /// them whole scans no table.
    pub derived: bool,
}

const PARTICIPATION_BY_EVENT: &[&str] = &[
    "event_participations_event_idx",
    "event_participations_member_event_unique",
];

/// The hot queries for `s`.
pub fn hot_queries(s: &Sample) -> Vec<HotQuery> {
    use Bind::{Int, Text};
    let member_of_user = ("m", &["calendar_members_user_idx"][..]);
    let by_name = listing::SearchFilter {
        user_id: s.user_id,
        name_key: Some("event 12"),
        kind: None,
        from: i64::MIN / 4,
        to: i64::MAX / 4,
        expanding: false,
    };
    let in_window = listing::SearchFilter {
        from: s.from,
        to: s.to,
        expanding: true,
        ..by_name
    };
    let plain = listing::plain_matches_sql(&by_name, listing::Access::Scan);
    let window = listing::plain_matches_sql(&in_window, listing::Access::Scan);
    let grams = listing::probed_grams("event 12");
    let probe = listing::gram_probe_sql(s.user_id, &grams);
    let by_gram = listing::plain_matches_sql(&by_name, listing::Access::Gram(grams[0]));
    let series = listing::series_candidates_sql(&in_window);
    // The month view's window binds, after its membership's.
    let window_args = |who: &[i64]| -> Vec<Bind> {
        let short_from = s.from - super::participations::SHORT_EVENT_MS;
        let tail = [short_from, s.to, s.from, s.to, s.from];
        who.iter().chain(&tail).map(|&v| Int(v)).collect()
    };
    vec![
        HotQuery {
            name: "month view (M7)",
            sql: listing::MEMBER_LISTING.into(),
            args: window_args(&[s.member_id]),
            keys: vec![
                ("p", &["event_participations_window_idx"]),
                ("m", &["PRIMARY"]),
            ],
            covering: &[],
            derived: false,
        },
        HotQuery {
            name: "own month view (M7)",
            sql: listing::OWN_LISTING.into(),
            args: window_args(&[s.calendar_id, s.user_id]),
            keys: vec![
                ("m", &["calendar_members_calendar_user_unique"]),
                ("p", &["event_participations_window_idx"]),
            ],
            covering: &[],
            derived: false,
        },
        HotQuery {
            name: "search by name (U8/U9)",
            sql: plain.sql,
            args: plain.binds,
            keys: vec![member_of_user, ("p", &["event_participations_search_idx"])],
            covering: &["p"],
            derived: false,
        },
        HotQuery {
            name: "search trigram probe (U8/U9)",
            sql: probe.sql,
            args: probe.binds,
            keys: vec![
                member_of_user,
                ("g", &["participation_grams_member_gram_idx"]),
            ],
            covering: &["g"],
            derived: true,
        },
        HotQuery {
            name: "search by name through a trigram (U8/U9)",
            sql: by_gram.sql,
            args: by_gram.binds,
            keys: vec![
                member_of_user,
                ("g", &["participation_grams_member_gram_idx"]),
                ("p", &["PRIMARY"]),
            ],
            covering: &["g"],
            derived: false,
        },
        HotQuery {
            name: "search by name and dates (U8/U9)",
            sql: window.sql,
            args: window.binds,
            keys: vec![member_of_user, ("p", &["event_participations_search_idx"])],
            covering: &["p"],
            derived: false,
        },
        HotQuery {
            name: "search series candidates (U8/U9 with dates)",
            sql: series.sql,
            args: series.binds,
            keys: vec![
                member_of_user,
                ("p", &["event_participations_search_idx"]),
                ("o", &["event_overrides_event_start_unique"]),
            ],
            covering: &["p"],
            derived: false,
        },
        HotQuery {
            name: "search page rows (U8/U9)",
            sql: listing::of_user_in_sql(&s.event_ids),
            args: vec![Int(s.user_id)],
            keys: vec![
                ("m", &["PRIMARY", "calendar_members_user_idx"]),
                ("p", PARTICIPATION_BY_EVENT),
            ],
            covering: &[],
            derived: false,
        },
        HotQuery {
            name: "a rename's stale postings",
            sql: super::participations::DROP_GRAMS_MYSQL.into(),
            args: vec![Int(s.event_ids[0]), Text("renamed".into())],
            keys: vec![("p", PARTICIPATION_BY_EVENT), ("g", &["PRIMARY"])],
            covering: &[],
            derived: false,
        },
        HotQuery {
            name: "reminder sweep",
            sql: reminders::DUE.into(),
            args: vec![Int(s.now), Int(100)],
            keys: vec![("event_triggers", &["event_triggers_due_idx"])],
            covering: &["event_triggers"],
            derived: false,
        },
        HotQuery {
            name: "login lookup",
            sql: users::BY_EMAIL.into(),
            args: vec![Text(s.email_key.clone())],
            keys: vec![("users", &["users_email_key_unique"])],
            covering: &[],
            derived: false,
        },
        HotQuery {
            name: "membership check",
            sql: calendars::MEMBER_OF_CALENDAR.into(),
            args: vec![Int(s.calendar_id), Int(s.user_id)],
            keys: vec![(
                "calendar_members",
                &["calendar_members_calendar_user_unique"],
            )],
            covering: &[],
            derived: false,
        },
        HotQuery {
            name: "calendar's confirmed members",
            sql: calendars::CONFIRMED_MEMBERS.into(),
            args: vec![Int(s.calendar_id)],
            keys: vec![(
                "calendar_members",
                &["calendar_members_calendar_user_unique"],
            )],
            covering: &[],
            derived: false,
        },
        HotQuery {
            name: "user's confirmed memberships (U7)",
            sql: calendars::CONFIRMED_OF_USER.into(),
            args: vec![Int(s.user_id)],
            keys: vec![member_of_user, ("c", &["PRIMARY"])],
            covering: &[],
            derived: false,
        },
    ]
}
