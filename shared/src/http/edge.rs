//! The edge: what happens to every request before and after the routers (contract 1.1, 1.5, 2).
//!
//! Order: `OPTIONS` is answered by CORS; then the CSRF check on writes (every path); then the
//! path loses one trailing slash under `/api`; then the routers; then every response gets
//! `Vary: Origin`, the CORS headers for the allowed origin, and `Cache-Control: no-store` unless
//! the handler set its own (static avatars).

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error::{LoggedError, error_body};
use crate::auth::csrf;
use crate::state::AppState;

/// The path as the client sent it (without query), for the 404 message.
#[derive(Clone, Debug)]
pub struct OriginalPath(pub String);

/// Wraps the routes of one or more functions with the edge behaviour and the 404 fallback.
pub fn app(routes: Router, state: AppState) -> Router {
    let inner = routes
        .fallback(not_found)
        .method_not_allowed_fallback(not_found);
    Router::new().fallback_service(
        tower::ServiceBuilder::new()
            .layer(from_fn_with_state(state, edge))
            .service(inner),
    )
}

/// `404 "Cannot {METHOD} {path}"` for unknown routes and unsupported methods.
pub async fn not_found(req: Request) -> Response {
    let path = req
        .extensions()
        .get::<OriginalPath>()
        .map_or_else(|| req.uri().path().to_string(), |p| p.0.clone());
    let status = StatusCode::NOT_FOUND;
    let msg = format!("Cannot {} {}", req.method(), path);
    (status, error_body(status, json!(msg))).into_response()
}

async fn edge(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let allowed = is_allowed_origin(&req, &state.config.frontend_url);
    let mut res = if req.method() == Method::OPTIONS {
        preflight(allowed)
    } else if is_write(req.method()) && !csrf::request_is_valid(&req, &state.config) {
        csrf_failure(req.uri().path())
    } else {
        let original = req.uri().path().to_string();
        if let Some(uri) = trim_trailing_slash(req.uri()) {
            *req.uri_mut() = uri;
        }
        req.extensions_mut().insert(OriginalPath(original));
        run_retrying_deadlocks(req, next, &state).await
    };
    finish(&mut res, allowed, &state);
    res
}

/// How many times a request is run again after its transaction lost a deadlock.
const DEADLOCK_RETRIES: usize = 2;

/// Runs the request; on MySQL, when its transaction was chosen as a deadlock victim (error 1213,
/// "try restarting transaction") or gave up a lock wait (1205), runs it again, up to
/// [`DEADLOCK_RETRIES`] times. InnoDB has rolled the victim back, so the retry starts clean.
/// Lock ordering (calendar, event, rows) avoids every deadlock we know of; this is for the
/// ones a wide cascade (an account deletion) can still cause. Only writes are retried, and only
/// with a body small enough to keep (a declared length of at most 1 MiB, or none).
async fn run_retrying_deadlocks(req: Request, next: Next, state: &AppState) -> Response {
    if state.db.backend() != crate::db::Backend::MySql || !is_write(req.method()) {
        return next.run(req).await;
    }
    // The declared length, else what the body itself knows (an in-memory Lambda body); a body
    // of unknown length streams through unbuffered and is not retried.
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .or_else(|| axum::body::HttpBody::size_hint(req.body()).upper());
    let limit = super::extract::JSON_LIMIT as u64;
    if declared.is_none_or(|n| n > limit) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let read = axum::body::to_bytes(body, super::extract::JSON_LIMIT);
    let bytes = match tokio::time::timeout(state.config.http.body_timeout, read).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            return super::ApiError::payload_too_large("Payload Too Large").into_response();
        }
        Err(_) => return super::ApiError::request_timeout().into_response(),
    };
    let mut attempt = 0;
    loop {
        let req = Request::from_parts(parts.clone(), axum::body::Body::from(bytes.clone()));
        let res = next.clone().run(req).await;
        let Some(error) = lost_a_lock(&res).filter(|_| attempt < DEADLOCK_RETRIES) else {
            return res;
        };
        attempt += 1;
        tracing::warn!(attempt, path = %parts.uri.path(), error = %format!("{error:#}"),
            "transaction lost a lock; retrying the request");
    }
}

/// The error, when a response is the 500 of a MySQL deadlock (1213) or lock wait timeout (1205).
fn lost_a_lock(res: &Response) -> Option<std::sync::Arc<anyhow::Error>> {
    let LoggedError(e) = res.extensions().get::<LoggedError>()?;
    let lost = e.chain().any(|cause| {
        cause
            .downcast_ref::<sqlx::Error>()
            .and_then(sqlx::Error::as_database_error)
            .and_then(|d| d.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>())
            .is_some_and(|m| matches!(m.number(), 1205 | 1213))
    });
    lost.then(|| e.clone())
}

fn is_write(m: &Method) -> bool {
    matches!(
        *m,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

fn is_allowed_origin(req: &Request, frontend: &str) -> bool {
    req.headers()
        .get(header::ORIGIN)
        .is_some_and(|o| o.as_bytes() == frontend.as_bytes())
}

fn preflight(allowed: bool) -> Response {
    let mut res = StatusCode::NO_CONTENT.into_response();
    if allowed {
        let h = res.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, HEAD, POST, PUT, PATCH, DELETE"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Content-Type, Authorization, X-CSRF-Token, If-Match"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
    res
}

/// 403, or 400 on refresh and logout (contract 2.2, 8.2: a 401/403 there loops the frontend).
fn csrf_failure(path: &str) -> Response {
    let p = path.strip_suffix('/').unwrap_or(path);
    let status = if p == "/api/auth/access-token/refresh" || p == "/api/auth/logout" {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::FORBIDDEN
    };
    (status, error_body(status, json!("Invalid CSRF token"))).into_response()
}

/// `/api/x/` becomes `/api/x`; static paths and `/` are left alone.
fn trim_trailing_slash(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    if !path.starts_with("/api/") || !path.ends_with('/') || path.ends_with("//") {
        return None;
    }
    let trimmed = &path[..path.len() - 1];
    let pq = match uri.query() {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_string(),
    };
    pq.parse().ok()
}

fn finish(res: &mut Response, allowed: bool, state: &AppState) {
    if let Some(LoggedError(e)) = res.extensions_mut().remove::<LoggedError>() {
        tracing::error!(error = ?e, "request failed");
    }
    let origin = HeaderValue::from_str(&state.config.frontend_url).ok();
    let h = res.headers_mut();
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    if let (true, Some(origin)) = (allowed, origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("ETag, X-Chronos-Truncated, Retry-After"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(ct) = h.get(header::CONTENT_TYPE)
        && ct.as_bytes() == b"application/json"
    {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_slash_is_trimmed_under_api_only() {
        let t = |s: &str| trim_trailing_slash(&s.parse().unwrap()).map(|u| u.to_string());
        assert_eq!(t("/api/events/").as_deref(), Some("/api/events"));
        assert_eq!(t("/api/events/?a=1").as_deref(), Some("/api/events?a=1"));
        assert_eq!(t("/api/events"), None);
        assert_eq!(t("/api/events//"), None);
        assert_eq!(t("/uploads/avatars/x.png/"), None);
    }
}
