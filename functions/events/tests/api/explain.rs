//! Indexes proven, not assumed (issue 11): on MariaDB, every hot query's plan reads each table
//! through the index it was built for, never by a scan. The data is a user with five calendars
//! and 3,000 events (one in ten a series, one in four a task), among 300 other users, all written by the repositories the
//! API uses, so the optimizer's statistics look like a real database's.

use shared::db::calendars::{self, NewMember};
use shared::db::events::{self, EventFields, NewEvent, OverrideFields, Task};
use shared::db::explain::{Bind, HotQuery, Sample, hot_queries};
use shared::db::participations;
use shared::db::users::{self, NewUser};
use shared::domain::kinds::{CalendarKind, EventKind, ResponseStatus, Role};
use sqlx::Row;

use super::helpers::*;

const DAY: i64 = 86_400_000;
/// 2025-01-01T00:00:00Z.
const Y2025: i64 = 1_735_689_600_000;

fn fields(n: i64, color: &str) -> EventFields {
    let recurring = n % 10 == 0;
    let start = Y2025 + (n % 365) * DAY + (n % 12) * 3_600_000;
    EventFields {
        name: format!("Event {n}"),
        description: None,
        category: "work".into(),
        kind: match n % 4 {
            1 => EventKind::Task,
            3 => EventKind::Reminder,
            _ => EventKind::Arrangement,
        },
        started_at: start,
        ended_at: start + 2_700_000,
        start_date: None,
        end_date: None,
        time_zone: "Europe/Kyiv".into(),
        all_day: false,
        recurrence: recurring.then(|| vec!["RRULE:FREQ=WEEKLY".to_string()]),
        reminders: vec![15],
        color: color.into(),
        range_end: (!recurring).then_some(start + 2_700_000),
    }
}

/// Seeds 3,000 events over five calendars of `user`; returns the sample the queries run with.
async fn seed(app: &TestApp, user: &TestUser) -> Sample {
    let mut cals = vec![main_calendar(app, user).await];
    for i in 0..4 {
        let res = app
            .request(Method::POST, "/api/calendars")
            .as_user(user)
            .json(&json!({"name": format!("Planner {i}"), "color": "#123456"}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        cals.push(res.json()["id"].as_i64().unwrap());
    }
    let mut members = Vec::new();
    for &cal in &cals {
        members.push(membership(app, user, cal).await);
    }
    let now = app.clock.now_ms();
    let mut tx = app.state.db.begin().await.unwrap();
    let mut ids = Vec::new();
    for n in 0..3000_i64 {
        let k = usize::try_from((n / 10) % 5).unwrap();
        let new = NewEvent {
            calendar_id: cals[k],
            creator_id: user.id,
            fields: fields(n, "#123456"),
        };
        let id = events::insert(&mut tx, &new, now + n).await.unwrap();
        let e = events::find_by_id(&mut tx, id).await.unwrap().unwrap();
        let status = (e.kind != EventKind::Arrangement).then_some(ResponseStatus::Accepted);
        if e.kind == EventKind::Task {
            let task = Task {
                event_id: id,
                is_completed: n % 3 == 0,
                priority: Some("medium".into()),
                created_at: now,
                updated_at: now,
            };
            events::insert_task(&mut tx, &task).await.unwrap();
        }
        participations::insert(&mut tx, members[k], id, &e.color, status, now)
            .await
            .unwrap();
        shared::jobs::triggers::refresh(&mut tx, id, now)
            .await
            .unwrap();
        if e.recurrence.is_some() && n % 30 == 0 {
            let renamed = OverrideFields {
                name: Some(format!("Renamed {n}")),
                ..OverrideFields::default()
            };
            events::put_override(&mut tx, id, e.started_at + 7 * DAY, &renamed, now)
                .await
                .unwrap();
        }
        ids.push(id);
    }
    others(&mut tx, now).await;
    tx.commit().await.unwrap();
    Sample {
        user_id: user.id,
        email_key: user.email.to_lowercase(),
        calendar_id: cals[1],
        member_id: members[1],
        event_ids: ids.into_iter().step_by(150).collect(),
        from: Y2025 + 151 * DAY,
        to: Y2025 + 181 * DAY - 1,
        now: now + 400 * DAY,
    }
}

/// The rest of the database: 300 other users with a main and a holiday calendar each, and 500
/// series of theirs with four renamed occurrences each, so no table is small enough for a scan
/// to be the optimizer's cheapest plan.
async fn others(tx: &mut shared::db::Tx, now: i64) {
    for u in 0..300 {
        let email = format!("other{u}@example.com");
        let new = NewUser {
            first_name: "Other",
            last_name: None,
            email: &email,
            password_hash: "not a hash",
            country_code: "UA",
            time_zone: "Europe/Kyiv",
        };
        let id = users::insert(&mut *tx, &new, now).await.unwrap();
        let mut home = 0;
        for kind in [CalendarKind::Main, CalendarKind::Holiday] {
            let cal = calendars::insert(&mut *tx, id, "Own", None, now)
                .await
                .unwrap();
            let m = NewMember {
                calendar_id: cal,
                user_id: id,
                calendar_type: kind,
                role: Role::Owner,
                color: "#4285F4",
                is_confirmed: true,
            };
            let member = calendars::insert_member(&mut *tx, &m, now).await.unwrap();
            if kind == CalendarKind::Main {
                home = cal;
                if u < 100 {
                    for n in 0..5 {
                        other_series(tx, (id, cal, member), n * 10, now).await;
                    }
                }
            }
        }
        assert!(home > 0);
    }
}

/// A series of another user, with four renamed occurrences.
async fn other_series(
    tx: &mut shared::db::Tx,
    (user, cal, member): (i64, i64, i64),
    n: i64,
    now: i64,
) {
    let new = NewEvent {
        calendar_id: cal,
        creator_id: user,
        fields: fields(n, "#4285F4"),
    };
    let id = events::insert(&mut *tx, &new, now).await.unwrap();
    let e = events::find_by_id(&mut *tx, id).await.unwrap().unwrap();
    participations::insert(&mut *tx, member, id, &e.color, None, now)
        .await
        .unwrap();
    for week in 1..=4 {
        let renamed = OverrideFields {
            name: Some(format!("Renamed {week}")),
            ..OverrideFields::default()
        };
        events::put_override(&mut *tx, id, e.started_at + week * 7 * DAY, &renamed, now)
            .await
            .unwrap();
    }
}

/// One row of a plan: the table (its alias), the access type, the index and the notes.
#[derive(Clone, Debug)]
struct Step {
    table: String,
    access: String,
    key: Option<String>,
    extra: String,
}

async fn explain(pool: &sqlx::MySqlPool, q: &HotQuery) -> Vec<Step> {
    let sql = format!("EXPLAIN {}", q.sql);
    let mut query = sqlx::query(&sql);
    for a in &q.args {
        query = match a {
            Bind::Int(i) => query.bind(*i),
            Bind::Text(s) => query.bind(s.clone()),
            Bind::Null => query.bind(None::<i64>),
        };
    }
    let text = |r: &sqlx::mysql::MySqlRow, c: &str| -> Option<String> {
        r.try_get::<Option<String>, _>(c)
            .or_else(|_| {
                r.try_get::<Option<Vec<u8>>, _>(c)
                    .map(|b| b.map(|b| String::from_utf8_lossy(&b).into_owned()))
            })
            .unwrap()
    };
    query
        .fetch_all(pool)
        .await
        .unwrap_or_else(|e| panic!("EXPLAIN {}: {e}", q.name))
        .iter()
        .filter_map(|r| {
            Some(Step {
                table: text(r, "table")?,
                access: text(r, "type").unwrap_or_default(),
                key: text(r, "key"),
                extra: text(r, "Extra").unwrap_or_default(),
            })
        })
        .collect()
}

/// What is wrong with a plan, if anything.
fn faults(q: &HotQuery, plan: &[Step]) -> Vec<String> {
    let mut out = Vec::new();
    for step in plan {
        if q.derived && step.table.starts_with("<derived") {
            continue;
        }
        let Some((_, allowed)) = q.keys.iter().find(|(t, _)| *t == step.table) else {
            out.push(format!("reads table {} it should not", step.table));
            continue;
        };
        if step.access == "ALL" || step.access == "index" {
            out.push(format!("scans {} (type {})", step.table, step.access));
        }
        if !step.key.as_deref().is_some_and(|k| allowed.contains(&k)) {
            out.push(format!(
                "reads {} through {:?}, not {allowed:?}",
                step.table, step.key
            ));
        }
        if step.extra.contains("join buffer") {
            out.push(format!("joins {} by buffer (a scan)", step.table));
        }
        let index_only = step.extra.split("; ").any(|x| x == "Using index");
        if q.covering.contains(&step.table.as_str()) && !index_only {
            out.push(format!("does not read {} from the index alone", step.table));
        }
    }
    for (table, _) in &q.keys {
        if !plan.iter().any(|s| s.table == *table) {
            out.push(format!("has no step for {table}"));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hot_query_reads_its_index_on_mysql() {
    let Some(app) = spawn(Backend::MySql).await else {
        eprintln!("skipped: CHRONOS_TEST_MYSQL_URL is not set");
        return;
    };
    let shared::db::Db::MySql(pool) = app.state.db.clone() else {
        unreachable!("a MySQL app");
    };
    let user = app.signed_up("Planner").await;
    let sample = seed(&app, &user).await;
    sqlx::query(
        "ANALYZE TABLE users, calendars, calendar_members, events, event_participations, \
         event_overrides, event_triggers, tasks, participation_grams",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut report = Vec::new();
    for q in hot_queries(&sample) {
        let plan = explain(&pool, &q).await;
        for fault in faults(&q, &plan) {
            report.push(format!("{}: {fault}\n  plan: {plan:?}", q.name));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
    app.finish().await;
}

/// The check itself: a plan that scans, or reads through another index, is reported.
#[test]
fn a_scan_or_another_index_is_a_fault() {
    let q = HotQuery {
        name: "q",
        sql: String::new(),
        args: Vec::new(),
        keys: vec![("p", &["good_idx"])],
        covering: &["p"],
        derived: false,
    };
    let step = |access: &str, key: Option<&str>, extra: &str| Step {
        table: "p".into(),
        access: access.into(),
        key: key.map(str::to_string),
        extra: extra.into(),
    };
    assert!(
        faults(
            &q,
            &[step("ref", Some("good_idx"), "Using where; Using index")]
        )
        .is_empty()
    );
    assert_eq!(faults(&q, &[step("ALL", None, "Using where")]).len(), 3);
    assert_eq!(
        faults(
            &q,
            &[step("ref", Some("other_idx"), "Using index condition")]
        )
        .len(),
        2
    );
    assert_eq!(faults(&q, &[]), vec!["has no step for p".to_string()]);
    // A derived table is read whole only where the query's derived tables are bounded.
    let derived = Step {
        table: "<derived2>".into(),
        ..step("ALL", None, "")
    };
    let good = step("ref", Some("good_idx"), "Using index");
    assert_eq!(faults(&q, &[derived.clone(), good.clone()]).len(), 1);
    let bounded = HotQuery { derived: true, ..q };
    assert!(faults(&bounded, &[derived, good]).is_empty());
}
