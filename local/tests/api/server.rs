//! The merged local app served over TCP on 127.0.0.1, driven like the frontend drives it:
//! CSRF cookie, register, confirm from the e-mailed link, login, profile, refresh, logout.

use serde_json::{Value, json};
use shared::db::Backend;
use shared::testing::TestApp;

async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = chronos_local::app(app.state.clone());
    let limits = app.state.config.http;
    let forever = std::future::pending::<()>();
    tokio::spawn(chronos_local::serve::serve(
        vec![listener],
        router,
        limits,
        forever,
    ));
    format!("http://{addr}")
}

async fn scenario(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, |_| axum::Router::new()).await else {
        eprintln!("skipped: CHRONOS_TEST_MYSQL_URL is not set");
        return;
    };
    let base = serve(&app).await;
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let origin = "http://localhost:5173";

    let res = http
        .get(format!("{base}/api/auth/csrf-token"))
        .header("origin", origin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], origin);
    let csrf = res.json::<Value>().await.unwrap()["csrfToken"]
        .as_str()
        .unwrap()
        .to_string();
    let post = |path: &str, body: Value| {
        http.post(format!("{base}{path}"))
            .header("x-csrf-token", &csrf)
            .json(&body)
    };

    let res = post(
        "/api/auth/register/",
        json!({"firstName": "Alice", "email": "alice@example.com",
        "password": "Str0ng!pass", "countryCode": "UA", "timeZone": "Europe/Kyiv"}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["user"]["id"]
        .as_i64()
        .unwrap();

    let link = app
        .last_link("alice@example.com", "Email Confirmation for Chronos")
        .await;
    let token = link.rsplit('/').next().unwrap();
    let res = post(&format!("/api/auth/confirm-email/{token}"), json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    let res = post(
        "/api/auth/login",
        json!({"email": "alice@example.com", "password": "Str0ng!pass"}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    let access = body["accessToken"].as_str().unwrap().to_string();
    let refresh = body["refreshToken"].as_str().unwrap().to_string();

    let res = http
        .get(format!("{base}/api/users/{id}/calendars"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cals: Value = res.json().await.unwrap();
    assert_eq!(cals.as_array().unwrap().len(), 2);

    let res = post(
        "/api/auth/access-token/refresh",
        json!({"refreshToken": refresh}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let res = post("/api/auth/logout", json!({"refreshToken": refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    let res = http
        .get(format!("{base}/uploads/avatars/default-avatar.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    let res = http
        .get(format!("{base}/api/calendars/holidays?year=2025"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let holidays: Value = res.json().await.unwrap();
    assert!(holidays.as_array().unwrap().iter().any(|h| h == &json!({"title": "Independence Day",
        "startedAt": "2025-08-24", "endedAt": "2025-08-25", "description": "День незалежності України"})));
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_frontend_flow_works_over_tcp_on_sqlite() {
    scenario(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_frontend_flow_works_over_tcp_on_mysql() {
    scenario(Backend::MySql).await;
}
