//! A4 logout and A5 refresh: rotation, grace period, reuse detection (3.4).

use super::helpers::*;
use chrono::TimeDelta;
use shared::auth::tokens::TokenKind;
use shared::db::sessions as session_rows;

async fn refresh(app: &TestApp, token: &str) -> TestResponse {
    post(
        app,
        "/api/auth/access-token/refresh",
        json!({"refreshToken": token}),
    )
    .await
}

async fn logout(app: &TestApp, token: &str) -> TestResponse {
    post(app, "/api/auth/logout", json!({"refreshToken": token})).await
}

fn nonce(app: &TestApp, token: &str) -> String {
    app.state
        .tokens
        .verify(TokenKind::Refresh, token)
        .unwrap()
        .nonce
        .unwrap()
}

async fn sessions_of(app: &TestApp, id: i64) -> i64 {
    let mut c = app.state.db.acquire().await.unwrap();
    session_rows::count_user_sessions(&mut c, id).await.unwrap()
}

shared::db_tests!(
    spawn,
    a_refresh_within_a_day_issues_only_an_access_token,
    a_refresh_after_a_day_rotates_and_parallel_tabs_get_the_same_successor,
    reusing_a_token_replaced_over_two_minutes_ago_revokes_every_session,
    a_refresh_token_expires_seven_days_after_its_nonce_was_created,
    logout_ends_that_session_only,
    logout_with_a_token_in_its_grace_period_ends_the_session,
    every_bad_refresh_token_is_the_same_400_never_401_or_403,
    a_csrf_failure_on_refresh_and_logout_is_400
);

async fn a_refresh_within_a_day_issues_only_an_access_token(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    app.clock.advance(TimeDelta::hours(23));
    let res = refresh(app, &alice.refresh).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let body = res.json();
    assert_eq!(body.as_object().unwrap().len(), 1);
    let access = app
        .state
        .tokens
        .verify(TokenKind::Access, body["accessToken"].as_str().unwrap())
        .unwrap();
    assert_eq!(access.sub, alice.id);
}

async fn a_refresh_after_a_day_rotates_and_parallel_tabs_get_the_same_successor(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    app.clock.advance(TimeDelta::hours(25));

    let first = refresh(app, &alice.refresh).await;
    assert_eq!(first.status, 201);
    let successor = first.json()["newRefreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(nonce(app, &successor), nonce(app, &alice.refresh));

    app.clock.advance(TimeDelta::seconds(100));
    let second = refresh(app, &alice.refresh).await;
    assert_eq!(second.status, 201, "within the 2-minute grace period");
    let again = second.json()["newRefreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(nonce(app, &again), nonce(app, &successor), "same successor");

    let res = refresh(app, &successor).await;
    assert_eq!(res.status, 201);
    assert!(
        res.json().get("newRefreshToken").is_none(),
        "the successor is fresh"
    );
}

async fn reusing_a_token_replaced_over_two_minutes_ago_revokes_every_session(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let other_device = app.logged_in(alice.id).await;
    app.clock.advance(TimeDelta::hours(25));
    let successor = refresh(app, &alice.refresh).await.json()["newRefreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    app.clock.advance(TimeDelta::seconds(121));

    refresh(app, &alice.refresh)
        .await
        .assert_error(400, json!("Invalid or expired refresh token"));

    assert_eq!(sessions_of(app, alice.id).await, 0);
    refresh(app, &successor)
        .await
        .assert_error(400, json!("Invalid or expired refresh token"));
    refresh(app, &other_device.refresh)
        .await
        .assert_error(400, json!("Invalid or expired refresh token"));
}

async fn a_refresh_token_expires_seven_days_after_its_nonce_was_created(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    app.clock
        .advance(TimeDelta::days(7) - TimeDelta::seconds(1));
    assert_eq!(refresh(app, &alice.refresh).await.status, 201);
    app.clock.advance(TimeDelta::seconds(1));
    refresh(app, &alice.refresh)
        .await
        .assert_error(400, json!("Invalid or expired refresh token"));
}

async fn logout_ends_that_session_only(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let phone = app.logged_in(alice.id).await;
    let res = logout(app, &alice.refresh).await;
    assert_eq!(res.status, 204);
    assert!(res.body.is_empty());
    assert!(res.header("content-type").is_none());

    refresh(app, &alice.refresh)
        .await
        .assert_error(400, json!("Invalid or expired refresh token"));
    logout(app, &alice.refresh)
        .await
        .assert_error(400, json!("Invalid or expired refresh token"));
    assert_eq!(refresh(app, &phone.refresh).await.status, 201);
}

async fn logout_with_a_token_in_its_grace_period_ends_the_session(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    app.clock.advance(TimeDelta::hours(25));
    let successor = refresh(app, &alice.refresh).await.json()["newRefreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(logout(app, &alice.refresh).await.status, 204);
    refresh(app, &successor)
        .await
        .assert_error(400, json!("Invalid or expired refresh token"));
}

async fn every_bad_refresh_token_is_the_same_400_never_401_or_403(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let cases: Vec<(&str, Value)> = vec![
        ("missing", json!({})),
        ("not a string", json!({"refreshToken": 5})),
        ("garbage", json!({"refreshToken": "abc.def.ghi"})),
        ("an access token", json!({"refreshToken": alice.access})),
        (
            "tampered",
            json!({"refreshToken": format!("{}x", alice.refresh)}),
        ),
    ];
    for (why, body) in cases {
        for path in ["/api/auth/access-token/refresh", "/api/auth/logout"] {
            let res = post(app, path, body.clone()).await;
            assert_eq!(res.status, 400, "{why} on {path}");
            res.assert_error(400, json!("Invalid or expired refresh token"));
        }
    }
}

async fn a_csrf_failure_on_refresh_and_logout_is_400(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    for path in [
        "/api/auth/access-token/refresh",
        "/api/auth/logout",
        "/api/auth/logout/",
    ] {
        let res = app
            .request(Method::POST, path)
            .no_csrf()
            .json(&json!({"refreshToken": alice.refresh}))
            .send()
            .await;
        res.assert_error(400, json!("Invalid CSRF token"));
    }
}
