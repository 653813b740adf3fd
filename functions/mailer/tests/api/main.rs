//! The mail-queue consumer against a real SMTP server on 127.0.0.1, on SQLite and MariaDB; and
//! the SQS adapter against a moto server on 127.0.0.1 when `CHRONOS_TEST_AWS_ENDPOINT` names
//! one (`.ci/run` starts it; plain `cargo test` says those were skipped).

mod batch;
mod sqs;

use serde_json::{Value, json};
use shared::db::Backend;
use shared::mail::templates;
use shared::testing::{SmtpSink, TestApp};

/// A fresh app whose mail goes over SMTP to a sink of this test.
pub async fn spawn_with_sink(backend: Backend) -> Option<(TestApp, SmtpSink)> {
    let (sink, url) = SmtpSink::start();
    let app = TestApp::spawn_with(
        backend,
        |_| axum::Router::new(),
        |vars| {
            vars.insert("MAIL_TRANSPORT".into(), "smtp".into());
            vars.insert("SMTP_URL".into(), url);
        },
    )
    .await?;
    Some((app, sink))
}

/// Commits one outbox row to `to` without handing it off (as the queue will), returns its id.
pub async fn queued_for(app: &TestApp, to: &str) -> i64 {
    let mail = templates::reset_password(&app.state.config, to, "Someone", "t0k3n");
    let mut tx = app.state.db.begin().await.unwrap();
    let dedupe = format!("test:{to}:{}", app.clock.now_ms());
    let id = templates::queue(&mut tx, &mail, &dedupe, app.clock.now_ms())
        .await
        .unwrap()
        .unwrap();
    tx.commit_queued().await.unwrap();
    id
}

/// An SQS event as Lambda delivers it: one record per (message id, body, receive count).
pub fn sqs_event(records: &[(&str, String, u32)]) -> aws_lambda_events::event::sqs::SqsEvent {
    let records: Vec<Value> = records
        .iter()
        .map(|(id, body, receives)| {
            json!({"messageId": id, "receiptHandle": format!("rh-{id}"), "body": body,
                "attributes": {"ApproximateReceiveCount": receives.to_string()},
                "messageAttributes": {}, "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:chronos-mail"})
        })
        .collect();
    serde_json::from_value(json!({"Records": records})).unwrap()
}
