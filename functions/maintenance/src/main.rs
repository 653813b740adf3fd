//! The `maintenance` Lambda function: EventBridge Scheduler invokes it every 15 minutes, hourly
//! and daily with the input `{"job": "unverified" | "hourly" | "daily"}` (contract 6.1, 6.2).

// The handler futures (the state with its AWS clients, the job bodies) nest deeper than
// rustc's default layout limit.
#![recursion_limit = "256"]

use lambda_runtime::{LambdaEvent, service_fn};
use shared::config::Mode;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::init_tracing(true);
    let state = shared::AppState::from_env(Mode::Lambda).await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Input>| {
        let state = state.clone();
        async move {
            let now = state.clock.now_ms();
            let report = maintenance::run(&state, now, event.payload.job).await?;
            Ok::<_, lambda_runtime::Error>(format!("{report:?}"))
        }
    }))
    .await
}

/// The schedule's input.
#[derive(serde::Deserialize)]
struct Input {
    job: maintenance::Job,
}
