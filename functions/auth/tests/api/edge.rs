//! CORS, CSRF, routing conventions and response headers (contract 1, 2), seen through auth routes.

use super::helpers::*;

const ORIGIN: &str = "http://localhost:5173";

shared::db_tests!(
    spawn,
    the_csrf_token_route_sets_a_seed_cookie_and_the_same_cookie_gives_the_same_token,
    every_write_without_a_valid_csrf_token_is_refused_before_routing,
    preflights_are_answered_on_any_path_without_auth_or_csrf,
    responses_carry_vary_and_cors_headers_only_for_the_frontend_origin,
    unknown_routes_and_methods_are_404_with_the_requested_path,
    one_trailing_slash_is_tolerated,
    head_is_answered_on_get_routes_and_api_responses_are_not_cached
);

async fn the_csrf_token_route_sets_a_seed_cookie_and_the_same_cookie_gives_the_same_token(
    app: &TestApp,
) {
    let res = app
        .request(Method::GET, "/api/auth/csrf-token")
        .bearer("stale.token.here")
        .send()
        .await;
    assert_eq!(res.status, 200);
    let cookie = res.header("set-cookie").unwrap().to_string();
    let seed = cookie
        .strip_prefix("X-CSRF-TOKEN=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(seed.len(), 43);
    assert!(
        cookie.ends_with("; Path=/; HttpOnly; SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Expires") && !cookie.contains("Max-Age"));
    let token = res.json()["csrfToken"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 43);

    let again = app
        .request(Method::GET, "/api/auth/csrf-token")
        .header("cookie", &format!("X-CSRF-TOKEN={seed}"))
        .send()
        .await;
    assert!(
        again.header("set-cookie").is_none(),
        "a well-formed seed is kept"
    );
    assert_eq!(again.json()["csrfToken"], token.as_str());

    let res = app
        .request(Method::POST, "/api/auth/reset-password")
        .no_csrf()
        .header("cookie", &format!("X-CSRF-TOKEN={seed}"))
        .header("X-Csrf-Token", &token)
        .json(&json!({"email": "nobody@example.com"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "a token from A1 passes the check");
}

async fn every_write_without_a_valid_csrf_token_is_refused_before_routing(app: &TestApp) {
    let seed = shared::auth::csrf::new_seed();
    let writes = [
        (Method::POST, "/api/auth/register"),
        (Method::POST, "/api/auth/login"),
        (Method::POST, "/api/auth/confirm-email/x"),
        (Method::POST, "/api/auth/reset-password"),
        (Method::POST, "/api/auth/reset-password/x"),
        (Method::POST, "/api/unknown"),
        (Method::PUT, "/api/auth/login"),
        (Method::PATCH, "/api/users/1"),
        (Method::DELETE, "/api/anything"),
    ];
    for (method, path) in writes {
        let cases = [
            ("no cookie, no header", None, None),
            ("header without cookie", None, Some(app.csrf_token.clone())),
            ("cookie without header", Some(app.csrf_seed.clone()), None),
            (
                "token of another seed",
                Some(seed.clone()),
                Some(app.csrf_token.clone()),
            ),
        ];
        for (why, cookie, header) in cases {
            let mut req = app.request(method.clone(), path).no_csrf().json(&json!({}));
            if let Some(c) = cookie {
                req = req.header("cookie", &format!("X-CSRF-TOKEN={c}"));
            }
            if let Some(h) = header {
                req = req.header("x-csrf-token", &h);
            }
            let res = req.send().await;
            assert_eq!(res.status, 403, "{method} {path}: {why}");
            res.assert_error(403, json!("Invalid CSRF token"));
        }
    }
}

async fn preflights_are_answered_on_any_path_without_auth_or_csrf(app: &TestApp) {
    for path in [
        "/api/auth/login",
        "/api/nope",
        "/uploads/avatars/x.png",
        "/",
    ] {
        let res = app
            .request(Method::OPTIONS, path)
            .header("origin", ORIGIN)
            .header("access-control-request-method", "POST")
            .send()
            .await;
        assert_eq!(res.status, 204, "{path}");
        assert!(res.body.is_empty());
        assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
        assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
        assert_eq!(
            res.header("access-control-allow-methods"),
            Some("GET, HEAD, POST, PUT, PATCH, DELETE")
        );
        assert_eq!(
            res.header("access-control-allow-headers"),
            Some("Content-Type, Authorization, X-CSRF-Token, If-Match")
        );
        assert_eq!(res.header("access-control-max-age"), Some("600"));
        assert_eq!(res.header("vary"), Some("Origin"));
    }
    let res = app
        .request(Method::OPTIONS, "/api/auth/login")
        .header("origin", "http://evil.test")
        .send()
        .await;
    assert_eq!(res.status, 204);
    assert!(res.header("access-control-allow-origin").is_none());
    assert!(res.header("access-control-allow-methods").is_none());
}

async fn responses_carry_vary_and_cors_headers_only_for_the_frontend_origin(app: &TestApp) {
    let res = app
        .request(Method::GET, "/api/nope")
        .header("origin", ORIGIN)
        .send()
        .await;
    assert_eq!(res.header("vary"), Some("Origin"));
    assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(
        res.header("access-control-expose-headers"),
        Some("ETag, X-Chronos-Truncated, Retry-After")
    );
    let res = app
        .request(Method::POST, "/api/auth/login")
        .no_csrf()
        .header("origin", ORIGIN)
        .send()
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some(ORIGIN),
        "errors carry CORS headers too"
    );
    let res = app
        .request(Method::GET, "/api/auth/csrf-token")
        .header("origin", "http://localhost:5174")
        .send()
        .await;
    assert_eq!(res.header("vary"), Some("Origin"));
    assert!(res.header("access-control-allow-origin").is_none());
    assert!(res.header("access-control-allow-credentials").is_none());
}

async fn unknown_routes_and_methods_are_404_with_the_requested_path(app: &TestApp) {
    app.request(Method::GET, "/api/nope?x=1")
        .send()
        .await
        .assert_error(404, json!("Cannot GET /api/nope"));
    app.request(Method::GET, "/api/auth/login")
        .send()
        .await
        .assert_error(404, json!("Cannot GET /api/auth/login"));
    app.request(Method::DELETE, "/api/auth/login/")
        .send()
        .await
        .assert_error(404, json!("Cannot DELETE /api/auth/login/"));
}

async fn one_trailing_slash_is_tolerated(app: &TestApp) {
    let res = app
        .request(Method::GET, "/api/auth/csrf-token/")
        .send()
        .await;
    assert_eq!(res.status, 200);
    let res = post(app, "/api/auth/register/", registration("Alice")).await;
    assert_eq!(res.status, 201);
    app.request(Method::GET, "/api/auth/csrf-token//")
        .send()
        .await
        .assert_error(404, json!("Cannot GET /api/auth/csrf-token//"));
}

async fn head_is_answered_on_get_routes_and_api_responses_are_not_cached(app: &TestApp) {
    let res = app
        .request(Method::HEAD, "/api/auth/csrf-token")
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert!(res.body.is_empty());
    let res = app
        .request(Method::GET, "/api/auth/csrf-token")
        .send()
        .await;
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(
        res.header("content-type"),
        Some("application/json; charset=utf-8")
    );
}
