//! Path segments whose percent-encoding is not UTF-8 (issue 9): every route answers with its
//! own rule's error in the contract's JSON body, never axum's plain-text rejection.

use axum::http::Method;
use serde_json::json;
use shared::db::Backend;
use shared::testing::TestApp;

async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::spawn(backend, chronos_local::routes).await
}

shared::db_tests!(
    spawn,
    segments_that_are_not_utf8_get_the_contracts_json_errors
);

async fn segments_that_are_not_utf8_get_the_contracts_json_errors(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let invalid_token = json!("Invalid or expired token");
    let cases = [
        (
            Method::POST,
            "/api/auth/confirm-email/%FF%FE",
            400,
            invalid_token.clone(),
        ),
        (
            Method::POST,
            "/api/auth/reset-password/%FF%FE",
            400,
            json!(["newPassword should not be empty"]),
        ),
        (
            Method::POST,
            "/api/calendars/%FF/members/confirm-calendar/%FF%FE",
            400,
            invalid_token.clone(),
        ),
        (
            Method::POST,
            "/api/events/1/calendar-members/1/confirm-participation/%FF%FE",
            400,
            invalid_token,
        ),
        (
            Method::GET,
            "/api/events/%FF%FE",
            400,
            json!(["id must be a positive integer"]),
        ),
        (
            Method::GET,
            "/api/calendars/%C3%28",
            400,
            json!(["id must be a positive integer"]),
        ),
        (
            Method::GET,
            "/uploads/avatars/%FF%FE.png",
            404,
            json!("Cannot GET /uploads/avatars/%FF%FE.png"),
        ),
        (
            Method::PATCH,
            "/api/events/1/occurrences/%FF%FE",
            404,
            json!("Event not found"),
        ),
    ];
    for (method, path, status, message) in cases {
        let res = app
            .request(method.clone(), path)
            .bearer(&alice.access)
            .send()
            .await;
        assert!(
            res.header("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "{method} {path}: {}",
            res.text()
        );
        res.assert_error(status, message);
    }
}
