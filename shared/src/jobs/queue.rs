//! The SQS adapter of the job-queue port: committed outbox row ids go to the mail queue in
//! batches of ten (`SendMessageBatch`), one message per row, its body the row's id.

use anyhow::Context;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

/// The mail queue on SQS.
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SqsQueue {
    /// The queue at `url`, with the SDK's configuration (region, credentials, and
    /// `AWS_ENDPOINT_URL` if set) from the environment.
    pub async fn from_env(url: &str) -> Self {
        let config = aws_config::load_from_env().await;
        SqsQueue::new(aws_sdk_sqs::Client::new(&config), url)
    }

    /// The queue at `url` through `client`.
    pub fn new(client: aws_sdk_sqs::Client, url: &str) -> Self {
        SqsQueue {
            client,
            url: url.to_string(),
        }
    }

    /// A client for an SQS-compatible endpoint with static credentials (tests against moto).
    pub fn client_for(endpoint: &str, region: &str) -> aws_sdk_sqs::Client {
        let credentials =
            aws_sdk_sqs::config::Credentials::new("test", "test", None, None, "static");
        let config = aws_sdk_sqs::Config::builder()
            .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
            .region(aws_sdk_sqs::config::Region::new(region.to_string()))
            .endpoint_url(endpoint)
            .credentials_provider(credentials)
            .build();
        aws_sdk_sqs::Client::from_conf(config)
    }

    /// Sends one message per id, ten to a request; fails if any entry was refused (the rows
    /// then wait for the reminders sweep to re-queue them).
    pub async fn send(&self, ids: &[i64]) -> anyhow::Result<()> {
        for chunk in ids.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(n, id)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(n.to_string())
                        .message_body(id.to_string())
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()?;
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .context("SendMessageBatch")?;
            if !out.failed().is_empty() {
                anyhow::bail!(
                    "SQS refused {} of {} messages",
                    out.failed().len(),
                    chunk.len()
                );
            }
        }
        Ok(())
    }
}
