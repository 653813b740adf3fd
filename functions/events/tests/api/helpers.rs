//! Shared imports, the app factory and the cast of the events tests.

pub use axum::http::Method;
pub use serde_json::{Value, json};
pub use shared::db::Backend;
pub use shared::testing::{Cast, TestApp, TestResponse, TestUser, main_calendar, membership};

fn routes(s: shared::AppState) -> axum::Router {
    events::router(s.clone()).merge(calendars::router(s))
}

/// A fresh app (events + calendars routes) on `backend`.
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::spawn(backend, routes).await
}

/// Shares a calendar and accepts the invitation.
pub async fn share(app: &TestApp, by: &TestUser, cal: i64, u: &TestUser, role: &str) {
    app.invite_to_calendar(by, cal, u, role).await;
    app.accept_calendar_invitation(cal, u).await;
}

/// A valid arrangement body in `cal`.
pub fn arrangement(cal: i64, participants: &[i64]) -> Value {
    json!({"type": "arrangement", "name": "Team sync", "description": "", "category": "work",
        "startedAt": "2025-04-01T09:00:00.000Z", "endedAt": "2025-04-01T10:00:00.000Z",
        "color": "#4285F4", "calendarId": cal, "participantIds": participants})
}

/// Creates an event; returns the response body.
pub async fn create(app: &TestApp, by: &TestUser, body: Value) -> Value {
    let res = app
        .request(Method::POST, "/api/events/")
        .as_user(by)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

/// The confirm-participation link e-mailed to `user` for `event`.
pub async fn participation_link(app: &TestApp, user: &TestUser, event: i64) -> String {
    app.newest_link(
        &user.email,
        &format!("http://localhost:5173/events/{event}/calendar-members/"),
    )
    .await
}
