//! The SQS adapter of the job-queue port: committed outbox row ids go to the mail queue in
//! batches of ten (`SendMessageBatch`), one message per row, its body the row's id.

/// The mail queue on SQS.
pub struct SqsQueue {
    url: String,
}

impl SqsQueue {
    /// A queue at `url`.
    pub fn new(url: String) -> Self {
        SqsQueue { url }
    }

    /// The queue at `url`, with the SDK's configuration from the environment.
    pub async fn from_env(url: &str) -> Self {
        SqsQueue::new(url.to_string())
    }

    /// Sends one message per id.
    pub async fn send(&self, ids: &[i64]) -> anyhow::Result<()> {
        anyhow::bail!("SQS is not built yet ({} ids for {})", ids.len(), self.url)
    }
}
