//! The `events` Lambda function: `/api/events/*`, the calendar view and the user event search,
//! behind API Gateway (HTTP API, payload v2).

// The handler futures (the state with its AWS clients, the job bodies) nest deeper than
// rustc's default layout limit.
#![recursion_limit = "256"]

use shared::config::Mode;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::init_tracing(true);
    let state = shared::AppState::from_env(Mode::Lambda).await?;
    lambda_http::run(shared::http::app(events::router(state.clone()), state)).await
}
