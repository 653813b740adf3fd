//! A3 login and the login throttle (3.5).

use super::helpers::*;
use chrono::TimeDelta;
use shared::auth::tokens::TokenKind;

shared::db_tests!(
    spawn,
    login_returns_the_own_profile_and_both_tokens,
    unknown_email_and_wrong_password_get_the_same_401,
    login_validation,
    five_failures_in_fifteen_minutes_lock_the_address,
    a_successful_login_clears_the_failures,
    unknown_addresses_are_throttled_too_and_429s_are_not_counted,
    an_unverified_403_is_not_a_failure
);

async fn login_returns_the_own_profile_and_both_tokens(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let res = login(app, "ALICE@example.com", PASSWORD).await;

    assert_eq!(res.status, 201, "{}", res.text());
    let body = res.json();
    assert_eq!(body["user"]["id"], alice.id);
    assert_eq!(body["user"]["timeZone"], "Europe/Kyiv");
    let access = app
        .state
        .tokens
        .verify(TokenKind::Access, body["accessToken"].as_str().unwrap())
        .unwrap();
    assert_eq!(access.sub, alice.id);
    assert!(access.sid.is_some());
    let refresh = app
        .state
        .tokens
        .verify(TokenKind::Refresh, body["refreshToken"].as_str().unwrap())
        .unwrap();
    assert_eq!(refresh.nonce.as_ref().unwrap().len(), 32);
    assert!(
        refresh
            .nonce
            .unwrap()
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(refresh.exp - refresh.iat, 7 * 86_400);
    assert!(
        res.header("set-cookie").is_none(),
        "tokens only in the body"
    );
}

async fn unknown_email_and_wrong_password_get_the_same_401(app: &TestApp) {
    app.signed_up("alice").await;
    login(app, "nobody@example.com", PASSWORD)
        .await
        .assert_error(401, json!("Invalid email or password"));
    login(app, "alice@example.com", "Wrong!pass1")
        .await
        .assert_error(401, json!("Invalid email or password"));
}

async fn login_validation(app: &TestApp) {
    post(app, "/api/auth/login", json!({})).await.assert_error(
        400,
        json!(["email should not be empty", "password should not be empty"]),
    );
    post(
        app,
        "/api/auth/login",
        json!({"email": "x", "password": ""}),
    )
    .await
    .assert_error(
        400,
        json!([
            "email must be an email",
            "password must be longer than or equal to 1 characters"
        ]),
    );
    post(
        app,
        "/api/auth/login",
        json!({"email": "a@b.co", "password": "x".repeat(129)}),
    )
    .await
    .assert_error(
        400,
        json!(["password must be shorter than or equal to 128 characters"]),
    );
    // The strength rule is not applied at login (no leaking of the policy).
    login(app, "a@b.co", "weak")
        .await
        .assert_error(401, json!("Invalid email or password"));
}

async fn five_failures_in_fifteen_minutes_lock_the_address(app: &TestApp) {
    app.signed_up("alice").await;
    for _ in 0..4 {
        assert_eq!(
            login(app, "alice@example.com", "Wrong!pass1").await.status,
            401
        );
    }
    app.clock.advance(TimeDelta::minutes(5));
    assert_eq!(
        login(app, "Alice@Example.com", "Wrong!pass1").await.status,
        401,
        "key is lower-cased"
    );

    let res = login(app, "alice@example.com", PASSWORD).await;
    res.assert_error(
        429,
        json!("Too many failed login attempts. Try again later."),
    );
    assert_eq!(
        res.header("retry-after"),
        Some("600"),
        "until the oldest failure is 15 minutes old"
    );

    app.clock.advance(TimeDelta::minutes(10));
    assert_eq!(
        login(app, "alice@example.com", PASSWORD).await.status,
        201,
        "the oldest ones aged out"
    );
}

async fn a_successful_login_clears_the_failures(app: &TestApp) {
    app.signed_up("alice").await;
    for _ in 0..4 {
        login(app, "alice@example.com", "Wrong!pass1").await;
    }
    assert_eq!(login(app, "alice@example.com", PASSWORD).await.status, 201);
    for _ in 0..4 {
        assert_eq!(
            login(app, "alice@example.com", "Wrong!pass1").await.status,
            401
        );
    }
    assert_eq!(login(app, "alice@example.com", PASSWORD).await.status, 201);
}

async fn unknown_addresses_are_throttled_too_and_429s_are_not_counted(app: &TestApp) {
    for _ in 0..5 {
        login(app, "ghost@example.com", "Wrong!pass1").await;
    }
    let res = login(app, "ghost@example.com", "Wrong!pass1").await;
    assert_eq!(res.status, 429);
    assert_eq!(res.header("retry-after"), Some("900"));
    app.clock.advance(TimeDelta::minutes(15));
    assert_eq!(
        login(app, "ghost@example.com", "Wrong!pass1").await.status,
        401
    );
}

async fn an_unverified_403_is_not_a_failure(app: &TestApp) {
    app.registered("dave").await;
    for _ in 0..6 {
        login(app, "dave@example.com", PASSWORD)
            .await
            .assert_error(403, json!("Please verify your email."));
    }
}
