//! The function as Lambda sees it: API Gateway v2 (HTTP API) events through `lambda_http`.

use super::helpers::*;
use shared::auth::csrf;
use tower::ServiceExt;

async fn through_lambda(app: &TestApp, event: &str) -> (u16, Vec<(String, String)>, Value) {
    let req = lambda_http::request::from_str(event).expect("a valid API Gateway v2 event");
    let res = app.router.clone().oneshot(req).await.expect("infallible");
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
        .collect();
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, headers, body)
}

shared::db_tests!(
    spawn,
    an_http_api_get_event_is_served,
    an_http_api_post_event_with_cookies_passes_csrf_and_registers
);

async fn an_http_api_get_event_is_served(app: &TestApp) {
    let event = include_str!("../fixtures/apigw_v2_csrf_token.json");
    let (status, headers, body) = through_lambda(app, event).await;
    assert_eq!(status, 200);
    assert_eq!(body["csrfToken"].as_str().unwrap().len(), 43);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "access-control-allow-origin" && v == "http://localhost:5173")
    );
}

async fn an_http_api_post_event_with_cookies_passes_csrf_and_registers(app: &TestApp) {
    let seed = csrf::new_seed();
    let token = csrf::token(&app.state.config, &seed);
    let body = serde_json::to_string(&registration("Alice")).unwrap();
    let event = include_str!("../fixtures/apigw_v2_register.json")
        .replace("__SEED__", &seed)
        .replace("__TOKEN__", &token)
        .replace("\"__BODY__\"", &serde_json::to_string(&body).unwrap());
    let (status, _, body) = through_lambda(app, &event).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["user"]["email"], "Alice@example.com");
}
