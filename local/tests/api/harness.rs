//! The harness itself: a handler that queues e-mail and commits without handing it off fails
//! its test at `finish` (issue 9), and one that hands off passes.

use shared::db::Backend;
use shared::mail::templates;
use shared::testing::TestApp;

async fn app() -> TestApp {
    TestApp::spawn(Backend::Sqlite, chronos_local::routes)
        .await
        .expect("SQLite test app")
}

/// What a handler does between its writes and its response, with or without the hand-off.
async fn queue_and_commit(app: &TestApp, hand_off: bool) {
    let mail = templates::reset_password(&app.state.config, "bob@example.com", "Bob", "t0k3n");
    let mut tx = app.state.db.begin().await.expect("transaction");
    let now = app.clock.now_ms();
    let id = templates::queue(&mut tx, &mail, "harness:1", now)
        .await
        .expect("queue");
    assert!(id.is_some(), "the row was queued");
    if hand_off {
        app.state.commit(tx).await.expect("commit");
    } else {
        // What a handler that forgot the hand-off would leave (`Tx::commit` refuses it in a
        // debug build, so the rows are taken and dropped here).
        let ids = tx.commit_queued().await.expect("commit");
        assert_eq!(ids.len(), 1);
    }
}

#[tokio::test]
#[should_panic(expected = "queued e-mail was never handed off after its commit")]
async fn mail_committed_without_its_hand_off_fails_the_test() {
    let app = app().await;
    queue_and_commit(&app, false).await;
    app.finish().await;
}

#[tokio::test]
async fn mail_handed_off_after_its_commit_passes() {
    let app = app().await;
    queue_and_commit(&app, true).await;
    let rows = app.outbox().await;
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].sent_at.is_some(),
        "delivered inline by the hand-off"
    );
    app.finish().await;
}
