//! The reminder sweep (contract 6.3) driven by the injected clock, on SQLite and MariaDB: the
//! events are made through the real routes, so every write keeps its triggers as in production.

mod rules;
mod series;

use axum::http::Method;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};
use shared::db::Backend;
use shared::testing::{TestApp, TestUser};

fn routes(s: shared::AppState) -> axum::Router {
    events::router(s.clone()).merge(calendars::router(s))
}

/// A fresh app (events + calendars routes) on `backend`.
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::spawn(backend, routes).await
}

/// An instant as the contract writes it.
pub fn at(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An event body in `cal` starting `in_minutes` from the app's now, an hour long.
pub fn event_in(app: &TestApp, cal: i64, kind: &str, in_minutes: i64, reminders: &[i64]) -> Value {
    let start = app.clock.now_ms() + in_minutes * 60_000;
    json!({"type": kind, "name": "Team sync", "category": "work", "calendarId": cal,
        "startedAt": at(start), "endedAt": at(start + 3_600_000), "reminders": reminders})
}

/// Creates an event; returns its id.
pub async fn create(app: &TestApp, by: &TestUser, body: Value) -> i64 {
    let res = app
        .request(Method::POST, "/api/events")
        .as_user(by)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_i64().unwrap()
}

/// Moves the clock on and sweeps; returns the e-mails that sweep queued.
pub async fn sweep_after(app: &TestApp, by: TimeDelta) -> reminders::Report {
    app.clock.advance(by);
    reminders::run(&app.state, app.clock.now_ms())
        .await
        .unwrap()
}

/// The reminder e-mails queued so far, as (recipient, subject) sorted.
pub async fn reminders_sent(app: &TestApp) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = (app.outbox().await.into_iter())
        .filter(|r| r.kind == "event-reminder")
        .map(|r| (r.recipient, r.subject))
        .collect();
    v.sort();
    v
}
