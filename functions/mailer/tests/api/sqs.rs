//! The SQS adapter against moto: a round trip of outbox ids, and a redelivered message that
//! the mailer receives twice from the real queue and sends once.

use std::collections::BTreeSet;

use shared::db::Backend;
use shared::jobs::queue::SqsQueue;

use super::{queued_for, spawn_with_sink, sqs_event};

/// The moto endpoint, or `None` (the test then says it was skipped).
fn endpoint() -> Option<String> {
    let e = std::env::var("CHRONOS_TEST_AWS_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty());
    if e.is_none() {
        eprintln!("skipped: CHRONOS_TEST_AWS_ENDPOINT is not set");
    }
    e
}

/// A new queue on moto; returns the client and its URL.
async fn new_queue(endpoint: &str) -> (aws_sdk_sqs::Client, String) {
    let client = SqsQueue::client_for(endpoint, "us-east-1");
    let name = format!(
        "chronos-test-{}",
        std::process::id() as u64 * 1000 + rand_suffix()
    );
    let out = client.create_queue().queue_name(name).send().await.unwrap();
    (client, out.queue_url().unwrap().to_string())
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
        % 1000
}

/// Receives until the queue answers nothing; returns (message id, body, receive count).
async fn drain(client: &aws_sdk_sqs::Client, url: &str) -> Vec<(String, String, u32)> {
    let mut out = Vec::new();
    loop {
        let res = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .message_system_attribute_names(
                aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount,
            )
            .send()
            .await
            .unwrap();
        let messages = res.messages();
        if messages.is_empty() {
            return out;
        }
        for m in messages {
            let count = (m.attributes())
                .and_then(|a| {
                    a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount)
                })
                .and_then(|c| c.parse().ok())
                .unwrap_or(1);
            out.push((
                m.message_id().unwrap_or_default().to_string(),
                m.body().unwrap_or_default().to_string(),
                count,
            ));
        }
    }
}

#[tokio::test]
async fn outbox_ids_make_a_round_trip_through_the_sqs_adapter() {
    let Some(endpoint) = endpoint() else { return };
    let (client, url) = new_queue(&endpoint).await;
    let queue = SqsQueue::new(client.clone(), &url);
    let ids: Vec<i64> = (1..=23).collect();
    queue.send(&ids).await.unwrap();
    let got: BTreeSet<i64> = (drain(&client, &url).await.into_iter())
        .map(|(_, body, _)| body.parse().unwrap())
        .collect();
    assert_eq!(
        got,
        ids.into_iter().collect::<BTreeSet<_>>(),
        "23 ids in three batches"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_delivered_twice_by_the_queue_sends_once() {
    let Some(endpoint) = endpoint() else { return };
    let (app, sink) = spawn_with_sink(Backend::Sqlite).await.unwrap();
    let (client, url) = new_queue(&endpoint).await;
    let queue = SqsQueue::new(client.clone(), &url);
    let id = queued_for(&app, "once@example.com").await;
    // The hand-off runs twice (a retried commit hand-off, or the reminders sweep re-queueing).
    queue.send(&[id]).await.unwrap();
    queue.send(&[id]).await.unwrap();
    let received = drain(&client, &url).await;
    assert_eq!(received.len(), 2);
    let records: Vec<(&str, String, u32)> = (received.iter())
        .map(|(m, b, n)| (m.as_str(), b.clone(), *n))
        .collect();
    let res = mailer::handle(&app.state, sqs_event(&records)).await;
    assert!(
        res.batch_item_failures.len() <= 1,
        "at most the one held by the other attempt"
    );
    // The queue delivers a failed message again: by then the row is sent.
    let retried: Vec<(&str, String, u32)> = (records.iter())
        .filter(|(m, _, _)| {
            res.batch_item_failures
                .iter()
                .any(|f| f.item_identifier == *m)
        })
        .map(|(m, b, n)| (*m, b.clone(), n + 1))
        .collect();
    let again = mailer::handle(&app.state, sqs_event(&retried)).await;
    assert!(again.batch_item_failures.is_empty());
    assert_eq!(sink.received().len(), 1, "one e-mail");
    app.finish().await;
}
