//! Parallel requests (issue 8): on MariaDB a transaction reads a snapshot, so these are the
//! races SQLite's serialised writers never show. Each test fires its requests at once and
//! asserts the exact outcome counts, on both databases.

use super::helpers::*;
use shared::testing::{concurrently, status_counts};
use std::collections::BTreeMap;

const N: usize = 10;

fn counts(pairs: &[(u16, usize)]) -> BTreeMap<u16, usize> {
    pairs.iter().copied().collect()
}

fn daily(cal: i64) -> Value {
    json!({"type": "arrangement", "name": "Stand-up", "category": "work",
        "startedAt": "2025-04-01T09:00:00.000Z", "endedAt": "2025-04-01T09:15:00.000Z",
        "calendarId": cal, "recurrence": ["RRULE:FREQ=DAILY;COUNT=30"]})
}

/// An additional calendar of the cast's owner, for a test to delete while others use it.
async fn doomed_calendar(app: &TestApp, cast: &Cast) -> i64 {
    let body = json!({"name": "Doomed", "color": "#33B679"});
    let res = app
        .request(Method::POST, "/api/calendars")
        .as_user(&cast.creator)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_i64().unwrap()
}

shared::db_tests!(
    spawn,
    parallel_patches_with_one_if_match_let_exactly_one_through,
    parallel_deletes_with_one_if_match_delete_once,
    parallel_cancellations_of_different_occurrences_keep_every_exdate,
    parallel_renames_without_if_match_all_apply_in_turn,
    parallel_clicks_of_one_calendar_invitation_confirm_it_once,
    events_created_while_their_calendar_is_deleted_get_201_or_403_never_500,
    parallel_invitations_of_one_user_make_one_participation,
    a_series_split_while_its_calendar_is_deleted_gets_200_or_404_never_500,
    events_deleted_while_their_calendar_is_deleted_never_deadlock
);

async fn parallel_patches_with_one_if_match_let_exactly_one_through(app: &TestApp) {
    let cast = Cast::new(app).await;
    let res = app
        .request(Method::POST, "/api/events")
        .as_user(&cast.creator)
        .json(&arrangement(cast.calendar, &[]))
        .send()
        .await;
    let tag = res.header("etag").unwrap().to_string();
    let path = format!("/api/events/{}", res.json()["id"]);

    app.warm_pool().await;
    let all = concurrently((0..N).map(|i| {
        app.request(Method::PATCH, &path)
            .bearer(&cast.editor.access)
            .header("if-match", &tag)
            .json(&json!({"name": format!("Rename {i}")}))
            .spawn()
    }))
    .await;

    assert_eq!(status_counts(&all), counts(&[(200, 1), (412, N - 1)]));
    for r in all.iter().filter(|r| r.status == 412) {
        r.assert_error(412, json!("The event has been modified"));
    }
    let winner = all.iter().find(|r| r.status == 200).unwrap();
    let now = app
        .request(Method::GET, &path)
        .as_user(&cast.creator)
        .send()
        .await;
    assert_eq!(
        now.json()["name"],
        winner.json()["name"],
        "the winner's change is stored"
    );
    assert_eq!(
        now.header("etag"),
        winner.header("etag"),
        "exactly one version step"
    );
}

async fn parallel_deletes_with_one_if_match_delete_once(app: &TestApp) {
    let cast = Cast::new(app).await;
    let res = app
        .request(Method::POST, "/api/events")
        .as_user(&cast.creator)
        .json(&arrangement(cast.calendar, &[]))
        .send()
        .await;
    let tag = res.header("etag").unwrap().to_string();
    let path = format!("/api/events/{}", res.json()["id"]);

    app.warm_pool().await;
    let all = concurrently((0..N).map(|_| {
        app.request(Method::DELETE, &path)
            .bearer(&cast.creator.access)
            .header("if-match", &tag)
            .spawn()
    }))
    .await;

    assert_eq!(status_counts(&all), counts(&[(200, 1), (404, N - 1)]));
    for r in all.iter().filter(|r| r.status == 404) {
        r.assert_error(404, json!("Event not found"));
    }
}

async fn parallel_cancellations_of_different_occurrences_keep_every_exdate(app: &TestApp) {
    let cast = Cast::new(app).await;
    let e = create(app, &cast.creator, daily(cast.calendar)).await;
    let id = e["id"].as_i64().unwrap();

    app.warm_pool().await;
    let all = concurrently((0..N).map(|day| {
        let path = format!(
            "/api/events/{id}/occurrences/2025-04-{:02}T09:00:00.000Z",
            day + 2
        );
        app.request(Method::DELETE, &path)
            .bearer(&cast.creator.access)
            .spawn()
    }))
    .await;

    assert_eq!(status_counts(&all), counts(&[(200, N)]));
    let stored = app
        .request(Method::GET, &format!("/api/events/{id}"))
        .as_user(&cast.creator)
        .send()
        .await
        .json();
    let exdates: Vec<&str> = stored["recurrence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|l| l.starts_with("EXDATE"))
        .collect();
    assert_eq!(exdates.len(), N, "no cancellation lost: {exdates:?}");
}

async fn parallel_renames_without_if_match_all_apply_in_turn(app: &TestApp) {
    let cast = Cast::new(app).await;
    let e = create(app, &cast.creator, arrangement(cast.calendar, &[])).await;
    let path = format!("/api/events/{}", e["id"]);
    let before = app
        .request(Method::GET, &path)
        .as_user(&cast.creator)
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_string();

    app.warm_pool().await;
    let all = concurrently((0..N).map(|i| {
        let body = json!({"name": format!("Rename {i}")});
        app.request(Method::PATCH, &path)
            .bearer(&cast.editor.access)
            .json(&body)
            .spawn()
    }))
    .await;

    assert_eq!(status_counts(&all), counts(&[(200, N)]));
    let mut tags: Vec<&str> = all.iter().map(|r| r.header("etag").unwrap()).collect();
    tags.sort_unstable();
    tags.dedup();
    assert_eq!(tags.len(), N, "each write got its own version");
    let after = app
        .request(Method::GET, &path)
        .as_user(&cast.creator)
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_string();
    assert_eq!(
        after,
        before.replace("v1", &format!("v{}", N + 1)),
        "{before} -> {after}"
    );
}

async fn parallel_clicks_of_one_calendar_invitation_confirm_it_once(app: &TestApp) {
    let cast = Cast::new(app).await;
    create(app, &cast.creator, arrangement(cast.calendar, &[])).await;
    create(
        app,
        &cast.creator,
        json!({"type": "reminder", "name": "Rent", "category": "home",
        "startedAt": "2025-04-03T09:00:00.000Z", "endedAt": "2025-04-03T09:00:00.000Z",
        "calendarId": cast.calendar}),
    )
    .await;
    app.invite_to_calendar(&cast.creator, cast.calendar, &cast.guest, "viewer")
        .await;
    let token = app
        .calendar_invitation_token(cast.calendar, &cast.guest)
        .await;
    let path = format!(
        "/api/calendars/{}/members/confirm-calendar/{token}",
        cast.calendar
    );

    app.warm_pool().await;
    let all = concurrently((0..N).map(|_| app.request(Method::POST, &path).spawn())).await;

    assert_eq!(
        status_counts(&all),
        counts(&[(201, N)]),
        "idempotent: {}",
        all[0].text()
    );
    assert!(all.iter().all(|r| r.json()["isConfirmed"] == true));
    let member = membership(app, &cast.guest, cast.calendar).await;
    let mut c = app.state.db.acquire().await.unwrap();
    let n: i64 = shared::with_conn!(&mut c, |x| sqlx::query_scalar(
        "SELECT COUNT(*) FROM event_participations WHERE calendar_member_id = ?"
    )
    .bind(member)
    .fetch_one(x)
    .await)
    .unwrap();
    assert_eq!(n, 2, "one participation per event, none twice");
}

async fn events_created_while_their_calendar_is_deleted_get_201_or_403_never_500(app: &TestApp) {
    let cast = Cast::new(app).await;
    let cal = doomed_calendar(app, &cast).await;
    let delete = format!("/api/calendars/{cal}");

    app.warm_pool().await;
    let creates = concurrently((0..N).map(|_| {
        let body = arrangement(cal, &[]);
        app.request(Method::POST, "/api/events")
            .bearer(&cast.creator.access)
            .json(&body)
            .spawn()
    }));
    let deleting = app
        .request(Method::DELETE, &delete)
        .bearer(&cast.creator.access)
        .spawn();
    let (all, deleted) = tokio::join!(creates, deleting);

    assert_eq!(deleted.status, 200, "{}", deleted.text());
    let c = status_counts(&all);
    assert_eq!(
        c.keys().copied().filter(|s| *s != 201 && *s != 403).count(),
        0,
        "{c:?}"
    );
    assert_eq!(c.values().sum::<usize>(), N);
    for r in all.iter().filter(|r| r.status == 403) {
        r.assert_error(403, json!("You do not have access to this calendar"));
    }
    for r in all.iter().filter(|r| r.status == 201) {
        let gone = app
            .request(Method::GET, &format!("/api/events/{}", r.json()["id"]))
            .as_user(&cast.creator)
            .send()
            .await;
        gone.assert_error(404, json!("Event not found"));
    }
}

async fn parallel_invitations_of_one_user_make_one_participation(app: &TestApp) {
    let cast = Cast::new(app).await;
    let e = create(app, &cast.creator, arrangement(cast.calendar, &[])).await;
    let path = format!("/api/events/{}/calendar-members", e["id"]);
    let body = json!({"calendarId": cast.calendar, "userId": cast.guest.id});
    app.warm_pool().await;

    let all = concurrently((0..N).map(|_| {
        app.request(Method::POST, &path)
            .bearer(&cast.creator.access)
            .json(&body)
            .spawn()
    }))
    .await;

    assert_eq!(
        status_counts(&all),
        counts(&[(201, N)]),
        "re-inviting is allowed: {}",
        all[0].text()
    );
    let main = main_calendar(app, &cast.guest).await;
    let member = membership(app, &cast.guest, main).await;
    let mut c = app.state.db.acquire().await.unwrap();
    let n: i64 = shared::with_conn!(&mut c, |x| sqlx::query_scalar(
        "SELECT COUNT(*) FROM event_participations WHERE calendar_member_id = ?"
    )
    .bind(member)
    .fetch_one(x)
    .await)
    .unwrap();
    assert_eq!(n, 1, "one participation, never a duplicate");
}

async fn a_series_split_while_its_calendar_is_deleted_gets_200_or_404_never_500(app: &TestApp) {
    let cast = Cast::new(app).await;
    let cal = doomed_calendar(app, &cast).await;
    let e = create(app, &cast.creator, daily(cal)).await;
    let split = format!(
        "/api/events/{}?scope=following&from=2025-04-05T09:00:00.000Z",
        e["id"]
    );
    app.warm_pool().await;

    let splitting = app
        .request(Method::PATCH, &split)
        .bearer(&cast.creator.access)
        .json(&json!({"name": "Later"}))
        .spawn();
    let deleting = app
        .request(Method::DELETE, &format!("/api/calendars/{cal}"))
        .bearer(&cast.creator.access)
        .spawn();
    let (split, deleted) = tokio::join!(splitting, deleting);

    assert_eq!(deleted.status, 200, "{}", deleted.text());
    assert!(
        split.status == 200 || split.status == 404,
        "{}: {}",
        split.status,
        split.text()
    );
    if split.status == 404 {
        split.assert_error(404, json!("Event not found"));
    }
}

async fn events_deleted_while_their_calendar_is_deleted_never_deadlock(app: &TestApp) {
    let cast = Cast::new(app).await;
    let cal = doomed_calendar(app, &cast).await;
    let mut paths = Vec::new();
    for _ in 0..N {
        let e = create(app, &cast.creator, arrangement(cal, &[cast.creator.id])).await;
        paths.push(format!("/api/events/{}", e["id"]));
    }
    app.warm_pool().await;

    let deletes = concurrently(paths.iter().map(|p| {
        app.request(Method::DELETE, p)
            .bearer(&cast.creator.access)
            .spawn()
    }));
    let deleting = app
        .request(Method::DELETE, &format!("/api/calendars/{cal}"))
        .bearer(&cast.creator.access)
        .spawn();
    let (all, deleted) = tokio::join!(deletes, deleting);

    assert_eq!(deleted.status, 200, "{}", deleted.text());
    let c = status_counts(&all);
    assert_eq!(
        c.keys().copied().filter(|s| *s != 200 && *s != 404).count(),
        0,
        "{c:?}"
    );
    for r in all.iter().filter(|r| r.status == 404) {
        r.assert_error(404, json!("Event not found"));
    }
}

shared::db_tests!(
    spawn,
    a_member_removed_while_deleting_their_tasks_never_gets_a_500
);

async fn a_member_removed_while_deleting_their_tasks_never_gets_a_500(app: &TestApp) {
    let cast = Cast::new(app).await;
    let mut paths = Vec::new();
    for i in 0..N {
        let body = json!({"type": "task", "name": format!("Task {i}"), "category": "work",
            "startedAt": "2025-04-01T09:00:00.000Z", "endedAt": "2025-04-01T09:00:00.000Z",
            "calendarId": cast.calendar});
        paths.push(format!(
            "/api/events/{}",
            create(app, &cast.editor, body).await["id"]
        ));
    }
    app.warm_pool().await;

    let deletes = concurrently(paths.iter().map(|p| {
        app.request(Method::DELETE, p)
            .bearer(&cast.editor.access)
            .spawn()
    }));
    let removal = format!(
        "/api/calendars/{}/members/{}",
        cast.calendar, cast.editor.id
    );
    let removing = app
        .request(Method::DELETE, &removal)
        .bearer(&cast.creator.access)
        .spawn();
    let (all, removed) = tokio::join!(deletes, removing);

    assert_eq!(removed.status, 200, "{}", removed.text());
    let c = status_counts(&all);
    let unexpected = c.keys().filter(|s| ![200, 403, 404].contains(*s)).count();
    assert_eq!(unexpected, 0, "{c:?}");
    for p in &paths {
        app.request(Method::GET, p)
            .as_user(&cast.creator)
            .send()
            .await
            .assert_error(404, json!("Event not found"));
    }
}

/// A request whose transaction InnoDB picks as a deadlock victim (or whose lock wait times out)
/// is run again (MySQL only). The test makes the deadlock itself: it holds event 2, lets a
/// calendar deletion lock event 1 and queue on event 2, then asks for event 1. InnoDB rolls
/// back the lighter transaction, the request's (the test's has written rows); the edge retries
/// it, and once the test rolls back, the retry deletes the calendar.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_loses_a_deadlock_is_retried_and_succeeds() {
    let Some(app) = spawn(Backend::MySql).await else {
        eprintln!("skipped: CHRONOS_TEST_MYSQL_URL is not set");
        return;
    };
    let shared::db::Db::MySql(pool) = app.state.db.clone() else {
        unreachable!("a MySQL app");
    };
    let cast = Cast::new(&app).await;
    let cal = doomed_calendar(&app, &cast).await;
    let first = create(&app, &cast.creator, arrangement(cal, &[])).await["id"]
        .as_i64()
        .unwrap();
    let second = create(&app, &cast.creator, arrangement(cal, &[])).await["id"]
        .as_i64()
        .unwrap();
    app.warm_pool().await;

    let mut t = pool.begin().await.unwrap();
    for i in 0..50 {
        sqlx::query("INSERT INTO login_failures (email_key, created_at) VALUES (?, ?)")
            .bind(format!("heavy{i}@example.com"))
            .bind(0)
            .execute(&mut *t)
            .await
            .unwrap();
    }
    sqlx::query("SELECT id FROM events WHERE id = ? FOR UPDATE")
        .bind(second)
        .fetch_one(&mut *t)
        .await
        .unwrap();
    let deleting = app
        .request(Method::DELETE, &format!("/api/calendars/{cal}"))
        .bearer(&cast.creator.access)
        .spawn();
    // Wait (bounded) until the deletion is locking the calendar's events (it then queues on
    // event 2; MariaDB lists a locking read that has written nothing in PROCESSLIST only).
    let waiting = async {
        loop {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
                 WHERE INFO LIKE 'SELECT id FROM events WHERE id IN (%) ORDER BY id FOR UPDATE'",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            if n > 0 {
                break;
            }
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
        .await
        .expect("the deletion locks the events");
    sqlx::query("SELECT id FROM events WHERE id = ? FOR UPDATE")
        .bind(first)
        .fetch_one(&mut *t)
        .await
        .expect("the test's transaction is not the victim");
    t.rollback().await.unwrap();

    let res = deleting.await;
    assert_eq!(
        res.status,
        200,
        "retried after the deadlock: {}",
        res.text()
    );
    let gone = app
        .request(Method::GET, &format!("/api/calendars/{cal}"))
        .as_user(&cast.creator)
        .send()
        .await;
    assert_eq!(gone.status, 404);
    app.finish().await;
}
