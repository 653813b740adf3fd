//! Shared imports, the app factory and the cast of the events tests.

pub use axum::http::Method;
pub use serde_json::{Value, json};
pub use shared::db::Backend;
pub use shared::testing::{TestApp, TestResponse, TestUser};

fn routes(s: shared::AppState) -> axum::Router {
    events::router(s.clone()).merge(calendars::router(s))
}

/// A fresh app (events + calendars routes) on `backend`.
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::spawn(backend, routes).await
}

/// The people around one shared calendar.
pub struct Cast {
    pub owner: TestUser,
    pub co_owner: TestUser,
    pub editor: TestUser,
    pub viewer: TestUser,
    pub guest: TestUser,
    pub stranger: TestUser,
    pub calendar: i64,
}

impl Cast {
    /// Signs everyone up; `owner` creates "Team" and shares it (co-owner, editor, viewer confirmed).
    pub async fn new(app: &TestApp) -> Cast {
        let owner = app.signed_up("owner").await;
        let co_owner = app.signed_up("coowner").await;
        let editor = app.signed_up("editor").await;
        let viewer = app.signed_up("viewer").await;
        let guest = app.signed_up("guest").await;
        let stranger = app.signed_up("stranger").await;
        let res = app
            .request(Method::POST, "/api/calendars")
            .as_user(&owner)
            .json(&json!({"name": "Team", "color": "#33B679"}))
            .send()
            .await;
        let calendar = res.json()["id"].as_i64().unwrap();
        for (u, role) in [
            (&co_owner, "owner"),
            (&editor, "editor"),
            (&viewer, "viewer"),
        ] {
            share(app, &owner, calendar, u, role).await;
        }
        Cast {
            owner,
            co_owner,
            editor,
            viewer,
            guest,
            stranger,
            calendar,
        }
    }
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

/// Sends a request as `user` (or anonymously).
pub async fn call(
    app: &TestApp,
    user: Option<&TestUser>,
    method: &Method,
    path: &str,
    body: &Value,
) -> TestResponse {
    app.request(method.clone(), path)
        .as_user_opt(user)
        .json(body)
        .send()
        .await
}

/// The id of a user's main calendar.
pub async fn main_calendar(app: &TestApp, user: &TestUser) -> i64 {
    let mut c = app.state.db.acquire().await.unwrap();
    let list = shared::db::calendars::list_confirmed_of_user(&mut c, user.id)
        .await
        .unwrap();
    list.iter()
        .find(|m| m.member.calendar_type.as_str() == "main")
        .unwrap()
        .member
        .calendar_id
}

/// The membership id of a user in a calendar.
pub async fn membership(app: &TestApp, user: &TestUser, cal: i64) -> i64 {
    let mut c = app.state.db.acquire().await.unwrap();
    shared::db::calendars::find_member(&mut c, cal, user.id)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The confirm-participation link e-mailed to `user` for `event`.
pub async fn participation_link(app: &TestApp, user: &TestUser, event: i64) -> String {
    app.newest_link(
        &user.email,
        &format!("http://localhost:5173/events/{event}/calendar-members/"),
    )
    .await
}
