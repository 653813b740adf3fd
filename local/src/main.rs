//! `chronos`: the local server (`cargo run`), on http://localhost:3000.

use anyhow::Context;
use shared::config::Mode;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::init_tracing(false);
    let state = shared::AppState::from_env(Mode::Local).await?;
    chronos_local::spawn_jobs(&state);
    let port = state.config.port;
    let app = chronos_local::app(state);
    // Both loopback addresses: browsers may resolve `localhost` to either.
    let v4 = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{port}"))?;
    let v6 = tokio::net::TcpListener::bind(("::1", port)).await.ok();
    tracing::info!("Chronos listening on http://localhost:{port}");
    if let Some(v6) = v6 {
        tokio::spawn(axum::serve(v6, app.clone()).into_future());
    }
    axum::serve(v4, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving HTTP")
}
