//! Shared imports, the app factory and the cast of the calendars tests.

pub use axum::http::Method;
pub use serde_json::{Value, json};
pub use shared::db::Backend;
pub use shared::testing::{TestApp, TestResponse, TestUser};

/// A fresh calendars app on `backend`.
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::spawn(backend, calendars::router).await
}

/// The people around one shared calendar.
pub struct Cast {
    pub creator: TestUser,
    pub owner: TestUser,
    pub editor: TestUser,
    pub viewer: TestUser,
    pub pending: TestUser,
    pub stranger: TestUser,
}

impl Cast {
    /// Signs up everyone.
    pub async fn new(app: &TestApp) -> Cast {
        Cast {
            creator: app.signed_up("creator").await,
            owner: app.signed_up("owner").await,
            editor: app.signed_up("editor").await,
            viewer: app.signed_up("viewer").await,
            pending: app.signed_up("pending").await,
            stranger: app.signed_up("stranger").await,
        }
    }

    /// Every actor with a name, anonymous last (`None`).
    pub fn actors(&self) -> Vec<(&'static str, Option<&TestUser>)> {
        vec![
            ("creator", Some(&self.creator)),
            ("owner", Some(&self.owner)),
            ("editor", Some(&self.editor)),
            ("viewer", Some(&self.viewer)),
            ("pending", Some(&self.pending)),
            ("stranger", Some(&self.stranger)),
            ("anonymous", None),
        ]
    }

    /// A new calendar of the creator, shared with owner, editor and viewer (confirmed) and the
    /// pending invitee (not confirmed).
    pub async fn team(&self, app: &TestApp, name: &str) -> i64 {
        let res = app
            .request(Method::POST, "/api/calendars")
            .as_user(&self.creator)
            .json(&json!({"name": name, "color": "#33B679"}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let id = res.json()["id"].as_i64().unwrap();
        for (user, role) in [
            (&self.owner, "owner"),
            (&self.editor, "editor"),
            (&self.viewer, "viewer"),
        ] {
            invite(app, &self.creator, id, user, role).await;
            confirm(app, id, user).await;
        }
        invite(app, &self.creator, id, &self.pending, "editor").await;
        id
    }
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

/// The id of a user's main (or holiday) calendar.
pub async fn own_calendar(app: &TestApp, user: &TestUser, kind: &str) -> i64 {
    let mut c = app.state.db.acquire().await.unwrap();
    let list = shared::db::calendars::list_confirmed_of_user(&mut c, user.id)
        .await
        .unwrap();
    list.iter()
        .find(|m| m.member.calendar_type.as_str() == kind)
        .unwrap()
        .member
        .calendar_id
}
