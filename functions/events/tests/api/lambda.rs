//! The function as Lambda sees it: an API Gateway v2 (HTTP API) event through `lambda_http`.

use super::helpers::*;
use tower::ServiceExt;

shared::db_tests!(spawn, an_http_api_search_event_is_served);

async fn an_http_api_search_event_is_served(app: &TestApp) {
    let cast = Cast::new(app).await;
    create(app, &cast.creator, arrangement(cast.calendar, &[])).await;
    let event = include_str!("../fixtures/apigw_v2_search.json")
        .replace("__TOKEN__", &cast.creator.access)
        .replace("__ID__", &cast.creator.id.to_string());
    let req = lambda_http::request::from_str(&event).expect("a valid API Gateway v2 event");
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["total"], 1);
    assert_eq!(body["events"][0]["name"], "Team sync");
}
