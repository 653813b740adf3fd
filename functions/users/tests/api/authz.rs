//! Authentication and own-account authorization on every protected route.

use super::helpers::*;
use chrono::TimeDelta;
use shared::auth::tokens::TokenKind;

/// Every protected route of the function (method, path with `{id}` as the target user).
const PROTECTED: [(&str, &str); 8] = [
    ("GET", "/api/users?email=x@example.com"),
    ("GET", "/api/users/{id}"),
    ("POST", "/api/users"),
    ("PATCH", "/api/users/{id}"),
    ("DELETE", "/api/users/{id}"),
    ("POST", "/api/users/upload-avatar"),
    ("GET", "/api/users/{id}/calendars"),
    ("GET", "/api/users/{id}/calendars/"),
];

shared::db_tests!(
    spawn,
    every_protected_route_needs_a_valid_access_token_of_an_existing_user,
    an_expired_access_token_is_401,
    own_account_routes_refuse_other_users,
    validation_runs_before_the_own_account_check,
    writes_need_csrf_before_anything_else
);

async fn every_protected_route_needs_a_valid_access_token_of_an_existing_user(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let refresh_as_bearer = alice.refresh.clone();
    let other_kind = app
        .state
        .tokens
        .issue(TokenKind::ConfirmEmail, alice.id, |_| {})
        .unwrap();
    let no_sid = app
        .state
        .tokens
        .issue(TokenKind::Access, alice.id, |_| {})
        .unwrap();
    let ghost = app
        .state
        .tokens
        .issue(TokenKind::Access, 999_999, |c| c.sid = Some(1))
        .unwrap();
    let tokens: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("garbage", Some("garbage".into())),
        ("refresh token", Some(refresh_as_bearer)),
        ("confirm-email token", Some(other_kind)),
        ("access token without sid", Some(no_sid)),
        ("deleted user", Some(ghost)),
        ("tampered", Some(format!("{}A", alice.access))),
    ];
    for (method, path) in PROTECTED {
        let path = path.replace("{id}", &alice.id.to_string());
        for (why, token) in &tokens {
            let mut req = app
                .request(method.parse().unwrap(), &path)
                .json(&json!({"firstName": "Alicia"}));
            if let Some(t) = token {
                req = req.bearer(t);
            }
            let res = req.send().await;
            assert_eq!(res.status, 401, "{method} {path}: {why}");
            res.assert_error(401, json!("Unauthorized"));
        }
    }
}

async fn an_expired_access_token_is_401(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    app.clock.advance(TimeDelta::minutes(15));
    app.request(Method::GET, &format!("/api/users/{}", alice.id))
        .as_user(&alice)
        .send()
        .await
        .assert_error(401, json!("Unauthorized"));
}

async fn own_account_routes_refuse_other_users(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let bob = app.signed_up("bob").await;
    share_calendar(app, &alice, &bob, true).await;
    let target = bob.id;
    for (method, path, body) in [
        (
            "PATCH",
            format!("/api/users/{target}"),
            json!({"firstName": "Mallory"}),
        ),
        ("DELETE", format!("/api/users/{target}"), json!({})),
        ("GET", format!("/api/users/{target}/calendars"), json!({})),
    ] {
        let res = app
            .request(method.parse().unwrap(), &path)
            .bearer(&alice.access)
            .json(&body)
            .send()
            .await;
        assert_eq!(res.status, 403, "{method} {path}");
        res.assert_error(403, json!("You can only access your own account"));
    }
    let still = app
        .request(Method::GET, &format!("/api/users/{}", bob.id))
        .as_user(&bob)
        .send()
        .await
        .json();
    assert_eq!(still["firstName"], "bob");
}

async fn validation_runs_before_the_own_account_check(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let res = app
        .request(Method::PATCH, "/api/users/999")
        .as_user(&alice)
        .json(&json!({}))
        .send()
        .await;
    res.assert_error(
        400,
        json!(["At least one field must be provided for update"]),
    );
}

async fn writes_need_csrf_before_anything_else(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let res = app
        .request(Method::PATCH, &format!("/api/users/{}", alice.id))
        .no_csrf()
        .bearer(&alice.access)
        .json(&json!({"firstName": "Alicia"}))
        .send()
        .await;
    res.assert_error(403, json!("Invalid CSRF token"));
    let res = app
        .request(Method::DELETE, &format!("/api/users/{}", alice.id))
        .no_csrf()
        .send()
        .await;
    res.assert_error(403, json!("Invalid CSRF token"));
}
