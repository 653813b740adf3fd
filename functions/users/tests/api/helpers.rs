//! Shared imports and the app factory of the users tests.

pub use axum::http::Method;
pub use serde_json::{Value, json};
pub use shared::db::Backend;
pub use shared::testing::{PASSWORD, TestApp, TestResponse, TestUser};

use shared::db::calendars::{self, NewMember};
use shared::domain::kinds::{CalendarKind, Role};

/// A fresh users app on `backend`.
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::spawn(backend, users::router).await
}

/// Makes `member` a member of a calendar `owner` creates (arranged directly in the database).
pub async fn share_calendar(
    app: &TestApp,
    owner: &TestUser,
    member: &TestUser,
    confirmed: bool,
) -> i64 {
    let now = app.clock.now_ms();
    let mut tx = app.state.db.begin().await.unwrap();
    let cal = calendars::insert(&mut tx, owner.id, "Team", None, now)
        .await
        .unwrap();
    for (user, confirmed, role) in [
        (owner, true, Role::Owner),
        (member, confirmed, Role::Editor),
    ] {
        let m = NewMember {
            calendar_id: cal,
            user_id: user.id,
            calendar_type: CalendarKind::Additional,
            role,
            color: "#123456",
            is_confirmed: confirmed,
        };
        calendars::insert_member(&mut tx, &m, now).await.unwrap();
    }
    tx.commit().await.unwrap();
    cal
}

/// A multipart body with one part.
pub fn multipart(field: &str, filename: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----chronos-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A tiny valid PNG.
pub fn png() -> Vec<u8> {
    shared::storage::DEFAULT_AVATAR_PNG.to_vec()
}

/// Uploads a file as `user`.
pub async fn upload(app: &TestApp, user: &TestUser, content: &[u8]) -> TestResponse {
    let (ct, body) = multipart("file", "me.png", content);
    app.request(Method::POST, "/api/users/upload-avatar")
        .bearer(&user.access)
        .header("content-type", &ct)
        .body(body)
        .send()
        .await
}
