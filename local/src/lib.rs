//! The local server: every function's router in one axum app, plus the background jobs that run
//! on schedules in AWS (here on tokio intervals). What runs locally is the code Lambda runs.

pub mod serve;

use std::time::Duration;

use axum::Router;
use shared::AppState;
use shared::jobs::{self, Queue};

/// Every router, merged, behind the shared edge middleware.
pub fn app(state: AppState) -> Router {
    shared::http::app(routes(state.clone()), state)
}

/// Every function's routes, merged (without the edge).
pub fn routes(state: AppState) -> Router {
    Router::new()
        .merge(auth::router(state.clone()))
        .merge(users::router(state.clone()))
        .merge(calendars::router(state.clone()))
        .merge(events::router(state))
}

/// Delivers what the outbox holds before the process exits (a stop must not leave e-mail that
/// a request queued for the next start), within `limit`.
pub async fn flush_outbox(state: &AppState, limit: Duration) {
    match tokio::time::timeout(limit, state.outbox.deliver_due()).await {
        Ok(Ok(r)) => tracing::info!(sent = r.sent, retried = r.retried, "outbox flushed"),
        Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "outbox flush failed"),
        Err(_) => tracing::warn!("outbox flush did not finish within {limit:?}"),
    }
}

/// Starts the in-process background jobs: the outbox worker, and the scheduled functions on
/// tokio intervals at their AWS cadences (contract 6), each run once at start.
pub fn spawn_jobs(state: &AppState) {
    if let Queue::Background(notify) = state.outbox.queue() {
        tokio::spawn(jobs::run_worker(
            state.outbox.clone(),
            notify.clone(),
            Duration::from_secs(30),
        ));
    }
    every(
        state,
        state.config.reminders_every,
        "reminders",
        |s, now| async move { reminders::run(&s, now).await.map(drop) },
    );
    use maintenance::Job;
    for (job, period) in [
        (Job::Unverified, MINUTE * 15),
        (Job::Hourly, MINUTE * 60),
        (Job::Daily, DAY),
    ] {
        every(state, period, "maintenance", move |s, now| async move {
            maintenance::run(&s, now, job).await.map(drop)
        });
    }
    // Only when configured: a plain `cargo run` makes no network calls.
    if state.config.holiday_sync_configured {
        every(state, DAY, "holiday-sync", |s, now| async move {
            holiday_sync::run(&s, now).await.map(drop)
        });
    }
}

const MINUTE: Duration = Duration::from_secs(60);
const DAY: Duration = Duration::from_secs(86_400);

/// Runs `job` now and then every `period`. A failed run is logged with its job's name and
/// tried again at the next one.
fn every<F, Fut>(state: &AppState, period: Duration, name: &'static str, job: F)
where
    F: Fn(AppState, i64) -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let state = state.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let now = state.clock.now_ms();
            if let Err(e) = job(state.clone(), now).await {
                tracing::error!(job = name, error = %format!("{e:#}"), "scheduled job failed");
            }
        }
    });
}
