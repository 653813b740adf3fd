//! The function as Lambda sees it: API Gateway v2 (HTTP API) events through `lambda_http`.

use super::helpers::*;
use tower::ServiceExt;

shared::db_tests!(
    spawn,
    an_http_api_event_with_a_bearer_token_and_query_is_served
);

async fn an_http_api_event_with_a_bearer_token_and_query_is_served(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let event =
        include_str!("../fixtures/apigw_v2_find_user.json").replace("__TOKEN__", &alice.access);
    let req = lambda_http::request::from_str(&event).expect("a valid API Gateway v2 event");
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["email"], "alice@example.com");
}
