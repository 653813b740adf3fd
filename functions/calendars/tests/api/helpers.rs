//! Shared imports, the app factory and the cast of the calendars tests.

pub use axum::http::Method;
pub use serde_json::{Value, json};
pub use shared::db::Backend;
pub use shared::testing::{Cast, TestApp, TestResponse, TestUser};

/// A fresh calendars app on `backend`.
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::spawn(backend, calendars::router).await
}

/// Shares `cal` with `user` through M3.
pub async fn invite(
    app: &TestApp,
    by: &TestUser,
    cal: i64,
    user: &TestUser,
    role: &str,
) -> TestResponse {
    app.invite_to_calendar(by, cal, user, role).await
}

/// The token of the newest calendar invitation to `user` for `cal`.
pub async fn invitation_token(app: &TestApp, cal: i64, user: &TestUser) -> String {
    app.calendar_invitation_token(cal, user).await
}

/// Accepts the invitation through M6.
pub async fn confirm(app: &TestApp, cal: i64, user: &TestUser) -> TestResponse {
    app.accept_calendar_invitation(cal, user).await
}

/// The id of a user's main (or holiday) calendar.
pub async fn own_calendar(app: &TestApp, user: &TestUser, kind: &str) -> i64 {
    shared::testing::own_calendar(app, user, kind.parse().unwrap()).await
}
