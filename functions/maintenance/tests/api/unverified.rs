//! 6.1: unverified accounts are reminded once after 12 hours and deleted after 24.

use chrono::TimeDelta;
use maintenance::{Job, run};
use shared::db::users;
use shared::testing::{TestApp, concurrently};

use super::spawn;

shared::db_tests!(
    spawn,
    an_unverified_account_is_reminded_once_between_12_and_24_hours,
    an_unverified_account_is_deleted_after_24_hours_and_its_address_is_free,
    two_sweeps_at_once_remind_once_and_delete_once
);

const REMINDER: &str = "Please confirm your email for Chronos";

async fn reminders_to(app: &TestApp, email: &str) -> usize {
    (app.outbox().await.iter())
        .filter(|r| r.recipient == email && r.subject == REMINDER)
        .count()
}

async fn an_unverified_account_is_reminded_once_between_12_and_24_hours(app: &TestApp) {
    app.registered("bob").await;
    let alice = app.signed_up("alice").await;
    app.clock
        .advance(TimeDelta::hours(12) - TimeDelta::minutes(1));
    let early = run(&app.state, app.clock.now_ms(), Job::Unverified)
        .await
        .unwrap();
    assert_eq!(early.reminded, 0, "not before 12 hours");
    app.clock.advance(TimeDelta::minutes(2));
    let due = run(&app.state, app.clock.now_ms(), Job::Unverified)
        .await
        .unwrap();
    assert_eq!((due.reminded, due.deleted_accounts), (1, 0));
    assert_eq!(reminders_to(app, "bob@example.com").await, 1);
    assert_eq!(
        reminders_to(app, &alice.email).await,
        0,
        "verified users get none"
    );
    let link = app.last_link("bob@example.com", REMINDER).await;
    assert!(link.contains("/auth/confirm-email/"), "{link}");
    let mail = (app.outbox().await.into_iter())
        .find(|r| r.subject == REMINDER)
        .unwrap();
    // Bob lives in Europe/Kyiv: the deletion, 24 h after registration, is said in his zone.
    assert!(
        mail.text_body.contains("deleted on") && mail.text_body.contains("(Europe/Kyiv)"),
        "{}",
        mail.text_body
    );
    app.clock.advance(TimeDelta::hours(6));
    let again = run(&app.state, app.clock.now_ms(), Job::Unverified)
        .await
        .unwrap();
    assert_eq!(again.reminded, 0, "only once");
    assert_eq!(reminders_to(app, "bob@example.com").await, 1);
}

async fn an_unverified_account_is_deleted_after_24_hours_and_its_address_is_free(app: &TestApp) {
    let bob = app.registered("bob").await;
    let alice = app.signed_up("alice").await;
    app.clock
        .advance(TimeDelta::hours(24) - TimeDelta::seconds(1));
    let early = run(&app.state, app.clock.now_ms(), Job::Unverified)
        .await
        .unwrap();
    assert_eq!(early.deleted_accounts, 0);
    app.clock.advance(TimeDelta::seconds(1));
    let due = run(&app.state, app.clock.now_ms(), Job::Unverified)
        .await
        .unwrap();
    assert_eq!(due.deleted_accounts, 1);
    let mut c = app.state.db.acquire().await.unwrap();
    assert!(users::find_by_id(&mut c, bob).await.unwrap().is_none());
    assert!(users::find_by_id(&mut c, alice.id).await.unwrap().is_some());
    drop(c);
    let again = app.registered("bob").await;
    assert_ne!(again, bob, "the address can register again");
}

async fn two_sweeps_at_once_remind_once_and_delete_once(app: &TestApp) {
    app.registered("old").await;
    app.clock.advance(TimeDelta::hours(13));
    app.registered("new").await;
    app.clock.advance(TimeDelta::hours(12));
    // "old" is 25 h old (delete), "new" 12 h (remind).
    app.warm_pool().await;
    let now = app.clock.now_ms();
    let reports = concurrently([
        run(&app.state, now, Job::Unverified),
        run(&app.state, now, Job::Unverified),
    ])
    .await;
    let reports: Vec<_> = reports.into_iter().map(Result::unwrap).collect();
    let reminded: usize = reports.iter().map(|r| r.reminded).sum();
    let deleted: usize = reports.iter().map(|r| r.deleted_accounts).sum();
    assert_eq!((reminded, deleted), (1, 1), "{reports:?}");
    assert!(reports.iter().all(|r| r.failed == 0), "{reports:?}");
    assert_eq!(reminders_to(app, "new@example.com").await, 1);
}
