//! The listing copies (migrations 0007 and 0010): what the month view and the search read from
//! the participations follows every write of the event and its task, and finds and shows what
//! the event itself would.

use shared::testing::TestDatabase;

use super::helpers::*;

shared::db_tests!(
    spawn,
    an_edit_moves_the_event_in_the_view_and_the_search,
    long_and_short_events_meet_the_window_by_their_whole_range,
    names_match_case_insensitively_beyond_ascii,
    a_renamed_occurrence_is_found_by_its_own_name,
    a_split_series_is_found_under_its_new_name,
    a_member_confirmed_during_renames_lists_the_new_names,
    the_listing_rows_follow_the_event_and_its_task,
    the_inserted_row_is_the_row_read_back,
);

/// `events::insert_row` (E2's row, not read back) equals the row as the database returns it,
/// for every kind of column: optional text, all-day dates, recurrence lines, reminders.
async fn the_inserted_row_is_the_row_read_back(app: &TestApp) {
    use shared::db::events::{self, EventFields, NewEvent};
    use shared::domain::kinds::EventKind;
    let user = app.signed_up("Rows").await;
    let calendar = main_calendar(app, &user).await;
    let plain = EventFields {
        name: "Stand-up ü".into(),
        description: None,
        category: "work".into(),
        kind: EventKind::Arrangement,
        started_at: 1_748_768_400_123,
        ended_at: 1_748_770_200_000,
        start_date: None,
        end_date: None,
        time_zone: "Europe/Kyiv".into(),
        all_day: false,
        recurrence: None,
        reminders: vec![],
        color: "#4285F4".into(),
        range_end: Some(1_748_770_200_000),
    };
    let all_day = EventFields {
        description: Some("Away".into()),
        kind: EventKind::Reminder,
        start_date: Some("2025-06-01".into()),
        end_date: Some("2025-06-03".into()),
        all_day: true,
        reminders: vec![5, 60],
        ..plain.clone()
    };
    let series = EventFields {
        kind: EventKind::Task,
        recurrence: Some(vec![
            "RRULE:FREQ=WEEKLY;BYDAY=MO,WE".into(),
            "EXDATE:20250609T090000Z".into(),
        ]),
        range_end: None,
        ..plain.clone()
    };
    let mut tx = app.state.db.begin().await.unwrap();
    for (n, fields) in [plain, all_day, series].into_iter().enumerate() {
        let new = NewEvent {
            calendar_id: calendar,
            creator_id: user.id,
            fields,
        };
        let now = app.clock.now_ms() + i64::try_from(n).unwrap();
        let row = events::insert_row(&mut tx, &new, now).await.unwrap();
        let stored = events::find_by_id(&mut tx, row.id).await.unwrap();
        assert_eq!(Some(row), stored);
    }
    tx.commit().await.unwrap();
}

/// The copied columns of migration 0010, each beside its source.
const COPIED: [(&str, &str); 23] = [
    ("event_calendar_id", "e.calendar_id"),
    ("event_creator_id", "e.creator_id"),
    ("event_name", "e.name"),
    ("event_description", "e.description"),
    ("event_category", "e.category"),
    ("event_type", "e.event_type"),
    ("event_started_at", "e.started_at"),
    ("event_ended_at", "e.ended_at"),
    ("event_start_date", "e.start_date"),
    ("event_end_date", "e.end_date"),
    ("event_time_zone", "e.time_zone"),
    ("event_all_day", "e.all_day"),
    ("event_recurrence", "e.recurrence"),
    ("event_reminders", "e.reminders"),
    ("event_color", "e.color"),
    ("event_range_end", "e.range_end"),
    ("event_version", "e.version"),
    ("event_created_at", "e.created_at"),
    ("event_updated_at", "e.updated_at"),
    ("task_is_completed", "t.is_completed"),
    ("task_priority", "t.priority"),
    ("task_created_at", "t.created_at"),
    ("task_updated_at", "t.updated_at"),
];

/// Every participation carries its event's and its task's rows as they are stored.
pub async fn assert_rows_copied(db: &shared::db::Db) {
    let same = match db {
        shared::db::Db::MySql(_) => "<=>",
        shared::db::Db::Sqlite(..) => "IS",
    };
    let equal: Vec<String> = COPIED
        .iter()
        .map(|(copy, source)| format!("p.{copy} {same} {source}"))
        .collect();
    let sql = format!(
        "SELECT p.id FROM event_participations p JOIN events e ON e.id = p.event_id \
         LEFT JOIN tasks t ON t.event_id = e.id WHERE NOT ({}) ORDER BY p.id",
        equal.join(" AND ")
    );
    let mut c = db.acquire().await.unwrap();
    let stale: Vec<(i64,)> = shared::fetch_all!(c, (i64,), &sql).unwrap();
    assert!(
        stale.is_empty(),
        "participations {stale:?} carry a stale row"
    );
}

/// The creator's M7 items between two dates, whole.
async fn view_items(app: &TestApp, cast: &Cast, from: &str, to: &str) -> Vec<Value> {
    let path = format!(
        "/api/calendars/{}/members/{}/events?startDate={from}&endDate={to}",
        cast.calendar, cast.creator.id
    );
    let res = app
        .request(Method::GET, &path)
        .as_user(&cast.creator)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json().as_array().unwrap().clone()
}

async fn the_listing_rows_follow_the_event_and_its_task(app: &TestApp) {
    let cast = Cast::new(app).await;
    let mut task = named(
        cast.calendar,
        "Write report",
        "2025-04-03T09:00:00Z",
        "2025-04-03T10:00:00Z",
    );
    task["type"] = json!("task");
    task["priority"] = json!("high");
    let task = create(app, &cast.creator, task).await["id"].clone();
    let meeting = arrangement(cast.calendar, &[cast.guest.id]);
    let meeting = create(app, &cast.creator, meeting).await["id"].clone();
    assert_rows_copied(&app.state.db).await;

    let done = json!({"isCompleted": true, "priority": null, "description": "Sent"});
    let res = edit(app, &cast, &format!("/api/events/{task}"), done).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let renamed = json!({"name": "Planning", "startedAt": "2025-04-04T09:00:00Z",
        "endedAt": "2025-04-04T09:30:00Z", "reminders": [5]});
    let res = edit(app, &cast, &format!("/api/events/{meeting}"), renamed).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_rows_copied(&app.state.db).await;

    // Each item shows the event as E1 shows it.
    let items = view_items(app, &cast, "2025-04-01T00:00:00Z", "2025-04-30T23:59:59Z").await;
    assert_eq!(items.len(), 2, "{items:?}");
    for item in &items {
        let id = &item["event"]["id"];
        let whole = app
            .request(Method::GET, &format!("/api/events/{id}"))
            .as_user(&cast.creator)
            .send()
            .await
            .json();
        for key in [
            "name",
            "description",
            "startedAt",
            "endedAt",
            "updatedAt",
            "reminders",
        ] {
            assert_eq!(item["event"][key], whole[key], "{key} of event {id}");
        }
        assert_eq!(
            item["event"]["task"], whole["task"],
            "the task of event {id}"
        );
    }
    let task_item = items.iter().find(|i| i["event"]["id"] == task).unwrap();
    assert_eq!(task_item["event"]["task"]["isCompleted"], true);
    assert_eq!(task_item["event"]["task"]["priority"], Value::Null);
    let meeting_item = items.iter().find(|i| i["event"]["id"] == meeting).unwrap();
    assert_eq!(meeting_item["event"]["name"], "Planning");
}

fn named(cal: i64, name: &str, start: &str, end: &str) -> Value {
    let mut b = arrangement(cal, &[]);
    b["name"] = json!(name);
    b["startedAt"] = json!(start);
    b["endedAt"] = json!(end);
    b
}

/// Creates a series in the cast's calendar from `(start, end)` and one rule; returns its id.
async fn create_series(
    app: &TestApp,
    cast: &Cast,
    name: &str,
    (start, end): (&str, &str),
    rule: &str,
) -> Value {
    let mut body = named(cast.calendar, name, start, end);
    body["recurrence"] = json!([rule]);
    create(app, &cast.creator, body).await["id"].clone()
}

/// A PATCH by the creator.
async fn edit(app: &TestApp, cast: &Cast, path: &str, body: Value) -> TestResponse {
    app.request(Method::PATCH, path)
        .as_user(&cast.creator)
        .json(&body)
        .send()
        .await
}

/// The names M7 lists for the creator between two dates.
async fn view(app: &TestApp, cast: &Cast, from: &str, to: &str) -> Vec<String> {
    let mut names: Vec<String> = view_items(app, cast, from, to)
        .await
        .iter()
        .map(|i| i["event"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// The U8 page for the creator with a query: (total, item names).
async fn search(app: &TestApp, cast: &Cast, query: &str) -> (i64, Vec<String>) {
    let path = format!("/api/users/{}/events?{query}", cast.creator.id);
    let res = app
        .request(Method::GET, &path)
        .as_user(&cast.creator)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let v = res.json();
    let names = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    (v["total"].as_i64().unwrap(), names)
}

async fn an_edit_moves_the_event_in_the_view_and_the_search(app: &TestApp) {
    let cast = Cast::new(app).await;
    let body = named(
        cast.calendar,
        "Alpha review",
        "2025-04-01T09:00:00Z",
        "2025-04-01T10:00:00Z",
    );
    let id = create(app, &cast.creator, body).await["id"].clone();
    let april = ("2025-04-01T00:00:00Z", "2025-04-30T23:59:59Z");
    let may = ("2025-05-01T00:00:00Z", "2025-05-31T23:59:59Z");
    assert_eq!(view(app, &cast, april.0, april.1).await, ["Alpha review"]);
    let moved = json!({"name": "Beta review", "startedAt": "2025-05-10T09:00:00Z",
        "endedAt": "2025-05-12T10:00:00Z"});
    let res = edit(app, &cast, &format!("/api/events/{id}"), moved).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(view(app, &cast, april.0, april.1).await.is_empty());
    assert_eq!(view(app, &cast, may.0, may.1).await, ["Beta review"]);
    // Two days long now: a view of its last day finds it by its range.
    let last_day = view(app, &cast, "2025-05-12T00:00:00Z", "2025-05-12T23:59:59Z").await;
    assert_eq!(last_day, ["Beta review"]);
    assert_eq!(search(app, &cast, "name=alpha").await, (0, vec![]));
    assert_eq!(
        search(app, &cast, "name=BETA").await,
        (1, vec!["Beta review".to_string()])
    );
    let in_may = "name=beta&startedAt=2025-05-11T00:00:00Z&endedAt=2025-05-11T23:59:59Z";
    assert_eq!(search(app, &cast, in_may).await.0, 1);
    super::grams::assert_postings(&app.state.db).await;
}

async fn long_and_short_events_meet_the_window_by_their_whole_range(app: &TestApp) {
    let cast = Cast::new(app).await;
    let c = cast.calendar;
    for (name, start, end) in [
        ("a ten days", "2025-05-25T00:00:00Z", "2025-06-04T00:00:00Z"),
        ("b 23 hours", "2025-05-31T10:00:00Z", "2025-06-01T09:00:00Z"),
        (
            "c one day to the start",
            "2025-05-31T00:00:00Z",
            "2025-06-01T00:00:00Z",
        ),
        (
            "d three days to the start",
            "2025-05-29T00:00:00Z",
            "2025-06-01T00:00:00Z",
        ),
        (
            "e ends before",
            "2025-05-30T00:00:00Z",
            "2025-05-31T23:59:59Z",
        ),
        (
            "f starts at the end",
            "2025-06-30T23:59:59Z",
            "2025-07-01T01:00:00Z",
        ),
        (
            "g starts after",
            "2025-07-01T00:00:00Z",
            "2025-07-01T01:00:00Z",
        ),
        (
            "h spans the window",
            "2025-05-01T00:00:00Z",
            "2025-07-31T00:00:00Z",
        ),
    ] {
        create(app, &cast.creator, named(c, name, start, end)).await;
    }
    let listed = view(app, &cast, "2025-06-01T00:00:00Z", "2025-06-30T23:59:59Z").await;
    assert_eq!(
        listed,
        [
            "a ten days",
            "b 23 hours",
            "c one day to the start",
            "d three days to the start",
            "f starts at the end",
            "h spans the window"
        ]
    );
    let (total, _) = search(
        app,
        &cast,
        "startedAt=2025-06-01T00:00:00Z&endedAt=2025-06-30T23:59:59Z",
    )
    .await;
    assert_eq!(total, 6, "the search's date filter agrees with the view");
}

async fn names_match_case_insensitively_beyond_ascii(app: &TestApp) {
    let cast = Cast::new(app).await;
    let c = cast.calendar;
    for name in ["Événement Über", "STRASSE fest", "Ünïcode ÅÄÖ"] {
        let body = named(c, name, "2025-04-01T09:00:00Z", "2025-04-01T10:00:00Z");
        create(app, &cast.creator, body).await;
    }
    assert_eq!(search(app, &cast, "name=%C3%A9V%C3%89N").await.0, 1);
    assert_eq!(search(app, &cast, "name=%C3%BCber").await.0, 1);
    assert_eq!(search(app, &cast, "name=%C3%A5%C3%A4%C3%B6").await.0, 1);
    assert_eq!(search(app, &cast, "name=strasse").await.0, 1);
    // Lower-casing is not accent folding: "e" is not "é".
    assert_eq!(search(app, &cast, "name=evenement").await.0, 0);
}

async fn a_renamed_occurrence_is_found_by_its_own_name(app: &TestApp) {
    let cast = Cast::new(app).await;
    let weekly = ("2025-04-01T09:00:00Z", "2025-04-01T10:00:00Z");
    let id = create_series(
        app,
        &cast,
        "Weekly sync",
        weekly,
        "RRULE:FREQ=WEEKLY;COUNT=10",
    )
    .await;
    let path = format!("/api/events/{id}/occurrences/2025-04-15T09:00:00.000Z");
    let res = edit(app, &cast, &path, json!({"name": "Quarterly planning"})).await;
    assert!(res.status == 200 || res.status == 201, "{}", res.text());
    let april = "startedAt=2025-04-01T00:00:00Z&endedAt=2025-04-30T23:59:59Z";
    assert_eq!(
        search(app, &cast, &format!("name=quarterly&{april}")).await,
        (1, vec!["Quarterly planning".to_string()])
    );
    // Outside the renamed occurrence's window the series does not match by that name.
    let may = "startedAt=2025-05-01T00:00:00Z&endedAt=2025-05-31T23:59:59Z";
    assert_eq!(
        search(app, &cast, &format!("name=quarterly&{may}")).await.0,
        0
    );
    // Unexpanded, a series is matched by its own name only.
    assert_eq!(search(app, &cast, "name=quarterly").await.0, 0);
    let (total, names) = search(app, &cast, &format!("name=weekly&{april}")).await;
    assert_eq!(total, 1);
    assert_eq!(names.len(), 4, "five April occurrences, one renamed away");
}

async fn a_split_series_is_found_under_its_new_name(app: &TestApp) {
    let cast = Cast::new(app).await;
    let daily = ("2025-04-01T06:00:00Z", "2025-04-01T07:00:00Z");
    let id = create_series(
        app,
        &cast,
        "Morning run",
        daily,
        "RRULE:FREQ=DAILY;COUNT=30",
    )
    .await;
    let path = format!("/api/events/{id}?scope=following&from=2025-04-11T06:00:00.000Z");
    let res = edit(app, &cast, &path, json!({"name": "Evening run"})).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let early = "startedAt=2025-04-01T00:00:00Z&endedAt=2025-04-10T23:59:59Z";
    let late = "startedAt=2025-04-20T00:00:00Z&endedAt=2025-04-21T23:59:59Z";
    assert_eq!(
        search(app, &cast, &format!("name=run&{early}"))
            .await
            .1
            .len(),
        10
    );
    assert_eq!(
        search(app, &cast, &format!("name=run&{late}")).await,
        (
            1,
            vec!["Evening run".to_string(), "Evening run".to_string()]
        )
    );
    assert_eq!(
        search(app, &cast, &format!("name=morning&{late}")).await.0,
        0
    );
    assert_eq!(search(app, &cast, "name=run").await.0, 2);
    let listed = view(app, &cast, "2025-04-10T00:00:00Z", "2025-04-11T23:59:59Z").await;
    assert_eq!(listed, ["Evening run", "Morning run"]);
    super::grams::assert_postings(&app.state.db).await;
}

/// A member's confirmation (M6) copies every event of the calendar into new participations
/// while the events are renamed at once. Each copy is read under the event's lock, so none
/// keeps a name from before a rename that committed first (on MySQL a plain read could see
/// such a snapshot, and the rename's own copy would miss the participation not yet committed).
async fn a_member_confirmed_during_renames_lists_the_new_names(app: &TestApp) {
    let cast = Cast::new(app).await;
    let mut ids = Vec::new();
    for k in 0..12 {
        let body = named(
            cast.calendar,
            &format!("Before {k}"),
            "2025-04-01T09:00:00Z",
            "2025-04-01T10:00:00Z",
        );
        ids.push(create(app, &cast.creator, body).await["id"].clone());
    }
    let token = app
        .calendar_invitation_token(cast.calendar, &cast.pending)
        .await;
    app.warm_pool().await;
    let confirm = app
        .request(
            Method::POST,
            &format!("/api/calendars/0/members/confirm-calendar/{token}"),
        )
        .spawn();
    let renames: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            app.request(Method::PATCH, &format!("/api/events/{id}"))
                .as_user(&cast.creator)
                .json(&json!({"name": format!("After {k}")}))
                .spawn()
        })
        .collect();
    let res = confirm.await;
    assert_eq!(res.status, 201, "{}", res.text());
    for r in renames {
        let r = r.await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let path = |q: &str| format!("/api/users/{}/events?{q}&limit=100", cast.pending.id);
    for (q, total) in [("name=after", 12), ("name=before", 0)] {
        let res = app
            .request(Method::GET, &path(q))
            .as_user(&cast.pending)
            .send()
            .await;
        assert_eq!(res.json()["total"], total, "{q}: {}", res.text());
    }
    super::grams::assert_postings(&app.state.db).await;
}

/// A database migrated to version 6 with events in it gets its copies from migration 7: names
/// keyed as Rust keys them (the non-ASCII ones by `Db::migrate`), long events marked long; and
/// their name trigrams from migration 8.
async fn migration_seven_copies_existing_events(url: &str) {
    use shared::db::Db;
    let db = Db::connect(url, 2, false).await.expect("database");
    let six = |mut m: sqlx::migrate::Migrator| {
        m.migrations = m
            .migrations
            .iter()
            .filter(|x| x.version < 7)
            .cloned()
            .collect();
        m
    };
    match &db {
        Db::MySql(p) => six(sqlx::migrate!("../../migrations/mysql")).run(p).await,
        Db::Sqlite(p, _) => six(sqlx::migrate!("../../migrations/sqlite")).run(p).await,
    }
    .expect("migrations 1-6");
    let mut c = db.acquire().await.unwrap();
    let rows = [
        "INSERT INTO users (id, first_name, email, email_key, password_hash, profile_picture_name, \
         country_code, time_zone, email_verified, created_at, updated_at) VALUES (1, 'Old', \
         'old@example.com', 'old@example.com', 'x', 'default-avatar.png', 'UA', 'Europe/Kyiv', \
         TRUE, 1, 1)",
        "INSERT INTO calendars (id, creator_id, name, created_at, updated_at) VALUES (1, 1, 'M', 1, 1)",
        "INSERT INTO calendar_members (id, calendar_id, user_id, calendar_type, role, color, \
         is_visible, is_confirmed, created_at, updated_at) VALUES (1, 1, 1, 'main', 'owner', \
         '#000000', TRUE, TRUE, 1, 1)",
        "INSERT INTO events (id, calendar_id, creator_id, name, category, event_type, started_at, \
         ended_at, time_zone, all_day, recurrence, reminders, color, range_end, version, \
         created_at, updated_at) VALUES \
         (1, 1, 1, 'Plain MEETING', 'work', 'arrangement', 1000, 3601000, 'UTC', FALSE, NULL, \
          '[]', '#000000', 3601000, 1, 11, 11), \
         (2, 1, 1, 'Ärger İstanbul', 'work', 'reminder', 0, 172800000, 'UTC', FALSE, NULL, \
          '[]', '#000000', 172800000, 1, 12, 12), \
         (3, 1, 1, 'Daily', 'work', 'arrangement', 0, 60000, 'UTC', FALSE, \
          '[\"RRULE:FREQ=DAILY\"]', '[]', '#000000', NULL, 1, 13, 13)",
        "INSERT INTO event_participations (calendar_member_id, event_id, color, response_status, \
         created_at, updated_at) VALUES (1, 1, '#000000', NULL, 1, 1), \
         (1, 2, '#000000', 'accepted', 1, 1), (1, 3, '#000000', NULL, 1, 1)",
    ];
    for sql in rows {
        shared::execute!(c, sql).expect(sql);
    }
    drop(c);
    db.migrate().await.expect("migration 7");
    let mut c = db.acquire().await.unwrap();
    type Copy = (i64, i64, i64, Option<i64>, bool, String, bool);
    let got: Vec<Copy> = shared::fetch_all!(
        c,
        Copy,
        "SELECT event_id, event_created_at, event_started_at, event_range_end, event_long, \
         event_type, event_recurring FROM event_participations ORDER BY event_id"
    )
    .unwrap();
    assert_eq!(
        got,
        vec![
            (
                1,
                11,
                1000,
                Some(3_601_000),
                false,
                "arrangement".into(),
                false
            ),
            (2, 12, 0, Some(172_800_000), true, "reminder".into(), false),
            (3, 13, 0, None, true, "arrangement".into(), true),
        ]
    );
    let key = |s: &str| s.to_lowercase();
    for (id, name) in [(1, "Plain MEETING"), (2, "Ärger İstanbul"), (3, "Daily")] {
        let n: i64 = shared::fetch_scalar!(
            c,
            i64,
            "SELECT COUNT(*) FROM event_participations WHERE event_id = ? AND event_name_key = ?",
            id,
            key(name)
        )
        .unwrap();
        assert_eq!(n, 1, "{name} is keyed as Rust keys it");
    }
    assert_eq!(key("Ärger İstanbul"), "ärger i\u{307}stanbul");
    drop(c);
    // Migration 8 wrote their trigram postings.
    super::grams::assert_postings(&db).await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_seven_copies_existing_events_on_sqlite() {
    let db = TestDatabase::create(Backend::Sqlite).await.unwrap();
    migration_seven_copies_existing_events(&db.url).await;
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_seven_copies_existing_events_on_mysql() {
    let Some(db) = TestDatabase::create(Backend::MySql).await else {
        eprintln!("skipped: CHRONOS_TEST_MYSQL_URL is not set");
        return;
    };
    migration_seven_copies_existing_events(&db.url).await;
    db.drop_database().await;
}
