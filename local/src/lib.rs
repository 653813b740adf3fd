//! The local server: every function's router in one axum app, plus the background jobs that run
//! on schedules in AWS (here on tokio intervals). What runs locally is the code Lambda runs.

pub mod serve;

use std::time::Duration;

use axum::Router;
use shared::AppState;
use shared::jobs::{self, Delivery};

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
    match tokio::time::timeout(limit, jobs::deliver_due(state)).await {
        Ok(Ok(r)) => tracing::info!(sent = r.sent, retried = r.retried, "outbox flushed"),
        Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "outbox flush failed"),
        Err(_) => tracing::warn!("outbox flush did not finish within {limit:?}"),
    }
}

/// Starts the in-process background jobs.
pub fn spawn_jobs(state: &AppState) {
    if let Delivery::Background(notify) = &state.delivery {
        tokio::spawn(jobs::run_worker(
            state.clone(),
            notify.clone(),
            Duration::from_secs(30),
        ));
    }
}
