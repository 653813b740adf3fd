//! Shared imports and the app factory of the auth tests.

pub use axum::http::Method;
pub use serde_json::{Value, json};
pub use shared::db::Backend;
pub use shared::testing::{PASSWORD, TestApp, TestResponse};

/// A fresh auth app on `backend`.
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::spawn(backend, auth::router).await
}

/// POST with a JSON body and a valid CSRF token, no bearer.
pub async fn post(app: &TestApp, path: &str, body: Value) -> TestResponse {
    app.request(Method::POST, path).json(&body).send().await
}

/// A valid registration body for `name`.
pub fn registration(name: &str) -> Value {
    json!({"firstName": name, "lastName": "Smith", "email": format!("{name}@example.com"),
           "password": PASSWORD, "countryCode": "ua", "timeZone": "Europe/Kyiv"})
}

/// The token at the end of a link.
pub fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_string()
}

/// Logs in through A3.
pub async fn login(app: &TestApp, email: &str, password: &str) -> TestResponse {
    post(
        app,
        "/api/auth/login",
        json!({"email": email, "password": password}),
    )
    .await
}
