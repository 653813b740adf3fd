//! Serving the app over TCP with the limits a server on a network needs (issue 8): a deadline
//! for each request's headers (which also closes idle keep-alive connections), a cap on open
//! connections, and a graceful stop that lets in-flight requests finish. The body deadline is
//! the extractors' (`HTTP_BODY_TIMEOUT_MS`), so it holds in Lambda too. In AWS, API Gateway
//! plays this part; this is the local server's.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use shared::config::HttpLimits;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// How long a stop waits for in-flight requests before it gives up on them.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `app` on every listener until `shutdown` completes, then stops accepting, lets open
/// requests finish (at most [`DRAIN_TIMEOUT`]) and returns.
pub async fn serve(
    listeners: Vec<TcpListener>,
    app: Router,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = Arc::new(GracefulShutdown::new());
    let (stop, stopped) = watch::channel(false);
    let accepting: Vec<_> = listeners
        .into_iter()
        .map(|l| {
            let conn = Accept {
                app: app.clone(),
                limits,
                permits: permits.clone(),
                graceful: graceful.clone(),
            };
            tokio::spawn(conn.run(l, stopped.clone()))
        })
        .collect();
    shutdown.await;
    stop.send_replace(true);
    for task in accepting {
        if let Err(e) = task.await {
            tracing::error!(error = %e, "accept loop failed");
        }
    }
    // Every accept loop has returned, and with it its handle on `graceful`.
    let Ok(graceful) = Arc::try_unwrap(graceful) else {
        tracing::error!("an accept loop is still running; not waiting for open requests");
        return;
    };
    tracing::info!(
        open = graceful.count(),
        "stopping: waiting for open requests"
    );
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("stopped with requests still open after {DRAIN_TIMEOUT:?}");
    }
}

/// One listener's accept loop.
struct Accept {
    app: Router,
    limits: HttpLimits,
    permits: Arc<Semaphore>,
    graceful: Arc<GracefulShutdown>,
}

impl Accept {
    async fn run(self, listener: TcpListener, mut stop: watch::Receiver<bool>) {
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_timeout)
            .keep_alive(true);
        loop {
            // A connection slot first: at the cap, new clients wait in the listen backlog.
            let permit = tokio::select! {
                p = self.permits.clone().acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => return,
                },
                _ = stopped(&mut stop) => return,
            };
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = stopped(&mut stop) => return,
            };
            if let Err(e) = stream.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY");
            }
            let service = TowerToHyperService::new(self.app.clone());
            let conn = http.serve_connection(TokioIo::new(stream), service);
            let conn = self.graceful.watch(conn);
            tokio::spawn(async move {
                if let Err(e) = conn.await {
                    tracing::debug!(error = %e, "connection closed with an error");
                }
                drop(permit);
            });
        }
    }
}

/// Completes once a stop is signalled (or its sender is gone, which is a stop too).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    drop(stop.wait_for(|s| *s).await);
}
