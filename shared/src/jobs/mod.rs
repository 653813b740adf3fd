//! The outbox (contract 1.6, 5.3): e-mail written in the transaction of the change that causes
//! it, handed to delivery by [`Outbox::commit`] once that transaction commits, and delivered at
//! most once (each attempt claims its row with a lease, a sent row is never claimed again).
//!
//! Where the hand-off goes is the job-queue port ([`Queue`]): SQS on AWS (the `mailer` function
//! consumes it), a wake-up of the in-process worker locally, or delivery right away (tests, and
//! Lambda without a queue). A row committed but never handed off (a crash in between) is
//! re-queued by the reminders sweep ([`Outbox::requeue_forgotten`]).

pub mod queue;
pub mod triggers;

use std::sync::Arc;

use tokio::sync::Notify;

use crate::clock::Clock;
use crate::db::outbox::{self, OutboxRow};
use crate::db::{Db, Tx};
use crate::mail::Mailer;

/// How long a claimed row is reserved for one delivery attempt: longer than the worst SMTP
/// conversation (each step times out after 10 s), so a second worker never takes over a send
/// that is still going on.
const LEASE_MS: i64 = 5 * 60_000;
/// The lease of an attempt made for a queue message: longer than the mailer's 30 s timeout,
/// shorter than the mail queue's 180 s visibility timeout, so the message's next receive finds
/// the lease of a crashed attempt expired.
const QUEUE_LEASE_MS: i64 = 120_000;
/// After this long a message is abandoned.
const GIVE_UP_MS: i64 = 24 * 3600 * 1000;
/// Rows handled per sweep.
const BATCH: i64 = 50;
/// A row not tried this long after its commit was never handed off.
const FORGOTTEN_MS: i64 = 60_000;

/// Where committed rows go (the job-queue port).
pub enum Queue {
    /// Deliver them before returning (tests; Lambda functions without `MAIL_QUEUE_URL`).
    Inline,
    /// Wake the in-process worker (local server).
    Background(Arc<Notify>),
    /// Send their ids to the mail queue (AWS).
    Sqs(queue::SqsQueue),
}

/// How a failed attempt is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// By the sweeps, with back-off, for up to 24 hours (local worker, inline).
    Backoff,
    /// By the queue redelivering the message; `last` on its final receive, after which the
    /// row is marked failed (it stays visible, and the message goes to the dead-letter queue).
    Redelivery { last: bool },
}

/// What one delivery attempt did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Nothing to do: the row is missing, sent or abandoned.
    Skipped,
    /// Not now: another attempt holds the row's lease (or its back-off runs). A queue message
    /// must come back later: acknowledging it could lose the row if that attempt died.
    Busy,
    /// The mail server refused or failed; the attempt is recorded (`abandoned`: no retry).
    Failed {
        error: String,
        abandoned: bool,
    },
}

/// The outcome of one sweep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub sent: usize,
    pub retried: usize,
    pub abandoned: usize,
}

/// The outbox service: commit with hand-off, delivery, and the sweeps.
#[derive(Clone)]
pub struct Outbox {
    db: Db,
    mailer: Arc<dyn Mailer>,
    clock: Clock,
    queue: Arc<Queue>,
}

/// The back-off before attempt `attempts + 1`: 30 s, 1 min, 2 min, … capped at one hour.
pub fn backoff_ms(attempts: i32) -> i64 {
    let exp = attempts.clamp(1, 8) - 1;
    (30_000i64 << exp).min(3_600_000)
}

impl Outbox {
    pub fn new(db: Db, mailer: Arc<dyn Mailer>, clock: Clock, queue: Queue) -> Self {
        Outbox {
            db,
            mailer,
            clock,
            queue: Arc::new(queue),
        }
    }

    /// The queue rows are handed to.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// Commits `tx` and hands the e-mail it queued to delivery. A failed hand-off never fails
    /// the request: it is logged, and the rows are re-queued by the next reminders sweep.
    pub async fn commit(&self, tx: Tx) -> Result<(), sqlx::Error> {
        let ids = tx.commit_queued().await?;
        self.hand_off(&ids).await;
        Ok(())
    }

    /// Hands committed rows to the queue.
    pub async fn hand_off(&self, ids: &[i64]) {
        if ids.is_empty() {
            return;
        }
        match &*self.queue {
            Queue::Inline => {
                for &id in ids {
                    if let Err(e) = self.deliver(id, Retry::Backoff).await {
                        tracing::error!(outbox_id = id, error = %format!("{e:#}"), "e-mail delivery failed");
                    }
                }
            }
            Queue::Background(n) => n.notify_one(),
            Queue::Sqs(q) => {
                if let Err(e) = q.send(ids).await {
                    tracing::error!(outbox_ids = ?ids, error = %format!("{e:#}"),
                        "could not queue e-mail; the reminders sweep re-queues it");
                }
            }
        }
    }

    /// One delivery attempt of row `id`: claimed with a lease, sent, marked. Idempotent: a row
    /// that is missing, sent, abandoned or held by another worker is skipped.
    pub async fn deliver(&self, id: i64, retry: Retry) -> anyhow::Result<Outcome> {
        let now = self.clock.now_ms();
        // Under redelivery a failed attempt leaves the row due at once (the queue times the
        // retry), so only another worker's lease makes this claim fail.
        let lease = match retry {
            Retry::Backoff => LEASE_MS,
            Retry::Redelivery { .. } => QUEUE_LEASE_MS,
        };
        let claimed = {
            let mut c = self.db.acquire().await?;
            match outbox::claim(&mut c, id, now, now + lease).await? {
                Some(row) => Ok(row),
                None => Err(outbox::find(&mut c, id).await?),
            }
        };
        let row = match claimed {
            Ok(row) => row,
            Err(Some(r)) if r.sent_at.is_none() && r.failed_at.is_none() => {
                return Ok(Outcome::Busy);
            }
            Err(_) => return Ok(Outcome::Skipped),
        };
        // No pooled connection is held while the mail server talks.
        let sent = self.mailer.send(&row).await;
        let mut c = self.db.acquire().await?;
        match sent {
            Ok(()) => {
                outbox::mark_sent(&mut c, id, self.clock.now_ms()).await?;
                Ok(Outcome::Sent)
            }
            Err(e) => {
                let error = format!("{e:#}");
                let next = self.next_attempt(&row, retry);
                tracing::warn!(outbox_id = id, attempts = row.attempts, error = %error,
                    give_up = next.is_none(), "e-mail delivery failed");
                let now = self.clock.now_ms();
                outbox::mark_failed_attempt(&mut c, id, &error, next, now).await?;
                let abandoned = next.is_none();
                Ok(Outcome::Failed { error, abandoned })
            }
        }
    }

    /// When a failed row is tried again (`None`: given up).
    fn next_attempt(&self, row: &OutboxRow, retry: Retry) -> Option<i64> {
        let now = self.clock.now_ms();
        match retry {
            Retry::Backoff => {
                let next = now + backoff_ms(row.attempts);
                (next - row.created_at <= GIVE_UP_MS).then_some(next)
            }
            Retry::Redelivery { last } => (!last).then_some(now),
        }
    }

    /// Delivers every due row once (the local worker, tests, a stopping server).
    pub async fn deliver_due(&self) -> anyhow::Result<Report> {
        let mut report = Report::default();
        let ids = {
            let mut c = self.db.acquire().await?;
            outbox::due(&mut c, self.clock.now_ms(), BATCH).await?
        };
        for id in ids {
            match self.deliver(id, Retry::Backoff).await? {
                Outcome::Sent => report.sent += 1,
                Outcome::Skipped | Outcome::Busy => {}
                Outcome::Failed {
                    abandoned: true, ..
                } => report.abandoned += 1,
                Outcome::Failed { .. } => report.retried += 1,
            }
        }
        Ok(report)
    }

    /// Hands off again the rows committed but never tried (a crash between a commit and its
    /// hand-off), and on the local queues delivers what is due. Returns how many it re-queued.
    pub async fn requeue_forgotten(&self, now: i64) -> anyhow::Result<usize> {
        match &*self.queue {
            Queue::Sqs(_) => {
                let ids = {
                    let mut c = self.db.acquire().await?;
                    outbox::never_tried(&mut c, now - FORGOTTEN_MS, 500).await?
                };
                self.hand_off(&ids).await;
                Ok(ids.len())
            }
            Queue::Inline => Ok(self.deliver_due().await?.sent),
            Queue::Background(n) => {
                n.notify_one();
                Ok(0)
            }
        }
    }
}

/// The local server's worker: a sweep after each commit and at least every `every`.
pub async fn run_worker(outbox: Outbox, notify: Arc<Notify>, every: std::time::Duration) {
    loop {
        if let Err(e) = outbox.deliver_due().await {
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
