//! The test harness (feature `testing`): `TestApp` builds the real `AppState` on a fresh database
//! for one test (an SQLite file in a temp dir, or `chronos_t_<random>` on the MariaDB/MySQL server
//! named by `CHRONOS_TEST_MYSQL_URL`), drives a router with `oneshot`, and checks at the end that
//! every queued e-mail was handed off after its commit and delivered.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use crate::AppState;
use crate::accounts::{self, Registration};
use crate::auth::{csrf, sessions};
use crate::clock::Clock;
use crate::config::{Config, Mode};
use crate::db::outbox::OutboxRow;
use crate::db::{Backend, Db, calendars, outbox, users};
use crate::domain::kinds::CalendarKind;
use crate::jobs::{self, Queue};

/// Runs each listed test twice: on SQLite, and on MariaDB/MySQL when `CHRONOS_TEST_MYSQL_URL`
/// is set (otherwise that variant prints that it was skipped). Each name is an ordinary
/// `async fn name(app: &TestApp)` beside the invocation, so rustfmt and clippy see the bodies
/// and a failure points at the test's own line. `$spawn` is an
/// `async fn(Backend) -> Option<TestApp>`; the tests are `name::sqlite` and `name::mysql`.
#[macro_export]
macro_rules! db_tests {
    ($spawn:path, $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $spawn($crate::db::Backend::Sqlite).await.expect("SQLite test app");
                    super::$name(&app).await;
                    app.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn mysql() {
                    match $spawn($crate::db::Backend::MySql).await {
                        Some(app) => {
                            super::$name(&app).await;
                            app.finish().await;
                        }
                        None => eprintln!("skipped: CHRONOS_TEST_MYSQL_URL is not set"),
                    }
                }
            }
        )*
    };
}

/// Runs the requests at once (all are polled together from the first poll, so each reaches the
/// database before any has finished) and returns their responses in order.
pub async fn concurrently<F: std::future::Future>(
    requests: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    futures_util::future::join_all(requests).await
}

/// How many responses had each status, for asserting exact outcome counts.
pub fn status_counts(responses: &[TestResponse]) -> BTreeMap<u16, usize> {
    let mut counts = BTreeMap::new();
    for r in responses {
        *counts.entry(r.status.as_u16()).or_insert(0) += 1;
    }
    counts
}

/// The password every `signed_up` user has.
pub const PASSWORD: &str = "Str0ng!pass";

/// A registered, confirmed, logged-in user.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub access: String,
    pub refresh: String,
}

/// A fresh, empty database for one test: an SQLite file in a temp dir, or a
/// `chronos_t_<uuid>` database on the server `CHRONOS_TEST_MYSQL_URL` names, dropped by
/// [`TestDatabase::drop_database`].
pub struct TestDatabase {
    pub url: String,
    _dir: tempfile::TempDir,
    /// The admin URL and the database's name (MySQL).
    mysql: Option<(String, String)>,
}

impl TestDatabase {
    /// `None` when MySQL is asked for but `CHRONOS_TEST_MYSQL_URL` is not set.
    pub async fn create(backend: Backend) -> Option<TestDatabase> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, mysql) = match backend {
            Backend::Sqlite => {
                let path = dir.path().join("test.db");
                (format!("sqlite://{}?mode=rwc", path.display()), None)
            }
            Backend::MySql => {
                let admin = std::env::var("CHRONOS_TEST_MYSQL_URL")
                    .ok()
                    .filter(|u| !u.is_empty())?;
                let name = format!("chronos_t_{}", uuid::Uuid::new_v4().simple());
                Self::on_server(
                    &admin,
                    &format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"),
                )
                .await;
                let mut u = url::Url::parse(&admin).expect("CHRONOS_TEST_MYSQL_URL is a URL");
                u.set_path(&format!("/{name}"));
                (u.to_string(), Some((admin, name)))
            }
        };
        Some(TestDatabase {
            url,
            _dir: dir,
            mysql,
        })
    }

    /// Drops the MySQL database (the SQLite file goes with the temp dir).
    pub async fn drop_database(self) {
        if let Some((admin, name)) = &self.mysql {
            Self::on_server(admin, &format!("DROP DATABASE {name}")).await;
        }
    }

    async fn on_server(admin: &str, statement: &str) {
        let db = Db::connect(admin, 1, false)
            .await
            .expect("connect to CHRONOS_TEST_MYSQL_URL");
        if let Db::MySql(p) = &db {
            sqlx::query(statement)
                .execute(p)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
        db.close().await;
    }
}

/// One test's application.
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub backend: Backend,
    pub clock: Clock,
    /// The CSRF seed cookie and the matching token every write sends by default.
    pub csrf_seed: String,
    pub csrf_token: String,
    _dir: tempfile::TempDir,
    database: TestDatabase,
}

/// The variables of a test configuration (fixed secrets, log mailer, files in `dir`).
pub fn test_vars(dir: &std::path::Path) -> BTreeMap<String, String> {
    let mut vars: BTreeMap<String, String> = crate::config::SECRET_NAMES
        .iter()
        .map(|k| (k.to_string(), format!("test-{k}-{}", "s".repeat(32))))
        .collect();
    vars.insert("CHRONOS_VAR_DIR".into(), dir.display().to_string());
    vars.insert("MAIL_TRANSPORT".into(), "log".into());
    vars
}

impl TestApp {
    /// A fresh app on `backend` with the routes `routes` builds; `None` when MySQL is asked for
    /// but `CHRONOS_TEST_MYSQL_URL` is not set.
    pub async fn spawn(backend: Backend, routes: fn(AppState) -> Router) -> Option<TestApp> {
        Self::spawn_with(backend, routes, |_| {}).await
    }

    /// Like `spawn`, with a chance to change the configuration variables first.
    pub async fn spawn_with(
        backend: Backend,
        routes: fn(AppState) -> Router,
        tweak: impl FnOnce(&mut BTreeMap<String, String>),
    ) -> Option<TestApp> {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(tracing_subscriber::EnvFilter::new("warn,sqlx=error"))
            .try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut vars = test_vars(dir.path());
        let database = TestDatabase::create(backend).await?;
        vars.insert("DATABASE_URL".into(), database.url.clone());
        tweak(&mut vars);
        let config = Config::from_vars(Mode::Local, &vars).expect("test config");
        let db = Db::connect(config.database_url(), 4, false)
            .await
            .expect("test database");
        db.migrate().await.expect("migrations");
        let clock = Clock::system();
        let mailer = crate::mail::from_config(&config).expect("mailer");
        let state = AppState::new(config, db, clock.clone(), mailer, Queue::Inline).expect("state");
        let router = crate::http::app(routes(state.clone()), state.clone());
        let csrf_seed = csrf::new_seed();
        let csrf_token = csrf::token(&state.config, &csrf_seed);
        Some(TestApp {
            state,
            router,
            backend,
            clock,
            csrf_seed,
            csrf_token,
            _dir: dir,
            database,
        })
    }

    /// Starts a request: the one way a test talks to the app. Writes carry a valid CSRF token
    /// unless [`TestRequest::no_csrf`]; [`TestRequest::as_user`] adds the user's bearer token.
    pub fn request(&self, method: Method, path: &str) -> TestRequest<'_> {
        let csrf = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
        TestRequest {
            app: self,
            method,
            path: path.to_string(),
            headers: HeaderMap::new(),
            body: Vec::new(),
            csrf,
        }
    }

    /// Opens every connection of the pool (4) and returns them idle, so that parallel requests
    /// reach the database together instead of queueing behind connection set-up.
    pub async fn warm_pool(&self) {
        let conns = concurrently((0..4).map(|_| self.state.db.acquire())).await;
        for c in conns {
            c.expect("connection");
        }
    }

    /// Delivers every due e-mail, as the worker would.
    pub async fn run_jobs(&self) -> jobs::Report {
        self.state
            .outbox
            .deliver_due()
            .await
            .expect("outbox delivery")
    }

    /// Every outbox row, oldest first.
    pub async fn outbox(&self) -> Vec<OutboxRow> {
        let mut c = self.state.db.acquire().await.expect("connection");
        outbox::list_all(&mut c).await.expect("outbox rows")
    }

    /// The links of the newest e-mail to `to` with this subject.
    pub async fn last_link(&self, to: &str, subject: &str) -> String {
        let rows = self.outbox().await;
        let row = rows
            .iter()
            .rev()
            .find(|r| r.recipient == to && r.subject == subject)
            .unwrap_or_else(|| panic!("no e-mail {subject:?} to {to}"));
        let links: Vec<String> = serde_json::from_str(&row.links).expect("links");
        links.into_iter().next().expect("a link")
    }

    /// The newest link e-mailed to `to` that starts with `prefix` (delivers due mail first).
    pub async fn newest_link(&self, to: &str, prefix: &str) -> String {
        self.run_jobs().await;
        self.outbox()
            .await
            .iter()
            .rev()
            .filter(|r| r.recipient == to)
            .filter_map(|r| serde_json::from_str::<Vec<String>>(&r.links).ok())
            .flatten()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no link {prefix}… e-mailed to {to}"))
    }

    /// Shares calendar `cal` with `user` through M3 as `by`; asserts 201.
    pub async fn invite_to_calendar(
        &self,
        by: &TestUser,
        cal: i64,
        user: &TestUser,
        role: &str,
    ) -> TestResponse {
        let path = format!("/api/calendars/{cal}/members");
        let res = self
            .request(Method::POST, &path)
            .as_user(by)
            .json(&serde_json::json!({"userEmail": user.email, "role": role}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        res
    }

    /// The token of the newest invitation to `user` for calendar `cal`.
    pub async fn calendar_invitation_token(&self, cal: i64, user: &TestUser) -> String {
        let prefix = format!(
            "{}/calendars/{cal}/confirm-calendar/",
            self.state.config.frontend_url
        );
        let link = self.newest_link(&user.email, &prefix).await;
        link.rsplit('/').next().unwrap_or_default().to_string()
    }

    /// Accepts the newest invitation to `cal` through M6 (public; the frontend sends 0 as the
    /// calendar id); asserts 201.
    pub async fn accept_calendar_invitation(&self, cal: i64, user: &TestUser) -> TestResponse {
        let token = self.calendar_invitation_token(cal, user).await;
        let path = format!("/api/calendars/0/members/confirm-calendar/{token}");
        let res = self.request(Method::POST, &path).send().await;
        assert_eq!(res.status, 201, "{}", res.text());
        res
    }

    /// Registers `name` (`{name}@example.com`), confirms the address and logs in.
    pub async fn signed_up(&self, name: &str) -> TestUser {
        let user = self.registered(name).await;
        let mut c = self.state.db.acquire().await.expect("connection");
        users::set_verified(&mut c, user, self.clock.now_ms())
            .await
            .expect("verify");
        drop(c);
        self.logged_in(user).await
    }

    /// Registers `name` without confirming; returns the id.
    pub async fn registered(&self, name: &str) -> i64 {
        let r = Registration {
            first_name: name.to_string(),
            last_name: None,
            email: format!("{name}@example.com"),
            password: PASSWORD.into(),
            country_code: "UA".into(),
            time_zone: "Europe/Kyiv".into(),
        };
        accounts::register(&self.state, r)
            .await
            .expect("registration")
            .id
    }

    /// A new session for a user.
    pub async fn logged_in(&self, id: i64) -> TestUser {
        let mut tx = self.state.db.begin().await.expect("tx");
        let u = users::find_by_id(&mut tx, id)
            .await
            .expect("user")
            .expect("user exists");
        let t = sessions::create(&mut tx, &self.state, id, u.password_version)
            .await
            .expect("session");
        tx.commit().await.expect("commit");
        TestUser {
            id,
            email: u.email,
            access: t.access,
            refresh: t.refresh,
        }
    }

    /// Ends the test: delivers pending mail, fails if any e-mail is left undelivered, and drops
    /// the MySQL test database.
    ///
    /// First it fails if a queued e-mail was never handed to delivery: tests deliver inline
    /// (`Queue::Inline`), so every row a committed request queued has had its first attempt by
    /// the time the response is back. A row without one was committed without its hand-off
    /// (`AppState::commit`), and in production would wait for the reminders sweep.
    pub async fn finish(self) {
        let forgotten: Vec<String> = self
            .outbox()
            .await
            .into_iter()
            .filter(|r| r.attempts == 0 && r.sent_at.is_none())
            .map(|r| format!("{} to {} ({})", r.subject, r.recipient, r.dedupe_key))
            .collect();
        assert!(
            forgotten.is_empty(),
            "queued e-mail was never handed off after its commit: {forgotten:?}"
        );
        self.run_jobs().await;
        let stuck: Vec<String> = self
            .outbox()
            .await
            .into_iter()
            .filter(|r| r.sent_at.is_none() && r.failed_at.is_none())
            .map(|r| format!("{} to {}", r.subject, r.recipient))
            .collect();
        assert!(
            stuck.is_empty(),
            "undelivered e-mail left in the outbox: {stuck:?}"
        );
        self.state.db.close().await;
        self.database.drop_database().await;
    }
}

/// The people around one shared calendar, for the authorization tests of every function:
/// `creator` made `calendar` ("Team") and shared it with `owner`, `editor` and `viewer`
/// (confirmed, with those roles); `pending` is invited as an editor and has not accepted;
/// `guest` and `stranger` have no part in it.
pub struct Cast {
    pub creator: TestUser,
    pub owner: TestUser,
    pub editor: TestUser,
    pub viewer: TestUser,
    pub pending: TestUser,
    pub guest: TestUser,
    pub stranger: TestUser,
    pub calendar: i64,
}

impl Cast {
    /// Signs everyone up and builds `calendar` (the app must serve the calendars routes).
    pub async fn new(app: &TestApp) -> Cast {
        let mut cast = Cast {
            creator: app.signed_up("creator").await,
            owner: app.signed_up("owner").await,
            editor: app.signed_up("editor").await,
            viewer: app.signed_up("viewer").await,
            pending: app.signed_up("pending").await,
            guest: app.signed_up("guest").await,
            stranger: app.signed_up("stranger").await,
            calendar: 0,
        };
        cast.calendar = cast.team(app, "Team").await;
        cast
    }

    /// Every actor of the calendar matrices with a name, anonymous last (`None`).
    pub fn actors(&self) -> Vec<(&'static str, Option<&TestUser>)> {
        vec![
            ("creator", Some(&self.creator)),
            ("owner", Some(&self.owner)),
            ("editor", Some(&self.editor)),
            ("viewer", Some(&self.viewer)),
            ("pending", Some(&self.pending)),
            ("stranger", Some(&self.stranger)),
            ("anonymous", None),
        ]
    }

    /// A new calendar of the creator, shared like `calendar`.
    pub async fn team(&self, app: &TestApp, name: &str) -> i64 {
        let res = app
            .request(Method::POST, "/api/calendars")
            .as_user(&self.creator)
            .json(&serde_json::json!({"name": name, "color": "#33B679"}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let id = res.json()["id"].as_i64().expect("calendar id");
        for (user, role) in [
            (&self.owner, "owner"),
            (&self.editor, "editor"),
            (&self.viewer, "viewer"),
        ] {
            app.invite_to_calendar(&self.creator, id, user, role).await;
            app.accept_calendar_invitation(id, user).await;
        }
        app.invite_to_calendar(&self.creator, id, &self.pending, "editor")
            .await;
        id
    }
}

/// The id of one of a user's own calendars (`main` or `holiday`).
pub async fn own_calendar(app: &TestApp, user: &TestUser, kind: CalendarKind) -> i64 {
    let mut c = app.state.db.acquire().await.expect("connection");
    let list = calendars::list_confirmed_of_user(&mut c, user.id)
        .await
        .expect("memberships");
    list.iter()
        .find(|m| m.member.calendar_type == kind)
        .expect("the user's own calendar")
        .member
        .calendar_id
}

/// The id of a user's main calendar.
pub async fn main_calendar(app: &TestApp, user: &TestUser) -> i64 {
    own_calendar(app, user, CalendarKind::Main).await
}

/// The id of a user's membership in calendar `cal`.
pub async fn membership(app: &TestApp, user: &TestUser, cal: i64) -> i64 {
    let mut c = app.state.db.acquire().await.expect("connection");
    calendars::find_member(&mut c, cal, user.id)
        .await
        .expect("membership")
        .expect("a membership")
        .id
}

/// A request under construction.
pub struct TestRequest<'a> {
    app: &'a TestApp,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
    csrf: bool,
}

impl TestRequest<'_> {
    /// `Authorization: Bearer …`.
    /// As `user` (their access token).
    pub fn as_user(self, user: &TestUser) -> Self {
        self.bearer(&user.access)
    }

    /// As `user`, or anonymously when `None` (authorization matrices).
    pub fn as_user_opt(self, user: Option<&TestUser>) -> Self {
        match user {
            Some(u) => self.as_user(u),
            None => self,
        }
    }

    /// With a bearer token.
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }
    /// Any header.
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.append(
            HeaderName::from_bytes(k.as_bytes()).expect("header name"),
            HeaderValue::from_str(v).expect("header value"),
        );
        self
    }
    /// A JSON body.
    pub fn json(mut self, v: &Value) -> Self {
        self.body = serde_json::to_vec(v).expect("json");
        self.header("content-type", "application/json")
    }
    /// A raw body.
    pub fn body(mut self, bytes: Vec<u8>) -> Self {
        self.body = bytes;
        self
    }
    /// Sends no CSRF cookie or header.
    pub fn no_csrf(mut self) -> Self {
        self.csrf = false;
        self
    }
    /// Sends the request through the app.
    pub async fn send(self) -> TestResponse {
        let router = self.app.router.clone();
        respond(router, self.into_request()).await
    }

    /// Sends the request on a task of its own, so that requests started together run in
    /// parallel on the runtime's threads (for concurrency tests), not just interleaved.
    pub fn spawn(self) -> impl std::future::Future<Output = TestResponse> + use<> {
        let router = self.app.router.clone();
        let task = tokio::spawn(respond(router, self.into_request()));
        async move { task.await.expect("request task") }
    }

    fn into_request(self) -> Request<Body> {
        let mut req = Request::builder().method(self.method).uri(&self.path);
        if self.csrf {
            req = req
                .header("cookie", format!("{}={}", csrf::COOKIE, self.app.csrf_seed))
                .header("x-csrf-token", &self.app.csrf_token);
        }
        let mut req = req.body(Body::from(self.body)).expect("request");
        for (k, v) in &self.headers {
            req.headers_mut().append(k, v.clone());
        }
        req
    }
}

/// Runs one request through a router and reads the whole response.
async fn respond(router: Router, req: Request<Body>) -> TestResponse {
    let res = router.oneshot(req).await.expect("infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    TestResponse {
        status,
        headers,
        body,
    }
}

/// A response, fully read.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The body as JSON (panics with the text when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text()))
    }
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// A header's value.
    pub fn header(&self, k: &str) -> Option<&str> {
        self.headers.get(k).and_then(|v| v.to_str().ok())
    }
    /// Asserts the status and the contract's error body.
    #[track_caller]
    pub fn assert_error(&self, status: u16, message: Value) {
        assert_eq!(
            self.status.as_u16(),
            status,
            "status; body: {}",
            self.text()
        );
        let reason = StatusCode::from_u16(status)
            .unwrap()
            .canonical_reason()
            .unwrap();
        assert_eq!(
            self.json(),
            serde_json::json!({"message": message, "error": reason, "statusCode": status})
        );
    }
}

/// A message received by [`SmtpSink`].
#[derive(Clone, Debug, Default)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

/// A real SMTP server (mailin-embedded) on 127.0.0.1 that keeps what it receives.
#[derive(Clone, Default)]
pub struct SmtpSink {
    received: std::sync::Arc<std::sync::Mutex<Vec<ReceivedMail>>>,
    current: ReceivedMail,
}

impl mailin_embedded::Handler for SmtpSink {
    /// Refuses every recipient whose address starts with `refused` (a 550, as a mail server
    /// refuses an unknown mailbox), so tests can make one delivery fail.
    fn rcpt(&mut self, to: &str) -> mailin_embedded::Response {
        if to.trim_start_matches('<').starts_with("refused") {
            mailin_embedded::response::NO_MAILBOX
        } else {
            mailin_embedded::response::OK
        }
    }

    fn data_start(
        &mut self,
        _domain: &str,
        from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.current = ReceivedMail {
            from: from.to_string(),
            to: to.to_vec(),
            data: String::new(),
        };
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.push_str(&String::from_utf8_lossy(buf));
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let mail = std::mem::take(&mut self.current);
        self.received.lock().expect("sink lock").push(mail);
        mailin_embedded::response::OK
    }
}

impl SmtpSink {
    /// Starts the server on a free loopback port; returns the sink and its `smtp://` URL.
    pub fn start() -> (SmtpSink, String) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind SMTP sink");
        let port = listener.local_addr().expect("addr").port();
        let sink = SmtpSink::default();
        let mut server = mailin_embedded::Server::new(sink.clone());
        server
            .with_name("sink.test")
            // One thread per connection: enough for a pool of concurrent senders kept open.
            .with_num_threads(16)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            if let Err(e) = server.serve() {
                eprintln!("SMTP sink stopped: {e}");
            }
        });
        (sink, format!("smtp://127.0.0.1:{port}"))
    }

    /// Every message received so far.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().expect("sink lock").clone()
    }
}

/// What a [`TcpProxy`] does with the bytes between the app and its database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyMode {
    /// Forwards both ways.
    Open,
    /// Keeps every connection open but forwards nothing: a frozen server or network.
    Frozen,
    /// Closes every connection and refuses new ones: a dead server.
    Dead,
}

/// A TCP proxy on 127.0.0.1 in front of a real server, for tests of database outages: the app
/// connects to [`TcpProxy::port`] and the test freezes or kills the link.
pub struct TcpProxy {
    port: u16,
    mode: tokio::sync::watch::Sender<ProxyMode>,
}

impl TcpProxy {
    /// Starts forwarding 127.0.0.1:<port> to `target`.
    pub async fn start(target: std::net::SocketAddr) -> TcpProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (mode, watch) = tokio::sync::watch::channel(ProxyMode::Open);
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let watch = watch.clone();
                if *watch.borrow() == ProxyMode::Dead {
                    continue; // dropped: the client sees the connection closed
                }
                tokio::spawn(async move {
                    if let Ok(server) = tokio::net::TcpStream::connect(target).await {
                        let (cr, cw) = client.into_split();
                        let (sr, sw) = server.into_split();
                        tokio::join!(pipe(cr, sw, watch.clone()), pipe(sr, cw, watch));
                    }
                });
            }
        });
        TcpProxy { port, mode }
    }

    /// The port the app should connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Switches what the proxy does; `Dead` also closes the open connections.
    pub fn set(&self, mode: ProxyMode) {
        self.mode.send_replace(mode);
    }
}

/// Copies one direction of a proxied connection while the mode allows it.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut mode: tokio::sync::watch::Receiver<ProxyMode>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let current = *mode.borrow_and_update();
        match current {
            ProxyMode::Dead => return,
            ProxyMode::Frozen => {
                if mode.changed().await.is_err() {
                    return;
                }
            }
            ProxyMode::Open => {
                tokio::select! {
                    read = from.read(&mut buf) => match read {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if to.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    },
                    changed = mode.changed() => {
                        if changed.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    }
}
