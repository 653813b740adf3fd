//! The outbox worker: delivers queued e-mail after commit, retries failures with back-off for up
//! to 24 hours, and never fails a request. Locally a background task is woken after each commit;
//! in a Lambda function the rows are delivered right after commit, before the response.

pub mod triggers;

use std::sync::Arc;

use tokio::sync::Notify;

use crate::db::outbox;
use crate::state::AppState;

/// How long a claimed row is reserved for one delivery attempt: longer than the worst SMTP
/// conversation (each step times out after 10 s), so a second worker never takes over a send
/// that is still going on.
const LEASE_MS: i64 = 5 * 60_000;
/// After this long a message is abandoned.
const GIVE_UP_MS: i64 = 24 * 3600 * 1000;
/// Rows handled per sweep.
const BATCH: i64 = 50;

/// How queued rows get delivered after commit.
#[derive(Clone, Debug)]
pub enum Delivery {
    /// Wake the in-process worker (local server).
    Background(Arc<Notify>),
    /// Deliver before returning (Lambda functions until the SQS mailer exists; tests).
    Inline,
}

/// The outcome of one sweep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub sent: usize,
    pub retried: usize,
    pub abandoned: usize,
}

/// The back-off before attempt `attempts + 1`: 30 s, 1 min, 2 min, … capped at one hour.
pub fn backoff_ms(attempts: i32) -> i64 {
    let exp = attempts.clamp(1, 8) - 1;
    (30_000i64 << exp).min(3_600_000)
}

/// Delivers every due row once. Each row is claimed first, so concurrent workers never send the
/// same row twice while a lease holds.
pub async fn deliver_due(state: &AppState) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let now = state.clock.now_ms();
    let ids = {
        let mut c = state.db.acquire().await?;
        outbox::due(&mut c, now, BATCH).await?
    };
    for id in ids {
        let mut c = state.db.acquire().await?;
        // Each claim leases from its own start: a slow send earlier in the batch must not leave
        // the later rows with a lease that has already run out.
        let now = state.clock.now_ms();
        let Some(row) = outbox::claim(&mut c, id, now, now + LEASE_MS).await? else {
            continue;
        };
        match state.mailer.send(&row).await {
            Ok(()) => {
                outbox::mark_sent(&mut c, id, state.clock.now_ms()).await?;
                report.sent += 1;
            }
            Err(e) => {
                let now = state.clock.now_ms();
                let next = now + backoff_ms(row.attempts);
                let give_up = next - row.created_at > GIVE_UP_MS;
                tracing::warn!(outbox_id = id, attempts = row.attempts, error = %format!("{e:#}"),
                    give_up, "e-mail delivery failed");
                let next = (!give_up).then_some(next);
                outbox::mark_failed_attempt(&mut c, id, &format!("{e:#}"), next, now).await?;
                if give_up {
                    report.abandoned += 1;
                } else {
                    report.retried += 1;
                }
            }
        }
    }
    Ok(report)
}

/// Called after a transaction that queued e-mail committed.
pub async fn committed(state: &AppState) {
    match &state.delivery {
        Delivery::Background(n) => n.notify_one(),
        Delivery::Inline => {
            if let Err(e) = deliver_due(state).await {
                tracing::error!(error = %format!("{e:#}"), "outbox delivery failed");
            }
        }
    }
}

/// The local server's worker: a sweep after each commit and at least every `every`.
pub async fn run_worker(state: AppState, notify: Arc<Notify>, every: std::time::Duration) {
    loop {
        if let Err(e) = deliver_due(&state).await {
            tracing::error!(error = %format!("{e:#}"), "outbox sweep failed");
        }
        tokio::select! {
            _ = notify.notified() => {}
            _ = tokio::time::sleep(every) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_ms(1), 30_000);
        assert_eq!(backoff_ms(2), 60_000);
        assert_eq!(backoff_ms(3), 120_000);
        assert_eq!(backoff_ms(8), 3_600_000);
        assert_eq!(backoff_ms(50), 3_600_000);
    }
}
