//! The `holiday-sync` Lambda function: EventBridge Scheduler invokes it daily (contract 6.5).

// The handler futures (the state with its AWS clients, the job bodies) nest deeper than
// rustc's default layout limit.
#![recursion_limit = "256"]

use lambda_runtime::{LambdaEvent, service_fn};
use shared::config::Mode;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::init_tracing(true);
    let state = shared::AppState::from_env(Mode::Lambda).await?;
    lambda_runtime::run(service_fn(|_: LambdaEvent<serde_json::Value>| {
        let state = state.clone();
        async move {
            let report = holiday_sync::run(&state, state.clock.now_ms()).await?;
            Ok::<_, lambda_runtime::Error>(format!("{report:?}"))
        }
    }))
    .await
}
