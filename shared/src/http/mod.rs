//! HTTP plumbing shared by every function: the error type and its JSON body, extractors, and the
//! edge middleware (CORS, CSRF, trailing slash, 404 body, `Cache-Control`, error logging).

pub mod edge;
pub mod error;
pub mod extract;

pub use edge::app;
pub use error::{ApiError, ApiResult, ResultExt};
pub use extract::{Caller, CurrentUser, JsonBody, PathIds, PathParams, QueryMap};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// `201` with a JSON body.
pub fn created<T: serde::Serialize>(body: &T) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

/// `200` with a JSON body.
pub fn ok<T: serde::Serialize>(body: &T) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// A status with a zero-length body and no `Content-Type`.
pub fn empty(status: StatusCode) -> Response {
    status.into_response()
}
