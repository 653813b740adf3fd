//! The local server under slow and hostile clients (issue 8), over real TCP on 127.0.0.1:
//! header and body deadlines, the connection cap, and a graceful stop on SIGTERM.

use std::time::{Duration, Instant};

use shared::config::HttpLimits;
use shared::db::Backend;
use shared::testing::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEADER_MS: u64 = 300;
const BODY_MS: u64 = 300;

/// A test app with short deadlines and a cap of `max` connections, served on 127.0.0.1.
async fn served(
    max: usize,
) -> (
    TestApp,
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
) {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        |_| axum::Router::new(),
        |vars| {
            vars.insert("HTTP_HEADER_TIMEOUT_MS".into(), HEADER_MS.to_string());
            vars.insert("HTTP_BODY_TIMEOUT_MS".into(), BODY_MS.to_string());
            vars.insert("HTTP_MAX_CONNECTIONS".into(), max.to_string());
        },
    )
    .await
    .unwrap();
    let limits: HttpLimits = app.state.config.http;
    assert_eq!(limits.max_connections, max);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = chronos_local::app(app.state.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(chronos_local::serve::serve(
        vec![listener],
        router,
        limits,
        async {
            stopped.await.ok();
        },
    ));
    (app, addr, stop)
}

/// Reads until the server closes the connection (or `limit` passes); returns what it sent.
async fn read_to_close(s: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut out = Vec::new();
    match tokio::time::timeout(limit, s.read_to_end(&mut out)).await {
        Ok(_) => Some(String::from_utf8_lossy(&out).into_owned()),
        Err(_) => None,
    }
}

/// One plain request on a new connection; the status line's code.
async fn status_of(addr: std::net::SocketAddr, path: &str) -> u16 {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let text = read_to_close(&mut s, Duration::from_secs(5)).await.unwrap();
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_header_senders_are_cut_off_and_others_are_still_served() {
    let (app, addr, _stop) = served(8).await;
    // 20 slowloris connections: headers begun, never finished; more than the cap of 8.
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(s);
    }
    let t = Instant::now();
    assert_eq!(
        status_of(addr, "/api/health").await,
        200,
        "a normal client gets through"
    );
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "served after {:?}",
        t.elapsed()
    );
    for s in &mut slow {
        let closed = read_to_close(s, Duration::from_secs(5)).await;
        assert!(closed.is_some(), "a slow header sender is disconnected");
    }
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_deadline() {
    let (app, addr, _stop) = served(8).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let t = Instant::now();
    let text = read_to_close(&mut s, Duration::from_secs(5)).await.unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let idle = t.elapsed();
    assert!(
        idle >= Duration::from_millis(HEADER_MS / 2) && idle < Duration::from_secs(3),
        "{idle:?}"
    );
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_arrives_is_answered_408() {
    let (app, addr, _stop) = served(8).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    let cookie = format!("{}={}", shared::auth::csrf::COOKIE, app.csrf_seed);
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nCookie: {cookie}\r\n\
         X-CSRF-Token: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"em",
        app.csrf_token
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let t = Instant::now();
    let text = read_to_close(&mut s, Duration::from_secs(5)).await.unwrap();
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        text.contains(
            r#"{"message":"Request Timeout","error":"Request Timeout","statusCode":408}"#
        ),
        "{text}"
    );
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let (app, addr, _stop) = served(2).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // Both slots are taken by connections that send nothing: a third client is not served
    // until the header deadline frees a slot.
    let t = Instant::now();
    assert_eq!(status_of(addr, "/api/health").await, 200);
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(HEADER_MS / 2),
        "served at once: {waited:?}"
    );
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_lets_the_request_in_flight_finish_and_refuses_new_ones() {
    let (app, addr, stop) = served(8).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    let cookie = format!("{}={}", shared::auth::csrf::COOKIE, app.csrf_seed);
    let body = r#"{"email":"nobody@example.com","password":"Wrong!pass1"}"#;
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nCookie: {cookie}\r\n\
         X-CSRF-Token: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        app.csrf_token,
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body.as_bytes()[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    s.write_all(&body.as_bytes()[10..]).await.unwrap();
    let text = read_to_close(&mut s, Duration::from_secs(5)).await.unwrap();
    assert!(
        text.starts_with("HTTP/1.1 401"),
        "the request in flight is answered: {text}"
    );
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no new connections after the stop"
    );
    app.finish().await;
}

/// The real binary stops on SIGTERM: in-flight work done, the outbox flushed, exit status 0.
#[test]
fn the_server_binary_stops_gracefully_on_sigterm() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chronos"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CHRONOS_VAR_DIR", dir.path())
        .env("PORT", port.to_string())
        .env("HOLIDAY_API_BASE_URL", "")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let up = loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut text = String::new();
            s.read_to_string(&mut text).unwrap();
            break text;
        }
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(up.starts_with("HTTP/1.1 200"), "{up}");

    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    let mut log = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    for line in ["stop requested", "outbox flushed", "stopped"] {
        assert!(log.contains(line), "{line:?} missing from the log:\n{log}");
    }
}
