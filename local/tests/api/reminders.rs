//! End to end on the local server over TCP (issue 10): an event that starts in two minutes with
//! a one-minute reminder gets exactly one reminder e-mail per recipient from the server's own
//! reminder loop (here every 100 ms, with the clock moved on instead of waiting a minute).

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};
use shared::db::Backend;
use shared::testing::{Cast, TestApp};

async fn reminders_to(app: &TestApp) -> Vec<String> {
    let mut v: Vec<String> = (app.outbox().await.into_iter())
        .filter(|r| r.kind == "event-reminder")
        .map(|r| r.recipient)
        .collect();
    v.sort();
    v
}

async fn scenario(backend: Backend) {
    let spawned = TestApp::spawn_with(backend, chronos_local::routes, |vars| {
        vars.insert("REMINDERS_EVERY_MS".into(), "100".into());
    })
    .await;
    let Some(app) = spawned else {
        eprintln!("skipped: CHRONOS_TEST_MYSQL_URL is not set");
        return;
    };
    let cast = Cast::new(&app).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = chronos_local::app(app.state.clone());
    let limits = app.state.config.http;
    let forever = std::future::pending::<()>();
    tokio::spawn(chronos_local::serve::serve(
        vec![listener],
        router,
        limits,
        forever,
    ));
    chronos_local::spawn_jobs(&app.state);

    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let csrf: Value = http
        .get(format!("{base}/api/auth/csrf-token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let start = app.clock.now_ms() + 2 * 60_000;
    let at = |ms: i64| {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .unwrap()
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    };
    let res = http
        .post(format!("{base}/api/events"))
        .bearer_auth(&cast.creator.access)
        .header("x-csrf-token", csrf["csrfToken"].as_str().unwrap())
        .json(
            &json!({"type": "arrangement", "name": "Soon", "category": "work",
            "calendarId": cast.calendar, "startedAt": at(start), "endedAt": at(start + 1_800_000),
            "reminders": [1], "participantIds": [cast.creator.id, cast.guest.id]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());

    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(reminders_to(&app).await.is_empty(), "not a minute early");
    app.clock.advance(TimeDelta::seconds(61));
    let mut sent = Vec::new();
    for _ in 0..50 {
        sent = reminders_to(&app).await;
        if sent.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Several more sweeps pass: still one each.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut expected = vec![cast.creator.email.clone(), cast.guest.email.clone()];
    expected.sort();
    assert_eq!(reminders_to(&app).await, expected, "first seen: {sent:?}");
    assert!(
        app.outbox().await.iter().all(|r| r.sent_at.is_some()),
        "delivered by the server"
    );
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_from_the_servers_own_loop_reaches_each_recipient_once_sqlite() {
    scenario(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_from_the_servers_own_loop_reaches_each_recipient_once_mysql() {
    scenario(Backend::MySql).await;
}
