//! One reminders sweep over 100,000 events (10,000 of them recurring, 3 offsets each) with 50
//! triggers due (issue 10). The events, participations and triggers are seeded with bulk SQL
//! equal to the rows the API writes; each measured sweep starts from the same 50 due triggers.
//!
//! Run: `cargo bench -p reminders --bench sweep` (SQLite), or with
//! `CHRONOS_BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/chronos_bench_sweep` for MariaDB (the
//! database is created empty by the run). Target: under 50 ms a sweep on both.
//!
//! Database round trips of one sweep: 2 (back-fill cursor, due triggers) + 2 × 2 (begin and
//! commit of two chunks of 25) + 50 × 7 (lock the event, its overrides, the claim, recipients,
//! calendar, delivery record, outbox row) + 1 (the outbox re-queue check) = 357.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use shared::clock::Clock;
use shared::config::{Config, Mode};
use shared::db::{Backend, Db};
use shared::jobs::Queue;
use shared::mail::LogMailer;

const EVENTS: i64 = 100_000;
const RECURRING: i64 = 10_000;
const DUE: i64 = 50;
const MINUTE: i64 = 60_000;

/// 2026-06-01T00:00Z: the instant the measured sweeps run at (plus 30 s).
const T: i64 = 1_780_272_000_000;

async fn state(url: &str, dir: &std::path::Path) -> shared::AppState {
    let mut vars = shared::testing::test_vars(dir);
    vars.insert("DATABASE_URL".into(), url.into());
    let config = Config::from_vars(Mode::Local, &vars).unwrap();
    let db = Db::connect(config.database_url(), 4, false).await.unwrap();
    db.migrate().await.unwrap();
    let queue = Queue::Background(Arc::new(tokio::sync::Notify::new()));
    shared::AppState::new(config, db, Clock::system(), Arc::new(LogMailer), queue).unwrap()
}

/// Runs one statement on either pool.
async fn exec(db: &Db, sql: &str) {
    match db {
        Db::MySql(p) => drop(sqlx::query(sql).execute(p).await.unwrap()),
        Db::Sqlite(p, _) => drop(sqlx::query(sql).execute(p).await.unwrap()),
    }
}

/// One user with one calendar; 100,000 events in it with the user's participation; their
/// triggers. The first 50 events start at T + 60 min: their 60-minute reminders are due at T.
async fn seed(db: &Db) {
    let now = T - 86_400_000;
    exec(
        db,
        &format!(
            "INSERT INTO users (id, first_name, email, email_key, password_hash, \
        profile_picture_name, country_code, time_zone, email_verified, created_at, updated_at) \
        VALUES (1, 'Bench', 'bench@example.com', 'bench@example.com', 'x', 'default-avatar.png', \
        'UA', 'Europe/Kyiv', TRUE, {now}, {now})"
        ),
    )
    .await;
    exec(
        db,
        &format!(
            "INSERT INTO calendars (id, creator_id, name, created_at, updated_at) \
        VALUES (1, 1, 'Bench', {now}, {now})"
        ),
    )
    .await;
    exec(
        db,
        &format!(
            "INSERT INTO calendar_members (id, calendar_id, user_id, calendar_type, \
        role, color, is_visible, is_confirmed, created_at, updated_at) \
        VALUES (1, 1, 1, 'additional', 'owner', '#123456', TRUE, TRUE, {now}, {now})"
        ),
    )
    .await;
    for chunk in (1..=EVENTS).collect::<Vec<_>>().chunks(500) {
        let (mut events, mut parts, mut triggers) = (Vec::new(), Vec::new(), Vec::new());
        for &id in chunk {
            // A due event's 60-minute trigger is at T, its other two later; every other
            // trigger is an hour or more after T.
            let start = if id <= DUE {
                T + 60 * MINUTE
            } else {
                T + 2 * 3_600_000 + (id % 8760) * 3_600_000
            };
            let recurring = id > EVENTS - RECURRING;
            let (recurrence, range_end) = if recurring {
                ("'[\"RRULE:FREQ=WEEKLY\"]'".to_string(), "NULL".to_string())
            } else {
                ("NULL".to_string(), (start + 3_600_000).to_string())
            };
            events.push(format!(
                "({id}, 1, 1, 'Event {id}', NULL, 'work', 'reminder', {start}, \
                {}, NULL, NULL, 'Europe/Kyiv', FALSE, {recurrence}, '[5,30,60]', '#123456', \
                {range_end}, 1, {now}, {now})",
                start + 3_600_000
            ));
            parts.push(format!(
                "({id}, 1, {id}, '#123456', 'accepted', {now}, {now})"
            ));
            for off in [5, 30, 60] {
                triggers.push(format!("({id}, {off}, {})", start - off * MINUTE));
            }
        }
        exec(
            db,
            &format!(
                "INSERT INTO events (id, calendar_id, creator_id, name, description, \
            category, event_type, started_at, ended_at, start_date, end_date, time_zone, all_day, \
            recurrence, reminders, color, range_end, version, created_at, updated_at) VALUES {}",
                events.join(",")
            ),
        )
        .await;
        exec(
            db,
            &format!(
                "INSERT INTO event_participations (id, calendar_member_id, event_id, \
            color, response_status, created_at, updated_at) VALUES {}",
                parts.join(",")
            ),
        )
        .await;
        exec(
            db,
            &format!(
                "INSERT INTO event_triggers (event_id, offset_minutes, next_at) VALUES {}",
                triggers.join(",")
            ),
        )
        .await;
    }
    exec(db, "UPDATE job_cursors SET position = until_id").await;
}

/// Puts the 50 due triggers back as they were before a sweep fired them.
async fn reset(db: &Db) {
    exec(
        db,
        &format!("DELETE FROM event_triggers WHERE event_id <= {DUE}"),
    )
    .await;
    exec(db, "DELETE FROM reminder_deliveries").await;
    exec(db, "DELETE FROM outbox").await;
    let rows: Vec<String> = (1..=DUE)
        .flat_map(|id| {
            [5, 30, 60].map(|off| format!("({id}, {off}, {})", T + 60 * MINUTE - off * MINUTE))
        })
        .collect();
    exec(
        db,
        &format!(
            "INSERT INTO event_triggers (event_id, offset_minutes, next_at) VALUES {}",
            rows.join(",")
        ),
    )
    .await;
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (url, name) = match std::env::var("CHRONOS_BENCH_MYSQL_URL") {
        Ok(u) if !u.is_empty() => (u, "MariaDB"),
        _ => (
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            ),
            "SQLite",
        ),
    };
    if Backend::of_url(&url).unwrap() == Backend::MySql {
        let (server, db) = url.rsplit_once('/').unwrap();
        rt.block_on(async {
            let admin = Db::connect(&format!("{server}/mysql"), 1, false)
                .await
                .unwrap();
            exec(&admin, &format!("DROP DATABASE IF EXISTS {db}")).await;
            exec(
                &admin,
                &format!("CREATE DATABASE {db} CHARACTER SET utf8mb4"),
            )
            .await;
        });
    }
    let state = rt.block_on(state(&url, dir.path()));
    let seeded = Instant::now();
    rt.block_on(seed(&state.db));
    eprintln!(
        "seeded {EVENTS} events on {name} in {:.1?}",
        seeded.elapsed()
    );
    let now = T + 30_000;
    rt.block_on(reset(&state.db));
    let first = rt.block_on(reminders::run(&state, now)).unwrap();
    assert_eq!(
        (first.due, first.queued),
        (DUE as usize, DUE as usize),
        "{first:?}"
    );
    c.bench_function(&format!("one sweep, 100k events, 50 due ({name})"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                rt.block_on(reset(&state.db));
                let t = Instant::now();
                let r = rt.block_on(reminders::run(&state, now)).unwrap();
                total += t.elapsed();
                assert_eq!(r.queued, DUE as usize);
            }
            total
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(10));
    targets = bench
}
criterion_main!(benches);
