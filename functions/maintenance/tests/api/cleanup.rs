//! 6.2: expired sessions, old login failures and unreferenced avatars go.

use axum::http::Method;
use chrono::TimeDelta;
use maintenance::{Job, run};
use serde_json::json;
use shared::db::{login_failures, sessions, uploads, users};
use shared::testing::{PASSWORD, TestApp};

use super::spawn;

shared::db_tests!(
    spawn,
    sessions_go_a_refresh_lifetime_after_their_last_nonce,
    login_failures_go_after_15_minutes,
    unreferenced_avatars_go_after_a_day_and_shown_ones_stay
);

async fn sessions_go_a_refresh_lifetime_after_their_last_nonce(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    app.clock
        .advance(TimeDelta::days(7) + TimeDelta::minutes(1));
    let res = app
        .request(Method::POST, "/api/auth/login")
        .json(&json!({"email": alice.email, "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let report = run(&app.state, app.clock.now_ms(), Job::Daily)
        .await
        .unwrap();
    assert_eq!((report.deleted_nonces, report.deleted_sessions), (1, 1));
    let mut c = app.state.db.acquire().await.unwrap();
    assert_eq!(
        sessions::count_user_sessions(&mut c, alice.id)
            .await
            .unwrap(),
        1,
        "the new one stays"
    );
    drop(c);
    let again = run(&app.state, app.clock.now_ms(), Job::Daily)
        .await
        .unwrap();
    assert_eq!(
        (again.deleted_nonces, again.deleted_sessions),
        (0, 0),
        "idempotent"
    );
}

async fn login_failures_go_after_15_minutes(app: &TestApp) {
    let mut c = app.state.db.acquire().await.unwrap();
    login_failures::insert(&mut c, "bob@example.com", app.clock.now_ms())
        .await
        .unwrap();
    app.clock
        .advance(TimeDelta::minutes(15) + TimeDelta::seconds(1));
    let now = app.clock.now_ms();
    login_failures::insert(&mut c, "bob@example.com", now)
        .await
        .unwrap();
    drop(c);
    let report = run(&app.state, now, Job::Hourly).await.unwrap();
    assert_eq!(report.deleted_login_failures, 1);
    let mut c = app.state.db.acquire().await.unwrap();
    let (left, _) = login_failures::count_since(&mut c, "bob@example.com", 0)
        .await
        .unwrap();
    assert_eq!(left, 1, "the recent failure still counts");
}

async fn unreferenced_avatars_go_after_a_day_and_shown_ones_stay(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let (shown, spare) = (
        "0b3a4e7c-1d2f-4a5b-8c6d-7e8f9a0b1c2d.png",
        "1c4b5f8d-2e3a-4b6c-9d7e-8f9a0b1c2d3e.png",
    );
    let now = app.clock.now_ms();
    let mut c = app.state.db.acquire().await.unwrap();
    for name in [shown, spare] {
        uploads::insert(&mut c, alice.id, name, now).await.unwrap();
        app.state
            .avatars
            .save(name, b"\x89PNG\r\n\x1a\n")
            .await
            .unwrap();
    }
    let mut u = users::find_by_id(&mut c, alice.id).await.unwrap().unwrap();
    u.profile_picture_name = shown.into();
    users::update_profile(&mut c, &u).await.unwrap();
    drop(c);
    app.clock.advance(TimeDelta::hours(23));
    let early = run(&app.state, app.clock.now_ms(), Job::Daily)
        .await
        .unwrap();
    assert_eq!(early.deleted_avatars, 0, "not before a day");
    app.clock.advance(TimeDelta::hours(2));
    let due = run(&app.state, app.clock.now_ms(), Job::Daily)
        .await
        .unwrap();
    assert_eq!(due.deleted_avatars, 1);
    assert!(
        app.state.avatars.read(spare).await.unwrap().is_none(),
        "its file is gone"
    );
    assert!(
        app.state.avatars.read(shown).await.unwrap().is_some(),
        "the picture stays"
    );
    let mut c = app.state.db.acquire().await.unwrap();
    assert!(!uploads::exists(&mut c, spare).await.unwrap());
    assert!(uploads::exists(&mut c, shown).await.unwrap());
}
