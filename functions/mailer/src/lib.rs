//! The mail-queue consumer: delivers the outbox rows the messages of an SQS batch name and
//! reports only the messages that failed (`ReportBatchItemFailures`), so SQS retries those and
//! deletes the rest.
//!
//! Idempotent by the outbox's claim: a redelivered or duplicated message finds its row sent and
//! is acknowledged, so nothing is sent twice; one that finds the row held by another attempt is
//! failed, to come back once that attempt has marked the row or its lease (2 minutes, under the
//! queue's 3-minute visibility timeout) has run out. A message naming no row is acknowledged. An SMTP failure records the attempt on the row and fails only its
//! own message. On a message's last receive (`ApproximateReceiveCount` reaching the queue's
//! `maxReceiveCount`, `MAIL_MAX_RECEIVES`) a failure also marks the row failed: it stays visible
//! as such while SQS moves the message to the dead-letter queue.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use shared::AppState;
use shared::jobs::{Outcome, Retry};

/// Delivers a batch, its messages at once (a batch is at most 10; each holds a pooled
/// connection only to claim and to mark its row); the response lists the failed messages' ids.
pub async fn handle(state: &AppState, event: SqsEvent) -> SqsBatchResponse {
    let outcomes =
        futures_util::future::join_all(event.records.iter().map(|r| deliver(state, r))).await;
    let mut response = SqsBatchResponse::default();
    for (record, delivered) in event.records.iter().zip(outcomes) {
        if !delivered {
            response.add_failure(record.message_id.clone().unwrap_or_default());
        }
    }
    response
}

/// Handles one message; `false` when SQS should deliver it again.
async fn deliver(state: &AppState, record: &SqsMessage) -> bool {
    let message = record.message_id.as_deref().unwrap_or("");
    let Some(id) = record
        .body
        .as_deref()
        .and_then(|b| b.trim().parse::<i64>().ok())
    else {
        tracing::warn!(message, body = ?record.body, "a message that names no outbox row; acknowledged");
        return true;
    };
    let receives: u32 = (record.attributes.get("ApproximateReceiveCount"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let last = receives >= state.config.mail_max_receives;
    match state.outbox.deliver(id, Retry::Redelivery { last }).await {
        Ok(Outcome::Sent | Outcome::Skipped) => true,
        // Another attempt holds the row: come back after the visibility timeout, when that
        // attempt has either marked the row or let its lease expire.
        Ok(Outcome::Busy) => false,
        Ok(Outcome::Failed { error, .. }) => {
            tracing::warn!(
                message,
                outbox_id = id,
                receives,
                last,
                error,
                "delivery failed"
            );
            false
        }
        Err(e) => {
            tracing::error!(message, outbox_id = id, error = %format!("{e:#}"), "delivery failed");
            false
        }
    }
}
