//! The `mailer` Lambda function: an SQS event source on the mail queue with
//! `ReportBatchItemFailures` (see `template.yaml`).

// The handler futures (the state with its AWS clients, the job bodies) nest deeper than
// rustc's default layout limit.
#![recursion_limit = "256"]

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};
use shared::config::Mode;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::init_tracing(true);
    let state = shared::AppState::from_env(Mode::Lambda).await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let state = state.clone();
        async move {
            Ok::<SqsBatchResponse, lambda_runtime::Error>(
                mailer::handle(&state, event.payload).await,
            )
        }
    }))
    .await
}
