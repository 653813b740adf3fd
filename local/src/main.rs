//! `chronos`: the local server (`cargo run`), on http://localhost:3000.

use std::time::Duration;

use anyhow::Context;
use shared::config::Mode;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::init_tracing(false);
    let state = shared::AppState::from_env(Mode::Local).await?;
    chronos_local::spawn_jobs(&state);
    let port = state.config.port;
    let limits = state.config.http;
    let app = chronos_local::app(state.clone());
    // Both loopback addresses: browsers may resolve `localhost` to either.
    let mut listeners = vec![
        tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{port}"))?,
    ];
    listeners.extend(tokio::net::TcpListener::bind(("::1", port)).await.ok());
    tracing::info!("Chronos listening on http://localhost:{port}");
    chronos_local::serve::serve(listeners, app, limits, stop_signal()).await;
    chronos_local::flush_outbox(&state, Duration::from_secs(10)).await;
    state.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM (what `kill`, systemd and container runtimes send).
async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "no SIGTERM handler; stopping on Ctrl-C only");
                    ctrl_c.await.ok();
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.ok();
    tracing::info!("stop requested");
}
