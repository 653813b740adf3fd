//! A mixed batch reports exactly the failed message; redelivery never sends twice.

use shared::db::Backend;
use shared::db::outbox;

use super::{queued_for, spawn_with_sink, sqs_event};

async fn a_mixed_batch_reports_exactly_the_failed_message(backend: Backend) {
    let Some((app, sink)) = spawn_with_sink(backend).await else {
        eprintln!("skipped: CHRONOS_TEST_MYSQL_URL is not set");
        return;
    };
    let good = queued_for(&app, "good@example.com").await;
    let sent = queued_for(&app, "sent@example.com").await;
    let refused = queued_for(&app, "refused@example.com").await;
    // "sent" was delivered by an earlier message.
    let first = mailer::handle(&app.state, sqs_event(&[("m0", sent.to_string(), 1)])).await;
    assert!(first.batch_item_failures.is_empty());
    let batch = sqs_event(&[
        ("m1", good.to_string(), 1),
        ("m2", sent.to_string(), 2),
        ("m3", "999999".into(), 1),
        ("m4", refused.to_string(), 1),
        ("m5", "not an id".into(), 1),
    ]);
    let res = mailer::handle(&app.state, batch).await;
    let failed: Vec<&str> = (res.batch_item_failures.iter())
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["m4"], "only the refused one");
    let to: Vec<Vec<String>> = sink.received().into_iter().map(|m| m.to).collect();
    assert_eq!(to.len(), 2, "good and sent, once each: {to:?}");
    let mut c = app.state.db.acquire().await.unwrap();
    let row = outbox::find(&mut c, refused).await.unwrap().unwrap();
    assert_eq!((row.attempts, row.sent_at, row.failed_at), (1, None, None));
    assert!(row.last_error.is_some(), "the attempt is recorded");
    drop(c);
    // Its last receive (maxReceiveCount 5) fails again: the row is marked failed, the message
    // goes to the dead-letter queue.
    let last = mailer::handle(&app.state, sqs_event(&[("m4", refused.to_string(), 5)])).await;
    assert_eq!(last.batch_item_failures.len(), 1);
    let mut c = app.state.db.acquire().await.unwrap();
    let row = outbox::find(&mut c, refused).await.unwrap().unwrap();
    assert_eq!(row.attempts, 2);
    assert!(
        row.failed_at.is_some() && row.sent_at.is_none(),
        "visible as failed"
    );
    drop(c);
    app.finish().await;
}

async fn duplicated_messages_send_once(backend: Backend) {
    let Some((app, sink)) = spawn_with_sink(backend).await else {
        eprintln!("skipped: CHRONOS_TEST_MYSQL_URL is not set");
        return;
    };
    let id = queued_for(&app, "once@example.com").await;
    // Both at once: one sends; the other finds the row sent (acknowledged) or still held by
    // the first (failed, to come back).
    let twice = sqs_event(&[("a", id.to_string(), 1), ("b", id.to_string(), 1)]);
    let res = mailer::handle(&app.state, twice).await;
    assert!(
        res.batch_item_failures.len() <= 1,
        "{:?}",
        res.batch_item_failures
    );
    let again = mailer::handle(&app.state, sqs_event(&[("b", id.to_string(), 2)])).await;
    assert!(
        again.batch_item_failures.is_empty(),
        "a redelivery is acknowledged"
    );
    assert_eq!(sink.received().len(), 1, "sent once");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_batch_reports_exactly_the_failed_message_sqlite() {
    a_mixed_batch_reports_exactly_the_failed_message(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_batch_reports_exactly_the_failed_message_mysql() {
    a_mixed_batch_reports_exactly_the_failed_message(Backend::MySql).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicated_messages_send_once_sqlite() {
    duplicated_messages_send_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicated_messages_send_once_mysql() {
    duplicated_messages_send_once(Backend::MySql).await;
}

async fn a_row_held_by_a_crashed_attempt_is_retried_not_lost(backend: Backend) {
    let Some((app, sink)) = spawn_with_sink(backend).await else {
        eprintln!("skipped: CHRONOS_TEST_MYSQL_URL is not set");
        return;
    };
    let id = queued_for(&app, "later@example.com").await;
    // An attempt claims the row (a 2-minute lease) and dies before it marks anything.
    let now = app.clock.now_ms();
    let mut c = app.state.db.acquire().await.unwrap();
    assert!(
        outbox::claim(&mut c, id, now, now + 120_000)
            .await
            .unwrap()
            .is_some()
    );
    drop(c);
    let held = mailer::handle(&app.state, sqs_event(&[("m", id.to_string(), 1)])).await;
    assert_eq!(
        held.batch_item_failures.len(),
        1,
        "not acknowledged while held"
    );
    assert!(sink.received().is_empty());
    // The queue's next receive (after its 3-minute visibility timeout) finds the lease over.
    app.clock.advance(chrono::TimeDelta::minutes(3));
    let later = mailer::handle(&app.state, sqs_event(&[("m", id.to_string(), 2)])).await;
    assert!(later.batch_item_failures.is_empty());
    assert_eq!(sink.received().len(), 1);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_held_by_a_crashed_attempt_is_retried_not_lost_sqlite() {
    a_row_held_by_a_crashed_attempt_is_retried_not_lost(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_held_by_a_crashed_attempt_is_retried_not_lost_mysql() {
    a_row_held_by_a_crashed_attempt_is_retried_not_lost(Backend::MySql).await;
}
