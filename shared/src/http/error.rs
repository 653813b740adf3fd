//! `ApiError`: every failure a handler can answer, rendered as the contract's error body
//! `{"message": …, "error": <reason phrase>, "statusCode": …}`.

use std::sync::Arc;

use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

/// The message of an error body: a string, or the list of validation messages.
#[derive(Debug, Clone)]
pub enum Message {
    Text(String),
    List(Vec<String>),
}

/// An error answer.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A 4xx (or 501/503) with its message and extra headers.
    #[error("{status}: {message:?}")]
    Status {
        status: StatusCode,
        message: Message,
        headers: Vec<(HeaderName, HeaderValue)>,
    },
    /// Anything unexpected: answered as the generic 500 and logged once by the edge layer.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The error an internal failure leaves in the response extensions for the logging layer.
#[derive(Clone, Debug)]
pub struct LoggedError(pub Arc<anyhow::Error>);

impl ApiError {
    /// An error with a string message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError::Status {
            status,
            message: Message::Text(message.into()),
            headers: Vec::new(),
        }
    }
    /// 400 with a string message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    /// 400 with the validation messages.
    pub fn validation(messages: Vec<String>) -> Self {
        ApiError::Status {
            status: StatusCode::BAD_REQUEST,
            message: Message::List(messages),
            headers: Vec::new(),
        }
    }
    /// 401 `Unauthorized`.
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized")
    }
    /// 401 with a message.
    pub fn unauthorized_msg(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
    /// 403.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    /// 409.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }
    /// 408 `Request Timeout`, with `Connection: close`: the body did not arrive in time. Not in
    /// the contract's table, which has no slow clients; same body shape.
    pub fn request_timeout() -> Self {
        ApiError::Status {
            status: StatusCode::REQUEST_TIMEOUT,
            message: Message::Text("Request Timeout".into()),
            headers: vec![(
                axum::http::header::CONNECTION,
                HeaderValue::from_static("close"),
            )],
        }
    }
    /// 413.
    pub fn payload_too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, message)
    }
    /// 429 with `Retry-After`: `wait_ms` rounded up to whole seconds, at least 1.
    pub fn too_many_requests(message: impl Into<String>, wait_ms: i64) -> Self {
        let secs = (wait_ms + 999).div_euclid(1000).max(1);
        ApiError::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: Message::Text(message.into()),
            headers: vec![(axum::http::header::RETRY_AFTER, HeaderValue::from(secs))],
        }
    }
    /// 501 `Not Implemented`.
    pub fn not_implemented() -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED, "Not Implemented")
    }
    /// 500 from any error, with context.
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(e.into())
    }

    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Status { status, .. } => *status,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::Internal(anyhow::Error::new(e).context("database query failed"))
    }
}

/// The contract's error body.
pub fn error_body(status: StatusCode, message: serde_json::Value) -> Json<serde_json::Value> {
    Json(json!({
        "message": message,
        "error": status.canonical_reason().unwrap_or("Error"),
        "statusCode": status.as_u16(),
    }))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Status {
                status,
                message,
                headers,
            } => {
                let message = match message {
                    Message::Text(t) => json!(t),
                    Message::List(l) => json!(l),
                };
                let mut res = (status, error_body(status, message)).into_response();
                for (k, v) in headers {
                    res.headers_mut().insert(k, v);
                }
                res
            }
            ApiError::Internal(e) => {
                let status = StatusCode::INTERNAL_SERVER_ERROR;
                let mut res =
                    (status, error_body(status, json!("Internal server error"))).into_response();
                res.extensions_mut().insert(LoggedError(Arc::new(e)));
                res
            }
        }
    }
}

/// Turns the constraint violations a concurrent request can cause into the contract's answer,
/// where the query runs: `.on_unique_violation(|| ApiError::conflict("…"))?`. It matches on
/// sqlx's `ErrorKind`, never on constraint names (MySQL and SQLite do not report the same ones).
pub trait ResultExt<T> {
    /// A UNIQUE constraint rejected the write: answer `f()` instead of a 500.
    fn on_unique_violation(self, f: impl FnOnce() -> ApiError) -> ApiResult<T>;
    /// A FOREIGN KEY constraint rejected the write (its parent row is gone): answer `f()`.
    fn on_foreign_key_violation(self, f: impl FnOnce() -> ApiError) -> ApiResult<T>;
    /// A FOREIGN KEY constraint rejected the write: `None`, for a row that is simply not written
    /// when what it hangs on was deleted meanwhile (a participation of a member who just left).
    fn skip_on_foreign_key_violation(self) -> ApiResult<Option<T>>;
}

fn violation_kind(e: &ApiError) -> Option<sqlx::error::ErrorKind> {
    let ApiError::Internal(e) = e else {
        return None;
    };
    e.downcast_ref::<sqlx::Error>()
        .and_then(sqlx::Error::as_database_error)
        .map(|d| d.kind())
}

impl<T, E: Into<ApiError>> ResultExt<T> for Result<T, E> {
    fn on_unique_violation(self, f: impl FnOnce() -> ApiError) -> ApiResult<T> {
        self.map_err(Into::into)
            .map_err(|e| match violation_kind(&e) {
                Some(sqlx::error::ErrorKind::UniqueViolation) => f(),
                _ => e,
            })
    }
    fn on_foreign_key_violation(self, f: impl FnOnce() -> ApiError) -> ApiResult<T> {
        self.map_err(Into::into)
            .map_err(|e| match violation_kind(&e) {
                Some(sqlx::error::ErrorKind::ForeignKeyViolation) => f(),
                _ => e,
            })
    }
    fn skip_on_foreign_key_violation(self) -> ApiResult<Option<T>> {
        match self.map_err(Into::into) {
            Ok(v) => Ok(Some(v)),
            Err(e) if violation_kind(&e) == Some(sqlx::error::ErrorKind::ForeignKeyViolation) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}
